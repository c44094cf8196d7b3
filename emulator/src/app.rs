//! Shared server state: the database behind one lock, challenge sessions, the test clock and
//! persistence to the `--state` file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use num_bigint::BigUint;

use crate::error::{ApiError, ApiResult};
use crate::model::Db;
use crate::srp::ServerEphemeral;
use crate::store::Store;

/// What a sign-in has achieved so far; carried from challenge to challenge.
#[derive(Clone, Debug)]
pub struct SignInContext {
    /// Pool of the client.
    pub pool_id: String,
    /// Client that started the sign-in.
    pub client_id: String,
    /// Internal username (the stand-in id for a user hidden by PreventUserExistenceErrors).
    pub username: String,
    /// The USERNAME the sign-in was started with.
    pub typed_username: String,
    /// DEVICE_KEY the client presented.
    pub device_key: Option<String>,
    /// Device SRP succeeded.
    pub device_verified: bool,
    /// CUSTOM_AUTH flow.
    pub custom_flow: bool,
    /// Next built-in custom challenge to ask.
    pub custom_index: usize,
    /// Wrong custom answers so far.
    pub wrong_answers: u32,
    /// NEW_PASSWORD_REQUIRED answered.
    pub new_password_done: bool,
    /// The user's password was proven in this sign-in (SRP proof or USER_PASSWORD_AUTH).
    pub password_verified: bool,
    /// The user's password verifier when the sign-in started; a password set or reset since then
    /// invalidates the sign-in.
    pub password_stamp: String,
    /// MFA passed (or set up).
    pub mfa_done: bool,
    /// Started through AdminInitiateAuth: only AdminRespondToAuthChallenge continues it.
    pub admin: bool,
    /// The auth event this sign-in records (when advanced security is on).
    pub event_id: String,
    /// `EventContextData` from the request that started the sign-in.
    pub event_context: Option<serde_json::Value>,
    /// CUSTOM_AUTH runs on the pool's Define/Create/VerifyAuthChallenge triggers.
    pub custom_triggers: bool,
    /// DefineAuthChallenge said `issueTokens`.
    pub custom_done: bool,
    /// The rounds of a custom-auth sign-in so far (DefineAuthChallenge's `session`).
    pub rounds: Vec<ChallengeRound>,
    /// Begun on the managed login page (`/login` at the pool's domain): it ends without
    /// tokens, which the domain's token endpoint issues for the authorization code.
    pub hosted: bool,
}

/// One round of a custom-auth sign-in, as the triggers' `request.session` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRound {
    /// `challengeName`.
    pub name: String,
    /// `challengeResult`.
    pub result: bool,
    /// `challengeMetadata` (CUSTOM_CHALLENGE rounds).
    pub metadata: Option<String>,
}

/// The challenge a session waits for, with the data needed to check the answer.
#[derive(Clone)]
pub enum Step {
    /// PASSWORD_VERIFIER (user SRP); `fake` when the user does not exist and existence is hidden.
    PasswordVerifier {
        /// Server ephemeral values.
        ephemeral: Box<ServerEphemeral>,
        /// The user's verifier.
        verifier: BigUint,
        /// SRP user id (internal username).
        user_id: String,
        /// Secret block bytes.
        secret_block: Vec<u8>,
        /// No such user: always fail.
        fake: bool,
    },
    /// DEVICE_SRP_AUTH: waiting for the device's SRP_A.
    DeviceSrpAuth,
    /// DEVICE_PASSWORD_VERIFIER.
    DevicePasswordVerifier {
        /// Server ephemeral values.
        ephemeral: Box<ServerEphemeral>,
        /// The device's verifier.
        verifier: BigUint,
        /// Device key (SRP user id).
        device_key: String,
        /// Device group key (SRP pool name).
        group_key: String,
        /// Secret block bytes.
        secret_block: Vec<u8>,
    },
    /// NEW_PASSWORD_REQUIRED.
    NewPasswordRequired,
    /// SMS_MFA with the code sent.
    SmsMfa {
        /// Code delivered to the outbox.
        code: String,
        /// Wrong codes so far.
        failed: u32,
    },
    /// SOFTWARE_TOKEN_MFA.
    SoftwareTokenMfa {
        /// Wrong codes so far.
        failed: u32,
    },
    /// SELECT_MFA_TYPE among these challenge names.
    SelectMfaType(Vec<String>),
    /// MFA_SETUP: AssociateSoftwareToken / VerifySoftwareToken happen with this session.
    MfaSetup {
        /// Secret handed out by AssociateSoftwareToken.
        secret: Option<String>,
        /// VerifySoftwareToken succeeded.
        verified: bool,
        /// Wrong VerifySoftwareToken codes so far.
        failed: u32,
    },
    /// CUSTOM_CHALLENGE of the pool's built-in sequence.
    CustomChallenge,
    /// SELECT_CHALLENGE of choice-based sign-in (USER_AUTH): the first factors offered.
    SelectChallenge {
        /// AvailableChallenges.
        available: Vec<String>,
        /// No such user (hidden by PreventUserExistenceErrors): every factor fails at its end.
        fake: bool,
    },
    /// EMAIL_OTP or SMS_OTP: a code sent by email (`email`) or SMS, as a first factor or, by
    /// email, as MFA.
    OtpCode {
        /// EMAIL_OTP (else SMS_OTP).
        email: bool,
        /// The code sent (a pretend one for `fake`).
        code: String,
        /// Wrong codes so far.
        failed: u32,
        /// No such user (hidden): no code went out and none is right.
        fake: bool,
    },
    /// WEB_AUTHN: a passkey assertion for the request options with this challenge.
    WebAuthn {
        /// The challenge of CREDENTIAL_REQUEST_OPTIONS, base64url.
        challenge: String,
        /// No such user (hidden): no assertion is accepted.
        fake: bool,
    },
    /// A sign-up just confirmed: InitiateAuth USER_AUTH with this `Session` signs the user in
    /// once (the confirmation code was the first factor).
    ConfirmedSignUp,
    /// CUSTOM_CHALLENGE made by CreateAuthChallenge.
    TriggeredChallenge {
        /// `privateChallengeParameters`, for VerifyAuthChallengeResponse.
        private: std::collections::BTreeMap<String, String>,
        /// `challengeMetadata`.
        metadata: Option<String>,
    },
}

