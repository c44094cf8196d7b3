//! The persisted data model: pools, app clients, users, devices, refresh tokens and the outbox.
//!
//! Pool settings use the service's PascalCase member names so `CreateUserPool`, the `--config`
//! file, `DescribeUserPool` and the state file all share one shape.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::jwt::{PoolKey, StoredKey};

/// User status values as the service spells them.
pub mod status {
    /// Signed up, not confirmed yet.
    pub const UNCONFIRMED: &str = "UNCONFIRMED";
    /// Normal state.
    pub const CONFIRMED: &str = "CONFIRMED";
    /// Created by an administrator with a temporary password.
    pub const FORCE_CHANGE_PASSWORD: &str = "FORCE_CHANGE_PASSWORD";
    /// An administrator required a password reset.
    pub const RESET_REQUIRED: &str = "RESET_REQUIRED";
    /// Created by a sign-in through an external identity provider.
    pub const EXTERNAL_PROVIDER: &str = "EXTERNAL_PROVIDER";
}

/// A map that remembers which keys were changed since the last commit, so the store writes only
/// the rows an operation touched (the cost of a write stays independent of how much state there
/// is). Reads go through `Deref`; every way to change an entry goes through a method here that
/// marks its key, so a change cannot be forgotten by the store.
#[derive(Clone, Debug)]
pub struct Tracked<K: Ord + Clone, V> {
    map: BTreeMap<K, V>,
    dirty: BTreeSet<K>,
}

impl<K: Ord + Clone, V> Default for Tracked<K, V> {
    fn default() -> Self {
        Self {
            map: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone, V> Deref for Tracked<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

impl<K: Ord + Clone, V> Tracked<K, V> {
    /// A mutable entry; its key is marked changed when present.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        let value = self.map.get_mut(key)?;
        self.dirty.insert(key.to_owned());
        Some(value)
    }

    /// Inserts or replaces an entry.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.dirty.insert(key.clone());
        self.map.insert(key, value)
    }

    /// Removes an entry.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        let removed = self.map.remove(key)?;
        self.dirty.insert(key.to_owned());
        Some(removed)
    }

    /// Keeps the entries `keep` accepts; only removed keys are marked.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let dirty = &mut self.dirty;
        self.map.retain(|key, value| {
            let kept = keep(key, value);
            if !kept {
                dirty.insert(key.clone());
            }
            kept
        });
    }

    /// Runs `change` on every entry; only entries for which it returns true are marked (so a
    /// scan that changes a few entries writes a few rows).
    pub fn update_each(&mut self, mut change: impl FnMut(&K, &mut V) -> bool) {
        for (key, value) in self.map.iter_mut() {
            if change(key, value) {
                self.dirty.insert(key.clone());
            }
        }
    }

    /// A mutable entry WITHOUT marking it: only for the store, which collects the changes of
    /// the entry's own children.
    pub fn peek_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// The keys changed since the last call, clearing the record.
    pub fn take_dirty(&mut self) -> BTreeSet<K> {
        std::mem::take(&mut self.dirty)
    }

    /// Whether anything changed since the last [`Tracked::take_dirty`].
    pub fn is_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Marks every entry changed (a pool inserted whole must write all its rows).
    pub fn mark_all(&mut self) {
        self.dirty = self.map.keys().cloned().collect();
    }

    /// Wraps loaded entries, none of them changed.
    pub fn from_clean(map: BTreeMap<K, V>) -> Self {
        Self {
            map,
            dirty: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone + Serialize, V: Serialize> Serialize for Tracked<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

impl<'de, K: Ord + Clone + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de>
    for Tracked<K, V>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::deserialize(deserializer)?;
        let dirty = map.keys().cloned().collect();
        Ok(Self { map, dirty })
    }
}

/// `Policies.PasswordPolicy`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    /// Minimum number of characters (6–99).
    #[serde(default = "default_minimum_length")]
    pub minimum_length: u32,
    /// At least one A–Z.
    #[serde(default)]
    pub require_uppercase: bool,
    /// At least one a–z.
    #[serde(default)]
    pub require_lowercase: bool,
    /// At least one 0–9.
    #[serde(default)]
    pub require_numbers: bool,
    /// At least one of the service's symbol set.
    #[serde(default)]
    pub require_symbols: bool,
    /// Days a temporary password from AdminCreateUser stays usable.
    #[serde(default = "default_temporary_days")]
    pub temporary_password_validity_days: u32,
}

fn default_minimum_length() -> u32 {
    8
}

fn default_temporary_days() -> u32 {
    7
}

impl Default for PasswordPolicy {
    /// The service's default policy when a pool is created without `Policies`.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
        }
    }
}

/// `Policies`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policies {
    /// The password policy; absent means the service default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// `SignInPolicy`: the first factors choice-based sign-in (USER_AUTH) offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_policy: Option<SignInPolicy>,
}

/// `Policies.SignInPolicy`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SignInPolicy {
    /// `AllowedFirstAuthFactors`: `PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`.
    #[serde(default)]
    pub allowed_first_auth_factors: Vec<String>,
}

/// `WebAuthnConfiguration` of SetUserPoolMfaConfig: the pool's passkey relying party.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct WebAuthnConfiguration {
    /// `RelyingPartyId`: the RP ID passkeys are bound to (a domain, or `localhost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relying_party_id: Option<String>,
    /// `UserVerification`: `required` or `preferred`.
    #[serde(default = "default_user_verification")]
    pub user_verification: String,
    /// `FactorConfiguration`: only `SINGLE_FACTOR` (the default) is accepted, see
    /// `lifecycle::pools::parse_web_authn_configuration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_configuration: Option<String>,
}

fn default_user_verification() -> String {
    "preferred".to_string()
}

/// A passkey registered by a user (CompleteWebAuthnRegistration).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnCredential {
    /// The credential id, base64url.
    pub credential_id: String,
    /// The COSE public key, base64url of its CBOR.
    pub public_key: String,
    /// COSE algorithm (-7 ES256, -257 RS256, -8 EdDSA).
    pub algorithm: i64,
    /// The authenticator's signature counter at the last use.
    pub sign_count: u32,
    /// The RP ID it was registered for.
    pub relying_party_id: String,
    /// A name for the user to tell passkeys apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// `platform` or `cross-platform`, when the client said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// Transports the client reported (`internal`, `usb`, `hybrid`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
    /// Epoch seconds.
    pub created: i64,
}

/// `UsernameConfiguration`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    /// Whether `Alice` and `alice` are different users.
    #[serde(default)]
    pub case_sensitive: bool,
}

