//! Sign-in: the SRP and device challenges answered by the kit, the user-facing steps, and what is
//! stored when it completes — one synchronous state machine ([`SignIn`], a [`Flow`]) for a new
//! sign-in and for the answer to a waiting step. It performs no I/O: its driver sends the requests
//! and carries out the storage writes it asks for.

use super::machine::{read_record, record_text, Ctx, Flow, Input, Io, Prompt, Step};
use super::*;
use crate::text::cat;

/// A sign-in waiting for the user.
pub(crate) struct Pending {
    /// The name the user typed.
    username: String,
    challenge: Challenge,
    session: Option<Zeroizing<String>>,
    /// The challenge's USERNAME, used in answers and SECRET_HASH.
    challenge_username: String,
    device: Option<DeviceRecord>,
    /// The sign-in this step belongs to (see `Core::epoch`).
    epoch: u64,
    /// The password factor chosen at the first-factor selection: the next answer is the password.
    factor: Option<FirstFactor>,
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
    srp: Option<Box<SrpClient>>,
    device: Option<DeviceRecord>,
    device_srp: Option<Box<SrpClient>>,
    epoch: u64,
    /// Challenges answered since the sign-in started or the user last answered.
    rounds: u32,
    /// The session of `ConfirmSignUp`, for a choice-based sign-in right after it.
    sign_up_session: Option<Zeroizing<String>>,
    /// A passkey was asked for already: a second `WEB_AUTHN` in one sign-in is refused.
    passkey_used: bool,
}

impl Attempt {
    /// Gives the session of a confirmed sign-up back after a failure the service may not have
    /// seen (a dropped connection, a 5xx, throttling, a storage read), so that `autoSignIn()` can
    /// be tried again instead of asking the user for a new code. A newer confirmation's wins.
    fn give_back_sign_up_session(&mut self, cx: &Ctx<'_>) {
        if let Some(session) = self.sign_up_session.take() {
            let mut kept = cx.sign_up_session.borrow_mut();
            if kept.is_none() {
                *kept = Some((self.username.clone(), session));
            }
        }
    }

    /// An attempt with nothing answered yet.
    fn new(
        username: String,
        password: Option<Password>,
        flow: AuthFlow,
        device: Option<DeviceRecord>,
        epoch: u64,
    ) -> Box<Attempt> {
        Box::new(Attempt {
            username,
            password,
            flow,
            srp: None,
            device,
            device_srp: None,
            epoch,
            rounds: 0,
            sign_up_session: None,
            passkey_used: false,
        })
    }
}

/// A sign-in, or the answer to its waiting step, as a state machine.
pub(crate) struct SignIn {
    state: State,
}

enum State {
    /// A new sign-in, not started.
    Begin {
        username: String,
        password: Option<Password>,
        flow: AuthFlow,
    },
    /// The user's answer to the waiting step, not sent yet.
    Confirm(UserAnswer),
    /// Reading the device kept for the username.
    Device(Box<Attempt>),
    /// `InitiateAuth` or a challenge the kit answered was sent.
    Authenticating(Box<Attempt>),
    /// The service no longer knows the device: it is being forgotten here before a new start.
    Forgetting(Box<Attempt>),
    /// `AssociateSoftwareToken` was sent for `MFA_SETUP`.
    Associating {
        attempt: Box<Attempt>,
        challenge: Challenge,
        session: Option<Zeroizing<String>>,
        challenge_username: String,
    },
    /// `VerifySoftwareToken` was sent for the waiting `MFA_SETUP`.
    Verifying(Box<Pending>),
    /// The platform's authenticator was asked for a passkey for `WEB_AUTHN`.
    Passkey {
        attempt: Box<Attempt>,
        session: Option<Zeroizing<String>>,
        challenge_username: String,
        _prompt: Prompt,
    },
    /// The user's answer was sent; with the SRP client and password of a password factor chosen
    /// at the first-factor selection, for the `PASSWORD_VERIFIER` that follows.
    Answered(Box<Pending>, Option<(Box<SrpClient>, Password)>),
    /// Storing what a completed sign-in brought.
    Finishing(Box<Finish>),
    /// Over (or resumed with an input it did not ask for).
    Over,
}

/// What a completed sign-in stores, in order.
struct Finish {
    record: TokenRecord,
    typed_username: String,
    epoch: u64,
    new_device: Option<op::NewDeviceMetadata>,
    stage: Stage,
}

enum Stage {
    /// Waiting for the cross-tab lock: the session is written under it, so that a refresh in
    /// another tab cannot write a replaced session's tokens back in the middle.
    Locking,
    /// Reading the current-user marker.
    Previous,
    /// Writing the token record.
    Tokens { previous: Option<String> },
    /// Writing the current-user marker.
    Marker { previous: Option<String> },
    /// Taking back the token record after the marker failed or a sign-out came.
    UndoTokens(Error),
    /// Reading the marker to take it back too while it names this user.
    UndoReadMarker(Error),
    /// Removing the marker.
    UndoMarker(Error),
    /// Removing the previous user's tokens.
    RemovePrevious,
    /// Releasing the lock; then the sign-in goes on to the device (or fails with the error).
    Unlocking(Result<()>),
    /// `ConfirmDevice` was sent.
    ConfirmingDevice(DeviceRecord),
    /// Writing the device record.
    Device,
    /// Telling the listeners.
    Emitting,
}

impl SignIn {
    /// A new sign-in.
    pub(crate) fn begin(username: &str, password: Option<&str>, flow: AuthFlow) -> Self {
        SignIn {
            state: State::Begin {
                username: username.to_string(),
                password: password.map(Password::new),
                flow,
            },
        }
    }

