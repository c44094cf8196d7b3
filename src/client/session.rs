//! The session: reading it, single-flight refresh in a tab and across tabs, sign-out. Reading the
//! session and refreshing it are synchronous state machines ([`GetSession`], [`Refresh`]); the
//! driver carries out their I/O, the cross-tab lock and the sharing of one refresh.

use super::account::{Account, Call};
use super::machine::{read_record, record_text, Ctx, Flow, Input, Io, Step};
use super::*;
use crate::text::cat;

/// One refresh shared by every caller that needs it while it runs.
#[derive(Default)]
pub(super) struct Flight {
    result: Option<Result<Session>>,
    wakers: Vec<Waker>,
}

/// When a refresh is needed.
pub(crate) enum Need {
    /// When a token expires within the margin.
    Expiring,
    /// Always.
    Always,
    /// While the stored access token is still this one (the service refused it as expired); tokens
    /// another tab stored meanwhile are used as they are.
    Replacing(AccessToken),
}

/// Settles a flight however its leader ends: when the leading future is dropped before it finished
/// (a cancelled task in a Rust app), waiters get an error instead of waiting forever, and the next
/// caller starts a new refresh.
pub(super) struct Leader<'a> {
    pub(super) slot: &'a RefCell<Option<Rc<RefCell<Flight>>>>,
    pub(super) flight: Rc<RefCell<Flight>>,
}

impl Leader<'_> {
    pub(super) fn settle(&self, result: Result<Session>) {
        let wakers = {
            let mut f = self.flight.borrow_mut();
            f.result = Some(result);
            core::mem::take(&mut f.wakers)
        };
        *self.slot.borrow_mut() = None;
        for w in wakers {
            w.wake();
        }
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.flight.borrow().result.is_none() {
            self.settle(Err(Error::Transport(crate::error::TransportError {
                kind: TransportErrorKind::Aborted,
                message: "the refresh was cancelled".into(),
            })));
        }
    }
}

pub(super) struct WaitFlight(pub(super) Rc<RefCell<Flight>>);

