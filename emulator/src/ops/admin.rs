//! Administrative (SigV4-signed) operations: pools, app clients, users as an administrator.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::common::{self, date};
use super::mfa;
use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{
    pool_not_found, status, AppClient, PasswordRecord, Pool, PoolSettings, RefreshTokenRotation,
    TokenValidityUnits, User,
};
use crate::params::Params;
use crate::srp;

const ALL_FLOWS: &[&str] = &[
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_AUTH",
];

/// Parses and validates CreateUserPool-shaped settings.
pub fn parse_pool_settings(body: &Value) -> ApiResult<PoolSettings> {
    let mut settings: PoolSettings = serde_json::from_value(body.clone())
        .map_err(|e| ApiError::serialization(format!("Invalid user pool settings: {e}")))?;
    if settings.pool_name.is_empty() {
        return Err(ApiError::missing_member("PoolName"));
    }
    if !["OFF", "ON", "OPTIONAL"].contains(&settings.mfa_configuration.as_str()) {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]",
            settings.mfa_configuration
        )));
    }
    if !settings.username_attributes.is_empty() && !settings.alias_attributes.is_empty() {
        return Err(ApiError::invalid_parameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    for attribute in &settings.username_attributes {
        if attribute != "email" && attribute != "phone_number" {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid username attribute {attribute}"
            )));
        }
    }
    for attribute in &settings.alias_attributes {
        if !["email", "phone_number", "preferred_username"].contains(&attribute.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid alias attribute {attribute}"
            )));
        }
    }
    for attribute in settings.attributes_require_verification() {
        if attribute != "email" && attribute != "phone_number" {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '[{attribute}]' at 'userAttributeUpdateSettings.attributesRequireVerificationBeforeUpdate' failed to satisfy constraint: Member must satisfy enum value set: [phone_number, email]"
            )));
        }
        if !settings.auto_verified_attributes.contains(attribute) {
            return Err(ApiError::invalid_parameter(
                "The attributes in AttributesRequireVerificationBeforeUpdate must also be in AutoVerifiedAttributes.",
            ));
        }
    }
    check_verification_messages(&settings)?;
    if settings
        .lambda_config
        .as_ref()
        .is_some_and(|config| !config.is_object())
    {
        return Err(ApiError::serialization(
            "Member 'LambdaConfig' must be an object",
        ));
    }
    settings.schema = super::schema::validate_schema(&settings.schema)?;
    if let Some(policy) = settings
        .policies
        .as_ref()
        .and_then(|p| p.password_policy.as_ref())
    {
        if !(6..=99).contains(&policy.minimum_length) {
            return Err(ApiError::invalid_parameter(
                "Password policy MinimumLength must be between 6 and 99.",
            ));
        }
    }
    super::events::check_add_ons(&settings)?;
    Ok(settings)
}

/// A message of the verification settings: `min..=max` characters, with `placeholder` in it.
fn check_message(
    value: Option<&str>,
    member: &str,
    (min, max): (usize, usize),
    placeholder: Option<&str>,
) -> ApiResult<()> {
    let Some(text) = value else { return Ok(()) };
    let length = text.chars().count();
    if length < min || length > max {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length between {min} and {max}"
        )));
    }
    if let Some(placeholder) = placeholder.filter(|p| !text.contains(p)) {
        return Err(ApiError::invalid_parameter(format!(
            "{member} must contain the placeholder {placeholder}."
        )));
    }
    Ok(())
}

/// Validates `VerificationMessageTemplate` and the legacy verification messages.
fn check_verification_messages(settings: &PoolSettings) -> ApiResult<()> {
    const CODE: Option<&str> = Some("{####}");
    check_message(
        settings.sms_verification_message.as_deref(),
        "smsVerificationMessage",
        (6, 140),
        CODE,
    )?;
    check_message(
        settings.email_verification_message.as_deref(),
        "emailVerificationMessage",
        (6, 20_000),
        CODE,
    )?;
    check_message(
        settings.email_verification_subject.as_deref(),
        "emailVerificationSubject",
        (1, 140),
        None,
    )?;
    let Some(template) = &settings.verification_message_template else {
        return Ok(());
    };
    let template = Params::new(template).map_err(|_| {
        ApiError::serialization("Member 'VerificationMessageTemplate' must be an object")
    })?;
    let member = |key: &str| template.opt_str(key);
    check_message(
        member("SmsMessage")?,
        "verificationMessageTemplate.smsMessage",
        (6, 140),
        CODE,
    )?;
    check_message(
        member("EmailMessage")?,
        "verificationMessageTemplate.emailMessage",
        (6, 20_000),
        CODE,
    )?;
    check_message(
        member("EmailSubject")?,
        "verificationMessageTemplate.emailSubject",
        (1, 140),
        None,
    )?;
    check_message(
        member("EmailMessageByLink")?,
        "verificationMessageTemplate.emailMessageByLink",
        (6, 20_000),
        Some("{##Verify Email##}"),
    )?;
    check_message(
        member("EmailSubjectByLink")?,
        "verificationMessageTemplate.emailSubjectByLink",
        (1, 140),
        None,
    )?;
    if let Some(option) = member("DefaultEmailOption")? {
        if option != "CONFIRM_WITH_LINK" && option != "CONFIRM_WITH_CODE" {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{option}' at 'verificationMessageTemplate.defaultEmailOption' failed to satisfy constraint: Member must satisfy enum value set: [CONFIRM_WITH_LINK, CONFIRM_WITH_CODE]"
            )));
        }
    }
    Ok(())
}