    /// The choice-based sign-in of the user `ConfirmSignUp` just confirmed, with the session it
    /// returned (no factor: the confirmation code was the first).
    pub(crate) fn after_sign_up(cx: &super::Core) -> Result<Self> {
        let username = cx.sign_up_session.borrow().as_ref().map(|(u, _)| u.clone());
        let username = username.ok_or_else(|| {
            invalid_state("no sign-up was confirmed with a session to sign in with")
        })?;
        Ok(SignIn::begin(&username, None, AuthFlow::UserAuth(None)))
    }

    /// Stores what a sign-in elsewhere (the domain's token endpoint) brought, as any completed
    /// sign-in does: the flow and its first step. `epoch` is the generation the caller took when
    /// it began (as a sign-in here takes it when it starts), so that a sign-out or a newer sign-in
    /// in the meantime wins.
    pub(crate) fn store(
        cx: &Ctx<'_>,
        username: String,
        result: AuthenticationResult,
        epoch: u64,
    ) -> (Box<Self>, Step<SignInOutput>) {
        cx.pending.borrow_mut().take();
        let attempt = Attempt::new(username, None, AuthFlow::UserSrp, None, epoch);
        let mut flow = Box::new(SignIn { state: State::Over });
        let step = flow.finish(cx, attempt, result);
        (flow, step)
    }

    /// The answer to the waiting step.
    pub(crate) fn confirm(answer: UserAnswer) -> Self {
        SignIn {
            state: State::Confirm(answer),
        }
    }
}

fn done<T>(result: Result<T>) -> Step<T> {
    Step::Done(result)
}

fn fail<T>(error: Error) -> Step<T> {
    Step::Done(Err(error))
}

fn unexpected_input<T>() -> Step<T> {
    fail(invalid_state(
        "the sign-in was resumed with an input it did not ask for",
    ))
}

/// Errors that mean "do this next" become steps, as Amplify reports them.
fn sign_in_error(error: Error) -> Result<SignInOutput> {
    match error.code() {
        "UserNotConfirmedException" => Ok(SignInOutput::step(NextStep::ConfirmSignUp)),
        "PasswordResetRequiredException" => Ok(SignInOutput::step(NextStep::ResetPassword)),
        _ => Err(error),
    }
}

fn is_forgotten_device(error: &Error) -> bool {
    // A byte-window compare rather than str::contains, whose substring searcher (and the panic
    // path of str slicing it brings) is several KB of wasm.
    matches!(error, Error::Service(s) if s.code == "ResourceNotFoundException"
        && s.message.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"device")))
}

fn new_srp(cx: &Ctx<'_>) -> Result<Box<SrpClient>> {
    let mut a = Zeroizing::new([0u8; SMALL_A_BYTES]);
    cx.env.fill_random(&mut a[..])?;
    SrpClient::new(&a).map(Box::new)
}

/// A challenge session as the requests take it. Sessions are kept zeroizing: each is a credential
/// for the rest of its sign-in.
fn session_text(session: &Option<Zeroizing<String>>) -> Option<&str> {
    session.as_deref().map(String::as_str)
}

fn respond_request(
    cx: &Ctx<'_>,
    challenge: &str,
    responses: StringMap,
    session: Option<&str>,
) -> Result<ApiRequest> {
    op::RespondToAuthChallenge {
        challenge_name: challenge,
        client_id: &cx.config.client_id,
        challenge_responses: responses,
        session,
        client_metadata: None,
    }
    .request()
}

