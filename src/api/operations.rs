//! Request and reply types of every public (unsigned) user-pool operation the kit calls.
//!
//! Requests borrow their strings and serialize to the exact PascalCase body the service expects;
//! optional fields are left out rather than sent as `null`. Replies accept unknown fields, so a newer
//! service reply still parses.

use super::{parse_reply, ApiRequest};
use crate::error::Result;
use crate::json::{Fields, FromJson, Json, ObjectWriter, ShapeError, WriteJson};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use alloc::string::String;
use alloc::vec::Vec;

/// A string map, as `AuthParameters`, `ChallengeParameters` and `ClientMetadata` are: each key once,
/// iterated in sorted order (as a `BTreeMap` would be). A sorted list: these maps hold a handful of
/// entries, and `BTreeMap`'s node code is several KB of wasm.
///
/// These maps carry passwords, refresh tokens, MFA codes and SRP proofs, so every key and value is
/// zeroed when the map is dropped, and `Debug` shows the keys only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StringMap(Vec<(String, String)>);

impl zeroize::Zeroize for StringMap {
    fn zeroize(&mut self) {
        for (key, value) in self.0.iter_mut() {
            key.zeroize();
            value.zeroize();
        }
        self.0.clear();
    }
}

impl Drop for StringMap {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(self);
    }
}

impl StringMap {
    /// An empty map.
    pub fn new() -> Self {
        StringMap(Vec::new())
    }

    fn position(&self, key: &str) -> core::result::Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.position(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.position(key).ok().map(|i| self.0.remove(i).1)
    }

    /// How many keys are set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl core::fmt::Debug for StringMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, _)| (k, crate::secret::Redacted)))
            .finish()
    }
}

/// `map["KEY"]` in the unit tests (it panics on a missing key, so the library itself uses `get`).
#[cfg(test)]
impl core::ops::Index<&str> for StringMap {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key).unwrap()
    }
}

impl FromIterator<(String, String)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(items: I) -> Self {
        let mut map = StringMap::new();
        for (k, v) in items {
            map.insert(k, v);
        }
        map
    }
}

impl<const N: usize> From<[(String, String); N]> for StringMap {
    fn from(items: [(String, String); N]) -> Self {
        items.into_iter().collect()
    }
}

impl IntoIterator for StringMap {
    type Item = (String, String);
    type IntoIter = alloc::vec::IntoIter<(String, String)>;
    /// Hands the entries over unzeroed: they are the caller's from here on.
    fn into_iter(mut self) -> Self::IntoIter {
        core::mem::take(&mut self.0).into_iter()
    }
}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a String, &'a String);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

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

/// The reply of `SignUp`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignUpReply {
    /// Whether the user is already confirmed (no code needed).
    pub user_confirmed: bool,
    /// The new user's `sub`.
    pub user_sub: Option<String>,
    /// Where the confirmation code went.
    pub code_delivery_details: Option<CodeDeliveryDetails>,
    /// A session for signing in right after confirmation (pools with choice-based sign-in).
    pub session: Option<String>,
}

/// `SignUp`.
pub struct SignUp<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// SECRET_HASH, for clients with a secret.
    pub secret_hash: Option<&'a str>,
    /// The username (or email/phone, per the pool's username attributes).
    pub username: &'a str,
    /// The password.
    pub password: &'a str,
    /// The user's attributes.
    pub user_attributes: &'a [AttributeType],
    /// Passed to the pool's Lambda triggers.
    pub client_metadata: Option<&'a StringMap>,
}
operation!(SignUp, SignUpReply);

/// The reply of `ConfirmSignUp`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConfirmSignUpReply {
    /// A session for signing in right away (pools with choice-based sign-in).
    pub session: Option<String>,
}

/// `ConfirmSignUp`.
pub struct ConfirmSignUp<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// SECRET_HASH, for clients with a secret.
    pub secret_hash: Option<&'a str>,
    /// The username.
    pub username: &'a str,
    /// The code the user received.
    pub confirmation_code: &'a str,
    /// Move an email/phone alias from another user to this one.
    pub force_alias_creation: Option<bool>,
    /// The session from `SignUp`, if any.
    pub session: Option<&'a str>,
}
operation!(ConfirmSignUp, ConfirmSignUpReply);

