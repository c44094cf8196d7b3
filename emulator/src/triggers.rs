//! The user pool's Lambda triggers: which function a pool's `LambdaConfig` names for each, the
//! event the service sends it, the failure forms (`UserLambdaValidationException`,
//! `UnexpectedLambdaException`, `InvalidLambdaResponseException`), and the reading of each
//! trigger's reply. The calls go out through [`crate::lambda`]; the lifecycle layer decides when.
//!
//! Every function here is called with no lock held: a trigger can take seconds.

use serde_json::{json, Map, Value};

use crate::app::App;
use crate::error::{truncate, ApiError, ApiResult};
use crate::lambda::InvokeError;

/// A trigger of `LambdaConfig`, named by its member (also the name the service's messages use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// PreSignUp.
    PreSignUp,
    /// PostConfirmation.
    PostConfirmation,
    /// PreAuthentication.
    PreAuthentication,
    /// PostAuthentication.
    PostAuthentication,
    /// PreTokenGeneration (or `PreTokenGenerationConfig`).
    PreTokenGeneration,
    /// CustomMessage.
    CustomMessage,
    /// UserMigration.
    UserMigration,
    /// DefineAuthChallenge.
    DefineAuthChallenge,
    /// CreateAuthChallenge.
    CreateAuthChallenge,
    /// VerifyAuthChallengeResponse.
    VerifyAuthChallengeResponse,
}

impl Trigger {
    /// The `LambdaConfig` member, and the name in the service's failure messages.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
        }
    }
}

/// The function a pool names for a trigger, and the event version it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configured {
    /// The function's ARN.
    pub arn: String,
    /// The event's `version`: "1", or "2"/"3" for PreTokenGeneration V2_0/V3_0.
    pub version: &'static str,
}

/// The function `lambda_config` names for `trigger`, if any.
pub fn configured(lambda_config: Option<&Value>, trigger: Trigger) -> Option<Configured> {
    let config = lambda_config?;
    if trigger == Trigger::PreTokenGeneration {
        if let Some(arn) = config
            .pointer("/PreTokenGenerationConfig/LambdaArn")
            .and_then(Value::as_str)
        {
            let version = match config
                .pointer("/PreTokenGenerationConfig/LambdaVersion")
                .and_then(Value::as_str)
            {
                Some("V2_0") => "2",
                Some("V3_0") => "3",
                _ => "1",
            };
            return Some(Configured {
                arn: arn.to_string(),
                version,
            });
        }
    }
    config
        .get(trigger.name())
        .and_then(Value::as_str)
        .map(|arn| Configured {
            arn: arn.to_string(),
            version: "1",
        })
}

/// Who and what an event is about: the envelope's members.
#[derive(Clone, Debug)]
pub struct Envelope<'a> {
    /// The pool's id (its region is the part before `_`).
    pub pool_id: &'a str,
    /// `userName`: the internal username (or the name typed, for an unknown user).
    pub user_name: &'a str,
    /// `callerContext.clientId`; `CLIENT_ID_NOT_APPLICABLE` for admin operations without one.
    pub client_id: Option<&'a str>,
    /// `triggerSource`.
    pub source: &'a str,
}

/// What a call's caller may not tell apart from the function's own failure.
fn failure(trigger: Trigger, error: InvokeError) -> ApiError {
    match error {
        InvokeError::Function(message) => ApiError::new(
            "UserLambdaValidationException",
            format!(
                "{} failed with error {}.",
                trigger.name(),
                truncate(&message, 2048)
            ),
        ),
        InvokeError::Unreachable(detail) => ApiError::new(
            "UnexpectedLambdaException",
            format!(
                "{} invocation failed due to error {}.",
                trigger.name(),
                truncate(&detail, 512)
            ),
        ),
        InvokeError::InvalidReply(message) => {
            ApiError::new("InvalidLambdaResponseException", message)
        }
    }
}

/// `InvalidLambdaResponseException` for a reply that does not fit its trigger: the service's
/// "Unrecognizable lambda output", with what did not fit after it.
pub fn invalid_response(trigger: Trigger, detail: &str) -> ApiError {
    ApiError::new(
        "InvalidLambdaResponseException",
        format!(
            "Unrecognizable lambda output ({}: {})",
            trigger.name(),
            truncate(detail, 512)
        ),
    )
}

/// Calls the function `lambda_config` names for `trigger` with an event made of `envelope`,
/// `request` and an empty `response` (or `response` when given), and returns the `response`
/// member of the event the function returned. `Ok(None)` when no function is configured.
pub fn call(
    app: &App,
    lambda_config: Option<&Value>,
    trigger: Trigger,
    envelope: &Envelope<'_>,
    request: Value,
    response: Option<Value>,
) -> ApiResult<Option<Map<String, Value>>> {
    let Some(configured) = configured(lambda_config, trigger) else {
        return Ok(None);
    };
    let event = json!({
        "version": configured.version,
        "region": envelope.pool_id.split('_').next().unwrap_or("us-east-1"),
        "userPoolId": envelope.pool_id,
        "userName": envelope.user_name,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": envelope.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "triggerSource": envelope.source,
        "request": request,
        "response": response.unwrap_or_else(|| json!({})),
    });
    let Some(invoker) = app.lambda() else {
        app.warn_no_lambda_endpoint(&configured.arn);
        return Err(failure(
            trigger,
            // As the service answers for a function its account does not have.
            InvokeError::Unreachable("ResourceNotFoundException".to_string()),
        ));
    };
    let returned = invoker
        .invoke(&configured.arn, &event, crate::app::real_now())
        .map_err(|e| failure(trigger, e))?;
    match returned.get("response") {
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        None | Some(Value::Null) => Ok(Some(Map::new())),
        Some(_) => Err(invalid_response(trigger, "response must be an object")),
    }
}

