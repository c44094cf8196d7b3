//! The sign-in state machine, pure: what a reply of `InitiateAuth`/`RespondToAuthChallenge` asks for
//! next, and the exact `ChallengeResponses` that answer it. No I/O, clock or randomness here: the
//! client sends the requests and supplies time and random bytes.
//!
//! Each challenge is a variant holding only its own data. A challenge the kit does not know is a
//! typed [`ProtocolErrorKind::UnexpectedChallenge`] error, never a panic.

use crate::api::operations::{AuthReply, AuthenticationResult, StringMap};
use crate::error::{Error, MisuseErrorKind, ProtocolErrorKind, Result};
use crate::srp::VerifierChallenge;
use crate::text::cat;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Prefix of the attribute keys of `NEW_PASSWORD_REQUIRED`.
pub const USER_ATTRIBUTES_PREFIX: &str = "userAttributes.";

/// Where a code was sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDestination {
    /// Masked destination, e.g. `+*******1234`.
    pub destination: Option<String>,
    /// `SMS` or `EMAIL`.
    pub medium: Option<String>,
}

/// What the service asks for next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// SRP proof of the password (answered by the kit, not the user).
    PasswordVerifier(VerifierChallenge),
    /// Start device SRP (answered by the kit with the stored device).
    DeviceSrpAuth,
    /// SRP proof of the device's password (answered by the kit).
    DevicePasswordVerifier(VerifierChallenge),
    /// A code sent by SMS (MFA).
    SmsMfa(CodeDestination),
    /// A code from the authenticator app.
    SoftwareTokenMfa,
    /// A code sent by email (MFA or passwordless).
    EmailOtp(CodeDestination),
    /// A code sent by SMS (passwordless).
    SmsOtp(CodeDestination),
    /// The user picks an MFA method among these (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
    SelectMfaType(Vec<String>),
    /// The user must set up MFA; these methods may be set up.
    MfaSetup(Vec<String>),
    /// The user must choose a new password and give the listed attributes.
    NewPasswordRequired {
        /// Attribute names (without the `userAttributes.` prefix) that must be given.
        required_attributes: Vec<String>,
        /// The user's current attributes, as the service reports them.
        user_attributes: StringMap,
    },
    /// A custom challenge of the pool's Lambda triggers.
    CustomChallenge(StringMap),
    /// Choice-based sign-in: the user picks one of these first factors.
    SelectChallenge(Vec<String>),
    /// Passkey: `CREDENTIAL_REQUEST_OPTIONS` for `navigator.credentials.get`.
    WebAuthn(String),
}

impl Challenge {
    /// The service's name of this challenge.
    pub fn name(&self) -> &'static str {
        match self {
            Challenge::PasswordVerifier(_) => "PASSWORD_VERIFIER",
            Challenge::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Challenge::DevicePasswordVerifier(_) => "DEVICE_PASSWORD_VERIFIER",
            Challenge::SmsMfa(_) => "SMS_MFA",
            Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Challenge::EmailOtp(_) => "EMAIL_OTP",
            Challenge::SmsOtp(_) => "SMS_OTP",
            Challenge::SelectMfaType(_) => "SELECT_MFA_TYPE",
            Challenge::MfaSetup(_) => "MFA_SETUP",
            Challenge::NewPasswordRequired { .. } => "NEW_PASSWORD_REQUIRED",
            Challenge::CustomChallenge(_) => "CUSTOM_CHALLENGE",
            Challenge::SelectChallenge(_) => "SELECT_CHALLENGE",
            Challenge::WebAuthn(_) => "WEB_AUTHN",
        }
    }

    /// Whether the kit answers this challenge itself (SRP and device steps).
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Challenge::PasswordVerifier(_)
                | Challenge::DeviceSrpAuth
                | Challenge::DevicePasswordVerifier(_)
        )
    }
}

/// Amplify's name of an MFA method (`SMS_MFA` → `SMS`, `SOFTWARE_TOKEN_MFA` → `TOTP`, `EMAIL_OTP` →
/// `EMAIL`); other names are returned as they are.
pub fn mfa_name(service_name: &str) -> &str {
    match service_name {
        "SMS_MFA" => "SMS",
        "SOFTWARE_TOKEN_MFA" => "TOTP",
        "EMAIL_OTP" => "EMAIL",
        other => other,
    }
}

