//! The `--config` file: pools, app clients and users declared at start-up.
//!
//! ```json
//! { "Pools": [ { "Id": "us-east-1_Demo", "PoolName": "demo", ...CreateUserPool members...,
//!     "Clients": [ { "ClientId": "...", "ClientName": "web", ...CreateUserPoolClient members... } ],
//!     "Users": [ { "Username": "a@example.com", "Password": "...", "Attributes": {"email_verified": "true"},
//!                  "Status": "CONFIRMED", "TotpSecret": "BASE32", "PreferredMfa": "SOFTWARE_TOKEN_MFA" } ] } ] }
//! ```
//!
//! A user's MFA: `TotpSecret` (enables SOFTWARE_TOKEN_MFA), `SmsMfaEnabled`, `EmailMfaEnabled`
//! (needs the pool's `EmailMfaConfiguration` and a verified email), and `PreferredMfa`
//! (SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP; EMAIL_OTP also enables email MFA).

use serde_json::Value;

use crate::crypto;
use crate::error::ApiError;
use crate::lifecycle::common::check_password;
use crate::lifecycle::pools::{build_client, build_pool, parse_pool_settings};
use crate::lifecycle::users::{self, Creation};
use crate::model::{status, Db};
use crate::params::Params;

fn context(what: &str, error: ApiError) -> String {
    format!("{what}: {}", error.message)
}

/// The IAM credentials a config names for SigV4-signed (admin) calls:
/// `"Credentials": [{ "AccessKeyId": "...", "SecretAccessKey": "..." }]`.
pub fn credentials(config: &Value) -> Result<Vec<(String, String)>, String> {
    let root = Params::new(config).map_err(|e| context("config", e))?;
    let list = match root.raw("Credentials") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("config: Credentials must be a list".to_string()),
    };
    let mut out = Vec::new();
    for (index, entry) in list.iter().enumerate() {
        let where_ = format!("config Credentials[{index}]");
        let entry = Params::new(entry).map_err(|e| context(&where_, e))?;
        let key = entry
            .req_str("AccessKeyId")
            .map_err(|e| context(&where_, e))?;
        let secret = entry
            .req_str("SecretAccessKey")
            .map_err(|e| context(&where_, e))?;
        out.push((key.to_string(), secret.to_string()));
    }
    Ok(out)
}

/// The config's `LambdaEndpoint`: the Lambda Invoke API endpoint that runs the pools' triggers
/// (`--lambda-endpoint` wins over it).
pub fn lambda_endpoint(config: &Value) -> Result<Option<String>, String> {
    match config.get("LambdaEndpoint") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
            Ok(Some(url.clone()))
        }
        Some(_) => Err("config: LambdaEndpoint must be an http(s) URL".to_string()),
    }
}

/// The config's `LambdaCredentials` (`{"AccessKeyId": "...", "SecretAccessKey": "..."}`): the
/// key the calls to the Lambda endpoint are signed with (`test`/`test` without it).
pub fn lambda_credentials(config: &Value) -> Result<Option<(String, String)>, String> {
    let Some(value) = config.get("LambdaCredentials") else {
        return Ok(None);
    };
    let entry = Params::new(value).map_err(|e| context("config LambdaCredentials", e))?;
    let key = entry
        .req_str("AccessKeyId")
        .map_err(|e| context("config LambdaCredentials", e))?;
    let secret = entry
        .req_str("SecretAccessKey")
        .map_err(|e| context("config LambdaCredentials", e))?;
    Ok(Some((key.to_string(), secret.to_string())))
}

