//! Where the Lambda triggers fire: one function per trigger, each called by the lifecycle
//! step it belongs to and by nothing else. Every function here reads what it needs under the
//! state lock, lets go of it, and only then calls the function (through [`crate::triggers`]): a
//! trigger may take seconds, and other requests must not wait for it. What a trigger answers is
//! returned as a typed outcome that the caller applies under the lock afterwards.
//!
//! With no function configured for a trigger, each returns its "nothing to change" outcome after
//! one read of the pool's `LambdaConfig`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::app::{App, ChallengeRound};
use crate::error::{ApiError, ApiResult};
use crate::model::{status, User};
use crate::triggers::{
    self, flag, invalid_response, string_list, string_map, text, Envelope, Trigger,
};

/// The pool's `LambdaConfig`, when it names a function for `trigger`.
fn config_for(app: &App, pool_id: &str, trigger: Trigger) -> ApiResult<Option<Value>> {
    let config = app.read(|db| Ok(db.pool(pool_id)?.settings.lambda_config.clone()))?;
    Ok(config.filter(|c| triggers::configured(Some(c), trigger).is_some()))
}

/// Whether the pool names a function for `trigger` (one read; for steps that must decide,
/// under the lock, whether to stop and let a trigger run).
pub fn configured(app: &App, pool_id: &str, trigger: Trigger) -> ApiResult<bool> {
    Ok(config_for(app, pool_id, trigger)?.is_some())
}

/// A `ClientMetadata` / `ValidationData` map as the event carries it.
fn string_object(pairs: &BTreeMap<String, String>) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<Map<_, _>>(),
    )
}

/// Adds `clientMetadata` to a request when the call carried some.
fn with_metadata(mut request: Value, client_metadata: Option<&BTreeMap<String, String>>) -> Value {
    if let (Some(metadata), Some(map)) = (client_metadata, request.as_object_mut()) {
        if !metadata.is_empty() {
            map.insert("clientMetadata".into(), string_object(metadata));
        }
    }
    request
}

/// A snapshot of a user taken under the lock: its internal name and `request.userAttributes`.
fn snapshot(app: &App, pool_id: &str, username: &str) -> ApiResult<(String, Value)> {
    app.read(|db| {
        let user = db.pool(pool_id)?.user(username)?;
        Ok((user.username.clone(), triggers::user_attributes(user)))
    })
}

/// What PreSignUp decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignUpDecision {
    /// `autoConfirmUser`.
    pub auto_confirm: bool,
    /// `autoVerifyEmail`.
    pub auto_verify_email: bool,
    /// `autoVerifyPhone`.
    pub auto_verify_phone: bool,
}

/// PreSignUp, before a user is created by SignUp (`PreSignUp_SignUp`) or AdminCreateUser
/// (`PreSignUp_AdminCreateUser`, whose flags the service ignores). `user_name` is the internal
/// name the user will get; `attributes` those given.
#[allow(clippy::too_many_arguments)]
pub fn pre_sign_up(
    app: &App,
    pool_id: &str,
    client_id: Option<&str>,
    admin: bool,
    user_name: &str,
    attributes: &[(String, String)],
    validation_data: Option<&BTreeMap<String, String>>,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<SignUpDecision> {
    let trigger = Trigger::PreSignUp;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(SignUpDecision::default());
    };
    let attributes_object = Value::Object(
        attributes
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<Map<_, _>>(),
    );
    let request = with_metadata(
        json!({
            "userAttributes": attributes_object,
            "validationData": validation_data.map_or(Value::Null, string_object),
        }),
        client_metadata,
    );
    let envelope = Envelope {
        pool_id,
        user_name,
        client_id,
        source: if admin {
            "PreSignUp_AdminCreateUser"
        } else {
            "PreSignUp_SignUp"
        },
    };
    let response =
        json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false });
    let Some(reply) = triggers::call(
        app,
        Some(&config),
        trigger,
        &envelope,
        request,
        Some(response),
    )?
    else {
        return Ok(SignUpDecision::default());
    };
    let decision = SignUpDecision {
        auto_confirm: flag(trigger, &reply, "autoConfirmUser")?,
        auto_verify_email: flag(trigger, &reply, "autoVerifyEmail")?,
        auto_verify_phone: flag(trigger, &reply, "autoVerifyPhone")?,
    };
    if admin {
        return Ok(SignUpDecision::default());
    }
    let has = |name: &str| attributes.iter().any(|(n, v)| n == name && !v.is_empty());
    if (decision.auto_verify_email && !has("email"))
        || (decision.auto_verify_phone && !has("phone_number"))
    {
        return Err(ApiError::invalid_parameter(
            "The PreSignUp trigger asked to verify an email address or phone number the user did not give.",
        ));
    }
    Ok(decision)
}

