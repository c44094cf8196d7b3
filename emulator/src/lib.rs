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

pub mod app;
pub mod config;
pub mod crypto;
pub mod error;
pub mod http;
pub mod jwt;
pub mod limits;
pub mod model;
pub mod ops;
pub mod params;
pub mod srp;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::model::Db;
use crate::store::Store;

/// How to start an emulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// Interface to bind (loopback by default).
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// `--config` file with pools, clients and users.
    pub config_path: Option<PathBuf>,
    /// The same content as a config file, given directly (for tests).
    pub config: Option<Value>,
    /// `--state` file: a SQLite database, loaded at start; every change commits the rows it
    /// touched (a JSON state file of the former format is imported once).
    pub state_path: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_string(),
            port: 0,
            config_path: None,
            config: None,
            state_path: None,
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

fn load_db(options: &Options, now: i64) -> Result<(Db, Store), String> {
    let (mut store, legacy) = Store::open(options.state_path.as_deref())?;
    let mut db = match legacy {
        Some(db) => db,
        None => store.load()?,
    };
    if let Some(path) = &options.config_path {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("cannot parse config {}: {e}", path.display()))?;
        config::apply(&mut db, &value, now)?;
    }
    if let Some(value) = &options.config {
        config::apply(&mut db, value, now)?;
    }
    Ok((db, store))
}

/// Loads state and config, binds the port and serves until [`RunningServer::shutdown`].
pub async fn start(options: Options) -> Result<RunningServer, String> {
    let now = app::real_now();
    let loader_options = options.clone();
    // Config pools need RSA keys, which take a while: keep that off the async reactor.
    let (db, store) = tokio::task::spawn_blocking(move || load_db(&loader_options, now))
        .await
        .map_err(|e| format!("loading failed: {e}"))??;
    let app = Arc::new(App::new(db, store));
    app.save()?;
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|e| format!("cannot bind {}:{}: {e}", options.host, options.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read bound address: {e}"))?;
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
    let router = http::router(app.clone());
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = signal.await;
            })
            .await;
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