/// The service's name of an MFA method given by Amplify's name (the inverse of [`mfa_name`]);
/// service names are returned as they are.
pub fn mfa_service_name(name: &str) -> &str {
    match name {
        "SMS" => "SMS_MFA",
        "TOTP" => "SOFTWARE_TOKEN_MFA",
        "EMAIL" => "EMAIL_OTP",
        other => other,
    }
}

/// Where a sign-in stands after a reply. `Debug` leaves the challenge session out.
#[derive(Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Signed in.
    SignedIn(AuthenticationResult),
    /// A challenge to answer, with its session and the username answers must carry.
    Challenge {
        /// The challenge.
        challenge: Challenge,
        /// The challenge's session (single use).
        session: Option<String>,
        /// `USERNAME` for the answer: the challenge's own, else the one signing in.
        username: String,
    },
}

impl core::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Outcome::SignedIn(result) => f.debug_tuple("SignedIn").field(result).finish(),
            Outcome::Challenge {
                challenge,
                session,
                username,
            } => f
                .debug_struct("Challenge")
                .field("challenge", challenge)
                .field(
                    "session",
                    &session.as_ref().map(|_| crate::secret::Redacted),
                )
                .field("username", username)
                .finish(),
        }
    }
}

fn unexpected(detail: String) -> Error {
    Error::protocol(
        ProtocolErrorKind::UnexpectedChallenge,
        "ChallengeName",
        detail,
    )
}

fn not_a_list(key: &'static str, why: &str) -> Error {
    Error::protocol(
        ProtocolErrorKind::InvalidJson,
        key,
        cat!("expected a JSON array of strings: ", why),
    )
}

/// A JSON array of strings inside a challenge parameter (e.g. `MFAS_CAN_CHOOSE`). Absent is empty.
fn json_list(params: &StringMap, key: &'static str) -> Result<Vec<String>> {
    match params.get(key) {
        None => Ok(Vec::new()),
        Some(text) => match crate::json::parse(text.as_bytes()) {
            Ok(crate::json::Json::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        crate::json::Json::String(s) => out.push(s),
                        _ => return Err(not_a_list(key, "an item is not a string")),
                    }
                }
                Ok(out)
            }
            Ok(_) => Err(not_a_list(key, "not an array")),
            Err(e) => Err(not_a_list(key, &cat!(e))),
        },
    }
}

fn destination(params: &StringMap) -> CodeDestination {
    CodeDestination {
        destination: params.get("CODE_DELIVERY_DESTINATION").cloned(),
        medium: params.get("CODE_DELIVERY_DELIVERY_MEDIUM").cloned(),
    }
}

