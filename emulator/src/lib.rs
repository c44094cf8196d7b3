//! cognito-kit-emulator: a faithful local Amazon Cognito user pool over HTTP.
//!
//! It speaks the service's JSON protocol (`POST /` with `X-Amz-Target`), runs the server side of
//! Cognito's SRP variant (written independently of the kit's client code, so the two cannot
//! share a bug), signs RS256 tokens with a per-pool key published as JWKS, and keeps test hooks
//! (an outbox of "sent" codes and a movable clock) under `/_emulator/`.
//!
//! Embedding in tests:
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! let server = cognito_kit_emulator::start(cognito_kit_emulator::Options::default()).await?;
//! println!("emulator at {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// `Debug` for a type that holds secrets (passwords, codes, tokens, keys): the named fields are
/// shown, the others left out (`..`), so that no secret reaches a log or a panic message.
macro_rules! debug_showing {
    ($ty:ident { $($field:ident),* }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}

pub mod app;
pub mod config;
pub mod crypto;
pub mod error;
pub mod faults;
pub mod fuzzing;
pub mod hosted;
pub mod http;
pub mod jwt;
pub mod lambda;
mod lifecycle;
pub mod limits;
pub mod model;
pub mod ops;
pub mod params;
pub mod sigv4;
pub mod srp;
pub mod store;
pub mod triggers;
pub mod x509;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::model::Db;
use crate::store::Store;

/// How to start an emulator.
#[derive(Clone)]
pub struct Options {
    /// Interface to bind (loopback by default).
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// `--config` file with pools, clients and users.
    pub config_path: Option<PathBuf>,
    /// The same content as a config file, given directly (for tests).
    pub config: Option<Value>,
    /// Extra host names accepted in the Host header (`--allow-host`); loopback names and the
    /// bound address always are.
    pub allowed_hosts: Vec<String>,
    /// Let pages of any origin use the `/_emulator/` hooks (`--allow-remote-hooks`).
    pub hooks_any_origin: bool,
    /// A connection must send a request's headers within this time, also when idle between
    /// requests (then it is closed).
    pub header_timeout: Duration,
    /// A request's body must arrive within this time.
    pub body_timeout: Duration,
    /// Faults to inject from the start (`--faults`), see [`faults::FaultConfig`].
    pub faults: Option<Value>,
    /// `--state` file: a SQLite database, loaded at start; every change commits the rows it
    /// touched (a JSON state file of the former format is imported once).
    pub state_path: Option<PathBuf>,
    /// `--lambda-endpoint`: the Lambda Invoke API endpoint that runs the pools' Lambda
    /// triggers. When None, the config's `LambdaEndpoint` (if any) is used.
    pub lambda_endpoint: Option<String>,
}

debug_showing!(Options {
    host,
    port,
    config_path,
    allowed_hosts,
    hooks_any_origin,
    state_path
});

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_string(),
            port: 0,
            config_path: None,
            config: None,
            state_path: None,
            allowed_hosts: Vec::new(),
            hooks_any_origin: false,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            faults: None,
            lambda_endpoint: None,
        }
    }
}

/// A running emulator.
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    app: Arc<App>,
    base_url: String,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://host:port`, the endpoint clients should use.
    pub fn url(&self) -> String {
        self.base_url.clone()
    }

    /// Rows in one table of the state database (`pools`, `clients`, `users`, `origins`,
    /// `refresh_tokens`, `outbox`): for tests of growth and clean-up.
    pub fn count_rows(&self, table: &str) -> Result<i64, String> {
        self.app.count_rows(table)
    }

    /// Rows the state database wrote or deleted since start: the cost of writes, in rows.
    pub fn rows_written(&self) -> u64 {
        self.app.rows_written()
    }

    /// Runs the periodic clean-up now.
    pub fn sweep(&self) -> Result<(), String> {
        self.app.sweep().map_err(|e| e.to_string())
    }

    /// The Lambda Invoke API endpoint in effect (`--lambda-endpoint`, else the config's
    /// `LambdaEndpoint`).
    pub fn lambda_endpoint(&self) -> Option<String> {
        self.app.lambda_endpoint().map(str::to_string)
    }

    /// The `iss` of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}", self.base_url)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// What start-up loads: the state, its store, the config's credentials and the Lambda client
/// settings (`LambdaEndpoint`, `LambdaCredentials`).
type Loaded = (
    Db,
    Store,
    Vec<(String, String)>,
    Option<lambda::LambdaSettings>,
);

fn load_db(options: &Options, now: i64) -> Result<Loaded, String> {
    let (mut store, legacy) = Store::open(options.state_path.as_deref())?;
    let mut db = match legacy {
        Some(db) => db,
        None => store.load()?,
    };
    ops::startup_support::end_interrupted(&mut db, now);
    let mut credentials = Vec::new();
    let mut lambda_endpoint = None;
    let mut lambda_credentials = None;
    if let Some(path) = &options.config_path {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("cannot parse config {}: {e}", path.display()))?;
        config::apply(&mut db, &value, now)?;
        credentials.extend(config::credentials(&value)?);
        lambda_endpoint = config::lambda_endpoint(&value)?;
        lambda_credentials = config::lambda_credentials(&value)?;
    }
    if let Some(value) = &options.config {
        config::apply(&mut db, value, now)?;
        credentials.extend(config::credentials(value)?);
        lambda_endpoint = lambda_endpoint.or(config::lambda_endpoint(value)?);
        lambda_credentials = lambda_credentials.or(config::lambda_credentials(value)?);
    }
    // The flag wins over the config.
    let lambda = match options.lambda_endpoint.clone().or(lambda_endpoint) {
        Some(endpoint) => {
            let (access_key, secret_key) = lambda_credentials.unwrap_or_else(|| {
                (
                    sigv4::DEFAULT_CREDENTIALS.0.to_string(),
                    sigv4::DEFAULT_CREDENTIALS.1.to_string(),
                )
            });
            Some(lambda::LambdaSettings {
                endpoint: lambda::check_endpoint(&endpoint)?,
                access_key,
                secret_key,
            })
        }
        None => None,
    };
    Ok((db, store, credentials, lambda))
}

