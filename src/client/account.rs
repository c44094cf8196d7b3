//! The account: sign-up, passwords, the user and attributes, MFA settings, devices. One request
//! that stands alone is a [`Call`] sent by the [`Account`] flow; what also reads or changes what is
//! stored is a [`Local`] flow.

use super::machine::{read_record, record_text, Ctx, Flow, Input, Io, Step};
use super::session::{
    access_token_expired, EndSession, Ended, GetSession, Load, Loaded, Need, Refresh,
};
use super::*;
use crate::json::{Json, ObjectWriter};
use crate::text::cat;

/// One request of the account that stands alone, the caller reading its reply. Every such request,
/// whether a Rust app's typed method, a [`Local`] flow or the package's JSON method (a row of
/// `methods::CALLS`) makes it, is built here and sent by the [`Account`] flow: one place for how a
/// body starts (the client id and SECRET_HASH, or the access token), for whether it carries the
/// access token (and so is refreshed and repeated when the service calls the token expired) and
/// for whether it is retried. A call is data — the operation and its own members — so that the
/// package's methods are rows of a table rather than a function each.
pub(crate) struct Call {
    /// The operation, e.g. `GetUser`.
    pub(crate) operation: &'static str,
    /// `None` for a request made without a session; for one that carries the access token,
    /// whether it only reads (then network failures, throttling and 5xx are retried).
    access: Option<bool>,
    /// The user a request without a session is for (its `Username`, and SECRET_HASH's).
    pub(crate) username: Option<String>,
    /// The request's own members as a JSON object (not the client id, SECRET_HASH or access
    /// token). It may hold passwords and codes: zeroed when dropped.
    members: Zeroizing<String>,
}

/// Writes the members of a request.
pub(crate) type Members<'a> = &'a mut dyn FnMut(&mut ObjectWriter);

impl Call {
    /// A request made without a session, for `username`: `members` writes what follows its
    /// `Username`.
    pub(crate) fn public(operation: &'static str, username: &str, members: Members<'_>) -> Call {
        let mut w = ObjectWriter::new();
        w.str("Username", username);
        members(&mut w);
        Call::new(operation, None, Some(username.into()), w)
    }

    /// A request with the session's access token; `reads`: it changes nothing.
    pub(crate) fn signed(operation: &'static str, reads: bool, members: Members<'_>) -> Call {
        let mut w = ObjectWriter::new();
        members(&mut w);
        Call::new(operation, Some(reads), None, w)
    }

    /// A call of `operation` whose own members `members` holds; `access` and `username` as
    /// [`Call::access`] and [`Call::username`] say.
    pub(crate) fn new(
        operation: &'static str,
        access: Option<bool>,
        username: Option<String>,
        members: ObjectWriter,
    ) -> Call {
        Call {
            operation,
            access,
            username,
            members: Zeroizing::new(members.finish()),
        }
    }

    /// The request, with `token` as the access token where it carries one.
    fn request(&self, client_id: &str, hash: Option<&str>, token: &str) -> ApiRequest {
        let mut w = ObjectWriter::new();
        match self.access {
            None => {
                w.str("ClientId", client_id);
                w.opt_str("SecretHash", hash);
            }
            Some(_) => w.str("AccessToken", token),
        }
        w.splice(&self.members);
        ApiRequest {
            operation: self.operation,
            body: Zeroizing::new(w.finish()),
        }
    }
}

/// Name/value pairs as the service's attribute list (`UserAttributes`).
pub(crate) fn write_attributes(w: &mut ObjectWriter, key: &str, attributes: &[(String, String)]) {
    w.array(key, attributes.len(), &mut |i, w| {
        w.str("Name", &attributes[i].0);
        w.str("Value", &attributes[i].1);
    });
}

/// One MFA method's settings, left out when `None` (the two members written here rather than through
/// `MfaSettings`' own writer, which measured 72 B larger in the package).
pub(crate) fn write_mfa(w: &mut ObjectWriter, key: &str, settings: Option<op::MfaSettings>) {
    if let Some(s) = settings {
        w.object(key, &mut |w| {
            w.bool("Enabled", s.enabled);
            w.bool("PreferredMfa", s.preferred_mfa);
        });
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
            message: cat!("verification status ", other),
            status: 400,
        })),
    }
}