/// PostConfirmation, after a user was confirmed: `PostConfirmation_ConfirmSignUp` (ConfirmSignUp,
/// AdminConfirmSignUp, an auto-confirmed SignUp) or `PostConfirmation_ConfirmForgotPassword`.
/// A failure is returned to the caller; the confirmation stays.
pub fn post_confirmation(
    app: &App,
    pool_id: &str,
    username: &str,
    client_id: Option<&str>,
    forgot_password: bool,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<()> {
    let trigger = Trigger::PostConfirmation;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(());
    };
    let (user_name, attributes) = snapshot(app, pool_id, username)?;
    let envelope = Envelope {
        pool_id,
        user_name: &user_name,
        client_id,
        source: if forgot_password {
            "PostConfirmation_ConfirmForgotPassword"
        } else {
            "PostConfirmation_ConfirmSignUp"
        },
    };
    let request = with_metadata(json!({ "userAttributes": attributes }), client_metadata);
    triggers::call(app, Some(&config), trigger, &envelope, request, None)?;
    Ok(())
}

/// The texts CustomMessage chose for one message (each `None` keeps the pool's own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomTexts {
    /// `smsMessage`.
    pub sms: Option<String>,
    /// `emailMessage`.
    pub email: Option<String>,
    /// `emailSubject`.
    pub subject: Option<String>,
}

/// The longest email and SMS messages, code included.
const MAX_EMAIL_MESSAGE: usize = 20_000;
const MAX_SMS_MESSAGE: usize = 140;
const MAX_SUBJECT: usize = 140;

/// CustomMessage, before a message carrying a code is sent: `source` is its `CustomMessage_*`
/// trigger source; `user_name` and `attributes` describe the recipient (a user about to be
/// created included); `invitation` adds `usernameParameter` (AdminCreateUser).
#[allow(clippy::too_many_arguments)]
pub fn custom_message(
    app: &App,
    pool_id: &str,
    client_id: Option<&str>,
    source: &str,
    user_name: &str,
    attributes: Value,
    invitation: bool,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<CustomTexts>> {
    let trigger = Trigger::CustomMessage;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(None);
    };
    let developer_email = app.read(|db| {
        Ok(db
            .pool(pool_id)?
            .settings
            .email_configuration
            .as_ref()
            .and_then(|c| c.get("EmailSendingAccount"))
            .and_then(Value::as_str)
            == Some("DEVELOPER"))
    })?;
    let request = with_metadata(
        json!({
            "userAttributes": attributes,
            "codeParameter": "{####}",
            "linkParameter": "{##Click Here##}",
            "usernameParameter": if invitation { json!("{username}") } else { Value::Null },
        }),
        client_metadata,
    );
    let envelope = Envelope {
        pool_id,
        user_name,
        client_id,
        source,
    };
    let response = json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null });
    let Some(reply) = triggers::call(
        app,
        Some(&config),
        trigger,
        &envelope,
        request,
        Some(response),
    )?
    else {
        return Ok(None);
    };
    let texts = CustomTexts {
        sms: text(trigger, &reply, "smsMessage")?.map(str::to_string),
        email: text(trigger, &reply, "emailMessage")?.map(str::to_string),
        subject: text(trigger, &reply, "emailSubject")?.map(str::to_string),
    };
    if (texts.email.is_some() || texts.subject.is_some()) && !developer_email {
        return Err(invalid_response(
            trigger,
            "emailMessage and emailSubject need EmailConfiguration.EmailSendingAccount DEVELOPER",
        ));
    }
    for (message, limit, what) in [
        (&texts.email, MAX_EMAIL_MESSAGE, "emailMessage"),
        (&texts.sms, MAX_SMS_MESSAGE, "smsMessage"),
    ] {
        let Some(message) = message else { continue };
        if !message.contains("{####}") {
            return Err(invalid_response(
                trigger,
                &format!("{what} must contain the code parameter {{####}}"),
            ));
        }
        if invitation && !message.contains("{username}") {
            return Err(invalid_response(
                trigger,
                &format!("{what} must contain the username parameter {{username}}"),
            ));
        }
        if message.chars().count() > limit {
            return Err(invalid_response(
                trigger,
                &format!("{what} is longer than {limit} characters"),
            ));
        }
    }
    if texts
        .subject
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUBJECT)
    {
        return Err(invalid_response(
            trigger,
            "emailSubject is longer than 140 characters",
        ));
    }
    Ok(Some(texts))
}