/// Accepts connections until `signal`, each served by hyper with a deadline for request headers
/// (which also closes connections idle between requests); then lets in-flight requests finish.
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_timeout: Duration,
    signal: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(64 * 1024);
    tokio::pin!(signal);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a little instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut signal => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    // In-flight requests finish; idle connections close.
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}

/// Loads state and config, binds the port and serves until [`RunningServer::shutdown`].
pub async fn start(options: Options) -> Result<RunningServer, String> {
    let now = app::real_now();
    let loader_options = options.clone();
    // Config pools need RSA keys, which take a while: keep that off the async reactor.
    let faults = options
        .faults
        .as_ref()
        .map(faults::FaultConfig::parse)
        .transpose()?;
    let (db, store, credentials, lambda) =
        tokio::task::spawn_blocking(move || load_db(&loader_options, now))
            .await
            .map_err(|e| format!("loading failed: {e}"))??;
    let app = Arc::new(App::new(db, store));
    if let Some(settings) = lambda {
        app.set_lambda(lambda::Invoker::new(settings));
    }
    app.add_credentials(credentials);
    if let Some(faults) = faults {
        app.faults.set(faults);
    }
    app.save()?;
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|e| format!("cannot bind {}:{}: {e}", options.host, options.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read bound address: {e}"))?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "cognito-kit-emulator: WARNING: listening on {addr}, beyond this machine's loopback \
             interface. Anyone who can reach it can sign in as your test users, and anyone who \
             knows the default credentials (test/test) can call the admin operations. Bind to \
             127.0.0.1 unless you mean it."
        );
    }
    let host = if options.host.contains(':') {
        format!("[{}]", options.host)
    } else {
        options.host.clone()
    };
    let base_url = format!("http://{host}:{}", addr.port());
    app.set_base_url(base_url.clone());
    let (shutdown, signal) = oneshot::channel::<()>();
    // Expired lineages, refresh tokens, codes, sessions and unconfirmed devices are dropped once
    // a minute (and whenever the test clock moves), so the state stays bounded over time.
    let sweeper_app = app.clone();
    let sweeper = tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
        interval.tick().await;
        loop {
            interval.tick().await;
            let app = sweeper_app.clone();
            let _ = tokio::task::spawn_blocking(move || app.sweep()).await;
        }
    });
    let policy = http::Policy {
        bound: addr,
        allowed_hosts: options.allowed_hosts.clone(),
        hooks_any_origin: options.hooks_any_origin,
        body_timeout: options.body_timeout,
    };
    let router = http::router(app.clone(), policy);
    let header_timeout = options.header_timeout;
    let task = tokio::spawn(async move {
        let served = serve(listener, router, header_timeout, signal).await;
        sweeper.abort();
        served
    });
    Ok(RunningServer {
        addr,
        app,
        base_url,
        shutdown,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Secrets stay out of `Debug`: the options' config (user passwords, TOTP secrets), a
    /// pending code, the server's SRP secret and the challenge step that holds it.
    #[test]
    fn debug_output_holds_no_secrets() {
        let options = Options {
            config: Some(
                serde_json::json!({ "Pools": [{ "Users": [{ "Password": "Hunter2-secret" }] }] }),
            ),
            ..Options::default()
        };
        let printed = format!("{options:?}");
        assert!(
            printed.contains("port") && !printed.contains("Hunter2"),
            "{printed}"
        );

        let code = model::PendingCode {
            code: "918273".into(),
            expires_at: 1,
            failed_attempts: 0,
        };
        let printed = format!("{code:?}");
        assert!(
            printed.contains("expires_at") && !printed.contains("918273"),
            "{printed}"
        );

        let verifier = num_bigint::BigUint::from(0x5eed_u32);
        let ephemeral = srp::start("02", &verifier);
        assert!(ephemeral.is_some(), "A = 2 is a valid client value");
        if let Some(ephemeral) = ephemeral {
            let secret = ephemeral.server_secret.to_string(); // as a derived Debug prints it
            let step = app::Step::PasswordVerifier {
                ephemeral: Box::new(ephemeral.clone()),
                verifier,
                user_id: "u".into(),
                secret_block: vec![7; 16],
                fake: false,
            };
            for printed in [format!("{ephemeral:?}"), format!("{step:?}")] {
                assert!(!printed.contains("server_secret"), "{printed}");
                assert!(!printed.contains(&secret), "{printed}");
            }
            assert_eq!(format!("{step:?}"), "PASSWORD_VERIFIER");
        }

        // An identity provider (its client secret); a pool prints its id and dates only.
        let provider = model::IdentityProvider {
            provider_name: "Corp".into(),
            provider_type: "OIDC".into(),
            provider_details: [("client_secret".to_string(), "corp-secret-42".to_string())].into(),
            attribute_mapping: Default::default(),
            idp_identifiers: Vec::new(),
            created: 0,
            last_modified: 0,
        };
        let printed = format!("{provider:?}");
        assert!(
            printed.contains("Corp") && !printed.contains("corp-secret-42"),
            "{printed}"
        );
    }
}
