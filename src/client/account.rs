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
        self.call_authed::<op::Empty>(false, &|token| {
            op::ChangePassword {
                previous_password: old_password,
                proposed_password: new_password,
                access_token: token,
            }
            .request()
        })
        .await
        .map(|_| ())
    }

    // ---------------------------------------------------------------- the user

    /// The signed-in user's name and attributes.
    pub async fn get_user(&self) -> Result<op::GetUserReply> {
        self.call_authed::<op::GetUserReply>(true, &|token| {
            op::GetUser {
                access_token: token,
            }
            .request()
        })
        .await
    }

    /// Sets attributes; changed email/phone numbers get verification codes.
    pub async fn update_user_attributes(
        &self,
        attributes: &[(String, String)],
    ) -> Result<Vec<op::CodeDeliveryDetails>> {
        let attrs: Vec<op::AttributeType> = attributes
            .iter()
            .map(|(n, v)| op::AttributeType {
                name: n.clone(),
                value: v.clone(),
            })
            .collect();
        let reply = self
            .call_authed::<op::UpdateUserAttributesReply>(false, &|token| {
                op::UpdateUserAttributes {
                    user_attributes: &attrs,
                    access_token: token,
                }
                .request()
            })
            .await?;
        Ok(reply.code_delivery_details_list)
    }

    /// Verifies `email` or `phone_number` with the code the user received.
    pub async fn verify_user_attribute(&self, attribute: &str, code: &str) -> Result<()> {
        self.call_authed::<op::Empty>(false, &|token| {
            op::VerifyUserAttribute {
                access_token: token,
                attribute_name: attribute,
                code,
            }
            .request()
        })
        .await
        .map(|_| ())
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_user_attribute_verification_code(
        &self,
        attribute: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply = self
            .call_authed::<op::CodeDeliveryReply>(false, &|token| {
                op::GetUserAttributeVerificationCode {
                    access_token: token,
                    attribute_name: attribute,
                }
                .request()
            })
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Deletes attributes.
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<()> {
        self.call_authed::<op::Empty>(false, &|token| {
            op::DeleteUserAttributes {
                user_attribute_names: names,
                access_token: token,
            }
            .request()
        })
        .await
        .map(|_| ())
    }

    /// Deletes the signed-in user, then clears the local session and the device kept for the user
    /// (the service deleted the device with the user: presenting its key again would fail).
    pub async fn delete_user(&self) -> Result<()> {
        let record = self.load_record().await?;
        self.call_authed::<op::Empty>(false, &|token| {
            op::DeleteUser {
                access_token: token,
            }
            .request()
        })
        .await?;
        self.storage
            .remove(&self.keys.device(&record.signed_in_as))
            .await?;
        self.end_session(&record.stored_as).await
    }

    // ---------------------------------------------------------------- MFA

    /// Starts setting up an authenticator app for the signed-in user: the secret and an otpauth URI.
    /// The app's entry is labelled with the name the user signs in with (an email, say), not the
    /// pool's internal user id.
    pub async fn set_up_totp(&self, issuer: Option<&str>) -> Result<(String, String)> {
        let record = self.load_record().await?;
        let reply = self
            .call_authed::<op::AssociateSoftwareTokenReply>(false, &|token| {
                op::AssociateSoftwareToken {
                    access_token: Some(token),
                    session: None,
                }
                .request()
            })
            .await?;
        let uri = otpauth_uri(
            issuer.unwrap_or(&self.pool_name),
            &record.signed_in_as,
            &reply.secret_code,
        );
        Ok((reply.secret_code, uri))
    }

    /// Finishes the setup with a code from the app.
    pub async fn verify_totp_setup(&self, code: &str, device_name: Option<&str>) -> Result<()> {
        let reply = self
            .call_authed::<op::VerifySoftwareTokenReply>(false, &|token| {
                op::VerifySoftwareToken {
                    access_token: Some(token),
                    session: None,
                    user_code: code,
                    friendly_device_name: device_name,
                }
                .request()
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
        self.call_authed::<op::Empty>(false, &|token| {
            op::SetUserMfaPreference {
                sms_mfa_settings: sms,
                software_token_mfa_settings: totp,
                email_mfa_settings: email,
                access_token: token,
            }
            .request()
        })
        .await
        .map(|_| ())
    }

    // ---------------------------------------------------------------- devices

    /// Remembers this device: later sign-ins skip MFA through device SRP (where the pool allows).
    pub async fn remember_device(&self) -> Result<()> {
        let record = self.load_record().await?;
        let key = self.keys.device(&record.signed_in_as);
        let mut device = self
            .load_json::<DeviceRecord>(&key)
            .await?
            .ok_or_else(|| invalid_state("this sign-in has no device to remember"))?;
        self.call_authed::<op::Empty>(false, &|token| {
            op::UpdateDeviceStatus {
                access_token: token,
                device_key: &device.device_key,
                device_remembered_status: "remembered",
            }
            .request()
        })
        .await?;
        device.remembered = true;
        self.save_json(&key, &device).await
    }

    /// Forgets a device (this one when `device_key` is `None`) on the service, and locally when it is
    /// this one.
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<()> {
        let record = self.load_record().await?;
        let key = self.keys.device(&record.signed_in_as);
        let local = self.load_json::<DeviceRecord>(&key).await?;
        let target = match (device_key, &local) {
            (Some(k), _) => k.to_string(),
            (None, Some(d)) => d.device_key.clone(),
            (None, None) => return Err(invalid_state("no device is remembered here")),
        };
        self.call_authed::<op::Empty>(false, &|token| {
            op::ForgetDevice {
                access_token: Some(token),
                device_key: &target,
            }
            .request()
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
            .call_authed::<op::GetDeviceReply>(true, &|token| {
                op::GetDevice {
                    device_key: &key,
                    access_token: Some(token),
                }
                .request()
            })
            .await?
            .device)
    }

    /// The user's devices.
    pub async fn list_devices(&self) -> Result<Vec<op::DeviceType>> {
        let mut devices = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let reply = self
                .call_authed::<op::ListDevicesReply>(true, &|token| {
                    op::ListDevices {
                        access_token: token,
                        limit: Some(60),
                        pagination_token: page.as_deref(),
                    }
                    .request()
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
