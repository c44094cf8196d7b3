//! The async client: one per user pool app client. Generic over its platform ([`Runtime`]) and its
//! token storage ([`Storage`]), so it runs in browsers, workers and Node (as wasm) and natively in
//! tests with a scripted runtime.
//!
//! Sign-in answers the SRP and device challenges itself and stops only where the user must act
//! (an MFA code, a new password, …), returning the next step. Tokens are stored as one record per
//! user; a refresh replaces the record only after it succeeded, keeps the newest refresh token, and
//! clears the session only when the service says the refresh token is no longer valid.

use crate::api::operations as op;
use crate::api::operations::{AuthReply, AuthenticationResult, Operation, StringMap};
use crate::api::ApiRequest;
use crate::api::{endpoint_for_pool, split_pool_id};
use crate::encoding::cognito_timestamp;
use crate::error::{Error, MisuseErrorKind, Result, TransportErrorKind};
use crate::flow::{interpret, user_answer, Challenge, CodeDestination, Outcome, UserAnswer};
use crate::json::{self, Fields, FromJson, Json, ObjectWriter, ShapeError, WriteJson};
use crate::secret::{AccessToken, ClientSecret, DevicePassword, IdToken, Password, RefreshToken};
use crate::secret_hash::secret_hash;
use crate::srp::{DeviceVerifier, SrpClient, SMALL_A_BYTES};
use crate::storage::{Keys, Storage};
use crate::tokens::{clock_drift, Jwt};
use crate::transport::{HttpReply, Runtime};
use alloc::boxed::Box;
use alloc::format;
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
}

impl Config {
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
}

/// What the user must do next in a sign-in.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Signed in.
    Done,
    /// Enter the code sent by SMS.
    ConfirmSignInWithSmsCode(CodeDestination),
    /// Enter the code from the authenticator app.
    ConfirmSignInWithTotpCode,
    /// Enter the code sent by email.
    ConfirmSignInWithEmailCode(CodeDestination),
    /// Choose an MFA method among these.
    ContinueSignInWithMfaSelection(Vec<String>),
    /// Set up an authenticator app with this secret, then enter a code from it.
    ContinueSignInWithTotpSetup {
        /// The TOTP secret (base32), for manual entry.
        shared_secret: String,
        /// An `otpauth://` URI for a QR code.
        setup_uri: String,
    },
    /// Choose a new password (and give these attributes).
    ConfirmSignInWithNewPasswordRequired(Vec<String>),
    /// Answer the pool's custom challenge.
    ConfirmSignInWithCustomChallenge(StringMap),
    /// Choose a first factor among these (choice-based sign-in).
    ContinueSignInWithFirstFactorSelection(Vec<String>),
    /// The user has not confirmed the account yet: confirm it with the code sent at sign-up.
    ConfirmSignUp,
    /// The password must be reset (`forgot_password`).
    ResetPassword,
}

/// Written out so that the TOTP secret (and the URI that carries it) never reaches a log.
impl core::fmt::Debug for NextStep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use NextStep as S;
        match self {
            S::Done => f.write_str("Done"),
            S::ConfirmSignInWithSmsCode(d) => {
                f.debug_tuple("ConfirmSignInWithSmsCode").field(d).finish()
            }
            S::ConfirmSignInWithTotpCode => f.write_str("ConfirmSignInWithTotpCode"),
            S::ConfirmSignInWithEmailCode(d) => f
                .debug_tuple("ConfirmSignInWithEmailCode")
                .field(d)
                .finish(),
            S::ContinueSignInWithMfaSelection(o) => f
                .debug_tuple("ContinueSignInWithMfaSelection")
                .field(o)
                .finish(),
            S::ContinueSignInWithTotpSetup { .. } => f
                .debug_struct("ContinueSignInWithTotpSetup")
                .field("shared_secret", &crate::secret::Redacted)
                .field("setup_uri", &crate::secret::Redacted)
                .finish(),
            S::ConfirmSignInWithNewPasswordRequired(a) => f
                .debug_tuple("ConfirmSignInWithNewPasswordRequired")
                .field(a)
                .finish(),
            S::ConfirmSignInWithCustomChallenge(p) => f
                .debug_tuple("ConfirmSignInWithCustomChallenge")
                .field(p)
                .finish(),
            S::ContinueSignInWithFirstFactorSelection(o) => f
                .debug_tuple("ContinueSignInWithFirstFactorSelection")
                .field(o)
                .finish(),
            S::ConfirmSignUp => f.write_str("ConfirmSignUp"),
            S::ResetPassword => f.write_str("ResetPassword"),
        }
    }
}

