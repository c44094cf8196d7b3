//! Request and reply types of every public (unsigned) user-pool operation the kit calls, one file
//! per area: `auth` (sign-in, refresh, sign-out), `account` (sign-up, passwords, the user, MFA),
//! `devices`, `factors` (sign-in factors and passkeys), and `string_map` (the maps of strings
//! requests carry).
//!
//! Requests borrow their strings and serialize to the exact PascalCase body the service expects;
//! optional fields are left out rather than sent as `null`. Replies accept unknown fields, so a newer
//! service reply still parses.

use super::{parse_reply, ApiRequest};
use crate::error::Result;
use crate::json::{Fields, FromJson, Json, ObjectWriter, ShapeError, Slots, Want, WriteJson};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use alloc::string::String;
use alloc::vec::Vec;

pub use account::*;
pub use auth::*;
pub use devices::*;
pub use factors::*;
pub use string_map::StringMap;

/// One user pool operation: its name, its request body (the implementing type) and its reply.
pub trait Operation: WriteJson + Sized {
    /// The operation's name, e.g. `InitiateAuth` (the `X-Amz-Target` suffix).
    const NAME: &'static str;
    /// What a successful reply parses into.
    type Reply: FromJson;

    /// The request to send.
    fn request(&self) -> Result<ApiRequest> {
        ApiRequest::new(Self::NAME, self)
    }

    /// Parses the reply to this operation (see [`parse_reply`]).
    fn parse(status: u16, error_type_header: Option<&str>, body: &[u8]) -> Result<Self::Reply> {
        parse_reply::<Self::Reply>(status, error_type_header, body)
    }
}

macro_rules! operation {
    ($request:ident, $reply:ty) => {
        impl Operation for $request<'_> {
            const NAME: &'static str = stringify!($request);
            type Reply = $reply;
        }
    };
}

// After the macro: the submodules use `operation!`.
mod account;
mod auth;
mod devices;
mod factors;
mod string_map;

/// A reply with no fields the kit reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Empty {}

/// `{ "Name": …, "Value": … }`, as user and device attributes are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeType {
    /// Attribute name, e.g. `email` or `custom:team`.
    pub name: String,
    /// Attribute value (absent for some device attributes).
    pub value: String,
}

/// Where the service sent a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDeliveryDetails {
    /// Masked destination, e.g. `a***@e***.com`.
    pub destination: Option<String>,
    /// `EMAIL` or `SMS`.
    pub delivery_medium: Option<String>,
    /// The attribute the code verifies, e.g. `email`.
    pub attribute_name: Option<String>,
}

/// A reply that says where a code went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDeliveryReply {
    /// Where the code went.
    pub code_delivery_details: Option<CodeDeliveryDetails>,
}

// Members in the order of the fields; an absent optional member is left out, never sent as null.

impl WriteJson for AttributeType {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("Name", &self.name);
        w.str("Value", &self.value);
    }
}

// Member names are the service's (PascalCase); absent or null optional members read as None or
// empty, and unknown members are ignored, so a newer service reply still parses.

type Read<T> = core::result::Result<T, ShapeError>;

impl FromJson for Empty {
    fn from_json(value: Json) -> Read<Self> {
        Fields::of(value)?;
        Ok(Empty {})
    }
}

impl FromJson for AttributeType {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("Name", Want::Str), ("Value", Want::OptStr)])?;
        Ok(AttributeType {
            name: s.string(0),
            value: s.string(1),
        })
    }
}

impl FromJson for CodeDeliveryDetails {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("Destination", Want::OptStr),
                ("DeliveryMedium", Want::OptStr),
                ("AttributeName", Want::OptStr),
            ],
        )?;
        Ok(CodeDeliveryDetails {
            destination: s.text(0),
            delivery_medium: s.text(1),
            attribute_name: s.text(2),
        })
    }
}

impl FromJson for CodeDeliveryReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("CodeDeliveryDetails", Want::Any)])?;
        Ok(CodeDeliveryReply {
            code_delivery_details: s.opt(0)?,
        })
    }
}