/// An optional boolean member of a reply.
pub fn flag(trigger: Trigger, response: &Map<String, Value>, name: &str) -> ApiResult<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(value)) => Ok(*value),
        Some(_) => Err(invalid_response(
            trigger,
            &format!("{name} must be a boolean"),
        )),
    }
}

/// An optional string member of a reply.
pub fn text<'a>(
    trigger: Trigger,
    response: &'a Map<String, Value>,
    name: &str,
) -> ApiResult<Option<&'a str>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(invalid_response(
            trigger,
            &format!("{name} must be a string"),
        )),
    }
}

/// An optional map of strings in a reply (`userAttributes`, `claimsToAddOrOverride` values are
/// checked separately).
pub fn string_map(
    trigger: Trigger,
    value: Option<&Value>,
    name: &str,
) -> ApiResult<Vec<(String, String)>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => Ok((key.clone(), text.clone())),
                _ => Err(invalid_response(
                    trigger,
                    &format!("{name}.{key} must be a string"),
                )),
            })
            .collect(),
        Some(_) => Err(invalid_response(trigger, &format!("{name} must be a map"))),
    }
}

/// An optional list of strings in a reply.
pub fn string_list(trigger: Trigger, value: Option<&Value>, name: &str) -> ApiResult<Vec<String>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                _ => Err(invalid_response(
                    trigger,
                    &format!("{name} must be a list of strings"),
                )),
            })
            .collect(),
        Some(_) => Err(invalid_response(trigger, &format!("{name} must be a list"))),
    }
}

/// `request.userAttributes` of a user: `sub`, every attribute, and `cognito:user_status`
/// (the `*_verified` values as the strings they are stored as).
pub fn user_attributes(user: &crate::model::User) -> Value {
    let mut map = Map::new();
    map.insert("sub".into(), json!(user.sub));
    for (name, value) in &user.attributes {
        map.insert(name.clone(), json!(value));
    }
    map.insert("cognito:user_status".into(), json!(user.status));
    Value::Object(map)
}

/// A string map of `ClientMetadata` / `ValidationData` values for `request`, `{}` when absent.
pub fn metadata(pairs: Option<&[(String, String)]>) -> Value {
    let mut map = Map::new();
    for (name, value) in pairs.unwrap_or_default() {
        map.insert(name.clone(), json!(value));
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_function_and_version() {
        let config = json!({
            "PreSignUp": "arn:aws:lambda:us-east-1:1:function:pre",
            "PreTokenGeneration": "arn:aws:lambda:us-east-1:1:function:v1",
            "PreTokenGenerationConfig": { "LambdaVersion": "V2_0", "LambdaArn": "arn:aws:lambda:us-east-1:1:function:v2" }
        });
        assert_eq!(
            configured(Some(&config), Trigger::PreSignUp).map(|c| c.arn),
            Some("arn:aws:lambda:us-east-1:1:function:pre".to_string())
        );
        assert_eq!(
            configured(Some(&config), Trigger::PreTokenGeneration),
            Some(Configured {
                arn: "arn:aws:lambda:us-east-1:1:function:v2".into(),
                version: "2"
            })
        );
        assert_eq!(configured(Some(&config), Trigger::CustomMessage), None);
        assert_eq!(configured(None, Trigger::PreSignUp), None);
        let legacy = json!({ "PreTokenGeneration": "arn:aws:lambda:us-east-1:1:function:v1" });
        assert_eq!(
            configured(Some(&legacy), Trigger::PreTokenGeneration).map(|c| c.version),
            Some("1")
        );
    }

    #[test]
    fn failures_take_the_services_forms() {
        let error = failure(Trigger::PreSignUp, InvokeError::Function("nope".into()));
        assert_eq!(error.code, "UserLambdaValidationException");
        assert_eq!(error.message, "PreSignUp failed with error nope.");
        let error = failure(
            Trigger::PostConfirmation,
            InvokeError::Unreachable("x".into()),
        );
        assert_eq!(error.code, "UnexpectedLambdaException");
        assert_eq!(
            error.message,
            "PostConfirmation invocation failed due to error x."
        );
        let error = failure(
            Trigger::CustomMessage,
            InvokeError::InvalidReply("y".into()),
        );
        assert_eq!(error.code, "InvalidLambdaResponseException");
    }

    #[test]
    fn reply_members_are_typed() {
        let response = json!({ "autoConfirmUser": true, "x": "s", "bad": 3 });
        let map = response.as_object().cloned().unwrap_or_default();
        assert_eq!(flag(Trigger::PreSignUp, &map, "autoConfirmUser"), Ok(true));
        assert_eq!(flag(Trigger::PreSignUp, &map, "absent"), Ok(false));
        assert!(flag(Trigger::PreSignUp, &map, "x").is_err());
        assert_eq!(text(Trigger::PreSignUp, &map, "x"), Ok(Some("s")));
        assert!(text(Trigger::PreSignUp, &map, "bad").is_err());
        assert!(string_map(
            Trigger::UserMigration,
            Some(&json!({"a": 1})),
            "userAttributes"
        )
        .is_err());
        assert_eq!(
            string_list(Trigger::UserMigration, Some(&json!(["EMAIL"])), "d"),
            Ok(vec!["EMAIL".to_string()])
        );
    }
}