/// The result of `sign_in` and `confirm_sign_in`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInOutput {
    /// Whether sign-in is complete.
    pub is_signed_in: bool,
    /// What comes next.
    pub next_step: NextStep,
}

impl SignInOutput {
    fn step(next_step: NextStep) -> Self {
        SignInOutput {
            is_signed_in: next_step == NextStep::Done,
            next_step,
        }
    }
}

/// The signed-in user's tokens.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user's name in the pool (`cognito:username`).
    pub username: String,
    /// The ID token.
    pub id_token: IdToken,
    /// The access token.
    pub access_token: AccessToken,
    /// When the access token expires (seconds since the epoch, service clock).
    pub expires_at: i64,
}

/// Something that happened to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A sign-in completed.
    SignedIn,
    /// The session ended (sign-out, or the service refused the refresh token).
    SignedOut,
    /// New tokens were stored after a refresh.
    TokenRefresh,
    /// A refresh failed; the session is kept unless the service refused the refresh token.
    TokenRefreshFailure(Error),
}

struct TokenRecord {
    /// `cognito:username`.
    username: String,
    /// The name typed at sign-in: the remembered device is kept under it, since the next sign-in
    /// only knows what the user types.
    signed_in_as: String,
    id_token: IdToken,
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    /// Local clock minus the service's when the tokens arrived, in seconds.
    clock_drift: i64,
}

struct DeviceRecord {
    device_key: String,
    device_group_key: String,
    device_password: DevicePassword,
    remembered: bool,
}

// The records are stored as JSON with these (snake_case) member names.
impl WriteJson for TokenRecord {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("username", &self.username);
        w.str("signed_in_as", &self.signed_in_as);
        w.str("id_token", self.id_token.expose_secret());
        w.str("access_token", self.access_token.expose_secret());
        w.opt_str(
            "refresh_token",
            self.refresh_token.as_ref().map(RefreshToken::expose_secret),
        );
        w.number("clock_drift", self.clock_drift);
    }
}

impl WriteJson for DeviceRecord {
    fn write_json(&self, w: &mut ObjectWriter) {
        w.str("device_key", &self.device_key);
        w.str("device_group_key", &self.device_group_key);
        w.str("device_password", self.device_password.expose_secret());
        w.bool("remembered", self.remembered);
    }
}

impl FromJson for TokenRecord {
    fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
        let mut f = Fields::of(value)?;
        Ok(TokenRecord {
            username: f.str("username")?,
            signed_in_as: f.str("signed_in_as")?,
            id_token: IdToken::new(f.str("id_token")?),
            access_token: AccessToken::new(f.str("access_token")?),
            refresh_token: f.opt_str("refresh_token")?.map(RefreshToken::new),
            clock_drift: f.opt_i64("clock_drift")?.ok_or(ShapeError {
                field: "clock_drift".into(),
                expected: "an integer",
            })?,
        })
    }
}

impl FromJson for DeviceRecord {
    fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
        let mut f = Fields::of(value)?;
        Ok(DeviceRecord {
            device_key: f.str("device_key")?,
            device_group_key: f.str("device_group_key")?,
            device_password: DevicePassword::new(f.str("device_password")?),
            remembered: f.req_bool("remembered")?,
        })
    }
}

/// A sign-in waiting for the user.
struct Pending {
    /// The name the user typed.
    username: String,
    challenge: Challenge,
    session: Option<String>,
    /// The challenge's USERNAME, used in answers and SECRET_HASH.
    challenge_username: String,
    device: Option<DeviceRecord>,
}

