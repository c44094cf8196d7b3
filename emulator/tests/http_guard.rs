//! Who may reach what (issue #13, defects 5 and 6): SigV4 on admin operations, the hooks only for
//! loopback origins, CORS, the Host header (DNS rebinding) and connection timeouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const POOL: &str = "us-east-1_TestPool1";

async fn admin_with(
    server: &RunningServer,
    extra: &[(&str, &str)],
    authorization: Option<&str>,
    amz_date: &str,
) -> Reply {
    let target = "AWSCognitoIdentityProviderService.DescribeUserPool";
    let mut headers = vec![
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", target),
        ("X-Amz-Date", amz_date),
    ];
    if let Some(auth) = authorization {
        headers.push(("Authorization", auth));
    }
    headers.extend_from_slice(extra);
    let body = json!({ "UserPoolId": POOL }).to_string();
    request(server.addr, "POST", "/", &headers, body.as_bytes()).await
}

fn signature_for(
    server: &RunningServer,
    key: &str,
    secret: &str,
    date: &str,
    body: &str,
) -> String {
    let host = server.addr.to_string();
    sigv4_authorization(
        key,
        secret,
        date,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("host", &host),
            ("x-amz-date", date),
            (
                "x-amz-target",
                "AWSCognitoIdentityProviderService.DescribeUserPool",
            ),
        ],
        body.as_bytes(),
    )
}

#[tokio::test]
async fn admin_operations_need_a_valid_sigv4_signature() {
    let mut config = basic_config();
    config["Credentials"] =
        json!([{ "AccessKeyId": "AKIDLOCAL", "SecretAccessKey": "local-secret" }]);
    let server = start_with(config).await;
    let body = json!({ "UserPoolId": POOL }).to_string();
    let date = amz_date(now());
    // test/test, the default, and the config's credentials are accepted.
    for (key, secret) in [("test", "test"), ("AKIDLOCAL", "local-secret")] {
        let auth = signature_for(&server, key, secret, &date, &body);
        let reply = admin_with(&server, &[], Some(&auth), &date).await;
        assert_eq!(
            reply.status,
            200,
            "{key}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let cases = [
        // What any header with "Credential=" used to pass with.
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/20261122/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00".to_string(),
            "UnrecognizedClientException",
        ),
        (signature_for(&server, "test", "wrong", &date, &body), "InvalidSignatureException"),
        // Signed for another body.
        (signature_for(&server, "test", "test", &date, "{}"), "InvalidSignatureException"),
        ("AWS4-HMAC-SHA256 garbage".to_string(), "IncompleteSignatureException"),
    ];
    for (auth, expected) in cases {
        let reply = admin_with(&server, &[], Some(&auth), &date).await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.json()["__type"], expected, "{auth}");
    }
    // A signature from an hour ago is refused.
    let old = amz_date(now() - 3600);
    let auth = signature_for(&server, "test", "test", &old, &body);
    let reply = admin_with(&server, &[], Some(&auth), &old).await;
    assert_eq!(reply.json()["__type"], "InvalidSignatureException");
    // No signature at all.
    let reply = admin_with(&server, &[], None, &date).await;
    assert_eq!(
        reply.json()["__type"],
        "MissingAuthenticationTokenException"
    );
    // A valid signature from a page of another site: refused (test/test is public knowledge).
    let auth = signature_for(&server, "test", "test", &date, &body);
    let reply = admin_with(
        &server,
        &[("Origin", "https://evil.example")],
        Some(&auth),
        &date,
    )
    .await;
    assert_eq!(reply.json()["__type"], "AccessDeniedException");
    server.shutdown().await;
}

