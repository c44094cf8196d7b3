//! Users: lookup, creation, confirmation, passwords, attribute changes and the `UserType` shape.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::common::{self, date};
use crate::error::{ApiError, ApiResult};
use crate::model::{status, PasswordRecord, Pool, User};
use crate::params::Params;
use crate::srp;

/// The `UserType` shape of AdminCreateUser / ListUsers.
pub fn user_type(user: &User) -> Value {
    json!({
        "Username": user.username,
        "Attributes": user.attribute_list(None),
        "UserCreateDate": date(user.created),
        "UserLastModifiedDate": date(user.last_modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    })
}

/// How a user came to be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creation {
    /// SignUp (`PreSignUp_SignUp`).
    SignUp,
    /// AdminCreateUser (`PreSignUp_AdminCreateUser`).
    AdminCreateUser,
    /// A row of a user import job (no trigger in the service).
    Import,
    /// A user of the `--config` file (no trigger).
    Config,
    /// A user UserMigration brought in at a sign-in or ForgotPassword (no PreSignUp).
    Migration,
}

/// Creates a user record in `pool`: the one place every new user comes from (SignUp,
/// AdminCreateUser, user import, `--config`; sign-in through an external provider will too).
/// Returns the internal username.
///
/// PreSignUp ([`super::hooks::pre_sign_up`]) has run before, outside the state lock, for SignUp
/// and AdminCreateUser (`how`); none runs for import, config and migration. PostConfirmation
/// runs after [`confirm_user`].
pub fn create_user(
    pool: &mut Pool,
    typed_username: &str,
    password: &str,
    attributes: &[(String, String)],
    user_status: &str,
    how: Creation,
    now: i64,
) -> ApiResult<String> {
    let sub = uuid::Uuid::new_v4().to_string();
    create_user_as(
        pool,
        &sub,
        typed_username,
        password,
        attributes,
        user_status,
        how,
        now,
    )
}

/// The internal username a user created from `typed_username` with `sub` will have: the sub
/// in pools whose usernames are emails or phone numbers, the name typed otherwise. PreSignUp
/// and CustomMessage, which run before the user exists, are sent it as `userName`.
pub fn future_username(pool: &Pool, sub: &str, typed_username: &str) -> String {
    if pool.uses_username_attributes() {
        sub.to_string()
    } else {
        typed_username.to_string()
    }
}

/// [`create_user`] with the `sub` chosen beforehand (so the triggers that run before the user
/// exists can be told its name).
#[allow(clippy::too_many_arguments)]
pub fn create_user_as(
    pool: &mut Pool,
    sub: &str,
    typed_username: &str,
    password: &str,
    attributes: &[(String, String)],
    user_status: &str,
    how: Creation,
    now: i64,
) -> ApiResult<String> {
    common::check_attribute_names(pool, attributes)?;
    let mut attribute_map: BTreeMap<String, String> = attributes.iter().cloned().collect();
    let sub = sub.to_string();
    let username = if pool.uses_username_attributes() {
        let allows_email = pool
            .settings
            .username_attributes
            .iter()
            .any(|a| a == "email");
        let allows_phone = pool
            .settings
            .username_attributes
            .iter()
            .any(|a| a == "phone_number");
        let attribute = if allows_email && common::looks_like_email(typed_username) {
            "email"
        } else if allows_phone && common::looks_like_phone(typed_username) {
            "phone_number"
        } else {
            // The service's words, by what the pool's UsernameAttributes allow.
            return Err(ApiError::invalid_parameter(
                match (allows_email, allows_phone) {
                    (true, false) => "Username should be an email.",
                    (false, true) => "Username should be a phone number.",
                    _ => "Username should be either an email or a phone number.",
                },
            ));
        };
        let taken = pool.users.values().any(|u| {
            u.attributes.get(attribute).is_some_and(|v| {
                if attribute == "email" {
                    v.eq_ignore_ascii_case(typed_username)
                } else {
                    v == typed_username
                }
            })
        });
        if taken {
            let what = if attribute == "email" {
                "email"
            } else {
                "phone_number"
            };
            return Err(ApiError::new(
                "UsernameExistsException",
                format!("An account with the given {what} already exists."),
            ));
        }
        attribute_map.insert(attribute.to_string(), typed_username.to_string());
        sub.clone()
    } else {
        if typed_username.chars().any(char::is_whitespace) || typed_username.len() > 128 {
            return Err(ApiError::invalid_parameter(
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
            ));
        }
        if pool.find_username(typed_username).is_some_and(|found| {
            found == typed_username
                || (!pool.case_sensitive() && found.to_lowercase() == typed_username.to_lowercase())
        }) {
            // The service's words differ by operation.
            let message = if matches!(how, Creation::AdminCreateUser) {
                "User account already exists"
            } else {
                "User already exists"
            };
            return Err(ApiError::new("UsernameExistsException", message));
        }
        typed_username.to_string()
    };
    let user = fresh_user(
        pool,
        &username,
        sub,
        attribute_map,
        user_status,
        password,
        now,
    );
    pool.users.insert(username.clone(), user);
    Ok(username)
}

