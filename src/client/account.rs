//! The account: sign-up, passwords, the user and attributes, MFA settings, devices.

use super::*;

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    // ---------------------------------------------------------------- sign-up and passwords

    /// Registers a user. `attributes` are name/value pairs (e.g. `email`).
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
    ) -> Result<op::SignUpReply> {
        let attrs: Vec<op::AttributeType> = attributes
            .iter()
            .map(|(n, v)| op::AttributeType {
                name: n.clone(),
                value: v.clone(),
            })
            .collect();
        let hash = self.secret_hash(username);
        self.call(&op::SignUp {
            client_id: &self.config.client_id,
            secret_hash: hash.as_deref(),
            username,
            password,
            user_attributes: &attrs,
            client_metadata: None,
        })
        .await
    }

    /// Confirms a registration with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<()> {
        let hash = self.secret_hash(username);
        self.call(&op::ConfirmSignUp {
            client_id: &self.config.client_id,
            secret_hash: hash.as_deref(),
            username,
            confirmation_code: code,
            force_alias_creation: None,
            session: None,
        })
        .await
        .map(|_| ())
    }

    /// Sends the sign-up code again.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let hash = self.secret_hash(username);
        let reply = self
            .call(&op::ResendConfirmationCode {
                client_id: &self.config.client_id,
                secret_hash: hash.as_deref(),
                username,
            })
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Starts a password reset: the service sends a code.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<op::CodeDeliveryDetails>> {
        let hash = self.secret_hash(username);
        let reply = self
            .call(&op::ForgotPassword {
                client_id: &self.config.client_id,
                secret_hash: hash.as_deref(),
                username,
            })
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Sets a new password with the reset code.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<()> {
        let hash = self.secret_hash(username);
        self.call(&op::ConfirmForgotPassword {
            client_id: &self.config.client_id,
            secret_hash: hash.as_deref(),
            username,
            confirmation_code: code,
            password: new_password,
        })
        .await
        .map(|_| ())
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(&self, old_password: &str, new_password: &str) -> Result<()> {
        let token = self.access_token().await?;
        self.call(&op::ChangePassword {
            previous_password: old_password,
            proposed_password: new_password,
            access_token: token.expose_secret(),
        })
        .await
        .map(|_| ())
    }

    // ---------------------------------------------------------------- the user

    /// The signed-in user's name and attributes.
    pub async fn get_user(&self) -> Result<op::GetUserReply> {
        let token = self.access_token().await?;
        self.call_idempotent(&op::GetUser {
            access_token: token.expose_secret(),
        })
        .await
    }

    /// Sets attributes; changed email/phone numbers get verification codes.
    pub async fn update_user_attributes(
        &self,
        attributes: &[(String, String)],
    ) -> Result<Vec<op::CodeDeliveryDetails>> {
        let token = self.access_token().await?;
        let attrs: Vec<op::AttributeType> = attributes
            .iter()
            .map(|(n, v)| op::AttributeType {
                name: n.clone(),
                value: v.clone(),
            })
            .collect();
        let reply = self
            .call(&op::UpdateUserAttributes {
                user_attributes: &attrs,
                access_token: token.expose_secret(),
            })
            .await?;
        Ok(reply.code_delivery_details_list)
    }

    /// Verifies `email` or `phone_number` with the code the user received.
    pub async fn verify_user_attribute(&self, attribute: &str, code: &str) -> Result<()> {
        let token = self.access_token().await?;
        self.call(&op::VerifyUserAttribute {
            access_token: token.expose_secret(),
            attribute_name: attribute,
            code,
        })
        .await
        .map(|_| ())
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_user_attribute_verification_code(
        &self,
        attribute: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let token = self.access_token().await?;
        let reply = self
            .call(&op::GetUserAttributeVerificationCode {
                access_token: token.expose_secret(),
                attribute_name: attribute,
            })
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Deletes attributes.
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<()> {
        let token = self.access_token().await?;
        self.call(&op::DeleteUserAttributes {
            user_attribute_names: names,
            access_token: token.expose_secret(),
        })
        .await
        .map(|_| ())
    }

    /// Deletes the signed-in user, then clears the local session.
    pub async fn delete_user(&self) -> Result<()> {
        let record = self.load_record().await?;
        let token = self.access_token().await?;
        self.call(&op::DeleteUser {
            access_token: token.expose_secret(),
        })
        .await?;
        self.end_session(&record.username).await
    }

    // ---------------------------------------------------------------- MFA

    /// Starts setting up an authenticator app for the signed-in user: the secret and an otpauth URI.
    pub async fn set_up_totp(&self, issuer: Option<&str>) -> Result<(String, String)> {
        let session = self.get_session().await?;
        let reply = self
            .call(&op::AssociateSoftwareToken {
                access_token: Some(session.access_token.expose_secret()),
                session: None,
            })
            .await?;
        let uri = otpauth_uri(
            issuer.unwrap_or(&self.pool_name),
            &session.username,
            &reply.secret_code,
        );
        Ok((reply.secret_code, uri))
    }

    /// Finishes the setup with a code from the app.
    pub async fn verify_totp_setup(&self, code: &str, device_name: Option<&str>) -> Result<()> {
        let token = self.access_token().await?;
        let reply = self
            .call(&op::VerifySoftwareToken {
                access_token: Some(token.expose_secret()),
                session: None,
                user_code: code,
                friendly_device_name: device_name,
            })
            .await?;
        match reply.status.as_deref() {
            Some("SUCCESS") | None => Ok(()),
            Some(other) => Err(Error::Service(crate::error::ServiceError {
                code: "EnableSoftwareTokenMFAException".into(),
                message: format!("verification status {other}"),
                status: 400,
            })),
        }
    }

    /// Sets which MFA methods are enabled and preferred.
    pub async fn set_mfa_preference(
        &self,
        totp: Option<op::MfaSettings>,
        sms: Option<op::MfaSettings>,
        email: Option<op::MfaSettings>,
    ) -> Result<()> {
        let token = self.access_token().await?;
        self.call(&op::SetUserMfaPreference {
            sms_mfa_settings: sms,
            software_token_mfa_settings: totp,
            email_mfa_settings: email,
            access_token: token.expose_secret(),
        })
        .await
        .map(|_| ())
    }

    // ---------------------------------------------------------------- devices

    /// Remembers this device: later sign-ins skip MFA through device SRP (where the pool allows).
    pub async fn remember_device(&self) -> Result<()> {
        let record = self.load_record().await?;
        let token = self.access_token().await?;
        let key = self.keys.device(&record.signed_in_as);
        let mut device = self
            .load_json::<DeviceRecord>(&key)
            .await?
            .ok_or_else(|| invalid_state("this sign-in has no device to remember"))?;
        self.call(&op::UpdateDeviceStatus {
            access_token: token.expose_secret(),
            device_key: &device.device_key,
            device_remembered_status: "remembered",
        })
        .await?;
        device.remembered = true;
        self.save_json(&key, &device).await
    }

    /// Forgets a device (this one when `device_key` is `None`) on the service, and locally when it is
    /// this one.
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<()> {
        let record = self.load_record().await?;
        let token = self.access_token().await?;
        let key = self.keys.device(&record.signed_in_as);
        let local = self.load_json::<DeviceRecord>(&key).await?;
        let target = match (device_key, &local) {
            (Some(k), _) => k.to_string(),
            (None, Some(d)) => d.device_key.clone(),
            (None, None) => return Err(invalid_state("no device is remembered here")),
        };
        self.call(&op::ForgetDevice {
            access_token: Some(token.expose_secret()),
            device_key: &target,
        })
        .await?;
        if local.is_some_and(|d| d.device_key == target) {
            self.storage.remove(&key).await?;
        }
        Ok(())
    }

    /// One of the user's devices (this one when `device_key` is `None`).
    pub async fn get_device(&self, device_key: Option<&str>) -> Result<op::DeviceType> {
        let record = self.load_record().await?;
        let token = self.access_token().await?;
        let key = match device_key {
            Some(k) => k.to_string(),
            None => {
                let local = self
                    .load_json::<DeviceRecord>(&self.keys.device(&record.signed_in_as))
                    .await?;
                local
                    .map(|d| d.device_key)
                    .ok_or_else(|| invalid_state("no device is kept here"))?
            }
        };
        Ok(self
            .call_idempotent(&op::GetDevice {
                device_key: &key,
                access_token: Some(token.expose_secret()),
            })
            .await?
            .device)
    }

    /// The user's devices.
    pub async fn list_devices(&self) -> Result<Vec<op::DeviceType>> {
        let token = self.access_token().await?;
        let mut devices = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let reply = self
                .call_idempotent(&op::ListDevices {
                    access_token: token.expose_secret(),
                    limit: Some(60),
                    pagination_token: page.as_deref(),
                })
                .await?;
            devices.extend(reply.devices);
            match reply.pagination_token {
                Some(next) if !next.is_empty() => page = Some(next),
                _ => return Ok(devices),
            }
        }
    }
}
