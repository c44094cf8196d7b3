//! The account: sign-up, passwords, the user and attributes, MFA settings, devices.

use super::*;

/// One request of the account that stands alone, the caller reading its reply. Every such request,
/// whether a Rust app's typed method or the package's JSON method makes it, is built here and sent by
/// [`CognitoAuth::run`]: one place for each request body, for whether it carries the access token
/// (and so is refreshed and repeated when the service calls the token expired) and for whether it is
/// retried — and in the wasm, one await for all of them instead of a state machine each.
#[derive(Clone, Copy)]
pub(crate) enum Call<'a> {
    /// `SignUp`: a username, a password and attributes.
    SignUp(&'a str, &'a str, &'a [op::AttributeType]),
    /// `ConfirmSignUp`: a username and the code.
    ConfirmSignUp(&'a str, &'a str),
    /// `ResendConfirmationCode`: a username.
    ResendSignUpCode(&'a str),
    /// `ForgotPassword`: a username.
    ForgotPassword(&'a str),
    /// `ConfirmForgotPassword`: a username, the code and the new password.
    ConfirmForgotPassword(&'a str, &'a str, &'a str),
    /// `ChangePassword`: the old and the new password.
    ChangePassword(&'a str, &'a str),
    /// `GetUser`.
    GetUser,
    /// `UpdateUserAttributes`.
    UpdateUserAttributes(&'a [op::AttributeType]),
    /// `VerifyUserAttribute`: the attribute and the code.
    VerifyUserAttribute(&'a str, &'a str),
    /// `GetUserAttributeVerificationCode`: the attribute.
    SendAttributeCode(&'a str),
    /// `DeleteUserAttributes`.
    DeleteUserAttributes(&'a [&'a str]),
    /// `DeleteUser`.
    DeleteUser,
    /// `GlobalSignOut`.
    GlobalSignOut,
    /// `AssociateSoftwareToken` with the access token.
    AssociateSoftwareToken,
    /// `VerifySoftwareToken` with the access token: the code and a name for the authenticator.
    VerifySoftwareToken(&'a str, Option<&'a str>),
    /// `SetUserMFAPreference`: TOTP, SMS, email.
    SetMfaPreference(
        Option<op::MfaSettings>,
        Option<op::MfaSettings>,
        Option<op::MfaSettings>,
    ),
    /// `UpdateDeviceStatus` to remembered: the device key.
    RememberDevice(&'a str),
    /// `ForgetDevice`: the device key.
    ForgetDevice(&'a str),
    /// `GetDevice`: the device key.
    GetDevice(&'a str),
    /// `ListDevices`: the page to read (`None`: the first).
    ListDevices(Option<&'a str>),
}

impl Call<'_> {
    /// `None` for a request made without a session; for one that carries the access token, whether
    /// it only reads (then network failures, throttling and 5xx are retried).
    fn access(&self) -> Option<bool> {
        match self {
            Call::SignUp(..)
            | Call::ConfirmSignUp(..)
            | Call::ResendSignUpCode(_)
            | Call::ForgotPassword(_)
            | Call::ConfirmForgotPassword(..) => None,
            Call::GetUser | Call::GetDevice(_) | Call::ListDevices(_) => Some(true),
            _ => Some(false),
        }
    }

    /// The request, with `token` as the access token where it carries one.
    fn request(&self, client_id: &str, hash: Option<&str>, token: &str) -> Result<ApiRequest> {
        let t = Some(token);
        match *self {
            Call::SignUp(username, password, user_attributes) => op::SignUp {
                client_id,
                secret_hash: hash,
                username,
                password,
                user_attributes,
                client_metadata: None,
            }
            .request(),
            Call::ConfirmSignUp(username, confirmation_code) => op::ConfirmSignUp {
                client_id,
                secret_hash: hash,
                username,
                confirmation_code,
                force_alias_creation: None,
                session: None,
            }
            .request(),
            Call::ResendSignUpCode(username) => op::ResendConfirmationCode {
                client_id,
                secret_hash: hash,
                username,
            }
            .request(),
            Call::ForgotPassword(username) => op::ForgotPassword {
                client_id,
                secret_hash: hash,
                username,
            }
            .request(),
            Call::ConfirmForgotPassword(username, confirmation_code, password) => {
                op::ConfirmForgotPassword {
                    client_id,
                    secret_hash: hash,
                    username,
                    confirmation_code,
                    password,
                }
                .request()
            }
            Call::ChangePassword(previous_password, proposed_password) => op::ChangePassword {
                previous_password,
                proposed_password,
                access_token: token,
            }
            .request(),
            Call::GetUser => op::GetUser {
                access_token: token,
            }
            .request(),
            Call::UpdateUserAttributes(user_attributes) => op::UpdateUserAttributes {
                user_attributes,
                access_token: token,
            }
            .request(),
            Call::VerifyUserAttribute(attribute_name, code) => op::VerifyUserAttribute {
                access_token: token,
                attribute_name,
                code,
            }
            .request(),
            Call::SendAttributeCode(attribute_name) => op::GetUserAttributeVerificationCode {
                access_token: token,
                attribute_name,
            }
            .request(),
            Call::DeleteUserAttributes(user_attribute_names) => op::DeleteUserAttributes {
                user_attribute_names,
                access_token: token,
            }
            .request(),
            Call::DeleteUser => op::DeleteUser {
                access_token: token,
            }
            .request(),
            Call::GlobalSignOut => op::GlobalSignOut {
                access_token: token,
            }
            .request(),
            Call::AssociateSoftwareToken => op::AssociateSoftwareToken {
                access_token: t,
                session: None,
            }
            .request(),
            Call::VerifySoftwareToken(user_code, friendly_device_name) => op::VerifySoftwareToken {
                access_token: t,
                session: None,
                user_code,
                friendly_device_name,
            }
            .request(),
            Call::SetMfaPreference(totp, sms, email) => op::SetUserMfaPreference {
                sms_mfa_settings: sms,
                software_token_mfa_settings: totp,
                email_mfa_settings: email,
                access_token: token,
            }
            .request(),
            Call::RememberDevice(device_key) => op::UpdateDeviceStatus {
                access_token: token,
                device_key,
                device_remembered_status: "remembered",
            }
            .request(),
            Call::ForgetDevice(device_key) => op::ForgetDevice {
                access_token: t,
                device_key,
            }
            .request(),
            Call::GetDevice(device_key) => op::GetDevice {
                device_key,
                access_token: t,
            }
            .request(),
            Call::ListDevices(pagination_token) => op::ListDevices {
                access_token: token,
                limit: Some(60),
                pagination_token,
            }
            .request(),
        }
    }

    /// The username whose SECRET_HASH the request carries.
    fn username(&self) -> Option<&str> {
        match *self {
            Call::SignUp(u, ..)
            | Call::ConfirmSignUp(u, _)
            | Call::ResendSignUpCode(u)
            | Call::ForgotPassword(u)
            | Call::ConfirmForgotPassword(u, ..) => Some(u),
            _ => None,
        }
    }
}

/// Reads the reply to a [`Call`] as `T`.
pub(crate) fn reply_as<T: FromJson>(reply: &HttpReply) -> Result<T> {
    crate::api::parse_reply::<T>(reply.status, reply.error_type.as_deref(), &reply.body)
}

/// The outcome of `VerifySoftwareToken`: anything but `SUCCESS` (or no status) is a failure.
pub(crate) fn totp_verified(reply: op::VerifySoftwareTokenReply) -> Result<()> {
    match reply.status.as_deref() {
        Some("SUCCESS") | None => Ok(()),
        Some(other) => Err(Error::Service(crate::error::ServiceError {
            code: "EnableSoftwareTokenMFAException".into(),
            message: format!("verification status {other}"),
            status: 400,
        })),
    }
}

/// Attribute name/value pairs as the service's attribute list.
pub(crate) fn attribute_types(attributes: &[(String, String)]) -> Vec<op::AttributeType> {
    attributes
        .iter()
        .map(|(n, v)| op::AttributeType {
            name: n.clone(),
            value: v.clone(),
        })
        .collect()
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    /// Sends one [`Call`]; the reply, failure or not, is the caller's to read with [`reply_as`].
    pub(crate) async fn run(&self, call: Call<'_>) -> Result<HttpReply> {
        Ok(match call.access() {
            None => {
                let hash = call.username().and_then(|u| self.secret_hash(u));
                self.exchange(call.request(&self.config.client_id, hash.as_deref(), ""))
                    .await?
            }
            Some(idempotent) => {
                self.exchange_authed(idempotent, &|token| {
                    call.request(&self.config.client_id, None, token)
                })
                .await?
            }
        })
    }

    /// [`CognitoAuth::run`], the reply read as `T`.
    pub(super) async fn run_as<T: FromJson>(&self, call: Call<'_>) -> Result<T> {
        reply_as::<T>(&self.run(call).await?)
    }

    // ---------------------------------------------------------------- sign-up and passwords

    /// Registers a user. `attributes` are name/value pairs (e.g. `email`).
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
    ) -> Result<op::SignUpReply> {
        let attrs = attribute_types(attributes);
        self.run_as(Call::SignUp(username, password, &attrs)).await
    }

    /// Confirms a registration with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::ConfirmSignUp(username, code))
            .await
            .map(drop)
    }

    /// Sends the sign-up code again.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self.run_as(Call::ResendSignUpCode(username)).await?;
        Ok(reply.code_delivery_details)
    }

    /// Starts a password reset: the service sends a code.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self.run_as(Call::ForgotPassword(username)).await?;
        Ok(reply.code_delivery_details)
    }

    /// Sets a new password with the reset code.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<()> {
        self.run_as::<op::Empty>(Call::ConfirmForgotPassword(username, code, new_password))
            .await
            .map(drop)
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(&self, old_password: &str, new_password: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::ChangePassword(old_password, new_password))
            .await
            .map(drop)
    }

    // ---------------------------------------------------------------- the user

    /// The signed-in user's name and attributes.
    pub async fn get_user(&self) -> Result<op::GetUserReply> {
        self.run_as(Call::GetUser).await
    }

    /// Sets attributes; changed email/phone numbers get verification codes.
    pub async fn update_user_attributes(
        &self,
        attributes: &[(String, String)],
    ) -> Result<Vec<op::CodeDeliveryDetails>> {
        let attrs = attribute_types(attributes);
        let reply: op::UpdateUserAttributesReply =
            self.run_as(Call::UpdateUserAttributes(&attrs)).await?;
        Ok(reply.code_delivery_details_list)
    }

    /// Verifies `email` or `phone_number` with the code the user received.
    pub async fn verify_user_attribute(&self, attribute: &str, code: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::VerifyUserAttribute(attribute, code))
            .await
            .map(drop)
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_user_attribute_verification_code(
        &self,
        attribute: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self.run_as(Call::SendAttributeCode(attribute)).await?;
        Ok(reply.code_delivery_details)
    }

    /// Deletes attributes.
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<()> {
        self.run_as::<op::Empty>(Call::DeleteUserAttributes(names))
            .await
            .map(drop)
    }

    /// Deletes the signed-in user, then clears the local session and the device kept for the user
    /// (the service deleted the device with the user: presenting its key again would fail).
    pub async fn delete_user(&self) -> Result<()> {
        let record = self.load_record().await?;
        self.run_as::<op::Empty>(Call::DeleteUser).await?;
        self.user_deleted(&record).await
    }

    /// What follows a deleted user: the device kept for it and the session go.
    async fn user_deleted(&self, record: &TokenRecord) -> Result<()> {
        self.storage
            .remove(&self.keys.device(&record.signed_in_as))
            .await?;
        self.end_session(&record.stored_as).await
    }

    // ---------------------------------------------------------------- MFA

    /// Starts setting up an authenticator app for the signed-in user: the secret and an otpauth URI.
    pub async fn set_up_totp(&self, issuer: Option<&str>) -> Result<(String, String)> {
        let record = self.load_record().await?;
        let reply = self.run_as(Call::AssociateSoftwareToken).await?;
        Ok(self.totp_setup(issuer, &record, reply))
    }

    /// The secret and the otpauth URI of an authenticator app's setup. The app's entry is labelled
    /// with the name the user signs in with (an email, say), not the pool's internal user id.
    fn totp_setup(
        &self,
        issuer: Option<&str>,
        record: &TokenRecord,
        reply: op::AssociateSoftwareTokenReply,
    ) -> (String, String) {
        let uri = otpauth_uri(
            issuer.unwrap_or(&self.pool_name),
            &record.signed_in_as,
            &reply.secret_code,
        );
        (reply.secret_code, uri)
    }

    /// Finishes the setup with a code from the app.
    pub async fn verify_totp_setup(&self, code: &str, device_name: Option<&str>) -> Result<()> {
        totp_verified(
            self.run_as(Call::VerifySoftwareToken(code, device_name))
                .await?,
        )
    }

    /// Sets which MFA methods are enabled and preferred.
    pub async fn set_mfa_preference(
        &self,
        totp: Option<op::MfaSettings>,
        sms: Option<op::MfaSettings>,
        email: Option<op::MfaSettings>,
    ) -> Result<()> {
        self.run_as::<op::Empty>(Call::SetMfaPreference(totp, sms, email))
            .await
            .map(drop)
    }

    // ---------------------------------------------------------------- devices

    /// The device record kept for the signed-in user, and its storage key.
    async fn local_device(&self) -> Result<(String, Option<DeviceRecord>)> {
        let record = self.load_record().await?;
        let key = self.keys.device(&record.signed_in_as);
        let device = self.load_json::<DeviceRecord>(&key).await?;
        Ok((key, device))
    }

    /// Remembers this device: later sign-ins skip MFA through device SRP (where the pool allows).
    pub async fn remember_device(&self) -> Result<()> {
        let (key, device) = self.local_device().await?;
        let mut device =
            device.ok_or_else(|| invalid_state("this sign-in has no device to remember"))?;
        self.run_as::<op::Empty>(Call::RememberDevice(&device.device_key))
            .await?;
        device.remembered = true;
        self.save_json(&key, &device).await
    }

    /// Forgets a device (this one when `device_key` is `None`) on the service, and locally when it is
    /// this one.
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<()> {
        let (key, local) = self.local_device().await?;
        let target = match (device_key, &local) {
            (Some(k), _) => k.to_string(),
            (None, Some(d)) => d.device_key.clone(),
            (None, None) => return Err(invalid_state("no device is remembered here")),
        };
        self.run_as::<op::Empty>(Call::ForgetDevice(&target))
            .await?;
        if local.is_some_and(|d| d.device_key == target) {
            self.storage.remove(&key).await?;
        }
        Ok(())
    }

    /// One of the user's devices (this one when `device_key` is `None`).
    pub async fn get_device(&self, device_key: Option<&str>) -> Result<op::DeviceType> {
        let key = match device_key {
            Some(k) => k.to_string(),
            None => self
                .local_device()
                .await?
                .1
                .map(|d| d.device_key)
                .ok_or_else(|| invalid_state("no device is kept here"))?,
        };
        let reply: op::GetDeviceReply = self.run_as(Call::GetDevice(&key)).await?;
        Ok(reply.device)
    }

    /// The user's devices.
    pub async fn list_devices(&self) -> Result<Vec<op::DeviceType>> {
        let mut devices = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let reply: op::ListDevicesReply =
                self.run_as(Call::ListDevices(page.as_deref())).await?;
            devices.extend(reply.devices);
            match reply.pagination_token {
                Some(next) if !next.is_empty() => page = Some(next),
                _ => return Ok(devices),
            }
        }
    }
}