/// A new user record with its password's verifier and nothing else set up yet.
fn fresh_user(
    pool: &Pool,
    username: &str,
    sub: String,
    attributes: BTreeMap<String, String>,
    user_status: &str,
    password: &str,
    now: i64,
) -> User {
    let (salt_hex, verifier_hex) = srp::new_verifier(pool.srp_name(), username, password);
    User {
        username: username.to_string(),
        sub,
        attributes,
        status: user_status.to_string(),
        enabled: true,
        created: now,
        last_modified: now,
        password: PasswordRecord {
            salt_hex,
            verifier_hex,
            set_at: now,
        },
        codes: BTreeMap::new(),
        totp_secret: None,
        pending_totp_secret: None,
        sms_mfa_enabled: false,
        software_token_mfa_enabled: false,
        preferred_mfa: None,
        devices: BTreeMap::new(),
        pending_attributes: BTreeMap::new(),
        groups: Default::default(),
        passwordless: false,
        email_mfa_enabled: false,
        webauthn_credentials: BTreeMap::new(),
    }
}

/// Creates the user of a first sign-in through an external identity provider: status
/// `EXTERNAL_PROVIDER`, its `identities` attribute, and no password that can sign it in (the
/// verifier is of 32 random bytes no one keeps). The username is `{ProviderName}_{subject}`
/// whatever the pool's UsernameAttributes, as on the service. No PreSignUp runs (the service's
/// `PreSignUp_ExternalProvider` is not emulated yet).
pub fn create_external_user(pool: &mut Pool, username: &str, identities: &str, now: i64) {
    let unusable = crate::crypto::b64url(&crate::crypto::random_bytes(32));
    let user = fresh_user(
        pool,
        username,
        uuid::Uuid::new_v4().to_string(),
        BTreeMap::from([("identities".to_string(), identities.to_string())]),
        status::EXTERNAL_PROVIDER,
        &unusable,
        now,
    );
    pool.users.insert(username.to_string(), user);
}

/// Resolves the `Username` of an admin call (internal name, or an email/alias as the service
/// accepts) to the internal username.
pub fn lookup(pool: &Pool, typed: &str) -> ApiResult<String> {
    pool.find_username(typed)
        .ok_or_else(ApiError::user_not_found)
}

/// How a user came to be confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// ConfirmSignUp with the sign-up code; `verified` is the channel (`email` or
    /// `phone_number`) the code went to (`PostConfirmation_ConfirmSignUp`).
    SignUp {
        /// The attribute the code proved.
        verified: Option<String>,
    },
    /// AdminConfirmSignUp (`PostConfirmation_ConfirmSignUp`).
    Admin,
    /// ConfirmForgotPassword (`PostConfirmation_ConfirmForgotPassword`): a RESET_REQUIRED user
    /// is CONFIRMED again.
    ForgotPassword,
}

/// Confirms a user: the one place a sign-up or password reset is confirmed (ConfirmSignUp,
/// AdminConfirmSignUp, ConfirmForgotPassword).
///
/// PostConfirmation ([`super::hooks::post_confirmation`]) runs after this, once the lock is
/// released.
pub fn confirm_user(pool: &mut Pool, username: &str, how: Confirmation, now: i64) -> ApiResult<()> {
    let user = pool.user_mut(username)?;
    match how {
        Confirmation::SignUp { verified } => {
            user.codes.remove("signup");
            user.status = status::CONFIRMED.to_string();
            if let Some(channel) = verified {
                user.attributes
                    .insert(format!("{channel}_verified"), "true".to_string());
            }
            user.last_modified = now;
        }
        Confirmation::Admin => {
            user.status = status::CONFIRMED.to_string();
            user.codes.remove("signup");
            user.last_modified = now;
        }
        Confirmation::ForgotPassword => {
            if user.status == status::RESET_REQUIRED {
                user.status = status::CONFIRMED.to_string();
            }
        }
    }
    Ok(())
}