/// [`custom_message`] for a user of the pool, read now.
pub fn custom_message_for(
    app: &App,
    pool_id: &str,
    client_id: Option<&str>,
    source: &str,
    username: &str,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<CustomTexts>> {
    if config_for(app, pool_id, Trigger::CustomMessage)?.is_none() {
        return Ok(None);
    }
    let (user_name, attributes) = snapshot(app, pool_id, username)?;
    custom_message(
        app,
        pool_id,
        client_id,
        source,
        &user_name,
        attributes,
        source == "CustomMessage_AdminCreateUser",
        client_metadata,
    )
}

/// PreAuthentication, at the start of a sign-in of a known user (or of an unknown one hidden by
/// PreventUserExistenceErrors: `userNotFound`), before any password is checked.
/// `validation_data` is the ClientMetadata of (Admin)InitiateAuth.
pub fn pre_authentication(
    app: &App,
    pool_id: &str,
    client_id: &str,
    user: Result<&User, &str>,
    hides_existence: bool,
    validation_data: Option<&BTreeMap<String, String>>,
) -> ApiResult<()> {
    let trigger = Trigger::PreAuthentication;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(());
    };
    let (user_name, attributes) = match user {
        Ok(user) => (user.username.clone(), triggers::user_attributes(user)),
        Err(typed) => (typed.to_string(), json!({})),
    };
    let mut request = json!({
        "userAttributes": attributes,
        "validationData": validation_data.map_or(Value::Null, string_object),
    });
    if hides_existence {
        request["userNotFound"] = json!(user.is_err());
    }
    let envelope = Envelope {
        pool_id,
        user_name: &user_name,
        client_id: Some(client_id),
        source: "PreAuthentication_Authentication",
    };
    triggers::call(app, Some(&config), trigger, &envelope, request, None)?;
    Ok(())
}

/// The user UserMigration returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// `userAttributes`.
    pub attributes: Vec<(String, String)>,
    /// `finalUserStatus`: CONFIRMED or RESET_REQUIRED (the default).
    pub status: &'static str,
    /// `messageAction` SUPPRESS: no welcome message.
    pub suppress_message: bool,
    /// `desiredDeliveryMediums` (SMS when absent).
    pub mediums: Vec<String>,
}

/// UserMigration, when a sign-in with the password in clear (`UserMigration_Authentication`,
/// `password` given) or ForgotPassword (`UserMigration_ForgotPassword`) names a user the pool
/// does not have. `None` when no function is configured.
pub fn migrate_user(
    app: &App,
    pool_id: &str,
    client_id: &str,
    typed: &str,
    password: Option<&str>,
    validation_data: Option<&BTreeMap<String, String>>,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<Migration>> {
    let trigger = Trigger::UserMigration;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(None);
    };
    let mut request = json!({
        "validationData": validation_data.map_or(Value::Null, string_object),
    });
    if let Some(password) = password {
        request["password"] = json!(password);
    }
    let request = with_metadata(request, client_metadata);
    let envelope = Envelope {
        pool_id,
        user_name: typed,
        client_id: Some(client_id),
        source: if password.is_some() {
            "UserMigration_Authentication"
        } else {
            "UserMigration_ForgotPassword"
        },
    };
    let reply =
        triggers::call(app, Some(&config), trigger, &envelope, request, None)?.unwrap_or_default();
    let attributes = string_map(trigger, reply.get("userAttributes"), "userAttributes")?;
    if attributes.is_empty() {
        return Err(ApiError::new(
            "UserNotFoundException",
            format!("Exception migrating user in app client {client_id}"),
        ));
    }
    let status = match text(trigger, &reply, "finalUserStatus")? {
        None | Some("RESET_REQUIRED") => status::RESET_REQUIRED,
        Some("CONFIRMED") => status::CONFIRMED,
        Some(other) => {
            return Err(invalid_response(
                trigger,
                &format!("finalUserStatus {other} is not CONFIRMED or RESET_REQUIRED"),
            ))
        }
    };
    let suppress_message = match text(trigger, &reply, "messageAction")? {
        None | Some("RESEND") => false,
        Some("SUPPRESS") => true,
        Some(other) => {
            return Err(invalid_response(
                trigger,
                &format!("messageAction {other} is not SUPPRESS or RESEND"),
            ))
        }
    };
    let mut mediums = string_list(
        trigger,
        reply.get("desiredDeliveryMediums"),
        "desiredDeliveryMediums",
    )?;
    if mediums.iter().any(|m| m != "EMAIL" && m != "SMS") {
        return Err(invalid_response(
            trigger,
            "desiredDeliveryMediums must list EMAIL or SMS",
        ));
    }
    if mediums.is_empty() {
        mediums.push("SMS".to_string());
    }
    Ok(Some(Migration {
        attributes,
        status,
        suppress_message,
        mediums,
    }))
}