/// `VerificationMessageTemplate` and the legacy `SmsVerificationMessage`,
/// `EmailVerificationMessage`, `EmailVerificationSubject`, each filled from the other as the
/// service reports them (a member of the template wins over its legacy twin).
fn add_verification_messages(settings: &PoolSettings, out: &mut Map<String, Value>) {
    let mut template = match &settings.verification_message_template {
        Some(Value::Object(members)) => members.clone(),
        _ => Map::new(),
    };
    template
        .entry("DefaultEmailOption")
        .or_insert_with(|| json!("CONFIRM_WITH_CODE"));
    let pairs = [
        (
            "SmsMessage",
            "SmsVerificationMessage",
            &settings.sms_verification_message,
        ),
        (
            "EmailMessage",
            "EmailVerificationMessage",
            &settings.email_verification_message,
        ),
        (
            "EmailSubject",
            "EmailVerificationSubject",
            &settings.email_verification_subject,
        ),
    ];
    for (member, legacy_name, legacy) in pairs {
        let from_template = template
            .get(member)
            .and_then(Value::as_str)
            .map(str::to_string);
        match (from_template, legacy) {
            (Some(text), _) => {
                out.insert(legacy_name.into(), json!(text));
            }
            (None, Some(text)) => {
                template.insert(member.into(), json!(text));
                out.insert(legacy_name.into(), json!(text));
            }
            (None, None) => {}
        }
    }
    out.insert(
        "VerificationMessageTemplate".into(),
        Value::Object(template),
    );
}

/// Builds a pool (generating its RSA key) from settings; `fixed_id` comes from `--config`.
pub fn build_pool(settings: PoolSettings, fixed_id: Option<&str>, now: i64) -> ApiResult<Pool> {
    let id = match fixed_id {
        Some(id) => {
            let valid = id.split_once('_').is_some_and(|(region, suffix)| {
                !region.is_empty()
                    && !suffix.is_empty()
                    && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if !valid {
                return Err(ApiError::invalid_parameter(format!(
                    "Pool id {id} must look like region_Suffix (letters and digits after '_')"
                )));
            }
            id.to_string()
        }
        None => format!(
            "us-east-1_{}",
            crypto::random_string(crypto::MIXED_ALNUM, 9)
        ),
    };
    Pool::new(id, settings, now)
}

/// The `UserPool` member of DescribeUserPool / CreateUserPool.
fn describe(pool: &Pool) -> Value {
    let settings = &pool.settings;
    let mut out = Map::new();
    out.insert("Id".into(), json!(pool.id));
    out.insert("Name".into(), json!(settings.pool_name));
    out.insert("Arn".into(), json!(super::resources::pool_arn(pool)));
    let policy = pool.password_policy();
    out.insert(
        "Policies".into(),
        json!({
            "PasswordPolicy": policy,
            "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD"] },
        }),
    );
    out.insert(
        "DeletionProtection".into(),
        json!(settings
            .deletion_protection
            .as_deref()
            .unwrap_or("INACTIVE")),
    );
    out.insert(
        "LambdaConfig".into(),
        settings.lambda_config.clone().unwrap_or_else(|| json!({})),
    );
    out.insert("LastModifiedDate".into(), json!(pool.last_modified));
    out.insert("CreationDate".into(), json!(pool.created));
    out.insert(
        "SchemaAttributes".into(),
        json!(super::schema::schema_attributes(pool)),
    );
    if !settings.auto_verified_attributes.is_empty() {
        out.insert(
            "AutoVerifiedAttributes".into(),
            json!(settings.auto_verified_attributes),
        );
    }
    if !settings.username_attributes.is_empty() {
        out.insert(
            "UsernameAttributes".into(),
            json!(settings.username_attributes),
        );
    }
    if !settings.alias_attributes.is_empty() {
        out.insert("AliasAttributes".into(), json!(settings.alias_attributes));
    }
    add_verification_messages(settings, &mut out);
    out.insert(
        "UserAttributeUpdateSettings".into(),
        json!({ "AttributesRequireVerificationBeforeUpdate": settings.attributes_require_verification() }),
    );
    out.insert("MfaConfiguration".into(), json!(settings.mfa_configuration));
    if let Some(device) = &settings.device_configuration {
        out.insert("DeviceConfiguration".into(), json!(device));
    }
    out.insert("EstimatedNumberOfUsers".into(), json!(pool.users.len()));
    out.insert(
        "EmailConfiguration".into(),
        settings
            .email_configuration
            .clone()
            .unwrap_or_else(|| json!({ "EmailSendingAccount": "COGNITO_DEFAULT" })),
    );
    if let Some(sms) = &settings.sms_configuration {
        out.insert("SmsConfiguration".into(), sms.clone());
    }
    if let Some(tags) = &settings.user_pool_tags {
        out.insert("UserPoolTags".into(), json!(tags));
    }
    let admin = settings
        .admin_create_user_config
        .clone()
        .unwrap_or_default();
    let mut admin_json = json!({
        "AllowAdminCreateUserOnly": admin.allow_admin_create_user_only,
        "UnusedAccountValidityDays": admin.unused_account_validity_days.unwrap_or(policy.temporary_password_validity_days),
    });
    if let Some(template) = admin.invite_message_template {
        admin_json["InviteMessageTemplate"] = template;
    }
    out.insert("AdminCreateUserConfig".into(), admin_json);
    out.insert(
        "UsernameConfiguration".into(),
        json!({ "CaseSensitive": pool.case_sensitive() }),
    );
    if let Some(recovery) = &settings.account_recovery_setting {
        out.insert("AccountRecoverySetting".into(), json!(recovery));
    }
    if let Some(add_ons) = &settings.user_pool_add_ons {
        out.insert("UserPoolAddOns".into(), json!(add_ons));
    }
    out.insert("UserPoolTier".into(), json!("ESSENTIALS"));
    super::federation::describe_pool_domains(pool, &mut out);
    Value::Object(out)
}

