//! Sign-in factors: which ones a user has, and the user's passkeys.

use super::*;

/// The reply of `GetUserAuthFactors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUserAuthFactorsReply {
    /// The username.
    pub username: String,
    /// The preferred MFA method (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`).
    pub preferred_mfa_setting: Option<String>,
    /// The MFA methods turned on.
    pub user_mfa_setting_list: Vec<String>,
    /// The factors the user can sign in with (`PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`).
    pub configured_user_auth_factors: Vec<String>,
}

/// `GetUserAuthFactors`.
pub struct GetUserAuthFactors<'a> {
    /// The access token.
    pub access_token: &'a str,
}

operation!(GetUserAuthFactors, GetUserAuthFactorsReply);

/// One of the user's passkeys, as `ListWebAuthnCredentials` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebAuthnCredential {
    /// The credential id (base64url).
    pub credential_id: String,
    /// The name the service gave it.
    pub friendly_credential_name: Option<String>,
    /// The relying party it belongs to.
    pub relying_party_id: String,
    /// `platform` or `cross-platform`, when known.
    pub authenticator_attachment: Option<String>,
    /// How the authenticator is reached (`internal`, `usb`, `hybrid`, …).
    pub authenticator_transports: Vec<String>,
    /// When it was registered (seconds since the epoch).
    pub created_at: Option<f64>,
}

/// The reply of `ListWebAuthnCredentials`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListWebAuthnCredentialsReply {
    /// One page of the user's passkeys.
    pub credentials: Vec<WebAuthnCredential>,
    /// The token of the next page.
    pub next_token: Option<String>,
}

/// `ListWebAuthnCredentials`.
pub struct ListWebAuthnCredentials<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The page to read (`None`: the first).
    pub next_token: Option<&'a str>,
    /// At most this many (the service allows 1 to 20).
    pub max_results: Option<u32>,
}

operation!(ListWebAuthnCredentials, ListWebAuthnCredentialsReply);

/// `DeleteWebAuthnCredential`.
pub struct DeleteWebAuthnCredential<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The credential id (base64url).
    pub credential_id: &'a str,
}

operation!(DeleteWebAuthnCredential, Empty);

/// The reply of `StartWebAuthnRegistration`.
#[derive(Debug, Clone, PartialEq)]
pub struct StartWebAuthnRegistrationReply {
    /// The options for `navigator.credentials.create` (`PublicKeyCredentialCreationOptionsJSON`).
    pub credential_creation_options: Json,
}

/// `StartWebAuthnRegistration`.
pub struct StartWebAuthnRegistration<'a> {
    /// The access token.
    pub access_token: &'a str,
}

operation!(StartWebAuthnRegistration, StartWebAuthnRegistrationReply);

/// `CompleteWebAuthnRegistration`.
pub struct CompleteWebAuthnRegistration<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The new passkey (`RegistrationResponseJSON`), sent as a JSON object.
    pub credential: &'a Json,
}

operation!(CompleteWebAuthnRegistration, Empty);

impl WriteJson for StartWebAuthnRegistration<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for CompleteWebAuthnRegistration<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.json("Credential", self.credential);
    }
}

impl FromJson for StartWebAuthnRegistrationReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        let options = f.take("CredentialCreationOptions")?;
        match options {
            Some(o @ Json::Object(_)) => Ok(StartWebAuthnRegistrationReply {
                credential_creation_options: o,
            }),
            _ => Err(ShapeError {
                field: "CredentialCreationOptions".into(),
                expected: "an object",
            }),
        }
    }
}

impl WriteJson for GetUserAuthFactors<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for ListWebAuthnCredentials<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.opt_str("NextToken", self.next_token);
        if let Some(n) = self.max_results {
            w.number("MaxResults", i64::from(n));
        }
    }
}

impl WriteJson for DeleteWebAuthnCredential<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("CredentialId", self.credential_id);
    }
}

impl FromJson for GetUserAuthFactorsReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("Username", Want::Str),
                ("PreferredMfaSetting", Want::OptStr),
                ("UserMFASettingList", Want::List),
                ("ConfiguredUserAuthFactors", Want::List),
            ],
        )?;
        Ok(GetUserAuthFactorsReply {
            user_mfa_setting_list: s.list(2)?,
            configured_user_auth_factors: s.list(3)?,
            username: s.string(0),
            preferred_mfa_setting: s.text(1),
        })
    }
}

impl FromJson for WebAuthnCredential {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("CredentialId", Want::Str),
                ("FriendlyCredentialName", Want::OptStr),
                ("RelyingPartyId", Want::Str),
                ("AuthenticatorAttachment", Want::OptStr),
                ("AuthenticatorTransports", Want::List),
                ("CreatedAt", Want::OptNum),
            ],
        )?;
        Ok(WebAuthnCredential {
            authenticator_transports: s.list(4)?,
            credential_id: s.string(0),
            friendly_credential_name: s.text(1),
            relying_party_id: s.string(2),
            authenticator_attachment: s.text(3),
            created_at: s.num(5),
        })
    }
}

impl FromJson for ListWebAuthnCredentialsReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[("Credentials", Want::List), ("NextToken", Want::OptStr)],
        )?;
        Ok(ListWebAuthnCredentialsReply {
            credentials: s.list(0)?,
            next_token: s.text(1),
        })
    }
}
