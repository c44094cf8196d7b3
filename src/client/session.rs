//! The session: reading it, single-flight refresh in a tab and across tabs, sign-out. Reading the
//! session and refreshing it are synchronous state machines ([`GetSession`], [`Refresh`]); the
//! driver carries out their I/O, the cross-tab lock and the sharing of one refresh.

use super::machine::{read_record, record_text, Ctx, Flow, Input, Io, Step};
use super::*;

/// One refresh shared by every caller that needs it while it runs.
#[derive(Default)]
pub(super) struct Flight {
    result: Option<Result<Session>>,
    wakers: Vec<Waker>,
}

/// When a refresh is needed.
#[derive(Clone, Copy)]
pub(super) enum Need<'a> {
    /// When a token expires within the margin.
    Expiring,
    /// Always.
    Always,
    /// While the stored access token is still this one (the service refused it as expired); tokens
    /// another tab stored meanwhile are used as they are.
    Replacing(&'a str),
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

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    // ---------------------------------------------------------------- session

    pub(super) async fn load_record(&self) -> Result<TokenRecord> {
        let user = self.current_user().await?.ok_or_else(not_signed_in)?;
        let mut record = self
            .load_json::<TokenRecord>(&self.keys.tokens(&user))
            .await?
            .ok_or_else(not_signed_in)?;
        record.stored_as = user;
        Ok(record)
    }

    /// Removes the user's tokens and, while it names them, the current-user marker, then says so. A
    /// remembered device stays.
    pub(super) async fn end_session(&self, username: &str) -> Result<()> {
        self.storage.remove(&self.keys.tokens(username)).await?;
        if self.current_user().await?.as_deref() == Some(username) {
            self.storage.remove(&self.keys.last_user()).await?;
        }
        self.emit(Event::SignedOut);
        Ok(())
    }
}

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
    let margin = cx.config.refresh_margin_seconds;
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
        self.refresh_shared(Need::Always).await
    }

    pub(super) async fn refresh_shared(&self, need: Need<'_>) -> Result<Session> {
        self.drive(&mut Refresh::new(need)).await
    }

    /// Signs out here (revoking the refresh token) or, with `global`, everywhere (GlobalSignOut).
    /// Local tokens are removed even when the network is down; a remembered device stays.
    pub async fn sign_out(&self, global: bool) -> Result<()> {
        self.pending.borrow_mut().take();
        self.next_epoch();
        let record = match self.load_record().await {
            Ok(r) => r,
            Err(e) if e.code() == "NotSignedIn" => {
                // Nothing usable is stored (nothing, or a damaged record): whatever the marker
                // points at goes with it, so that a damaged session does not linger.
                if let Some(user) = self.current_user().await? {
                    self.storage.remove(&self.keys.tokens(&user)).await?;
                }
                return self.storage.remove(&self.keys.last_user()).await;
            }
            Err(e) => return Err(e),
        };
        let outcome = if global {
            // An access token that expired while the app sat idle, or that the service's clock calls
            // expired, is refreshed first.
            self.run_as::<op::Empty>(Call::GlobalSignOut)
                .await
                .map(|_| ())
        } else if let Some(refresh) = &record.refresh_token {
            self.call(&op::RevokeToken {
                token: refresh.expose_secret(),
                client_id: &self.config.client_id,
                client_secret: self.client_secret(),
            })
            .await
            .map(|_| ())
        } else {
            Ok(())
        };
        if global {
            // A global sign-out that did not reach the service must be visible to the caller, and the
            // tokens are kept so that it can be retried.
            outcome?;
        }
        self.end_session(&record.stored_as).await
    }

    /// Sends a request that carries the access token (`request` writes it in). When the service
    /// answers that the token has expired although the local clock says it has not (clock skew, a
    /// laptop that slept), the session is refreshed once and the call made again, instead of failing
    /// or, worse, ending a session whose refresh token has weeks left. Boxed and not generic (one
    /// copy in the wasm); [`CognitoAuth::run`] is its one caller.
    pub(super) fn exchange_authed<'a>(
        &'a self,
        idempotent: bool,
        request: &'a dyn Fn(&str) -> Result<ApiRequest>,
    ) -> Pin<Box<dyn Future<Output = Result<HttpReply>> + 'a>> {
        Box::pin(async move {
            let send = |token: &AccessToken| {
                let request = request(token.expose_secret());
                if idempotent {
                    self.exchange_idempotent(request)
                } else {
                    self.exchange(request)
                }
            };
            let session = self.get_session().await?;
            let reply = send(&session.access_token).await?;
            if !access_token_expired(&reply) {
                return Ok(reply);
            }
            let fresh = self
                .refresh_shared(Need::Replacing(session.access_token.expose_secret()))
                .await?;
            // Never for another user: a sign-out and a new sign-in may have happened meanwhile.
            if fresh.username != session.username {
                return Err(not_signed_in());
            }
            send(&fresh.access_token).await
        })
    }
}