/// A reply that says where a code went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDeliveryReply {
    /// Where the code went.
    pub code_delivery_details: Option<CodeDeliveryDetails>,
}

/// `ResendConfirmationCode`.
pub struct ResendConfirmationCode<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// SECRET_HASH, for clients with a secret.
    pub secret_hash: Option<&'a str>,
    /// The username.
    pub username: &'a str,
}
operation!(ResendConfirmationCode, CodeDeliveryReply);

/// `ForgotPassword`.
pub struct ForgotPassword<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// SECRET_HASH, for clients with a secret.
    pub secret_hash: Option<&'a str>,
    /// The username.
    pub username: &'a str,
}
operation!(ForgotPassword, CodeDeliveryReply);

/// `ConfirmForgotPassword`.
pub struct ConfirmForgotPassword<'a> {
    /// The app client id.
    pub client_id: &'a str,
    /// SECRET_HASH, for clients with a secret.
    pub secret_hash: Option<&'a str>,
    /// The username.
    pub username: &'a str,
    /// The code the user received.
    pub confirmation_code: &'a str,
    /// The new password.
    pub password: &'a str,
}
operation!(ConfirmForgotPassword, Empty);

/// `ChangePassword`.
pub struct ChangePassword<'a> {
    /// The current password.
    pub previous_password: &'a str,
    /// The new password.
    pub proposed_password: &'a str,
    /// The access token.
    pub access_token: &'a str,
}
operation!(ChangePassword, Empty);

/// The reply of `GetUser`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUserReply {
    /// The username.
    pub username: String,
    /// The user's attributes.
    pub user_attributes: Vec<AttributeType>,
    /// The preferred MFA method (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`).
    pub preferred_mfa_setting: Option<String>,
    /// The enabled MFA methods.
    pub user_mfa_setting_list: Vec<String>,
}

/// `GetUser`.
pub struct GetUser<'a> {
    /// The access token.
    pub access_token: &'a str,
}
operation!(GetUser, GetUserReply);

/// The reply of `UpdateUserAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateUserAttributesReply {
    /// Where verification codes for changed email/phone went.
    pub code_delivery_details_list: Vec<CodeDeliveryDetails>,
}

/// `UpdateUserAttributes`.
pub struct UpdateUserAttributes<'a> {
    /// The attributes to set.
    pub user_attributes: &'a [AttributeType],
    /// The access token.
    pub access_token: &'a str,
}
operation!(UpdateUserAttributes, UpdateUserAttributesReply);

/// `VerifyUserAttribute`.
pub struct VerifyUserAttribute<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// `email` or `phone_number`.
    pub attribute_name: &'a str,
    /// The code the user received.
    pub code: &'a str,
}
operation!(VerifyUserAttribute, Empty);

/// `GetUserAttributeVerificationCode`.
pub struct GetUserAttributeVerificationCode<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// `email` or `phone_number`.
    pub attribute_name: &'a str,
}
operation!(GetUserAttributeVerificationCode, CodeDeliveryReply);

/// `DeleteUserAttributes`.
pub struct DeleteUserAttributes<'a> {
    /// The attribute names to delete.
    pub user_attribute_names: &'a [&'a str],
    /// The access token.
    pub access_token: &'a str,
}
operation!(DeleteUserAttributes, Empty);

/// `DeleteUser`.
pub struct DeleteUser<'a> {
    /// The access token.
    pub access_token: &'a str,
}
operation!(DeleteUser, Empty);

/// The reply of `AssociateSoftwareToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct AssociateSoftwareTokenReply {
    /// The TOTP secret (base32) to put in an authenticator app.
    pub secret_code: String,
    /// The next session, during the MFA_SETUP challenge.
    pub session: Option<String>,
}

/// `AssociateSoftwareToken`: with an access token (signed in) or a session (MFA_SETUP).
pub struct AssociateSoftwareToken<'a> {
    /// The access token, when signed in.
    pub access_token: Option<&'a str>,
    /// The MFA_SETUP challenge's session.
    pub session: Option<&'a str>,
}
operation!(AssociateSoftwareToken, AssociateSoftwareTokenReply);