/// A step shows only its challenge's name: its members are SRP secrets, verifiers and codes.
impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.challenge_name())
    }
}

impl Step {
    /// The ChallengeName this step answers to.
    pub fn challenge_name(&self) -> &'static str {
        match self {
            Step::PasswordVerifier { .. } => "PASSWORD_VERIFIER",
            Step::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Step::DevicePasswordVerifier { .. } => "DEVICE_PASSWORD_VERIFIER",
            Step::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Step::SmsMfa { .. } => "SMS_MFA",
            Step::SoftwareTokenMfa { .. } => "SOFTWARE_TOKEN_MFA",
            Step::SelectMfaType(_) => "SELECT_MFA_TYPE",
            Step::MfaSetup { .. } => "MFA_SETUP",
            Step::CustomChallenge | Step::TriggeredChallenge { .. } => "CUSTOM_CHALLENGE",
            Step::SelectChallenge { .. } => "SELECT_CHALLENGE",
            Step::OtpCode { email: true, .. } => "EMAIL_OTP",
            Step::OtpCode { email: false, .. } => "SMS_OTP",
            Step::WebAuthn { .. } => "WEB_AUTHN",
            Step::ConfirmedSignUp => "SIGN_UP_CONFIRMED",
        }
    }
}

/// One outstanding challenge.
#[derive(Clone, Debug)]
pub struct ChallengeSession {
    /// Progress of the sign-in.
    pub ctx: SignInContext,
    /// Awaited answer.
    pub step: Step,
    /// Epoch seconds (emulator clock).
    pub expires_at: i64,
}

/// Furthest the test clock may be moved forward in total (100 years).
pub const MAX_CLOCK_OFFSET: i64 = 100 * 366 * 86_400;

/// Most challenge sessions held at once; beyond this the oldest expire early, bounding memory.
const SESSION_LIMIT: usize = 100_000;

/// A passkey registration begun by StartWebAuthnRegistration and not yet completed.
#[derive(Clone, Debug)]
pub struct PendingRegistration {
    /// The challenge of the creation options, base64url.
    pub challenge: String,
    /// The app client of the access token that started it.
    pub client_id: String,
    /// Epoch seconds after which CompleteWebAuthnRegistration no longer finds it.
    pub expires_at: i64,
}

/// The model and the database it is saved to, behind one lock.
struct State {
    db: Db,
    store: Store,
}

