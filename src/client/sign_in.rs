//! Sign-in: the SRP and device challenges answered by the kit, the user-facing steps, and what is
//! stored when it completes.

use super::*;

/// A sign-in waiting for the user.
pub(super) struct Pending {
    /// The name the user typed.
    username: String,
    challenge: Challenge,
    session: Option<String>,
    /// The challenge's USERNAME, used in answers and SECRET_HASH.
    challenge_username: String,
    device: Option<DeviceRecord>,
    /// The sign-in this step belongs to (see [`CognitoAuth::epoch`]).
    epoch: u64,
}

/// Most challenges one sign-in may go through. The service asks for a handful (SRP, device SRP,
/// MFA, a few custom rounds); a peer that keeps asking is refused rather than followed forever.
const MAX_CHALLENGES: u32 = 10;

/// Errors after which a user-facing step stays open: the user can correct the answer (a wrong or
/// expired-looking code, a password the policy refuses, an attribute the service refuses) and the
/// service keeps the challenge session for another try.
fn correctable(error: &Error) -> bool {
    matches!(
        error.code(),
        "CodeMismatchException"
            | "EnableSoftwareTokenMFAException"
            | "InvalidPasswordException"
            | "PasswordHistoryPolicyViolationException"
            | "InvalidParameterException"
    )
}

/// A sign-in in progress inside the kit.
pub(super) struct Attempt {
    username: String,
    password: Option<Password>,
    flow: AuthFlow,
    srp: Option<SrpClient>,
    device: Option<DeviceRecord>,
    device_srp: Option<SrpClient>,
    epoch: u64,
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    // ---------------------------------------------------------------- sign-in