/// Requests carry passwords, tokens, codes and sessions: their `Debug` names the operation only.
macro_rules! debug_names_only {
    ($($t:ident),* $(,)?) => {$(
        impl core::fmt::Debug for $t<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        }
    )*};
}

debug_names_only!(
    InitiateAuth,
    RespondToAuthChallenge,
    GetTokensFromRefreshToken,
    RevokeToken,
    GlobalSignOut,
    SignUp,
    ConfirmSignUp,
    ResendConfirmationCode,
    ForgotPassword,
    ConfirmForgotPassword,
    ChangePassword,
    GetUser,
    UpdateUserAttributes,
    VerifyUserAttribute,
    GetUserAttributeVerificationCode,
    DeleteUserAttributes,
    DeleteUser,
    AssociateSoftwareToken,
    VerifySoftwareToken,
    SetUserMfaPreference,
    DeviceSecretVerifierConfig,
    ConfirmDevice,
    UpdateDeviceStatus,
    ForgetDevice,
    ListDevices,
    GetDevice,
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body<O: Operation>(op: &O) -> serde_json::Value {
        let req = op.request().unwrap();
        assert_eq!(req.operation, O::NAME);
        assert_eq!(
            req.target(),
            format!("AWSCognitoIdentityProviderService.{}", O::NAME)
        );
        serde_json::from_str(&req.body).unwrap()
    }

    #[test]
    fn request_bodies_are_exact() {
        let mut params = StringMap::new();
        params.insert("USERNAME".into(), "alice".into());
        params.insert("SRP_A".into(), "abc".into());
        assert_eq!(
            body(&InitiateAuth {
                auth_flow: "USER_SRP_AUTH",
                client_id: "c1",
                auth_parameters: params,
                client_metadata: None,
                session: None,
            }),
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "c1", "AuthParameters": {"USERNAME": "alice", "SRP_A": "abc"}})
        );
        let mut params = StringMap::new();
        params.insert("USERNAME".into(), "alice".into());
        assert_eq!(
            body(&InitiateAuth {
                auth_flow: "USER_AUTH",
                client_id: "c1",
                auth_parameters: params,
                client_metadata: None,
                session: Some("s-confirmed"),
            }),
            json!({"AuthFlow": "USER_AUTH", "ClientId": "c1", "AuthParameters": {"USERNAME": "alice"}, "Session": "s-confirmed"})
        );
        assert_eq!(
            body(&ListWebAuthnCredentials {
                access_token: "at",
                next_token: Some("n"),
                max_results: Some(20),
            }),
            json!({"AccessToken": "at", "NextToken": "n", "MaxResults": 20})
        );
        assert_eq!(
            body(&DeleteWebAuthnCredential {
                access_token: "at",
                credential_id: "Y3JlZA",
            }),
            json!({"AccessToken": "at", "CredentialId": "Y3JlZA"})
        );
        let attrs = [AttributeType {
            name: "email".into(),
            value: "a@example.com".into(),
        }];
        assert_eq!(
            body(&SignUp {
                client_id: "c1",
                secret_hash: Some("h"),
                username: "alice",
                password: Some("pw"),
                user_attributes: &attrs,
                client_metadata: None
            }),
            json!({"ClientId": "c1", "SecretHash": "h", "Username": "alice", "Password": "pw",
                   "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]})
        );
        assert_eq!(
            body(&SignUp {
                client_id: "c1",
                secret_hash: None,
                username: "alice",
                password: None,
                user_attributes: &attrs,
                client_metadata: None
            }),
            json!({"ClientId": "c1", "Username": "alice",
                   "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]}),
            "a user without a password"
        );
        assert_eq!(
            body(&SetUserMfaPreference {
                sms_mfa_settings: None,
                software_token_mfa_settings: Some(MfaSettings {
                    enabled: true,
                    preferred_mfa: true
                }),
                email_mfa_settings: None,
                access_token: "at",
            }),
            json!({"SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}, "AccessToken": "at"})
        );
        assert_eq!(SetUserMfaPreference::NAME, "SetUserMFAPreference");
        assert_eq!(
            body(&ConfirmDevice {
                access_token: "at",
                device_key: "dk",
                device_secret_verifier_config: DeviceSecretVerifierConfig {
                    password_verifier: "pv",
                    salt: "s"
                },
                device_name: Some("Chrome"),
            }),
            json!({"AccessToken": "at", "DeviceKey": "dk", "DeviceSecretVerifierConfig": {"PasswordVerifier": "pv", "Salt": "s"}, "DeviceName": "Chrome"})
        );
        assert_eq!(
            body(&GetTokensFromRefreshToken {
                refresh_token: "rt",
                client_id: "c1",
                client_secret: None,
                device_key: Some("dk")
            }),
            json!({"RefreshToken": "rt", "ClientId": "c1", "DeviceKey": "dk"})
        );
        assert_eq!(
            body(&DeleteUserAttributes {
                user_attribute_names: &["nickname"],
                access_token: "at"
            }),
            json!({"UserAttributeNames": ["nickname"], "AccessToken": "at"})
        );
    }

    #[test]
    fn request_debug_hides_the_body() {
        let req = ChangePassword {
            previous_password: "old-secret",
            proposed_password: "new-secret",
            access_token: "at",
        }
        .request()
        .unwrap();
        let shown = format!("{req:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn auth_replies_parse_both_shapes() {
        let challenge = InitiateAuth::parse(200, None, br#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{"SRP_B":"ab","SALT":"cd","SECRET_BLOCK":"AAAA","USER_ID_FOR_SRP":"u1"},"Session":null}"#).unwrap();
        assert_eq!(
            challenge.challenge_name.as_deref(),
            Some("PASSWORD_VERIFIER")
        );
        assert_eq!(
            challenge
                .challenge_parameters
                .get("USER_ID_FOR_SRP")
                .map(String::as_str),
            Some("u1")
        );
        assert!(challenge.authentication_result.is_none());
        let done = RespondToAuthChallenge::parse(200, None, br#"{"AuthenticationResult":{"AccessToken":"a.b.c","IdToken":"d.e.f","RefreshToken":"r","ExpiresIn":3600,"TokenType":"Bearer","NewDeviceMetadata":{"DeviceKey":"dk","DeviceGroupKey":"gk"}},"ChallengeParameters":{},"Unknown":1}"#).unwrap();
        let result = done.authentication_result.unwrap();
        assert_eq!(result.access_token.expose_secret(), "a.b.c");
        assert_eq!(result.expires_in, Some(3600));
        assert_eq!(result.new_device_metadata.unwrap().device_group_key, "gk");
        let shown = format!("{:?}", result.refresh_token);
        assert!(!shown.contains("\"r\""), "{shown}");
        let missing =
            GetTokensFromRefreshToken::parse(200, None, br#"{"AuthenticationResult":{}}"#)
                .unwrap_err();
        assert_eq!(missing.code(), "InvalidJson");
    }

    #[test]
    fn replies_never_print_sessions_or_secrets() {
        let session = br#"{"Session":"AYABeSessionValue","UserConfirmed":false,"UserSub":"sub-1","SecretCode":"JBSWY3DPEHPK3PXP","Status":"SUCCESS","ChallengeName":"SMS_MFA"}"#;
        let shown = [
            format!("{:?}", SignUp::parse(200, None, session).unwrap()),
            format!("{:?}", ConfirmSignUp::parse(200, None, session).unwrap()),
            format!(
                "{:?}",
                VerifySoftwareToken::parse(200, None, session).unwrap()
            ),
            format!(
                "{:?}",
                AssociateSoftwareToken::parse(200, None, session).unwrap()
            ),
            format!("{:?}", InitiateAuth::parse(200, None, session).unwrap()),
        ];
        for printed in &shown {
            assert!(
                printed.contains("session: Some(\"<redacted>\")"),
                "{printed}"
            );
            assert!(
                !printed.contains("AYABe") && !printed.contains("JBSWY3DP"),
                "{printed}"
            );
        }
        assert!(shown[0].contains("sub-1") && shown[2].contains("SUCCESS"));
    }
}