/// Reads a reply of `InitiateAuth` or `RespondToAuthChallenge`. `username` is the name signing in,
/// used when the challenge does not name one.
pub fn interpret(reply: AuthReply, username: &str) -> Result<Outcome> {
    if let Some(result) = reply.authentication_result {
        return Ok(Outcome::SignedIn(result));
    }
    let Some(name) = reply.challenge_name else {
        return Err(Error::protocol(
            ProtocolErrorKind::UnexpectedResponse,
            "reply",
            "neither AuthenticationResult nor ChallengeName",
        ));
    };
    let params = reply.challenge_parameters;
    let verifier = || VerifierChallenge::from_parameters(|k| params.get(k).cloned());
    let challenge = match name.as_str() {
        "PASSWORD_VERIFIER" => Challenge::PasswordVerifier(verifier()?),
        "DEVICE_SRP_AUTH" => Challenge::DeviceSrpAuth,
        "DEVICE_PASSWORD_VERIFIER" => Challenge::DevicePasswordVerifier(verifier()?),
        "SMS_MFA" => Challenge::SmsMfa(destination(&params)),
        "SOFTWARE_TOKEN_MFA" => Challenge::SoftwareTokenMfa,
        "EMAIL_OTP" => Challenge::EmailOtp(destination(&params)),
        "SMS_OTP" => Challenge::SmsOtp(destination(&params)),
        "SELECT_MFA_TYPE" => Challenge::SelectMfaType(json_list(&params, "MFAS_CAN_CHOOSE")?),
        "MFA_SETUP" => Challenge::MfaSetup(json_list(&params, "MFAS_CAN_SETUP")?),
        "NEW_PASSWORD_REQUIRED" => {
            let mut required = json_list(&params, "requiredAttributes")?;
            for a in &mut required {
                if let Some(name) = a.strip_prefix(USER_ATTRIBUTES_PREFIX) {
                    *a = name.to_string();
                }
            }
            let user_attributes = match params.get("userAttributes") {
                None => StringMap::new(),
                Some(text) => match crate::json::parse(text.as_bytes()) {
                    // Only the string-valued attributes; a non-object reads as none.
                    Ok(crate::json::Json::Object(members)) => crate::json::string_members(members),
                    Ok(_) => StringMap::new(),
                    Err(e) => {
                        return Err(Error::protocol(
                            ProtocolErrorKind::InvalidJson,
                            "userAttributes",
                            cat!(e),
                        ))
                    }
                },
            };
            Challenge::NewPasswordRequired {
                required_attributes: required,
                user_attributes,
            }
        }
        "CUSTOM_CHALLENGE" => Challenge::CustomChallenge(params.clone()),
        "SELECT_CHALLENGE" => Challenge::SelectChallenge(reply.available_challenges.clone()),
        "WEB_AUTHN" => {
            // The service's options, checked here rather than by the platform: a reply without
            // them is the service's fault, not a passkey that failed.
            const OPTIONS: &str = "CREDENTIAL_REQUEST_OPTIONS";
            let options = params.get(OPTIONS).ok_or_else(|| {
                Error::protocol(
                    ProtocolErrorKind::MissingField,
                    OPTIONS,
                    "absent from ChallengeParameters",
                )
            })?;
            let parsed = crate::json::parse(options.as_bytes());
            if !parsed.is_ok_and(|o| o.get("challenge").and_then(|c| c.as_str()).is_some()) {
                return Err(Error::protocol(
                    ProtocolErrorKind::InvalidJson,
                    OPTIONS,
                    "not WebAuthn request options (an object with a challenge)",
                ));
            }
            Challenge::WebAuthn(options.clone())
        }
        other => {
            return Err(unexpected(cat!(
                "the kit cannot answer ",
                crate::error::quoted(other)
            )))
        }
    };
    let username = params
        .get("USERNAME")
        .cloned()
        .unwrap_or_else(|| username.to_string());
    Ok(Outcome::Challenge {
        challenge,
        session: reply.session,
        username,
    })
}

/// What the user gives to answer a user-facing challenge. `Debug` names the kind of answer only;
/// [`zeroize`](zeroize::Zeroize::zeroize) clears it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserAnswer {
    /// An SMS, email or authenticator code.
    Code(String),
    /// The chosen MFA method or first factor (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`,
    /// `PASSWORD`, `PASSWORD_SRP`, …).
    Choice(String),
    /// A new password and the required attributes (names without the `userAttributes.` prefix).
    NewPassword {
        /// The new password.
        password: String,
        /// Attribute values.
        attributes: StringMap,
    },
    /// The answer to a custom challenge.
    Custom(String),
    /// A passkey assertion (the JSON of the `PublicKeyCredential`).
    Credential(String),
    /// The password, for the password factor chosen at the first-factor selection.
    Password(String),
}

impl core::fmt::Debug for UserAnswer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = match self {
            UserAnswer::Code(_) => "Code",
            UserAnswer::Choice(_) => "Choice",
            UserAnswer::NewPassword { .. } => "NewPassword",
            UserAnswer::Custom(_) => "Custom",
            UserAnswer::Credential(_) => "Credential",
            UserAnswer::Password(_) => "Password",
        };
        f.debug_tuple(kind).field(&crate::secret::Redacted).finish()
    }
}

impl zeroize::Zeroize for UserAnswer {
    fn zeroize(&mut self) {
        match self {
            UserAnswer::Code(s)
            | UserAnswer::Choice(s)
            | UserAnswer::Custom(s)
            | UserAnswer::Credential(s)
            | UserAnswer::Password(s) => s.zeroize(),
            UserAnswer::NewPassword {
                password,
                attributes,
            } => {
                password.zeroize();
                attributes.zeroize();
            }
        }
    }
}