/// The reply of `VerifySoftwareToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifySoftwareTokenReply {
    /// `SUCCESS` or `ERROR`.
    pub status: Option<String>,
    /// The next session, during the MFA_SETUP challenge.
    pub session: Option<String>,
}

/// `VerifySoftwareToken`.
pub struct VerifySoftwareToken<'a> {
    /// The access token, when signed in.
    pub access_token: Option<&'a str>,
    /// The MFA_SETUP challenge's session.
    pub session: Option<&'a str>,
    /// The 6-digit code from the authenticator.
    pub user_code: &'a str,
    /// A name for the authenticator.
    pub friendly_device_name: Option<&'a str>,
}
operation!(VerifySoftwareToken, VerifySoftwareTokenReply);

/// Whether an MFA method is enabled and preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaSettings {
    /// Enabled for the user.
    pub enabled: bool,
    /// The user's preferred method.
    pub preferred_mfa: bool,
}

/// `SetUserMFAPreference`.
pub struct SetUserMfaPreference<'a> {
    /// SMS.
    pub sms_mfa_settings: Option<MfaSettings>,
    /// TOTP.
    pub software_token_mfa_settings: Option<MfaSettings>,
    /// Email.
    pub email_mfa_settings: Option<MfaSettings>,
    /// The access token.
    pub access_token: &'a str,
}

impl Operation for SetUserMfaPreference<'_> {
    const NAME: &'static str = "SetUserMFAPreference";
    type Reply = Empty;
}

/// `DeviceSecretVerifierConfig` of `ConfirmDevice`.
pub struct DeviceSecretVerifierConfig<'a> {
    /// base64 of padHex(g^x mod N).
    pub password_verifier: &'a str,
    /// base64 of the salt's padHex bytes.
    pub salt: &'a str,
}

/// The reply of `ConfirmDevice`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmDeviceReply {
    /// Whether `UpdateDeviceStatus(remembered)` is needed to remember the device.
    pub user_confirmation_necessary: bool,
}

/// `ConfirmDevice`.
pub struct ConfirmDevice<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The new device's key.
    pub device_key: &'a str,
    /// The device's SRP verifier.
    pub device_secret_verifier_config: DeviceSecretVerifierConfig<'a>,
    /// A name for the device (e.g. the browser).
    pub device_name: Option<&'a str>,
}
operation!(ConfirmDevice, ConfirmDeviceReply);

/// `UpdateDeviceStatus`.
pub struct UpdateDeviceStatus<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// The device's key.
    pub device_key: &'a str,
    /// `remembered` or `not_remembered`.
    pub device_remembered_status: &'a str,
}
operation!(UpdateDeviceStatus, Empty);

/// `ForgetDevice`.
pub struct ForgetDevice<'a> {
    /// The access token.
    pub access_token: Option<&'a str>,
    /// The device's key.
    pub device_key: &'a str,
}
operation!(ForgetDevice, Empty);

/// A device as `ListDevices` and `GetDevice` describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceType {
    /// The device key.
    pub device_key: String,
    /// Its attributes (`device_name`, `device_status`, …).
    pub device_attributes: Vec<AttributeType>,
    /// Seconds since the epoch.
    pub device_create_date: Option<f64>,
    /// Seconds since the epoch.
    pub device_last_modified_date: Option<f64>,
    /// Seconds since the epoch.
    pub device_last_authenticated_date: Option<f64>,
}

/// The reply of `ListDevices`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListDevicesReply {
    /// The devices.
    pub devices: Vec<DeviceType>,
    /// Where the next page starts.
    pub pagination_token: Option<String>,
}

/// `ListDevices`.
pub struct ListDevices<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// At most this many (the service's maximum is 60).
    pub limit: Option<u32>,
    /// The previous page's token.
    pub pagination_token: Option<&'a str>,
}
operation!(ListDevices, ListDevicesReply);

/// The reply of `GetDevice`.
#[derive(Debug, Clone, PartialEq)]
pub struct GetDeviceReply {
    /// The device.
    pub device: DeviceType,
}