#[tokio::test]
async fn hooks_answer_only_loopback_origins_and_never_say_star() {
    let server = start_with(basic_config()).await;
    let outbox = format!("/_emulator/outbox?poolId={POOL}");
    for origin in [
        "https://evil.example",
        "http://127.0.0.1.evil.example:9229",
        "null",
    ] {
        for (method, path) in [
            ("GET", outbox.as_str()),
            ("POST", "/_emulator/clock"),
            ("OPTIONS", "/_emulator/clock"),
        ] {
            let reply = request(
                server.addr,
                method,
                path,
                &[("Origin", origin), ("Content-Type", "application/json")],
                br#"{"advanceSeconds":1}"#,
            )
            .await;
            assert_eq!(reply.status, 403, "{method} {path} from {origin}");
            assert!(!reply.headers.contains_key("access-control-allow-origin"));
        }
    }
    // The clock did not move.
    let clock = request(server.addr, "GET", "/_emulator/clock", &[], b"")
        .await
        .json();
    assert!((clock["now"].as_i64().unwrap() - now()).abs() < 5);
    // Pages of this machine (the demo on :8080) and callers without an Origin are answered,
    // with their own origin echoed.
    for origin in [
        "http://127.0.0.1:8080",
        "http://localhost:5173",
        "http://[::1]:8080",
    ] {
        let reply = request(server.addr, "GET", &outbox, &[("Origin", origin)], b"").await;
        assert_eq!(reply.status, 200, "{origin}");
        assert_eq!(reply.headers["access-control-allow-origin"], origin);
        let preflight = request(
            server.addr,
            "OPTIONS",
            "/_emulator/clock",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            b"",
        )
        .await;
        assert_eq!(preflight.status, 204);
        assert_eq!(preflight.headers["access-control-allow-origin"], origin);
    }
    assert_eq!(
        request(server.addr, "GET", &outbox, &[], b"").await.status,
        200
    );
    // The public API answers any origin, as the service does.
    let reply = call_raw(&server, "InitiateAuth", &json!({}), false).await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
    server.shutdown().await;
}

#[tokio::test]
async fn hooks_for_any_origin_only_with_the_flag() {
    let server = start(Options {
        config: Some(basic_config()),
        hooks_any_origin: true,
        ..Options::default()
    })
    .await
    .unwrap();
    let reply = request(
        server.addr,
        "GET",
        "/_emulator/clock",
        &[("Origin", "https://tests.example")],
        b"",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.headers["access-control-allow-origin"],
        "https://tests.example"
    );
    server.shutdown().await;
}

/// Sends raw bytes and reads until the server closes; the status line (if any) and how long it
/// took.
async fn raw(server: &RunningServer, bytes: &[u8], wait: Duration) -> (String, Duration) {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    (
        text.lines().next().unwrap_or_default().to_string(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn dns_rebinding_hosts_are_refused() {
    let server = start_with(basic_config()).await;
    let port = server.addr.port();
    let get = |host: String| {
        format!("GET /_emulator/clock HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("evil.example:{}", port.wrapping_add(1)),
        // A name that merely starts like a loopback one is still a DNS name.
        "localhost.evil.example".to_string(),
        format!("127.0.0.1.nip.io:{port}"),
        format!("10.0.0.1:{port}"),
        format!("localhost:{port}x"),
        String::new(),
    ] {
        let (status, _) = raw(
            &server,
            get(host.clone()).as_bytes(),
            Duration::from_secs(5),
        )
        .await;
        assert!(status.contains(" 421 "), "{host}: {status}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        // A loopback name is this machine on any port (a dev server's proxy, an SSH tunnel).
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_string(),
        "localhost:5173".to_string(),
        "app.localhost:8443".to_string(),
        "[::1]:3000".to_string(),
    ] {
        let (status, _) = raw(
            &server,
            get(host.clone()).as_bytes(),
            Duration::from_secs(5),
        )
        .await;
        assert!(status.contains(" 200 "), "{host}: {status}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn slow_or_stalled_connections_are_closed() {
    let server = start(Options {
        config: Some(basic_config()),
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..Options::default()
    })
    .await
    .unwrap();
    let wait = Duration::from_secs(8);
    // Partial headers.
    let (_, took) = raw(
        &server,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Ta",
        wait,
    )
    .await;
    assert!(
        took < Duration::from_secs(4),
        "partial headers kept open {took:?}"
    );
    // Nothing at all.
    let (_, took) = raw(&server, b"", wait).await;
    assert!(
        took < Duration::from_secs(4),
        "an idle connection kept open {took:?}"
    );
    // A partial body.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\nContent-Length: 100\r\n\r\n{{\"ClientId\":",
        server.addr
    );
    let (status, took) = raw(&server, head.as_bytes(), wait).await;
    assert!(
        took < Duration::from_secs(4),
        "a partial body kept open {took:?}"
    );
    assert!(status.contains(" 408 "), "{status}");
    // Idle after a complete request on a kept-alive connection.
    let get = format!(
        "GET /_emulator/clock HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    );
    let (status, took) = raw(&server, get.as_bytes(), wait).await;
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        took < Duration::from_secs(4),
        "an idle kept-alive connection kept open {took:?}"
    );
    server.shutdown().await;
}