/// PostAuthentication, once a sign-in has succeeded and before its tokens are made. A failure
/// fails the sign-in.
pub fn post_authentication(
    app: &App,
    pool_id: &str,
    client_id: &str,
    username: &str,
    new_device_used: bool,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<()> {
    let trigger = Trigger::PostAuthentication;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(());
    };
    let (user_name, attributes) = snapshot(app, pool_id, username)?;
    let request = with_metadata(
        json!({ "userAttributes": attributes, "newDeviceUsed": new_device_used }),
        client_metadata,
    );
    let envelope = Envelope {
        pool_id,
        user_name: &user_name,
        client_id: Some(client_id),
        source: "PostAuthentication_Authentication",
    };
    triggers::call(app, Some(&config), trigger, &envelope, request, None)?;
    Ok(())
}

/// What PreTokenGeneration changes in one pair of tokens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenOverrides {
    /// Claims added to or replaced in the ID token.
    pub id_add: Map<String, Value>,
    /// Claims taken out of the ID token.
    pub id_suppress: Vec<String>,
    /// Claims added to or replaced in the access token (V2/V3).
    pub access_add: Map<String, Value>,
    /// Claims taken out of the access token (V2/V3).
    pub access_suppress: Vec<String>,
    /// Scopes added to the access token (V2/V3).
    pub scopes_add: Vec<String>,
    /// Scopes taken out of the access token (V2/V3).
    pub scopes_suppress: Vec<String>,
    /// `groupOverrideDetails`: `Some(None)` removes the groups; `Some(Some(..))` replaces them.
    pub groups: Option<Option<GroupOverride>>,
}

/// `groupOverrideDetails`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupOverride {
    /// `groupsToOverride`.
    pub groups: Vec<String>,
    /// `iamRolesToOverride`.
    pub roles: Vec<String>,
    /// `preferredRole`.
    pub preferred_role: Option<String>,
}

/// Claims no function may add, change or take out, in either token (`cognito:` claims other than
/// the group ones are refused by prefix).
const RESERVED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "client_id",
    "device_key",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "username",
    "version",
    "scope",
];

/// Whether a function may touch claim `name`.
pub fn claim_is_reserved(name: &str) -> bool {
    RESERVED_CLAIMS.contains(&name)
        || (name.starts_with("cognito:")
            && !matches!(
                name,
                "cognito:groups" | "cognito:roles" | "cognito:preferred_role"
            ))
}