/// Enables or disables a user (AdminEnableUser, AdminDisableUser, AdminDisableProviderForUser
/// of a Cognito user). Like the service, disabling a user revokes every token it holds;
/// enabling it again does not bring them back.
pub fn set_enabled(pool: &mut Pool, username: &str, enabled: bool, now: i64) -> ApiResult<()> {
    let user = pool.user_mut(username)?;
    user.enabled = enabled;
    user.last_modified = now;
    if !enabled {
        super::tokens::revoke_all(pool, username);
    }
    Ok(())
}

/// Deletes a user (AdminDeleteUser, DeleteUser), revoking every sign-in lineage first and
/// dropping the user's codes and browser sessions at the pool's domain: they name the user by
/// username, and a user created again under the same name is someone else.
pub fn delete_user(pool: &mut Pool, username: &str) {
    super::tokens::revoke_all(pool, username);
    pool.oauth_codes
        .retain(|_, grant| grant.username != username);
    pool.browser_sessions
        .retain(|_, session| session.username != username);
    pool.users.remove(username);
}

/// Sets a user's password verifier.
pub fn set_password(pool: &mut Pool, username: &str, password: &str, now: i64) -> ApiResult<()> {
    let (salt_hex, verifier_hex) = srp::new_verifier(pool.srp_name(), username, password);
    let user = pool.user_mut(username)?;
    user.password = PasswordRecord {
        salt_hex,
        verifier_hex,
        set_at: now,
    };
    user.last_modified = now;
    Ok(())
}

/// Verifies `channel` (`email` or `phone_number`) of `username` as a sign-in alias (an
/// AliasAttributes pool): refused with AliasExistsException while another user holds the same value
/// verified, unless `force` (`ForceAliasCreation`), which moves the alias here and leaves the other
/// user's value unverified.
pub fn claim_alias(pool: &mut Pool, username: &str, channel: &str, force: bool) -> ApiResult<()> {
    if !pool.settings.alias_attributes.iter().any(|a| a == channel) {
        return Ok(());
    }
    let Some(value) = pool.user(username)?.attributes.get(channel).cloned() else {
        return Ok(());
    };
    let verified = format!("{channel}_verified");
    let holders: Vec<String> = alias_holders(pool, username, channel, &value, true)
        .map(|other| other.username.clone())
        .collect();
    if holders.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(alias_exists(channel));
    }
    for holder in holders {
        pool.user_mut(&holder)?
            .attributes
            .insert(verified.clone(), "false".to_string());
    }
    Ok(())
}

/// The sign-in aliases a new user of AdminCreateUser takes (an AliasAttributes pool): the email or
/// phone number given with `<name>_verified` true. One that another user holds verified is refused
/// with AliasExistsException, unless `force` (`ForceAliasCreation`: the caller then moves it with
/// [`claim_alias`] once the user exists). Checked before the user is created, so that a refusal
/// leaves nothing behind.
pub fn new_user_aliases(
    pool: &Pool,
    attributes: &[(String, String)],
    force: bool,
) -> ApiResult<Vec<&'static str>> {
    let given = |name: &str| {
        attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut channels = Vec::new();
    for channel in ["email", "phone_number"] {
        if !pool.settings.alias_attributes.iter().any(|a| a == channel) {
            continue;
        }
        let verified = given(&format!("{channel}_verified")).is_some_and(common::truthy);
        let Some(value) = given(channel).filter(|_| verified) else {
            continue;
        };
        if !force
            && alias_holders(pool, "", channel, value, true)
                .next()
                .is_some()
        {
            return Err(alias_exists(channel));
        }
        channels.push(channel);
    }
    Ok(channels)
}

/// AliasExistsException for an email or phone number (`name`) another user holds.
fn alias_exists(name: &str) -> ApiError {
    ApiError::new(
        "AliasExistsException",
        format!("An account with the given {name} already exists."),
    )
}

