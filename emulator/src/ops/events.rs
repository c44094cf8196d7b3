//! Advanced security: risk configurations and the auth events of sign-ins
//! (SetRiskConfiguration, DescribeRiskConfiguration, AdminListUserAuthEvents,
//! AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback).
//!
//! The emulator detects no risk: every event is rated `NoRisk` / `Low`. Events are kept while
//! the pool's `UserPoolAddOns.AdvancedSecurityMode` is `AUDIT` or `ENFORCED`.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common;
use crate::lifecycle::events::{add_on_not_enabled, effective_config, POOL_KEY};
use crate::lifecycle::users;
use crate::model::{AuthEvent, Pool, RiskConfiguration};
use crate::params::Params;

/// Longest page of AdminListUserAuthEvents (also the default).
const MAX_RESULTS: i64 = 60;
/// Longest IP range lists of RiskExceptionConfiguration.
const MAX_IP_RANGES: usize = 200;

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
            return Err(ApiError::not_in_enum(
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
        return Err(ApiError::not_in_enum(
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
                return Err(ApiError::not_in_enum(
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
    let username = users::lookup(pool, typed)?;
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
        Some(n) => return Err(ApiError::out_of_range("maxResults", n, 0, MAX_RESULTS)),
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
        return Err(ApiError::not_in_enum(value, "feedbackValue", &allowed));
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