/// A sign-in in progress inside the kit.
struct Attempt {
    username: String,
    password: Option<Password>,
    flow: AuthFlow,
    srp: Option<SrpClient>,
    device: Option<DeviceRecord>,
    device_srp: Option<SrpClient>,
}

/// One refresh shared by every caller that needs it while it runs.
#[derive(Default)]
struct Flight {
    result: Option<Result<Session>>,
    wakers: Vec<Waker>,
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
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…`, the URI authenticator apps scan.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let (issuer, account) = (percent_encode(issuer), percent_encode(account));
    format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}")
}

/// The client of one user pool app client.
pub struct CognitoAuth<R: Runtime, S: Storage> {
    config: Config,
    pool_name: String,
    endpoint: String,
    keys: Keys,
    runtime: R,
    storage: S,
    pending: RefCell<Option<Pending>>,
    flight: RefCell<Option<Rc<RefCell<Flight>>>>,
    listeners: RefCell<Vec<(u32, Rc<Listener>)>>,
    next_listener: Cell<u32>,
}

impl<R: Runtime, S: Storage> CognitoAuth<R, S> {
    /// A client for `config`, on `runtime`, keeping tokens in `storage`.
    pub fn new(config: Config, runtime: R, storage: S) -> Result<Self> {
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
        Ok(CognitoAuth {
            pool_name: pool_name.to_string(),
            endpoint,
            keys: Keys::new(&config.user_pool_id, &config.client_id),
            config,
            runtime,
            storage,
            pending: RefCell::new(None),
            flight: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
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

    fn now_seconds(&self) -> i64 {
        (self.runtime.now_millis() / 1000.0) as i64
    }

    fn secret_hash(&self, username: &str) -> Option<String> {
        self.config
            .client_secret
            .as_ref()
            .map(|s| secret_hash(s, username, &self.config.client_id))
    }

    fn with_secret_hash(&self, mut params: StringMap, username: &str) -> StringMap {
        if let Some(hash) = self.secret_hash(username) {
            params.insert("SECRET_HASH".into(), hash);
        }
        params
    }

    fn new_srp(&self) -> Result<SrpClient> {
        let mut a = Zeroizing::new([0u8; SMALL_A_BYTES]);
        self.runtime.fill_random(&mut a[..])?;
        SrpClient::new(&a)
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
        Box::pin(async move { self.runtime.send(&self.endpoint, &request?).await })
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
                let outcome = self.runtime.send(&self.endpoint, &request).await;
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

    async fn load_json<T: FromJson>(&self, key: &str) -> Result<Option<T>> {
        match self.storage.get(key).await? {
            None => Ok(None),
            // A record that no longer parses (an older format, tampering) counts as absent.
            Some(text) => Ok(json::parse(Zeroizing::new(text).as_bytes())
                .ok()
                .and_then(|v| T::from_json(v).ok())),
        }
    }

    async fn save_json(&self, key: &str, value: &dyn WriteJson) -> Result<()> {
        let mut w = ObjectWriter::new();
        value.write_json(&mut w);
        let text = Zeroizing::new(w.finish());
        self.storage.set(key, &text).await
    }

    async fn current_user(&self) -> Result<Option<String>> {
        self.storage.get(&self.keys.last_user()).await
    }

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
        let device = self
            .load_json::<DeviceRecord>(&self.keys.device(username))
            .await?
            .filter(|d| d.remembered);
        let attempt = Attempt {
            username: username.to_string(),
            password: password.map(Password::new),
            flow,
            srp: None,
            device,
            device_srp: None,
        };
        self.start(attempt).await
    }

    async fn start(&self, mut attempt: Attempt) -> Result<SignInOutput> {
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
            Err(e) => return self.sign_in_error(e),
        };
        self.advance(attempt, reply).await
    }

    /// Errors that mean "do this next" become steps, as Amplify reports them.
    fn sign_in_error(&self, error: Error) -> Result<SignInOutput> {
        match error.code() {
            "UserNotConfirmedException" => Ok(SignInOutput::step(NextStep::ConfirmSignUp)),
            "PasswordResetRequiredException" => Ok(SignInOutput::step(NextStep::ResetPassword)),
            _ => Err(error),
        }
    }

    async fn respond(
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

    fn is_forgotten_device(error: &Error) -> bool {
        // A byte-window compare rather than str::contains, whose substring searcher (and the panic
        // path of str slicing it brings) is several KB of wasm.
        matches!(error, Error::Service(s) if s.code == "ResourceNotFoundException"
            && s.message.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"device")))
    }

    /// Follows replies until the user must act or sign-in completes. The kit answers the SRP and
    /// device challenges itself.
    async fn advance(&self, mut attempt: Attempt, mut reply: AuthReply) -> Result<SignInOutput> {
        loop {
            let (challenge, session, challenge_username) =
                match interpret(reply, &attempt.username)? {
                    Outcome::SignedIn(result) => {
                        self.finish(&attempt.username, result).await?;
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
                        return Err(invalid_state("DEVICE_SRP_AUTH without a remembered device"));
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
                    // The service no longer knows the device: forget it here and start again without it
                    // (a fresh InitiateAuth: the challenge session must not be replayed).
                    self.storage
                        .remove(&self.keys.device(&attempt.username))
                        .await?;
                    let retry = Attempt {
                        device: None,
                        srp: None,
                        device_srp: None,
                        ..attempt
                    };
                    return Box::pin(self.start(retry)).await;
                }
                Err(e) => return self.sign_in_error(e),
            };
        }
    }

    async fn wait_for_user(
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
            Challenge::SelectMfaType(options) => {
                NextStep::ContinueSignInWithMfaSelection(options.clone())
            }
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
        *self.pending.borrow_mut() = Some(Pending {
            username: attempt.username,
            challenge,
            session,
            challenge_username,
            device: attempt.device,
        });
        Ok(SignInOutput::step(step))
    }

    /// The challenge a sign-in is waiting on, if any.
    pub fn pending_challenge(&self) -> Option<Challenge> {
        self.pending.borrow().as_ref().map(|p| p.challenge.clone())
    }

    /// Answers the step `sign_in` (or a previous `confirm_sign_in`) returned. A wrong code keeps the
    /// sign-in open for another try; other failures end it.
    pub async fn confirm_sign_in(&self, answer: UserAnswer) -> Result<SignInOutput> {
        let Some(pending) = self.pending.borrow_mut().take() else {
            return Err(invalid_state("no sign-in is waiting for an answer"));
        };
        let reply = if let Challenge::MfaSetup(_) = &pending.challenge {
            let UserAnswer::Code(code) = &answer else {
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
                };
                self.advance(attempt, reply).await
            }
            Err(e) => {
                if matches!(
                    e.code(),
                    "CodeMismatchException" | "EnableSoftwareTokenMFAException"
                ) {
                    *self.pending.borrow_mut() = Some(pending);
                }
                Err(e)
            }
        }
    }

    async fn finish(&self, typed_username: &str, result: AuthenticationResult) -> Result<()> {
        let id_token = result.id_token.clone().ok_or_else(|| {
            Error::protocol(
                crate::error::ProtocolErrorKind::MissingField,
                "IdToken",
                "absent after sign-in",
            )
        })?;
        let id = Jwt::decode(id_token.expose_secret())?;
        let username = id.username().unwrap_or(typed_username).to_string();
        let issued = id.issued_at()?.unwrap_or_else(|| self.now_seconds());
        let record = TokenRecord {
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
        if let Err(e) = self.storage.set(&self.keys.last_user(), &username).await {
            // Not half a session: tokens nobody is signed in with do not stay behind.
            let _ = self.storage.remove(&self.keys.tokens(&username)).await;
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

    async fn confirm_new_device(
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

    // ---------------------------------------------------------------- session

    async fn load_record(&self) -> Result<TokenRecord> {
        let user = self.current_user().await?.ok_or_else(not_signed_in)?;
        self.load_json::<TokenRecord>(&self.keys.tokens(&user))
            .await?
            .ok_or_else(not_signed_in)
    }

    /// Whether the stored session is still the one `record` was read from.
    async fn unchanged(&self, record: &TokenRecord) -> bool {
        matches!(self.load_record().await, Ok(now)
            if now.username == record.username && now.refresh_token == record.refresh_token)
    }

    /// Removes the user's tokens and, while it names them, the current-user marker, then says so. A
    /// remembered device stays.
    async fn end_session(&self, username: &str) -> Result<()> {
        self.storage.remove(&self.keys.tokens(username)).await?;
        if self.current_user().await?.as_deref() == Some(username) {
            self.storage.remove(&self.keys.last_user()).await?;
        }
        self.emit(Event::SignedOut);
        Ok(())
    }

    fn session_of(record: &TokenRecord) -> Result<Session> {
        let access = Jwt::decode(record.access_token.expose_secret())?;
        Ok(Session {
            username: record.username.clone(),
            id_token: record.id_token.clone(),
            access_token: record.access_token.clone(),
            expires_at: access.expires_at()?.unwrap_or(0),
        })
    }

    fn needs_refresh(&self, record: &TokenRecord) -> Result<bool> {
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
        self.refresh_shared(false).await
    }

    /// Refreshes now, whatever the expiry (shared with any refresh already running).
    pub async fn refresh_session(&self) -> Result<Session> {
        self.refresh_shared(true).await
    }

    async fn refresh_shared(&self, force: bool) -> Result<Session> {
        let running = self.flight.borrow().clone();
        if let Some(flight) = running {
            return WaitFlight(flight).await;
        }
        let flight = Rc::new(RefCell::new(Flight::default()));
        *self.flight.borrow_mut() = Some(flight.clone());
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
                if !force && !self.needs_refresh(&record)? {
                    return Self::session_of(&record);
                }
                self.refresh_once().await
            })
            .await;
        let wakers = {
            let mut f = flight.borrow_mut();
            f.result = Some(result.clone());
            core::mem::take(&mut f.wakers)
        };
        *self.flight.borrow_mut() = None;
        for w in wakers {
            w.wake();
        }
        result
    }

    async fn refresh_once(&self) -> Result<Session> {
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
                client_secret: self
                    .config
                    .client_secret
                    .as_ref()
                    .map(ClientSecret::expose_secret),
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
            .and_then(|reply| {
                reply.authentication_result.ok_or_else(|| {
                    Error::protocol(
                        crate::error::ProtocolErrorKind::UnexpectedResponse,
                        "AuthenticationResult",
                        "absent from a refresh reply",
                    )
                })
            })
        };
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
                    self.end_session(&record.username).await?;
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
            username: record.username.clone(),
            signed_in_as: record.signed_in_as.clone(),
            id_token,
            access_token: result.access_token,
            // Keep the newest refresh token: a reply without one means the old one stays valid.
            refresh_token: result.refresh_token.or(record.refresh_token),
            clock_drift: clock_drift(self.now_seconds(), issued),
        };
        self.save_json(&self.keys.tokens(&record.username), &updated)
            .await?;
        self.emit(Event::TokenRefresh);
        Self::session_of(&updated)
    }

    /// Signs out here (revoking the refresh token) or, with `global`, everywhere (GlobalSignOut).
    /// Local tokens are removed even when the network is down; a remembered device stays.
    pub async fn sign_out(&self, global: bool) -> Result<()> {
        self.pending.borrow_mut().take();
        let record = match self.load_record().await {
            Ok(r) => r,
            Err(_) => return Ok(()),
        };
        let outcome = if global {
            // An access token that expired while the app sat idle is refreshed first.
            let token = match self.get_session().await {
                Ok(session) => session.access_token,
                Err(_) => record.access_token.clone(),
            };
            self.call(&op::GlobalSignOut {
                access_token: token.expose_secret(),
            })
            .await
            .map(|_| ())
        } else if let Some(refresh) = &record.refresh_token {
            self.call(&op::RevokeToken {
                token: refresh.expose_secret(),
                client_id: &self.config.client_id,
                client_secret: self
                    .config
                    .client_secret
                    .as_ref()
                    .map(ClientSecret::expose_secret),
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
        self.end_session(&record.username).await
    }

    async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.get_session().await?.access_token)
    }

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
