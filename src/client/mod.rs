//! The client: one per user pool app client. Every method is a synchronous state machine that
//! performs no I/O (`machine::Flow`: sign-in, the session and its refresh, sign-out, the account);
//! two drivers carry out what the flows ask for. [`CognitoAuth`] is the async driver for Rust apps,
//! generic over its platform ([`Runtime`]) and its token storage ([`Storage`]), so it runs in
//! browsers, workers and Node (as wasm) and natively in tests with a scripted runtime; the npm
//! package's one JavaScript loop is the other (`crate::js::package`).
//!
//! Sign-in answers the SRP and device challenges itself and stops only where the user must act
//! (an MFA code, a new password, …), returning the next step. Tokens are stored as one record per
//! user; a refresh replaces the record only after it succeeded, keeps the newest refresh token, and
//! clears the session only when the service says the refresh token is no longer valid.

mod account;
pub(crate) mod machine;
pub(crate) use account::{
    reply_as, totp_verified, write_attributes, write_mfa, Account, Call, Local, LocalAction,
    LocalOutput,
};
mod records;
mod redirect;
mod session;
mod sign_in;
mod steps;

use crate::text::cat;
use machine::{Ctx, Flow, Input, Io, Step};
use records::{DeviceRecord, TokenRecord};
pub(crate) use redirect::{HandleRedirect, SignInWithRedirect, SignOutRedirect, UserInfo};
pub use redirect::{RedirectOptions, Redirected};
use session::Flight;
pub(crate) use session::{GetSession, Need, Refresh, SignOut};
use sign_in::Pending;
pub(crate) use sign_in::{answer_for, SignIn};
pub use steps::{Event, NextStep, Session, SignInOutput};

use crate::api::operations as op;
use crate::api::operations::{AuthReply, AuthenticationResult, Operation, StringMap};
use crate::api::ApiRequest;
use crate::api::{endpoint_for_pool, split_pool_id};
use crate::encoding::cognito_timestamp;
use crate::error::{Error, MisuseErrorKind, Result, TransportErrorKind};
use crate::flow::{
    interpret, mfa_name, mfa_service_name, user_answer, Challenge, Outcome, UserAnswer,
};
use crate::json::FromJson;
use crate::secret::{AccessToken, ClientSecret, Password};
use crate::secret_hash::secret_hash;
use crate::srp::{DeviceVerifier, SrpClient, SMALL_A_BYTES};
use crate::storage::{Keys, Storage};
use crate::tokens::{clock_drift, Jwt};
use crate::transport::{HttpReply, Runtime};
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use zeroize::Zeroizing;

/// How a client is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The user pool, e.g. `us-east-1_AbCdEf123`.
    pub user_pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client's secret, for clients that have one (then SECRET_HASH goes on every call).
    pub client_secret: Option<ClientSecret>,
    /// Overrides the service endpoint (a proxy or the local emulator).
    pub endpoint: Option<String>,
    /// The app client rotates refresh tokens: refresh with `GetTokensFromRefreshToken`.
    pub refresh_token_rotation: bool,
    /// Refresh when a token expires within this many seconds.
    pub refresh_margin_seconds: i64,
    /// The name given to a new remembered device.
    pub device_name: Option<String>,
    /// The pool's domain, for sign-in with a redirect (the managed login, social and enterprise
    /// providers).
    pub oauth: Option<OAuthConfig>,
}

/// Sign-in with a redirect through the pool's domain (OAuth 2.0 authorization code with PKCE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// The domain's URL base, e.g. `https://myapp.auth.us-east-1.amazoncognito.com` or the
    /// emulator's `http://localhost:9229/domains/myapp` (no trailing slash).
    pub domain: String,
    /// Where the domain sends the browser back with the code: one of the client's callback URLs.
    pub redirect_sign_in: String,
    /// Where `/logout` sends the browser: one of the client's sign-out URLs.
    pub redirect_sign_out: Option<String>,
    /// The scopes asked for.
    pub scopes: Vec<String>,
}