/// `GetDevice`.
pub struct GetDevice<'a> {
    /// The device's key.
    pub device_key: &'a str,
    /// The access token.
    pub access_token: Option<&'a str>,
}
operation!(GetDevice, GetDeviceReply);

// ---------------------------------------------------------------- writing the requests
// Members in the order of the fields; an absent optional member is left out, never sent as null.

impl WriteJson for AttributeType {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("Name", &self.name);
        w.str("Value", &self.value);
    }
}

impl WriteJson for InitiateAuth<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AuthFlow", self.auth_flow);
        w.str("ClientId", self.client_id);
        w.map("AuthParameters", &self.auth_parameters);
        if let Some(map) = self.client_metadata {
            w.map("ClientMetadata", map);
        }
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

impl WriteJson for SignUp<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
        w.str("Password", self.password);
        w.array("UserAttributes", self.user_attributes.len(), &mut |i, w| {
            self.user_attributes[i].write_json(w)
        });
        if let Some(map) = self.client_metadata {
            w.map("ClientMetadata", map);
        }
    }
}

impl WriteJson for ConfirmSignUp<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
        w.str("ConfirmationCode", self.confirmation_code);
        if let Some(v) = self.force_alias_creation {
            w.bool("ForceAliasCreation", v);
        }
        w.opt_str("Session", self.session);
    }
}

impl WriteJson for ResendConfirmationCode<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
    }
}

impl WriteJson for ForgotPassword<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
    }
}

impl WriteJson for ConfirmForgotPassword<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
        w.str("ConfirmationCode", self.confirmation_code);
        w.str("Password", self.password);
    }
}

impl WriteJson for ChangePassword<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("PreviousPassword", self.previous_password);
        w.str("ProposedPassword", self.proposed_password);
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for GetUser<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for UpdateUserAttributes<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.array("UserAttributes", self.user_attributes.len(), &mut |i, w| {
            self.user_attributes[i].write_json(w)
        });
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for VerifyUserAttribute<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("AttributeName", self.attribute_name);
        w.str("Code", self.code);
    }
}

impl WriteJson for GetUserAttributeVerificationCode<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("AttributeName", self.attribute_name);
    }
}

impl WriteJson for DeleteUserAttributes<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.strs("UserAttributeNames", self.user_attribute_names);
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for DeleteUser<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for AssociateSoftwareToken<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.opt_str("AccessToken", self.access_token);
        w.opt_str("Session", self.session);
    }
}

impl WriteJson for VerifySoftwareToken<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.opt_str("AccessToken", self.access_token);
        w.opt_str("Session", self.session);
        w.str("UserCode", self.user_code);
        w.opt_str("FriendlyDeviceName", self.friendly_device_name);
    }
}

impl WriteJson for MfaSettings {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.bool("Enabled", self.enabled);
        w.bool("PreferredMfa", self.preferred_mfa);
    }
}

impl WriteJson for SetUserMfaPreference<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        if let Some(v) = &self.sms_mfa_settings {
            w.object("SMSMfaSettings", &mut |w| v.write_json(w));
        }
        if let Some(v) = &self.software_token_mfa_settings {
            w.object("SoftwareTokenMfaSettings", &mut |w| v.write_json(w));
        }
        if let Some(v) = &self.email_mfa_settings {
            w.object("EmailMfaSettings", &mut |w| v.write_json(w));
        }
        w.str("AccessToken", self.access_token);
    }
}

impl WriteJson for DeviceSecretVerifierConfig<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("PasswordVerifier", self.password_verifier);
        w.str("Salt", self.salt);
    }
}

impl WriteJson for ConfirmDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
        w.object("DeviceSecretVerifierConfig", &mut |w| {
            self.device_secret_verifier_config.write_json(w)
        });
        w.opt_str("DeviceName", self.device_name);
    }
}

impl WriteJson for UpdateDeviceStatus<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
        w.str("DeviceRememberedStatus", self.device_remembered_status);
    }
}

impl WriteJson for ForgetDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.opt_str("AccessToken", self.access_token);
        w.str("DeviceKey", self.device_key);
    }
}

