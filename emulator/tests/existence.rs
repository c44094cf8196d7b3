//! PreventUserExistenceErrors ENABLED (issue #13, defect 4): the same answers, and the same time
//! taken, for a real user as for a user name nobody has.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Instant;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";
const REAL: &str = "real@example.com";
const CONFIRMED_NO_CODE: &str = "quiet@example.com";
const GHOST: &str = "ghost@example.com";

fn config() -> Value {
    json!({ "Pools": [{
        "Id": POOL,
        "PoolName": "hidden",
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "Clients": [{ "ClientId": "hiding", "ClientName": "hiding", "PreventUserExistenceErrors": "ENABLED",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }],
        "Users": [
            { "Username": REAL, "Password": "Passw0rd!", "Attributes": { "email_verified": "true" } },
            { "Username": "pending@example.com", "Password": "Passw0rd!", "Status": "UNCONFIRMED" },
            // Cannot receive a reset code: no verified email.
            { "Username": CONFIRMED_NO_CODE, "Password": "Passw0rd!", "Attributes": { "email_verified": "false" } }
        ]
    }]})
}

/// The two tests of this file run one at a time: the timing test must not share the machine with
/// the other's requests.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn outcome(server: &RunningServer, operation: &str, body: Value) -> Value {
    match call(server, operation, body).await {
        Ok(value) => json!({ "ok": value }),
        Err((code, message)) => json!({ "error": code, "message": message }),
    }
}

#[tokio::test]
async fn answers_are_identical_for_real_and_unknown_users() {
    let _serial = SERIAL.lock().await;
    let dir = std::env::temp_dir().join(format!("cke-exist-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(Options {
        config: Some(config()),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    })
    .await
    .unwrap();
    for (round, user) in [REAL, CONFIRMED_NO_CODE].into_iter().enumerate() {
        // A fresh unknown name each round: a pretend delivery gives a name a pretend live code.
        let ghost = format!("ghost-round{round}@example.com");
        let cases = [
            (
                "ConfirmForgotPassword",
                json!({ "ClientId": "hiding", "Username": "NAME", "ConfirmationCode": "123456", "Password": "NewPassw0rd!" }),
            ),
            (
                "ConfirmSignUp",
                json!({ "ClientId": "hiding", "Username": "NAME", "ConfirmationCode": "123456" }),
            ),
            (
                "InitiateAuth",
                json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "hiding", "AuthParameters": { "USERNAME": "NAME", "PASSWORD": "Wrong0ne!" } }),
            ),
        ];
        for (operation, template) in cases {
            let for_user = |name: &str| {
                serde_json::from_str::<Value>(&template.to_string().replace("NAME", name)).unwrap()
            };
            let real = outcome(&server, operation, for_user(user)).await;
            let ghost = outcome(&server, operation, for_user(&ghost)).await;
            assert_eq!(real, ghost, "{operation} for {user}");
        }
        // Deliveries: the same shape, the masked destination of the name typed.
        for operation in ["ForgotPassword", "ResendConfirmationCode"] {
            let body = |name: &str| json!({ "ClientId": "hiding", "Username": name });
            let real = outcome(&server, operation, body(user)).await;
            let ghost = outcome(&server, operation, body(&ghost)).await;
            assert_eq!(
                real.get("error"),
                ghost.get("error"),
                "{operation} for {user}: {real} vs {ghost}"
            );
            let details = |v: &Value| v["ok"]["CodeDeliveryDetails"].clone();
            assert_eq!(
                details(&real)["DeliveryMedium"],
                details(&ghost)["DeliveryMedium"]
            );
            assert_eq!(
                details(&real)["AttributeName"],
                details(&ghost)["AttributeName"]
            );
            assert!(details(&real)["Destination"]
                .as_str()
                .unwrap()
                .ends_with("***@e***"));
        }
    }
    // After a (pretend) delivery, wrong codes run out the same way: four mismatches, the limit,
    // then a dead code, for real users and unknown names alike. A pretend code expires like a real
    // one (ExpiredCodeException), tested in the answers above before any delivery.
    for user in [REAL, CONFIRMED_NO_CODE, GHOST] {
        // A (pretend) delivery starts a new count for everyone.
        call(
            &server,
            "ForgotPassword",
            json!({ "ClientId": "hiding", "Username": user }),
        )
        .await
        .unwrap();
        let body = json!({ "ClientId": "hiding", "Username": user, "ConfirmationCode": "000001", "Password": "NewPassw0rd!" });
        let mut seen = Vec::new();
        for _ in 0..6 {
            seen.push(
                outcome(&server, "ConfirmForgotPassword", body.clone()).await["error"].clone(),
            );
        }
        assert_eq!(
            seen,
            vec![
                json!("CodeMismatchException"),
                json!("CodeMismatchException"),
                json!("CodeMismatchException"),
                json!("CodeMismatchException"),
                json!("LimitExceededException"),
                // The code died with the fifth wrong guess (a pretend one too).
                json!("ExpiredCodeException"),
            ],
            "{user}"
        );
    }
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