impl Flow for SignIn {
    type Output = SignInOutput;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<SignInOutput> {
        match (core::mem::replace(&mut self.state, State::Over), input) {
            (
                State::Begin {
                    username,
                    password,
                    flow,
                },
                Input::Start,
            ) => self.begin_sign_in(cx, username, password, flow),
            (State::Confirm(answer), Input::Start) => self.send_answer(cx, answer),
            (State::Device(mut attempt), Input::Value(stored)) => match stored {
                Ok(text) => {
                    attempt.device = read_record::<DeviceRecord>(text);
                    self.initiate(cx, attempt)
                }
                Err(e) => {
                    attempt.give_back_sign_up_session(cx);
                    fail(e)
                }
            },
            (State::Authenticating(mut attempt), Input::Reply(reply)) => {
                match reply.and_then(|r| reply_as::<AuthReply>(&r)) {
                    Ok(reply) => {
                        // The service took the sign-up's session (it serves once).
                        attempt.sign_up_session = None;
                        self.advance(cx, attempt, reply)
                    }
                    // The service no longer knows the device: forget it here and start again
                    // without it (a fresh InitiateAuth: a challenge session must not be replayed).
                    Err(e) if attempt.device.is_some() && is_forgotten_device(&e) => {
                        let key = cx.keys.device(&attempt.username);
                        self.state = State::Forgetting(attempt);
                        Step::Io(Io::Remove(key))
                    }
                    Err(e) => {
                        if e.retryable() {
                            attempt.give_back_sign_up_session(cx);
                        }
                        done(sign_in_error(e))
                    }
                }
            }
            (State::Forgetting(attempt), Input::Stored(removed)) => match removed {
                Ok(()) => {
                    let mut attempt = attempt;
                    attempt.device = None;
                    attempt.srp = None;
                    attempt.device_srp = None;
                    self.initiate(cx, attempt)
                }
                Err(e) => fail(e),
            },
            (
                State::Associating {
                    attempt,
                    challenge,
                    session,
                    challenge_username,
                },
                Input::Reply(reply),
            ) => match reply.and_then(|r| reply_as::<op::AssociateSoftwareTokenReply>(&r)) {
                Ok(associated) => {
                    let step = NextStep::ContinueSignInWithTotpSetup {
                        setup_uri: otpauth_uri(
                            &cx.pool_name,
                            &attempt.username,
                            &associated.secret_code,
                        ),
                        shared_secret: associated.secret_code,
                    };
                    let session = associated.session.map(Zeroizing::new).or(session);
                    park(cx, attempt, challenge, session, challenge_username, step)
                }
                Err(e) => fail(e),
            },
            (State::Verifying(pending), Input::Reply(reply)) => {
                match reply.and_then(|r| reply_as::<op::VerifySoftwareTokenReply>(&r)) {
                    Ok(verified) => {
                        let session = verified.session.map(Zeroizing::new);
                        let responses = cx.config.with_secret_hash(
                            map(&[("USERNAME", &pending.challenge_username)]),
                            &pending.challenge_username,
                        );
                        let request = respond_request(
                            cx,
                            "MFA_SETUP",
                            responses,
                            session_text(&session).or(session_text(&pending.session)),
                        );
                        self.send(cx, State::Answered(pending, None), request)
                    }
                    Err(e) => answer_failed(cx, pending, e),
                }
            }
            (State::Answered(pending, factor), Input::Reply(reply)) => {
                match reply.and_then(|r| reply_as::<AuthReply>(&r)) {
                    Ok(reply) => {
                        let (srp, password) = match factor {
                            Some((srp, password)) => (Some(srp), Some(password)),
                            None => (None, None),
                        };
                        let mut attempt = Attempt::new(
                            pending.username,
                            password,
                            AuthFlow::UserSrp,
                            pending.device,
                            pending.epoch,
                        );
                        attempt.srp = srp;
                        self.advance(cx, attempt, reply)
                    }
                    Err(e) => answer_failed(cx, pending, e),
                }
            }
            (
                State::Passkey {
                    attempt,
                    session,
                    challenge_username,
                    ..
                },
                Input::Credential(credential),
            ) => self.passkey_answered(cx, attempt, session, challenge_username, credential),
            (State::Finishing(finish), input) => self.finishing(cx, finish, input),
            _ => unexpected_input(),
        }
    }
}

impl SignIn {
    /// Sends `request` and waits for its reply in `next`; a request that cannot be built fails as
    /// its reply would.
    fn send(
        &mut self,
        cx: &Ctx<'_>,
        next: State,
        request: Result<ApiRequest>,
    ) -> Step<SignInOutput> {
        self.state = next;
        match request {
            Ok(request) => Step::Io(Io::Send(request)),
            Err(e) => self.resume(cx, Input::Reply(Err(e))),
        }
    }