/// `DeviceConfiguration`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceConfiguration {
    /// MFA is required on a device the user has not remembered; only then does a remembered
    /// (device-SRP-verified) device stand in for MFA. When false, MFA is asked on every sign-in.
    #[serde(default)]
    pub challenge_required_on_new_device: bool,
    /// Devices are remembered only when the user agrees (`UserConfirmationNecessary`).
    #[serde(default)]
    pub device_only_remembered_on_user_prompt: bool,
}

/// `AdminCreateUserConfig`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    /// Only administrators may create users (SignUp is refused).
    #[serde(default)]
    pub allow_admin_create_user_only: bool,
    /// Legacy validity of temporary passwords, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused_account_validity_days: Option<u32>,
    /// Kept only to be echoed back by DescribeUserPool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_message_template: Option<Value>,
}

/// One `AccountRecoverySetting.RecoveryMechanisms` entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    /// 1 is tried first.
    pub priority: u32,
    /// `verified_email`, `verified_phone_number` or `admin_only`.
    pub name: String,
}

/// `AccountRecoverySetting`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    /// The mechanisms in any order; sorted by priority when used.
    #[serde(default)]
    pub recovery_mechanisms: Vec<RecoveryOption>,
}

/// `{ "Enabled": bool }`, the shape of the software-token and email MFA configurations.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnabledFlag {
    /// Whether the method is on.
    #[serde(default)]
    pub enabled: bool,
}

/// `UserAttributeUpdateSettings`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserAttributeUpdateSettings {
    /// `email` and/or `phone_number`: a new value replaces the old one only once verified.
    #[serde(default)]
    pub attributes_require_verification_before_update: Vec<String>,
}

/// One sign-in attempt as AdminListUserAuthEvents reports it (kept while advanced security is on).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthEvent {
    /// `EventId`.
    pub event_id: String,
    /// Order of creation within the pool (newest is highest).
    pub seq: u64,
    /// Internal username.
    pub username: String,
    /// `SignIn`, …
    pub event_type: String,
    /// Epoch seconds.
    pub created: i64,
    /// `Pass`, `Fail` or `InProgress`.
    pub response: String,
    /// (`Password` | `Mfa`, `Success` | `Failure`) in the order they happened.
    #[serde(default)]
    pub challenges: Vec<(String, String)>,
    /// `EventContextData`, from the request's context data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// `EventFeedback` (`FeedbackValue`, `Provider`, `FeedbackDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Value>,
    /// SHA-256 hex of the feedback token, when one was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_token_hash: Option<String>,
}

/// A stored SetRiskConfiguration (of the pool, or of one client).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskConfiguration {
    /// The configuration members as validated (`CompromisedCredentialsRiskConfiguration`, …).
    pub members: serde_json::Map<String, Value>,
    /// Epoch seconds.
    pub last_modified: i64,
}

/// Emulator extension: a built-in custom-auth challenge sequence standing in for Lambda triggers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomAuthConfig {
    /// Challenges in order; each must be answered with its `Answer`.
    #[serde(default)]
    pub challenges: Vec<CustomChallenge>,
    /// Wrong answers tolerated in one sign-in before it fails.
    #[serde(default = "default_wrong_answers")]
    pub max_wrong_answers: u32,
}

fn default_wrong_answers() -> u32 {
    3
}

/// One built-in custom challenge.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomChallenge {
    /// The expected `ANSWER`.
    pub answer: String,
    /// Public challenge parameters returned to the client (e.g. a question).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// A pool's settings, in the request shape of CreateUserPool.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolSettings {
    /// Display name (`PoolName`), not the SRP pool name.
    #[serde(default)]
    pub pool_name: String,
    /// Password policy holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Policies>,
    /// `email` and/or `phone_number` used as the username (internal username becomes a UUID).
    #[serde(default)]
    pub username_attributes: Vec<String>,
    /// `email`, `phone_number`, `preferred_username` usable as sign-in aliases once verified.
    #[serde(default)]
    pub alias_attributes: Vec<String>,
    /// Case sensitivity of usernames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_configuration: Option<UsernameConfiguration>,
    /// Schema additions/overrides (standard attributes marked Required, `custom:` attributes).
    #[serde(default)]
    pub schema: Vec<Value>,
    /// Attributes verified with a code at sign-up (`email`, `phone_number`).
    #[serde(default)]
    pub auto_verified_attributes: Vec<String>,
    /// `OFF`, `ON` or `OPTIONAL`.
    #[serde(default = "default_mfa")]
    pub mfa_configuration: String,
    /// SMS MFA configuration (presence enables SMS MFA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_mfa_configuration: Option<Value>,
    /// Whether TOTP MFA is available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_token_mfa_configuration: Option<EnabledFlag>,
    /// `EmailMfaConfiguration` of SetUserPoolMfaConfig (email MFA available when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_mfa_configuration: Option<Value>,
    /// `WebAuthnConfiguration` of SetUserPoolMfaConfig.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_authn_configuration: Option<WebAuthnConfiguration>,
    /// `UserPoolTier`: `LITE`, `ESSENTIALS` (the default for new pools) or `PLUS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_tier: Option<String>,
    /// Device tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_configuration: Option<DeviceConfiguration>,
    /// Admin-only sign-up and temporary password validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_create_user_config: Option<AdminCreateUserConfig>,
    /// Password-reset channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    /// Attributes whose new value must be verified before it replaces the old one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_attribute_update_settings: Option<UserAttributeUpdateSettings>,
    /// `ACTIVE` blocks DeleteUserPool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<String>,
    /// Echoed back only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_configuration: Option<Value>,
    /// Echoed back only; its presence also makes SMS deliverable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_configuration: Option<Value>,
    /// Echoed back only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    /// Emulator extension replacing the custom-auth Lambda triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_auth: Option<CustomAuthConfig>,
    /// `LambdaConfig`: stored and returned as given (the emulator invokes no Lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_config: Option<Value>,
    /// `VerificationMessageTemplate` as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_message_template: Option<Value>,
    /// The legacy `SmsVerificationMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_verification_message: Option<String>,
    /// The legacy `EmailVerificationMessage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_message: Option<String>,
    /// The legacy `EmailVerificationSubject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verification_subject: Option<String>,
    /// Advanced security (threat protection) mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_pool_add_ons: Option<UserPoolAddOns>,
}

/// `UserPoolAddOns`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPoolAddOns {
    /// `OFF`, `AUDIT` or `ENFORCED`.
    pub advanced_security_mode: String,
    /// Echoed back only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_security_additional_flows: Option<Value>,
}

