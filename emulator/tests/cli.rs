//! The emulator's flags (issue #21): parsed with clap, `--help` generated from them, every flag
//! the scripts pass still accepted, and `--lambda-endpoint` / the config's `LambdaEndpoint`
//! carried to the running emulator (the flag wins).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use cognito_kit_emulator::{start, Options};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_cognito-kit-emulator");

#[test]
fn help_lists_every_flag() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--config",
        "--state",
        "--allow-host",
        "--allow-remote-hooks",
        "--faults",
        "--lambda-endpoint",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        &["--no-such-flag"][..],
        &["--port", "70000"],
        &["--port"],
        &["--faults", "{not json"],
        &["--lambda-endpoint", "localhost:3001"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn the_scripts_flags_start_the_emulator() {
    let dir = std::env::temp_dir().join(format!("cke-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pools.json");
    let state = dir.join("state.db");
    let mut child = Command::new(BIN)
        .args(["--host", "127.0.0.1", "--port", "0", "--config", config])
        .args(["--state", state.to_str().unwrap()])
        .args(["--allow-host", "a.test", "--allow-host", "b.test"])
        .args(["--allow-remote-hooks", "--faults", r#"{"errorRate":0}"#])
        .args(["--lambda-endpoint", "http://127.0.0.1:3001"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("cognito-kit-emulator listening on http://127.0.0.1:"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_flag_wins_over_the_config_lambda_endpoint() {
    let config = json!({ "LambdaEndpoint": "http://127.0.0.1:3001" });
    let from_config = start(Options {
        config: Some(config.clone()),
        ..Options::default()
    })
    .await
    .unwrap();
    assert_eq!(
        from_config.lambda_endpoint().as_deref(),
        Some("http://127.0.0.1:3001")
    );
    from_config.shutdown().await;

    let from_flag = start(Options {
        config: Some(config),
        lambda_endpoint: Some("http://127.0.0.1:9001".to_string()),
        ..Options::default()
    })
    .await
    .unwrap();
    assert_eq!(
        from_flag.lambda_endpoint().as_deref(),
        Some("http://127.0.0.1:9001")
    );
    from_flag.shutdown().await;

    let none = start(Options::default()).await.unwrap();
    assert_eq!(none.lambda_endpoint(), None);
    none.shutdown().await;

    let refused = start(Options {
        config: Some(json!({ "LambdaEndpoint": 42 })),
        ..Options::default()
    })
    .await;
    assert!(refused.is_err());
}