    fn begin_sign_in(
        &mut self,
        cx: &Ctx<'_>,
        username: String,
        password: Option<Password>,
        flow: AuthFlow,
    ) -> Step<SignInOutput> {
        if username.is_empty() {
            return fail(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "username is empty",
            ));
        }
        let needs_password = match flow {
            AuthFlow::CustomWithoutSrp => false,
            AuthFlow::UserAuth(factor) => factor.is_some_and(FirstFactor::is_password),
            _ => true,
        };
        let given = password
            .as_ref()
            .is_some_and(|p| !p.expose_secret().is_empty());
        if needs_password && !given {
            return fail(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "password is empty",
            ));
        }
        if matches!(flow, AuthFlow::UserAuth(_)) && !needs_password && given {
            // Not sent, and not kept for later: a password goes with its factor only.
            return fail(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "a password is given only with the first factor PASSWORD or PASSWORD_SRP",
            ));
        }
        // A second passkey sign-in while the first one's prompt is open (a double click) would
        // end both: refused before it replaces the first.
        if matches!(flow, AuthFlow::UserAuth(Some(FirstFactor::WebAuthn))) {
            if let Err(e) = Prompt::check(cx) {
                return fail(e);
            }
        }
        cx.pending.borrow_mut().take();
        // The session of a confirmed sign-up serves one choice-based sign-in of that user.
        let sign_up_session = match flow {
            AuthFlow::UserAuth(_) => {
                let mut kept = cx.sign_up_session.borrow_mut();
                match kept.take() {
                    Some((user, session)) if user == username => Some(session),
                    other => {
                        *kept = other;
                        None
                    }
                }
            }
            _ => None,
        };
        let epoch = cx.next_epoch();
        // A browser is one device: the key the service gave at an earlier sign-in is presented
        // again, remembered or not, so that the service does not list a new device per sign-in.
        let key = cx.keys.device(&username);
        let mut attempt = Attempt::new(username, password, flow, None, epoch);
        attempt.sign_up_session = sign_up_session;
        self.state = State::Device(attempt);
        Step::Io(Io::Get(key))
    }

    /// Sends `InitiateAuth`.
    fn initiate(&mut self, cx: &Ctx<'_>, mut attempt: Box<Attempt>) -> Step<SignInOutput> {
        let mut params = map(&[("USERNAME", &attempt.username)]);
        // The flow's name, and whether it sends the password or SRP's A.
        let (flow_name, password, srp) = match attempt.flow {
            AuthFlow::UserSrp => ("USER_SRP_AUTH", false, true),
            AuthFlow::CustomWithSrp => {
                params.insert("CHALLENGE_NAME".into(), "SRP_A".into());
                ("CUSTOM_AUTH", false, true)
            }
            AuthFlow::UserPassword => ("USER_PASSWORD_AUTH", true, false),
            AuthFlow::CustomWithoutSrp => ("CUSTOM_AUTH", false, false),
            AuthFlow::UserAuth(factor) => {
                if let Some(factor) = factor {
                    params.insert("PREFERRED_CHALLENGE".into(), factor.name().into());
                }
                (
                    "USER_AUTH",
                    factor == Some(FirstFactor::Password),
                    factor == Some(FirstFactor::PasswordSrp),
                )
            }
        };
        if srp {
            let srp = match new_srp(cx) {
                Ok(srp) => srp,
                Err(e) => return fail(e),
            };
            params.insert("SRP_A".into(), srp.srp_a().to_string());
            attempt.srp = Some(srp);
        }
        if password {
            let password = attempt
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            params.insert("PASSWORD".into(), password);
        }
        if let Some(device) = &attempt.device {
            params.insert("DEVICE_KEY".into(), device.device_key.clone());
        }
        let params = cx.config.with_secret_hash(params, &attempt.username);
        let request = op::InitiateAuth {
            auth_flow: flow_name,
            client_id: &cx.config.client_id,
            auth_parameters: params,
            client_metadata: None,
            session: session_text(&attempt.sign_up_session),
        }
        .request();
        self.send(cx, State::Authenticating(attempt), request)
    }

    /// Follows a reply: the kit answers the SRP and device challenges itself; a challenge for the
    /// user ends the flow with its step; tokens are stored.
    fn advance(
        &mut self,
        cx: &Ctx<'_>,
        mut attempt: Box<Attempt>,
        reply: AuthReply,
    ) -> Step<SignInOutput> {
        attempt.rounds += 1;
        if attempt.rounds > MAX_CHALLENGES {
            return fail(Error::protocol(
                crate::error::ProtocolErrorKind::UnexpectedChallenge,
                "ChallengeName",
                "more than ten challenges in one sign-in",
            ));
        }
        let (challenge, session, challenge_username) = match interpret(reply, &attempt.username) {
            Err(e) => return fail(e),
            Ok(Outcome::SignedIn(result)) => return self.finish(cx, attempt, result),
            Ok(Outcome::Challenge {
                challenge,
                session,
                username,
            }) => (challenge, session.map(Zeroizing::new), username),
        };
        let timestamp = cognito_timestamp(cx.now_seconds());
        let answer = match &challenge {
            Challenge::PasswordVerifier(v) => {
                let (Some(srp), Some(password)) = (&attempt.srp, &attempt.password) else {
                    return fail(invalid_state(
                        "PASSWORD_VERIFIER without an SRP sign-in in progress",
                    ));
                };
                srp.answer_user_challenge(&cx.pool_name, password.expose_secret(), v, &timestamp)
                    .map(|claim| {
                        let device_key = attempt.device.as_ref().map(|d| d.device_key.as_str());
                        let hash = cx.config.secret_hash(&claim.username);
                        claim.challenge_responses(device_key, hash.as_deref())
                    })
            }
            Challenge::DeviceSrpAuth => {
                let Some(device) = &attempt.device else {
                    return fail(invalid_state("DEVICE_SRP_AUTH without a device kept here"));
                };
                new_srp(cx).map(|srp| {
                    let mut responses = map(&[
                        ("USERNAME", &challenge_username),
                        ("DEVICE_KEY", &device.device_key),
                    ]);
                    responses.insert("SRP_A".into(), srp.srp_a().into());
                    attempt.device_srp = Some(srp);
                    cx.config.with_secret_hash(responses, &challenge_username)
                })
            }
            Challenge::DevicePasswordVerifier(v) => {
                let (Some(device), Some(srp)) = (&attempt.device, &attempt.device_srp) else {
                    return fail(invalid_state(
                        "DEVICE_PASSWORD_VERIFIER without device SRP in progress",
                    ));
                };
                srp.answer_device_challenge(
                    &device.device_group_key,
                    &device.device_key,
                    &device.device_password,
                    v,
                    &timestamp,
                )
                .map(|claim| {
                    let hash = cx.config.secret_hash(&claim.username);
                    claim.challenge_responses(Some(&device.device_key), hash.as_deref())
                })
            }
            _ => return self.wait_for_user(cx, attempt, challenge, session, challenge_username),
        };
        let request = answer.and_then(|responses| {
            respond_request(cx, challenge.name(), responses, session_text(&session))
        });
        match request {
            Ok(request) => {
                self.state = State::Authenticating(attempt);
                Step::Io(Io::Send(request))
            }
            Err(e) => fail(e),
        }
    }

    /// A challenge only the user can answer: its step, after setting up TOTP where it asks for it.
    fn wait_for_user(
        &mut self,
        cx: &Ctx<'_>,
        attempt: Box<Attempt>,
        challenge: Challenge,
        session: Option<Zeroizing<String>>,
        challenge_username: String,
    ) -> Step<SignInOutput> {
        let step = match &challenge {
            Challenge::SmsMfa(d) | Challenge::SmsOtp(d) => {
                NextStep::ConfirmSignInWithSmsCode(d.clone())
            }
            Challenge::SoftwareTokenMfa => NextStep::ConfirmSignInWithTotpCode,
            Challenge::EmailOtp(d) => NextStep::ConfirmSignInWithEmailCode(d.clone()),
            Challenge::SelectMfaType(options) => {
                let mut names = Vec::with_capacity(options.len());
                for o in options {
                    names.push(mfa_name(o).to_string());
                }
                NextStep::ContinueSignInWithMfaSelection(names)
            }
            Challenge::MfaSetup(options) => {
                if !options.is_empty() && !options.iter().any(|o| o == "SOFTWARE_TOKEN_MFA") {
                    return fail(Error::protocol(
                        crate::error::ProtocolErrorKind::UnexpectedChallenge,
                        "MFAS_CAN_SETUP",
                        cat!(
                            "the kit can set up an authenticator app, not ",
                            crate::error::quoted_list(options)
                        ),
                    ));
                }
                let request = op::AssociateSoftwareToken {
                    access_token: None,
                    session: session_text(&session),
                }
                .request();
                let next = State::Associating {
                    attempt,
                    challenge,
                    session,
                    challenge_username,
                };
                return self.send(cx, next, request);
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
            Challenge::WebAuthn(options) if !attempt.passkey_used => {
                let prompt = match Prompt::open(cx) {
                    Ok(p) => p,
                    Err(e) => return fail(e),
                };
                let options = options.clone();
                let mut attempt = attempt;
                attempt.passkey_used = true;
                self.state = State::Passkey {
                    attempt,
                    session,
                    challenge_username,
                    _prompt: prompt,
                };
                return Step::Io(Io::Credential {
                    create: false,
                    options,
                });
            }
            other => {
                return fail(Error::protocol(
                    crate::error::ProtocolErrorKind::UnexpectedChallenge,
                    "ChallengeName",
                    cat!(other.name(), " cannot be answered here"),
                ))
            }
        };
        park(cx, attempt, challenge, session, challenge_username, step)
    }

    /// Sends the user's answer to the waiting step. An answer of the wrong kind keeps the step.
    fn send_answer(&mut self, cx: &Ctx<'_>, answer: UserAnswer) -> Step<SignInOutput> {
        let Some(pending) = cx.pending.borrow_mut().take() else {
            return fail(invalid_state("no sign-in is waiting for an answer"));
        };
        // MFA methods are offered with Amplify's names (`TOTP`, `SMS`, `EMAIL`); the service's are
        // accepted too.
        let mut answer = match (&pending.challenge, answer) {
            (Challenge::SelectMfaType(_), UserAnswer::Choice(ref c)) => {
                UserAnswer::Choice(mfa_service_name(c).to_string())
            }
            (_, answer) => answer,
        };
        if let Challenge::SelectChallenge(options) = &pending.challenge {
            let options = options.clone();
            return self.select_first_factor(cx, pending, answer, options);
        }
        if let Challenge::MfaSetup(_) = &pending.challenge {
            let UserAnswer::Code(code) = &answer else {
                zeroize::Zeroize::zeroize(&mut answer);
                *cx.pending.borrow_mut() = Some(pending);
                return fail(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    "TOTP setup is answered with a code",
                ));
            };
            let request = op::VerifySoftwareToken {
                access_token: None,
                session: session_text(&pending.session),
                user_code: code,
                friendly_device_name: None,
            }
            .request();
            return self.send(cx, State::Verifying(pending), request);
        }
        let hash = cx.config.secret_hash(&pending.challenge_username);
        let mut responses = match user_answer(
            &pending.challenge,
            &pending.challenge_username,
            answer,
            hash.as_deref(),
        ) {
            Ok(r) => r,
            Err(e) => {
                *cx.pending.borrow_mut() = Some(pending);
                return fail(e);
            }
        };
        // The device presented at the start goes with a code or a custom answer too, as both
        // reference clients send it: the service then knows the sign-in's device at its end.
        if let (
            Some(device),
            Challenge::SmsMfa(_)
            | Challenge::SoftwareTokenMfa
            | Challenge::EmailOtp(_)
            | Challenge::SmsOtp(_)
            | Challenge::CustomChallenge(_),
        ) = (&pending.device, &pending.challenge)
        {
            responses.insert("DEVICE_KEY".into(), device.device_key.clone());
        }
        let request = respond_request(
            cx,
            pending.challenge.name(),
            responses,
            session_text(&pending.session),
        );
        self.send(cx, State::Answered(pending, None), request)
    }

    /// A factor chosen after a passkey failed: a new `USER_AUTH` sign-in that prefers it (a
    /// password factor asks for the password first).
    fn restart_with(
        &mut self,
        cx: &Ctx<'_>,
        mut pending: Box<Pending>,
        mut answer: UserAnswer,
        options: &[String],
    ) -> Step<SignInOutput> {
        let (factor, password) = match (pending.factor, &mut answer) {
            (None, UserAnswer::Choice(choice)) => {
                let offered = options.is_empty() || options.iter().any(|o| o == choice);
                match FirstFactor::from_name(choice).filter(|_| offered) {
                    Some(f) if f.is_password() => {
                        pending.factor = Some(f);
                        *cx.pending.borrow_mut() = Some(pending);
                        return done(Ok(SignInOutput::step(NextStep::ConfirmSignInWithPassword)));
                    }
                    Some(f) => (f, None),
                    None => {
                        *cx.pending.borrow_mut() = Some(pending);
                        return fail(Error::misuse(
                            MisuseErrorKind::InvalidArgument,
                            "the first-factor selection is answered with a factor's name",
                        ));
                    }
                }
            }
            (Some(f), UserAnswer::Password(p)) if !p.is_empty() => {
                (f, Some(Password::new(core::mem::take(p))))
            }
            _ => {
                zeroize::Zeroize::zeroize(&mut answer);
                *cx.pending.borrow_mut() = Some(pending);
                return fail(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    "the password factor is answered with the password",
                ));
            }
        };
        let attempt = Attempt::new(
            pending.username,
            password,
            AuthFlow::UserAuth(Some(factor)),
            pending.device,
            pending.epoch,
        );
        self.initiate(cx, attempt)
    }

    /// The platform's passkey answers `WEB_AUTHN`. When there is none (the user cancelled, no
    /// authenticator, no WebAuthn), the sign-in fails with that error but stays open: the user may
    /// choose another factor (or the passkey again), which starts a new sign-in with it.
    fn passkey_answered(
        &mut self,
        cx: &Ctx<'_>,
        attempt: Box<Attempt>,
        session: Option<Zeroizing<String>>,
        challenge_username: String,
        credential: Result<String>,
    ) -> Step<SignInOutput> {
        let credential = match credential {
            Ok(c) => Zeroizing::new(c),
            Err(e) => {
                let step = NextStep::ContinueSignInWithFirstFactorSelection(Vec::new());
                let challenge = Challenge::SelectChallenge(Vec::new());
                if let Step::Done(Err(stale)) =
                    park(cx, attempt, challenge, None, challenge_username, step)
                {
                    return fail(stale);
                }
                return fail(e);
            }
        };
        // A sign-out or a newer sign-in while the prompt was open: the service is not asked for
        // tokens that would only be dropped.
        if let Err(e) = cx.still_current(attempt.epoch) {
            return fail(e);
        }
        let mut responses = map(&[
            ("USERNAME", &challenge_username),
            ("CREDENTIAL", &credential),
        ]);
        if let Some(device) = &attempt.device {
            responses.insert("DEVICE_KEY".into(), device.device_key.clone());
        }
        let responses = cx.config.with_secret_hash(responses, &challenge_username);
        let request = respond_request(cx, "WEB_AUTHN", responses, session_text(&session));
        self.send(cx, State::Authenticating(attempt), request)
    }

    /// Answers the first-factor selection. A code factor or a passkey is sent as the choice (the
    /// service sends the code, or asks for the passkey); the password factors ask the user for
    /// the password first, without a request, and send it with the choice: as it is for
    /// `PASSWORD`, as SRP's A for `PASSWORD_SRP` (the kit then answers `PASSWORD_VERIFIER`).
    fn select_first_factor(
        &mut self,
        cx: &Ctx<'_>,
        mut pending: Box<Pending>,
        mut answer: UserAnswer,
        options: Vec<String>,
    ) -> Step<SignInOutput> {
        let keep = |pending: Box<Pending>, e: Error| {
            *cx.pending.borrow_mut() = Some(pending);
            fail(e)
        };
        if pending.session.is_none() {
            return self.restart_with(cx, pending, answer, &options);
        }
        let hash = cx.config.secret_hash(&pending.challenge_username);
        let (responses, factor) = match (pending.factor, &mut answer) {
            (None, UserAnswer::Choice(choice)) => {
                let chosen = FirstFactor::from_name(choice).filter(|f| f.is_password());
                let offered = options.is_empty() || options.iter().any(|o| o == choice);
                if let (Some(factor), true) = (chosen, offered) {
                    pending.factor = Some(factor);
                    *cx.pending.borrow_mut() = Some(pending);
                    return done(Ok(SignInOutput::step(NextStep::ConfirmSignInWithPassword)));
                }
                let answer = core::mem::replace(&mut answer, UserAnswer::Choice(String::new()));
                match user_answer(
                    &pending.challenge,
                    &pending.challenge_username,
                    answer,
                    hash.as_deref(),
                ) {
                    Ok(responses) => (responses, None),
                    Err(e) => return keep(pending, e),
                }
            }
            (Some(factor), UserAnswer::Password(password)) if !password.is_empty() => {
                let password = Password::new(core::mem::take(password));
                let mut responses = map(&[
                    ("USERNAME", &pending.challenge_username),
                    ("ANSWER", factor.name()),
                ]);
                let srp = if factor == FirstFactor::PasswordSrp {
                    match new_srp(cx) {
                        Ok(srp) => {
                            responses.insert("SRP_A".into(), srp.srp_a().to_string());
                            Some((srp, password))
                        }
                        Err(e) => return keep(pending, e),
                    }
                } else {
                    responses.insert("PASSWORD".into(), password.expose_secret().to_string());
                    None
                };
                if let Some(hash) = hash {
                    responses.insert("SECRET_HASH".into(), hash);
                }
                (responses, srp)
            }
            (Some(_), _) => {
                zeroize::Zeroize::zeroize(&mut answer);
                return keep(
                    pending,
                    Error::misuse(
                        MisuseErrorKind::InvalidArgument,
                        "the password factor is answered with the password",
                    ),
                );
            }
            (None, _) => {
                zeroize::Zeroize::zeroize(&mut answer);
                return keep(
                    pending,
                    Error::misuse(
                        MisuseErrorKind::InvalidArgument,
                        "the first-factor selection is answered with a factor's name",
                    ),
                );
            }
        };
        let request = respond_request(
            cx,
            "SELECT_CHALLENGE",
            responses,
            session_text(&pending.session),
        );
        self.send(cx, State::Answered(pending, factor), request)
    }

    /// Checks the tokens of a completed sign-in and starts storing them: both tokens must decode,
    /// and a sign-in that a newer sign-in or a sign-out replaced while it was on the wire stores
    /// nothing.
    // Boxed as every state holds it: its fields are moved out here rather than the whole record
    // out of its box at each caller.
    #[allow(clippy::boxed_local)]
    fn finish(
        &mut self,
        cx: &Ctx<'_>,
        attempt: Box<Attempt>,
        result: AuthenticationResult,
    ) -> Step<SignInOutput> {
        let record = (|| {
            let id_token = result.id_token.clone().ok_or_else(|| {
                Error::protocol(
                    crate::error::ProtocolErrorKind::MissingField,
                    "IdToken",
                    "absent after sign-in",
                )
            })?;
            let id = Jwt::decode(id_token.expose_secret())?;
            Jwt::decode(result.access_token.expose_secret())?;
            cx.still_current(attempt.epoch)?;
            let username = id.username().unwrap_or(&attempt.username).to_string();
            let issued = id.issued_at()?.unwrap_or_else(|| cx.now_seconds());
            Ok(TokenRecord {
                stored_as: username.clone(),
                username,
                signed_in_as: attempt.username.clone(),
                id_token,
                access_token: result.access_token.clone(),
                refresh_token: result.refresh_token.clone(),
                clock_drift: clock_drift(cx.now_seconds(), issued),
            })
        })();
        let record = match record {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
        self.state = State::Finishing(Box::new(Finish {
            record,
            typed_username: attempt.username,
            epoch: attempt.epoch,
            new_device: result.new_device_metadata,
            stage: Stage::Locking,
        }));
        Step::Io(super::session::refresh_lock(cx))
    }

    fn finishing(&mut self, cx: &Ctx<'_>, mut f: Box<Finish>, input: Input) -> Step<SignInOutput> {
        let username = f.record.username.clone();
        let stage = core::mem::replace(&mut f.stage, Stage::Emitting);
        // Leaves the stages that run under the lock: it goes back first.
        fn unlock(f: &mut Finish, result: Result<()>) -> Io {
            f.stage = Stage::Unlocking(result);
            Io::Unlock
        }
        let io = match (stage, input) {
            // A sign-out or a newer sign-in while the lock was awaited wins: nothing is written.
            (Stage::Locking, Input::Locked) => match cx.still_current(f.epoch) {
                Ok(()) => {
                    f.stage = Stage::Previous;
                    Io::Get(cx.keys.last_user())
                }
                Err(e) => unlock(&mut f, Err(e)),
            },
            (Stage::Previous, Input::Value(previous)) => match previous {
                Ok(previous) => {
                    f.stage = Stage::Tokens { previous };
                    cx.session_changes();
                    Io::Set(cx.keys.tokens(&username), record_text(&f.record))
                }
                Err(e) => unlock(&mut f, Err(e)),
            },
            (Stage::Tokens { previous }, Input::Stored(stored)) => match stored {
                Ok(()) => {
                    f.stage = Stage::Marker { previous };
                    Io::Set(cx.keys.last_user(), Zeroizing::new(username.clone()))
                }
                Err(e) => unlock(&mut f, Err(e)),
            },
            // A sign-out (or a newer sign-in) that ran while the record was being written wins:
            // what this sign-in wrote is taken back. Not half a session either: tokens nobody is
            // signed in with do not stay behind when the marker cannot be written.
            (Stage::Marker { previous }, Input::Stored(marked)) => {
                match marked.and_then(|()| cx.still_current(f.epoch)) {
                    Err(e) => {
                        f.stage = Stage::UndoTokens(e);
                        Io::Remove(cx.keys.tokens(&username))
                    }
                    // One signed-in user per pool client: the previous user's tokens go.
                    Ok(()) => match previous.filter(|p| *p != username) {
                        Some(previous) => {
                            f.stage = Stage::RemovePrevious;
                            Io::Remove(cx.keys.tokens(&previous))
                        }
                        None => unlock(&mut f, Ok(())),
                    },
                }
            }
            (Stage::UndoTokens(e), Input::Stored(_)) => {
                f.stage = Stage::UndoReadMarker(e);
                Io::Get(cx.keys.last_user())
            }
            (Stage::UndoReadMarker(e), Input::Value(marker)) => {
                if marker.ok().flatten().as_deref() != Some(username.as_str()) {
                    unlock(&mut f, Err(e))
                } else {
                    f.stage = Stage::UndoMarker(e);
                    Io::Remove(cx.keys.last_user())
                }
            }
            (Stage::UndoMarker(e), Input::Stored(_)) => unlock(&mut f, Err(e)),
            (Stage::RemovePrevious, Input::Stored(removed)) => unlock(&mut f, removed),
            (Stage::Unlocking(result), Input::Unlocked) => {
                return match result {
                    Ok(()) => self.confirm_device(cx, f),
                    Err(e) => fail(e),
                }
            }
            // A failure to confirm the device does not undo the sign-in: the device is simply not
            // kept.
            (Stage::ConfirmingDevice(mut device), Input::Reply(reply)) => {
                match reply.and_then(|r| reply_as::<op::ConfirmDeviceReply>(&r)) {
                    Ok(confirmed) => {
                        device.remembered = !confirmed.user_confirmation_necessary;
                        f.stage = Stage::Device;
                        Io::Set(cx.keys.device(&f.typed_username), record_text(&device))
                    }
                    Err(_) => Io::Emit(Event::SignedIn),
                }
            }
            (Stage::Device, Input::Stored(_)) => Io::Emit(Event::SignedIn),
            (Stage::Emitting, Input::Told) => return done(Ok(SignInOutput::step(NextStep::Done))),
            _ => return unexpected_input(),
        };
        self.state = State::Finishing(f);
        Step::Io(io)
    }

    /// Confirms the new device the service announced, if any; then tells the listeners.
    fn confirm_device(&mut self, cx: &Ctx<'_>, mut f: Box<Finish>) -> Step<SignInOutput> {
        let request = f.new_device.take().and_then(|meta| {
            let mut password = Zeroizing::new([0u8; 40]);
            let mut salt = [0u8; 16];
            cx.env.fill_random(&mut password[..]).ok()?;
            cx.env.fill_random(&mut salt).ok()?;
            let verifier = DeviceVerifier::generate(
                &meta.device_group_key,
                &meta.device_key,
                &password,
                &salt,
            );
            let request = op::ConfirmDevice {
                access_token: f.record.access_token.expose_secret(),
                device_key: &meta.device_key,
                device_secret_verifier_config: op::DeviceSecretVerifierConfig {
                    password_verifier: &verifier.password_verifier,
                    salt: &verifier.salt,
                },
                device_name: cx.config.device_name.as_deref(),
            }
            .request()
            .ok()?;
            let device = DeviceRecord {
                device_key: meta.device_key,
                device_group_key: meta.device_group_key,
                device_password: verifier.password,
                remembered: false,
            };
            Some((request, device))
        });
        let io = match request {
            Some((request, device)) => {
                f.stage = Stage::ConfirmingDevice(device);
                Io::Send(request)
            }
            None => {
                f.stage = Stage::Emitting;
                Io::Emit(Event::SignedIn)
            }
        };
        self.state = State::Finishing(f);
        Step::Io(io)
    }
}