impl PoolSettings {
    /// `UserPoolTier`, `ESSENTIALS` when unset (the service's default for new pools).
    pub fn tier(&self) -> &str {
        self.user_pool_tier.as_deref().unwrap_or("ESSENTIALS")
    }

    /// `Policies.SignInPolicy.AllowedFirstAuthFactors`, `["PASSWORD"]` when unset.
    pub fn allowed_first_auth_factors(&self) -> Vec<String> {
        match self
            .policies
            .as_ref()
            .and_then(|p| p.sign_in_policy.as_ref())
        {
            Some(policy) if !policy.allowed_first_auth_factors.is_empty() => {
                policy.allowed_first_auth_factors.clone()
            }
            _ => vec!["PASSWORD".to_string()],
        }
    }

    /// `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate` (empty if unset).
    pub fn attributes_require_verification(&self) -> &[String] {
        self.user_attribute_update_settings
            .as_ref()
            .map_or(&[], |s| {
                s.attributes_require_verification_before_update.as_slice()
            })
    }
}

fn default_mfa() -> String {
    "OFF".to_string()
}

/// The legacy `ExplicitAuthFlows` names, which cannot be mixed with the `ALLOW_*` ones.
pub const LEGACY_AUTH_FLOWS: [&str; 3] = [
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// `TokenValidityUnits`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnits {
    /// Unit of `AccessTokenValidity`.
    pub access_token: String,
    /// Unit of `IdTokenValidity`.
    pub id_token: String,
    /// Unit of `RefreshTokenValidity`.
    pub refresh_token: String,
}

/// `RefreshTokenRotation`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RefreshTokenRotation {
    /// `ENABLED` or `DISABLED`.
    pub feature: String,
    /// Seconds the replaced refresh token keeps working (0–60).
    #[serde(default)]
    pub retry_grace_period_seconds: i64,
}

/// An app client, serialized exactly as DescribeUserPoolClient returns it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AppClient {
    /// Pool the client belongs to.
    pub user_pool_id: String,
    /// Public identifier.
    pub client_id: String,
    /// Display name.
    pub client_name: String,
    /// Present when the client was created with `GenerateSecret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `ALLOW_*` flow names.
    pub explicit_auth_flows: Vec<String>,
    /// In `TokenValidityUnits.RefreshToken`.
    pub refresh_token_validity: i64,
    /// In `TokenValidityUnits.AccessToken`.
    pub access_token_validity: i64,
    /// In `TokenValidityUnits.IdToken`.
    pub id_token_validity: i64,
    /// Units for the three validities.
    pub token_validity_units: TokenValidityUnits,
    /// Attributes readable through GetUser / ID token; absent = all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_attributes: Option<Vec<String>>,
    /// Attributes writable through UpdateUserAttributes / SignUp; absent = all mutable ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_attributes: Option<Vec<String>>,
    /// `ENABLED` hides whether a user exists; `LEGACY` reveals it.
    pub prevent_user_existence_errors: String,
    /// Whether RevokeToken works for this client.
    pub enable_token_revocation: bool,
    /// Minutes a challenge session lives (3–15).
    pub auth_session_validity: i64,
    /// Refresh-token rotation for GetTokensFromRefreshToken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
    /// Identity providers the hosted UI offers (`COGNITO`, provider names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_identity_providers: Option<Vec<String>>,
    /// Allowed OAuth redirect URLs.
    #[serde(
        default,
        rename = "CallbackURLs",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_urls: Option<Vec<String>>,
    /// Allowed sign-out redirect URLs.
    #[serde(
        default,
        rename = "LogoutURLs",
        skip_serializing_if = "Option::is_none"
    )]
    pub logout_urls: Option<Vec<String>>,
    /// One of the callback URLs.
    #[serde(
        default,
        rename = "DefaultRedirectURI",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_redirect_uri: Option<String>,
    /// `code`, `implicit`, `client_credentials`.
    #[serde(
        default,
        rename = "AllowedOAuthFlows",
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_oauth_flows: Option<Vec<String>>,
    /// OAuth scopes the client may ask for.
    #[serde(
        default,
        rename = "AllowedOAuthScopes",
        skip_serializing_if = "Option::is_none"
    )]
    pub allowed_oauth_scopes: Option<Vec<String>>,
    /// Whether the client may use the OAuth flows.
    #[serde(default, rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: bool,
    /// `AnalyticsConfiguration`, stored and returned as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_configuration: Option<Value>,
    /// Whether context data is passed on (clients with a secret only).
    #[serde(default)]
    pub enable_propagate_additional_user_context_data: bool,
    /// Epoch seconds.
    pub creation_date: f64,
    /// Epoch seconds.
    pub last_modified_date: f64,
}

debug_showing!(AppClient {
    user_pool_id,
    client_id,
    client_name
});

fn unit_seconds(unit: &str) -> i64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86_400,
    }
}

impl AppClient {
    /// Access token lifetime in seconds.
    pub fn access_ttl(&self) -> i64 {
        self.access_token_validity * unit_seconds(&self.token_validity_units.access_token)
    }
    /// ID token lifetime in seconds.
    pub fn id_ttl(&self) -> i64 {
        self.id_token_validity * unit_seconds(&self.token_validity_units.id_token)
    }
    /// Refresh token lifetime in seconds.
    pub fn refresh_ttl(&self) -> i64 {
        self.refresh_token_validity * unit_seconds(&self.token_validity_units.refresh_token)
    }
    /// Whether an `ALLOW_*` flow is enabled. A client created with the legacy names
    /// (`ADMIN_NO_SRP_AUTH`, `CUSTOM_AUTH_FLOW_ONLY`, `USER_PASSWORD_AUTH`) keeps SRP and refresh
    /// allowed, plus the flow each legacy name stands for.
    pub fn allows(&self, flow: &str) -> bool {
        let has = |name: &str| self.explicit_auth_flows.iter().any(|f| f == name);
        if has(flow) {
            return true;
        }
        if !LEGACY_AUTH_FLOWS.iter().any(|legacy| has(legacy)) {
            return false;
        }
        match flow {
            "ALLOW_USER_SRP_AUTH" | "ALLOW_REFRESH_TOKEN_AUTH" => true,
            "ALLOW_ADMIN_USER_PASSWORD_AUTH" => has("ADMIN_NO_SRP_AUTH"),
            "ALLOW_CUSTOM_AUTH" => has("CUSTOM_AUTH_FLOW_ONLY"),
            "ALLOW_USER_PASSWORD_AUTH" => has("USER_PASSWORD_AUTH"),
            _ => false,
        }
    }
    /// Whether GetTokensFromRefreshToken hands out a new refresh token.
    pub fn rotates_refresh_tokens(&self) -> bool {
        self.refresh_token_rotation
            .as_ref()
            .is_some_and(|r| r.feature == "ENABLED")
    }
    /// Whether errors must not reveal that a user exists.
    pub fn hides_user_existence(&self) -> bool {
        self.prevent_user_existence_errors == "ENABLED"
    }
}

