//! Auth events (advanced security): the context data of a sign-in, recording each sign-in step
//! and other events, and the add-on checks of pool settings.

use serde_json::{json, Map, Value};

use super::messages;

use crate::app::{App, SignInContext};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{AuthEvent, Pool, PoolSettings, RiskConfiguration};
use crate::params::Params;

/// Events kept per user; the oldest go first.
pub const EVENTS_PER_USER: usize = 100;

/// Events kept per pool; the oldest go first.
pub const EVENTS_PER_POOL: usize = 10_000;

/// Challenge results kept per event.
const CHALLENGES_PER_EVENT: usize = 20;

/// The risk configuration of the pool itself (no ClientId).
pub const POOL_KEY: &str = "ALL";

/// The error of an advanced-security call on a pool without the add-on.
pub fn add_on_not_enabled() -> ApiError {
    ApiError::new(
        "UserPoolAddOnNotEnabledException",
        "Advanced security features are not enabled for this user pool.",
    )
}

/// Validates `UserPoolAddOns` of CreateUserPool / UpdateUserPool.
pub fn check_add_ons(settings: &PoolSettings) -> ApiResult<()> {
    if let Some(add_ons) = &settings.user_pool_add_ons {
        let modes = ["OFF", "AUDIT", "ENFORCED"];
        if !modes.contains(&add_ons.advanced_security_mode.as_str()) {
            return Err(ApiError::not_in_enum(
                &add_ons.advanced_security_mode,
                "userPoolAddOns.advancedSecurityMode",
                &modes,
            ));
        }
    }
    Ok(())
}

/// Longest context value kept on an event, in characters (events are many; the request limit
/// alone would let each hold a large header).
const CONTEXT_VALUE_MAX: usize = 256;

fn stored(value: &str) -> String {
    value.chars().take(CONTEXT_VALUE_MAX).collect()
}