impl WriteJson for ListDevices<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("AccessToken", self.access_token);
        if let Some(v) = self.limit {
            w.number("Limit", i64::from(v));
        }
        w.opt_str("PaginationToken", self.pagination_token);
    }
}

impl WriteJson for GetDevice<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("DeviceKey", self.device_key);
        w.opt_str("AccessToken", self.access_token);
    }
}

// ---------------------------------------------------------------- reading the replies
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
        let mut f = Fields::of(value)?;
        Ok(AttributeType {
            name: f.str("Name")?,
            value: f.opt_str("Value")?.unwrap_or_default(),
        })
    }
}

impl FromJson for CodeDeliveryDetails {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(CodeDeliveryDetails {
            destination: f.opt_str("Destination")?,
            delivery_medium: f.opt_str("DeliveryMedium")?,
            attribute_name: f.opt_str("AttributeName")?,
        })
    }
}

impl FromJson for AuthenticationResult {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(AuthenticationResult {
            access_token: AccessToken::new(f.str("AccessToken")?),
            id_token: f.opt_str("IdToken")?.map(IdToken::new),
            refresh_token: f.opt_str("RefreshToken")?.map(RefreshToken::new),
            expires_in: f.opt_i64("ExpiresIn")?,
            token_type: f.opt_str("TokenType")?,
            new_device_metadata: f.opt("NewDeviceMetadata")?,
        })
    }
}

impl FromJson for NewDeviceMetadata {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(NewDeviceMetadata {
            device_key: f.str("DeviceKey")?,
            device_group_key: f.str("DeviceGroupKey")?,
        })
    }
}

impl FromJson for AuthReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(AuthReply {
            challenge_name: f.opt_str("ChallengeName")?,
            session: f.opt_str("Session")?,
            challenge_parameters: f.string_map("ChallengeParameters")?,
            authentication_result: f.opt("AuthenticationResult")?,
            available_challenges: f.list("AvailableChallenges")?,
        })
    }
}

impl FromJson for TokensReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(TokensReply {
            authentication_result: Fields::of(value)?.opt("AuthenticationResult")?,
        })
    }
}

impl FromJson for SignUpReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(SignUpReply {
            user_confirmed: f.req_bool("UserConfirmed")?,
            user_sub: f.opt_str("UserSub")?,
            code_delivery_details: f.opt("CodeDeliveryDetails")?,
            session: f.opt_str("Session")?,
        })
    }
}

impl FromJson for ConfirmSignUpReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(ConfirmSignUpReply {
            session: Fields::of(value)?.opt_str("Session")?,
        })
    }
}

impl FromJson for CodeDeliveryReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(CodeDeliveryReply {
            code_delivery_details: Fields::of(value)?.opt("CodeDeliveryDetails")?,
        })
    }
}

impl FromJson for GetUserReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(GetUserReply {
            username: f.str("Username")?,
            user_attributes: f.list("UserAttributes")?,
            preferred_mfa_setting: f.opt_str("PreferredMfaSetting")?,
            user_mfa_setting_list: f.list("UserMFASettingList")?,
        })
    }
}

impl FromJson for UpdateUserAttributesReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(UpdateUserAttributesReply {
            code_delivery_details_list: Fields::of(value)?.list("CodeDeliveryDetailsList")?,
        })
    }
}

impl FromJson for AssociateSoftwareTokenReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(AssociateSoftwareTokenReply {
            secret_code: f.str("SecretCode")?,
            session: f.opt_str("Session")?,
        })
    }
}

impl FromJson for VerifySoftwareTokenReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(VerifySoftwareTokenReply {
            status: f.opt_str("Status")?,
            session: f.opt_str("Session")?,
        })
    }
}

impl FromJson for ConfirmDeviceReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(ConfirmDeviceReply {
            user_confirmation_necessary: Fields::of(value)?
                .opt_bool("UserConfirmationNecessary")?
                .unwrap_or(false),
        })
    }
}