/// A one-time code waiting to be entered (sign-up, password reset, attribute verification).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCode {
    /// The six digits.
    pub code: String,
    /// Epoch seconds after which the code is refused with ExpiredCodeException.
    pub expires_at: i64,
    /// Wrong guesses so far; the code dies after a few.
    pub failed_attempts: u32,
}

debug_showing!(PendingCode {
    expires_at,
    failed_attempts
});

/// Where a user's stored password verifier lives.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordRecord {
    /// Salt (hex of padHex bytes).
    pub salt_hex: String,
    /// v = g^x mod N (padHex).
    pub verifier_hex: String,
    /// Epoch seconds when set (temporary passwords expire from here).
    pub set_at: i64,
}

/// A device the service handed out in NewDeviceMetadata.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// `{region}_{uuid}`.
    pub device_key: String,
    /// The device's SRP "pool name".
    pub device_group_key: String,
    /// Set by ConfirmDevice.
    pub device_name: Option<String>,
    /// Device SRP salt (hex) from ConfirmDevice.
    pub salt_hex: Option<String>,
    /// Device SRP verifier (hex) from ConfirmDevice.
    pub verifier_hex: Option<String>,
    /// `remembered` devices skip MFA.
    pub remembered: bool,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    pub last_modified: i64,
    /// Epoch seconds of the last sign-in with this device.
    pub last_authenticated: i64,
}

impl Device {
    /// Whether ConfirmDevice stored a verifier (only then DEVICE_SRP_AUTH is possible).
    pub fn is_confirmed(&self) -> bool {
        self.verifier_hex.is_some()
    }
}

/// The longest RefreshTokenRotation grace period the service allows, in seconds.
pub const MAX_ROTATION_GRACE: i64 = 60;

/// A user of a pool.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Internal username (a UUID for pools with UsernameAttributes).
    pub username: String,
    /// Immutable subject id.
    pub sub: String,
    /// Attributes other than `sub`.
    pub attributes: BTreeMap<String, String>,
    /// One of [`status`].
    pub status: String,
    /// Disabled users cannot sign in.
    pub enabled: bool,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    pub last_modified: i64,
    /// SRP verifier of the current password.
    pub password: PasswordRecord,
    /// Outstanding codes keyed by purpose (`signup`, `forgot`, `verify:email`, …).
    #[serde(default)]
    pub codes: BTreeMap<String, PendingCode>,
    /// Verified TOTP secret (base32).
    #[serde(default)]
    pub totp_secret: Option<String>,
    /// Secret from AssociateSoftwareToken not yet verified.
    #[serde(default)]
    pub pending_totp_secret: Option<String>,
    /// SMS MFA enabled in the user's settings.
    #[serde(default)]
    pub sms_mfa_enabled: bool,
    /// TOTP MFA enabled in the user's settings.
    #[serde(default)]
    pub software_token_mfa_enabled: bool,
    /// `SMS_MFA` or `SOFTWARE_TOKEN_MFA`.
    #[serde(default)]
    pub preferred_mfa: Option<String>,
    /// Devices by key.
    #[serde(default)]
    pub devices: BTreeMap<String, Device>,
    /// New values of attributes that need verification before they replace the current ones
    /// (`UserAttributeUpdateSettings`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending_attributes: BTreeMap<String, String>,
    /// Names of the groups the user is in.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub groups: BTreeSet<String>,
    /// Signed up without a password (passwordless sign-up): PASSWORD is no factor of theirs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub passwordless: bool,
    /// Email MFA (an EMAIL_OTP code after the password) enabled in the user's settings.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub email_mfa_enabled: bool,
    /// Passkeys, by credential id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub webauthn_credentials: BTreeMap<String, WebAuthnCredential>,
}

debug_showing!(User {
    username,
    sub,
    status,
    enabled
});

impl User {
    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        if name == "sub" {
            return Some(&self.sub);
        }
        self.attributes.get(name).map(String::as_str)
    }

    /// Whether `<name>_verified` is true (compared case-insensitively: `"True"` counts).
    pub fn is_verified(&self, name: &str) -> bool {
        self.attributes
            .get(&format!("{name}_verified"))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `[{"Name","Value"}]` including `sub`, optionally filtered by a client's ReadAttributes.
    pub fn attribute_list(&self, readable: Option<&[String]>) -> Vec<Value> {
        let allowed = |name: &str| readable.is_none_or(|list| list.iter().any(|a| a == name));
        let mut list = vec![serde_json::json!({ "Name": "sub", "Value": self.sub })];
        for (name, value) in &self.attributes {
            if allowed(name) {
                list.push(serde_json::json!({ "Name": name, "Value": value }));
            }
        }
        list
    }

    /// Drops expired codes and stale unconfirmed devices; true when something changed.
    pub fn sweep(&mut self, now: i64) -> bool {
        let before = (self.codes.len(), self.devices.len());
        self.codes.retain(|_, code| code.expires_at > now);
        self.devices.retain(|_, device| {
            device.is_confirmed() || now.saturating_sub(device.created) < UNCONFIRMED_DEVICE_TTL
        });
        before != (self.codes.len(), self.devices.len())
    }

    /// Adds a device handed out at sign-in, first making room: stale unconfirmed devices go, and
    /// at most [`UNCONFIRMED_DEVICE_LIMIT`] unconfirmed ones stay (the oldest leave first).
    pub fn add_unconfirmed_device(&mut self, device: Device, now: i64) {
        self.sweep(now);
        let mut unconfirmed: Vec<(i64, String)> = self
            .devices
            .values()
            .filter(|d| !d.is_confirmed())
            .map(|d| (d.created, d.device_key.clone()))
            .collect();
        unconfirmed.sort();
        let excess = (unconfirmed.len() + 1).saturating_sub(UNCONFIRMED_DEVICE_LIMIT);
        for (_, key) in unconfirmed.into_iter().take(excess) {
            self.devices.remove(&key);
        }
        self.devices.insert(device.device_key.clone(), device);
    }

    /// `UserMFASettingList` entries.
    pub fn mfa_setting_list(&self) -> Vec<String> {
        let mut list = Vec::new();
        if self.sms_mfa_enabled {
            list.push("SMS_MFA".to_string());
        }
        if self.software_token_mfa_enabled {
            list.push("SOFTWARE_TOKEN_MFA".to_string());
        }
        if self.email_mfa_enabled {
            list.push("EMAIL_OTP".to_string());
        }
        list
    }
}

