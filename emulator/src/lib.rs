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
pub mod model;
pub mod ops;
pub mod params;
pub mod srp;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::model::Db;

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
    /// `--state` file: loaded at start, rewritten atomically after every change.
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
    base_url: String,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://host:port`, the endpoint clients should use.
    pub fn url(&self) -> String {
        self.base_url.clone()
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

fn load_db(options: &Options, now: i64) -> Result<Db, String> {
    let mut db = match &options.state_path {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("cannot read state {}: {e}", path.display()))?;
            serde_json::from_slice(&bytes)
                .map_err(|e| format!("cannot parse state {}: {e}", path.display()))?
        }
        _ => Db::default(),
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
    Ok(db)
}

/// Loads state and config, binds the port and serves until [`RunningServer::shutdown`].
pub async fn start(options: Options) -> Result<RunningServer, String> {
    let now = app::real_now();
    let loader_options = options.clone();
    // Config pools need RSA keys, which take a while: keep that off the async reactor.
    let db = tokio::task::spawn_blocking(move || load_db(&loader_options, now))
        .await
        .map_err(|e| format!("loading failed: {e}"))??;
    let app = Arc::new(App::new(db, options.state_path.clone()));
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
    let router = http::router(app);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = signal.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        base_url,
        shutdown,
        task,
    })
}
