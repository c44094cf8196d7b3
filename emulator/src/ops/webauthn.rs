//! Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
//! DeleteWebAuthnCredential, and GetUserAuthFactors, all with the user's access token.

use serde_json::{json, Value};

use crate::app::{App, PendingRegistration};
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::{common, webauthn};
use crate::params::Params;

/// StartWebAuthnRegistration: creation options with a new challenge, pending for
/// [`webauthn::CHALLENGE_TTL_SECONDS`] and bound to the user and the token's client.
pub fn start_web_authn_registration(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let now = app.now();
    let (caller, options, challenge) = app.read(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool(&caller.pool_id)?;
        let rp = webauthn::relying_party(pool)?;
        let user = pool.user(&caller.username)?;
        let challenge = webauthn::new_challenge();
        let options = webauthn::creation_options(&rp, user, &challenge)?;
        Ok((caller, options, challenge))
    })?;
    app.put_registration(
        &caller.pool_id,
        &caller.username,
        PendingRegistration {
            challenge,
            client_id: caller.client_id,
            expires_at: now + webauthn::CHALLENGE_TTL_SECONDS,
        },
    );
    Ok(json!({ "CredentialCreationOptions": options }))
}

/// CompleteWebAuthnRegistration: verifies the RegistrationResponseJSON and stores the passkey.
/// The pending challenge is used once, whatever the outcome (except a call from another client,
/// which leaves it for the right one).
pub fn complete_web_authn_registration(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let raw = params
        .raw("Credential")
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::missing_member("Credential"))?;
    let now = app.now();
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool(&caller.pool_id)?;
        let rp = webauthn::relying_party(pool)?;
        let credential = webauthn::parse_credential(raw)?;
        let pending = app
            .take_registration(&caller.pool_id, &caller.username)
            .ok_or_else(|| {
                ApiError::new(
                    "WebAuthnChallengeNotFoundException",
                    "The WebAuthn challenge was not found or has expired.",
                )
            })?;
        if pending.client_id != caller.client_id {
            app.put_registration(&caller.pool_id, &caller.username, pending);
            return Err(ApiError::new(
                "WebAuthnClientMismatchException",
                "The access token is from a different app client than the one that started the registration.",
            ));
        }
        if pool.user(&caller.username)?.webauthn_credentials.len()
            >= webauthn::MAX_PASSKEYS_PER_USER
        {
            return Err(ApiError::new(
                "LimitExceededException",
                format!(
                    "A user may register at most {} passkeys.",
                    webauthn::MAX_PASSKEYS_PER_USER
                ),
            ));
        }
        let passkey = webauthn::verify_registration(&rp, pool, &pending.challenge, &credential, now)?;
        let user = db.pool_mut(&caller.pool_id)?.user_mut(&caller.username)?;
        user.webauthn_credentials
            .insert(passkey.credential_id.clone(), passkey);
        Ok(json!({}))
    })
}

/// ListWebAuthnCredentials: the user's passkeys, oldest first, `MaxResults` (0–20) a page.
pub fn list_web_authn_credentials(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let max = params.opt_i64("MaxResults")?.unwrap_or(20);
    if !(0..=20).contains(&max) {
        return Err(ApiError::out_of_range("maxResults", max, 0, 20));
    }
    let limit = usize::try_from(if max == 0 { 20 } else { max }).unwrap_or(20);
    let next_token = params.opt_str("NextToken")?;
    app.read(|db| {
        let caller = common::authenticate(app, db, token)?;
        let user = db.pool(&caller.pool_id)?.user(&caller.username)?;
        let mut passkeys: Vec<_> = user.webauthn_credentials.values().collect();
        passkeys.sort_by(|a, b| {
            a.created
                .cmp(&b.created)
                .then_with(|| a.credential_id.cmp(&b.credential_id))
        });
        let scope = format!("ListWebAuthnCredentials {} {}", caller.pool_id, caller.username);
        let (range, next) = common::page(&scope, next_token, limit, passkeys.len())?;
        let listed: Vec<Value> = passkeys
            .get(range)
            .unwrap_or(&[])
            .iter()
            .map(|c| {
                let mut entry = json!({
                    "CredentialId": c.credential_id,
                    "FriendlyCredentialName": c.friendly_name.clone().unwrap_or_else(|| default_name(c.authenticator_attachment.as_deref())),
                    "RelyingPartyId": c.relying_party_id,
                    "AuthenticatorTransports": c.transports,
                    "CreatedAt": c.created,
                });
                if let Some(attachment) = &c.authenticator_attachment {
                    entry["AuthenticatorAttachment"] = json!(attachment);
                }
                entry
            })
            .collect();
        let mut out = json!({ "Credentials": listed });
        if let Some(next) = next {
            out["NextToken"] = json!(next);
        }
        Ok(out)
    })
}

/// The name a passkey is listed under when none was given.
fn default_name(attachment: Option<&str>) -> String {
    match attachment {
        Some("platform") => "Platform passkey",
        Some("cross-platform") => "Security key",
        _ => "Passkey",
    }
    .to_string()
}

/// DeleteWebAuthnCredential: ResourceNotFoundException for a passkey the user does not have.
pub fn delete_web_authn_credential(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let id = params.req_str("CredentialId")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let user = db.pool_mut(&caller.pool_id)?.user_mut(&caller.username)?;
        if !user.webauthn_credentials.contains_key(id) {
            return Err(ApiError::resource_not_found("Credential not found."));
        }
        user.webauthn_credentials.remove(id);
        Ok(json!({}))
    })
}

/// GetUserAuthFactors: the user's MFA settings and the sign-in factors the user has set up.
pub fn get_user_auth_factors(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    app.read(|db| {
        let caller = common::authenticate(app, db, token)?;
        let user = db.pool(&caller.pool_id)?.user(&caller.username)?;
        let verified = |attribute: &str| {
            user.attr(attribute).is_some_and(|v| !v.is_empty())
                && user.attr(&format!("{attribute}_verified")) == Some("true")
        };
        let mut factors = Vec::new();
        // A user who signed up without a password has a random verifier nobody knows: no
        // password factor (first_factors offers none either).
        if !user.passwordless && !user.password.verifier_hex.is_empty() {
            factors.push("PASSWORD");
        }
        if verified("email") {
            factors.push("EMAIL_OTP");
        }
        if verified("phone_number") {
            factors.push("SMS_OTP");
        }
        if !user.webauthn_credentials.is_empty() {
            factors.push("WEB_AUTHN");
        }
        let mfa = user.mfa_setting_list();
        let mut out = json!({
            "Username": user.username,
            "ConfiguredUserAuthFactors": factors,
        });
        if !mfa.is_empty() {
            out["UserMFASettingList"] = json!(mfa);
        }
        if let Some(preferred) = &user.preferred_mfa {
            out["PreferredMfaSetting"] = json!(preferred);
        }
        Ok(out)
    })
}