/// One sign-in's lineage: every token refreshed from it shares `origin_jti`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Origin {
    /// Internal username.
    pub username: String,
    /// Client that signed in.
    pub client_id: String,
    /// Device used, if any.
    pub device_key: Option<String>,
    /// Epoch seconds of the password/MFA sign-in.
    pub auth_time: i64,
    /// Epoch seconds when the lineage's refresh token expires.
    pub expires_at: i64,
    /// Set by RevokeToken / GlobalSignOut: access and refresh tokens of the lineage stop working.
    pub revoked: bool,
    /// The OAuth scopes of a lineage begun at the pool's domain (`/oauth2/token`), space
    /// separated: every access token of the lineage, refreshed ones included, carries them.
    /// `None` for a sign-in through the API (`aws.cognito.signin.user.admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A refresh token, stored by its SHA-256 so the state file holds no usable token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRecord {
    /// Lineage.
    pub origin_jti: String,
    /// Epoch seconds.
    pub expires_at: i64,
    /// When rotation replaced this token; it works until the grace period has passed.
    pub superseded_at: Option<i64>,
}

/// A message the real service would have sent by email or SMS (the test outbox).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    /// Epoch seconds.
    pub created: i64,
    /// Internal username of the recipient.
    pub username: String,
    /// Email address or phone number.
    pub destination: String,
    /// `EMAIL` or `SMS`.
    pub delivery_medium: String,
    /// `SIGN_UP`, `FORGOT_PASSWORD`, `VERIFY_ATTRIBUTE`, `SMS_MFA`, `INVITATION`, …
    pub kind: String,
    /// The code (or temporary password for INVITATION).
    pub code: String,
    /// Attribute the code verifies, when relevant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<String>,
    /// The text sent, the code in it: the pool's template or what CustomMessage returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The email's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

debug_showing!(OutboxMessage {
    created,
    username,
    delivery_medium,
    kind
});

/// A group of a pool (`GroupType` without the pool id). Memberships live on the users
/// ([`User::groups`]), so adding a user to a group writes one user row.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Unique within the pool (case-sensitive).
    pub group_name: String,
    /// Free text, up to 2048 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// IAM role handed out in `cognito:roles` / `cognito:preferred_role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// 0 is the highest; `None` ranks below every number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<i64>,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    pub last_modified: i64,
}

impl Group {
    /// Orders groups as tokens and lists present them: by precedence (unset last), then name.
    pub fn rank(&self) -> (bool, i64, &str) {
        (
            self.precedence.is_none(),
            self.precedence.unwrap_or_default(),
            &self.group_name,
        )
    }
}

/// The hosted-UI customization of one app client, or of every client (`ALL`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiCustomization {
    /// CSS as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub css: Option<String>,
    /// The logo, base64, with its media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<(String, String)>,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    pub last_modified: i64,
}

/// A pool's hosted-UI domain: a prefix (`auth` of `auth.auth.{region}.amazoncognito.com`) or a
/// custom domain with its certificate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolDomain {
    /// The domain string as created.
    pub domain: String,
    /// ACM certificate of a custom domain; `None` for a prefix domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// Bumped on every update, reported as `Version`.
    pub version: u64,
    /// Epoch seconds.
    pub created: i64,
}

/// One custom scope of a resource server.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerScope {
    /// Name (the scope is `{identifier}/{name}`).
    pub scope_name: String,
    /// Description.
    pub scope_description: String,
}

/// An OAuth 2.0 resource server (`ResourceServerType` without the pool id).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceServer {
    /// Unique within the pool.
    pub identifier: String,
    /// Friendly name.
    pub name: String,
    /// Custom scopes, in request order.
    #[serde(default)]
    pub scopes: Vec<ResourceServerScope>,
}

/// A federated identity provider (`IdentityProviderType` without the pool id).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProvider {
    /// Unique within the pool.
    pub provider_name: String,
    /// `SAML`, `Facebook`, `Google`, `LoginWithAmazon`, `SignInWithApple` or `OIDC`.
    pub provider_type: String,
    /// As returned (given keys plus the ones the service derives).
    pub provider_details: BTreeMap<String, String>,
    /// IdP attribute names by pool attribute.
    #[serde(default)]
    pub attribute_mapping: BTreeMap<String, String>,
    /// Identifiers unique within the pool.
    #[serde(default)]
    pub idp_identifiers: Vec<String>,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    pub last_modified: i64,
}

debug_showing!(IdentityProvider {
    provider_name,
    provider_type
});

/// A federated identity (SourceUser of AdminLinkProviderForUser) linked to a native user.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderLink {
    /// The identity provider's name.
    pub provider_name: String,
    /// Its type, reported in the user's `identities` attribute.
    pub provider_type: String,
    /// `Cognito_Subject` or a claim name (SAML).
    pub attribute_name: String,
    /// The identity's value of that attribute (its subject).
    pub attribute_value: String,
    /// Internal username of the native user.
    pub username: String,
    /// The native user's `sub`: a link outlives neither the user nor a user of the same name
    /// created later.
    pub sub: String,
    /// Epoch seconds.
    pub created: i64,
}

impl ProviderLink {
    /// The key of a link: the provider and the identity's value (the name's length first, so
    /// no two pairs share a key).
    pub fn key(provider_name: &str, attribute_value: &str) -> String {
        format!("{}:{provider_name}:{attribute_value}", provider_name.len())
    }
}

/// What an authorization code of a pool's domain stands for (single use, five minutes).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeGrant {
    /// Pool of the domain.
    pub pool_id: String,
    /// Client of the authorize request.
    pub client_id: String,
    /// `redirect_uri` of the authorize request; the token request must repeat it.
    pub redirect_uri: String,
    /// Internal username.
    pub username: String,
    /// Granted scopes, in request order.
    pub scopes: Vec<String>,
    /// `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// PKCE `code_challenge` (S256).
    pub code_challenge: Option<String>,
    /// When the user signed in.
    pub auth_time: i64,
    /// Epoch seconds.
    pub expires_at: i64,
}

/// A browser signed in at a pool's domain (its session cookie).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserSession {
    /// Internal username.
    pub username: String,
    /// When the user signed in.
    pub auth_time: i64,
    /// Epoch seconds.
    pub expires_at: i64,
}

