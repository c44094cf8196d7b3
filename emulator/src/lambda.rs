//! Calls to Lambda functions through the AWS Lambda Invoke API — the transport of the triggers.
//!
//! `POST {endpoint}/2015-03-31/functions/{FunctionName}/invocations[?Qualifier=…]`, signed with
//! SigV4 (service `lambda`), the trigger's event as the body; the reply body is the returned event.
//! A reply carrying `X-Amz-Function-Error` is the function's own failure; anything else that is not
//! a 2xx answer with a JSON object is a failed invocation. `sam local start-lambda`, LocalStack and
//! the Lambda Runtime Interface Emulator all answer this API, so an app's real functions run
//! beside the emulator.
//!
//! The service invokes a trigger synchronously, gives it 5 seconds, and retries a call that
//! timed out or could not be made, three attempts in all; so does this client. Calls block the
//! calling thread (operations run on the blocking pool) and must be made with no lock held, so a
//! slow function holds up only the request that caused it.

use std::time::Duration;

use serde_json::Value;

use crate::sigv4::{self, SigningKey};

/// How long one attempt may take, connection included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts of a call that times out or cannot be made.
pub const ATTEMPTS: u32 = 3;
/// The largest event sent and the largest reply read: the Lambda limit for synchronous calls.
pub const MAX_PAYLOAD: usize = 6 * 1024 * 1024;

/// Where the functions run and the credentials that sign the calls.
#[derive(Clone)]
pub struct LambdaSettings {
    /// `http(s)://host[:port][/base]`, without a trailing slash.
    pub endpoint: String,
    /// Access key id (`test` unless configured).
    pub access_key: String,
    /// Secret access key (`test` unless configured).
    pub secret_key: String,
}

debug_showing!(LambdaSettings {
    endpoint,
    access_key
});

/// Why a call gave no usable reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvokeError {
    /// The function ran and failed; its `errorMessage` (or the raw reply when there is none).
    Function(String),
    /// The function could not be called, did not answer in time, or the API refused the call: the
    /// cause, as the service names it (`ResourceNotFoundException`, `Socket timeout while invoking
    /// Lambda function`).
    Unreachable(String),
    /// The function answered with something that is not an event (not a JSON object, too big):
    /// the service's message.
    InvalidReply(String),
}

/// The function name and qualifier the Invoke API takes, from a Lambda ARN
/// (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`); a bare name is taken as is.
pub fn function_of(arn: &str) -> Option<(&str, Option<&str>)> {
    let parts: Vec<&str> = arn.split(':').collect();
    let is_name = |text: &str| {
        !text.is_empty()
            && text.len() <= 140
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let is_qualifier = |text: &str| {
        !text.is_empty()
            && text.len() <= 128
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$')
    };
    match parts.as_slice() {
        [name] if is_name(name) => Some((name, None)),
        ["arn", _, "lambda", region, _, "function", name]
            if !region.is_empty() && is_name(name) =>
        {
            Some((name, None))
        }
        ["arn", _, "lambda", region, _, "function", name, qualifier]
            if !region.is_empty() && is_name(name) && is_qualifier(qualifier) =>
        {
            Some((name, Some(qualifier)))
        }
        _ => None,
    }
}

/// The region of a Lambda ARN, `us-east-1` for a bare name.
fn region_of(arn: &str) -> &str {
    match arn.split(':').nth(3) {
        Some(region) if arn.starts_with("arn:") && !region.is_empty() => region,
        _ => "us-east-1",
    }
}

/// Checks an endpoint URL given on the command line or in the config file.
pub fn check_endpoint(endpoint: &str) -> Result<String, String> {
    let trimmed = endpoint.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| {
            format!("the Lambda endpoint {endpoint:?} must be an http:// or https:// URL")
        })?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || rest.contains(['?', '#', ' ']) || authority.contains('@') {
        return Err(format!(
            "the Lambda endpoint {endpoint:?} must be scheme://host[:port][/path], with no query or user"
        ));
    }
    Ok(trimmed.to_string())
}