/// PreTokenGeneration, before a pair of tokens is signed. `source` is its trigger source,
/// `groups` the user's group configuration as it stands, `scopes` the access token's.
#[allow(clippy::too_many_arguments)]
pub fn pre_token_generation(
    app: &App,
    pool_id: &str,
    client_id: &str,
    username: &str,
    source: &str,
    groups: &GroupOverride,
    scopes: &[String],
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<TokenOverrides>> {
    let trigger = Trigger::PreTokenGeneration;
    let Some(config) = config_for(app, pool_id, trigger)? else {
        return Ok(None);
    };
    let version = triggers::configured(Some(&config), trigger).map_or("1", |c| c.version);
    let (user_name, attributes) = snapshot(app, pool_id, username)?;
    let mut request = json!({
        "userAttributes": attributes,
        "groupConfiguration": {
            "groupsToOverride": groups.groups,
            "iamRolesToOverride": groups.roles,
            "preferredRole": groups.preferred_role,
        },
    });
    if version != "1" {
        request["scopes"] = json!(scopes);
    }
    let request = with_metadata(request, client_metadata);
    let envelope = Envelope {
        pool_id,
        user_name: &user_name,
        client_id: Some(client_id),
        source,
    };
    let response = if version == "1" {
        json!({ "claimsOverrideDetails": null })
    } else {
        json!({ "claimsAndScopeOverrideDetails": null })
    };
    let Some(reply) = triggers::call(
        app,
        Some(&config),
        trigger,
        &envelope,
        request,
        Some(response),
    )?
    else {
        return Ok(None);
    };
    let mut overrides = TokenOverrides::default();
    let object = |value: Option<&Value>, what: &str| -> ApiResult<Option<Map<String, Value>>> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(invalid_response(
                trigger,
                &format!("{what} must be an object"),
            )),
        }
    };
    let claims = |map: &Map<String, Value>,
                  what: &str,
                  strings_only: bool|
     -> ApiResult<Map<String, Value>> {
        let Some(added) = object(map.get("claimsToAddOrOverride"), what)? else {
            return Ok(Map::new());
        };
        for (name, value) in &added {
            let fits = if strings_only {
                value.is_string()
            } else {
                !value.is_null()
            };
            if !fits {
                return Err(invalid_response(
                    trigger,
                    &format!("{what}.claimsToAddOrOverride.{name} has a value of the wrong type"),
                ));
            }
        }
        Ok(added
            .into_iter()
            .filter(|(name, _)| !claim_is_reserved(name))
            .collect())
    };
    let suppressed = |map: &Map<String, Value>, what: &str| -> ApiResult<Vec<String>> {
        Ok(string_list(trigger, map.get("claimsToSuppress"), what)?
            .into_iter()
            .filter(|name| !claim_is_reserved(name))
            .collect())
    };
    let group_details = |map: &Map<String, Value>| -> ApiResult<Option<Option<GroupOverride>>> {
        match map.get("groupOverrideDetails") {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Object(details)) => {
                let groups =
                    string_list(trigger, details.get("groupsToOverride"), "groupsToOverride")?;
                let roles = string_list(
                    trigger,
                    details.get("iamRolesToOverride"),
                    "iamRolesToOverride",
                )?;
                let preferred_role = match details.get("preferredRole") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(role)) => Some(role.clone()),
                    Some(_) => {
                        return Err(invalid_response(trigger, "preferredRole must be a string"))
                    }
                };
                if groups.is_empty() && roles.is_empty() && preferred_role.is_none() {
                    return Ok(Some(None));
                }
                Ok(Some(Some(GroupOverride {
                    groups,
                    roles,
                    preferred_role,
                })))
            }
            Some(_) => Err(invalid_response(
                trigger,
                "groupOverrideDetails must be an object",
            )),
        }
    };
    if version == "1" {
        let Some(details) = object(reply.get("claimsOverrideDetails"), "claimsOverrideDetails")?
        else {
            return Ok(None);
        };
        overrides.id_add = claims(&details, "claimsOverrideDetails", true)?;
        overrides.id_suppress = suppressed(&details, "claimsToSuppress")?;
        overrides.groups = group_details(&details)?;
    } else {
        let Some(details) = object(
            reply.get("claimsAndScopeOverrideDetails"),
            "claimsAndScopeOverrideDetails",
        )?
        else {
            return Ok(None);
        };
        if let Some(id) = object(details.get("idTokenGeneration"), "idTokenGeneration")? {
            overrides.id_add = claims(&id, "idTokenGeneration", false)?;
            overrides.id_suppress = suppressed(&id, "claimsToSuppress")?;
        }
        if let Some(access) = object(
            details.get("accessTokenGeneration"),
            "accessTokenGeneration",
        )? {
            overrides.access_add = claims(&access, "accessTokenGeneration", false)?;
            overrides.access_suppress = suppressed(&access, "claimsToSuppress")?;
            overrides.scopes_add = string_list(trigger, access.get("scopesToAdd"), "scopesToAdd")?;
            overrides.scopes_suppress =
                string_list(trigger, access.get("scopesToSuppress"), "scopesToSuppress")?;
            if overrides
                .scopes_add
                .iter()
                .any(|s| s.is_empty() || s.chars().any(char::is_whitespace))
            {
                return Err(invalid_response(
                    trigger,
                    "scopesToAdd values may not contain whitespace",
                ));
            }
        }
        overrides.groups = group_details(&details)?;
    }
    Ok(Some(overrides))
}