/// A user import job (`UserImportJobType` without the pool id).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportJob {
    /// `import-` and ten characters.
    pub job_id: String,
    /// Name given at creation.
    pub job_name: String,
    /// Required by the service; echoed.
    pub cloud_watch_logs_role_arn: String,
    /// Random token of the upload URL.
    pub upload_token: String,
    /// The uploaded CSV, until the job has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// `Created`, `Pending`, `InProgress`, `Stopping`, `Stopped`, `Succeeded`, `Failed`, `Expired`.
    pub status: String,
    /// Epoch seconds.
    pub created: i64,
    /// Epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
    /// Epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<i64>,
    /// Users imported.
    #[serde(default)]
    pub imported_users: i64,
    /// Users skipped.
    #[serde(default)]
    pub skipped_users: i64,
    /// Users that could not be imported.
    #[serde(default)]
    pub failed_users: i64,
    /// Set when the job ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_message: Option<String>,
}

debug_showing!(ImportJob { job_id, job_name });

/// A user pool with everything in it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    /// `{region}_{suffix}`.
    pub id: String,
    /// Epoch seconds.
    pub created: f64,
    /// Epoch seconds.
    pub last_modified: f64,
    /// Settings in the service's shape.
    pub settings: PoolSettings,
    /// RS256 signing key, persisted so tokens survive restarts.
    pub signing_key: StoredKey,
    /// App clients by id.
    pub clients: Tracked<String, AppClient>,
    /// Users by internal username.
    pub users: Tracked<String, User>,
    /// Sign-in lineages by origin_jti.
    #[serde(default)]
    pub origins: Tracked<String, Origin>,
    /// Refresh tokens by SHA-256 hex.
    #[serde(default)]
    pub refresh_tokens: Tracked<String, RefreshRecord>,
    /// Groups by name.
    #[serde(default)]
    pub groups: Tracked<String, Group>,
    /// Hosted-UI customizations by client id (`ALL` for the pool's default).
    #[serde(default)]
    pub ui_customizations: Tracked<String, UiCustomization>,
    /// Risk configurations by client id (`ALL` for the pool's own).
    #[serde(default)]
    pub risk_configurations: Tracked<String, RiskConfiguration>,
    /// Auth events by event id.
    #[serde(default)]
    pub auth_events: Tracked<String, AuthEvent>,
    /// Messages "sent" by sequence number, oldest first.
    #[serde(default, deserialize_with = "outbox_from_list_or_map")]
    pub outbox: Tracked<u64, OutboxMessage>,
    /// Hex key deriving the stable fake SALT / USER_ID_FOR_SRP of unknown users when a client
    /// hides user existence (so repeated attempts look like a real user's).
    #[serde(default = "random_secret_hex")]
    pub existence_secret: String,
    #[serde(skip)]
    loaded_key: OnceLock<Arc<PoolKey>>,
    /// The pool's domain (at most one), keyed by the domain string.
    #[serde(default)]
    pub domains: Tracked<String, PoolDomain>,
    /// OAuth resource servers by identifier.
    #[serde(default)]
    pub resource_servers: Tracked<String, ResourceServer>,
    /// Identity providers by provider name.
    #[serde(default)]
    pub identity_providers: Tracked<String, IdentityProvider>,
    /// Federated identities linked to native users, keyed by [`ProviderLink::key`].
    #[serde(default)]
    pub provider_links: Tracked<String, ProviderLink>,
    /// User import jobs by job id.
    #[serde(default)]
    pub import_jobs: Tracked<String, ImportJob>,
    /// Authorization codes of the pool's domain, by the SHA-256 (hex) of the code.
    #[serde(default)]
    pub oauth_codes: Tracked<String, CodeGrant>,
    /// Browsers signed in at the pool's domain, by the SHA-256 (hex) of the session cookie.
    #[serde(default)]
    pub browser_sessions: Tracked<String, BrowserSession>,
}

debug_showing!(Pool {
    id,
    created,
    last_modified
});

/// The outbox of a state file of the former JSON format (a list) or of this one (a map).
fn outbox_from_list_or_map<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Tracked<u64, OutboxMessage>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<OutboxMessage>),
        Map(BTreeMap<u64, OutboxMessage>),
    }
    let mut outbox = Tracked::default();
    match Shape::deserialize(deserializer)? {
        Shape::List(list) => {
            for (seq, message) in (1u64..).zip(list) {
                outbox.insert(seq, message);
            }
        }
        Shape::Map(map) => {
            for (seq, message) in map {
                outbox.insert(seq, message);
            }
        }
    }
    Ok(outbox)
}

fn random_secret_hex() -> String {
    crate::crypto::hex(&crate::crypto::random_bytes(32))
}

/// Outbox entries kept per pool; older ones are dropped.
pub const OUTBOX_LIMIT: usize = 1000;
/// Outbox entries kept per recipient: an unauthenticated caller repeating ResendConfirmationCode
/// must not be able to fill the pool's outbox (or the database) through one user.
pub const OUTBOX_PER_USER: usize = 10;
/// Devices handed out in NewDeviceMetadata but never confirmed are kept this long, so a client
/// that signs in without ConfirmDevice does not add a kept device every time.
pub const UNCONFIRMED_DEVICE_TTL: i64 = 3600;
/// Most unconfirmed devices a user holds at once; the oldest goes first.
pub const UNCONFIRMED_DEVICE_LIMIT: usize = 5;

/// The pool's own row in the store: everything but its clients, users, lineages, refresh tokens,
/// groups, UI customizations and outbox, which have rows of their own.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolHeaderRef<'a> {
    /// See [`Pool::id`].
    pub id: &'a str,
    /// See [`Pool::created`].
    pub created: f64,
    /// See [`Pool::last_modified`].
    pub last_modified: f64,
    /// See [`Pool::settings`].
    pub settings: &'a PoolSettings,
    /// See [`Pool::signing_key`].
    pub signing_key: &'a StoredKey,
    /// See [`Pool::existence_secret`].
    pub existence_secret: &'a str,
}

/// [`PoolHeaderRef`] as read back.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolHeader {
    id: String,
    created: f64,
    last_modified: f64,
    settings: PoolSettings,
    signing_key: StoredKey,
    existence_secret: String,
}