/// One [`Call`]: sent as it is, or with the session's access token. When the service answers that
/// the token has expired although the local clock says it has not (clock skew, a laptop that
/// slept), the session is refreshed once and the call made again, instead of failing or, worse,
/// ending a session whose refresh token has weeks left. A call that only reads is retried on
/// network failures, throttling and 5xx, twice, with jittered exponential backoff. The reply,
/// failure or not, is the caller's to read with [`reply_as`].
pub(crate) struct Account {
    call: Call,
    state: AccountState,
}

enum AccountState {
    Start,
    /// Reading (and maybe refreshing) the session for its access token.
    Session(Box<GetSession>),
    /// The request is on its way; `attempt` counts the retries, `refreshed` whether the token was
    /// refreshed already.
    Sent(Sending),
    /// Waiting before the next attempt.
    Sleeping(Sending),
    /// Refreshing the token the service called expired.
    Refreshing(Box<Refresh>, String),
    Over,
}

struct Sending {
    /// The access token and the user it belongs to (`None`: a call without a session).
    token: Option<(AccessToken, String)>,
    attempt: u32,
    refreshed: bool,
}

impl Account {
    pub(crate) fn new(call: Call) -> Self {
        Account {
            call,
            state: AccountState::Start,
        }
    }

    /// The call consumed by its flow (for the reply's shape).
    pub(crate) fn call(&self) -> &Call {
        &self.call
    }

    fn send(&mut self, cx: &Ctx<'_>, sending: Sending) -> Step<HttpReply> {
        let request = match &sending.token {
            None => {
                let hash = (self.call.username.as_deref()).and_then(|u| cx.config.secret_hash(u));
                self.call.request(&cx.config.client_id, hash.as_deref(), "")
            }
            Some((token, _)) => {
                self.call
                    .request(&cx.config.client_id, None, token.expose_secret())
            }
        };
        self.state = AccountState::Sent(sending);
        Step::Io(Io::Send(request))
    }
}

impl Account {
    /// A confirmed sign-up's session serves one choice-based sign-in of that user right after it
    /// ([`SignIn::after_sign_up`]); it is kept in memory, never stored.
    fn keep_sign_up_session(&self, cx: &Ctx<'_>, outcome: &Result<HttpReply>) {
        let (Some(username), "ConfirmSignUp") = (&self.call.username, self.call.operation) else {
            return;
        };
        let session = outcome
            .as_ref()
            .ok()
            .and_then(|r| reply_as::<op::ConfirmSignUpReply>(r).ok())
            .and_then(|r| r.session);
        *cx.sign_up_session.borrow_mut() = session.map(|s| (username.clone(), Zeroizing::new(s)));
    }
}

/// Whether an outcome of a call that only reads is worth another attempt.
fn retryable(outcome: &Result<HttpReply>) -> bool {
    match outcome {
        Ok(reply) => {
            crate::api::reply_failure(reply.status, reply.error_type.as_deref(), &reply.body)
                .is_some_and(|e| e.retryable())
        }
        Err(e) => {
            e.retryable()
                && !matches!(e, Error::Transport(t) if t.kind == TransportErrorKind::Aborted)
        }
    }
}

