//! Sign-in sessions: the start and the successful end of a sign-in, and the sessions of a
//! challenge in progress (MFA set-up included).

use serde_json::{json, Value};

use super::tokens::{self, TokenSource};
use crate::app::{App, ChallengeSession, SignInContext, Step};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{AppClient, Device, Origin, Pool};

/// A new opaque session id.
pub fn new_session_id() -> String {
    crypto::b64(&crypto::random_bytes(96))
}

/// The trigger source of the tokens that end a sign-in.
pub fn token_source(ctx: &SignInContext) -> TokenSource {
    if ctx.device_verified {
        TokenSource::AuthenticateDevice
    } else if ctx.new_password_done {
        TokenSource::NewPasswordChallenge
    } else {
        TokenSource::Authentication
    }
}

/// Whether the sign-in's tokens will come with a new device (devices are tracked and the
/// client named none): PostAuthentication's `newDeviceUsed`.
pub fn new_device_used(pool: &Pool, ctx: &SignInContext) -> bool {
    pool.settings.device_configuration.is_some() && ctx.device_key.is_none()
}

/// A sign-in succeeded (every flow and challenge of InitiateAuth, RespondToAuthChallenge and
/// their admin forms ends here): issues tokens, with NewDeviceMetadata when devices are tracked.
///
/// PostAuthentication and PreTokenGeneration have run before (outside the state lock, in
/// [`super::hooks`]); `overrides` is what PreTokenGeneration decided.
pub fn sign_in_succeeded(
    app: &App,
    pool: &mut Pool,
    client: &AppClient,
    ctx: &SignInContext,
    overrides: Option<&super::hooks::TokenOverrides>,
    now: i64,
) -> ApiResult<Value> {
    // Expired lineages and refresh tokens are dropped by the periodic sweep (`App::sweep`), not
    // here: a scan of every token per sign-in would make a sign-in's cost grow with the pool.
    let region = pool.region().to_string();
    let tracks_devices = pool.settings.device_configuration.is_some();
    let user = pool.user_mut(&ctx.username)?;
    let mut new_device = None;
    let device_key = match &ctx.device_key {
        Some(key) => {
            if let Some(device) = user.devices.get_mut(key) {
                device.last_authenticated = now;
                Some(key.clone())
            } else {
                None
            }
        }
        None if tracks_devices => {
            let device_key = format!("{region}_{}", uuid::Uuid::new_v4());
            let group_key = format!("-{}", crypto::random_string(crypto::MIXED_ALNUM, 9));
            user.add_unconfirmed_device(
                Device {
                    device_key: device_key.clone(),
                    device_group_key: group_key.clone(),
                    device_name: None,
                    salt_hex: None,
                    verifier_hex: None,
                    remembered: false,
                    created: now,
                    last_modified: now,
                    last_authenticated: now,
                },
                now,
            );
            new_device = Some((device_key.clone(), group_key));
            Some(device_key)
        }
        None => None,
    };
    let origin_jti = uuid::Uuid::new_v4().to_string();
    let refresh_expires = now + client.refresh_ttl();
    pool.origins.insert(
        origin_jti.clone(),
        Origin {
            username: ctx.username.clone(),
            client_id: client.client_id.clone(),
            device_key: device_key.clone(),
            auth_time: now,
            expires_at: refresh_expires,
            revoked: false,
            scope: None,
        },
    );
    let refresh_token = tokens::new_refresh_token(pool, &origin_jti, refresh_expires);
    let user = pool.user(&ctx.username)?;
    let (access, id) = tokens::issue_tokens(
        app,
        pool,
        client,
        user,
        overrides,
        &origin_jti,
        device_key.as_deref(),
        now,
        now,
    )?;
    let mut result = json!({
        "AccessToken": access,
        "ExpiresIn": client.access_ttl(),
        "TokenType": "Bearer",
        "RefreshToken": refresh_token,
        "IdToken": id,
    });
    if let Some((device_key, group_key)) = new_device {
        result["NewDeviceMetadata"] =
            json!({ "DeviceKey": device_key, "DeviceGroupKey": group_key });
    }
    Ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
}

/// The session ConfirmSignUp hands out: InitiateAuth USER_AUTH with it signs `username` in once
/// through `client_id`, within `ttl` seconds.
pub fn confirmed_sign_up(
    app: &App,
    pool_id: &str,
    client_id: &str,
    username: &str,
    ttl: i64,
) -> String {
    let id = new_session_id();
    app.put_session(
        id.clone(),
        ChallengeSession {
            ctx: SignInContext {
                pool_id: pool_id.to_string(),
                client_id: client_id.to_string(),
                username: username.to_string(),
                typed_username: username.to_string(),
                device_key: None,
                device_verified: false,
                custom_flow: false,
                custom_index: 0,
                wrong_answers: 0,
                new_password_done: false,
                password_verified: false,
                password_stamp: String::new(),
                mfa_done: false,
                admin: false,
                event_id: uuid::Uuid::new_v4().to_string(),
                event_context: None,
                custom_triggers: false,
                custom_done: false,
                rounds: Vec::new(),
                hosted: false,
            },
            step: Step::ConfirmedSignUp,
            expires_at: app.now() + ttl,
        },
    );
    id
}

/// MFA_SETUP helpers for AssociateSoftwareToken / VerifySoftwareToken called with a Session.
pub fn take_setup_session(app: &App, session_id: &str) -> ApiResult<ChallengeSession> {
    let session = app.take_session(session_id)?;
    if !matches!(session.step, Step::MfaSetup { .. }) {
        return Err(ApiError::invalid_session());
    }
    Ok(session)
}

/// Puts an MFA_SETUP session back under the id it was taken with (for a retry).
pub fn restore_setup_session(app: &App, session_id: &str, session: ChallengeSession) {
    app.put_session(session_id.to_string(), session);
}

/// Stores an MFA_SETUP session under a fresh id and returns the id.
pub fn put_setup_session(app: &App, session: ChallengeSession) -> String {
    let id = new_session_id();
    app.put_session(id.clone(), session);
    id
}
