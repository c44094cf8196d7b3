//! Advanced security: risk configurations and the auth events of sign-ins
//! (SetRiskConfiguration, DescribeRiskConfiguration, AdminListUserAuthEvents,
//! AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback).
//!
//! The emulator detects no risk: every event is rated `NoRisk` / `Low`. Events are kept while
//! the pool's `UserPoolAddOns.AdvancedSecurityMode` is `AUDIT` or `ENFORCED`.

use serde_json::{json, Map, Value};

use super::common;
use crate::app::{App, SignInContext};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{AuthEvent, OutboxMessage, Pool, PoolSettings, RiskConfiguration};
use crate::params::Params;

/// Events kept per user; the oldest go first.
pub const EVENTS_PER_USER: usize = 100;
/// Events kept per pool; the oldest go first.
pub const EVENTS_PER_POOL: usize = 10_000;
/// Challenge results kept per event.
const CHALLENGES_PER_EVENT: usize = 20;
/// Longest page of AdminListUserAuthEvents (also the default).
const MAX_RESULTS: i64 = 60;
/// The risk configuration of the pool itself (no ClientId).
const POOL_KEY: &str = "ALL";
/// Longest IP range lists of RiskExceptionConfiguration.
const MAX_IP_RANGES: usize = 200;

fn enum_error(value: &str, at: &str, set: &[&str]) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        set.join(", ")
    ))
}

fn add_on_not_enabled() -> ApiError {
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
            return Err(enum_error(
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
fn effective_config<'a>(pool: &'a Pool, client_id: &str) -> Option<&'a RiskConfiguration> {
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
    pool.send(OutboxMessage {
        created: now,
        username: username.to_string(),
        destination: email,
        delivery_medium: "EMAIL".to_string(),
        kind: "AUTH_EVENT_NOTIFICATION".to_string(),
        code: token.clone(),
        attribute_name: None,
    });
    Some(crypto::hex(&crypto::sha256(token.as_bytes())))
}

// ------------------------------------------------------------------ risk configuration

fn check_email_template(parent: &Params<'_>, key: &str) -> ApiResult<()> {
    if let Some(template) = parent.opt_object(key)? {
        let subject = template.req_str("Subject")?;
        if subject.chars().count() > 140 {
            return Err(ApiError::invalid_parameter(format!(
                "{key}.Subject must be at most 140 characters."
            )));
        }
        for body in ["HtmlBody", "TextBody"] {
            if let Some(text) = template.opt_str(body)? {
                if !(6..=20_000).contains(&text.chars().count()) {
                    return Err(ApiError::invalid_parameter(format!(
                        "{key}.{body} must be 6 to 20000 characters."
                    )));
                }
            }
        }
    }
    Ok(())
}

fn check_compromised(config: &Params<'_>) -> ApiResult<()> {
    let filters = ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"];
    for filter in config.opt_str_list("EventFilter")?.unwrap_or_default() {
        if !filters.contains(&filter.as_str()) {
            return Err(enum_error(
                &filter,
                "compromisedCredentialsRiskConfiguration.eventFilter.member",
                &filters,
            ));
        }
    }
    let actions = config
        .opt_object("Actions")?
        .ok_or_else(|| ApiError::missing_member("Actions"))?;
    let action = actions.req_str("EventAction")?;
    let allowed = ["BLOCK", "NO_ACTION"];
    if !allowed.contains(&action) {
        return Err(enum_error(
            action,
            "compromisedCredentialsRiskConfiguration.actions.eventAction",
            &allowed,
        ));
    }
    Ok(())
}

fn check_takeover(config: &Params<'_>) -> ApiResult<()> {
    if let Some(notify) = config.opt_object("NotifyConfiguration")? {
        notify.opt_str("From")?;
        notify.opt_str("ReplyTo")?;
        let arn = notify.req_str("SourceArn")?;
        if !arn.starts_with("arn:") {
            return Err(ApiError::invalid_parameter(
                "NotifyConfiguration.SourceArn must be an ARN.",
            ));
        }
        for template in ["BlockEmail", "NoActionEmail", "MfaEmail"] {
            check_email_template(&notify, template)?;
        }
    }
    let actions = config
        .opt_object("Actions")?
        .ok_or_else(|| ApiError::missing_member("Actions"))?;
    let allowed = ["BLOCK", "MFA_IF_CONFIGURED", "MFA_REQUIRED", "NO_ACTION"];
    for level in ["LowAction", "MediumAction", "HighAction"] {
        if let Some(action) = actions.opt_object(level)? {
            if action.opt_bool("Notify")?.is_none() {
                return Err(ApiError::missing_member("Notify"));
            }
            let event_action = action.req_str("EventAction")?;
            if !allowed.contains(&event_action) {
                return Err(enum_error(
                    event_action,
                    "accountTakeoverRiskConfiguration.actions.eventAction",
                    &allowed,
                ));
            }
        }
    }
    Ok(())
}

/// A CIDR range (`192.0.2.0/24`, `2001:db8::/32`) as the reference requires.
fn is_cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

fn check_exceptions(config: &Params<'_>) -> ApiResult<()> {
    for list in ["BlockedIPRangeList", "SkippedIPRangeList"] {
        let ranges = config.opt_str_list(list)?.unwrap_or_default();
        if ranges.len() > MAX_IP_RANGES {
            return Err(ApiError::invalid_parameter(format!(
                "{list} can hold at most {MAX_IP_RANGES} ranges."
            )));
        }
        if let Some(bad) = ranges.iter().find(|r| !is_cidr(r)) {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid IP range {bad} in {list}; use CIDR notation."
            )));
        }
    }
    Ok(())
}