/// CreateUserPool.
pub fn create_user_pool(app: &App, body: &Value) -> ApiResult<Value> {
    let settings = parse_pool_settings(body)?;
    // Key generation is slow: do it before taking the lock.
    let pool = build_pool(settings, None, app.now())?;
    app.write(|db| {
        let out = describe(&pool);
        db.pools.insert(pool.id.clone(), pool);
        Ok(json!({ "UserPool": out }))
    })
}

/// DescribeUserPool.
pub fn describe_user_pool(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    app.read(|db| Ok(json!({ "UserPool": describe(db.pool(pool_id)?) })))
}

/// UpdateUserPool. Like the service, settings left out of the request return to their defaults;
/// the name, username/alias attributes, username configuration and schema are immutable.
pub fn update_user_pool(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?.to_string();
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(&pool_id)?;
        let mut request = body.clone();
        request["PoolName"] = json!(pool.settings.pool_name);
        let mut updated = parse_pool_settings(&request)?;
        let old = &pool.settings;
        updated.pool_name = old.pool_name.clone();
        updated.username_attributes = old.username_attributes.clone();
        updated.alias_attributes = old.alias_attributes.clone();
        updated.username_configuration = old.username_configuration.clone();
        updated.schema = old.schema.clone();
        if updated.software_token_mfa_configuration.is_none() {
            updated.software_token_mfa_configuration = old.software_token_mfa_configuration.clone();
        }
        if updated.sms_mfa_configuration.is_none() {
            updated.sms_mfa_configuration = old.sms_mfa_configuration.clone();
        }
        if updated.custom_auth.is_none() {
            updated.custom_auth = old.custom_auth.clone();
        }
        // Tags are managed by TagResource / UntagResource too: an update that names none keeps
        // them rather than dropping what those calls set.
        if updated.user_pool_tags.is_none() {
            updated.user_pool_tags = old.user_pool_tags.clone();
        }
        pool.settings = updated;
        pool.last_modified = now as f64;
        Ok(json!({}))
    })
}

/// DeleteUserPool (refused while DeletionProtection is ACTIVE).
pub fn delete_user_pool(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    app.write(|db| {
        let pool = db.pool(pool_id)?;
        if pool.settings.deletion_protection.as_deref() == Some("ACTIVE") {
            return Err(ApiError::invalid_parameter(
                "The user pool cannot be deleted because deletion protection is activated.",
            ));
        }
        db.pools.remove(pool_id);
        Ok(json!({}))
    })
}

/// ListUserPools.
pub fn list_user_pools(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let max = params
        .opt_i64("MaxResults")?
        .ok_or_else(|| ApiError::missing_member("MaxResults"))?;
    if !(1..=60).contains(&max) {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60",
        ));
    }
    let limit = usize::try_from(max).unwrap_or(60);
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let all: Vec<&Pool> = db.pools.values().collect();
        let (range, next) = common::page(token, limit, all.len())?;
        let page: Vec<Value> = all
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|pool| {
                json!({
                    "Id": pool.id,
                    "Name": pool.settings.pool_name,
                    "LambdaConfig": pool.settings.lambda_config.clone().unwrap_or_else(|| json!({})),
                    "LastModifiedDate": pool.last_modified,
                    "CreationDate": pool.created,
                })
            })
            .collect();
        let mut out = json!({ "UserPools": page });
        if let Some(next) = next {
            out["NextToken"] = json!(next);
        }
        Ok(out)
    })
}

fn seconds_per(unit: &str) -> ApiResult<i64> {
    match unit {
        "seconds" => Ok(1),
        "minutes" => Ok(60),
        "hours" => Ok(3600),
        "days" => Ok(86_400),
        other => Err(ApiError::invalid_parameter(format!(
            "Invalid token validity unit {other}"
        ))),
    }
}