impl Pool {
    /// A new pool with a fresh signing key.
    pub fn new(id: String, settings: PoolSettings, now: i64) -> ApiResult<Self> {
        let (key, stored) = PoolKey::generate()?;
        let pool = Self {
            id,
            created: now as f64,
            last_modified: now as f64,
            settings,
            signing_key: stored,
            clients: Tracked::default(),
            users: Tracked::default(),
            origins: Tracked::default(),
            refresh_tokens: Tracked::default(),
            groups: Tracked::default(),
            ui_customizations: Tracked::default(),
            risk_configurations: Tracked::default(),
            auth_events: Tracked::default(),
            outbox: Tracked::default(),
            existence_secret: random_secret_hex(),
            loaded_key: OnceLock::new(),
            domains: Tracked::default(),
            resource_servers: Tracked::default(),
            identity_providers: Tracked::default(),
            provider_links: Tracked::default(),
            import_jobs: Tracked::default(),
            oauth_codes: Tracked::default(),
            browser_sessions: Tracked::default(),
        };
        let _ = pool.loaded_key.set(Arc::new(key));
        Ok(pool)
    }

    /// The row of the pool itself in the store.
    pub fn header(&self) -> PoolHeaderRef<'_> {
        PoolHeaderRef {
            id: &self.id,
            created: self.created,
            last_modified: self.last_modified,
            settings: &self.settings,
            signing_key: &self.signing_key,
            existence_secret: &self.existence_secret,
        }
    }

    /// A pool rebuilt from its stored row; the child rows are added by the store.
    pub fn from_header(header: PoolHeader) -> Self {
        Self {
            id: header.id,
            created: header.created,
            last_modified: header.last_modified,
            settings: header.settings,
            signing_key: header.signing_key,
            clients: Tracked::default(),
            users: Tracked::default(),
            origins: Tracked::default(),
            refresh_tokens: Tracked::default(),
            groups: Tracked::default(),
            ui_customizations: Tracked::default(),
            risk_configurations: Tracked::default(),
            auth_events: Tracked::default(),
            outbox: Tracked::default(),
            existence_secret: header.existence_secret,
            loaded_key: OnceLock::new(),
            domains: Tracked::default(),
            resource_servers: Tracked::default(),
            identity_providers: Tracked::default(),
            provider_links: Tracked::default(),
            import_jobs: Tracked::default(),
            oauth_codes: Tracked::default(),
            browser_sessions: Tracked::default(),
        }
    }

    /// Marks every row of the pool changed (a new pool is written whole).
    pub fn mark_all(&mut self) {
        self.clients.mark_all();
        self.users.mark_all();
        self.origins.mark_all();
        self.refresh_tokens.mark_all();
        self.groups.mark_all();
        self.ui_customizations.mark_all();
        self.risk_configurations.mark_all();
        self.auth_events.mark_all();
        self.outbox.mark_all();
        self.domains.mark_all();
        self.resource_servers.mark_all();
        self.identity_providers.mark_all();
        self.provider_links.mark_all();
        self.import_jobs.mark_all();
        self.oauth_codes.mark_all();
        self.browser_sessions.mark_all();
    }

    /// The SRP "pool name": the part of the id after `_`.
    pub fn srp_name(&self) -> &str {
        self.id
            .split_once('_')
            .map_or(self.id.as_str(), |(_, name)| name)
    }

    /// The region: the part of the id before `_`.
    pub fn region(&self) -> &str {
        self.id
            .split_once('_')
            .map_or("us-east-1", |(region, _)| region)
    }

    /// Whether any child row changed since the store last committed.
    pub fn is_dirty(&self) -> bool {
        self.clients.is_dirty()
            || self.users.is_dirty()
            || self.origins.is_dirty()
            || self.refresh_tokens.is_dirty()
            || self.groups.is_dirty()
            || self.ui_customizations.is_dirty()
            || self.risk_configurations.is_dirty()
            || self.auth_events.is_dirty()
            || self.outbox.is_dirty()
            || self.domains.is_dirty()
            || self.resource_servers.is_dirty()
            || self.identity_providers.is_dirty()
            || self.provider_links.is_dirty()
            || self.import_jobs.is_dirty()
            || self.oauth_codes.is_dirty()
            || self.browser_sessions.is_dirty()
    }

    /// The signing key, parsed once.
    pub fn key(&self) -> ApiResult<Arc<PoolKey>> {
        if let Some(key) = self.loaded_key.get() {
            return Ok(key.clone());
        }
        let key = Arc::new(PoolKey::load(&self.signing_key)?);
        let _ = self.loaded_key.set(key.clone());
        Ok(key)
    }

    /// The effective password policy.
    pub fn password_policy(&self) -> PasswordPolicy {
        self.settings
            .policies
            .as_ref()
            .and_then(|p| p.password_policy.clone())
            .unwrap_or_default()
    }

    /// Usernames compare case-sensitively unless the pool says otherwise.
    pub fn case_sensitive(&self) -> bool {
        self.settings
            .username_configuration
            .as_ref()
            .is_none_or(|c| c.case_sensitive)
    }

    /// Whether `email` or `phone_number` is the username.
    pub fn uses_username_attributes(&self) -> bool {
        !self.settings.username_attributes.is_empty()
    }

    /// Finds a user by what someone typed: the internal username, or an email / phone number for
    /// UsernameAttributes pools, or a verified alias for AliasAttributes pools.
    pub fn find_username(&self, typed: &str) -> Option<String> {
        if self.users.contains_key(typed) {
            return Some(typed.to_string());
        }
        let folded = typed.to_lowercase();
        if !self.case_sensitive() {
            if let Some(user) = self
                .users
                .values()
                .find(|u| u.username.to_lowercase() == folded)
            {
                return Some(user.username.clone());
            }
        }
        for attribute in &self.settings.username_attributes {
            if let Some(user) = self.users.values().find(|u| {
                u.attributes
                    .get(attribute)
                    .is_some_and(|v| attribute_value_eq(attribute, v, typed))
            }) {
                return Some(user.username.clone());
            }
        }
        for alias in &self.settings.alias_attributes {
            if let Some(user) = self.users.values().find(|u| {
                u.attributes
                    .get(alias)
                    .is_some_and(|v| attribute_value_eq(alias, v, typed))
                    && (alias == "preferred_username" || u.is_verified(alias))
            }) {
                return Some(user.username.clone());
            }
        }
        None
    }

    /// Records a message the service would have delivered.
    /// Bounded twice: per recipient ([`OUTBOX_PER_USER`]) and per pool ([`OUTBOX_LIMIT`]); the
    /// oldest messages go first. Destinations are bounded by the attribute limits.
    pub fn send(&mut self, message: OutboxMessage) {
        let mine: Vec<u64> = self
            .outbox
            .iter()
            .filter(|(_, m)| m.username == message.username)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in mine
            .iter()
            .take((mine.len() + 1).saturating_sub(OUTBOX_PER_USER))
        {
            self.outbox.remove(seq);
        }
        let next = self.outbox.keys().next_back().map_or(1, |last| last + 1);
        self.outbox.insert(next, message);
        while self.outbox.len() > OUTBOX_LIMIT {
            let Some(oldest) = self.outbox.keys().next().copied() else {
                break;
            };
            self.outbox.remove(&oldest);
        }
    }

    /// Drops what has expired by `now`: lineages and refresh tokens past their expiry (or past
    /// the longest rotation grace), codes past theirs, and devices handed out but never
    /// confirmed. Only the rows that change are written.
    pub fn sweep(&mut self, now: i64) {
        self.refresh_tokens.retain(|_, record| {
            record.expires_at > now
                && record
                    .superseded_at
                    .is_none_or(|at| now <= at.saturating_add(MAX_ROTATION_GRACE))
        });
        self.origins.retain(|_, origin| origin.expires_at > now);
        self.users.update_each(|_, user| user.sweep(now));
        self.oauth_codes.retain(|_, code| code.expires_at > now);
        self.browser_sessions
            .retain(|_, session| session.expires_at > now);
    }

    /// Whether SMS MFA can be used in this pool.
    pub fn sms_mfa_available(&self) -> bool {
        self.settings.sms_mfa_configuration.is_some() || self.settings.sms_configuration.is_some()
    }

    /// Whether email MFA (the `EMAIL_OTP` challenge after a first factor) can be used in this
    /// pool: SetUserPoolMfaConfig gave an `EmailMfaConfiguration` (which needs the ESSENTIALS or
    /// PLUS tier and a DEVELOPER `EmailSendingAccount`).
    pub fn email_mfa_available(&self) -> bool {
        self.settings.email_mfa_configuration.is_some()
    }

    /// The pool's `UserPoolTier`: `LITE`, `ESSENTIALS` (the default) or `PLUS`.
    pub fn tier(&self) -> &str {
        self.settings.tier()
    }

    /// `Policies.SignInPolicy.AllowedFirstAuthFactors`: the first factors USER_AUTH may offer
    /// (`["PASSWORD"]` when none were set).
    pub fn allowed_first_auth_factors(&self) -> Vec<String> {
        self.settings.allowed_first_auth_factors()
    }

    /// Whether `factor` (`PASSWORD`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`) is an allowed first
    /// factor of USER_AUTH sign-in.
    pub fn allows_first_factor(&self, factor: &str) -> bool {
        self.allowed_first_auth_factors()
            .iter()
            .any(|f| f == factor)
    }

    /// The pool's passkey relying party (`WebAuthnConfiguration` of SetUserPoolMfaConfig), if set.
    pub fn web_authn(&self) -> Option<&WebAuthnConfiguration> {
        self.settings.web_authn_configuration.as_ref()
    }

    /// Whether a verified remembered device stands in for MFA (`ChallengeRequiredOnNewDevice`).
    pub fn device_replaces_mfa(&self) -> bool {
        self.settings
            .device_configuration
            .as_ref()
            .is_some_and(|c| c.challenge_required_on_new_device)
    }

    /// Attributes listed in `AttributesRequireVerificationBeforeUpdate`.
    pub fn attributes_requiring_verification(&self) -> &[String] {
        self.settings.attributes_require_verification()
    }

    /// Whether advanced security is on (`UserPoolAddOns.AdvancedSecurityMode` AUDIT or ENFORCED).
    pub fn advanced_security(&self) -> bool {
        self.settings
            .user_pool_add_ons
            .as_ref()
            .is_some_and(|a| a.advanced_security_mode != "OFF")
    }

    /// Whether TOTP MFA can be used in this pool.
    pub fn totp_mfa_available(&self) -> bool {
        self.settings
            .software_token_mfa_configuration
            .as_ref()
            .is_some_and(|c| c.enabled)
    }

    /// The app client `client_id` of this pool (`ResourceNotFoundException` when it has none).
    pub fn client(&self, client_id: &str) -> ApiResult<&AppClient> {
        self.clients.get(client_id).ok_or_else(client_not_found)
    }

    /// A user by internal username, or UserNotFoundException.
    pub fn user(&self, username: &str) -> ApiResult<&User> {
        self.users
            .get(username)
            .ok_or_else(ApiError::user_not_found)
    }

    /// A mutable user by internal username, or UserNotFoundException.
    pub fn user_mut(&mut self, username: &str) -> ApiResult<&mut User> {
        self.users
            .get_mut(username)
            .ok_or_else(ApiError::user_not_found)
    }
}