/// Medians (ms) of `operation` for a real and an unknown user, interleaved so drift in the
/// machine's load hits both alike.
async fn timed(
    server: &RunningServer,
    real_name: &str,
    operation: &str,
    body: impl Fn(&str) -> Value,
    samples: usize,
) -> (f64, f64) {
    let (mut real, mut ghost) = (Vec::new(), Vec::new());
    for i in 0..samples {
        // Fresh names where an answer depends on repeats (lockouts, code counters).
        let ghost_name = format!("ghost{i}@example.com");
        for (name, out) in [(real_name, &mut real), (ghost_name.as_str(), &mut ghost)] {
            let started = Instant::now();
            let _ = call(server, operation, body(name)).await;
            out.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    (median(real), median(ghost))
}

#[tokio::test]
async fn real_and_unknown_users_take_the_same_time() {
    let _serial = SERIAL.lock().await;
    let dir = std::env::temp_dir().join(format!("cke-timing-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    // On disk, so a write (with its fsync) shows in the timing.
    let server = start(Options {
        config: Some(config()),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    })
    .await
    .unwrap();
    let samples = 40;
    let mut report = Vec::new();
    let forgot = |name: &str| json!({ "ClientId": "hiding", "Username": name });
    let resend = |name: &str| json!({ "ClientId": "hiding", "Username": name });
    let confirm = |name: &str| json!({ "ClientId": "hiding", "Username": name, "ConfirmationCode": "000001", "Password": "NewPassw0rd!" });
    let wrong_password = |name: &str| json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "hiding", "AuthParameters": { "USERNAME": name, "PASSWORD": "Wrong0ne!" } });
    for (real_name, operation, body) in [
        (REAL, "ForgotPassword", &forgot as &dyn Fn(&str) -> Value),
        // A real delivery (the user is unconfirmed) against a pretend one.
        ("pending@example.com", "ResendConfirmationCode", &resend),
        (REAL, "ConfirmForgotPassword", &confirm),
        (REAL, "InitiateAuth", &wrong_password),
    ] {
        // Generous on a noisy shared machine: only a gross difference fails (a write with
        // fsync for one and none for the other is 3x and more). A difference in the code shows in
        // every round; a burst of load on the machine does not, so a round that exceeds the bound
        // is measured again, up to three rounds in all.
        let (mut rounds, mut ratios) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            let (real, ghost) = timed(&server, real_name, operation, body, samples).await;
            let ratio = real.max(ghost) / real.min(ghost).max(0.05);
            rounds.push(format!(
                "real {real:.2} ms vs unknown {ghost:.2} ms (ratio {ratio:.1})"
            ));
            ratios.push(ratio);
            if ratio < 2.5 {
                break;
            }
        }
        report.push(format!("{operation}: {}", rounds.join("; ")));
        assert!(
            ratios.iter().any(|r| *r < 2.5),
            "{operation}: every round differed grossly: {}",
            rounds.join("; ")
        );
    }
    println!("{}", report.join("\n"));
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
