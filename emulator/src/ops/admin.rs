//! Administrative (SigV4-signed) operations: pools, app clients, users as an administrator.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, date};
use crate::lifecycle::{hooks, messages, pools, schema, tokens, users};
use crate::model::{pool_not_found, status, AppClient, Pool, PoolSettings, User};
use crate::params::Params;

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

/// The `UserPool` member of DescribeUserPool / CreateUserPool.
fn describe(pool: &Pool) -> Value {
    let settings = &pool.settings;
    let mut out = Map::new();
    out.insert("Id".into(), json!(pool.id));
    out.insert("Name".into(), json!(settings.pool_name));
    out.insert("Arn".into(), json!(pools::pool_arn(pool)));
    let policy = pool.password_policy();
    out.insert(
        "Policies".into(),
        json!({
            "PasswordPolicy": policy,
            "SignInPolicy": { "AllowedFirstAuthFactors": pool.allowed_first_auth_factors() },
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
        json!(schema::schema_attributes(pool)),
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
    out.insert("UserPoolTier".into(), json!(pool.tier()));
    pools::describe_pool_domains(pool, &mut out);
    Value::Object(out)
}

/// CreateUserPool.
pub fn create_user_pool(app: &App, body: &Value) -> ApiResult<Value> {
    let settings = pools::parse_pool_settings(body)?;
    // Key generation is slow: do it before taking the lock.
    let pool = pools::build_pool(settings, None, app.now())?;
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
        let mut updated = pools::parse_pool_settings(&request)?;
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
        // SetUserPoolMfaConfig's settings are not members of UpdateUserPool; an update that
        // names no tier keeps the pool's tier.
        if updated.email_mfa_configuration.is_none() {
            updated.email_mfa_configuration = old.email_mfa_configuration.clone();
        }
        if updated.web_authn_configuration.is_none() {
            updated.web_authn_configuration = old.web_authn_configuration.clone();
        }
        if updated.user_pool_tier.is_none() {
            updated.user_pool_tier = old.user_pool_tier.clone();
        }
        let user_auth_clients = pool.clients.values().any(|c| c.allows("ALLOW_USER_AUTH"));
        pools::check_tier_features(&updated, user_auth_clients)?;
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
        return Err(ApiError::out_of_range("maxResults", max, 1, 60));
    }
    let limit = usize::try_from(max).unwrap_or(60);
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let all: Vec<&Pool> = db.pools.values().collect();
        let (range, next) = common::page("ListUserPools", token, limit, all.len())?;
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

/// CreateUserPoolClient.
pub fn create_user_pool_client(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let client = pools::build_client(pool, &params, None, None, now)?;
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

/// AdminCreateUser: the user starts in FORCE_CHANGE_PASSWORD with a temporary password.
pub fn admin_create_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let attributes = params.opt_attributes("UserAttributes")?.unwrap_or_default();
    let temporary = params.opt_str("TemporaryPassword")?;
    let action = params.opt_str("MessageAction")?;
    let force_alias = params.opt_bool("ForceAliasCreation")?.unwrap_or(false);
    if let Some(other) = action.filter(|a| !matches!(*a, "RESEND" | "SUPPRESS")) {
        return Err(ApiError::not_in_enum(
            other,
            "messageAction",
            &["RESEND", "SUPPRESS"],
        ));
    }
    // Without DesiredDeliveryMediums the reference's default is SMS; a user without a phone
    // number gets the invitation by email instead (`send_invitation`).
    let mediums = params.opt_str_list("DesiredDeliveryMediums")?;
    if let Some(list) = mediums
        .as_ref()
        .filter(|l| l.iter().any(|m| m != "SMS" && m != "EMAIL"))
    {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '[{}]' at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SMS, EMAIL]]",
            list.join(", ")
        )));
    }
    let validation: std::collections::BTreeMap<String, String> = params
        .opt_attributes("ValidationData")?
        .unwrap_or_default()
        .into_iter()
        .collect();
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    // PreSignUp_AdminCreateUser and CustomMessage_AdminCreateUser run before the lock is taken.
    let sub = uuid::Uuid::new_v4().to_string();
    let (user_name, existing) = app.read(|db| {
        let pool = db.pool(pool_id)?;
        if action == Some("RESEND") {
            let username = users::lookup(pool, typed)?;
            Ok((username.clone(), Some(username)))
        } else {
            Ok((users::future_username(pool, &sub, typed), None))
        }
    })?;
    if existing.is_none() {
        hooks::pre_sign_up(
            app,
            pool_id,
            None,
            true,
            &user_name,
            &attributes,
            Some(&validation),
            Some(&metadata),
        )?;
    }
    let texts = match (&existing, action) {
        (_, Some("SUPPRESS")) => None,
        (Some(username), _) => hooks::custom_message_for(
            app,
            pool_id,
            None,
            "CustomMessage_AdminCreateUser",
            username,
            Some(&metadata),
        )?,
        (None, _) if hooks::configured(app, pool_id, crate::triggers::Trigger::CustomMessage)? => {
            let mut future = serde_json::Map::new();
            future.insert("sub".into(), json!(sub));
            for (name, value) in &attributes {
                future.insert(name.clone(), json!(value));
            }
            future.insert(
                "cognito:user_status".into(),
                json!(status::FORCE_CHANGE_PASSWORD),
            );
            hooks::custom_message(
                app,
                pool_id,
                None,
                "CustomMessage_AdminCreateUser",
                &user_name,
                Value::Object(future),
                true,
                Some(&metadata),
            )?
        }
        (None, _) => None,
    };
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
            let username = users::lookup(pool, typed)?;
            if pool.user(&username)?.status != status::FORCE_CHANGE_PASSWORD {
                return Err(ApiError::new(
                    "UnsupportedUserStateException",
                    "Resend not possible. User has already been confirmed.",
                ));
            }
            users::set_password(pool, &username, &password, now)?;
            username
        } else {
            let aliases = users::new_user_aliases(pool, &attributes, force_alias)?;
            let username = users::create_user_as(
                pool,
                &sub,
                typed,
                &password,
                &attributes,
                status::FORCE_CHANGE_PASSWORD,
                users::Creation::AdminCreateUser,
                now,
            )?;
            // ForceAliasCreation: the alias moves here, the other holder's value is unverified.
            for channel in aliases {
                users::claim_alias(pool, &username, channel, true)?;
            }
            username
        };
        if action != Some("SUPPRESS") {
            messages::send_invitation(
                pool,
                &username,
                &password,
                mediums.as_deref(),
                texts.as_ref(),
                now,
            );
        }
        Ok(json!({ "User": users::user_type(pool.user(&username)?) }))
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
        let username = users::lookup(pool, typed)?;
        common::check_password(&pool.password_policy(), password)?;
        users::set_password(pool, &username, password, now)?;
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
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let username = app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = users::lookup(pool, typed)?;
        let user = pool.user(&username)?;
        if user.status != status::UNCONFIRMED {
            return Err(ApiError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        users::confirm_user(pool, &username, users::Confirmation::Admin, now)?;
        Ok(username)
    })?;
    hooks::post_confirmation(app, pool_id, &username, None, false, Some(&metadata))?;
    Ok(json!({}))
}