impl Flow for Account {
    type Output = HttpReply;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<HttpReply> {
        use AccountState as S;
        match (core::mem::replace(&mut self.state, S::Over), input) {
            (S::Start, Input::Start) => match self.call.access {
                None => self.send(
                    cx,
                    Sending {
                        token: None,
                        attempt: 0,
                        refreshed: false,
                    },
                ),
                Some(_) => {
                    self.state = S::Session(Box::new(GetSession::new()));
                    self.resume(cx, Input::Start)
                }
            },
            (S::Session(mut session), input) => match session.resume(cx, input) {
                Step::Io(io) => {
                    self.state = S::Session(session);
                    Step::Io(io)
                }
                Step::Done(Ok(session)) => self.send(
                    cx,
                    Sending {
                        token: Some((session.access_token, session.username)),
                        attempt: 0,
                        refreshed: false,
                    },
                ),
                Step::Done(Err(e)) => Step::Done(Err(e)),
            },
            (S::Sent(sending), Input::Reply(outcome)) => {
                let idempotent = self.call.access == Some(true);
                if idempotent && sending.attempt < 2 && retryable(&outcome) {
                    let mut jitter = [0u8; 1];
                    let _ = cx.env.fill_random(&mut jitter);
                    let base = 200u32 << sending.attempt;
                    self.state = S::Sleeping(sending);
                    return Step::Io(Io::Sleep(base / 2 + base * u32::from(jitter[0]) / 255));
                }
                match (outcome, sending.token) {
                    (Ok(reply), Some((token, username)))
                        if !sending.refreshed && access_token_expired(&reply) =>
                    {
                        self.state =
                            S::Refreshing(Box::new(Refresh::new(Need::Replacing(token))), username);
                        self.resume(cx, Input::Start)
                    }
                    (outcome, _) => {
                        self.keep_sign_up_session(cx, &outcome);
                        Step::Done(outcome)
                    }
                }
            }
            (S::Sleeping(sending), Input::Slept) => self.send(
                cx,
                Sending {
                    attempt: sending.attempt + 1,
                    ..sending
                },
            ),
            (S::Refreshing(mut refresh, username), input) => match refresh.resume(cx, input) {
                Step::Io(io) => {
                    self.state = S::Refreshing(refresh, username);
                    Step::Io(io)
                }
                // Never for another user: a sign-out and a new sign-in may have happened meanwhile.
                Step::Done(Ok(fresh)) if fresh.username != username => {
                    Step::Done(Err(not_signed_in()))
                }
                Step::Done(Ok(fresh)) => self.send(
                    cx,
                    Sending {
                        token: Some((fresh.access_token, fresh.username)),
                        attempt: 0,
                        refreshed: true,
                    },
                ),
                Step::Done(Err(e)) => Step::Done(Err(e)),
            },
            _ => Step::Done(Err(invalid_state(
                "a call was resumed with an input it did not ask for",
            ))),
        }
    }
}

/// What reads or changes what is stored besides a call: the user's deletion, an authenticator's
/// setup, the devices.
pub(crate) enum LocalAction {
    /// `DeleteUser`, then the device kept for the user and the session go.
    DeleteUser,
    /// `AssociateSoftwareToken`: the secret and an otpauth URI for this issuer (default: the pool).
    SetUpTotp(Option<String>),
    /// Remembers the device kept here.
    RememberDevice,
    /// Forgets a device (the one kept here when `None`), and locally when it is this one.
    ForgetDevice(Option<String>),
    /// One device (the one kept here when `None`).
    GetDevice(Option<String>),
    /// Every device, page by page.
    ListDevices,
    /// Registers a passkey: the service's creation options, the platform's authenticator, the
    /// new credential back to the service.
    AssociatePasskey,
}

/// What a [`Local`] flow ends with.
pub(crate) enum LocalOutput {
    Nothing,
    /// The TOTP secret and its otpauth URI: zeroed once written out.
    Totp(Zeroizing<String>, Zeroizing<String>),
    Device(op::DeviceType),
    Devices(Vec<op::DeviceType>),
}

/// The flow of a [`LocalAction`].
pub(crate) struct Local {
    action: LocalAction,
    /// The session, once read.
    record: Option<TokenRecord>,
    /// The key of the device record kept for the user, and that record.
    device: Option<(String, Option<DeviceRecord>)>,
    /// The device a forget is for.
    target: String,
    devices: Vec<op::DeviceType>,
    state: LocalState,
}

enum LocalState {
    Start,
    Loading(Load),
    Device,
    Calling(Box<Account>),
    /// The platform's authenticator was asked for a new passkey.
    Creating(super::machine::Prompt),
    /// The local record is being written or removed.
    Storing,
    /// Waiting for the cross-tab lock, to end the deleted user's session under it (unless the
    /// stored session changed from this generation meanwhile).
    Locking(String, u64),
    Ending(EndSession),
    /// Releasing the lock; then the flow ends with this.
    Unlocking(Result<()>),
    Over,
}