fn render_config(
    pool_id: &str,
    client_id: Option<&str>,
    config: Option<&RiskConfiguration>,
) -> Value {
    let mut out = Map::new();
    out.insert("UserPoolId".into(), json!(pool_id));
    if let Some(client_id) = client_id {
        out.insert("ClientId".into(), json!(client_id));
    }
    if let Some(config) = config {
        for (name, value) in &config.members {
            out.insert(name.clone(), value.clone());
        }
        out.insert(
            "LastModifiedDate".into(),
            common::date(config.last_modified),
        );
    }
    Value::Object(out)
}

/// Pool and optional client of a risk-configuration call (the client must be in the pool).
fn pool_and_client<'a>(params: &Params<'a>) -> ApiResult<(&'a str, Option<&'a str>)> {
    Ok((params.req_str("UserPoolId")?, params.opt_str("ClientId")?))
}

fn check_client(pool: &Pool, client_id: Option<&str>) -> ApiResult<()> {
    match client_id {
        Some(id) if !pool.clients.contains_key(id) => Err(ApiError::resource_not_found(format!(
            "User pool client {id} does not exist."
        ))),
        _ => Ok(()),
    }
}

const RISK_MEMBERS: [&str; 3] = [
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
];

/// SetRiskConfiguration: stores the pool's (or, with ClientId, one client's) configuration;
/// with none of the configuration members, deletes it.
pub fn set_risk_configuration(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let (pool_id, client_id) = pool_and_client(&params)?;
    if let Some(config) = params.opt_object("CompromisedCredentialsRiskConfiguration")? {
        check_compromised(&config)?;
    }
    if let Some(config) = params.opt_object("AccountTakeoverRiskConfiguration")? {
        check_takeover(&config)?;
    }
    if let Some(config) = params.opt_object("RiskExceptionConfiguration")? {
        check_exceptions(&config)?;
    }
    let mut members = Map::new();
    for name in RISK_MEMBERS {
        if let Some(value) = params.raw(name) {
            members.insert(name.to_string(), value.clone());
        }
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        check_client(pool, client_id)?;
        let key = client_id.unwrap_or(POOL_KEY).to_string();
        if members.is_empty() {
            pool.risk_configurations.remove(&key);
            return Ok(json!({ "RiskConfiguration": render_config(pool_id, client_id, None) }));
        }
        let config = RiskConfiguration {
            members,
            last_modified: now,
        };
        let out = render_config(pool_id, client_id, Some(&config));
        pool.risk_configurations.insert(key, config);
        Ok(json!({ "RiskConfiguration": out }))
    })
}

/// DescribeRiskConfiguration: the client's own configuration, else the pool's.
pub fn describe_risk_configuration(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let (pool_id, client_id) = pool_and_client(&params)?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        check_client(pool, client_id)?;
        let config = match client_id {
            Some(id) => effective_config(pool, id),
            None => pool.risk_configurations.get(POOL_KEY),
        };
        // A client without a configuration of its own shows the pool's, without a ClientId.
        let shown_client = client_id.filter(|id| pool.risk_configurations.contains_key(*id));
        Ok(json!({ "RiskConfiguration": render_config(pool_id, shown_client, config) }))
    })
}

// ------------------------------------------------------------------ auth events