/// An answer is zeroed when it is dropped, on every path (refused, sent, or never used).
impl Drop for UserAnswer {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

/// The `ChallengeResponses` for a user-facing challenge: `USERNAME`, the challenge's answer key(s)
/// and `SECRET_HASH` when given. Refuses an answer of the wrong kind for the challenge.
pub fn user_answer(
    challenge: &Challenge,
    username: &str,
    answer: UserAnswer,
    secret_hash: Option<&str>,
) -> Result<StringMap> {
    let mut out = StringMap::new();
    out.insert("USERNAME".into(), username.into());
    let wrong = || {
        Error::misuse(
            MisuseErrorKind::InvalidArgument,
            cat!(
                "this answer does not fit the ",
                challenge.name(),
                " challenge"
            ),
        )
    };
    // Each answer's text is moved into the map (`take`: no copy is made), and the map is zeroed
    // when dropped; what is left of `answer` is zeroed by its `Drop`.
    let mut answer = answer;
    let take = core::mem::take::<String>;
    match (challenge, &mut answer) {
        (Challenge::SmsMfa(_), UserAnswer::Code(code)) => {
            out.insert("SMS_MFA_CODE".into(), take(code))
        }
        (Challenge::SoftwareTokenMfa, UserAnswer::Code(code)) => {
            out.insert("SOFTWARE_TOKEN_MFA_CODE".into(), take(code))
        }
        (Challenge::EmailOtp(_), UserAnswer::Code(code)) => {
            out.insert("EMAIL_OTP_CODE".into(), take(code))
        }
        (Challenge::SmsOtp(_), UserAnswer::Code(code)) => {
            out.insert("SMS_OTP_CODE".into(), take(code))
        }
        (
            Challenge::SelectMfaType(options) | Challenge::SelectChallenge(options),
            UserAnswer::Choice(choice),
        ) => {
            if !options.is_empty() && !options.contains(choice) {
                let what = match challenge {
                    Challenge::SelectMfaType(_) => "MFA types",
                    _ => "first factors",
                };
                return Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    cat!(
                        crate::error::quoted(choice),
                        " is not one of the offered ",
                        what,
                        " ",
                        crate::error::quoted_list(options)
                    ),
                ));
            }
            out.insert("ANSWER".into(), take(choice))
        }
        (
            Challenge::NewPasswordRequired {
                required_attributes,
                ..
            },
            UserAnswer::NewPassword {
                password,
                attributes,
            },
        ) => {
            out.insert("NEW_PASSWORD".into(), take(password));
            let mut missing: Vec<&String> = Vec::new();
            for a in required_attributes {
                if !attributes.contains_key(a) {
                    missing.push(a);
                }
            }
            if !missing.is_empty() {
                return Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    cat!(
                        "the new-password challenge requires the attributes ",
                        crate::error::quoted_list(&missing)
                    ),
                ));
            }
            for (name, value) in core::mem::take(attributes) {
                out.insert(cat!(USER_ATTRIBUTES_PREFIX, name), value);
            }
            None
        }
        (Challenge::CustomChallenge(_), UserAnswer::Custom(text)) => {
            out.insert("ANSWER".into(), take(text))
        }
        (Challenge::WebAuthn(_), UserAnswer::Credential(json)) => {
            out.insert("CREDENTIAL".into(), take(json))
        }
        _ => return Err(wrong()),
    };
    if let Some(hash) = secret_hash {
        out.insert("SECRET_HASH".into(), hash.into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_answers_or_sessions() {
        let answers = [
            UserAnswer::Code("123456".into()),
            UserAnswer::Custom("secret-answer".into()),
            UserAnswer::NewPassword {
                password: "N3w-Passw0rd!".into(),
                attributes: [("name".to_string(), "Alice".to_string())].into(),
            },
        ];
        for a in &answers {
            let printed = format!("{a:?}");
            assert!(printed.contains("<redacted>"), "{printed}");
            for secret in ["123456", "secret-answer", "N3w-Passw0rd!", "Alice"] {
                assert!(!printed.contains(secret), "{printed}");
            }
        }
        let mut r = reply("SMS_MFA", &[]);
        r.session = Some("AYABeChallengeSessionValue".into());
        let printed = format!("{:?}", interpret(r, "alice").unwrap());
        assert!(
            printed.contains("SmsMfa") && printed.contains("alice"),
            "{printed}"
        );
        assert!(printed.contains("session: Some(<redacted>)"), "{printed}");
        assert!(!printed.contains("AYABe"), "{printed}");
    }

    #[test]
    fn answers_of_the_wrong_kind_are_cleared_and_refused() {
        let err = user_answer(
            &Challenge::SoftwareTokenMfa,
            "alice",
            UserAnswer::NewPassword {
                password: "pw".into(),
                attributes: StringMap::new(),
            },
            None,
        )
        .unwrap_err();
        assert_eq!(err.code(), "InvalidArgument");
        let mut answer = UserAnswer::NewPassword {
            password: "pw".into(),
            attributes: [("a".to_string(), "b".to_string())].into(),
        };
        zeroize::Zeroize::zeroize(&mut answer);
        assert_eq!(
            answer,
            UserAnswer::NewPassword {
                password: String::new(),
                attributes: StringMap::new(),
            }
        );
    }

    fn reply(name: &str, params: &[(&str, &str)]) -> AuthReply {
        AuthReply {
            challenge_name: Some(name.into()),
            session: Some("sess".into()),
            challenge_parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..AuthReply::default()
        }
    }

    fn challenge_of(r: AuthReply) -> (Challenge, Option<String>, String) {
        match interpret(r, "typed-name").unwrap() {
            Outcome::Challenge {
                challenge,
                session,
                username,
            } => (challenge, session, username),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_known_challenge_is_interpreted() {
        let (c, s, u) = challenge_of(reply(
            "SMS_MFA",
            &[
                ("CODE_DELIVERY_DESTINATION", "+***12"),
                ("CODE_DELIVERY_DELIVERY_MEDIUM", "SMS"),
                ("USERNAME", "sub-1"),
            ],
        ));
        assert_eq!(
            c,
            Challenge::SmsMfa(CodeDestination {
                destination: Some("+***12".into()),
                medium: Some("SMS".into())
            })
        );
        assert_eq!((s.as_deref(), u.as_str()), (Some("sess"), "sub-1"));
        let (c, _, u) = challenge_of(reply("SOFTWARE_TOKEN_MFA", &[]));
        assert_eq!((c, u.as_str()), (Challenge::SoftwareTokenMfa, "typed-name"));
        let (c, _, _) = challenge_of(reply(
            "SELECT_MFA_TYPE",
            &[("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#)],
        ));
        assert_eq!(
            c,
            Challenge::SelectMfaType(vec!["SMS_MFA".into(), "SOFTWARE_TOKEN_MFA".into()])
        );
        let (c, _, _) = challenge_of(reply(
            "MFA_SETUP",
            &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#)],
        ));
        assert_eq!(c, Challenge::MfaSetup(vec!["SOFTWARE_TOKEN_MFA".into()]));
        let (c, _, _) = challenge_of(reply(
            "NEW_PASSWORD_REQUIRED",
            &[
                (
                    "requiredAttributes",
                    r#"["userAttributes.name","userAttributes.family_name"]"#,
                ),
                (
                    "userAttributes",
                    r#"{"email":"a@example.com","email_verified":"true"}"#,
                ),
            ],
        ));
        match c {
            Challenge::NewPasswordRequired {
                required_attributes,
                user_attributes,
            } => {
                assert_eq!(
                    required_attributes,
                    vec!["name".to_string(), "family_name".to_string()]
                );
                assert_eq!(user_attributes["email"], "a@example.com");
            }
            other => panic!("{other:?}"),
        }
        let (c, _, _) = challenge_of(reply(
            "PASSWORD_VERIFIER",
            &[
                ("SRP_B", "ab"),
                ("SALT", "cd"),
                ("SECRET_BLOCK", "AAAA"),
                ("USER_ID_FOR_SRP", "u"),
            ],
        ));
        assert!(c.is_internal());
        assert_eq!(c.name(), "PASSWORD_VERIFIER");
        let (c, _, _) = challenge_of(reply("CUSTOM_CHALLENGE", &[("question", "2+2?")]));
        assert_eq!(
            c,
            Challenge::CustomChallenge([("question".to_string(), "2+2?".to_string())].into())
        );
        let mut select = reply("SELECT_CHALLENGE", &[]);
        select.available_challenges = vec!["PASSWORD_SRP".into(), "EMAIL_OTP".into()];
        assert_eq!(
            challenge_of(select).0,
            Challenge::SelectChallenge(vec!["PASSWORD_SRP".into(), "EMAIL_OTP".into()])
        );
    }

    #[test]
    fn unknown_and_malformed_challenges_are_typed_errors() {
        assert_eq!(
            interpret(reply("BRAND_NEW_CHALLENGE", &[]), "u")
                .unwrap_err()
                .code(),
            "UnexpectedChallenge"
        );
        assert_eq!(
            interpret(reply("PASSWORD_VERIFIER", &[("SALT", "ab")]), "u")
                .unwrap_err()
                .code(),
            "MissingField"
        );
        assert_eq!(
            interpret(
                reply("SELECT_MFA_TYPE", &[("MFAS_CAN_CHOOSE", "SMS_MFA")]),
                "u"
            )
            .unwrap_err()
            .code(),
            "InvalidJson"
        );
        assert_eq!(
            interpret(
                reply("NEW_PASSWORD_REQUIRED", &[("userAttributes", "{")]),
                "u"
            )
            .unwrap_err()
            .code(),
            "InvalidJson"
        );
        assert_eq!(
            interpret(AuthReply::default(), "u").unwrap_err().code(),
            "UnexpectedResponse"
        );
    }

    #[test]
    fn answers_carry_username_key_and_secret_hash() {
        let sms = Challenge::SmsMfa(CodeDestination::default());
        let a = user_answer(
            &sms,
            "sub-1",
            UserAnswer::Code("123456".into()),
            Some("hash"),
        )
        .unwrap();
        assert_eq!(
            a,
            [
                ("USERNAME", "sub-1"),
                ("SMS_MFA_CODE", "123456"),
                ("SECRET_HASH", "hash")
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        );
        let totp = user_answer(
            &Challenge::SoftwareTokenMfa,
            "u",
            UserAnswer::Code("000111".into()),
            None,
        )
        .unwrap();
        assert_eq!(totp["SOFTWARE_TOKEN_MFA_CODE"], "000111");
        assert!(!totp.contains_key("SECRET_HASH"));
        let np = Challenge::NewPasswordRequired {
            required_attributes: vec!["name".into()],
            user_attributes: StringMap::new(),
        };
        let attrs: StringMap = [("name".to_string(), "Alice".to_string())].into();
        let a = user_answer(
            &np,
            "u",
            UserAnswer::NewPassword {
                password: "N3w!pass".into(),
                attributes: attrs,
            },
            None,
        )
        .unwrap();
        assert_eq!(a["NEW_PASSWORD"], "N3w!pass");
        assert_eq!(a["userAttributes.name"], "Alice");
        let missing = user_answer(
            &np,
            "u",
            UserAnswer::NewPassword {
                password: "p".into(),
                attributes: StringMap::new(),
            },
            None,
        )
        .unwrap_err();
        assert_eq!(missing.code(), "InvalidArgument");
        assert!(missing.to_string().contains("name"));
        let select = Challenge::SelectMfaType(vec!["SOFTWARE_TOKEN_MFA".into()]);
        assert_eq!(
            user_answer(
                &select,
                "u",
                UserAnswer::Choice("SOFTWARE_TOKEN_MFA".into()),
                None
            )
            .unwrap()["ANSWER"],
            "SOFTWARE_TOKEN_MFA"
        );
        assert_eq!(
            user_answer(&select, "u", UserAnswer::Choice("SMS_MFA".into()), None)
                .unwrap_err()
                .code(),
            "InvalidArgument"
        );
        assert_eq!(
            user_answer(&sms, "u", UserAnswer::Choice("x".into()), None)
                .unwrap_err()
                .code(),
            "InvalidArgument"
        );
        assert_eq!(
            user_answer(
                &Challenge::DeviceSrpAuth,
                "u",
                UserAnswer::Code("1".into()),
                None
            )
            .unwrap_err()
            .code(),
            "InvalidArgument"
        );
    }
}