/// Resolves one token validity: (value, unit), defaulting to `default_seconds`.
fn validity(
    value: Option<i64>,
    unit: Option<&str>,
    fallback_unit: &str,
    default_seconds: i64,
    range: (i64, i64),
    what: &str,
) -> ApiResult<(i64, String)> {
    let (value, unit) = match (value, unit) {
        (Some(value), Some(unit)) => (value, unit.to_string()),
        (Some(value), None) => (value, fallback_unit.to_string()),
        (None, Some(unit)) => (
            default_seconds / seconds_per(unit)?.max(1),
            unit.to_string(),
        ),
        (None, None) => {
            let unit = if default_seconds % 86_400 == 0 && default_seconds >= 86_400 {
                "days"
            } else {
                "minutes"
            };
            (default_seconds / seconds_per(unit)?, unit.to_string())
        }
    };
    let seconds = value.saturating_mul(seconds_per(&unit)?);
    if seconds < range.0 || seconds > range.1 {
        return Err(ApiError::invalid_parameter(format!(
            "{what} must be between {} and {} seconds.",
            range.0, range.1
        )));
    }
    Ok((value, unit))
}

/// Builds an app client from CreateUserPoolClient-shaped parameters. `fixed_id` and
/// `fixed_secret` come from `--config` so demos can use stable ids.
pub fn build_client(
    pool: &Pool,
    params: &Params<'_>,
    fixed_id: Option<&str>,
    fixed_secret: Option<&str>,
    now: i64,
) -> ApiResult<AppClient> {
    let client_name = params.req_str("ClientName")?.to_string();
    let generate_secret = params.opt_bool("GenerateSecret")?.unwrap_or(false);
    let mut flows = Vec::new();
    match params.opt_str_list("ExplicitAuthFlows")? {
        None => {
            flows.extend(
                [
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_CUSTOM_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                ]
                .map(String::from),
            );
        }
        Some(requested) => flows = super::auth::explicit_auth_flows(&requested, ALL_FLOWS)?,
    }
    let units = params.opt_object("TokenValidityUnits")?;
    let unit = |name: &str| -> ApiResult<Option<String>> {
        Ok(match &units {
            Some(units) => units.opt_str(name)?.map(String::from),
            None => None,
        })
    };
    let (access_value, access_unit) = validity(
        params.opt_i64("AccessTokenValidity")?,
        unit("AccessToken")?.as_deref(),
        "hours",
        3600,
        (300, 86_400),
        "AccessTokenValidity",
    )?;
    let (id_value, id_unit) = validity(
        params.opt_i64("IdTokenValidity")?,
        unit("IdToken")?.as_deref(),
        "hours",
        3600,
        (300, 86_400),
        "IdTokenValidity",
    )?;
    let (refresh_value, refresh_unit) = validity(
        // 0 stands for the default, as the service documents.
        params.opt_i64("RefreshTokenValidity")?.filter(|v| *v != 0),
        unit("RefreshToken")?.as_deref(),
        "days",
        30 * 86_400,
        (3600, 3650 * 86_400),
        "RefreshTokenValidity",
    )?;
    let prevent = params
        .opt_str("PreventUserExistenceErrors")?
        .unwrap_or("LEGACY")
        .to_string();
    if prevent != "LEGACY" && prevent != "ENABLED" {
        return Err(ApiError::invalid_parameter(
            "PreventUserExistenceErrors must be LEGACY or ENABLED.",
        ));
    }
    let auth_session_validity = params.opt_i64("AuthSessionValidity")?.unwrap_or(3);
    if !(3..=15).contains(&auth_session_validity) {
        return Err(ApiError::invalid_parameter(
            "AuthSessionValidity must be between 3 and 15 minutes.",
        ));
    }
    let rotation = match params.opt_object("RefreshTokenRotation")? {
        None => None,
        Some(rotation) => {
            let feature = rotation.req_str("Feature")?.to_string();
            if feature != "ENABLED" && feature != "DISABLED" {
                return Err(ApiError::invalid_parameter(
                    "RefreshTokenRotation.Feature must be ENABLED or DISABLED.",
                ));
            }
            let grace = rotation.opt_i64("RetryGracePeriodSeconds")?.unwrap_or(0);
            if !(0..=60).contains(&grace) {
                return Err(ApiError::invalid_parameter(
                    "RetryGracePeriodSeconds must be between 0 and 60.",
                ));
            }
            Some(RefreshTokenRotation {
                feature,
                retry_grace_period_seconds: grace,
            })
        }
    };
    let client_secret = match fixed_secret {
        Some(secret) => Some(secret.to_string()),
        None if generate_secret => Some(crypto::random_string(crypto::LOWER_ALNUM, 52)),
        None => None,
    };
    let mut client = AppClient {
        user_pool_id: pool.id.clone(),
        client_id: fixed_id
            .map(String::from)
            .unwrap_or_else(|| crypto::random_string(crypto::LOWER_ALNUM, 26)),
        client_name,
        client_secret,
        explicit_auth_flows: flows,
        refresh_token_validity: refresh_value,
        access_token_validity: access_value,
        id_token_validity: id_value,
        token_validity_units: TokenValidityUnits {
            access_token: access_unit,
            id_token: id_unit,
            refresh_token: refresh_unit,
        },
        read_attributes: None,
        write_attributes: None,
        prevent_user_existence_errors: prevent,
        enable_token_revocation: params.opt_bool("EnableTokenRevocation")?.unwrap_or(true),
        auth_session_validity,
        refresh_token_rotation: rotation,
        creation_date: now as f64,
        last_modified_date: now as f64,
        supported_identity_providers: None,
        callback_urls: None,
        logout_urls: None,
        default_redirect_uri: None,
        allowed_oauth_flows: None,
        allowed_oauth_scopes: None,
        allowed_oauth_flows_user_pool_client: false,
        analytics_configuration: None,
        enable_propagate_additional_user_context_data: false,
    };
    super::clients::apply_settings(pool, params, &mut client)?;
    Ok(client)
}