fn session_value(rounds: &[ChallengeRound]) -> Value {
    Value::Array(
        rounds
            .iter()
            .map(|r| {
                json!({ "challengeName": r.name, "challengeResult": r.result, "challengeMetadata": r.metadata })
            })
            .collect(),
    )
}

/// What DefineAuthChallenge decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defined {
    /// `issueTokens`.
    IssueTokens,
    /// `failAuthentication`.
    Fail,
    /// Ask this challenge next (`CUSTOM_CHALLENGE`, `PASSWORD_VERIFIER`).
    Challenge(String),
}

/// Who a custom-auth trigger is about: the user's name and attributes, or the name typed for an
/// unknown user hidden by PreventUserExistenceErrors.
#[derive(Clone, Debug)]
pub struct ChallengeSubject<'a> {
    /// The pool.
    pub pool_id: &'a str,
    /// The app client.
    pub client_id: &'a str,
    /// Internal username (or the name typed).
    pub username: &'a str,
    /// No such user (only with PreventUserExistenceErrors).
    pub not_found: bool,
    /// Whether the client hides user existence (`userNotFound` is sent then).
    pub hides_existence: bool,
}

impl ChallengeSubject<'_> {
    /// Calls `trigger` (one of the three custom-auth triggers) about this subject: the request
    /// has `userAttributes` (and `userNotFound`), what `fill` adds, and `clientMetadata`; its
    /// source is `<Trigger>_Authentication`. `Ok(None)` when no function is configured.
    fn call(
        &self,
        app: &App,
        trigger: Trigger,
        client_metadata: Option<&BTreeMap<String, String>>,
        response: Value,
        fill: impl FnOnce(&mut Value),
    ) -> ApiResult<Option<Map<String, Value>>> {
        let config = config_for(app, self.pool_id, trigger)?;
        let (user_name, mut request) = self.request(app)?;
        fill(&mut request);
        let request = with_metadata(request, client_metadata);
        let source = format!("{}_Authentication", trigger.name());
        let envelope = Envelope {
            pool_id: self.pool_id,
            user_name: &user_name,
            client_id: Some(self.client_id),
            source: &source,
        };
        triggers::call(
            app,
            config.as_ref(),
            trigger,
            &envelope,
            request,
            Some(response),
        )
    }

    fn request(&self, app: &App) -> ApiResult<(String, Value)> {
        let (user_name, attributes) = if self.not_found {
            (self.username.to_string(), json!({}))
        } else {
            snapshot(app, self.pool_id, self.username)?
        };
        let mut request = json!({ "userAttributes": attributes });
        if self.hides_existence {
            request["userNotFound"] = json!(self.not_found);
        }
        Ok((user_name, request))
    }
}

/// Whether the pool runs custom auth on its triggers (DefineAuthChallenge is configured).
pub fn custom_auth_on_triggers(app: &App, pool_id: &str) -> ApiResult<bool> {
    configured(app, pool_id, Trigger::DefineAuthChallenge)
}

/// DefineAuthChallenge, at the start of a CUSTOM_AUTH sign-in and after each answer.
pub fn define_auth_challenge(
    app: &App,
    subject: &ChallengeSubject<'_>,
    rounds: &[ChallengeRound],
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Defined> {
    let trigger = Trigger::DefineAuthChallenge;
    let response =
        json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false });
    let reply = subject
        .call(app, trigger, client_metadata, response, |request| {
            request["session"] = session_value(rounds);
        })?
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "Custom auth lambda trigger is not configured for the user pool.",
            )
        })?;
    let issue = flag(trigger, &reply, "issueTokens")?;
    let fail = flag(trigger, &reply, "failAuthentication")?;
    let challenge = text(trigger, &reply, "challengeName")?;
    match (issue, fail, challenge) {
        (true, true, _) => Err(invalid_response(
            trigger,
            "issueTokens and failAuthentication are both true",
        )),
        (false, true, _) => Ok(Defined::Fail),
        (true, false, _) => Ok(Defined::IssueTokens),
        (false, false, Some(name @ ("CUSTOM_CHALLENGE" | "PASSWORD_VERIFIER"))) => {
            Ok(Defined::Challenge(name.to_string()))
        }
        (false, false, Some(other)) => Err(invalid_response(
            trigger,
            &format!("challengeName {other} is not CUSTOM_CHALLENGE or PASSWORD_VERIFIER"),
        )),
        (false, false, None) => Err(invalid_response(
            trigger,
            "neither issueTokens, failAuthentication nor challengeName",
        )),
    }
}

