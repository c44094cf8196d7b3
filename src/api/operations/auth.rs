//! Signing in and the session: InitiateAuth, RespondToAuthChallenge, refresh, revoke, sign-out everywhere.

use super::*;

/// Tokens and device metadata from a finished sign-in or a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResult {
    /// The access token.
    pub access_token: AccessToken,
    /// The ID token (absent for some refresh replies of the service, never for sign-in).
    pub id_token: Option<IdToken>,
    /// A refresh token: always after sign-in; after a refresh only when the client rotates them.
    pub refresh_token: Option<RefreshToken>,
    /// Seconds until the access token expires.
    pub expires_in: Option<i64>,
    /// `Bearer`.
    pub token_type: Option<String>,
    /// A new device to remember, when device tracking is on.
    pub new_device_metadata: Option<NewDeviceMetadata>,
}

/// The device the service just created for this sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceMetadata {
    /// The device key.
    pub device_key: String,
    /// The device group key (the SRP "pool name" of the device).
    pub device_group_key: String,
}

/// The reply of `InitiateAuth` and `RespondToAuthChallenge`: either tokens or the next challenge.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthReply {
    /// The next challenge, when there is one.
    pub challenge_name: Option<String>,
    /// The session to send with the answer (single use, about 3 minutes).
    pub session: Option<String>,
    /// The challenge's parameters.
    pub challenge_parameters: StringMap,
    /// Tokens, when sign-in is complete.
    pub authentication_result: Option<AuthenticationResult>,
    /// For choice-based sign-in (`USER_AUTH`): the challenges the user may pick.
    pub available_challenges: Vec<String>,
}

/// `InitiateAuth`.
pub struct InitiateAuth<'a> {
    /// `USER_SRP_AUTH`, `USER_PASSWORD_AUTH`, `REFRESH_TOKEN_AUTH`, `CUSTOM_AUTH`, `USER_AUTH`.
    pub auth_flow: &'a str,
    /// The app client id.
    pub client_id: &'a str,
    /// The flow's parameters (USERNAME, SRP_A, PASSWORD, REFRESH_TOKEN, SECRET_HASH, DEVICE_KEY, …).
    pub auth_parameters: StringMap,
    /// Passed to the pool's Lambda triggers.
    pub client_metadata: Option<&'a StringMap>,
    /// `USER_AUTH` right after sign-up: the session `ConfirmSignUp` returned (the confirmation
    /// code was the first factor).
    pub session: Option<&'a str>,
}

operation!(InitiateAuth, AuthReply);

/// `RespondToAuthChallenge`.
pub struct RespondToAuthChallenge<'a> {
    /// The challenge being answered.
    pub challenge_name: &'a str,
    /// The app client id.
    pub client_id: &'a str,
    /// The answer (USERNAME, the challenge's answer keys, SECRET_HASH, DEVICE_KEY, …).
    pub challenge_responses: StringMap,
    /// The session of the challenge.
    pub session: Option<&'a str>,
    /// Passed to the pool's Lambda triggers.
    pub client_metadata: Option<&'a StringMap>,
}

operation!(RespondToAuthChallenge, AuthReply);

/// The reply of `GetTokensFromRefreshToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokensReply {
    /// The new tokens (and a new refresh token when the client rotates them). A reply without them
    /// is refused by the client as `UnexpectedResponse`, as a refresh through `InitiateAuth` is.
    pub authentication_result: Option<AuthenticationResult>,
}

/// `GetTokensFromRefreshToken` (refresh with rotation support).
pub struct GetTokensFromRefreshToken<'a> {
    /// The refresh token.
    pub refresh_token: &'a str,
    /// The app client id.
    pub client_id: &'a str,
    /// The client secret itself (this operation takes it, not a SECRET_HASH).
    pub client_secret: Option<&'a str>,
    /// The remembered device's key.
    pub device_key: Option<&'a str>,
}

operation!(GetTokensFromRefreshToken, TokensReply);

/// `RevokeToken`: revokes a refresh token and the tokens issued from it.
pub struct RevokeToken<'a> {
    /// The refresh token.
    pub token: &'a str,
    /// The app client id.
    pub client_id: &'a str,
    /// The client secret, for clients that have one.
    pub client_secret: Option<&'a str>,
}

operation!(RevokeToken, Empty);

/// `GlobalSignOut`: signs the user out of every device.
pub struct GlobalSignOut<'a> {
    /// The access token.
    pub access_token: &'a str,
}

operation!(GlobalSignOut, Empty);

impl WriteJson for InitiateAuth<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AuthFlow", self.auth_flow);
        w.str("ClientId", self.client_id);
        w.map("AuthParameters", &self.auth_parameters);
        if let Some(map) = self.client_metadata {
            w.map("ClientMetadata", map);
        }
        w.opt_str("Session", self.session);
    }
}

impl WriteJson for RespondToAuthChallenge<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ChallengeName", self.challenge_name);
        w.str("ClientId", self.client_id);
        w.map("ChallengeResponses", &self.challenge_responses);
        w.opt_str("Session", self.session);
        if let Some(map) = self.client_metadata {
            w.map("ClientMetadata", map);
        }
    }
}

impl WriteJson for GetTokensFromRefreshToken<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("RefreshToken", self.refresh_token);
        w.str("ClientId", self.client_id);
        w.opt_str("ClientSecret", self.client_secret);
        w.opt_str("DeviceKey", self.device_key);
    }
}

impl WriteJson for RevokeToken<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("Token", self.token);
        w.str("ClientId", self.client_id);
        w.opt_str("ClientSecret", self.client_secret);
    }
}

impl WriteJson for GlobalSignOut<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
    }
}

impl FromJson for AuthenticationResult {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("AccessToken", Want::Str),
                ("IdToken", Want::OptStr),
                ("RefreshToken", Want::OptStr),
                ("ExpiresIn", Want::OptInt),
                ("TokenType", Want::OptStr),
                ("NewDeviceMetadata", Want::Any),
            ],
        )?;
        Ok(AuthenticationResult {
            new_device_metadata: s.opt(5)?,
            access_token: AccessToken::new(s.string(0)),
            id_token: s.text(1).map(IdToken::new),
            refresh_token: s.text(2).map(RefreshToken::new),
            expires_in: s.int(3),
            token_type: s.text(4),
        })
    }
}

impl FromJson for NewDeviceMetadata {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[("DeviceKey", Want::Str), ("DeviceGroupKey", Want::Str)],
        )?;
        Ok(NewDeviceMetadata {
            device_key: s.string(0),
            device_group_key: s.string(1),
        })
    }
}

impl FromJson for AuthReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("ChallengeName", Want::OptStr),
                ("Session", Want::OptStr),
                ("ChallengeParameters", Want::Any),
                ("AuthenticationResult", Want::Any),
                ("AvailableChallenges", Want::List),
            ],
        )?;
        Ok(AuthReply {
            challenge_parameters: s.map(2)?,
            authentication_result: s.opt(3)?,
            available_challenges: s.list(4)?,
            challenge_name: s.text(0),
            session: s.text(1),
        })
    }
}

impl FromJson for TokensReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("AuthenticationResult", Want::Any)])?;
        Ok(TokensReply {
            authentication_result: s.opt(0)?,
        })
    }
}

impl core::fmt::Debug for AuthReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthReply")
            .field("challenge_name", &self.challenge_name)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .field("challenge_parameters", &self.challenge_parameters)
            .field("authentication_result", &self.authentication_result)
            .field("available_challenges", &self.available_challenges)
            .finish()
    }
}