/// `EventContextData` from the request's context: `ContextData` on the admin path (whose
/// `IpAddress`, `ServerName`, `ServerPath` and `HttpHeaders` are required), `UserContextData`
/// on the public one. The device name is the `User-Agent` header, when one is given.
pub fn context_data(params: &Params<'_>, admin: bool) -> ApiResult<Option<Value>> {
    let member = if admin {
        "ContextData"
    } else {
        "UserContextData"
    };
    let Some(data) = params.opt_object(member)? else {
        return Ok(None);
    };
    let mut out = Map::new();
    data.opt_str("EncodedData")?;
    let ip = if admin {
        data.req_str("ServerName")?;
        data.req_str("ServerPath")?;
        let headers = match data.raw("HttpHeaders") {
            None => return Err(ApiError::missing_member("HttpHeaders")),
            Some(Value::Array(headers)) => headers,
            Some(_) => {
                return Err(ApiError::serialization(
                    "Member 'HttpHeaders' must be a list of objects",
                ))
            }
        };
        for header in headers {
            let header = Params::new(header).map_err(|_| {
                ApiError::serialization("Member 'HttpHeaders' must be a list of objects")
            })?;
            let name = header.opt_str("headerName")?;
            let value = header.opt_str("headerValue")?;
            if let (Some(name), Some(value)) = (name, value) {
                if name.eq_ignore_ascii_case("user-agent") {
                    out.insert("DeviceName".into(), json!(stored(value)));
                }
            }
        }
        Some(data.req_str("IpAddress")?)
    } else {
        data.opt_str("IpAddress")?
    };
    if let Some(ip) = ip {
        out.insert("IpAddress".into(), json!(stored(ip)));
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// Records one step of a sign-in in the user's auth events: the factor checked, if any, and
/// where the sign-in stands after `result`. Nothing is kept without advanced security or for
/// users that do not exist.
pub fn record_sign_in(
    app: &App,
    ctx: &SignInContext,
    factor: Option<(&'static str, bool)>,
    result: &ApiResult<Value>,
) {
    let response = match result {
        Ok(reply) if reply.get("AuthenticationResult").is_some() => "Pass",
        Ok(_) => "InProgress",
        Err(_) => "Fail",
    };
    // Without advanced security nothing is kept: no write lock taken.
    let enabled = app
        .read(|db| Ok(db.pool(&ctx.pool_id).is_ok_and(Pool::advanced_security)))
        .unwrap_or(false);
    if !enabled {
        return;
    }
    let now = app.now();
    // A failure to save the event must not change the sign-in's own answer.
    let _ = app.write(|db| {
        let Ok(pool) = db.pool_mut(&ctx.pool_id) else {
            return Ok(());
        };
        if !pool.advanced_security() || !pool.users.contains_key(&ctx.username) {
            return Ok(());
        }
        let challenge = factor.map(|(name, passed)| {
            (
                name.to_string(),
                if passed { "Success" } else { "Failure" }.to_string(),
            )
        });
        if let Some(event) = pool.auth_events.get_mut(&ctx.event_id) {
            if let Some(challenge) = challenge {
                if event.challenges.len() < CHALLENGES_PER_EVENT {
                    event.challenges.push(challenge);
                }
            }
            event.response = response.to_string();
            return Ok(());
        }
        add_event(
            pool,
            NewEvent {
                event_id: ctx.event_id.clone(),
                username: &ctx.username,
                client_id: &ctx.client_id,
                event_type: "SignIn",
                response,
                challenge,
                context: ctx.event_context.clone(),
            },
            now,
        );
        Ok(())
    });
}

/// What a new auth event starts with.
pub struct NewEvent<'a> {
    /// `EventId`.
    pub event_id: String,
    /// Internal username.
    pub username: &'a str,
    /// The app client of the request (picks the risk configuration).
    pub client_id: &'a str,
    /// `SignIn`, `SignUp`, …
    pub event_type: &'static str,
    /// `Pass`, `Fail` or `InProgress`.
    pub response: &'static str,
    /// The first challenge result, if any.
    pub challenge: Option<(String, String)>,
    /// `EventContextData`.
    pub context: Option<Value>,
}

/// Adds an event to the pool when advanced security is on (making room first, and sending the
/// notification the risk configuration asks for).
pub fn add_event(pool: &mut Pool, new: NewEvent<'_>, now: i64) {
    if !pool.advanced_security() || !pool.users.contains_key(new.username) {
        return;
    }
    make_room(pool, new.username);
    let seq = pool
        .auth_events
        .values()
        .map(|e| e.seq)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    let feedback_token_hash = notify(pool, new.client_id, new.username, now);
    pool.auth_events.insert(
        new.event_id.clone(),
        AuthEvent {
            event_id: new.event_id,
            seq,
            username: new.username.to_string(),
            event_type: new.event_type.to_string(),
            created: now,
            response: new.response.to_string(),
            challenges: new.challenge.into_iter().collect(),
            context: new.context,
            feedback: None,
            feedback_token_hash,
        },
    );
}

/// Drops the oldest events so one more fits the per-user and per-pool bounds.
fn make_room(pool: &mut Pool, username: &str) {
    let mut mine: Vec<(u64, String)> = pool
        .auth_events
        .values()
        .filter(|e| e.username == username)
        .map(|e| (e.seq, e.event_id.clone()))
        .collect();
    mine.sort();
    let excess = (mine.len() + 1).saturating_sub(EVENTS_PER_USER);
    for (_, id) in mine.into_iter().take(excess) {
        pool.auth_events.remove(&id);
    }
    while pool.auth_events.len() >= EVENTS_PER_POOL {
        let Some(oldest) = pool
            .auth_events
            .values()
            .min_by_key(|e| e.seq)
            .map(|e| e.event_id.clone())
        else {
            break;
        };
        pool.auth_events.remove(&oldest);
    }
}

/// The risk configuration that applies to a client: its own, else the pool's.
pub fn effective_config<'a>(pool: &'a Pool, client_id: &str) -> Option<&'a RiskConfiguration> {
    pool.risk_configurations
        .get(client_id)
        .or_else(|| pool.risk_configurations.get(POOL_KEY))
}

/// Sends the account-takeover notification when the risk configuration asks for one at the
/// emulator's (always low) risk level, with a fresh feedback token; returns the token's hash.
fn notify(pool: &mut Pool, client_id: &str, username: &str, now: i64) -> Option<String> {
    let config = effective_config(pool, client_id)?;
    let takeover = config.members.get("AccountTakeoverRiskConfiguration")?;
    takeover.get("NotifyConfiguration")?;
    let wants = takeover
        .pointer("/Actions/LowAction/Notify")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !wants {
        return None;
    }
    let email = pool.users.get(username)?.attr("email")?.to_string();
    let token = crypto::b64url(&crypto::random_bytes(32));
    let message = messages::compose_message(
        pool,
        messages::Draft {
            username,
            destination: &email,
            medium: "EMAIL",
            kind: "AUTH_EVENT_NOTIFICATION",
            code: &token,
            attribute: None,
        },
        None,
        now,
    );
    messages::deliver_message(pool, message);
    Some(crypto::hex(&crypto::sha256(token.as_bytes())))
}