/// A challenge CreateAuthChallenge made.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CreatedChallenge {
    /// `publicChallengeParameters`: the ChallengeParameters of the reply.
    pub public: Vec<(String, String)>,
    /// `privateChallengeParameters`: for VerifyAuthChallengeResponse only.
    pub private: BTreeMap<String, String>,
    /// `challengeMetadata`.
    pub metadata: Option<String>,
}

debug_showing!(CreatedChallenge { public, metadata });

/// CreateAuthChallenge, when DefineAuthChallenge asked for a CUSTOM_CHALLENGE.
pub fn create_auth_challenge(
    app: &App,
    subject: &ChallengeSubject<'_>,
    rounds: &[ChallengeRound],
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<CreatedChallenge> {
    let trigger = Trigger::CreateAuthChallenge;
    let response = json!({ "publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null });
    let reply = subject
        .call(app, trigger, client_metadata, response, |request| {
            request["challengeName"] = json!("CUSTOM_CHALLENGE");
            request["session"] = session_value(rounds);
        })?
        .ok_or_else(|| {
            invalid_response(trigger, "no CreateAuthChallenge function is configured")
        })?;
    Ok(CreatedChallenge {
        public: string_map(
            trigger,
            reply.get("publicChallengeParameters"),
            "publicChallengeParameters",
        )?,
        private: string_map(
            trigger,
            reply.get("privateChallengeParameters"),
            "privateChallengeParameters",
        )?
        .into_iter()
        .collect(),
        metadata: text(trigger, &reply, "challengeMetadata")?.map(str::to_string),
    })
}

/// VerifyAuthChallengeResponse, when a CUSTOM_CHALLENGE is answered: `answerCorrect`.
pub fn verify_auth_challenge(
    app: &App,
    subject: &ChallengeSubject<'_>,
    private: &BTreeMap<String, String>,
    answer: &str,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<bool> {
    let trigger = Trigger::VerifyAuthChallengeResponse;
    let response = json!({ "answerCorrect": false });
    let reply = subject
        .call(app, trigger, client_metadata, response, |request| {
            request["privateChallengeParameters"] = string_object(private);
            request["challengeAnswer"] = json!(answer);
        })?
        .ok_or_else(|| {
            invalid_response(
                trigger,
                "no VerifyAuthChallengeResponse function is configured",
            )
        })?;
    flag(trigger, &reply, "answerCorrect")
}

/// PreTokenGeneration for the tokens of `username` made for `source`: the user's group
/// configuration and the access token's scope, read now.
pub fn token_overrides(
    app: &App,
    pool_id: &str,
    client_id: &str,
    username: &str,
    source: super::tokens::TokenSource,
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<TokenOverrides>> {
    let scopes = [super::tokens::ACCESS_SCOPE.to_string()];
    token_overrides_with_scopes(
        app,
        pool_id,
        client_id,
        username,
        source,
        &scopes,
        client_metadata,
    )
}

/// [`token_overrides`] for tokens of other scopes than the API's (the pool domain's OAuth
/// scopes): PreTokenGeneration is shown them.
pub fn token_overrides_with_scopes(
    app: &App,
    pool_id: &str,
    client_id: &str,
    username: &str,
    source: super::tokens::TokenSource,
    scopes: &[String],
    client_metadata: Option<&BTreeMap<String, String>>,
) -> ApiResult<Option<TokenOverrides>> {
    if config_for(app, pool_id, Trigger::PreTokenGeneration)?.is_none() {
        return Ok(None);
    }
    let groups = app.read(|db| {
        let pool = db.pool(pool_id)?;
        Ok(super::tokens::group_configuration(
            pool,
            pool.user(username)?,
        ))
    })?;
    pre_token_generation(
        app,
        pool_id,
        client_id,
        username,
        source.trigger_source(),
        &groups,
        scopes,
        client_metadata,
    )
}
