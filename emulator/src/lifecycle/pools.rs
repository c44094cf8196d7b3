//! Pools and app clients: parsing and validating their settings (shared by the API and the
//! `--config` loader) and the parts of their descriptions other resources contribute.

use serde_json::{json, Map, Value};

use super::{events, schema};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{
    AppClient, Pool, PoolSettings, RefreshTokenRotation, TokenValidityUnits, WebAuthnConfiguration,
    LEGACY_AUTH_FLOWS,
};
use crate::params::Params;

/// Every ExplicitAuthFlows value a client may allow.
pub const ALL_FLOWS: &[&str] = &[
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
    check_mfa_mode(&settings.mfa_configuration)?;
    if let Some(tier) = &settings.user_pool_tier {
        if !TIERS.contains(&tier.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{tier}' at 'userPoolTier' failed to satisfy constraint: Member must satisfy enum value set: [LITE, ESSENTIALS, PLUS]"
            )));
        }
    }
    if let Some(policy) = settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
    {
        check_first_auth_factors(&policy.allowed_first_auth_factors)?;
    }
    if let Some(config) = &settings.web_authn_configuration {
        check_web_authn_configuration(config)?;
    }
    if let Some(config) = &settings.email_mfa_configuration {
        settings.email_mfa_configuration = Some(parse_email_mfa_configuration(config)?);
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
    settings.schema = schema::validate_schema(&settings.schema)?;
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
    events::check_add_ons(&settings)?;
    check_tier_features(&settings, false)?;
    Ok(settings)
}

/// The `UserPoolTier` values.
pub const TIERS: &[&str] = &["LITE", "ESSENTIALS", "PLUS"];

/// Checks an `MfaConfiguration` value (the service lists its enum as `[OPTIONAL, OFF, ON]`).
pub fn check_mfa_mode(mode: &str) -> ApiResult<()> {
    if ["OFF", "ON", "OPTIONAL"].contains(&mode) {
        return Ok(());
    }
    Err(ApiError::invalid_parameter(format!(
        "1 validation error detected: Value '{mode}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OPTIONAL, OFF, ON]"
    )))
}

/// FeatureUnavailableInTierException for `feature` in a pool of `tier`.
pub fn tier_unavailable(tier: &str, feature: &str) -> ApiError {
    ApiError::new(
        "FeatureUnavailableInTierException",
        format!("The following features need to be disabled for the {tier} pricing tier configured: {feature}"),
    )
}

/// Refuses the ESSENTIALS-or-higher features in a LITE pool: first factors other than PASSWORD,
/// email MFA, passkeys, and (`client_user_auth`) app clients that allow `ALLOW_USER_AUTH`.
pub fn check_tier_features(settings: &PoolSettings, client_user_auth: bool) -> ApiResult<()> {
    let tier = settings.tier();
    if tier == "LITE" {
        let mut features = Vec::new();
        if settings
            .allowed_first_auth_factors()
            .iter()
            .any(|f| f != "PASSWORD")
        {
            features.push("Passwordless sign-in");
        }
        if client_user_auth {
            features.push("Choice-based sign-in (ALLOW_USER_AUTH)");
        }
        if settings.web_authn_configuration.is_some() {
            features.push("Passkeys (WebAuthnConfiguration)");
        }
        if settings.email_mfa_configuration.is_some() {
            features.push("Email MFA");
        }
        if !features.is_empty() {
            return Err(tier_unavailable(tier, &features.join(", ")));
        }
    }
    if settings.email_mfa_configuration.is_some() {
        let account = settings
            .email_configuration
            .as_ref()
            .and_then(|c| c.get("EmailSendingAccount"))
            .and_then(Value::as_str)
            .unwrap_or("COGNITO_DEFAULT");
        if account != "DEVELOPER" {
            return Err(ApiError::invalid_parameter(
                "Email MFA needs EmailConfiguration.EmailSendingAccount DEVELOPER.",
            ));
        }
    }
    Ok(())
}

/// Checks `Policies.SignInPolicy.AllowedFirstAuthFactors`.
pub fn check_first_auth_factors(factors: &[String]) -> ApiResult<()> {
    const AUTH_FACTORS: &str = "[PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN, SOFTWARE_TOKEN]";
    if factors.len() > 5 {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '[{}]' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must have length less than or equal to 5",
            factors.join(", ")
        )));
    }
    for factor in factors {
        match factor.as_str() {
            "PASSWORD" | "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN" => {}
            "SOFTWARE_TOKEN" => {
                return Err(ApiError::invalid_parameter(
                    "SOFTWARE_TOKEN is not currently supported as a first auth factor.",
                ))
            }
            other => {
                return Err(ApiError::invalid_parameter(format!(
                    "1 validation error detected: Value '[{other}]' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must satisfy enum value set: {AUTH_FACTORS}"
                )))
            }
        }
    }
    if !factors.iter().any(|f| f == "PASSWORD") {
        return Err(ApiError::invalid_parameter(
            "AllowedFirstAuthFactors must include PASSWORD.",
        ));
    }
    Ok(())
}

/// Whether `id` is a WebAuthn relying party id the emulator accepts: `localhost` or a domain
/// name of two or more labels (letters, digits, hyphens; no scheme, port or path).
fn valid_relying_party_id(id: &str) -> bool {
    if id.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let labels: Vec<&str> = id.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// Parses `WebAuthnConfiguration` (of SetUserPoolMfaConfig and the `--config` file).
pub fn parse_web_authn_configuration(value: &Value) -> ApiResult<WebAuthnConfiguration> {
    if !value.is_object() {
        return Err(ApiError::serialization(
            "Member 'WebAuthnConfiguration' must be an object",
        ));
    }
    let config: WebAuthnConfiguration = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::serialization(format!("Invalid WebAuthnConfiguration: {e}")))?;
    check_web_authn_configuration(&config)?;
    Ok(config)
}