/// Whether a reply is the service's "the access token has expired" (`NotAuthorizedException` with
/// "Access Token has expired"), as opposed to a revoked token or a refused request.
fn access_token_expired(reply: &HttpReply) -> bool {
    // A byte-window compare rather than str::contains (whose searcher is several KB of wasm).
    matches!(
        crate::api::reply_failure(reply.status, reply.error_type.as_deref(), &reply.body),
        Some(Error::Service(s)) if s.code == "NotAuthorizedException"
            && s.message.as_bytes().windows(7).any(|w| w.eq_ignore_ascii_case(b"expired"))
    )
}

/// Reading the stored session: the current-user marker, then that user's token record.
enum Load {
    Marker,
    Tokens(String),
}

/// What [`Load::feed`] gives: the next read, or the record.
enum Loaded {
    Io(Load, Io),
    Record(Result<TokenRecord>),
}

impl Load {
    fn begin(cx: &Ctx<'_>) -> (Load, Io) {
        (Load::Marker, Io::Get(cx.keys.last_user()))
    }

    fn feed(self, cx: &Ctx<'_>, input: Input) -> Loaded {
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
pub(super) struct GetSession {
    state: GetState,
}

enum GetState {
    Start,
    Loading(Load),
    Refreshing(Box<Refresh<'static>>),
    Over,
}

impl GetSession {
    pub(super) fn new() -> Self {
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
pub(super) struct Refresh<'a> {
    need: Need<'a>,
    state: RefreshState,
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
    /// Ending the session the service refused: removing the tokens, then the marker while it
    /// names the user; the flow then ends with the error.
    EndTokens(String, Error),
    EndReadMarker(String, Error),
    EndMarker(Error),
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

/// Whether the session read now is still the one `record` was read from.
fn same_session(now: &TokenRecord, record: &TokenRecord) -> bool {
    now.stored_as == record.stored_as && now.refresh_token == record.refresh_token
}

impl<'a> Refresh<'a> {
    pub(super) fn new(need: Need<'a>) -> Self {
        Refresh {
            need,
            state: RefreshState::Start,
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
                let stale = match self.need {
                    Need::Always => Ok(true),
                    Need::Expiring => needs_refresh(cx, &record),
                    Need::Replacing(token) => Ok(record.access_token.expose_secret() == token),
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
                Ok(now) if same_session(&now, &record) => {
                    let key = cx.keys.tokens(&record.stored_as);
                    self.state = RefreshState::EndTokens(record.stored_as, error);
                    Step::Io(Io::Remove(key))
                }
                _ => self.finish(Err(error)),
            },
            // Nor is it this refresh's to overwrite: a sign-out while the request was on the wire
            // stays signed out, a new sign-in keeps its own tokens.
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
                client_secret: cx
                    .config
                    .client_secret
                    .as_ref()
                    .map(ClientSecret::expose_secret),
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

impl Flow for Refresh<'_> {
    type Output = Session;

    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Session> {
        use RefreshState as S;
        match (core::mem::replace(&mut self.state, S::Over), input) {
            (S::Start, Input::Start) => {
                self.state = S::Flight;
                Step::Io(Io::Flight)
            }
            (S::Flight, Input::Joined(result)) => Step::Done(result),
            (S::Flight, Input::Leading) => {
                self.state = S::Locking;
                Step::Io(Io::Lock(format!(
                    "cognito-kit.refresh.{}.{}",
                    cx.config.user_pool_id, cx.config.client_id
                )))
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
            // network failure, a timeout or a 5xx keeps every stored token.
            (S::Failed(record, error), Input::Told) => {
                if matches!(&error, Error::Service(s) if s.code == "NotAuthorizedException") {
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
            (S::EndTokens(user, error), Input::Stored(removed)) => match removed {
                Ok(()) => {
                    self.state = S::EndReadMarker(user, error);
                    Step::Io(Io::Get(cx.keys.last_user()))
                }
                Err(e) => self.finish(Err(e)),
            },
            (S::EndReadMarker(user, error), Input::Value(marker)) => match marker {
                Ok(Some(current)) if current == user => {
                    self.state = S::EndMarker(error);
                    Step::Io(Io::Remove(cx.keys.last_user()))
                }
                Ok(_) => {
                    self.state = S::Telling(Err(error));
                    Step::Io(Io::Emit(Event::SignedOut))
                }
                Err(e) => self.finish(Err(e)),
            },
            (S::EndMarker(error), Input::Stored(removed)) => match removed {
                Ok(()) => {
                    self.state = S::Telling(Err(error));
                    Step::Io(Io::Emit(Event::SignedOut))
                }
                Err(e) => self.finish(Err(e)),
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

impl Refresh<'_> {
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