/// The users other than `username` whose `name` (email or phone_number) is `value`, ignoring case;
/// with `verified_only`, only those who verified it.
fn alias_holders<'a>(
    pool: &'a Pool,
    username: &'a str,
    name: &'a str,
    value: &'a str,
    verified_only: bool,
) -> impl Iterator<Item = &'a User> + 'a {
    let verified = format!("{name}_verified");
    pool.users.values().filter(move |other| {
        other.username != username
            && other
                .attributes
                .get(name)
                .is_some_and(|v| v.eq_ignore_ascii_case(value))
            && (!verified_only
                || other
                    .attributes
                    .get(&verified)
                    .is_some_and(|v| super::common::truthy(v)))
    })
}

/// Refuses an email / phone number another user already signs in with (UsernameAttributes or
/// AliasAttributes pools).
pub fn check_alias_free(pool: &Pool, username: &str, name: &str, value: &str) -> ApiResult<()> {
    if (name == "email" || name == "phone_number")
        && (pool.uses_username_attributes()
            || pool.settings.alias_attributes.iter().any(|a| a == name))
        && alias_holders(pool, username, name, value, false)
            .next()
            .is_some()
    {
        return Err(alias_exists(name));
    }
    Ok(())
}

/// Applies attribute changes: a changed email/phone loses its verified flag unless the caller
/// sets it; returns the attributes that now need verification. With
/// `AttributesRequireVerificationBeforeUpdate`, a new value for a verified email/phone waits in
/// `pending_attributes` (the old, verified value stays) until VerifyUserAttribute confirms it —
/// unless the same call sets `<name>_verified` to true.
pub fn apply_attribute_changes(
    pool: &mut Pool,
    username: &str,
    changes: &[(String, String)],
    now: i64,
) -> ApiResult<Vec<String>> {
    common::check_attribute_names(pool, changes)?;
    super::schema::check_mutable(pool, changes)?;
    for (name, value) in changes {
        check_alias_free(pool, username, name, value)?;
    }
    let require_verification = pool.attributes_requiring_verification().to_vec();
    let user = pool.user_mut(username)?;
    let mut needs_verification = Vec::new();
    for (name, value) in changes {
        let changed = user.attributes.get(name) != Some(value);
        if name == "email" || name == "phone_number" {
            let flag = format!("{name}_verified");
            let verified_in_call = changes.iter().any(|(n, v)| *n == flag && common::truthy(v));
            if !changed {
                // Setting the current value again drops a pending change.
                user.pending_attributes.remove(name);
            } else if require_verification.contains(name)
                && user.is_verified(name)
                && !verified_in_call
            {
                user.pending_attributes.insert(name.clone(), value.clone());
                needs_verification.push(name.clone());
                continue;
            } else {
                user.pending_attributes.remove(name);
            }
        }
        user.attributes.insert(name.clone(), value.clone());
        if (name == "email" || name == "phone_number") && changed {
            let flag = format!("{name}_verified");
            let explicitly_set = changes.iter().any(|(n, _)| *n == flag);
            if !explicitly_set {
                user.attributes.insert(flag, "false".to_string());
                needs_verification.push(name.clone());
            }
        }
    }
    user.last_modified = now;
    Ok(needs_verification)
}

/// Adds `UserMFASettingList` / `PreferredMfaSetting` to a GetUser-shaped reply.
pub fn add_mfa_settings(user: &User, out: &mut Value) {
    let list = user.mfa_setting_list();
    if !list.is_empty() {
        out["UserMFASettingList"] = json!(list);
    }
    if let Some(preferred) = &user.preferred_mfa {
        out["PreferredMfaSetting"] = json!(preferred);
    }
}