/// CreateUserPoolClient.
pub fn create_user_pool_client(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let client = build_client(pool, &params, None, None, now)?;
        let out = json!({ "UserPoolClient": client });
        pool.clients.insert(client.client_id.clone(), client);
        Ok(out)
    })
}

fn pool_client<'a>(pool: &'a Pool, client_id: &str) -> ApiResult<&'a AppClient> {
    pool.clients.get(client_id).ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
    })
}

/// DescribeUserPoolClient.
pub fn describe_user_pool_client(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let client_id = params.req_str("ClientId")?;
    app.read(|db| {
        let client = pool_client(db.pool(pool_id)?, client_id)?;
        Ok(json!({ "UserPoolClient": client }))
    })
}

/// DeleteUserPoolClient.
pub fn delete_user_pool_client(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let client_id = params.req_str("ClientId")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        pool_client(pool, client_id)?;
        pool.clients.remove(client_id);
        pool.ui_customizations.remove(client_id);
        Ok(json!({}))
    })
}

/// The `UserType` shape of AdminCreateUser / ListUsers.
pub fn user_type(user: &User) -> Value {
    json!({
        "Username": user.username,
        "Attributes": user.attribute_list(None),
        "UserCreateDate": date(user.created),
        "UserLastModifiedDate": date(user.last_modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}

/// Creates a user record in `pool` (AdminCreateUser, SignUp and `--config` share this).
/// Returns the internal username.
pub fn insert_new_user(
    pool: &mut Pool,
    typed_username: &str,
    password: &str,
    attributes: &[(String, String)],
    user_status: &str,
    now: i64,
) -> ApiResult<String> {
    common::check_attribute_names(pool, attributes)?;
    let mut attribute_map: BTreeMap<String, String> = attributes.iter().cloned().collect();
    let sub = uuid::Uuid::new_v4().to_string();
    let username = if pool.uses_username_attributes() {
        let as_email = pool
            .settings
            .username_attributes
            .iter()
            .any(|a| a == "email")
            && common::looks_like_email(typed_username);
        let as_phone = pool
            .settings
            .username_attributes
            .iter()
            .any(|a| a == "phone_number")
            && common::looks_like_phone(typed_username);
        let attribute = if as_email {
            "email"
        } else if as_phone {
            "phone_number"
        } else {
            let expected = pool.settings.username_attributes.join(" or ");
            return Err(ApiError::invalid_parameter(format!(
                "Username should be either an email or a phone number. Expected: {expected}."
            )));
        };
        let taken = pool.users.values().any(|u| {
            u.attributes.get(attribute).is_some_and(|v| {
                if attribute == "email" {
                    v.eq_ignore_ascii_case(typed_username)
                } else {
                    v == typed_username
                }
            })
        });
        if taken {
            let what = if attribute == "email" {
                "email"
            } else {
                "phone_number"
            };
            return Err(ApiError::new(
                "UsernameExistsException",
                format!("An account with the given {what} already exists."),
            ));
        }
        attribute_map.insert(attribute.to_string(), typed_username.to_string());
        sub.clone()
    } else {
        if typed_username.chars().any(char::is_whitespace) || typed_username.len() > 128 {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
            ));
        }
        if pool.find_username(typed_username).is_some_and(|found| {
            found == typed_username
                || (!pool.case_sensitive() && found.to_lowercase() == typed_username.to_lowercase())
        }) {
            return Err(ApiError::new(
                "UsernameExistsException",
                "User already exists",
            ));
        }
        typed_username.to_string()
    };
    let (salt_hex, verifier_hex) = srp::new_verifier(pool.srp_name(), &username, password);
    let user = User {
        username: username.clone(),
        sub,
        attributes: attribute_map,
        status: user_status.to_string(),
        enabled: true,
        created: now,
        last_modified: now,
        password: PasswordRecord {
            salt_hex,
            verifier_hex,
            set_at: now,
        },
        codes: BTreeMap::new(),
        totp_secret: None,
        pending_totp_secret: None,
        sms_mfa_enabled: false,
        software_token_mfa_enabled: false,
        preferred_mfa: None,
        devices: BTreeMap::new(),
        pending_attributes: BTreeMap::new(),
        groups: Default::default(),
    };
    pool.users.insert(username.clone(), user);
    Ok(username)
}

/// Resolves the `Username` of an admin call (internal name, or an email/alias as the service
/// accepts) to the internal username.
pub(super) fn admin_user(pool: &Pool, typed: &str) -> ApiResult<String> {
    pool.find_username(typed)
        .ok_or_else(ApiError::user_not_found)
}

/// Sets a user's password verifier.
pub fn set_password(pool: &mut Pool, username: &str, password: &str, now: i64) -> ApiResult<()> {
    let (salt_hex, verifier_hex) = srp::new_verifier(pool.srp_name(), username, password);
    let user = pool.user_mut(username)?;
    user.password = PasswordRecord {
        salt_hex,
        verifier_hex,
        set_at: now,
    };
    user.last_modified = now;
    Ok(())
}

fn send_invitation(pool: &mut Pool, username: &str, password: &str, mediums: &[String], now: i64) {
    let Ok(user) = pool.user(username) else {
        return;
    };
    let mut messages = Vec::new();
    for medium in mediums {
        let attribute = if medium == "SMS" {
            "phone_number"
        } else {
            "email"
        };
        if let Some(destination) = user.attributes.get(attribute) {
            messages.push(crate::model::OutboxMessage {
                created: now,
                username: username.to_string(),
                destination: destination.clone(),
                delivery_medium: medium.clone(),
                kind: "INVITATION".to_string(),
                code: password.to_string(),
                attribute_name: Some(attribute.to_string()),
            });
        }
    }
    for message in messages {
        pool.send(message);
    }
}

/// AdminCreateUser: the user starts in FORCE_CHANGE_PASSWORD with a temporary password.
pub fn admin_create_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let attributes = params.opt_attributes("UserAttributes")?.unwrap_or_default();
    let temporary = params.opt_str("TemporaryPassword")?;
    let action = params.opt_str("MessageAction")?;
    let mediums = params
        .opt_str_list("DesiredDeliveryMediums")?
        .unwrap_or_else(|| vec!["EMAIL".to_string()]);
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let policy = pool.password_policy();
        let password = match temporary {
            Some(password) => {
                common::check_password(&policy, password)?;
                password.to_string()
            }
            None => common::generate_temporary_password(&policy),
        };
        let username = if action == Some("RESEND") {
            let username = admin_user(pool, typed)?;
            if pool.user(&username)?.status != status::FORCE_CHANGE_PASSWORD {
                return Err(ApiError::new(
                    "UnsupportedUserStateException",
                    "Resend not possible. User has already been confirmed.",
                ));
            }
            set_password(pool, &username, &password, now)?;
            username
        } else {
            insert_new_user(
                pool,
                typed,
                &password,
                &attributes,
                status::FORCE_CHANGE_PASSWORD,
                now,
            )?
        };
        if action != Some("SUPPRESS") {
            send_invitation(pool, &username, &password, &mediums, now);
        }
        Ok(json!({ "User": user_type(pool.user(&username)?) }))
    })
}

