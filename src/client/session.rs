//! The session: reading it, single-flight refresh in a tab and across tabs, sign-out.

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
struct Leader<'a> {
    slot: &'a RefCell<Option<Rc<RefCell<Flight>>>>,
    flight: Rc<RefCell<Flight>>,
}

impl Leader<'_> {
    fn settle(&self, result: Result<Session>) {
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

struct WaitFlight(Rc<RefCell<Flight>>);

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

    /// Whether the stored session is still the one `record` was read from.
    pub(super) async fn unchanged(&self, record: &TokenRecord) -> bool {
        matches!(self.load_record().await, Ok(now)
            if now.stored_as == record.stored_as && now.refresh_token == record.refresh_token)
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

    pub(super) fn needs_refresh(&self, record: &TokenRecord) -> Result<bool> {
        let now = self.now_seconds();
        let margin = self.config.refresh_margin_seconds;
        let access = Jwt::decode(record.access_token.expose_secret())?;
        let id = Jwt::decode(record.id_token.expose_secret())?;
        Ok(access.expires_within(now, record.clock_drift, margin)?
            || id.expires_within(now, record.clock_drift, margin)?)
    }

    /// The signed-in user's tokens, refreshed first when they expire within the margin. Concurrent
    /// callers share one refresh.
    pub async fn get_session(&self) -> Result<Session> {
        let record = self.load_record().await?;
        if !self.needs_refresh(&record)? {
            return Self::session_of(&record);
        }
        self.refresh_shared(Need::Expiring).await
    }

    /// Refreshes now, whatever the expiry (shared with any refresh already running).
    pub async fn refresh_session(&self) -> Result<Session> {
        self.refresh_shared(Need::Always).await
    }

    pub(super) async fn refresh_shared(&self, need: Need<'_>) -> Result<Session> {
        let running = self.flight.borrow().clone();
        if let Some(flight) = running {
            return WaitFlight(flight).await;
        }
        let flight = Rc::new(RefCell::new(Flight::default()));
        *self.flight.borrow_mut() = Some(flight.clone());
        let leader = Leader {
            slot: &self.flight,
            flight,
        };
        // Across tabs: one refresh at a time per pool client; a tab that waited first looks whether
        // another one already stored fresh tokens.
        let lock = format!(
            "cognito-kit.refresh.{}.{}",
            self.config.user_pool_id, self.config.client_id
        );
        let result = self
            .runtime
            .exclusive(&lock, async {
                let record = self.load_record().await?;
                let stale = match need {
                    Need::Always => true,
                    Need::Expiring => self.needs_refresh(&record)?,
                    Need::Replacing(token) => record.access_token.expose_secret() == token,
                };
                if !stale {
                    return Self::session_of(&record);
                }
                self.refresh_once().await
            })
            .await;
        leader.settle(result.clone());
        result
    }

    pub(super) async fn refresh_once(&self) -> Result<Session> {
        let record = self.load_record().await?;
        let Some(refresh_token) = record.refresh_token.clone() else {
            return Err(not_signed_in());
        };
        let typed_device = self
            .load_json::<DeviceRecord>(&self.keys.device(&record.signed_in_as))
            .await?;
        let device_key = typed_device.as_ref().map(|d| d.device_key.clone());
        let result = if self.config.refresh_token_rotation {
            self.call(&op::GetTokensFromRefreshToken {
                refresh_token: refresh_token.expose_secret(),
                client_id: &self.config.client_id,
                client_secret: self.client_secret(),
                device_key: device_key.as_deref(),
            })
            .await
            .map(|r| r.authentication_result)
        } else {
            let mut params = map(&[("REFRESH_TOKEN", refresh_token.expose_secret())]);
            if let Some(key) = &device_key {
                params.insert("DEVICE_KEY".into(), key.clone());
            }
            let params = self.with_secret_hash(params, &record.username);
            self.call(&op::InitiateAuth {
                auth_flow: "REFRESH_TOKEN_AUTH",
                client_id: &self.config.client_id,
                auth_parameters: params,
                client_metadata: None,
            })
            .await
            .map(|reply| reply.authentication_result)
        };
        // Both operations answer alike: a reply without tokens is one error, whichever was used.
        let result = result.and_then(|r| {
            r.ok_or_else(|| {
                Error::protocol(
                    crate::error::ProtocolErrorKind::UnexpectedResponse,
                    "AuthenticationResult",
                    "absent from a refresh reply",
                )
            })
        });
        // The new tokens are read before anything is stored: a token that does not decode is the
        // reply's fault, and the stored session stays as it was.
        let result = result.and_then(|r| {
            Jwt::decode(r.access_token.expose_secret())?;
            if let Some(id) = &r.id_token {
                Jwt::decode(id.expose_secret())?;
            }
            Ok(r)
        });
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // Only the service's own "this refresh token is no longer valid" ends the session;
                // a network failure, a timeout or a 5xx keeps every stored token.
                // A session that changed meanwhile (a sign-out, a new sign-in) is not this
                // refresh's to end.
                self.emit(Event::TokenRefreshFailure(e.clone()));
                if matches!(&e, Error::Service(s) if s.code == "NotAuthorizedException")
                    && self.unchanged(&record).await
                {
                    self.end_session(&record.stored_as).await?;
                }
                return Err(e);
            }
        };
        // Nor is it this refresh's to overwrite: a sign-out while the request was on the wire
        // stays signed out, a new sign-in keeps its own tokens.
        if !self.unchanged(&record).await {
            return Self::session_of(&self.load_record().await?);
        }
        let id_token = result.id_token.unwrap_or_else(|| record.id_token.clone());
        let issued = Jwt::decode(result.access_token.expose_secret())?
            .issued_at()?
            .unwrap_or_else(|| self.now_seconds());
        let updated = TokenRecord {
            stored_as: record.stored_as.clone(),
            username: record.username.clone(),
            signed_in_as: record.signed_in_as.clone(),
            id_token,
            access_token: result.access_token,
            // Keep the newest refresh token: a reply without one means the old one stays valid.
            refresh_token: result.refresh_token.or(record.refresh_token),
            clock_drift: clock_drift(self.now_seconds(), issued),
        };
        self.save_json(&self.keys.tokens(&record.stored_as), &updated)
            .await?;
        self.emit(Event::TokenRefresh);
        Self::session_of(&updated)
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