/// Adds every pool of the config that the state does not already hold. Pools already in the
/// state win, so a restart with the same `--config` and `--state` keeps users' changes.
pub fn apply(db: &mut Db, config: &Value, now: i64) -> Result<(), String> {
    let root = Params::new(config).map_err(|e| context("config", e))?;
    let pools = match root.raw("Pools") {
        None => return Ok(()),
        Some(Value::Array(pools)) => pools,
        Some(_) => return Err("config: Pools must be a list".to_string()),
    };
    for (index, pool_value) in pools.iter().enumerate() {
        let where_ = format!("config Pools[{index}]");
        let pool_params = Params::new(pool_value).map_err(|e| context(&where_, e))?;
        let id = pool_params
            .opt_str("Id")
            .map_err(|e| context(&where_, e))?
            .map(String::from);
        if let Some(id) = &id {
            if db.pools.contains_key(id) {
                continue;
            }
        }
        let settings = parse_pool_settings(pool_value).map_err(|e| context(&where_, e))?;
        let mut pool = build_pool(settings, id.as_deref(), now).map_err(|e| context(&where_, e))?;
        if let Some(Value::Array(clients)) = pool_params.raw("Clients") {
            for (client_index, client_value) in clients.iter().enumerate() {
                let where_ = format!("{where_}.Clients[{client_index}]");
                let params = Params::new(client_value).map_err(|e| context(&where_, e))?;
                let fixed_id = params
                    .opt_str("ClientId")
                    .map_err(|e| context(&where_, e))?;
                let fixed_secret = params
                    .opt_str("ClientSecret")
                    .map_err(|e| context(&where_, e))?;
                let client = build_client(&pool, &params, fixed_id, fixed_secret, now)
                    .map_err(|e| context(&where_, e))?;
                pool.clients.insert(client.client_id.clone(), client);
            }
        }
        if let Some(Value::Array(users)) = pool_params.raw("Users") {
            for (user_index, user_value) in users.iter().enumerate() {
                let where_ = format!("{where_}.Users[{user_index}]");
                add_user(&mut pool, user_value, now).map_err(|e| context(&where_, e))?;
            }
        }
        db.pools.insert(pool.id.clone(), pool);
    }
    Ok(())
}

fn add_user(pool: &mut crate::model::Pool, value: &Value, now: i64) -> Result<(), ApiError> {
    let params = Params::new(value)?;
    let username = params.req_str("Username")?;
    let password = params.req_str("Password")?;
    check_password(&pool.password_policy(), password)?;
    let attributes: Vec<(String, String)> = match params.raw("Attributes") {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => Ok((name.clone(), text.clone())),
                Value::Bool(flag) => Ok((name.clone(), flag.to_string())),
                _ => Err(ApiError::serialization(format!(
                    "attribute {name} must be a string"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => params.opt_attributes("Attributes")?.unwrap_or_default(),
    };
    let user_status = match params.opt_str("Status")?.unwrap_or(status::CONFIRMED) {
        status::CONFIRMED => status::CONFIRMED,
        status::UNCONFIRMED => status::UNCONFIRMED,
        status::FORCE_CHANGE_PASSWORD => status::FORCE_CHANGE_PASSWORD,
        status::RESET_REQUIRED => status::RESET_REQUIRED,
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "unknown user Status {other}"
            )))
        }
    };
    let internal = users::create_user(
        pool,
        username,
        password,
        &attributes,
        user_status,
        Creation::Config,
        now,
    )?;
    let totp = params.opt_str("TotpSecret")?.map(String::from);
    let preferred = params.opt_str("PreferredMfa")?.map(String::from);
    let sms = params.opt_bool("SmsMfaEnabled")?.unwrap_or(false);
    let email = params.opt_bool("EmailMfaEnabled")?.unwrap_or(false)
        || preferred.as_deref() == Some("EMAIL_OTP");
    let email_mfa_available = pool.email_mfa_available();
    let user = pool.user_mut(&internal)?;
    if let Some(secret) = totp {
        if crypto::base32_decode(&secret).is_none_or(|bytes| bytes.is_empty()) {
            return Err(ApiError::invalid_parameter("TotpSecret must be base32"));
        }
        user.totp_secret = Some(secret.to_ascii_uppercase());
        user.software_token_mfa_enabled = true;
    }
    if sms && user.attr("phone_number").is_none() {
        // The rule of AdminSetUserMFAPreference's SMSMfaSettings.
        return Err(ApiError::invalid_parameter(
            "SMS_MFA needs a phone_number attribute",
        ));
    }
    user.sms_mfa_enabled = sms;
    if email {
        // The rules of AdminSetUserMFAPreference's EmailMfaSettings.
        if !email_mfa_available {
            return Err(ApiError::invalid_parameter(
                "EMAIL_OTP MFA needs the pool's EmailMfaConfiguration",
            ));
        }
        if !user.is_verified("email") {
            return Err(ApiError::invalid_parameter(
                "EMAIL_OTP MFA needs a verified email (email_verified true)",
            ));
        }
        user.email_mfa_enabled = true;
    }
    if let Some(preferred) = preferred {
        if !["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"].contains(&preferred.as_str()) {
            return Err(ApiError::invalid_parameter(
                "PreferredMfa must be SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP",
            ));
        }
        user.preferred_mfa = Some(preferred);
    }
    Ok(())
}