/// AdminSetUserPassword: permanent → CONFIRMED, otherwise FORCE_CHANGE_PASSWORD.
pub fn admin_set_user_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let password = params.req_str("Password")?;
    let permanent = params.opt_bool("Permanent")?.unwrap_or(false);
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        common::check_password(&pool.password_policy(), password)?;
        set_password(pool, &username, password, now)?;
        let user = pool.user_mut(&username)?;
        user.status = if permanent {
            status::CONFIRMED
        } else {
            status::FORCE_CHANGE_PASSWORD
        }
        .to_string();
        Ok(json!({}))
    })
}

/// AdminConfirmSignUp.
pub fn admin_confirm_sign_up(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        let user = pool.user_mut(&username)?;
        if user.status != status::UNCONFIRMED {
            return Err(ApiError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        user.status = status::CONFIRMED.to_string();
        user.codes.remove("signup");
        user.last_modified = now;
        Ok(json!({}))
    })
}

/// AdminGetUser.
pub fn admin_get_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let user = pool.user(&admin_user(pool, typed)?)?;
        let mut out = json!({
            "Username": user.username,
            "UserAttributes": user.attribute_list(None),
            "UserCreateDate": date(user.created),
            "UserLastModifiedDate": date(user.last_modified),
            "Enabled": user.enabled,
            "UserStatus": user.status,
        });
        mfa::add_mfa_settings(user, &mut out);
        Ok(out)
    })
}

/// Revokes every sign-in lineage of a user (GlobalSignOut, AdminUserGlobalSignOut, deletion).
pub fn revoke_all(pool: &mut Pool, username: &str) {
    pool.origins.update_each(|_, origin| {
        let revoke = origin.username == username && !origin.revoked;
        origin.revoked |= revoke;
        revoke
    });
}

/// AdminDeleteUser.
pub fn admin_delete_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        revoke_all(pool, &username);
        pool.users.remove(&username);
        Ok(json!({}))
    })
}

/// Refuses an email / phone number another user already signs in with (UsernameAttributes or
/// AliasAttributes pools).
pub fn check_alias_free(pool: &Pool, username: &str, name: &str, value: &str) -> ApiResult<()> {
    if (name == "email" || name == "phone_number")
        && (pool.uses_username_attributes()
            || pool.settings.alias_attributes.iter().any(|a| a == name))
    {
        let taken = pool.users.values().any(|other| {
            other.username != username
                && other
                    .attributes
                    .get(name)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
        });
        if taken {
            return Err(ApiError::new(
                "AliasExistsException",
                format!("An account with the given {name} already exists."),
            ));
        }
    }
    Ok(())
}

