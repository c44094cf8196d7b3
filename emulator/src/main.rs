//! `cognito-kit-emulator [--host 127.0.0.1] [--port 9229] [--config pools.json] [--state state.db]
//! [--allow-host NAME]... [--allow-remote-hooks] [--faults JSON] [--lambda-endpoint URL]`
//!
//! The flags are parsed with clap; `--help` lists them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cognito_kit_emulator::{start, Options};
use serde_json::Value;

/// A faithful local Amazon Cognito user pool over HTTP.
///
/// Prints `cognito-kit-emulator listening on http://HOST:PORT` once ready.
#[derive(Parser, Debug)]
#[command(name = "cognito-kit-emulator", version, args_override_self = true)]
struct Cli {
    /// Interface to bind. Anything but loopback prints a warning: whoever reaches the port can
    /// sign in as the test users.
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, value_name = "PORT", default_value_t = 9229)]
    port: u16,
    /// Pools, app clients, users and credentials to create at start (JSON; see the README).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// SQLite state database, loaded at start and written on every change (in memory without).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// A further host name accepted in the Host header (loopback names and the bound address
    /// always are). Repeatable.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_host: Vec<String>,
    /// Let pages of any origin use the /_emulator/ test hooks.
    #[arg(long)]
    allow_remote_hooks: bool,
    /// Faults to inject from the start, as JSON, e.g. '{"errorRate":0.1}'.
    #[arg(long, value_name = "JSON", value_parser = parse_json)]
    faults: Option<Value>,
    /// Lambda Invoke API endpoint that runs the pools' Lambda triggers (`sam local
    /// start-lambda`, LocalStack, the Runtime Interface Emulator). Wins over the config file's
    /// `LambdaEndpoint`.
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    lambda_endpoint: Option<String>,
}

fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))
}

fn parse_url(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.trim_end_matches('/').to_string())
    } else {
        Err("must be an http:// or https:// URL".to_string())
    }
}

impl Cli {
    fn into_options(self) -> Options {
        Options {
            host: self.host,
            port: self.port,
            config_path: self.config,
            state_path: self.state,
            allowed_hosts: self.allow_host,
            hooks_any_origin: self.allow_remote_hooks,
            faults: self.faults,
            lambda_endpoint: self.lambda_endpoint,
            ..Options::default()
        }
    }
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with status 2 and --help/--version with 0, as clap does.
    let options = Cli::parse().into_options();
    let server = match start(options).await {
        Ok(server) => server,
        Err(message) => {
            eprintln!("cognito-kit-emulator: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Scripts wait for this exact line to learn the URL (useful with --port 0).
    println!("cognito-kit-emulator listening on {}", server.url());
    wait_for_stop_signal().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