/// Keeps the sign-in waiting for the user's answer and reports its step.
#[allow(clippy::boxed_local)] // as `SignIn::finish`
fn park(
    cx: &Ctx<'_>,
    attempt: Box<Attempt>,
    challenge: Challenge,
    session: Option<Zeroizing<String>>,
    challenge_username: String,
    step: NextStep,
) -> Step<SignInOutput> {
    if let Err(e) = cx.still_current(attempt.epoch) {
        return fail(e);
    }
    *cx.pending.borrow_mut() = Some(Box::new(Pending {
        username: attempt.username,
        challenge,
        session,
        challenge_username,
        device: attempt.device,
        epoch: attempt.epoch,
        factor: None,
    }));
    done(Ok(SignInOutput::step(step)))
}

/// A failed answer: the step stays open when the user can correct it, while it is still the current
/// sign-in and nothing replaced it.
fn answer_failed(cx: &Ctx<'_>, pending: Box<Pending>, error: Error) -> Step<SignInOutput> {
    let mut slot = cx.pending.borrow_mut();
    if correctable(&error) && pending.epoch == cx.epoch.get() && slot.is_none() {
        *slot = Some(pending);
    }
    fail(error)
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
        self.drive(&mut SignIn::begin(username, password, flow))
            .await
    }

    /// Signs in the user [`CognitoAuth::confirm_sign_up`] just confirmed, with the session the
    /// service returned for it (choice-based sign-in: the confirmation code was the first factor).
    /// The session serves once; `InvalidState` when there is none.
    pub async fn auto_sign_in(&self) -> Result<SignInOutput> {
        let mut flow = SignIn::after_sign_up(&self.core)?;
        self.drive(&mut flow).await
    }

    /// The challenge a sign-in is waiting on, if any.
    pub fn pending_challenge(&self) -> Option<Challenge> {
        self.core
            .pending
            .borrow()
            .as_ref()
            .map(|p| p.challenge.clone())
    }

    /// Answers the waiting step with what the user typed or chose: a code, an MFA method or first
    /// factor, a new password (with `attributes` the step asked for), a custom answer or a passkey
    /// assertion, as the step requires.
    pub async fn confirm_sign_in_response(
        &self,
        response: String,
        attributes: StringMap,
    ) -> Result<SignInOutput> {
        let answer = answer_for(&self.core, response, attributes)?;
        self.confirm_sign_in(answer).await
    }

    /// Answers the step `sign_in` (or a previous `confirm_sign_in`) returned. An answer the user can
    /// correct (a wrong code, a password the policy refuses) keeps the step open for another try;
    /// other failures end the sign-in.
    pub async fn confirm_sign_in(&self, answer: UserAnswer) -> Result<SignInOutput> {
        self.drive(&mut SignIn::confirm(answer)).await
    }
}

