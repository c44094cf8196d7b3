//! The account: sign-up and confirmation, passwords, the user and attributes, MFA settings.

use super::*;

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
    /// The password; `None` for a user who signs in without one (choice-based sign-in).
    pub password: Option<&'a str>,
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

impl WriteJson for SignUp<'_> {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("ClientId", self.client_id);
        w.opt_str("SecretHash", self.secret_hash);
        w.str("Username", self.username);
        w.opt_str("Password", self.password);
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

impl FromJson for SignUpReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("UserConfirmed", Want::Bool),
                ("UserSub", Want::OptStr),
                ("CodeDeliveryDetails", Want::Any),
                ("Session", Want::OptStr),
            ],
        )?;
        Ok(SignUpReply {
            code_delivery_details: s.opt(2)?,
            user_confirmed: s.flag(0),
            user_sub: s.text(1),
            session: s.text(3),
        })
    }
}

impl FromJson for ConfirmSignUpReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("Session", Want::OptStr)])?;
        Ok(ConfirmSignUpReply { session: s.text(0) })
    }
}

impl FromJson for GetUserReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[
                ("Username", Want::Str),
                ("UserAttributes", Want::List),
                ("PreferredMfaSetting", Want::OptStr),
                ("UserMFASettingList", Want::List),
            ],
        )?;
        Ok(GetUserReply {
            user_attributes: s.list(1)?,
            user_mfa_setting_list: s.list(3)?,
            username: s.string(0),
            preferred_mfa_setting: s.text(2),
        })
    }
}

impl FromJson for UpdateUserAttributesReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(value, &[("CodeDeliveryDetailsList", Want::List)])?;
        Ok(UpdateUserAttributesReply {
            code_delivery_details_list: s.list(0)?,
        })
    }
}

impl FromJson for AssociateSoftwareTokenReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[("SecretCode", Want::Str), ("Session", Want::OptStr)],
        )?;
        Ok(AssociateSoftwareTokenReply {
            secret_code: s.string(0),
            session: s.text(1),
        })
    }
}

impl FromJson for VerifySoftwareTokenReply {
    fn from_json(value: Json) -> Read<Self> {
        let mut s = Slots::of(
            value,
            &[("Status", Want::OptStr), ("Session", Want::OptStr)],
        )?;
        Ok(VerifySoftwareTokenReply {
            status: s.text(0),
            session: s.text(1),
        })
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