impl Local {
    pub(crate) fn new(action: LocalAction) -> Self {
        Local {
            action,
            record: None,
            device: None,
            target: String::new(),
            devices: Vec::new(),
            state: LocalState::Start,
        }
    }

    fn call(&mut self, cx: &Ctx<'_>, call: Call) -> Step<LocalOutput> {
        self.state = LocalState::Calling(Box::new(Account::new(call)));
        self.resume(cx, Input::Start)
    }

    fn fail(error: Error) -> Step<LocalOutput> {
        Step::Done(Err(error))
    }

    /// The session was read.
    fn loaded(&mut self, cx: &Ctx<'_>, record: TokenRecord) -> Step<LocalOutput> {
        let next = match self.action {
            LocalAction::DeleteUser => Some(Call::signed("DeleteUser", false, &mut |_| {})),
            LocalAction::SetUpTotp(_) => {
                Some(Call::signed("AssociateSoftwareToken", false, &mut |_| {}))
            }
            _ => None,
        };
        let device_key = cx.keys.device(&record.signed_in_as);
        self.record = Some(record);
        match next {
            Some(call) => self.call(cx, call),
            None => {
                self.state = LocalState::Device;
                self.device = Some((device_key.clone(), None));
                Step::Io(Io::Get(device_key))
            }
        }
    }

    /// The device record kept here was read.
    fn device_read(&mut self, cx: &Ctx<'_>, local: Option<DeviceRecord>) -> Step<LocalOutput> {
        let local_key = local.as_ref().map(|d| d.device_key.clone());
        if let Some((_, slot)) = &mut self.device {
            *slot = local;
        }
        let call = match &self.action {
            LocalAction::RememberDevice => match local_key {
                Some(k) => Call::signed("UpdateDeviceStatus", false, &mut |w| {
                    w.str("DeviceKey", &k);
                    w.str("DeviceRememberedStatus", "remembered");
                }),
                None => return Self::fail(invalid_state("this sign-in has no device to remember")),
            },
            LocalAction::ForgetDevice(given) => match given.clone().or(local_key) {
                Some(k) => {
                    self.target = k;
                    Call::signed("ForgetDevice", false, &mut |w| {
                        w.str("DeviceKey", &self.target)
                    })
                }
                None => return Self::fail(invalid_state("no device is remembered here")),
            },
            _ => match local_key {
                Some(k) => get_device(&k),
                None => return Self::fail(invalid_state("no device is kept here")),
            },
        };
        self.call(cx, call)
    }