impl OAuthConfig {
    /// A domain given without a scheme is `https://`; a trailing `/` is dropped.
    pub fn new(domain: &str, redirect_sign_in: &str) -> OAuthConfig {
        // Bytewise: `contains` and `trim_end_matches` bring str's pattern searchers into the wasm.
        let mut domain = if domain.as_bytes().windows(3).any(|w| w == b"://") {
            domain.to_string()
        } else {
            cat!("https://", domain)
        };
        while domain.as_bytes().last() == Some(&b'/') {
            domain.truncate(domain.len() - 1);
        }
        OAuthConfig {
            domain,
            redirect_sign_in: redirect_sign_in.to_string(),
            redirect_sign_out: None,
            scopes: [
                "phone",
                "email",
                "openid",
                "profile",
                "aws.cognito.signin.user.admin",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl Config {
    /// The app client's secret as it is, for the operations that take it so (not as a SECRET_HASH).
    fn secret(&self) -> Option<&str> {
        self.client_secret.as_ref().map(ClientSecret::expose_secret)
    }

    /// SECRET_HASH for `username`, for clients with a secret.
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash(s, username, &self.client_id))
    }

    /// `params` with SECRET_HASH added, for clients with a secret.
    fn with_secret_hash(&self, mut params: StringMap, username: &str) -> StringMap {
        if let Some(hash) = self.secret_hash(username) {
            params.insert("SECRET_HASH".into(), hash);
        }
        params
    }

    /// A configuration with the defaults: no secret, the region's endpoint, no rotation, a 60 s margin.
    pub fn new(user_pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        Config {
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            endpoint: None,
            refresh_token_rotation: false,
            refresh_margin_seconds: 60,
            device_name: None,
            oauth: None,
        }
    }
}

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthFlow {
    /// SRP: the password never leaves the client (the default).
    #[default]
    UserSrp,
    /// The password is sent to the service (over TLS); needed for user migration triggers.
    UserPassword,
    /// The pool's custom challenges, after an SRP password check.
    CustomWithSrp,
    /// The pool's custom challenges only.
    CustomWithoutSrp,
    /// Choice-based sign-in (`USER_AUTH`): the service offers the user's first factors (a
    /// password, a code by email or SMS, a passkey). With a preferred factor that the user has,
    /// that factor starts at once; otherwise the sign-in stops at
    /// [`NextStep::ContinueSignInWithFirstFactorSelection`]. A password is given only with
    /// [`FirstFactor::Password`] or [`FirstFactor::PasswordSrp`].
    UserAuth(Option<FirstFactor>),
}

/// A first factor of choice-based sign-in ([`AuthFlow::UserAuth`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstFactor {
    /// The password, sent to the service (over TLS).
    Password,
    /// The password, proven with SRP (it never leaves the client).
    PasswordSrp,
    /// A code sent by email.
    EmailOtp,
    /// A code sent by SMS.
    SmsOtp,
    /// A passkey.
    WebAuthn,
}

impl FirstFactor {
    /// Every factor, in the order of [`FirstFactor::name`]'s names.
    const ALL: [FirstFactor; 5] = [
        FirstFactor::Password,
        FirstFactor::PasswordSrp,
        FirstFactor::EmailOtp,
        FirstFactor::SmsOtp,
        FirstFactor::WebAuthn,
    ];

    /// The service's name: `PASSWORD`, `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`.
    pub fn name(self) -> &'static str {
        match self {
            FirstFactor::Password => "PASSWORD",
            FirstFactor::PasswordSrp => "PASSWORD_SRP",
            FirstFactor::EmailOtp => "EMAIL_OTP",
            FirstFactor::SmsOtp => "SMS_OTP",
            FirstFactor::WebAuthn => "WEB_AUTHN",
        }
    }