/// Emails compare case-insensitively; other identifiers exactly.
fn attribute_value_eq(attribute: &str, stored: &str, typed: &str) -> bool {
    if attribute == "email" {
        stored.eq_ignore_ascii_case(typed)
    } else {
        stored == typed
    }
}

/// Everything the emulator persists.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Db {
    /// Pools by id.
    pub pools: Tracked<String, Pool>,
    /// A write of the size of a code delivery is due although nothing changed: an answer that
    /// pretends a code went out to a user who does not exist (PreventUserExistenceErrors) must
    /// take as long as a real delivery, which commits a transaction.
    #[serde(skip)]
    pub decoy: bool,
}

impl Db {
    /// The pool id that owns a client id.
    pub fn pool_id_of_client(&self, client_id: &str) -> Option<String> {
        self.pools
            .values()
            .find(|pool| pool.clients.contains_key(client_id))
            .map(|pool| pool.id.clone())
    }

    /// A pool by id, or the service's ResourceNotFoundException.
    pub fn pool(&self, pool_id: &str) -> ApiResult<&Pool> {
        self.pools
            .get(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))
    }

    /// Asks the store for a decoy write (see [`Db::decoy`]).
    pub fn decoy_write(&mut self) {
        self.decoy = true;
    }

    /// Runs [`Pool::sweep`] on every pool.
    pub fn sweep(&mut self, now: i64) {
        self.pools.update_each(|_, pool| {
            pool.sweep(now);
            pool.is_dirty()
        });
    }

    /// A mutable pool by id.
    pub fn pool_mut(&mut self, pool_id: &str) -> ApiResult<&mut Pool> {
        self.pools
            .get_mut(pool_id)
            .ok_or_else(|| pool_not_found(pool_id))
    }
}

/// The service's error for an unknown pool.
pub fn pool_not_found(pool_id: &str) -> ApiError {
    ApiError::resource_not_found(format!("User pool {pool_id} does not exist."))
}

/// The service's error for an unknown client id.
pub fn client_not_found() -> ApiError {
    ApiError::resource_not_found("User pool client does not exist.")
}
