//! `cognito-kit-emulator [--host 127.0.0.1] [--port 9229] [--config pools.json] [--state state.db]
//! [--allow-host NAME]... [--allow-remote-hooks] [--faults JSON]`

use std::path::PathBuf;
use std::process::ExitCode;

use cognito_kit_emulator::{start, Options};

const USAGE: &str = "usage: cognito-kit-emulator [--host 127.0.0.1] [--port 9229] [--config pools.json] [--state state.db] [--allow-host NAME]... [--allow-remote-hooks] [--faults '{\"errorRate\":0.1}']";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        port: 9229,
        ..Options::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--host" => options.host = value()?,
            "--port" => {
                options.port = value()?
                    .parse()
                    .map_err(|_| format!("--port must be a number 0-65535\n{USAGE}"))?
            }
            "--config" => options.config_path = Some(PathBuf::from(value()?)),
            "--state" => options.state_path = Some(PathBuf::from(value()?)),
            "--allow-host" => options.allowed_hosts.push(value()?),
            "--allow-remote-hooks" => options.hooks_any_origin = true,
            "--faults" => {
                let text = value()?;
                options.faults = Some(
                    serde_json::from_str(&text)
                        .map_err(|e| format!("--faults must be JSON: {e}\n{USAGE}"))?,
                )
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(options)
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
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
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
