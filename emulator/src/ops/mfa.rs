//! TOTP association/verification and MFA preferences.

use serde_json::{json, Value};

use crate::app::{App, Step};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common;
use crate::lifecycle::{sessions, users};
use crate::params::Params;

/// AssociateSoftwareToken, with an access token or an MFA_SETUP session.
pub fn associate_software_token(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let secret = crypto::base32_encode(&crypto::random_bytes(20));
    if let Some(session_id) = params.opt_str("Session")? {
        let mut session = sessions::take_setup_session(app, session_id)?;
        // Wrong codes count across re-association, so a new secret does not buy new guesses.
        let failed = match session.step {
            Step::MfaSetup { failed, .. } => failed,
            _ => 0,
        };
        session.step = Step::MfaSetup {
            secret: Some(secret.clone()),
            verified: false,
            failed,
        };
        let next = sessions::put_setup_session(app, session);
        return Ok(json!({ "SecretCode": secret, "Session": next }));
    }
    let token = params.req_str("AccessToken")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let user = db.pool_mut(&caller.pool_id)?.user_mut(&caller.username)?;
        user.pending_totp_secret = Some(secret.clone());
        Ok(json!({ "SecretCode": secret }))
    })
}

/// Wrong VerifySoftwareToken codes one MFA_SETUP sign-in survives.
const MAX_SETUP_CODE_FAILURES: u32 = 5;

fn totp_mismatch() -> ApiError {
    ApiError::new(
        "EnableSoftwareTokenMFAException",
        "Code mismatch and fail enable Software Token MFA",
    )
}

/// VerifySoftwareToken. With an access token the secret becomes the user's verified TOTP secret
/// (SetUserMFAPreference then turns it on); with a session the MFA_SETUP challenge may complete.
pub fn verify_software_token(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let code = params.req_str("UserCode")?;
    let now = app.now();
    if let Some(session_id) = params.opt_str("Session")? {
        let mut session = sessions::take_setup_session(app, session_id)?;
        let (secret, failed) = match &session.step {
            Step::MfaSetup {
                secret: Some(secret),
                failed,
                ..
            } => (secret.clone(), *failed),
            _ => {
                // Keep the sign-in alive: AssociateSoftwareToken may still follow.
                sessions::restore_setup_session(app, session_id, session);
                return Err(ApiError::invalid_parameter(
                    "Call AssociateSoftwareToken with this session first.",
                ));
            }
        };
        if !crypto::totp_matches(&secret, code, now) {
            // Like the service, a wrong code does not end the sign-in: the same session may be
            // used again, up to a few wrong codes.
            let failed = failed.saturating_add(1);
            if failed < MAX_SETUP_CODE_FAILURES {
                session.step = Step::MfaSetup {
                    secret: Some(secret),
                    verified: false,
                    failed,
                };
                sessions::restore_setup_session(app, session_id, session);
            }
            return Err(totp_mismatch());
        }
        // Like the service, the verified secret is the user's TOTP from now on: a sign-in
        // that does not finish with MFA_SETUP still gets SOFTWARE_TOKEN_MFA the next time.
        let (pool_id, username) = (session.ctx.pool_id.clone(), session.ctx.username.clone());
        app.write(|db| {
            let user = db.pool_mut(&pool_id)?.user_mut(&username)?;
            user.totp_secret = Some(secret.clone());
            user.pending_totp_secret = None;
            user.software_token_mfa_enabled = true;
            if user.preferred_mfa.is_none() {
                user.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".to_string());
            }
            Ok(())
        })?;
        session.step = Step::MfaSetup {
            secret: Some(secret),
            verified: true,
            failed,
        };
        let next = sessions::put_setup_session(app, session);
        return Ok(json!({ "Status": "SUCCESS", "Session": next }));
    }
    let token = params.req_str("AccessToken")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let user = db.pool_mut(&caller.pool_id)?.user_mut(&caller.username)?;
        let Some(secret) = user.pending_totp_secret.clone() else {
            return Err(ApiError::invalid_parameter(
                "Call AssociateSoftwareToken before VerifySoftwareToken.",
            ));
        };
        if !crypto::totp_matches(&secret, code, now) {
            return Err(totp_mismatch());
        }
        user.totp_secret = Some(secret);
        user.pending_totp_secret = None;
        Ok(json!({ "Status": "SUCCESS" }))
    })
}

/// SetUserMFAPreference.
pub fn set_user_mfa_preference(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        let email_mfa = pool.email_mfa_available();
        users::apply_mfa_preference(email_mfa, pool.user_mut(&caller.username)?, &params)?;
        Ok(json!({}))
    })
}

/// SetUserSettings / AdminSetUserSettings, the legacy way to turn SMS MFA on or off: the
/// reference allows only `{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}` entries;
/// one turns SMS MFA on, an empty list turns it off.
fn set_settings(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = common::Owner::from(&params, admin)?;
    let options = match params.raw("MFAOptions") {
        None => return Err(ApiError::missing_member("MFAOptions")),
        Some(Value::Array(options)) => options,
        Some(_) => {
            return Err(ApiError::serialization(
                "Member 'MFAOptions' must be a list of objects",
            ))
        }
    };
    for option in options {
        let option = Params::new(option).map_err(|_| {
            ApiError::serialization("Member 'MFAOptions' must be a list of objects")
        })?;
        let medium = option.opt_str("DeliveryMedium")?;
        let attribute = option.opt_str("AttributeName")?;
        if !matches!(medium, Some("SMS") | Some("EMAIL")) {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'mFAOptions.member.deliveryMedium' failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]",
            ));
        }
        if medium != Some("SMS") || attribute != Some("phone_number") {
            return Err(ApiError::invalid_parameter(
                "Only SMS MFA with the phone_number attribute can be set with MFAOptions.",
            ));
        }
    }
    let enabled = !options.is_empty();
    owner.write(app, |user| {
        if enabled && user.attr("phone_number").is_none() {
            return Err(users::no_sms_delivery());
        }
        user.sms_mfa_enabled = enabled;
        users::set_preferred(user, "SMS_MFA", None, enabled);
        Ok(json!({}))
    })
}

/// SetUserSettings.
pub fn set_user_settings(app: &App, body: &Value) -> ApiResult<Value> {
    set_settings(app, body, false)
}

/// AdminSetUserSettings.
pub fn admin_set_user_settings(app: &App, body: &Value) -> ApiResult<Value> {
    set_settings(app, body, true)
}