impl Future for WaitFlight {
    type Output = Result<Session>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut flight = self.0.borrow_mut();
        match &flight.result {
            Some(result) => Poll::Ready(result.clone()),
            None => {
                flight.wakers.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The session a token record holds.
pub(super) fn session_of(record: &TokenRecord) -> Result<Session> {
    let access = Jwt::decode(record.access_token.expose_secret())?;
    let id = Jwt::decode(record.id_token.expose_secret())?;
    Ok(Session {
        username: record.username.clone(),
        id_token: record.id_token.clone(),
        access_token: record.access_token.clone(),
        id_token_claims: id.claims().clone(),
        expires_at: access.expires_at()?.unwrap_or(0),
    })
}

fn needs_refresh(cx: &Ctx<'_>, record: &TokenRecord) -> Result<bool> {
    let now = cx.now_seconds();
    // Never negative: an expired token is never handed out. (A margin longer than the tokens
    // live refreshes on every call, which the tests use.)
    let margin = cx.config.refresh_margin_seconds.max(0);
    let access = Jwt::decode(record.access_token.expose_secret())?;
    let id = Jwt::decode(record.id_token.expose_secret())?;
    Ok(access.expires_within(now, record.clock_drift, margin)?
        || id.expires_within(now, record.clock_drift, margin)?)
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    /// The signed-in user's tokens, refreshed first when they expire within the margin. Concurrent
    /// callers share one refresh.
    pub async fn get_session(&self) -> Result<Session> {
        self.drive(&mut GetSession::new()).await
    }

    /// Refreshes now, whatever the expiry (shared with any refresh already running).
    pub async fn refresh_session(&self) -> Result<Session> {
        self.drive(&mut Refresh::new(Need::Always)).await
    }

    /// Signs out here (revoking the refresh token) or, with `global`, everywhere (GlobalSignOut).
    /// Signing out here removes the local tokens even when the network is down. Signing out
    /// everywhere keeps them when it fails, so that it can be tried again, unless the service says
    /// they are no longer valid (revoked, a disabled or deleted user): then the session ends here
    /// and the sign-out succeeds. A remembered device stays.
    pub async fn sign_out(&self, global: bool) -> Result<()> {
        self.drive(&mut SignOut::new(global)).await
    }
}

/// Whether a reply is the service's "the access token has expired" (`NotAuthorizedException` with
/// "Access Token has expired"), as opposed to a revoked token or a refused request.
pub(super) fn access_token_expired(reply: &HttpReply) -> bool {
    matches!(
        crate::api::reply_failure(reply.status, reply.error_type.as_deref(), &reply.body),
        Some(Error::Service(s)) if s.code == "NotAuthorizedException" && mentions(&s.message, b"expired")
    )
}

/// Whether `message` has `word` in it, ignoring ASCII case (a byte-window compare rather than
/// str::contains, whose searcher is several KB of wasm).
fn mentions(message: &str, word: &[u8]) -> bool {
    message
        .as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Whether the service's refusal of a sign-out everywhere says there is nothing left to sign out:
/// the tokens were revoked (a sign-out everywhere elsewhere), the user is disabled or deleted — but
/// not an access token that lacks the scope the operation needs (a redirect sign-in without
/// `aws.cognito.signin.user.admin`), which leaves every session as it was.
fn nothing_to_sign_out(error: &Error) -> bool {
    matches!(error, Error::Service(s) if (s.code == "NotAuthorizedException" && !mentions(&s.message, b"scope"))
        || s.code == "UserNotFoundException")
}

/// Whether the service's refusal of a refresh says the session is over: `NotAuthorizedException`
/// (a revoked or expired refresh token, a disabled user), but not the client's secret refused
/// ("Unable to verify secret hash…", "…configured for secret…"): that is the app's configuration,
/// and the user's session stays for when it is mended.
fn ends_session(error: &Error) -> bool {
    matches!(error, Error::Service(s) if s.code == "NotAuthorizedException" && !mentions(&s.message, b"secret"))
}

/// Reading the stored session: the current-user marker, then that user's token record.
pub(super) enum Load {
    Marker,
    Tokens(String),
}

/// What [`Load::feed`] gives: the next read, or the record.
pub(super) enum Loaded {
    Io(Load, Io),
    Record(Result<TokenRecord>),
}

impl Load {
    pub(super) fn begin(cx: &Ctx<'_>) -> (Load, Io) {
        (Load::Marker, Io::Get(cx.keys.last_user()))
    }

    pub(super) fn feed(self, cx: &Ctx<'_>, input: Input) -> Loaded {
        match (self, input) {
            (Load::Marker, Input::Value(Ok(Some(user)))) => {
                let key = cx.keys.tokens(&user);
                Loaded::Io(Load::Tokens(user), Io::Get(key))
            }
            (Load::Tokens(user), Input::Value(Ok(text))) => {
                Loaded::Record(match read_record::<TokenRecord>(text) {
                    Some(mut record) => {
                        record.stored_as = user;
                        Ok(record)
                    }
                    None => Err(not_signed_in()),
                })
            }
            (_, Input::Value(Err(e))) => Loaded::Record(Err(e)),
            (_, Input::Value(Ok(None))) => Loaded::Record(Err(not_signed_in())),
            _ => Loaded::Record(Err(invalid_state(
                "the session was resumed with an input it did not ask for",
            ))),
        }
    }
}

/// `get_session`: the stored tokens, or a refresh when they expire within the margin.
pub(crate) struct GetSession {
    state: GetState,
}

enum GetState {
    Start,
    Loading(Load),
    Refreshing(Box<Refresh>),
    Over,
}

impl GetSession {
    pub(crate) fn new() -> Self {
        GetSession {
            state: GetState::Start,
        }
    }
}

impl Flow for GetSession {
    type Output = Session;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Session> {
        match (core::mem::replace(&mut self.state, GetState::Over), input) {
            (GetState::Start, Input::Start) => {
                let (load, io) = Load::begin(cx);
                self.state = GetState::Loading(load);
                Step::Io(io)
            }
            (GetState::Loading(load), input) => match load.feed(cx, input) {
                Loaded::Io(load, io) => {
                    self.state = GetState::Loading(load);
                    Step::Io(io)
                }
                Loaded::Record(record) => {
                    let fresh = record.and_then(|r| Ok((needs_refresh(cx, &r)?, r)));
                    match fresh {
                        Ok((false, record)) => Step::Done(session_of(&record)),
                        Ok((true, _)) => {
                            let mut refresh = Box::new(Refresh::new(Need::Expiring));
                            let step = refresh.resume(cx, Input::Start);
                            self.state = GetState::Refreshing(refresh);
                            step
                        }
                        Err(e) => Step::Done(Err(e)),
                    }
                }
            },
            (GetState::Refreshing(mut refresh), input) => {
                let step = refresh.resume(cx, input);
                self.state = GetState::Refreshing(refresh);
                step
            }
            _ => Step::Done(Err(invalid_state(
                "the session was resumed with an input it did not ask for",
            ))),
        }
    }
}

/// One refresh: joins the refresh already running in this client, or leads one under the
/// cross-tab lock; a tab that waited for the lock first looks whether another one already stored
/// fresh tokens.
pub(crate) struct Refresh {
    need: Need,
    state: RefreshState,
    /// The stored session's generation when the refresh began (see `Core::stored`).
    stored: u64,
}

enum RefreshState {
    Start,
    /// Asked to join the running refresh or lead a new one.
    Flight,
    /// Asked for the cross-tab lock.
    Locking,
    /// Reading the session, then going on as `After` says.
    Loading(Load, After),
    /// Reading the device kept for the user.
    Device(TokenRecord),
    /// The refresh request was sent.
    Sent(TokenRecord),
    /// The listeners are told of a failure.
    Failed(TokenRecord, Error),
    /// The new token record is being written.
    Storing(TokenRecord),
    /// The listeners are told; then the flow ends with this.
    Telling(Result<Session>),
    /// Ending the session the service refused; the flow then ends with the error.
    Ending(EndSession, Error),
    /// The lock is being released; then the refresh is settled for the callers that joined it.
    Unlocking(Result<Session>),
    Settling(Result<Session>),
    Over,
}

/// What follows a read of the session.
enum After {
    /// The first read under the lock: refresh when still stale.
    Check,
    /// After the service refused the refresh token: end the session only if it is still the one
    /// refreshed.
    Refused(TokenRecord, Error),
    /// After new tokens arrived: store them only if the session is still the one refreshed.
    Arrived(TokenRecord, op::AuthenticationResult),
}

/// The cross-tab lock of the client's stored session: a refresh holds it from its first read to its
/// write, and a sign-out ends the session under it, so that neither undoes the other's storage.
pub(super) fn refresh_lock(cx: &Ctx<'_>) -> Io {
    Io::Lock(cat!(
        "cognito-kit.refresh.",
        cx.config.user_pool_id,
        ".",
        cx.config.client_id
    ))
}

/// Whether the session read now is still the one `record` was read from.
fn same_session(now: &TokenRecord, record: &TokenRecord) -> bool {
    now.stored_as == record.stored_as && now.refresh_token == record.refresh_token
}

/// The sign-in a stored session comes from: its access token's `origin_jti`, which every refresh
/// keeps (a rotated refresh token too). Tokens without it (an app client without token
/// revocation) tell none.
fn origin(record: &TokenRecord) -> Option<String> {
    let token = Jwt::decode(record.access_token.expose_secret()).ok()?;
    token.string_claim("origin_jti").map(String::from)
}

impl Refresh {
    pub(crate) fn new(need: Need) -> Self {
        Refresh {
            need,
            state: RefreshState::Start,
            stored: 0,
        }
    }

    /// Releases the lock, settles the shared refresh, and ends with `result`.
    fn finish(&mut self, result: Result<Session>) -> Step<Session> {
        self.state = RefreshState::Unlocking(result);
        Step::Io(Io::Unlock)
    }

    fn load(&mut self, cx: &Ctx<'_>, after: After) -> Step<Session> {
        let (load, io) = Load::begin(cx);
        self.state = RefreshState::Loading(load, after);
        Step::Io(io)
    }

    fn loaded(&mut self, cx: &Ctx<'_>, after: After, now: Result<TokenRecord>) -> Step<Session> {
        match after {
            After::Check => {
                let record = match now {
                    Ok(r) => r,
                    Err(e) => return self.finish(Err(e)),
                };
                let stale = match &self.need {
                    Need::Always => Ok(true),
                    Need::Expiring => needs_refresh(cx, &record),
                    Need::Replacing(token) => {
                        Ok(record.access_token.expose_secret() == token.expose_secret())
                    }
                };
                match stale {
                    Err(e) => self.finish(Err(e)),
                    Ok(false) => self.finish(session_of(&record)),
                    Ok(true) if record.refresh_token.is_none() => self.finish(Err(not_signed_in())),
                    Ok(true) => {
                        let key = cx.keys.device(&record.signed_in_as);
                        self.state = RefreshState::Device(record);
                        Step::Io(Io::Get(key))
                    }
                }
            }
            // A session that changed meanwhile (a sign-out, a new sign-in) is not this refresh's
            // to end.
            After::Refused(record, error) => match now {
                Ok(now) if same_session(&now, &record) && cx.session_unchanged(self.stored) => {
                    // A change of the stored session: a sign-out waiting for the lock then has
                    // nothing left to end (and tells no one a second time).
                    cx.session_changes();
                    let (end, io) = EndSession::begin(cx, record.stored_as);
                    self.state = RefreshState::Ending(end, error);
                    Step::Io(io)
                }
                _ => self.finish(Err(error)),
            },
            // Nor is it this refresh's to overwrite: a sign-out while the request was on the wire
            // stays signed out, a new sign-in keeps its own tokens.
            // The read may predate a sign-out or a sign-in of this client that is still writing:
            // then the new tokens are not stored either.
            After::Arrived(_, _) if !cx.session_unchanged(self.stored) => self.finish(Err(
                invalid_state("the session was signed out or replaced while it was refreshed"),
            )),
            After::Arrived(record, result) => match now {
                Ok(now) if same_session(&now, &record) => {
                    let id_token = result.id_token.unwrap_or_else(|| record.id_token.clone());
                    let issued = match Jwt::decode(result.access_token.expose_secret())
                        .and_then(|t| t.issued_at())
                    {
                        Ok(issued) => issued.unwrap_or_else(|| cx.now_seconds()),
                        Err(e) => return self.finish(Err(e)),
                    };
                    let updated = TokenRecord {
                        stored_as: record.stored_as.clone(),
                        username: record.username.clone(),
                        signed_in_as: record.signed_in_as.clone(),
                        id_token,
                        access_token: result.access_token,
                        // Keep the newest refresh token: a reply without one means the old one
                        // stays valid.
                        refresh_token: result.refresh_token.or(record.refresh_token),
                        clock_drift: clock_drift(cx.now_seconds(), issued),
                    };
                    let key = cx.keys.tokens(&record.stored_as);
                    let text = record_text(&updated);
                    self.state = RefreshState::Storing(updated);
                    Step::Io(Io::Set(key, text))
                }
                Ok(now) => self.finish(session_of(&now)),
                Err(e) => self.finish(Err(e)),
            },
        }
    }

    /// The refresh request: `GetTokensFromRefreshToken` for clients that rotate refresh tokens,
    /// else `InitiateAuth` with `REFRESH_TOKEN_AUTH`.
    fn request(cx: &Ctx<'_>, record: &TokenRecord, device_key: Option<&str>) -> Result<ApiRequest> {
        let refresh_token = record.refresh_token.as_ref().ok_or_else(not_signed_in)?;
        if cx.config.refresh_token_rotation {
            op::GetTokensFromRefreshToken {
                refresh_token: refresh_token.expose_secret(),
                client_id: &cx.config.client_id,
                client_secret: cx.config.secret(),
                device_key,
            }
            .request()
        } else {
            let mut params = map(&[("REFRESH_TOKEN", refresh_token.expose_secret())]);
            if let Some(key) = device_key {
                params.insert("DEVICE_KEY".into(), key.to_string());
            }
            op::InitiateAuth {
                auth_flow: "REFRESH_TOKEN_AUTH",
                client_id: &cx.config.client_id,
                auth_parameters: cx.config.with_secret_hash(params, &record.username),
                client_metadata: None,
                session: None,
            }
            .request()
        }
    }

    /// The new tokens of a refresh reply, read before anything is stored: a reply without tokens,
    /// or a token that does not decode, is the reply's fault, and the stored session stays as it
    /// was. Both operations answer alike: a reply without tokens is one error, whichever was used.
    fn tokens_of(cx: &Ctx<'_>, reply: Result<HttpReply>) -> Result<op::AuthenticationResult> {
        let reply = reply?;
        let result = if cx.config.refresh_token_rotation {
            reply_as::<op::TokensReply>(&reply)?.authentication_result
        } else {
            reply_as::<AuthReply>(&reply)?.authentication_result
        };
        let result = result.ok_or_else(|| {
            Error::protocol(
                crate::error::ProtocolErrorKind::UnexpectedResponse,
                "AuthenticationResult",
                "absent from a refresh reply",
            )
        })?;
        Jwt::decode(result.access_token.expose_secret())?;
        if let Some(id) = &result.id_token {
            Jwt::decode(id.expose_secret())?;
        }
        Ok(result)
    }
}

impl Flow for Refresh {
    type Output = Session;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Session> {
        use RefreshState as S;
        match (core::mem::replace(&mut self.state, S::Over), input) {
            (S::Start, Input::Start) => {
                self.stored = cx.session_generation();
                self.state = S::Flight;
                Step::Io(Io::Flight)
            }
            (S::Flight, Input::Joined(result)) => Step::Done(result),
            (S::Flight, Input::Leading) => {
                self.state = S::Locking;
                Step::Io(refresh_lock(cx))
            }
            (S::Locking, Input::Locked) => self.load(cx, After::Check),
            (S::Loading(load, after), input) => match load.feed(cx, input) {
                Loaded::Io(load, io) => {
                    self.state = S::Loading(load, after);
                    Step::Io(io)
                }
                Loaded::Record(now) => self.loaded(cx, after, now),
            },
            (S::Device(record), Input::Value(device)) => match device {
                Ok(text) => {
                    let device = read_record::<DeviceRecord>(text);
                    let request =
                        Self::request(cx, &record, device.as_ref().map(|d| d.device_key.as_str()));
                    match request {
                        Ok(request) => {
                            self.state = S::Sent(record);
                            Step::Io(Io::Send(request))
                        }
                        Err(e) => self.resume_sent(cx, record, Err(e)),
                    }
                }
                Err(e) => self.finish(Err(e)),
            },
            (S::Sent(record), Input::Reply(reply)) => self.resume_sent(cx, record, reply),
            // Only the service's own "this refresh token is no longer valid" ends the session; a
            // network failure, a timeout, a 5xx or a refused client secret keeps every stored token.
            (S::Failed(record, error), Input::Told) => {
                if ends_session(&error) {
                    self.load(cx, After::Refused(record, error))
                } else {
                    self.finish(Err(error))
                }
            }
            (S::Storing(updated), Input::Stored(stored)) => match stored {
                Ok(()) => {
                    self.state = S::Telling(session_of(&updated));
                    Step::Io(Io::Emit(Event::TokenRefresh))
                }
                Err(e) => self.finish(Err(e)),
            },
            (S::Telling(result), Input::Told) => self.finish(result),
            (S::Ending(end, error), input) => match end.feed(cx, input) {
                Ended::Io(end, io) => {
                    self.state = S::Ending(end, error);
                    Step::Io(io)
                }
                Ended::Done(Ok(())) => self.finish(Err(error)),
                Ended::Done(Err(e)) => self.finish(Err(e)),
            },
            (S::Unlocking(result), Input::Unlocked) => {
                self.state = S::Settling(result.clone());
                Step::Io(Io::Settle(result))
            }
            (S::Settling(result), Input::Settled) => Step::Done(result),
            _ => Step::Done(Err(invalid_state(
                "the refresh was resumed with an input it did not ask for",
            ))),
        }
    }
}

impl Refresh {
    fn resume_sent(
        &mut self,
        cx: &Ctx<'_>,
        record: TokenRecord,
        reply: Result<HttpReply>,
    ) -> Step<Session> {
        match Self::tokens_of(cx, reply) {
            Ok(result) => self.load(cx, After::Arrived(record, result)),
            Err(e) => {
                self.state = RefreshState::Failed(record, e.clone());
                Step::Io(Io::Emit(Event::TokenRefreshFailure(e)))
            }
        }
    }
}

/// Ending a session: the user's tokens go, then the current-user marker while it names them, then
/// the listeners are told. A remembered device stays.
pub(super) enum EndSession {
    Tokens(String),
    ReadMarker(String),
    Marker,
    Telling,
}

/// What [`EndSession::feed`] gives: the next step of it, or its end.
pub(super) enum Ended {
    Io(EndSession, Io),
    Done(Result<()>),
}

impl EndSession {
    pub(super) fn begin(cx: &Ctx<'_>, user: String) -> (EndSession, Io) {
        let key = cx.keys.tokens(&user);
        (EndSession::Tokens(user), Io::Remove(key))
    }

    pub(super) fn feed(self, cx: &Ctx<'_>, input: Input) -> Ended {
        match (self, input) {
            (EndSession::Tokens(user), Input::Stored(Ok(()))) => {
                Ended::Io(EndSession::ReadMarker(user), Io::Get(cx.keys.last_user()))
            }
            (EndSession::ReadMarker(user), Input::Value(Ok(marker))) => {
                if marker.as_deref() == Some(user.as_str()) {
                    Ended::Io(EndSession::Marker, Io::Remove(cx.keys.last_user()))
                } else {
                    Ended::Io(EndSession::Telling, Io::Emit(Event::SignedOut))
                }
            }
            (EndSession::Marker, Input::Stored(Ok(()))) => {
                Ended::Io(EndSession::Telling, Io::Emit(Event::SignedOut))
            }
            (EndSession::Telling, Input::Told) => Ended::Done(Ok(())),
            (_, Input::Stored(Err(e)) | Input::Value(Err(e))) => Ended::Done(Err(e)),
            _ => Ended::Done(Err(invalid_state(
                "the sign-out was resumed with an input it did not ask for",
            ))),
        }
    }
}

/// `sign_out`: revokes the refresh token (or signs out everywhere) and ends the session here.
pub(crate) struct SignOut {
    global: bool,
    state: SignOutState,
    /// The stored session's generation this sign-out began (see `Core::stored`): a sign-in that
    /// stored tokens since keeps them.
    stored: u64,
    /// The sign-in it ends ([`origin`]), as read before the lock: a session another tab signed in
    /// meanwhile (another sign-in, not a refresh of this one) stays.
    origin: Option<String>,
}

enum SignOutState {
    Start,
    /// Reading the current-user marker.
    Marker,
    /// Reading that user's tokens.
    Tokens(String),
    /// `GlobalSignOut` (through the authenticated-call flow) or `RevokeToken` is on its way.
    Global(Box<Account>, String),
    Revoking(String),
    /// Waiting for the cross-tab lock, to end the session of this user under it.
    Locking(String),
    /// Reading the user's tokens again under the lock: still the sign-in read before it?
    Checking(String),
    Ending(EndSession),
    /// Releasing the lock; then the sign-out ends with this.
    Unlocking(Result<()>),
    Over,
}

impl SignOut {
    pub(crate) fn new(global: bool) -> Self {
        SignOut {
            global,
            state: SignOutState::Start,
            stored: 0,
            origin: None,
        }
    }

    /// Ends the session of `user` here, under the cross-tab lock: a refresh in another tab that
    /// has read the tokens finishes its write first, and then they go (without the lock, its write
    /// could land after the removal and leave tokens behind).
    fn end(&mut self, cx: &Ctx<'_>, user: String) -> Step<()> {
        if !cx.session_unchanged(self.stored) {
            // A newer sign-in (or sign-out) took over while the token was revoked.
            return Step::Done(Ok(()));
        }
        if self.global {
            // Only now that it ends the session: a sign-out everywhere that fails keeps the
            // session, and the tokens a refresh brought meanwhile with it.
            self.stored = cx.session_changes();
        }
        self.state = SignOutState::Locking(user);
        Step::Io(refresh_lock(cx))
    }

    fn unlock(&mut self, result: Result<()>) -> Step<()> {
        self.state = SignOutState::Unlocking(result);
        Step::Io(Io::Unlock)
    }
}

impl Flow for SignOut {
    type Output = ();

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<()> {
        use SignOutState as S;
        match (core::mem::replace(&mut self.state, S::Over), input) {
            (S::Start, Input::Start) => {
                cx.pending.borrow_mut().take();
                cx.next_epoch();
                // A sign-out here ends the session whatever the service says: a refresh that
                // answers from now on stores nothing. A sign-out everywhere may fail and keep it.
                self.stored = if self.global {
                    cx.session_generation()
                } else {
                    cx.session_changes()
                };
                self.state = S::Marker;
                Step::Io(Io::Get(cx.keys.last_user()))
            }
            (S::Marker, Input::Value(marker)) => match marker {
                Ok(Some(user)) => {
                    let key = cx.keys.tokens(&user);
                    self.state = S::Tokens(user);
                    Step::Io(Io::Get(key))
                }
                // Nobody is signed in: nothing to end (removing the absent marker could only
                // remove one another tab's sign-in wrote meanwhile).
                Ok(None) => Step::Done(Ok(())),
                Err(e) => Step::Done(Err(e)),
            },
            (S::Tokens(user), Input::Value(stored)) => match stored {
                Err(e) => Step::Done(Err(e)),
                Ok(text) => match read_record::<TokenRecord>(text).inspect(|record| {
                    self.origin = origin(record);
                }) {
                    // Nothing usable is stored (a damaged record): it ends here like any session
                    // (under the lock), so that a damaged session does not linger.
                    None => self.end(cx, user),
                    // An access token that expired while the app sat idle, or that the service's
                    // clock calls expired, is refreshed first.
                    Some(_) if self.global => {
                        self.state = S::Global(
                            Box::new(Account::new(Call::signed(
                                "GlobalSignOut",
                                false,
                                &mut |_| {},
                            ))),
                            user,
                        );
                        self.resume(cx, Input::Start)
                    }
                    Some(record) => match &record.refresh_token {
                        Some(refresh) => {
                            let request = op::RevokeToken {
                                token: refresh.expose_secret(),
                                client_id: &cx.config.client_id,
                                client_secret: cx.config.secret(),
                            }
                            .request();
                            match request {
                                Ok(request) => {
                                    self.state = S::Revoking(user);
                                    Step::Io(Io::Send(request))
                                }
                                Err(_) => self.end(cx, user),
                            }
                        }
                        None => self.end(cx, user),
                    },
                },
            },
            (S::Global(mut call, user), input) => match call.resume(cx, input) {
                Step::Io(io) => {
                    self.state = S::Global(call, user);
                    Step::Io(io)
                }
                // A global sign-out that did not reach the service must be visible to the caller,
                // and the tokens are kept so that it can be retried. A service that says the
                // tokens or the user are no longer valid (revoked by a sign-out elsewhere, a
                // disabled or deleted user) has nothing left to sign out: the session ends here.
                // A refresh on the way that the service refused has ended the session itself.
                Step::Done(Err(e)) if ends_session(&e) && !cx.session_unchanged(self.stored) => {
                    Step::Done(Ok(()))
                }
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Done(Ok(reply)) => match reply_as::<op::Empty>(&reply) {
                    Ok(_) => self.end(cx, user),
                    Err(e) if nothing_to_sign_out(&e) => self.end(cx, user),
                    Err(e) => Step::Done(Err(e)),
                },
            },
            // Local tokens are removed even when the revocation failed.
            (S::Revoking(user), Input::Reply(_)) => self.end(cx, user),
            (S::Locking(user), Input::Locked) => {
                if !cx.session_unchanged(self.stored) {
                    // A sign-in here took over while the lock was awaited.
                    return self.unlock(Ok(()));
                }
                let key = cx.keys.tokens(&user);
                self.state = S::Checking(user);
                Step::Io(Io::Get(key))
            }
            (S::Checking(user), Input::Value(stored)) => match stored {
                Err(e) => self.unlock(Err(e)),
                Ok(text) => {
                    let now = read_record::<TokenRecord>(text).and_then(|r| origin(&r));
                    if self.origin.is_some() && now.is_some() && now != self.origin {
                        // Another tab signed in while the lock was awaited: the session is its,
                        // not this one's, and stays.
                        return self.unlock(Ok(()));
                    }
                    let (end, io) = EndSession::begin(cx, user);
                    self.state = S::Ending(end);
                    Step::Io(io)
                }
            },
            (S::Ending(end), input) => match end.feed(cx, input) {
                Ended::Io(end, io) => {
                    self.state = S::Ending(end);
                    Step::Io(io)
                }
                Ended::Done(result) => self.unlock(result),
            },
            (S::Unlocking(result), Input::Unlocked) => Step::Done(result),
            _ => Step::Done(Err(invalid_state(
                "the sign-out was resumed with an input it did not ask for",
            ))),
        }
    }
}