fn render_event(event: &AuthEvent) -> Value {
    let mut out = json!({
        "EventId": event.event_id,
        "EventType": event.event_type,
        "CreationDate": common::date(event.created),
        "EventResponse": event.response,
        "EventRisk": {
            "RiskDecision": "NoRisk",
            "RiskLevel": "Low",
            "CompromisedCredentialsDetected": false,
        },
        "ChallengeResponses": event.challenges.iter().map(|(name, response)| {
            json!({ "ChallengeName": name, "ChallengeResponse": response })
        }).collect::<Vec<_>>(),
    });
    if let Some(context) = &event.context {
        out["EventContextData"] = context.clone();
    }
    if let Some(feedback) = &event.feedback {
        out["EventFeedback"] = feedback.clone();
    }
    out
}

/// The pool (with advanced security on) and the internal username an admin call names.
fn events_owner<'a>(
    db: &'a crate::model::Db,
    pool_id: &str,
    typed: &str,
) -> ApiResult<(&'a Pool, String)> {
    let pool = db.pool(pool_id)?;
    if !pool.advanced_security() {
        return Err(add_on_not_enabled());
    }
    let username = super::admin::admin_user(pool, typed)?;
    Ok((pool, username))
}

/// AdminListUserAuthEvents: newest first; NextToken is the sequence number of the next event,
/// so events recorded between pages do not shift them.
pub fn admin_list_user_auth_events(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let max = match params.opt_i64("MaxResults")? {
        None | Some(0) => MAX_RESULTS,
        Some(n) if (1..=MAX_RESULTS).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {MAX_RESULTS} and greater than or equal to 0"
            )))
        }
    };
    let max = usize::try_from(max).unwrap_or(1);
    let before = match params.opt_str("NextToken")? {
        None => u64::MAX,
        Some(token) => token
            .parse::<u64>()
            .map_err(|_| ApiError::invalid_parameter("Invalid NextToken"))?,
    };
    app.read(|db| {
        let (pool, username) = events_owner(db, pool_id, typed)?;
        let mut events: Vec<&AuthEvent> = pool
            .auth_events
            .values()
            .filter(|e| e.username == username && e.seq <= before)
            .collect();
        events.sort_by_key(|e| std::cmp::Reverse(e.seq));
        let page: Vec<Value> = events.iter().take(max).map(|e| render_event(e)).collect();
        let mut out = json!({ "AuthEvents": page });
        if let Some(next) = events.get(max) {
            out["NextToken"] = json!(next.seq.to_string());
        }
        Ok(out)
    })
}

fn feedback_value<'a>(params: &Params<'a>) -> ApiResult<&'a str> {
    let value = params.req_str("FeedbackValue")?;
    let allowed = ["Valid", "Invalid"];
    if !allowed.contains(&value) {
        return Err(enum_error(value, "feedbackValue", &allowed));
    }
    Ok(value)
}

fn event_not_found() -> ApiError {
    ApiError::resource_not_found("Auth event does not exist.")
}

/// Sets an event's feedback; `token` is checked for the public (user) call.
fn update_feedback(app: &App, body: &Value, token_required: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let typed = params.req_str("Username")?;
    let event_id = params.req_str("EventId")?;
    let token = if token_required {
        Some(params.req_str("FeedbackToken")?)
    } else {
        None
    };
    let value = feedback_value(&params)?;
    let now = app.now();
    app.write(|db| {
        let (_, username) = events_owner(db, pool_id, typed)?;
        let pool = db.pool_mut(pool_id)?;
        let event = pool
            .auth_events
            .get(event_id)
            .filter(|e| e.username == username)
            .ok_or_else(event_not_found)?;
        if let Some(token) = token {
            let given = crypto::hex(&crypto::sha256(token.as_bytes()));
            let valid = event
                .feedback_token_hash
                .as_ref()
                .is_some_and(|hash| crypto::ct_eq(hash.as_bytes(), given.as_bytes()));
            if !valid {
                return Err(ApiError::not_authorized("Invalid feedback token."));
            }
        }
        let provider = if token_required { "User" } else { "Admin" };
        if let Some(event) = pool.auth_events.get_mut(event_id) {
            event.feedback = Some(json!({
                "FeedbackValue": value,
                "Provider": provider,
                "FeedbackDate": common::date(now),
            }));
        }
        Ok(json!({}))
    })
}

/// AdminUpdateAuthEventFeedback.
pub fn admin_update_auth_event_feedback(app: &App, body: &Value) -> ApiResult<Value> {
    update_feedback(app, body, false)
}

/// UpdateAuthEventFeedback: needs the feedback token of the event's notification.
pub fn update_auth_event_feedback(app: &App, body: &Value) -> ApiResult<Value> {
    update_feedback(app, body, true)
}