/// Checks a `WebAuthnConfiguration`: `RelyingPartyId` 1–127 characters, a domain name or
/// `localhost`; `UserVerification` `required` or `preferred`; `FactorConfiguration`
/// `SINGLE_FACTOR` only (passkeys as a multi-factor sign-in are not honoured, so refused).
pub fn check_web_authn_configuration(config: &WebAuthnConfiguration) -> ApiResult<()> {
    if let Some(id) = &config.relying_party_id {
        let length = id.chars().count();
        if !(1..=127).contains(&length) {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'webAuthnConfiguration.relyingPartyId' failed to satisfy constraint: Member must have length between 1 and 127",
            ));
        }
        if !valid_relying_party_id(id) {
            return Err(ApiError::invalid_parameter(format!(
                "RelyingPartyId {id} must be a domain name or localhost."
            )));
        }
    }
    if config.user_verification != "required" && config.user_verification != "preferred" {
        return Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{}' at 'webAuthnConfiguration.userVerification' failed to satisfy constraint: Member must satisfy enum value set: [required, preferred]",
            config.user_verification
        )));
    }
    match config.factor_configuration.as_deref() {
        None | Some("SINGLE_FACTOR") => Ok(()),
        Some("MULTI_FACTOR_WITH_USER_VERIFICATION") => Err(ApiError::invalid_parameter(
            "FactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION is not supported by the emulator; use SINGLE_FACTOR.",
        )),
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'webAuthnConfiguration.factorConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [SINGLE_FACTOR, MULTI_FACTOR_WITH_USER_VERIFICATION]"
        ))),
    }
}

/// Parses `EmailMfaConfiguration` (`Message` with `{####}`, 6–20000 characters; `Subject`
/// 1–140 characters), keeping only those two members.
pub fn parse_email_mfa_configuration(value: &Value) -> ApiResult<Value> {
    let params = Params::new(value)
        .map_err(|_| ApiError::serialization("Member 'EmailMfaConfiguration' must be an object"))?;
    let message = params.opt_str("Message")?;
    let subject = params.opt_str("Subject")?;
    check_message(
        message,
        "emailMfaConfiguration.message",
        (6, 20_000),
        Some("{####}"),
    )?;
    check_message(subject, "emailMfaConfiguration.subject", (1, 140), None)?;
    let mut out = Map::new();
    if let Some(message) = message {
        out.insert("Message".into(), json!(message));
    }
    if let Some(subject) = subject {
        out.insert("Subject".into(), json!(subject));
    }
    Ok(Value::Object(out))
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

/// Whether `text` has `{##`, later followed by `##}`: the placeholder of the link.
pub fn has_link_placeholder(text: &str) -> bool {
    text.find("{##")
        .and_then(|start| text.get(start + 3..))
        .is_some_and(|rest| rest.contains("##}"))
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
    let by_link = member("EmailMessageByLink")?;
    check_message(
        by_link,
        "verificationMessageTemplate.emailMessageByLink",
        (6, 20_000),
        None,
    )?;
    // The link is the text between {## and ##} (any text, `{##Click here##}`), as the service's
    // pattern `…\{##…##\}…` has it.
    if by_link.is_some_and(|text| !has_link_placeholder(text)) {
        return Err(ApiError::invalid_parameter("The message is invalid."));
    }
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
        Some(requested) => flows = explicit_auth_flows(&requested, ALL_FLOWS)?,
    }
    if flows.iter().any(|f| f == "ALLOW_USER_AUTH") {
        check_tier_features(&pool.settings, true)?;
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

/// Checks requested `ExplicitAuthFlows` (of CreateUserPoolClient and the `--config` file): the
/// `ALLOW_*` names in `allowed`, or only legacy names (kept as given; see
/// [`AppClient::allows`]). `ALLOW_REFRESH_TOKEN_AUTH` is always added to `ALLOW_*` lists.
pub fn explicit_auth_flows(requested: &[String], allowed: &[&str]) -> ApiResult<Vec<String>> {
    let mut flows: Vec<String> = Vec::new();
    for flow in requested {
        if !allowed.contains(&flow.as_str()) && !LEGACY_AUTH_FLOWS.contains(&flow.as_str()) {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '[{flow}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set"
            )));
        }
        if !flows.contains(flow) {
            flows.push(flow.clone());
        }
    }
    let legacy = flows
        .iter()
        .filter(|f| LEGACY_AUTH_FLOWS.contains(&f.as_str()))
        .count();
    if legacy > 0 && legacy < flows.len() {
        return Err(ApiError::invalid_parameter(
            "The legacy ExplicitAuthFlows values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) cannot be combined with ALLOW_ values.",
        ));
    }
    // The service always allows refresh for clients that use the ALLOW_ names.
    if legacy == 0 && !flows.iter().any(|f| f == "ALLOW_REFRESH_TOKEN_AUTH") {
        flows.push("ALLOW_REFRESH_TOKEN_AUTH".to_string());
    }
    Ok(flows)
}

/// The ARN of a pool, as DescribeUserPool reports it (the emulator's one account).
pub fn pool_arn(pool: &Pool) -> String {
    format!(
        "arn:aws:cognito-idp:{}:123456789012:userpool/{}",
        pool.region(),
        pool.id
    )
}

/// The `Domain` and `CustomDomain` members of DescribeUserPool.
pub fn describe_pool_domains(pool: &Pool, out: &mut Map<String, Value>) {
    for domain in pool.domains.values() {
        let member = if domain.certificate_arn.is_some() {
            "CustomDomain"
        } else {
            "Domain"
        };
        out.insert(member.into(), json!(domain.domain));
    }
}