/// AdminGetUser.
pub fn admin_get_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let user = pool.user(&users::lookup(pool, typed)?)?;
        let mut out = json!({
            "Username": user.username,
            "UserAttributes": user.attribute_list(None),
            "UserCreateDate": date(user.created),
            "UserLastModifiedDate": date(user.last_modified),
            "Enabled": user.enabled,
            "UserStatus": user.status,
        });
        users::add_mfa_settings(user, &mut out);
        Ok(out)
    })
}

/// AdminDeleteUser.
pub fn admin_delete_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = users::lookup(pool, typed)?;
        users::delete_user(pool, &username);
        Ok(json!({}))
    })
}

/// AdminUpdateUserAttributes.
pub fn admin_update_user_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let changes = params
        .opt_attributes("UserAttributes")?
        .ok_or_else(|| ApiError::missing_member("UserAttributes"))?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let texts = if changes
        .iter()
        .any(|(name, _)| name == "email" || name == "phone_number")
    {
        let username = app.read(|db| users::lookup(db.pool(pool_id)?, typed))?;
        hooks::custom_message_for(
            app,
            pool_id,
            None,
            "CustomMessage_UpdateUserAttribute",
            &username,
            Some(&metadata),
        )?
    } else {
        None
    };
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = users::lookup(pool, typed)?;
        let pending = users::apply_attribute_changes(pool, &username, &changes, now)?;
        for attribute in pending {
            if pool.settings.auto_verified_attributes.contains(&attribute) {
                messages::send_code(
                    pool,
                    &username,
                    &format!("verify:{attribute}"),
                    "VERIFY_ATTRIBUTE",
                    &attribute,
                    messages::LONG_CODE_TTL,
                    texts.as_ref(),
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
        let username = users::lookup(pool, typed)?;
        let email_mfa = pool.email_mfa_available();
        users::apply_mfa_preference(email_mfa, pool.user_mut(&username)?, &params)?;
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
        let username = users::lookup(pool, typed)?;
        users::set_enabled(pool, &username, enabled, now)?;
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

/// AdminResetUserPassword: RESET_REQUIRED and a reset code to a verified email or phone; refused
/// for a FORCE_CHANGE_PASSWORD user.
pub fn admin_reset_user_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let username = app.read(|db| {
        let pool = db.pool(pool_id)?;
        let username = users::lookup(pool, typed)?;
        if pool.user(&username)?.status == status::FORCE_CHANGE_PASSWORD {
            // Refused before CustomMessage could run for a reset that never happens.
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        Ok(username)
    })?;
    let texts = hooks::custom_message_for(
        app,
        pool_id,
        None,
        "CustomMessage_ForgotPassword",
        &username,
        Some(&metadata),
    )?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let username = users::lookup(pool, typed)?;
        let user = pool.user_mut(&username)?;
        if user.status == status::FORCE_CHANGE_PASSWORD {
            // A user who never set a password has none to reset (the service's answer).
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        user.status = status::RESET_REQUIRED.to_string();
        // The code goes only to a verified address; without one the user gets none and must
        // be given a password by an administrator.
        let verified = ["email", "phone_number"]
            .into_iter()
            .find(|attribute| user.is_verified(attribute));
        if let Some(attribute) = verified {
            messages::send_reset_code(pool, &username, attribute, texts.as_ref(), now)?;
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
        let username = users::lookup(pool, typed)?;
        tokens::revoke_all(pool, &username);
        Ok(json!({}))
    })
}

fn mfa_off_with_factor() -> ApiError {
    ApiError::invalid_parameter(
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
    )
}

/// `SmsMfaConfiguration` of SetUserPoolMfaConfig: `SmsAuthenticationMessage` (6–140 characters
/// with `{####}`) and `SmsConfiguration` (`SnsCallerArn` an ARN). Returns the value to store, or
/// `None` for one without `SmsConfiguration` (no usable factor).
fn parse_sms_mfa_configuration(value: &Value) -> ApiResult<Option<Value>> {
    let params = Params::new(value)
        .map_err(|_| ApiError::serialization("Member 'SmsMfaConfiguration' must be an object"))?;
    if let Some(message) = params.opt_str("SmsAuthenticationMessage")? {
        let length = message.chars().count();
        if !(6..=140).contains(&length) {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'smsMfaConfiguration.smsAuthenticationMessage' failed to satisfy constraint: Member must have length between 6 and 140",
            ));
        }
        if !message.contains("{####}") {
            return Err(ApiError::invalid_parameter(
                "SmsAuthenticationMessage must contain the placeholder {####}.",
            ));
        }
    }
    let Some(sms) = params.opt_object("SmsConfiguration")? else {
        return Ok(None);
    };
    let arn = sms.req_str("SnsCallerArn")?;
    if !common::is_arn(arn) {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{arn}' at 'smsMfaConfiguration.smsConfiguration.snsCallerArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?"
        )));
    }
    Ok(Some(value.clone()))
}