    /// The factor of a service name.
    pub fn from_name(name: &str) -> Option<FirstFactor> {
        FirstFactor::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the factor is the password (the user types it).
    pub fn is_password(self) -> bool {
        matches!(self, FirstFactor::Password | FirstFactor::PasswordSrp)
    }
}

type Listener = Box<dyn Fn(&Event)>;

fn not_signed_in() -> Error {
    Error::misuse(MisuseErrorKind::NotSignedIn, "no user is signed in")
}

fn invalid_state(message: &str) -> Error {
    Error::misuse(MisuseErrorKind::InvalidState, message)
}

fn map(items: &[(&str, &str)]) -> StringMap {
    // Filled by insert: BTreeMap's FromIterator brings a sort routine into the wasm.
    let mut map = StringMap::new();
    for (k, v) in items {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    percent_encode_into(&mut out, text);
    out
}

/// [`percent_encode`] onto the end of `out`: for a buffer sized once, so that a secret written
/// into it leaves no copy in a buffer that grew.
pub(crate) fn percent_encode_into(out: &mut String, text: &str) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…`, the URI authenticator apps scan.
/// Built in one buffer sized for the whole: the secret is written once, with no copy left behind
/// in a buffer that grew.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let mut uri = String::with_capacity(48 + 6 * issuer.len() + 3 * account.len() + secret.len());
    uri.push_str("otpauth://totp/");
    percent_encode_into(&mut uri, issuer);
    uri.push(':');
    percent_encode_into(&mut uri, account);
    uri.push_str("?secret=");
    uri.push_str(secret);
    uri.push_str("&issuer=");
    percent_encode_into(&mut uri, issuer);
    uri
}

/// What the flows of one pool client share, whoever drives them: the configuration and the state
/// that lives between calls.
pub(crate) struct Core {
    pub(crate) config: Config,
    /// The part of the pool id after `_` (SRP's pool name).
    pub(crate) pool_name: String,
    pub(crate) endpoint: String,
    pub(crate) keys: Keys,
    pub(crate) pending: RefCell<Option<Box<Pending>>>,
    /// The session `ConfirmSignUp` returned and the user it confirmed: one choice-based sign-in
    /// of that user without a factor (the confirmation code was the first), kept in memory only.
    pub(crate) sign_up_session: RefCell<Option<(String, Zeroizing<String>)>>,
    /// Bumped by every sign-in and sign-out: a sign-in step that answers after either stores
    /// nothing and leaves no pending step behind.
    pub(crate) epoch: Cell<u64>,
    /// The `state` of the last sign-in with a redirect whose record a callback took: a second
    /// callback that read the same record before the first removed it (two `handleRedirect()` at
    /// once) finds it taken, and the code is exchanged once.
    pub(crate) redirect_taken: RefCell<Option<String>>,
    /// Bumped whenever this client changes which session is stored: a sign-out begins, a sign-in
    /// writes its tokens. A refresh or a sign-out that began before stores or removes nothing
    /// once it moved (a sign-out wins over a refresh; a newer sign-in over an older sign-out).
    pub(crate) stored: Cell<u64>,
    /// Whether a passkey prompt is open (see [`machine::Prompt`]).
    pub(crate) prompt: alloc::rc::Rc<Cell<bool>>,
}

impl Core {
    /// The shared state of a client for `config`.
    pub(crate) fn new(config: Config) -> Result<Core> {
        let (_, pool_name) = split_pool_id(&config.user_pool_id)?;
        if config.client_id.is_empty() {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "clientId is empty",
            ));
        }
        let endpoint = match &config.endpoint {
            Some(e) => e.clone(),
            None => endpoint_for_pool(&config.user_pool_id)?,
        };
        Ok(Core {
            pool_name: pool_name.to_string(),
            endpoint,
            keys: Keys::new(&config.user_pool_id, &config.client_id),
            config,
            pending: RefCell::new(None),
            sign_up_session: RefCell::new(None),
            epoch: Cell::new(0),
            redirect_taken: RefCell::new(None),
            stored: Cell::new(0),
            prompt: alloc::rc::Rc::new(Cell::new(false)),
        })
    }
}

/// The client of one user pool app client.
pub struct CognitoAuth<R: Runtime, S: Storage> {
    core: Core,
    runtime: R,
    storage: S,
    flight: RefCell<Option<Rc<RefCell<Flight>>>>,
    listeners: RefCell<Vec<(u32, Rc<Listener>)>>,
    next_listener: Cell<u32>,
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    /// A client for `config`, on `runtime`, keeping tokens in `storage`.
    pub fn new(config: Config, runtime: R, storage: S) -> Result<Self> {
        Ok(CognitoAuth {
            core: Core::new(config)?,
            runtime,
            storage,
            flight: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// The runtime (for tests).
    pub fn runtime(&self) -> &R {
        &self.runtime
    }

    /// The storage tokens and devices are kept in.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Calls `listener` on every [`Event`]; returns an id for [`CognitoAuth::off`].
    pub fn on(&self, listener: impl Fn(&Event) + 'static) -> u32 {
        let id = self.next_listener.get();
        self.next_listener.set(id.wrapping_add(1));
        self.listeners
            .borrow_mut()
            .push((id, Rc::new(Box::new(listener))));
        id
    }

    /// Stops calling the listener `id`.
    pub fn off(&self, id: u32) {
        self.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn emit(&self, event: Event) {
        // Listeners may subscribe or unsubscribe while being called: call a snapshot.
        let snapshot: Vec<Rc<Listener>> = self
            .listeners
            .borrow()
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for listener in snapshot {
            listener(&event);
        }
    }

    /// What a flow may read and change between two inputs.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            core: &self.core,
            env: &self.runtime,
        }
    }

    /// Carries out one thing a flow asked for. Boxed and not generic over the flow: one state
    /// machine for every flow's I/O.
    fn perform(&self, io: Io) -> Pin<Box<dyn Future<Output = Input> + '_>> {
        Box::pin(async move {
            match io {
                Io::Send(request) => {
                    Input::Reply(self.runtime.send(&self.core.endpoint, &request).await)
                }
                Io::Get(key) => Input::Value(self.storage.get(&key).await),
                Io::Set(key, value) => Input::Stored(self.storage.set(&key, &value).await),
                Io::Remove(key) => Input::Stored(self.storage.remove(&key).await),
                Io::Emit(event) => {
                    self.emit(event);
                    Input::Told
                }
                Io::Flight => {
                    let running = self.flight.borrow().clone();
                    match running {
                        Some(flight) => Input::Joined(session::WaitFlight(flight).await),
                        // The driver registers the leader (see `carry_out`).
                        None => Input::Leading,
                    }
                }
                // Settling and the lock are the driver's (see `drive`); a lock asked for while
                // held is held.
                Io::Settle(_) => Input::Settled,
                Io::Lock(_) => Input::Locked,
                Io::Unlock => Input::Unlocked,
                Io::Sleep(millis) => {
                    self.runtime.sleep(millis).await;
                    Input::Slept
                }
                Io::Credential { create, options } => {
                    Input::Credential(self.runtime.passkey(create, &options).await)
                }
                // A Rust app's storage serves as the tab's own storage too.
                Io::GetTransient(key) => Input::Value(self.storage.get(&key).await),
                Io::SetTransient(key, value) => Input::Stored(self.storage.set(&key, &value).await),
                Io::RemoveTransient(key) => Input::Stored(self.storage.remove(&key).await),
                Io::Navigate { url, replace } => {
                    Input::Navigated(self.runtime.navigate(&url, replace))
                }
                Io::Http(request) => Input::Reply(
                    self.runtime
                        .request(
                            request.method,
                            &request.url,
                            request.authorization.as_deref().map(String::as_str),
                            request.form.as_deref().map(String::as_str),
                        )
                        .await,
                ),
            }
        })
    }

    /// Runs one method of the package (see [`crate::methods::call`]).
    pub(crate) async fn drive_method(
        &self,
        method: &str,
        input: &str,
    ) -> Result<Option<Zeroizing<String>>> {
        let mut flow = crate::methods::Method::new(&self.core, method, input)?;
        self.drive(&mut flow).await
    }

    /// Runs a flow to its end, carrying out what it asks for.
    async fn drive<T>(&self, flow: &mut dyn Flow<Output = T>) -> Result<T> {
        let mut leader = None;
        let mut input = Input::Start;
        loop {
            match flow.resume(&self.ctx(), input) {
                Step::Done(result) => return result,
                Step::Io(Io::Lock(name)) => {
                    // The flow goes on under the lock until it releases it.
                    let locked = self
                        .runtime
                        .exclusive(&name, self.drive_locked(&mut *flow, &mut leader))
                        .await;
                    match locked {
                        Ok(next) => input = next,
                        Err(result) => return result,
                    }
                }
                Step::Io(io) => input = self.carry_out(io, &mut leader).await,
            }
        }
    }

    /// [`CognitoAuth::drive`] while a lock is held: the input after the flow released it, or the
    /// flow's result if it ended holding it.
    async fn drive_locked<'a, T>(
        &'a self,
        flow: &mut dyn Flow<Output = T>,
        leader: &mut Option<session::Leader<'a>>,
    ) -> core::result::Result<Input, Result<T>> {
        let mut input = Input::Locked;
        loop {
            match flow.resume(&self.ctx(), input) {
                Step::Done(result) => return Err(result),
                Step::Io(Io::Unlock) => return Ok(Input::Unlocked),
                Step::Io(io) => {
                    // Web Locks are not re-entrant: no flow asks for the lock while it holds it.
                    debug_assert!(!matches!(io, Io::Lock(_)), "a lock asked for while held");
                    input = self.carry_out(io, leader).await
                }
            }
        }
    }

    /// Carries out `io`. A flow that leads a refresh is registered as its leader, so that the
    /// callers that join it get its result — or an error if the flow is dropped before it ends.
    async fn carry_out<'a>(&'a self, io: Io, leader: &mut Option<session::Leader<'a>>) -> Input {
        if let Io::Settle(result) = io {
            if let Some(leader) = leader.take() {
                leader.settle(result);
            }
            return Input::Settled;
        }
        let input = self.perform(io).await;
        if let Input::Leading = input {
            let flight = Rc::new(RefCell::new(session::Flight::default()));
            *self.flight.borrow_mut() = Some(flight.clone());
            *leader = Some(session::Leader {
                slot: &self.flight,
                flight,
            });
        }
        input
    }

    /// Sends one operation and parses its reply. Never retried: used for anything that changes state
    /// or consumes a challenge session.
    pub async fn call<O: Operation>(&self, operation: &O) -> Result<O::Reply> {
        let reply = self.exchange(operation.request()).await?;
        O::parse(reply.status, reply.error_type.as_deref(), &reply.body)
    }

    /// Sends one request. Boxed and not generic over the operation, so that every operation's
    /// future holds a pointer to this one state machine instead of a copy of it (wasm size).
    fn exchange(
        &self,
        request: Result<ApiRequest>,
    ) -> Pin<Box<dyn Future<Output = Result<HttpReply>> + '_>> {
        Box::pin(async move { self.runtime.send(&self.core.endpoint, &request?).await })
    }

    /// Sends a read-only operation, retrying network failures, throttling and 5xx up to twice with
    /// jittered exponential backoff.
    pub async fn call_idempotent<O: Operation>(&self, operation: &O) -> Result<O::Reply> {
        let reply = self.exchange_idempotent(operation.request()).await?;
        O::parse(reply.status, reply.error_type.as_deref(), &reply.body)
    }

    /// The retry loop of [`CognitoAuth::call_idempotent`], boxed and not generic over the operation
    /// (one copy in the wasm). A reply is retried when the error it stands for is retryable; a 2xx
    /// reply is final whatever its body.
    fn exchange_idempotent(
        &self,
        request: Result<ApiRequest>,
    ) -> Pin<Box<dyn Future<Output = Result<HttpReply>> + '_>> {
        Box::pin(async move {
            let request = request?;
            let mut attempt = 0u32;
            loop {
                let outcome = self.runtime.send(&self.core.endpoint, &request).await;
                let retry = match &outcome {
                    Ok(reply) => crate::api::reply_failure(
                        reply.status,
                        reply.error_type.as_deref(),
                        &reply.body,
                    )
                    .is_some_and(|e| e.retryable()),
                    Err(e) => {
                        e.retryable()
                            && !matches!(e, Error::Transport(t) if t.kind == TransportErrorKind::Aborted)
                    }
                };
                if !retry || attempt >= 2 {
                    return outcome;
                }
                let mut jitter = [0u8; 1];
                let _ = self.runtime.fill_random(&mut jitter);
                let base = 200u32 << attempt;
                self.runtime
                    .sleep(base / 2 + base * u32::from(jitter[0]) / 255)
                    .await;
                attempt += 1;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_step_debug_hides_the_totp_secret() {
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let step = NextStep::ContinueSignInWithTotpSetup {
            shared_secret: secret.into(),
            setup_uri: otpauth_uri("pool", "alice", secret),
        };
        let printed = format!("{step:?}");
        assert!(
            printed.starts_with("ContinueSignInWithTotpSetup"),
            "{printed}"
        );
        assert!(
            !printed.contains("JBSWY3DP") && !printed.contains("otpauth"),
            "{printed}"
        );
        assert_eq!(
            format!(
                "{:?}",
                NextStep::ConfirmSignInWithNewPasswordRequired(vec!["name".into()])
            ),
            r#"ConfirmSignInWithNewPasswordRequired(["name"])"#
        );
        assert_eq!(format!("{:?}", NextStep::Done), "Done");
    }
}
