//! The service's limits on request members and on outbox growth (issue #13, defect 3): no
//! oversized or invisible-character names get in, and error replies never echo unbounded input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

fn sign_up(username: &str, email: &str) -> Value {
    json!({ "ClientId": "publicclient", "Username": username, "Password": "Passw0rd!",
        "UserAttributes": [{ "Name": "email", "Value": email }, { "Name": "name", "Value": "N" }] })
}

async fn refused(server: &RunningServer, operation: &str, body: Value) -> (String, String) {
    let reply = call_raw(server, operation, &body, false).await;
    assert_eq!(reply.status, 400, "{operation} must be refused");
    assert!(
        reply.body.len() < 1024,
        "{operation}: the error reply has {} bytes",
        reply.body.len()
    );
    let body = reply.json();
    (
        body["__type"].as_str().unwrap().to_string(),
        body["message"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn names_longer_than_the_service_allows_are_refused() {
    let server = start_with(basic_config()).await;
    let long_email = format!("{}@example.com", "a".repeat(200_000));
    let (code, message) = refused(&server, "SignUp", sign_up(&long_email, "e@example.com")).await;
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128");
    // 128 characters are fine, 129 are not.
    let at_limit = "u".repeat(128);
    call(&server, "SignUp", sign_up(&at_limit, "ok@example.com"))
        .await
        .unwrap();
    let (code, _) = refused(
        &server,
        "SignUp",
        sign_up(&"u".repeat(129), "x@example.com"),
    )
    .await;
    assert_eq!(code, "InvalidParameterException");
    // Attribute values: 2048 characters.
    let long_value = format!("{}@example.com", "e".repeat(2040));
    let (code, message) = refused(&server, "SignUp", sign_up("bob", &long_value)).await;
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("2048"), "{message}");
    // Passwords: 256.
    let mut body = sign_up("carol", "carol@example.com");
    body["Password"] = json!(format!("Aa1!{}", "x".repeat(300)));
    let (code, _) = refused(&server, "SignUp", body).await;
    assert_eq!(code, "InvalidParameterException");
    // Codes: 2048; AuthParameters USERNAME: 128.
    let (code, _) = refused(&server, "ConfirmSignUp", json!({ "ClientId": "publicclient", "Username": "alice", "ConfirmationCode": "1".repeat(5000) })).await;
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = refused(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
        "AuthParameters": { "USERNAME": "a".repeat(1000), "PASSWORD": "x" } }),
    )
    .await;
    assert_eq!(code, "InvalidParameterException");
    server.shutdown().await;
}

#[tokio::test]
async fn names_with_controls_or_invisible_characters_are_refused() {
    let server = start_with(basic_config()).await;
    for bad in [
        "nul\u{0}byte",
        "bidi\u{202E}txt",
        "zero\u{200B}width",
        "has space",
        "tab\tname",
    ] {
        let (code, message) = refused(&server, "SignUp", sign_up(bad, "v@example.com")).await;
        assert_eq!(code, "InvalidParameterException", "{bad:?}");
        assert!(message.contains("regular expression pattern"), "{message}");
        assert!(!message.contains(bad), "the value is not echoed");
    }
    call(&server, "SignUp", sign_up("zoë.ß-1", "z@example.com"))
        .await
        .unwrap();
    server.shutdown().await;
}

/// Passwords follow the service's `^[\S]+.*[\S]+$`: white space at either end is refused before
/// the password policy is looked at; inside a password it is allowed.
#[tokio::test]
async fn passwords_with_white_space_at_an_end_are_refused() {
    let server = start_with(basic_config()).await;
    let with_password = |username: &str, password: &str| {
        let mut body = sign_up(username, &format!("{username}@example.com"));
        body["Password"] = json!(password);
        body
    };
    for bad in ["Passw0rd! ", " Passw0rd!", "Passw0rd!\n"] {
        let (code, message) = refused(&server, "SignUp", with_password("wanda", bad)).await;
        assert_eq!(code, "InvalidParameterException", "{bad:?}");
        assert!(
            message.ends_with("Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"),
            "{message}"
        );
    }
    call(&server, "SignUp", with_password("wanda", "Pass w0rd!"))
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn error_replies_never_echo_unbounded_input() {
    let server = start_with(basic_config()).await;
    let huge = "C".repeat(500_000);
    let (code, message) = refused(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": huge,
        "AuthParameters": { "USERNAME": "alice", "PASSWORD": "x" } }),
    )
    .await;
    assert_eq!(code, "InvalidParameterException");
    assert!(!message.contains(&"C".repeat(200)), "{message}");
    // A value inside the limits but echoed by a message (an unknown AuthFlow) is cut short.
    let (code, message) = refused(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "F".repeat(60), "ClientId": "publicclient" }),
    )
    .await;
    assert_eq!(code, "InvalidParameterException");
    assert!(message.chars().count() <= 513, "{message}");
    // Unknown routes and pools echo at most a bounded part of the path.
    let path = format!("/{}/.well-known/jwks.json", "p".repeat(20_000));
    let reply = request(server.addr, "GET", &path, &[], b"").await;
    assert!(reply.body.len() < 1024, "{} bytes", reply.body.len());
    server.shutdown().await;
}