/// SetUserPoolMfaConfig. Members left out keep their current setting. A factor given together
/// with `MfaConfiguration` OFF is refused, as is ON/OPTIONAL with no usable factor;
/// `WebAuthnConfiguration` (passkeys, a first factor) is independent of the MFA mode.
pub fn set_user_pool_mfa_config(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let mode = params.opt_str("MfaConfiguration")?.map(String::from);
    if let Some(mode) = &mode {
        pools::check_mfa_mode(mode)?;
    }
    let sms = match params.raw("SmsMfaConfiguration") {
        None => None,
        Some(value) => Some(parse_sms_mfa_configuration(value)?),
    };
    let totp = match params.raw("SoftwareTokenMfaConfiguration") {
        None => None,
        Some(value) => Some(
            serde_json::from_value::<crate::model::EnabledFlag>(value.clone()).map_err(|e| {
                ApiError::serialization(format!("Invalid SoftwareTokenMfaConfiguration: {e}"))
            })?,
        ),
    };
    let email = match params.raw("EmailMfaConfiguration") {
        None => None,
        Some(value) => Some(pools::parse_email_mfa_configuration(value)?),
    };
    let web_authn = match params.raw("WebAuthnConfiguration") {
        None => None,
        Some(value) => Some(pools::parse_web_authn_configuration(value)?),
    };
    if mode.as_deref() == Some("OFF") {
        let enables = matches!(sms, Some(Some(_)))
            || totp.as_ref().is_some_and(|t| t.enabled)
            || email.is_some();
        if enables {
            return Err(mfa_off_with_factor());
        }
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let mut settings = pool.settings.clone();
        if let Some(mode) = mode {
            settings.mfa_configuration = mode;
        }
        if let Some(sms) = sms {
            settings.sms_mfa_configuration = sms;
        }
        if let Some(totp) = totp {
            settings.software_token_mfa_configuration = Some(totp);
        }
        if let Some(email) = email {
            settings.email_mfa_configuration = Some(email);
        }
        if let Some(web_authn) = web_authn {
            settings.web_authn_configuration = Some(web_authn);
        }
        pools::check_tier_features(&settings, false)?;
        let previous = std::mem::replace(&mut pool.settings, settings);
        if pool.settings.mfa_configuration != "OFF"
            && !pool.sms_mfa_available()
            && !pool.totp_mfa_available()
            && !pool.email_mfa_available()
        {
            pool.settings = previous;
            return Err(ApiError::invalid_parameter(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
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
    if let Some(email) = &pool.settings.email_mfa_configuration {
        out["EmailMfaConfiguration"] = email.clone();
    }
    if let Some(web_authn) = pool.web_authn() {
        out["WebAuthnConfiguration"] = json!(web_authn);
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
        return Err(ApiError::out_of_range("limit", limit, 0, 60));
    }
    // 0 asks for the default page.
    let limit = if limit == 0 { 60 } else { limit };
    let filter_text = params.opt_str("Filter")?;
    let filter = match filter_text {
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
        // A token serves the same filter only.
        let scope = format!("ListUsers {pool_id} {}", filter_text.unwrap_or_default());
        let (range, next) = common::page(&scope, token, limit, matching.len())?;
        let users: Vec<Value> = matching
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|user| {
                let mut entry = users::user_type(user);
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