/// Applies attribute changes: a changed email/phone loses its verified flag unless the caller
/// sets it; returns the attributes that now need verification. With
/// `AttributesRequireVerificationBeforeUpdate`, a new value for a verified email/phone waits in
/// `pending_attributes` (the old, verified value stays) until VerifyUserAttribute confirms it —
/// unless the same call sets `<name>_verified` to true.
pub fn apply_attribute_changes(
    pool: &mut Pool,
    username: &str,
    changes: &[(String, String)],
    now: i64,
) -> ApiResult<Vec<String>> {
    common::check_attribute_names(pool, changes)?;
    super::schema::check_mutable(pool, changes)?;
    for (name, value) in changes {
        check_alias_free(pool, username, name, value)?;
    }
    let require_verification = pool.attributes_requiring_verification().to_vec();
    let user = pool.user_mut(username)?;
    let mut needs_verification = Vec::new();
    for (name, value) in changes {
        let changed = user.attributes.get(name) != Some(value);
        if name == "email" || name == "phone_number" {
            let flag = format!("{name}_verified");
            let verified_in_call = changes.iter().any(|(n, v)| *n == flag && common::truthy(v));
            if !changed {
                // Setting the current value again drops a pending change.
                user.pending_attributes.remove(name);
            } else if require_verification.contains(name)
                && user.is_verified(name)
                && !verified_in_call
            {
                user.pending_attributes.insert(name.clone(), value.clone());
                needs_verification.push(name.clone());
                continue;
            } else {
                user.pending_attributes.remove(name);
            }
        }
        user.attributes.insert(name.clone(), value.clone());
        if (name == "email" || name == "phone_number") && changed {
            let flag = format!("{name}_verified");
            let explicitly_set = changes.iter().any(|(n, _)| *n == flag);
            if !explicitly_set {
                user.attributes.insert(flag, "false".to_string());
                needs_verification.push(name.clone());
            }
        }
    }
    user.last_modified = now;
    Ok(needs_verification)
}

/// AdminUpdateUserAttributes.
pub fn admin_update_user_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let changes = params
        .opt_attributes("UserAttributes")?
        .ok_or_else(|| ApiError::missing_member("UserAttributes"))?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        let pending = apply_attribute_changes(pool, &username, &changes, now)?;
        for attribute in pending {
            if pool.settings.auto_verified_attributes.contains(&attribute) {
                common::send_code(
                    pool,
                    &username,
                    &format!("verify:{attribute}"),
                    "VERIFY_ATTRIBUTE",
                    &attribute,
                    common::LONG_CODE_TTL,
                    now,
                )?;
            }
        }
        Ok(json!({}))
    })
}

/// AdminSetUserMFAPreference.
pub fn admin_set_user_mfa_preference(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        mfa::apply_mfa_preference(pool.user_mut(&username)?, &params)?;
        Ok(json!({}))
    })
}

fn set_enabled(app: &App, body: &Value, enabled: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        let user = pool.user_mut(&username)?;
        user.enabled = enabled;
        user.last_modified = now;
        if !enabled {
            // Like the service, disabling a user revokes every token it holds; enabling it
            // again does not bring them back.
            revoke_all(pool, &username);
        }
        Ok(json!({}))
    })
}

/// AdminDisableUser.
pub fn admin_disable_user(app: &App, body: &Value) -> ApiResult<Value> {
    set_enabled(app, body, false)
}

/// AdminEnableUser.
pub fn admin_enable_user(app: &App, body: &Value) -> ApiResult<Value> {
    set_enabled(app, body, true)
}

/// AdminResetUserPassword: RESET_REQUIRED and a reset code.
pub fn admin_reset_user_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        let user = pool.user_mut(&username)?;
        user.status = status::RESET_REQUIRED.to_string();
        let attribute = if user.attributes.contains_key("email") {
            "email"
        } else {
            "phone_number"
        };
        if pool.user(&username)?.attributes.contains_key(attribute) {
            common::send_code(
                pool,
                &username,
                "forgot",
                "FORGOT_PASSWORD",
                attribute,
                common::RESET_CODE_TTL,
                now,
            )?;
        }
        Ok(json!({}))
    })
}

/// AdminUserGlobalSignOut.
pub fn admin_user_global_sign_out(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = admin_user(pool, typed)?;
        revoke_all(pool, &username);
        Ok(json!({}))
    })
}

/// SetUserPoolMfaConfig.
pub fn set_user_pool_mfa_config(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let mode = params.opt_str("MfaConfiguration")?.map(String::from);
    let sms = params.raw("SmsMfaConfiguration").cloned();
    let totp = match params.raw("SoftwareTokenMfaConfiguration") {
        None => None,
        Some(value) => Some(
            serde_json::from_value::<crate::model::EnabledFlag>(value.clone()).map_err(|e| {
                ApiError::serialization(format!("Invalid SoftwareTokenMfaConfiguration: {e}"))
            })?,
        ),
    };
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if let Some(mode) = mode {
            if !["OFF", "ON", "OPTIONAL"].contains(&mode.as_str()) {
                return Err(ApiError::invalid_parameter(
                    "MfaConfiguration must be OFF, ON or OPTIONAL.",
                ));
            }
            pool.settings.mfa_configuration = mode;
        }
        if let Some(sms) = sms {
            pool.settings.sms_mfa_configuration = Some(sms);
        }
        if let Some(totp) = totp {
            pool.settings.software_token_mfa_configuration = Some(totp);
        }
        if pool.settings.mfa_configuration != "OFF"
            && !pool.sms_mfa_available()
            && !pool.totp_mfa_available()
        {
            return Err(ApiError::invalid_parameter(
                "At least one MFA method must be enabled when MFA is ON or OPTIONAL.",
            ));
        }
        pool.last_modified = now as f64;
        Ok(mfa_config(pool))
    })
}