    /// The call's reply arrived.
    fn replied(&mut self, cx: &Ctx<'_>, call: &Call, reply: HttpReply) -> Step<LocalOutput> {
        match &self.action {
            LocalAction::DeleteUser => {
                if let Err(e) = reply_as::<op::Empty>(&reply) {
                    return Self::fail(e);
                }
                let Some(record) = &self.record else {
                    return Self::fail(not_signed_in());
                };
                // The service deleted the device with the user: presenting its key again would fail.
                self.state = LocalState::Storing;
                Step::Io(Io::Remove(cx.keys.device(&record.signed_in_as)))
            }
            LocalAction::SetUpTotp(issuer) => {
                let reply = match reply_as::<op::AssociateSoftwareTokenReply>(&reply) {
                    Ok(r) => r,
                    Err(e) => return Self::fail(e),
                };
                // The app's entry is labelled with the name the user signs in with (an email,
                // say), not the pool's internal user id.
                let account = self.record.as_ref().map_or("", |r| r.signed_in_as.as_str());
                let uri = otpauth_uri(
                    issuer.as_deref().unwrap_or(&cx.pool_name),
                    account,
                    &reply.secret_code,
                );
                Step::Done(Ok(LocalOutput::Totp(
                    Zeroizing::new(reply.secret_code),
                    Zeroizing::new(uri),
                )))
            }
            LocalAction::RememberDevice => {
                if let Err(e) = reply_as::<op::Empty>(&reply) {
                    return Self::fail(e);
                }
                match &mut self.device {
                    Some((key, Some(device))) => {
                        device.remembered = true;
                        let io = Io::Set(key.clone(), record_text(device));
                        self.state = LocalState::Storing;
                        Step::Io(io)
                    }
                    _ => Step::Done(Ok(LocalOutput::Nothing)),
                }
            }
            LocalAction::ForgetDevice(_) => {
                if let Err(e) = reply_as::<op::Empty>(&reply) {
                    return Self::fail(e);
                }
                match &self.device {
                    Some((key, Some(local))) if local.device_key == self.target => {
                        self.state = LocalState::Storing;
                        Step::Io(Io::Remove(key.clone()))
                    }
                    _ => Step::Done(Ok(LocalOutput::Nothing)),
                }
            }
            LocalAction::AssociatePasskey => match call.operation {
                "StartWebAuthnRegistration" => {
                    match reply_as::<op::StartWebAuthnRegistrationReply>(&reply) {
                        Ok(r) => {
                            let prompt = match super::machine::Prompt::open(cx) {
                                Ok(p) => p,
                                Err(e) => return Self::fail(e),
                            };
                            let mut options = String::new();
                            r.credential_creation_options.write(&mut options);
                            self.state = LocalState::Creating(prompt);
                            Step::Io(Io::Credential {
                                create: true,
                                options,
                            })
                        }
                        Err(e) => Self::fail(e),
                    }
                }
                _ => Step::Done(reply_as::<op::Empty>(&reply).map(|_| LocalOutput::Nothing)),
            },
            LocalAction::GetDevice(_) => Step::Done(
                reply_as::<op::GetDeviceReply>(&reply).map(|r| LocalOutput::Device(r.device)),
            ),
            LocalAction::ListDevices => {
                let reply = match reply_as::<op::ListDevicesReply>(&reply) {
                    Ok(r) => r,
                    Err(e) => return Self::fail(e),
                };
                self.devices.extend(reply.devices);
                // `target` holds the page just read ("" for the first): a service that names the
                // same page again is not followed round in a circle.
                match reply.pagination_token {
                    Some(next) if !next.is_empty() && next != self.target => {
                        self.target = next;
                        self.call(cx, list_devices(Some(&self.target)))
                    }
                    _ => Step::Done(Ok(LocalOutput::Devices(core::mem::take(&mut self.devices)))),
                }
            }
        }
    }
}

/// `GetDevice` of `key`.
fn get_device(key: &str) -> Call {
    Call::signed("GetDevice", true, &mut |w| w.str("DeviceKey", key))
}

/// `ListDevices`: the page after `page` (`None`: the first).
fn list_devices(page: Option<&str>) -> Call {
    Call::signed("ListDevices", true, &mut |w| {
        w.number("Limit", 60);
        w.opt_str("PaginationToken", page);
    })
}