/// What the user typed or chose, as the answer the waiting step takes: a code, an MFA method or
/// first factor, a new password (with `attributes` the step asked for), a custom answer or a
/// passkey assertion.
pub(crate) fn answer_for(
    core: &Core,
    response: String,
    attributes: StringMap,
) -> Result<UserAnswer> {
    Ok(match core.pending.borrow().as_ref().map(|p| &p.challenge) {
        None => {
            drop(Zeroizing::new(response));
            return Err(invalid_state("no sign-in is waiting for an answer"));
        }
        Some(
            Challenge::SmsMfa(_)
            | Challenge::SoftwareTokenMfa
            | Challenge::EmailOtp(_)
            | Challenge::SmsOtp(_)
            | Challenge::MfaSetup(_),
        ) => UserAnswer::Code(response),
        Some(Challenge::SelectChallenge(_))
            if core
                .pending
                .borrow()
                .as_ref()
                .is_some_and(|p| p.factor.is_some()) =>
        {
            UserAnswer::Password(response)
        }
        Some(Challenge::SelectMfaType(_) | Challenge::SelectChallenge(_)) => {
            UserAnswer::Choice(response)
        }
        Some(Challenge::NewPasswordRequired { .. }) => UserAnswer::NewPassword {
            password: response,
            attributes,
        },
        Some(Challenge::WebAuthn(_)) => UserAnswer::Credential(response),
        Some(_) => UserAnswer::Custom(response),
    })
}