fn mfa_config(pool: &Pool) -> Value {
    let mut out = json!({
        "MfaConfiguration": pool.settings.mfa_configuration,
        "SoftwareTokenMfaConfiguration": { "Enabled": pool.totp_mfa_available() },
    });
    if let Some(sms) = &pool.settings.sms_mfa_configuration {
        out["SmsMfaConfiguration"] = sms.clone();
    }
    out
}

/// GetUserPoolMfaConfig.
pub fn get_user_pool_mfa_config(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    app.read(|db| Ok(mfa_config(db.pool(pool_id)?)))
}

/// The attributes a ListUsers filter may name (custom attributes are not searchable).
const SEARCHABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// A parsed `ListUsers` filter: `attribute = "value"` or `attribute ^= "value"`.
struct Filter {
    attribute: String,
    value: String,
    prefix: bool,
}

/// Parses `Name op "Value"`: `op` is `=` or `^=`, the value is double-quoted with `\"` and
/// `\\` escapes, white space may surround each part. Anything else is refused, as is a name
/// that is not searchable.
fn parse_filter(text: &str) -> ApiResult<Option<Filter>> {
    let invalid = || ApiError::invalid_parameter("Error while parsing filter.");
    if text.chars().count() > 256 {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256",
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(invalid)?;
    let (attribute, rest) = text.split_at(name_end);
    let rest = rest.trim_start();
    let (prefix, rest) = if let Some(rest) = rest.strip_prefix("^=") {
        (true, rest)
    } else if let Some(rest) = rest.strip_prefix('=') {
        (false, rest)
    } else {
        return Err(invalid());
    };
    let mut chars = rest.trim_start().chars();
    if chars.next() != Some('"') {
        return Err(invalid());
    }
    let mut value = String::new();
    let mut closed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(invalid)?),
            '"' => {
                closed = true;
                break;
            }
            other => value.push(other),
        }
    }
    if !closed || !chars.as_str().trim().is_empty() {
        return Err(invalid());
    }
    if !SEARCHABLE.contains(&attribute) {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid search attribute: {attribute}. Only username, email, phone_number, name, given_name, family_name, preferred_username, cognito:user_status, status and sub can be searched."
        )));
    }
    Ok(Some(Filter {
        attribute: attribute.to_string(),
        value,
        prefix,
    }))
}

fn filter_matches(filter: &Filter, user: &User) -> bool {
    let enabled = if user.enabled { "Enabled" } else { "Disabled" };
    let (candidate, fold_case) = match filter.attribute.as_str() {
        "username" => (Some(user.username.as_str()), false),
        "cognito:user_status" => (Some(user.status.as_str()), true),
        "status" => (Some(enabled), false),
        other => (user.attr(other), false),
    };
    candidate.is_some_and(|value| {
        let (value, wanted) = if fold_case {
            (value.to_lowercase(), filter.value.to_lowercase())
        } else {
            (value.to_string(), filter.value.clone())
        };
        if filter.prefix {
            value.starts_with(&wanted)
        } else {
            value == wanted
        }
    })
}

/// ListUsers with Filter, Limit and PaginationToken.
pub fn list_users(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = params.opt_i64("Limit")?.unwrap_or(60);
    if !(0..=60).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 0 and 60",
        ));
    }
    // 0 asks for the default page.
    let limit = if limit == 0 { 60 } else { limit };
    let filter = match params.opt_str("Filter")? {
        Some(text) => parse_filter(text)?,
        None => None,
    };
    let wanted = params.opt_str_list("AttributesToGet")?;
    let token = params.opt_str("PaginationToken")?;
    let limit = usize::try_from(limit).unwrap_or(60);
    app.read(|db| {
        let pool = db
            .pools
            .get(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))?;
        if let Some(wanted) = &wanted {
            let custom = common::custom_attributes(pool);
            if let Some(unknown) = wanted.iter().find(|name| {
                !common::STANDARD_ATTRIBUTES.contains(&name.as_str()) && !custom.contains(name)
            }) {
                return Err(ApiError::invalid_parameter(format!(
                    "One or more requested attributes do not exist: {unknown}"
                )));
            }
        }
        let matching: Vec<&User> = pool
            .users
            .values()
            .filter(|u| filter.as_ref().is_none_or(|f| filter_matches(f, u)))
            .collect();
        let (range, next) = common::page(token, limit, matching.len())?;
        let users: Vec<Value> = matching
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|user| {
                let mut entry = user_type(user);
                if let Some(wanted) = &wanted {
                    // Only what was asked for, `sub` included only when asked for.
                    let listed: Vec<Value> = user
                        .attribute_list(Some(wanted))
                        .into_iter()
                        .filter(|a| {
                            a.get("Name")
                                .and_then(Value::as_str)
                                .is_some_and(|n| wanted.iter().any(|w| w == n))
                        })
                        .collect();
                    entry["Attributes"] = json!(listed);
                }
                entry
            })
            .collect();
        let mut out = json!({ "Users": users });
        if let Some(next) = next {
            out["PaginationToken"] = json!(next);
        }
        Ok(out)
    })
}