/// A client of one Lambda endpoint.
pub struct Invoker {
    settings: LambdaSettings,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Invoker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoker")
            .field("endpoint", &self.settings.endpoint)
            .field("access_key", &self.settings.access_key)
            .finish_non_exhaustive()
    }
}

impl Invoker {
    /// A client for `settings` (the endpoint already checked by [`check_endpoint`]).
    pub fn new(settings: LambdaSettings) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Invoker { settings, agent }
    }

    /// The endpoint calls go to.
    pub fn endpoint(&self) -> &str {
        &self.settings.endpoint
    }

    /// Invokes the function of `arn` with `event` and returns the event it returned.
    pub fn invoke(&self, arn: &str, event: &Value, now: i64) -> Result<Value, InvokeError> {
        let (name, qualifier) = function_of(arn).ok_or_else(|| {
            InvokeError::Unreachable(format!("{arn} is not a Lambda function ARN"))
        })?;
        let body = serde_json::to_vec(event).map_err(|e| {
            InvokeError::Unreachable(format!("the event could not be written: {e}"))
        })?;
        if body.len() > MAX_PAYLOAD {
            return Err(InvokeError::Unreachable(format!(
                "the event is {} bytes, over the {MAX_PAYLOAD}-byte limit",
                body.len()
            )));
        }
        let (scheme_host, base_path) = split_endpoint(&self.settings.endpoint);
        let path = format!("{base_path}/2015-03-31/functions/{name}/invocations");
        // `$LATEST` is the one qualifier with a character to encode.
        let qualifier = qualifier.map(|q| q.replace('$', "%24"));
        let url = match &qualifier {
            Some(q) => format!("{scheme_host}{path}?Qualifier={q}"),
            None => format!("{scheme_host}{path}"),
        };
        let host = host_header(scheme_host);
        let mut last_failure = String::new();
        for _ in 0..ATTEMPTS {
            let signed = sign(
                &self.settings,
                region_of(arn),
                &host,
                &path,
                qualifier.as_deref(),
                &body,
                now,
            );
            let mut request = self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .header("X-Amz-Invocation-Type", "RequestResponse");
            for (name, value) in &signed {
                request = request.header(*name, value);
            }
            match request.send(&body[..]) {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let function_error = response.headers().contains_key("x-amz-function-error");
                    let error_type = response
                        .headers()
                        .get("x-amzn-errortype")
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.split(':').next().unwrap_or(v).to_string());
                    let reply = response
                        .body_mut()
                        .with_config()
                        .limit(MAX_PAYLOAD as u64 + 1)
                        .read_to_vec();
                    let reply = match reply {
                        Ok(reply) => reply,
                        Err(e) => {
                            last_failure = format!("the reply could not be read: {e}");
                            continue;
                        }
                    };
                    if reply.len() > MAX_PAYLOAD {
                        return Err(InvokeError::InvalidReply(format!(
                            "the reply is over the {MAX_PAYLOAD}-byte limit"
                        )));
                    }
                    if !(200..300).contains(&status) {
                        // An Invoke API error (function not found, throttled, could not start):
                        // named by its `x-amzn-ErrorType`, never retried (the service retries
                        // only calls that timed out or could not be made).
                        return Err(InvokeError::Unreachable(error_type.unwrap_or_else(|| {
                            format!("the Lambda endpoint answered {status}")
                        })));
                    }
                    if function_error {
                        return Err(InvokeError::Function(error_message(&reply)));
                    }
                    return match serde_json::from_slice::<Value>(&reply) {
                        Ok(value @ Value::Object(_)) => Ok(value),
                        Ok(Value::Null) | Err(_) => Err(InvokeError::InvalidReply(
                            "Invalid lambda function output : Invalid JSON".to_string(),
                        )),
                        Ok(_) => Err(InvokeError::InvalidReply(
                            "Unrecognizable lambda output".to_string(),
                        )),
                    };
                }
                Err(e) => last_failure = transport_failure(&e),
            }
        }
        Err(InvokeError::Unreachable(last_failure))
    }
}