/// Applies `SMSMfaSettings` / `SoftwareTokenMfaSettings` / `EmailMfaSettings` of
/// (Admin)SetUserMFAPreference; `email_mfa_available` is the pool's
/// [`crate::model::Pool::email_mfa_available`]. Everything is checked before anything changes.
pub fn apply_mfa_preference(
    email_mfa_available: bool,
    user: &mut User,
    params: &Params<'_>,
) -> ApiResult<()> {
    let email = params.opt_object("EmailMfaSettings")?;
    let email = match email {
        None => None,
        Some(settings) => {
            let enabled = settings.opt_bool("Enabled")?;
            let preferred = settings.opt_bool("PreferredMfa")?;
            if enabled == Some(true) || preferred == Some(true) {
                if !email_mfa_available {
                    return Err(ApiError::invalid_parameter(
                        "Email MFA is not enabled for this user pool.",
                    ));
                }
                if !user.is_verified("email") {
                    return Err(ApiError::invalid_parameter(
                        "User does not have a verified email address for email MFA.",
                    ));
                }
            }
            Some((enabled, preferred))
        }
    };
    let sms = match params.opt_object("SMSMfaSettings")? {
        None => None,
        Some(settings) => {
            let enabled = settings.opt_bool("Enabled")?;
            let preferred = settings.opt_bool("PreferredMfa")?;
            if (enabled == Some(true) || preferred == Some(true))
                && user.attr("phone_number").is_none()
            {
                return Err(no_sms_delivery());
            }
            Some((enabled, preferred))
        }
    };
    if let Some(settings) = params.opt_object("SoftwareTokenMfaSettings")? {
        let enabled = settings.opt_bool("Enabled")?;
        let preferred = settings.opt_bool("PreferredMfa")?;
        if (enabled == Some(true) || preferred == Some(true)) && user.totp_secret.is_none() {
            return Err(ApiError::invalid_parameter(
                "User has not verified software token mfa",
            ));
        }
        if let Some(enabled) = enabled {
            user.software_token_mfa_enabled = enabled;
        }
        set_preferred(
            user,
            "SOFTWARE_TOKEN_MFA",
            preferred,
            user.software_token_mfa_enabled,
        );
    }
    if let Some((enabled, preferred)) = sms {
        if let Some(enabled) = enabled {
            user.sms_mfa_enabled = enabled;
        }
        set_preferred(user, "SMS_MFA", preferred, user.sms_mfa_enabled);
    }
    if let Some((enabled, preferred)) = email {
        if let Some(enabled) = enabled {
            user.email_mfa_enabled = enabled;
        }
        set_preferred(user, "EMAIL_OTP", preferred, user.email_mfa_enabled);
    }
    Ok(())
}

/// SMS MFA turned on for a user without a phone number, as the service refuses it.
pub fn no_sms_delivery() -> ApiError {
    ApiError::invalid_parameter("User does not have delivery config set to turn on SMS_MFA")
}

/// Sets or clears the preferred MFA method of a user.
pub fn set_preferred(user: &mut User, method: &str, preferred: Option<bool>, enabled: bool) {
    let is_current = user.preferred_mfa.as_deref() == Some(method);
    if preferred == Some(true) && enabled {
        user.preferred_mfa = Some(method.to_string());
    } else if is_current && (preferred == Some(false) || !enabled) {
        user.preferred_mfa = None;
    }
}

/// The first factors of choice-based sign-in the pool allows (`SignInPolicy`) and this user can
/// use, in the order offered: a passkey, an emailed code, a texted code, the password (in clear
/// or by SRP). For a user hidden by PreventUserExistenceErrors (`user` None) the factors a user
/// with the name typed could have, without passkeys.
pub fn first_factors(pool: &Pool, user: Option<&User>, typed: &str) -> Vec<String> {
    let allowed: Vec<String> = pool
        .settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .map(|p| p.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec!["PASSWORD".to_string()]);
    // MFA and passwordless sign-in do not go together (the service's MFA prerequisites): in a pool
    // that requires MFA, and for a user with an MFA factor on, only the password factors remain.
    let mfa = match pool.settings.mfa_configuration.as_str() {
        "ON" => true,
        "OFF" => false,
        _ => user.is_some_and(|u| {
            u.sms_mfa_enabled || u.software_token_mfa_enabled || u.email_mfa_enabled
        }),
    };
    let allows =
        |factor: &str| allowed.iter().any(|a| a == factor) && (!mfa || factor == "PASSWORD");
    let mut out = Vec::new();
    let has_passkey = user.is_some_and(|u| !u.webauthn_credentials.is_empty());
    if allows("WEB_AUTHN") && has_passkey && super::webauthn::relying_party(pool).is_ok() {
        out.push("WEB_AUTHN".to_string());
    }
    let email = user.map_or(super::common::looks_like_email(typed), |u| {
        u.is_verified("email")
    });
    if allows("EMAIL_OTP") && email {
        out.push("EMAIL_OTP".to_string());
    }
    let phone = user.map_or(super::common::looks_like_phone(typed), |u| {
        u.is_verified("phone_number")
    });
    if allows("SMS_OTP") && phone {
        out.push("SMS_OTP".to_string());
    }
    if allows("PASSWORD") && !user.is_some_and(|u| u.passwordless) {
        out.push("PASSWORD".to_string());
        out.push("PASSWORD_SRP".to_string());
    }
    out
}