    /// Signs in. With [`AuthFlow::UserSrp`] (the default) the password never leaves the client.
    /// Returns the next step: `Done`, or what the user must provide to [`CognitoAuth::confirm_sign_in`].
    pub async fn sign_in(
        &self,
        username: &str,
        password: Option<&str>,
        flow: AuthFlow,
    ) -> Result<SignInOutput> {
        if username.is_empty() {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "username is empty",
            ));
        }
        if flow != AuthFlow::CustomWithoutSrp && password.map_or(true, str::is_empty) {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "password is empty",
            ));
        }
        self.pending.borrow_mut().take();
        let epoch = self.next_epoch();
        // A browser is one device: the key the service gave at an earlier sign-in is presented
        // again, remembered or not, so that the service does not list a new device per sign-in.
        let device = self
            .load_json::<DeviceRecord>(&self.keys.device(username))
            .await?;
        let attempt = Attempt {
            username: username.to_string(),
            password: password.map(Password::new),
            flow,
            srp: None,
            device,
            device_srp: None,
            epoch,
        };
        self.start(attempt).await
    }

    pub(super) async fn start(&self, mut attempt: Attempt) -> Result<SignInOutput> {
        let username = attempt.username.clone();
        let mut params = map(&[("USERNAME", &username)]);
        let flow_name = match attempt.flow {
            AuthFlow::UserSrp | AuthFlow::CustomWithSrp => {
                let srp = self.new_srp()?;
                params.insert("SRP_A".into(), srp.srp_a().to_string());
                if attempt.flow == AuthFlow::CustomWithSrp {
                    params.insert("CHALLENGE_NAME".into(), "SRP_A".into());
                }
                attempt.srp = Some(srp);
                if attempt.flow == AuthFlow::UserSrp {
                    "USER_SRP_AUTH"
                } else {
                    "CUSTOM_AUTH"
                }
            }
            AuthFlow::UserPassword => {
                let password = attempt
                    .password
                    .as_ref()
                    .map(|p| p.expose_secret().to_string())
                    .unwrap_or_default();
                params.insert("PASSWORD".into(), password);
                "USER_PASSWORD_AUTH"
            }
            AuthFlow::CustomWithoutSrp => "CUSTOM_AUTH",
        };
        if let Some(device) = &attempt.device {
            params.insert("DEVICE_KEY".into(), device.device_key.clone());
        }
        let params = self.with_secret_hash(params, &username);
        let reply = self
            .call(&op::InitiateAuth {
                auth_flow: flow_name,
                client_id: &self.config.client_id,
                auth_parameters: params,
                client_metadata: None,
            })
            .await;
        let reply = match reply {
            Ok(r) => r,
            // With USER_PASSWORD_AUTH the service refuses a device it no longer knows right here.
            Err(e) if attempt.device.is_some() && Self::is_forgotten_device(&e) => {
                return self.restart_without_device(attempt).await
            }
            Err(e) => return self.sign_in_error(e),
        };
        self.advance(attempt, reply).await
    }

    /// The service no longer knows the device: forget it here and start again without it (a fresh
    /// InitiateAuth: a challenge session must not be replayed).
    fn restart_without_device(
        &self,
        attempt: Attempt,
    ) -> Pin<Box<dyn Future<Output = Result<SignInOutput>> + '_>> {
        Box::pin(async move {
            self.storage
                .remove(&self.keys.device(&attempt.username))
                .await?;
            let retry = Attempt {
                device: None,
                srp: None,
                device_srp: None,
                ..attempt
            };
            self.start(retry).await
        })
    }

    /// Errors that mean "do this next" become steps, as Amplify reports them.
    pub(super) fn sign_in_error(&self, error: Error) -> Result<SignInOutput> {
        match error.code() {
            "UserNotConfirmedException" => Ok(SignInOutput::step(NextStep::ConfirmSignUp)),
            "PasswordResetRequiredException" => Ok(SignInOutput::step(NextStep::ResetPassword)),
            _ => Err(error),
        }
    }

    pub(super) async fn respond(
        &self,
        challenge: &str,
        responses: StringMap,
        session: Option<&str>,
    ) -> Result<AuthReply> {
        self.call(&op::RespondToAuthChallenge {
            challenge_name: challenge,
            client_id: &self.config.client_id,
            challenge_responses: responses,
            session,
            client_metadata: None,
        })
        .await
    }

    pub(super) fn is_forgotten_device(error: &Error) -> bool {
        // A byte-window compare rather than str::contains, whose substring searcher (and the panic
        // path of str slicing it brings) is several KB of wasm.
        matches!(error, Error::Service(s) if s.code == "ResourceNotFoundException"
            && s.message.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"device")))
    }

    /// Follows replies until the user must act or sign-in completes. The kit answers the SRP and
    /// device challenges itself.
    pub(super) async fn advance(
        &self,
        mut attempt: Attempt,
        mut reply: AuthReply,
    ) -> Result<SignInOutput> {
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            if rounds > MAX_CHALLENGES {
                return Err(Error::protocol(
                    crate::error::ProtocolErrorKind::UnexpectedChallenge,
                    "ChallengeName",
                    "more than ten challenges in one sign-in",
                ));
            }
            let (challenge, session, challenge_username) =
                match interpret(reply, &attempt.username)? {
                    Outcome::SignedIn(result) => {
                        self.finish(&attempt.username, attempt.epoch, result)
                            .await?;
                        return Ok(SignInOutput::step(NextStep::Done));
                    }
                    Outcome::Challenge {
                        challenge,
                        session,
                        username,
                    } => (challenge, session, username),
                };
            let timestamp = cognito_timestamp(self.now_seconds());
            let next = match &challenge {
                Challenge::PasswordVerifier(v) => {
                    let (srp, password) = match (&attempt.srp, &attempt.password) {
                        (Some(s), Some(p)) => (s, p),
                        _ => {
                            return Err(invalid_state(
                                "PASSWORD_VERIFIER without an SRP sign-in in progress",
                            ))
                        }
                    };
                    let claim = srp.answer_user_challenge(
                        &self.pool_name,
                        password.expose_secret(),
                        v,
                        &timestamp,
                    )?;
                    let device_key = attempt.device.as_ref().map(|d| d.device_key.as_str());
                    let responses = claim.challenge_responses(
                        device_key,
                        self.secret_hash(&claim.username).as_deref(),
                    );
                    self.respond("PASSWORD_VERIFIER", responses, session.as_deref())
                        .await
                }
                Challenge::DeviceSrpAuth => {
                    let Some(device) = &attempt.device else {
                        return Err(invalid_state("DEVICE_SRP_AUTH without a device kept here"));
                    };
                    let srp = self.new_srp()?;
                    let mut responses = map(&[
                        ("USERNAME", &challenge_username),
                        ("DEVICE_KEY", &device.device_key),
                    ]);
                    responses.insert("SRP_A".into(), srp.srp_a().into());
                    attempt.device_srp = Some(srp);
                    self.respond(
                        "DEVICE_SRP_AUTH",
                        self.with_secret_hash(responses, &challenge_username),
                        session.as_deref(),
                    )
                    .await
                }
                Challenge::DevicePasswordVerifier(v) => {
                    let (Some(device), Some(srp)) = (&attempt.device, &attempt.device_srp) else {
                        return Err(invalid_state(
                            "DEVICE_PASSWORD_VERIFIER without device SRP in progress",
                        ));
                    };
                    let claim = srp.answer_device_challenge(
                        &device.device_group_key,
                        &device.device_key,
                        &device.device_password,
                        v,
                        &timestamp,
                    )?;
                    let responses = claim.challenge_responses(
                        Some(&device.device_key),
                        self.secret_hash(&claim.username).as_deref(),
                    );
                    self.respond("DEVICE_PASSWORD_VERIFIER", responses, session.as_deref())
                        .await
                }
                _ => {
                    return self
                        .wait_for_user(attempt, challenge, session, challenge_username)
                        .await
                }
            };
            reply = match next {
                Ok(r) => r,
                Err(e) if attempt.device.is_some() && Self::is_forgotten_device(&e) => {
                    return self.restart_without_device(attempt).await;
                }
                Err(e) => return self.sign_in_error(e),
            };
        }
    }

    pub(super) async fn wait_for_user(
        &self,
        attempt: Attempt,
        challenge: Challenge,
        mut session: Option<String>,
        challenge_username: String,
    ) -> Result<SignInOutput> {
        let step = match &challenge {
            Challenge::SmsMfa(d) | Challenge::SmsOtp(d) => {
                NextStep::ConfirmSignInWithSmsCode(d.clone())
            }
            Challenge::SoftwareTokenMfa => NextStep::ConfirmSignInWithTotpCode,
            Challenge::EmailOtp(d) => NextStep::ConfirmSignInWithEmailCode(d.clone()),
            Challenge::SelectMfaType(options) => NextStep::ContinueSignInWithMfaSelection(
                options.iter().map(|o| mfa_name(o).to_string()).collect(),
            ),
            Challenge::MfaSetup(options) => {
                if !options.is_empty() && !options.iter().any(|o| o == "SOFTWARE_TOKEN_MFA") {
                    return Err(Error::protocol(
                        crate::error::ProtocolErrorKind::UnexpectedChallenge,
                        "MFAS_CAN_SETUP",
                        format!(
                            "the kit can set up an authenticator app, not {}",
                            crate::error::quoted_list(options)
                        ),
                    ));
                }
                let associated = self
                    .call(&op::AssociateSoftwareToken {
                        access_token: None,
                        session: session.as_deref(),
                    })
                    .await?;
                session = associated.session.or(session);
                NextStep::ContinueSignInWithTotpSetup {
                    setup_uri: otpauth_uri(
                        &self.pool_name,
                        &attempt.username,
                        &associated.secret_code,
                    ),
                    shared_secret: associated.secret_code,
                }
            }
            Challenge::NewPasswordRequired {
                required_attributes,
                ..
            } => NextStep::ConfirmSignInWithNewPasswordRequired(required_attributes.clone()),
            Challenge::CustomChallenge(params) => {
                NextStep::ConfirmSignInWithCustomChallenge(params.clone())
            }
            Challenge::SelectChallenge(options) => {
                NextStep::ContinueSignInWithFirstFactorSelection(options.clone())
            }
            other => {
                return Err(Error::protocol(
                    crate::error::ProtocolErrorKind::UnexpectedChallenge,
                    "ChallengeName",
                    format!("{} cannot be answered here", other.name()),
                ))
            }
        };
        self.still_current(attempt.epoch)?;
        *self.pending.borrow_mut() = Some(Pending {
            username: attempt.username,
            challenge,
            session,
            challenge_username,
            device: attempt.device,
            epoch: attempt.epoch,
        });
        Ok(SignInOutput::step(step))
    }

    /// The challenge a sign-in is waiting on, if any.
    pub fn pending_challenge(&self) -> Option<Challenge> {
        self.pending.borrow().as_ref().map(|p| p.challenge.clone())
    }

    /// Answers the waiting step with what the user typed or chose: a code, an MFA method or first
    /// factor, a new password (with `attributes` the step asked for), a custom answer or a passkey
    /// assertion, as the step requires.
    pub async fn confirm_sign_in_response(
        &self,
        response: String,
        attributes: StringMap,
    ) -> Result<SignInOutput> {
        let answer = match self.pending.borrow().as_ref().map(|p| &p.challenge) {
            None => return Err(invalid_state("no sign-in is waiting for an answer")),
            Some(
                Challenge::SmsMfa(_)
                | Challenge::SoftwareTokenMfa
                | Challenge::EmailOtp(_)
                | Challenge::SmsOtp(_)
                | Challenge::MfaSetup(_),
            ) => UserAnswer::Code(response),
            Some(Challenge::SelectMfaType(_) | Challenge::SelectChallenge(_)) => {
                UserAnswer::Choice(response)
            }
            Some(Challenge::NewPasswordRequired { .. }) => UserAnswer::NewPassword {
                password: response,
                attributes,
            },
            Some(Challenge::WebAuthn(_)) => UserAnswer::Credential(response),
            Some(_) => UserAnswer::Custom(response),
        };
        self.confirm_sign_in(answer).await
    }

    /// Answers the step `sign_in` (or a previous `confirm_sign_in`) returned. An answer the user can
    /// correct (a wrong code, a password the policy refuses) keeps the step open for another try;
    /// other failures end the sign-in.
    pub async fn confirm_sign_in(&self, answer: UserAnswer) -> Result<SignInOutput> {
        let Some(pending) = self.pending.borrow_mut().take() else {
            return Err(invalid_state("no sign-in is waiting for an answer"));
        };
        // MFA methods are offered with Amplify's names (`TOTP`, `SMS`, `EMAIL`); the service's are
        // accepted too.
        let answer = match (&pending.challenge, answer) {
            (Challenge::SelectMfaType(_), UserAnswer::Choice(c)) => {
                UserAnswer::Choice(mfa_service_name(&c).to_string())
            }
            (_, answer) => answer,
        };
        let mut answer = answer;
        let reply = if let Challenge::MfaSetup(_) = &pending.challenge {
            let UserAnswer::Code(code) = &answer else {
                zeroize::Zeroize::zeroize(&mut answer);
                *self.pending.borrow_mut() = Some(pending);
                return Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    "TOTP setup is answered with a code",
                ));
            };
            let verified = self
                .call(&op::VerifySoftwareToken {
                    access_token: None,
                    session: pending.session.as_deref(),
                    user_code: code,
                    friendly_device_name: None,
                })
                .await;
            match verified {
                Ok(v) => {
                    let responses = self.with_secret_hash(
                        map(&[("USERNAME", &pending.challenge_username)]),
                        &pending.challenge_username,
                    );
                    self.respond(
                        "MFA_SETUP",
                        responses,
                        v.session.as_deref().or(pending.session.as_deref()),
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        } else {
            let hash = self.secret_hash(&pending.challenge_username);
            let responses = match user_answer(
                &pending.challenge,
                &pending.challenge_username,
                answer,
                hash.as_deref(),
            ) {
                Ok(r) => r,
                Err(e) => {
                    *self.pending.borrow_mut() = Some(pending);
                    return Err(e);
                }
            };
            self.respond(
                pending.challenge.name(),
                responses,
                pending.session.as_deref(),
            )
            .await
        };
        match reply {
            Ok(reply) => {
                let attempt = Attempt {
                    username: pending.username,
                    password: None,
                    flow: AuthFlow::UserSrp,
                    srp: None,
                    device: pending.device,
                    device_srp: None,
                    epoch: pending.epoch,
                };
                self.advance(attempt, reply).await
            }
            Err(e) => {
                // Kept open only while it is still the current sign-in and nothing replaced it.
                let mut slot = self.pending.borrow_mut();
                if correctable(&e) && pending.epoch == self.epoch.get() && slot.is_none() {
                    *slot = Some(pending);
                }
                Err(e)
            }
        }
    }

    /// Stores the tokens of a completed sign-in, checked first: both tokens must decode, and a
    /// sign-in that a newer sign-in or a sign-out replaced while it was on the wire stores nothing.
    pub(super) async fn finish(
        &self,
        typed_username: &str,
        epoch: u64,
        result: AuthenticationResult,
    ) -> Result<()> {
        let id_token = result.id_token.clone().ok_or_else(|| {
            Error::protocol(
                crate::error::ProtocolErrorKind::MissingField,
                "IdToken",
                "absent after sign-in",
            )
        })?;
        let id = Jwt::decode(id_token.expose_secret())?;
        Jwt::decode(result.access_token.expose_secret())?;
        self.still_current(epoch)?;
        let username = id.username().unwrap_or(typed_username).to_string();
        let issued = id.issued_at()?.unwrap_or_else(|| self.now_seconds());
        let record = TokenRecord {
            stored_as: username.clone(),
            username: username.clone(),
            signed_in_as: typed_username.to_string(),
            id_token,
            access_token: result.access_token.clone(),
            refresh_token: result.refresh_token.clone(),
            clock_drift: clock_drift(self.now_seconds(), issued),
        };
        let previous = self.current_user().await?;
        self.save_json(&self.keys.tokens(&username), &record)
            .await?;
        // A sign-out (or a newer sign-in) that ran while the record was being written wins: what
        // this sign-in wrote is taken back. Not half a session either: tokens nobody is signed in
        // with do not stay behind when the marker cannot be written.
        let marked = self.storage.set(&self.keys.last_user(), &username).await;
        if let Err(e) = marked.and_then(|()| self.still_current(epoch)) {
            let _ = self.storage.remove(&self.keys.tokens(&username)).await;
            if self.current_user().await.ok().flatten().as_deref() == Some(username.as_str()) {
                let _ = self.storage.remove(&self.keys.last_user()).await;
            }
            return Err(e);
        }
        // One signed-in user per pool client: the previous user's tokens go.
        if let Some(previous) = previous.filter(|p| *p != username) {
            self.storage.remove(&self.keys.tokens(&previous)).await?;
        }
        if let Some(meta) = result.new_device_metadata {
            // A failure to confirm the device does not undo the sign-in: the device is simply not kept.
            let _ = self
                .confirm_new_device(typed_username, &record.access_token, &meta)
                .await;
        }
        self.emit(Event::SignedIn);
        Ok(())
    }

    pub(super) async fn confirm_new_device(
        &self,
        typed_username: &str,
        access_token: &AccessToken,
        meta: &op::NewDeviceMetadata,
    ) -> Result<()> {
        let mut password = Zeroizing::new([0u8; 40]);
        let mut salt = [0u8; 16];
        self.runtime.fill_random(&mut password[..])?;
        self.runtime.fill_random(&mut salt)?;
        let verifier =
            DeviceVerifier::generate(&meta.device_group_key, &meta.device_key, &password, &salt);
        let confirmed = self
            .call(&op::ConfirmDevice {
                access_token: access_token.expose_secret(),
                device_key: &meta.device_key,
                device_secret_verifier_config: op::DeviceSecretVerifierConfig {
                    password_verifier: &verifier.password_verifier,
                    salt: &verifier.salt,
                },
                device_name: self.config.device_name.as_deref(),
            })
            .await?;
        let record = DeviceRecord {
            device_key: meta.device_key.clone(),
            device_group_key: meta.device_group_key.clone(),
            device_password: verifier.password,
            remembered: !confirmed.user_confirmation_necessary,
        };
        self.save_json(&self.keys.device(typed_username), &record)
            .await
    }
}