/// `http://host:port` and the base path (`""` or `/base`) of an endpoint.
fn split_endpoint(endpoint: &str) -> (&str, &str) {
    let after_scheme = endpoint.find("://").map_or(0, |i| i + 3);
    match endpoint[after_scheme..].find('/') {
        Some(slash) => endpoint.split_at(after_scheme + slash),
        None => (endpoint, ""),
    }
}

/// The Host header the HTTP client sends for `scheme://authority`: the port only when it is not
/// the scheme's default.
fn host_header(scheme_host: &str) -> String {
    let (scheme, authority) = scheme_host
        .split_once("://")
        .unwrap_or(("http", scheme_host));
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    authority
        .strip_suffix(default_port)
        .unwrap_or(authority)
        .to_ascii_lowercase()
}

fn sign(
    settings: &LambdaSettings,
    region: &str,
    host: &str,
    path: &str,
    qualifier: Option<&str>,
    body: &[u8],
    now: i64,
) -> [(&'static str, String); 2] {
    let key = SigningKey {
        access_key: &settings.access_key,
        secret: &settings.secret_key,
        region,
        service: "lambda",
    };
    sigv4::sign_post(
        &key,
        host,
        path,
        qualifier.map(|q| ("Qualifier", q)),
        body,
        now,
    )
}

fn transport_failure(error: &ureq::Error) -> String {
    match error {
        // The service's words for a function that did not answer in 5 seconds.
        ureq::Error::Timeout(_) => "Socket timeout while invoking Lambda function".to_string(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "Connection refused by the Lambda endpoint".to_string()
        }
        other => format!("Lambda endpoint unreachable: {other}"),
    }
}

/// The `errorMessage` of a function error reply (`{"errorMessage","errorType","stackTrace"}`).
fn error_message(reply: &[u8]) -> String {
    match serde_json::from_slice::<Value>(reply) {
        Ok(Value::Object(map)) => match map.get("errorMessage") {
            Some(Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => excerpt(reply),
        },
        _ => excerpt(reply),
    }
}

/// At most 200 characters of a reply, for messages.
fn excerpt(reply: &[u8]) -> String {
    let text = String::from_utf8_lossy(reply);
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns() {
        assert_eq!(
            function_of("arn:aws:lambda:us-east-1:123456789012:function:preSignUp"),
            Some(("preSignUp", None))
        );
        assert_eq!(
            function_of("arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live"),
            Some(("my-fn", Some("live")))
        );
        assert_eq!(function_of("plainName"), Some(("plainName", None)));
        assert_eq!(
            function_of("arn:aws:lambda:us-east-1:1:function:../x"),
            None
        );
        assert_eq!(function_of("arn:aws:s3:::bucket"), None);
        assert_eq!(function_of(""), None);
        assert_eq!(
            region_of("arn:aws:lambda:eu-west-1:1:function:f"),
            "eu-west-1"
        );
        assert_eq!(region_of("f"), "us-east-1");
    }

    #[test]
    fn endpoints_are_checked_and_split() {
        assert_eq!(
            check_endpoint("http://127.0.0.1:3001/"),
            Ok("http://127.0.0.1:3001".into())
        );
        assert!(check_endpoint("ftp://x").is_err());
        assert!(check_endpoint("http://").is_err());
        assert!(check_endpoint("http://u@h/").is_err());
        assert_eq!(split_endpoint("http://h:1/base"), ("http://h:1", "/base"));
        assert_eq!(split_endpoint("http://h:1"), ("http://h:1", ""));
        assert_eq!(host_header("http://Local:80"), "local");
        assert_eq!(host_header("https://h:8443"), "h:8443");
    }

    #[test]
    fn error_messages_come_from_the_reply() {
        assert_eq!(
            error_message(br#"{"errorMessage":"no","errorType":"Error"}"#),
            "no"
        );
        assert_eq!(error_message(b"<html>"), "<html>");
    }
}