impl Flow for Local {
    type Output = LocalOutput;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<LocalOutput> {
        use LocalState as S;
        match (core::mem::replace(&mut self.state, S::Over), input) {
            (S::Start, Input::Start) => match &self.action {
                LocalAction::GetDevice(Some(key)) => {
                    let call = get_device(key);
                    self.call(cx, call)
                }
                LocalAction::ListDevices => self.call(cx, list_devices(None)),
                LocalAction::AssociatePasskey => match super::machine::Prompt::check(cx) {
                    Ok(()) => self.call(
                        cx,
                        Call::signed("StartWebAuthnRegistration", false, &mut |_| {}),
                    ),
                    Err(e) => Self::fail(e),
                },
                _ => {
                    let (load, io) = Load::begin(cx);
                    self.state = S::Loading(load);
                    Step::Io(io)
                }
            },
            (S::Loading(load), input) => match load.feed(cx, input) {
                Loaded::Io(load, io) => {
                    self.state = S::Loading(load);
                    Step::Io(io)
                }
                Loaded::Record(Ok(record)) => self.loaded(cx, record),
                Loaded::Record(Err(e)) => Self::fail(e),
            },
            (S::Device, Input::Value(stored)) => match stored {
                Ok(text) => self.device_read(cx, read_record::<DeviceRecord>(text)),
                Err(e) => Self::fail(e),
            },
            (S::Calling(mut account), input) => match account.resume(cx, input) {
                Step::Io(io) => {
                    self.state = S::Calling(account);
                    Step::Io(io)
                }
                Step::Done(Ok(reply)) => self.replied(cx, account.call(), reply),
                Step::Done(Err(e)) => Self::fail(e),
            },
            // The new passkey goes to the service as a JSON object; a text that is not one is
            // the platform's failure, not something to send.
            (S::Creating(_prompt), Input::Credential(credential)) => {
                let parsed = credential.and_then(|text| {
                    let text = Zeroizing::new(text);
                    match crate::json::parse(text.as_bytes()) {
                        Ok(value @ Json::Object(_)) => Ok(value),
                        _ => Err(Error::Passkey(crate::error::PasskeyError {
                            kind: crate::error::PasskeyErrorKind::Failed,
                            message: "the platform's credential is not a JSON object".into(),
                        })),
                    }
                });
                match parsed {
                    Ok(value) => self.call(
                        cx,
                        Call::signed("CompleteWebAuthnRegistration", false, &mut |w| {
                            w.json("Credential", &value)
                        }),
                    ),
                    Err(e) => Self::fail(e),
                }
            }
            (S::Storing, Input::Stored(stored)) => match stored {
                Err(e) => Self::fail(e),
                Ok(()) => match (&self.action, &self.record) {
                    // The session ends as a sign-out ends it: marked as a change (a refresh in
                    // flight stores nothing), under the lock (another tab's refresh cannot write
                    // the tokens back).
                    (LocalAction::DeleteUser, Some(record)) => {
                        let stored = cx.session_changes();
                        self.state = S::Locking(record.stored_as.clone(), stored);
                        Step::Io(super::session::refresh_lock(cx))
                    }
                    _ => Step::Done(Ok(LocalOutput::Nothing)),
                },
            },
            (S::Ending(end), input) => match end.feed(cx, input) {
                Ended::Io(end, io) => {
                    self.state = S::Ending(end);
                    Step::Io(io)
                }
                Ended::Done(result) => {
                    self.state = S::Unlocking(result);
                    Step::Io(Io::Unlock)
                }
            },
            // A sign-in (or sign-out) while the lock was awaited has replaced the session already.
            (S::Locking(_, stored), Input::Locked) if !cx.session_unchanged(stored) => {
                self.state = S::Unlocking(Ok(()));
                Step::Io(Io::Unlock)
            }
            (S::Locking(user, _), Input::Locked) => {
                let (end, io) = EndSession::begin(cx, user);
                self.state = S::Ending(end);
                Step::Io(io)
            }
            (S::Unlocking(result), Input::Unlocked) => {
                Step::Done(result.map(|()| LocalOutput::Nothing))
            }
            _ => Self::fail(invalid_state(
                "a call was resumed with an input it did not ask for",
            )),
        }
    }
}