#[tokio::test]
async fn resending_codes_does_not_grow_the_outbox_without_bound() {
    let server = start_with(basic_config()).await;
    call(&server, "SignUp", sign_up("dave", "dave@example.com"))
        .await
        .unwrap();
    for _ in 0..40 {
        call(
            &server,
            "ResendConfirmationCode",
            json!({ "ClientId": "publicclient", "Username": "dave" }),
        )
        .await
        .unwrap();
    }
    let path = format!("/_emulator/outbox?poolId={POOL}&username=dave");
    let messages = request(server.addr, "GET", &path, &[], b"").await.json();
    let count = messages.as_array().unwrap().len();
    assert!(count <= 10, "{count} messages kept for one user");
    assert!(server.count_rows("outbox").unwrap() <= 10);
    // The newest code is the one kept first, and it works.
    let code = messages[0]["code"].as_str().unwrap().to_string();
    call(
        &server,
        "ConfirmSignUp",
        json!({ "ClientId": "publicclient", "Username": "dave", "ConfirmationCode": code }),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

/// Page sizes outside their range are refused in the service's words, with the value and the
/// bound it passed, the same way by every list operation.
#[tokio::test]
async fn page_sizes_out_of_range_name_the_value_and_the_bound() {
    let server = start_with(basic_config()).await;
    let user = json!({ "UserPoolId": POOL, "Username": "alice" });
    let with = |base: &Value, key: &str, n: i64| {
        let mut body = base.clone();
        body[key] = json!(n);
        body
    };
    let pool = json!({ "UserPoolId": POOL });
    let cases = [
        (
            "ListUsers",
            with(&pool, "Limit", 61),
            "'61' at 'limit'",
            "less than or equal to 60",
        ),
        (
            "ListGroups",
            with(&pool, "Limit", -1),
            "'-1' at 'limit'",
            "greater than or equal to 0",
        ),
        (
            "ListUserPools",
            with(&json!({}), "MaxResults", 0),
            "'0' at 'maxResults'",
            "greater than or equal to 1",
        ),
        (
            "AdminListDevices",
            with(&user, "Limit", 61),
            "'61' at 'limit'",
            "less than or equal to 60",
        ),
        (
            "ListUserPoolClients",
            with(&pool, "MaxResults", 0),
            "'0' at 'maxResults'",
            "greater than or equal to 1",
        ),
        (
            "ListUserImportJobs",
            with(&pool, "MaxResults", 61),
            "'61' at 'maxResults'",
            "less than or equal to 60",
        ),
    ];
    for (operation, body, value, bound) in cases {
        let reply = call_raw(&server, operation, &body, true).await;
        assert_eq!(reply.status, 400, "{operation}");
        let body = reply.json();
        assert_eq!(body["__type"], "InvalidParameterException", "{operation}");
        assert_eq!(
            body["message"],
            format!("1 validation error detected: Value {value} failed to satisfy constraint: Member must have value {bound}"),
            "{operation}"
        );
    }
    server.shutdown().await;
}

/// Pagination tokens are opaque and serve the list they came from: following them pages through
/// every user once; a token of another filter, of another operation, or one made up is refused.
#[tokio::test]
async fn pagination_tokens_serve_only_the_list_they_came_from() {
    let server = start_with(basic_config()).await;
    let page = |token: Option<&str>, filter: Option<&str>| {
        let mut body = json!({ "UserPoolId": POOL, "Limit": 1 });
        if let Some(token) = token {
            body["PaginationToken"] = json!(token);
        }
        if let Some(filter) = filter {
            body["Filter"] = json!(filter);
        }
        body
    };
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut first_token = None;
    loop {
        let reply = admin(&server, "ListUsers", page(token.as_deref(), None))
            .await
            .unwrap();
        for user in reply["Users"].as_array().unwrap() {
            seen.push(user["Username"].as_str().unwrap().to_string());
        }
        match reply["PaginationToken"].as_str() {
            Some(next) => {
                assert!(
                    next.parse::<u64>().is_err(),
                    "an opaque token, not an offset: {next}"
                );
                first_token.get_or_insert_with(|| next.to_string());
                token = Some(next.to_string());
            }
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["alice", "temp"]);
    let token = first_token.unwrap();

    let refused = |reply: Result<Value, (String, String)>| {
        assert_eq!(
            reply,
            Err((
                "InvalidParameterException".into(),
                "Invalid pagination token".into()
            ))
        );
    };
    // The same token with another filter, a made-up offset, and the token for another operation.
    refused(
        admin(
            &server,
            "ListUsers",
            page(Some(&token), Some("email ^= \"a\"")),
        )
        .await,
    );
    refused(admin(&server, "ListUsers", page(Some("1"), None)).await);
    let groups = json!({ "UserPoolId": POOL, "NextToken": token });
    refused(admin(&server, "ListGroups", groups).await);
    // An empty token breaks two of the member's constraints, and the service names both.
    let empty = admin(&server, "ListUsers", page(Some(""), None)).await;
    assert_eq!(
        empty,
        Err((
            "InvalidParameterException".into(),
            "2 validation errors detected: Value '' at 'paginationToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+; Value '' at 'paginationToken' failed to satisfy constraint: Member must have length greater than or equal to 1".into()
        ))
    );
    server.shutdown().await;
}