impl FromJson for DeviceType {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(DeviceType {
            device_key: f.str("DeviceKey")?,
            device_attributes: f.list("DeviceAttributes")?,
            device_create_date: f.opt_f64("DeviceCreateDate")?,
            device_last_modified_date: f.opt_f64("DeviceLastModifiedDate")?,
            device_last_authenticated_date: f.opt_f64("DeviceLastAuthenticatedDate")?,
        })
    }
}

impl FromJson for ListDevicesReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut f = Fields::of(value)?;
        Ok(ListDevicesReply {
            devices: f.list("Devices")?,
            pagination_token: f.opt_str("PaginationToken")?,
        })
    }
}

impl FromJson for GetDeviceReply {
    fn from_json(value: Json) -> Read<Self> {
        Ok(GetDeviceReply {
            device: Fields::of(value)?.req("Device")?,
        })
    }
}

/// StringMap against BTreeMap, the map it replaces.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod string_map_tests {
    use super::StringMap;
    use alloc::collections::BTreeMap;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(ops in proptest::collection::vec((0u8..3, "[a-d]{0,2}", "[x-z]{0,2}"), 0..40)) {
            let mut ours = StringMap::new();
            let mut theirs = BTreeMap::new();
            for (op, k, v) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(k.clone(), v.clone()), theirs.insert(k, v)),
                    1 => prop_assert_eq!(ours.remove(&k), theirs.remove(&k)),
                    _ => {
                        prop_assert_eq!(ours.get(&k), theirs.get(&k));
                        prop_assert_eq!(ours.contains_key(&k), theirs.contains_key(&k));
                    }
                }
                prop_assert_eq!(ours.len(), theirs.len());
                let a: Vec<(&String, &String)> = ours.iter().collect();
                let b: Vec<(&String, &String)> = theirs.iter().collect();
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn collects_with_the_last_duplicate_winning() {
        let map: StringMap = [
            ("b".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string()),
            ("b".to_string(), "3".to_string()),
        ]
        .into();
        assert_eq!(map.get("a").map(String::as_str), Some("2"));
        assert_eq!(map.get("b").map(String::as_str), Some("3"));
        assert!(!map.is_empty());
        let owned: Vec<(String, String)> = map.into_iter().collect();
        assert_eq!(owned.len(), 2);
        assert_eq!(owned[1], ("b".to_string(), "3".to_string()));
    }

    #[test]
    fn debug_shows_keys_and_never_values() {
        let map: StringMap = [
            ("PASSWORD".to_string(), "hunter2-secret".to_string()),
            ("USERNAME".to_string(), "alice".to_string()),
        ]
        .into();
        let printed = format!("{map:?}");
        assert_eq!(
            printed,
            r#"{"PASSWORD": <redacted>, "USERNAME": <redacted>}"#
        );
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn zeroize_empties_the_map_and_it_stays_usable() {
        let mut map: StringMap = [("REFRESH_TOKEN".to_string(), "tok".to_string())].into();
        zeroize::Zeroize::zeroize(&mut map);
        assert!(map.is_empty());
        assert_eq!(map.get("REFRESH_TOKEN"), None);
        map.insert("A".into(), "1".into());
        assert_eq!(map.len(), 1);
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

impl core::fmt::Debug for SignUpReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignUpReply")
            .field("user_confirmed", &self.user_confirmed)
            .field("user_sub", &self.user_sub)
            .field("code_delivery_details", &self.code_delivery_details)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl core::fmt::Debug for ConfirmSignUpReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConfirmSignUpReply")
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl core::fmt::Debug for VerifySoftwareTokenReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifySoftwareTokenReply")
            .field("status", &self.status)
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl core::fmt::Debug for AssociateSoftwareTokenReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AssociateSoftwareTokenReply")
            .field("secret_code", &"<redacted>")
            .field("session", &self.session.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

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
                client_metadata: None
            }),
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "c1", "AuthParameters": {"USERNAME": "alice", "SRP_A": "abc"}})
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
                password: "pw",
                user_attributes: &attrs,
                client_metadata: None
            }),
            json!({"ClientId": "c1", "SecretHash": "h", "Username": "alice", "Password": "pw",
                   "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]})
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