/// `SignUp`: a username, a password (none for a user who signs in without one) and attributes.
fn sign_up(username: &str, password: Option<&str>, attributes: &[(String, String)]) -> Call {
    Call::public("SignUp", username, &mut |w| {
        w.opt_str("Password", password);
        write_attributes(w, "UserAttributes", attributes);
    })
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    /// Sends one [`Call`]; the reply, failure or not, is the caller's to read with [`reply_as`].
    pub(crate) async fn run(&self, call: Call) -> Result<HttpReply> {
        self.drive(&mut Account::new(call)).await
    }

    /// [`CognitoAuth::run`], the reply read as `T`.
    async fn run_as<T: FromJson>(&self, call: Call) -> Result<T> {
        reply_as::<T>(&self.run(call).await?)
    }

    async fn local(&self, action: LocalAction) -> Result<LocalOutput> {
        self.drive(&mut Local::new(action)).await
    }

    // ---------------------------------------------------------------- sign-up and passwords

    /// Registers a user. `attributes` are name/value pairs (e.g. `email`).
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
    ) -> Result<op::SignUpReply> {
        self.run_as(sign_up(username, Some(password), attributes))
            .await
    }

    /// Registers a user without a password, who signs in with a code or a passkey (choice-based
    /// sign-in; the pool must allow it).
    pub async fn sign_up_without_password(
        &self,
        username: &str,
        attributes: &[(String, String)],
    ) -> Result<op::SignUpReply> {
        self.run_as(sign_up(username, None, attributes)).await
    }

    /// Confirms a registration with the code the user received. Where the service returns a
    /// session (a client with choice-based sign-in), the user can be signed in right away with
    /// [`CognitoAuth::auto_sign_in`].
    pub async fn confirm_sign_up(&self, username: &str, code: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::public("ConfirmSignUp", username, &mut |w| {
            w.str("ConfirmationCode", code)
        }))
        .await
        .map(drop)
    }

    /// Sends the sign-up code again.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self
            .run_as(Call::public(
                "ResendConfirmationCode",
                username,
                &mut |_| {},
            ))
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Starts a password reset: the service sends a code.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self
            .run_as(Call::public("ForgotPassword", username, &mut |_| {}))
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
        self.run_as::<op::Empty>(Call::public("ConfirmForgotPassword", username, &mut |w| {
            w.str("ConfirmationCode", code);
            w.str("Password", new_password);
        }))
        .await
        .map(drop)
    }

    /// Changes the signed-in user's password.
    pub async fn change_password(&self, old_password: &str, new_password: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::signed("ChangePassword", false, &mut |w| {
            w.str("PreviousPassword", old_password);
            w.str("ProposedPassword", new_password);
        }))
        .await
        .map(drop)
    }

    // ---------------------------------------------------------------- the user

    /// The signed-in user's name and attributes.
    pub async fn get_user(&self) -> Result<op::GetUserReply> {
        self.run_as(Call::signed("GetUser", true, &mut |_| {}))
            .await
    }

    /// Sets attributes; changed email/phone numbers get verification codes.
    pub async fn update_user_attributes(
        &self,
        attributes: &[(String, String)],
    ) -> Result<Vec<op::CodeDeliveryDetails>> {
        let reply: op::UpdateUserAttributesReply = self
            .run_as(Call::signed("UpdateUserAttributes", false, &mut |w| {
                write_attributes(w, "UserAttributes", attributes)
            }))
            .await?;
        Ok(reply.code_delivery_details_list)
    }

    /// Verifies `email` or `phone_number` with the code the user received.
    pub async fn verify_user_attribute(&self, attribute: &str, code: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::signed("VerifyUserAttribute", false, &mut |w| {
            w.str("AttributeName", attribute);
            w.str("Code", code);
        }))
        .await
        .map(drop)
    }

    /// Sends a verification code for `email` or `phone_number`.
    pub async fn send_user_attribute_verification_code(
        &self,
        attribute: &str,
    ) -> Result<Option<op::CodeDeliveryDetails>> {
        let reply: op::CodeDeliveryReply = self
            .run_as(Call::signed(
                "GetUserAttributeVerificationCode",
                false,
                &mut |w| w.str("AttributeName", attribute),
            ))
            .await?;
        Ok(reply.code_delivery_details)
    }

    /// Deletes attributes.
    pub async fn delete_user_attributes(&self, names: &[&str]) -> Result<()> {
        self.run_as::<op::Empty>(Call::signed("DeleteUserAttributes", false, &mut |w| {
            w.strs("UserAttributeNames", names)
        }))
        .await
        .map(drop)
    }

    /// Deletes the signed-in user, then clears the local session and the device kept for the user
    /// (the service deleted the device with the user: presenting its key again would fail).
    pub async fn delete_user(&self) -> Result<()> {
        self.local(LocalAction::DeleteUser).await.map(drop)
    }

    // ---------------------------------------------------------------- MFA

    /// Starts setting up an authenticator app for the signed-in user: the secret and an otpauth URI.
    pub async fn set_up_totp(&self, issuer: Option<&str>) -> Result<(String, String)> {
        match self
            .local(LocalAction::SetUpTotp(issuer.map(String::from)))
            .await?
        {
            // The app's own copies from here on (moved out, not copied).
            LocalOutput::Totp(mut secret, mut uri) => {
                Ok((core::mem::take(&mut *secret), core::mem::take(&mut *uri)))
            }
            _ => Err(invalid_state("no authenticator setup came back")),
        }
    }

    /// Finishes the setup with a code from the app.
    pub async fn verify_totp_setup(&self, code: &str, device_name: Option<&str>) -> Result<()> {
        totp_verified(
            self.run_as(Call::signed("VerifySoftwareToken", false, &mut |w| {
                w.str("UserCode", code);
                w.opt_str("FriendlyDeviceName", device_name);
            }))
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
        self.run_as::<op::Empty>(Call::signed("SetUserMFAPreference", false, &mut |w| {
            write_mfa(w, "SMSMfaSettings", sms);
            write_mfa(w, "SoftwareTokenMfaSettings", totp);
            write_mfa(w, "EmailMfaSettings", email);
        }))
        .await
        .map(drop)
    }

    // ---------------------------------------------------------------- devices

    /// Remembers this device: later sign-ins skip MFA through device SRP (where the pool allows).
    pub async fn remember_device(&self) -> Result<()> {
        self.local(LocalAction::RememberDevice).await.map(drop)
    }

    /// Forgets a device (this one when `device_key` is `None`) on the service, and locally when it is
    /// this one.
    pub async fn forget_device(&self, device_key: Option<&str>) -> Result<()> {
        self.local(LocalAction::ForgetDevice(device_key.map(String::from)))
            .await
            .map(drop)
    }

    /// One of the user's devices (this one when `device_key` is `None`).
    pub async fn get_device(&self, device_key: Option<&str>) -> Result<op::DeviceType> {
        match self
            .local(LocalAction::GetDevice(device_key.map(String::from)))
            .await?
        {
            LocalOutput::Device(d) => Ok(d),
            _ => Err(invalid_state("no device came back")),
        }
    }

    /// The user's devices.
    pub async fn list_devices(&self) -> Result<Vec<op::DeviceType>> {
        match self.local(LocalAction::ListDevices).await? {
            LocalOutput::Devices(d) => Ok(d),
            _ => Err(invalid_state("no devices came back")),
        }
    }

    // ---------------------------------------------------------------- sign-in factors, passkeys

    /// The factors the user can sign in with, and the MFA settings.
    pub async fn get_user_auth_factors(&self) -> Result<op::GetUserAuthFactorsReply> {
        self.run_as(Call::signed("GetUserAuthFactors", true, &mut |_| {}))
            .await
    }

    /// One page of the user's passkeys: the page after `next_token` (`None`: the first), of at
    /// most `max_results` (the service allows 1 to 20).
    pub async fn list_webauthn_credentials(
        &self,
        next_token: Option<&str>,
        max_results: Option<u32>,
    ) -> Result<op::ListWebAuthnCredentialsReply> {
        self.run_as(Call::signed("ListWebAuthnCredentials", true, &mut |w| {
            w.opt_str("NextToken", next_token);
            if let Some(n) = max_results {
                w.number("MaxResults", i64::from(n));
            }
        }))
        .await
    }

    /// Registers a passkey for the signed-in user with the runtime's authenticator
    /// ([`Runtime::passkey`]): the service's creation options go to the platform, the new
    /// credential back to the service.
    pub async fn associate_webauthn_credential(&self) -> Result<()> {
        self.local(LocalAction::AssociatePasskey).await.map(drop)
    }

    /// Deletes one of the user's passkeys.
    pub async fn delete_webauthn_credential(&self, credential_id: &str) -> Result<()> {
        self.run_as::<op::Empty>(Call::signed("DeleteWebAuthnCredential", false, &mut |w| {
            w.str("CredentialId", credential_id)
        }))
        .await
        .map(drop)
    }
}