/// The emulator's shared state.
pub struct App {
    state: Mutex<State>,
    sessions: Mutex<HashMap<String, ChallengeSession>>,
    /// Wrong-password counters and lockouts, of real users and of the unknown users hidden by
    /// PreventUserExistenceErrors alike, kept in memory only: a wrong password then costs the
    /// same (no write) whether the user exists or not, so timing does not tell. A restart
    /// forgets lockouts, which a local emulator can afford.
    lockouts: Mutex<HashMap<String, (u32, i64)>>,
    /// Pending passkey registrations (StartWebAuthnRegistration), one per user, keyed by
    /// pool id and internal username; in memory like the sign-in sessions.
    registrations: Mutex<HashMap<(String, String), PendingRegistration>>,
    clock_offset: AtomicI64,
    base_url: RwLock<String>,
    /// SigV4 credentials: access key id → secret.
    credentials: RwLock<HashMap<String, String>>,
    /// Injected faults (off unless configured).
    pub faults: crate::faults::Faults,
    /// Authorization codes and browser sessions of the pools' domains.
    pub oauth: crate::lifecycle::oauth::OAuthMemory,
    /// The Lambda Invoke API client of the triggers (`--lambda-endpoint`, else the config's
    /// `LambdaEndpoint`), once set.
    lambda: std::sync::OnceLock<crate::lambda::Invoker>,
    /// A trigger was due while no endpoint is set, and the log said so.
    lambda_warned: std::sync::atomic::AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; the data is still consistent enough to serve.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Real wall-clock seconds.
pub fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl App {
    /// A new state around `db`, saved to `store` (already holding `db`, or about to through
    /// [`App::save`]).
    pub fn new(db: Db, store: Store) -> Self {
        Self {
            state: Mutex::new(State { db, store }),
            sessions: Mutex::new(HashMap::new()),
            lockouts: Mutex::new(HashMap::new()),
            registrations: Mutex::new(HashMap::new()),
            clock_offset: AtomicI64::new(0),
            base_url: RwLock::new("http://127.0.0.1:9229".to_string()),
            credentials: RwLock::new(HashMap::from([(
                crate::sigv4::DEFAULT_CREDENTIALS.0.to_string(),
                crate::sigv4::DEFAULT_CREDENTIALS.1.to_string(),
            )])),
            faults: crate::faults::Faults::default(),
            oauth: crate::lifecycle::oauth::OAuthMemory::default(),
            lambda: std::sync::OnceLock::new(),
            lambda_warned: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Sets the Lambda endpoint the triggers are invoked at (once, at start-up).
    pub fn set_lambda(&self, invoker: crate::lambda::Invoker) {
        let _ = self.lambda.set(invoker);
    }

    /// The Lambda Invoke API endpoint that runs the pools' triggers, when one is configured.
    pub fn lambda_endpoint(&self) -> Option<&str> {
        self.lambda().map(crate::lambda::Invoker::endpoint)
    }

    /// The Lambda client of the triggers, when an endpoint is configured.
    pub fn lambda(&self) -> Option<&crate::lambda::Invoker> {
        self.lambda.get()
    }

    /// Says once in the log that a pool names a trigger function while no endpoint is set.
    pub fn warn_no_lambda_endpoint(&self, arn: &str) {
        if !self.lambda_warned.swap(true, Ordering::Relaxed) {
            eprintln!(
                "cognito-kit-emulator: a pool's LambdaConfig names {arn}, but no Lambda endpoint is configured (--lambda-endpoint URL, or LambdaEndpoint in the config file): such triggers fail with UnexpectedLambdaException"
            );
        }
    }

    /// Adds SigV4 credentials (from the config file) to the default `test`/`test`.
    pub fn add_credentials(&self, pairs: Vec<(String, String)>) {
        if let Ok(mut table) = self.credentials.write() {
            table.extend(pairs);
        }
    }

    /// Verifies a request's SigV4 signature against the known credentials.
    pub fn verify_signature(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> ApiResult<()> {
        let table = self
            .credentials
            .read()
            .map_err(|_| ApiError::internal("credentials unavailable"))?;
        // Signatures carry the caller's real time, not the test clock.
        crate::sigv4::verify(&table, method, path_and_query, headers, body, real_now())
    }

    /// Sets `http://host:port`, the prefix of every token's `iss`.
    pub fn set_base_url(&self, url: String) {
        if let Ok(mut guard) = self.base_url.write() {
            *guard = url;
        }
    }

    /// `http://host:port`, where the emulator answers.
    pub fn base_url(&self) -> String {
        self.base_url.read().map(|b| b.clone()).unwrap_or_default()
    }

    /// The issuer of a pool's tokens: `http://{host}:{port}/{poolId}`.
    pub fn issuer(&self, pool_id: &str) -> String {
        let base = self.base_url.read().map(|b| b.clone()).unwrap_or_default();
        format!("{base}/{pool_id}")
    }

    /// Emulator time in epoch seconds (wall clock plus the test offset).
    pub fn now(&self) -> i64 {
        real_now().saturating_add(self.clock_offset.load(Ordering::Relaxed))
    }

    /// Moves the emulator clock forward (test hook). The total offset is capped at
    /// [`MAX_CLOCK_OFFSET`] so time arithmetic can never overflow; `None` when it would pass it.
    pub fn advance_clock(&self, seconds: i64) -> Option<i64> {
        self.clock_offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(seconds)
                    .filter(|total| (0..=MAX_CLOCK_OFFSET).contains(total))
            })
            .ok()
            .map(|previous| previous.saturating_add(seconds))
    }

    /// Runs a read-only operation on the database.
    pub fn read<T>(&self, f: impl FnOnce(&Db) -> ApiResult<T>) -> ApiResult<T> {
        let state = lock(&self.state);
        f(&state.db)
    }

    /// Runs a mutating operation and commits the rows it changed in one transaction, even when
    /// it failed: failures also change state (consumed codes). When the transaction cannot
    /// commit, the request gets InternalErrorException and the model is reloaded from the
    /// database, so nothing it changed survives, in memory or on disk.
    pub fn write<T>(&self, f: impl FnOnce(&mut Db) -> ApiResult<T>) -> ApiResult<T> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        let result = f(&mut state.db);
        if let Err(error) = state.store.commit(&mut state.db) {
            eprintln!(
                "cognito-kit-emulator: could not save state, the request was refused: {error}"
            );
            match state.store.load() {
                Ok(db) => state.db = db,
                Err(error) => {
                    eprintln!("cognito-kit-emulator: could not reload state: {error}")
                }
            }
            return Err(ApiError::internal(
                "The emulator could not save the change; nothing was changed.",
            ));
        }
        result
    }

    /// Saves everything marked changed (after start-up configuration).
    pub fn save(&self) -> Result<(), String> {
        let mut guard = lock(&self.state);
        let state = &mut *guard;
        state.store.commit(&mut state.db)
    }

    /// Rows the store wrote or deleted since start (tests, the cost of a write).
    pub fn rows_written(&self) -> u64 {
        lock(&self.state).store.rows_written()
    }

    /// Rows in one table of the store (tests, growth checks).
    pub fn count_rows(&self, table: &str) -> Result<i64, String> {
        lock(&self.state).store.count(table)
    }

    /// Cleans up what has expired: lineages, refresh tokens, codes, unconfirmed devices (in the
    /// database, writing only the rows that change) and challenge sessions (memory). Lockout
    /// counters stay (the escalation needs them); their table is bounded by `with_lockout`.
    pub fn sweep(&self) -> ApiResult<()> {
        let now = self.now();
        lock(&self.sessions).retain(|_, s| s.expires_at > now);
        crate::lifecycle::oauth::sweep(self, now);
        self.write(|db| {
            db.sweep(now);
            Ok(())
        })
    }

    /// Runs `f` on the (failures, locked-until) pair of `key` (`pool/user`, for real and for
    /// hidden unknown users alike).
    pub fn with_lockout<T>(&self, key: &str, f: impl FnOnce(&mut u32, &mut i64) -> T) -> T {
        let now = self.now();
        let mut table = lock(&self.lockouts);
        if table.len() >= SESSION_LIMIT && !table.contains_key(key) {
            // Bound memory: forget entries that are not locked right now.
            table.retain(|_, (_, until)| *until > now);
            if table.len() >= SESSION_LIMIT {
                table.clear();
            }
        }
        let entry = table.entry(key.to_string()).or_insert((0, 0));
        f(&mut entry.0, &mut entry.1)
    }

    /// Stores a challenge session under `key` (a random Session string or a SECRET_BLOCK).
    pub fn put_session(&self, key: String, session: ChallengeSession) {
        let now = self.now();
        let mut sessions = lock(&self.sessions);
        if sessions.len() >= SESSION_LIMIT {
            sessions.retain(|_, s| s.expires_at > now);
            if sessions.len() >= SESSION_LIMIT {
                if let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.expires_at)
                    .map(|(k, _)| k.clone())
                {
                    sessions.remove(&oldest);
                }
            }
        }
        sessions.insert(key, session);
    }

    /// Removes and returns a live session: every session is single-use.
    pub fn take_session(&self, key: &str) -> ApiResult<ChallengeSession> {
        let now = self.now();
        let session = lock(&self.sessions)
            .remove(key)
            .ok_or_else(ApiError::invalid_session)?;
        if session.expires_at <= now {
            return Err(ApiError::invalid_session());
        }
        Ok(session)
    }

    /// Stores the pending passkey registration of a user, replacing an earlier one.
    pub fn put_registration(&self, pool_id: &str, username: &str, pending: PendingRegistration) {
        let now = self.now();
        let mut map = lock(&self.registrations);
        if map.len() >= SESSION_LIMIT {
            map.retain(|_, p| p.expires_at > now);
        }
        if map.len() < SESSION_LIMIT {
            map.insert((pool_id.to_string(), username.to_string()), pending);
        }
    }

    /// Removes and returns the live pending registration of a user: each is single-use.
    pub fn take_registration(&self, pool_id: &str, username: &str) -> Option<PendingRegistration> {
        let now = self.now();
        lock(&self.registrations)
            .remove(&(pool_id.to_string(), username.to_string()))
            .filter(|p| p.expires_at > now)
    }
}
