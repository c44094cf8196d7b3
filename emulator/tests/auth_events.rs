//! Advanced security (issue #15): risk configurations and the auth events of sign-ins —
//! SetRiskConfiguration, DescribeRiskConfiguration, AdminListUserAuthEvents,
//! AdminUpdateAuthEventFeedback, UpdateAuthEventFeedback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

/// basic_config with advanced security in `mode` and a client for the admin path.
fn config(mode: Option<&str>) -> Value {
    let mut config = basic_config();
    if let Some(mode) = mode {
        config["Pools"][0]["UserPoolAddOns"] = json!({ "AdvancedSecurityMode": mode });
    }
    config["Pools"][0]["Clients"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "ClientId": "adminclient", "ClientName": "admin",
            "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"] }));
    config
}

fn public_password(user: &str, password: &str) -> Value {
    json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
            "AuthParameters": { "USERNAME": user, "PASSWORD": password } })
}

fn admin_password(user: &str, password: &str) -> Value {
    json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": user, "PASSWORD": password } })
}

async fn events(server: &RunningServer, extra: Value) -> Result<Value, (String, String)> {
    let mut body = json!({ "UserPoolId": POOL, "Username": "alice" });
    if let Value::Object(more) = extra {
        for (k, v) in more {
            body[k] = v;
        }
    }
    admin(server, "AdminListUserAuthEvents", body).await
}

fn list(reply: &Value) -> Vec<Value> {
    reply["AuthEvents"].as_array().unwrap().clone()
}

fn challenges(event: &Value) -> Vec<(String, String)> {
    event["ChallengeResponses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ChallengeName"].as_str().unwrap().to_string(),
                c["ChallengeResponse"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(name: &str, response: &str) -> (String, String) {
    (name.to_string(), response.to_string())
}

#[tokio::test]
async fn without_advanced_security_there_are_no_events() {
    let server = start_with(config(None)).await;
    call(
        &server,
        "InitiateAuth",
        public_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(
        code(events(&server, json!({})).await),
        "UserPoolAddOnNotEnabledException"
    );
    let feedback = json!({ "UserPoolId": POOL, "Username": "alice", "EventId": "x", "FeedbackValue": "Valid" });
    assert_eq!(
        code(admin(&server, "AdminUpdateAuthEventFeedback", feedback.clone()).await),
        "UserPoolAddOnNotEnabledException"
    );
    let mut public = feedback;
    public["FeedbackToken"] = json!("t");
    assert_eq!(
        code(call(&server, "UpdateAuthEventFeedback", public).await),
        "UserPoolAddOnNotEnabledException"
    );
    // OFF is the same as no add-on; an unknown mode is refused.
    let pool = admin(&server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert!(pool["UserPool"]["UserPoolAddOns"].is_null());
    let bad = admin(
        &server,
        "CreateUserPool",
        json!({ "PoolName": "p", "UserPoolAddOns": { "AdvancedSecurityMode": "MAYBE" } }),
    )
    .await;
    assert_eq!(code(bad), "InvalidParameterException");
    server.shutdown().await;
}

#[tokio::test]
async fn sign_ins_are_recorded_newest_first_on_both_paths() {
    let server = start_with(config(Some("AUDIT"))).await;
    let pool = admin(&server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert_eq!(
        pool["UserPool"]["UserPoolAddOns"]["AdvancedSecurityMode"],
        "AUDIT"
    );
    // 1: a wrong password on the public path, with UserContextData.
    let mut wrong = public_password("alice", "Wr0ng!pass");
    wrong["UserContextData"] = json!({ "IpAddress": "198.51.100.7", "EncodedData": "abc" });
    assert_eq!(
        code(call(&server, "InitiateAuth", wrong).await),
        "NotAuthorizedException"
    );
    // 2: a good password on the admin path, with ContextData.
    let mut good = admin_password("alice", "Passw0rd!");
    good["ContextData"] = json!({ "IpAddress": "192.0.2.1", "ServerName": "app.example", "ServerPath": "/login",
        "HttpHeaders": [{ "headerName": "User-Agent", "headerValue": "Firefox" }] });
    admin(&server, "AdminInitiateAuth", good).await.unwrap();
    // 3: SRP on the public path.
    srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    // Another user's sign-in is not alice's event; an unknown user leaves none.
    call(
        &server,
        "InitiateAuth",
        public_password("temp", "TempPassw0rd!"),
    )
    .await
    .unwrap();
    let _ = call(
        &server,
        "InitiateAuth",
        public_password("nobody", "Passw0rd!"),
    )
    .await;

    let reply = events(&server, json!({})).await.unwrap();
    let all = list(&reply);
    assert_eq!(all.len(), 3, "{reply}");
    assert!(reply["NextToken"].is_null());
    let (srp, admin_event, failed) = (&all[0], &all[1], &all[2]);
    for event in &all {
        assert_eq!(event["EventType"], "SignIn");
        assert_eq!(event["EventRisk"]["RiskDecision"], "NoRisk");
        assert!(event["CreationDate"].is_number());
        assert!(event["EventFeedback"].is_null());
    }
    assert_eq!(srp["EventResponse"], "Pass");
    assert_eq!(challenges(srp), vec![pair("Password", "Success")]);
    assert!(srp["EventContextData"].is_null());
    assert_eq!(admin_event["EventResponse"], "Pass");
    assert_eq!(challenges(admin_event), vec![pair("Password", "Success")]);
    assert_eq!(admin_event["EventContextData"]["IpAddress"], "192.0.2.1");
    assert_eq!(admin_event["EventContextData"]["DeviceName"], "Firefox");
    assert_eq!(failed["EventResponse"], "Fail");
    assert_eq!(challenges(failed), vec![pair("Password", "Failure")]);
    assert_eq!(failed["EventContextData"]["IpAddress"], "198.51.100.7");
    let ids: std::collections::BTreeSet<&str> =
        all.iter().map(|e| e["EventId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);

    // The temporary-password sign-in is temp's, and still in progress.
    let temp = admin(
        &server,
        "AdminListUserAuthEvents",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(list(&temp).len(), 1);
    assert_eq!(list(&temp)[0]["EventResponse"], "InProgress");

    // Unknown users and pools are refused.
    assert_eq!(
        code(
            admin(
                &server,
                "AdminListUserAuthEvents",
                json!({ "UserPoolId": POOL, "Username": "nobody" })
            )
            .await
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "AdminListUserAuthEvents",
                json!({ "UserPoolId": "us-east-1_Nope", "Username": "alice" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn mfa_steps_are_part_of_the_event() {
    let mut config = config(Some("ENFORCED"));
    config["Pools"][0]["MfaConfiguration"] = json!("ON");
    let server = start_with(config).await;
    // Set up TOTP through MFA_SETUP on the admin path.
    let setup = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(setup["ChallengeName"], "MFA_SETUP");
    let in_progress = events(&server, json!({})).await.unwrap();
    assert_eq!(list(&in_progress)[0]["EventResponse"], "InProgress");
    let associated = call(
        &server,
        "AssociateSoftwareToken",
        json!({ "Session": setup["Session"] }),
    )
    .await
    .unwrap();
    let secret = associated["SecretCode"].as_str().unwrap().to_string();
    let verified = call(
        &server,
        "VerifySoftwareToken",
        json!({ "Session": associated["Session"], "UserCode": totp(&secret, now()) }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminRespondToAuthChallenge",
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "MFA_SETUP",
                "Session": verified["Session"], "ChallengeResponses": { "USERNAME": "alice" } }),
    )
    .await
    .unwrap();

    // A sign-in with one wrong code, then the right one.
    let mfa = call(
        &server,
        "InitiateAuth",
        public_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(mfa["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let answer = |code: String| {
        json!({ "ClientId": "publicclient", "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": mfa["Session"],
                "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code } })
    };
    let wrong = call(
        &server,
        "RespondToAuthChallenge",
        answer(totp(&secret, now() + 3600)),
    )
    .await;
    assert_eq!(code(wrong), "CodeMismatchException");
    let after_wrong = events(&server, json!({})).await.unwrap();
    assert_eq!(list(&after_wrong)[0]["EventResponse"], "Fail");
    call(
        &server,
        "RespondToAuthChallenge",
        answer(totp(&secret, now())),
    )
    .await
    .unwrap();

    let all = list(&events(&server, json!({})).await.unwrap());
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["EventResponse"], "Pass");
    assert_eq!(
        challenges(&all[0]),
        vec![
            pair("Password", "Success"),
            pair("Mfa", "Failure"),
            pair("Mfa", "Success")
        ]
    );
    assert_eq!(all[1]["EventResponse"], "Pass");
    assert_eq!(
        challenges(&all[1]),
        vec![pair("Password", "Success"), pair("Mfa", "Success")]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn events_page_with_a_stable_next_token() {
    let server = start_with(config(Some("AUDIT"))).await;
    for _ in 0..5 {
        admin(
            &server,
            "AdminInitiateAuth",
            admin_password("alice", "Passw0rd!"),
        )
        .await
        .unwrap();
    }
    let all: Vec<String> = list(&events(&server, json!({})).await.unwrap())
        .iter()
        .map(|e| e["EventId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 5);
    let first = events(&server, json!({ "MaxResults": 2 })).await.unwrap();
    assert_eq!(list(&first).len(), 2);
    let token = first["NextToken"].as_str().unwrap().to_string();
    // A sign-in between pages does not shift the next page.
    admin(
        &server,
        "AdminInitiateAuth",
        admin_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let second = events(&server, json!({ "MaxResults": 2, "NextToken": token }))
        .await
        .unwrap();
    let third = events(
        &server,
        json!({ "MaxResults": 2, "NextToken": second["NextToken"] }),
    )
    .await
    .unwrap();
    assert!(third["NextToken"].is_null());
    let paged: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|page| list(page))
        .map(|e| e["EventId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paged, all);
    // MaxResults 0 means the default page.
    assert_eq!(
        list(&events(&server, json!({ "MaxResults": 0 })).await.unwrap()).len(),
        6
    );
    for bad in [
        json!({ "MaxResults": 61 }),
        json!({ "MaxResults": -1 }),
        json!({ "MaxResults": "2" }),
        json!({ "NextToken": "abc" }),
        json!({ "NextToken": 5 }),
        json!({ "Username": "" }),
        json!({ "Username": 3 }),
    ] {
        let reply = call_raw(
            &server,
            "AdminListUserAuthEvents",
            &{
                let mut body = json!({ "UserPoolId": POOL, "Username": "alice" });
                for (k, v) in bad.as_object().unwrap() {
                    body[k] = v.clone();
                }
                body
            },
            true,
        )
        .await;
        assert_eq!(reply.status, 400, "{bad} -> {}", reply.json());
    }
    server.shutdown().await;
}

#[tokio::test]
async fn admin_feedback_is_kept_on_the_event() {
    let server = start_with(config(Some("AUDIT"))).await;
    admin(
        &server,
        "AdminInitiateAuth",
        admin_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let event = list(&events(&server, json!({})).await.unwrap())[0].clone();
    let id = event["EventId"].as_str().unwrap();
    let feedback = |user: &str, event_id: &str, value: Value| json!({ "UserPoolId": POOL, "Username": user, "EventId": event_id, "FeedbackValue": value });
    admin(
        &server,
        "AdminUpdateAuthEventFeedback",
        feedback("alice", id, json!("Invalid")),
    )
    .await
    .unwrap();
    let event = list(&events(&server, json!({})).await.unwrap())[0].clone();
    assert_eq!(event["EventFeedback"]["FeedbackValue"], "Invalid");
    assert_eq!(event["EventFeedback"]["Provider"], "Admin");
    assert!(event["EventFeedback"]["FeedbackDate"].is_number());

    for (body, expected) in [
        (
            feedback("alice", "no-such-event", json!("Valid")),
            "ResourceNotFoundException",
        ),
        // The event is alice's, not temp's.
        (
            feedback("temp", id, json!("Valid")),
            "ResourceNotFoundException",
        ),
        (
            feedback("nobody", id, json!("Valid")),
            "UserNotFoundException",
        ),
        (
            feedback("alice", id, json!("Maybe")),
            "InvalidParameterException",
        ),
        (
            feedback("alice", &"e".repeat(51), json!("Valid")),
            "InvalidParameterException",
        ),
        (feedback("alice", id, json!(true)), "SerializationException"),
        (
            json!({ "UserPoolId": POOL, "Username": "alice", "FeedbackValue": "Valid" }),
            "InvalidParameterException",
        ),
    ] {
        assert_eq!(
            code(admin(&server, "AdminUpdateAuthEventFeedback", body.clone()).await),
            expected,
            "{body}"
        );
    }
    // Without a notification there is no feedback token to give.
    let mut public = feedback("alice", id, json!("Valid"));
    public["FeedbackToken"] = json!("guess");
    assert_eq!(
        code(call(&server, "UpdateAuthEventFeedback", public).await),
        "NotAuthorizedException"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn user_feedback_needs_the_token_of_the_notification() {
    let server = start_with(config(Some("AUDIT"))).await;
    admin(
        &server,
        "SetRiskConfiguration",
        json!({ "UserPoolId": POOL, "AccountTakeoverRiskConfiguration": {
            "NotifyConfiguration": { "From": "security@example.com", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com" },
            "Actions": { "LowAction": { "Notify": true, "EventAction": "NO_ACTION" },
                         "HighAction": { "Notify": true, "EventAction": "BLOCK" } } } }),
    )
    .await
    .unwrap();
    for _ in 0..2 {
        call(
            &server,
            "InitiateAuth",
            public_password("alice", "Passw0rd!"),
        )
        .await
        .unwrap();
    }
    let notification = latest_code(&server, POOL, "alice").await;
    assert_eq!(notification["kind"], "AUTH_EVENT_NOTIFICATION");
    assert_eq!(notification["destination"], "alice@example.com");
    let token = notification["code"].as_str().unwrap().to_string();
    assert!(token.len() >= 40, "an unguessable token: {token}");
    let all = list(&events(&server, json!({})).await.unwrap());
    let (newest, older) = (
        all[0]["EventId"].as_str().unwrap(),
        all[1]["EventId"].as_str().unwrap(),
    );
    let feedback = |event_id: &str, token: &str| {
        json!({ "UserPoolId": POOL, "Username": "alice", "EventId": event_id,
                "FeedbackToken": token, "FeedbackValue": "Valid" })
    };
    // The token belongs to its own event only.
    assert_eq!(
        code(call(&server, "UpdateAuthEventFeedback", feedback(older, &token)).await),
        "NotAuthorizedException"
    );
    assert_eq!(
        code(
            call(
                &server,
                "UpdateAuthEventFeedback",
                feedback(newest, "wrong")
            )
            .await
        ),
        "NotAuthorizedException"
    );
    call(&server, "UpdateAuthEventFeedback", feedback(newest, &token))
        .await
        .unwrap();
    let event = list(&events(&server, json!({})).await.unwrap())[0].clone();
    assert_eq!(event["EventFeedback"]["FeedbackValue"], "Valid");
    assert_eq!(event["EventFeedback"]["Provider"], "User");
    let missing = json!({ "UserPoolId": POOL, "Username": "alice", "EventId": newest, "FeedbackValue": "Valid" });
    assert_eq!(
        code(call(&server, "UpdateAuthEventFeedback", missing).await),
        "InvalidParameterException"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn risk_configurations_per_pool_and_per_client() {
    let server = start_with(config(Some("AUDIT"))).await;
    let describe = |client: Option<&str>| {
        let mut body = json!({ "UserPoolId": POOL });
        if let Some(client) = client {
            body["ClientId"] = json!(client);
        }
        body
    };
    // Nothing set yet.
    let empty = admin(&server, "DescribeRiskConfiguration", describe(None))
        .await
        .unwrap();
    assert_eq!(empty["RiskConfiguration"], json!({ "UserPoolId": POOL }));

    let pool_config = json!({ "UserPoolId": POOL,
        "CompromisedCredentialsRiskConfiguration": { "EventFilter": ["SIGN_IN"], "Actions": { "EventAction": "BLOCK" } },
        "RiskExceptionConfiguration": { "SkippedIPRangeList": ["10.0.0.0/8", "2001:db8::/32"] } });
    let set = admin(&server, "SetRiskConfiguration", pool_config)
        .await
        .unwrap();
    assert_eq!(
        set["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]
            ["EventAction"],
        "BLOCK"
    );
    assert!(set["RiskConfiguration"]["LastModifiedDate"].is_number());
    let client_config = json!({ "UserPoolId": POOL, "ClientId": "adminclient",
        "CompromisedCredentialsRiskConfiguration": { "Actions": { "EventAction": "NO_ACTION" } } });
    admin(&server, "SetRiskConfiguration", client_config)
        .await
        .unwrap();

    let of_pool = admin(&server, "DescribeRiskConfiguration", describe(None))
        .await
        .unwrap();
    assert_eq!(
        of_pool["RiskConfiguration"]["RiskExceptionConfiguration"]["SkippedIPRangeList"],
        json!(["10.0.0.0/8", "2001:db8::/32"])
    );
    assert!(of_pool["RiskConfiguration"]["ClientId"].is_null());
    let of_client = admin(
        &server,
        "DescribeRiskConfiguration",
        describe(Some("adminclient")),
    )
    .await
    .unwrap();
    assert_eq!(of_client["RiskConfiguration"]["ClientId"], "adminclient");
    assert_eq!(
        of_client["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]
            ["EventAction"],
        "NO_ACTION"
    );
    assert!(of_client["RiskConfiguration"]["RiskExceptionConfiguration"].is_null());
    // A client without its own configuration uses the pool's.
    let fallback = admin(
        &server,
        "DescribeRiskConfiguration",
        describe(Some("publicclient")),
    )
    .await
    .unwrap();
    assert_eq!(
        fallback["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]
            ["EventAction"],
        "BLOCK"
    );
    // No configuration members deletes the client's configuration.
    admin(
        &server,
        "SetRiskConfiguration",
        json!({ "UserPoolId": POOL, "ClientId": "adminclient" }),
    )
    .await
    .unwrap();
    let reverted = admin(
        &server,
        "DescribeRiskConfiguration",
        describe(Some("adminclient")),
    )
    .await
    .unwrap();
    assert_eq!(
        reverted["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]
            ["EventAction"],
        "BLOCK"
    );

    let arn = "arn:aws:ses:us-east-1:123456789012:identity/example.com";
    for (body, expected) in [
        (json!({}), "InvalidParameterException"),
        (
            json!({ "UserPoolId": "us-east-1_Nope" }),
            "ResourceNotFoundException",
        ),
        (
            json!({ "UserPoolId": POOL, "ClientId": "nope" }),
            "ResourceNotFoundException",
        ),
        (
            json!({ "UserPoolId": POOL, "ClientId": 4 }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "CompromisedCredentialsRiskConfiguration": {} }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "CompromisedCredentialsRiskConfiguration": { "Actions": { "EventAction": "MFA_REQUIRED" } } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "CompromisedCredentialsRiskConfiguration": { "EventFilter": ["LOGIN"], "Actions": { "EventAction": "BLOCK" } } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "CompromisedCredentialsRiskConfiguration": "x" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "AccountTakeoverRiskConfiguration": { "Actions": { "LowAction": { "Notify": true, "EventAction": "PANIC" } } } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "AccountTakeoverRiskConfiguration": { "Actions": { "LowAction": { "EventAction": "BLOCK" } } } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "AccountTakeoverRiskConfiguration": { "NotifyConfiguration": {}, "Actions": {} } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "AccountTakeoverRiskConfiguration": { "NotifyConfiguration": { "SourceArn": arn, "BlockEmail": { "HtmlBody": "hello there" } }, "Actions": {} } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "RiskExceptionConfiguration": { "BlockedIPRangeList": ["not-an-ip"] } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "RiskExceptionConfiguration": { "BlockedIPRangeList": ["10.0.0.0/33"] } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "RiskExceptionConfiguration": { "SkippedIPRangeList": [5] } }),
            "SerializationException",
        ),
    ] {
        assert_eq!(
            code(admin(&server, "SetRiskConfiguration", body.clone()).await),
            expected,
            "{body}"
        );
    }
    for (body, expected) in [
        (json!({}), "InvalidParameterException"),
        (
            json!({ "UserPoolId": "us-east-1_Nope" }),
            "ResourceNotFoundException",
        ),
        (
            json!({ "UserPoolId": POOL, "ClientId": "nope" }),
            "ResourceNotFoundException",
        ),
        (json!({ "UserPoolId": [] }), "SerializationException"),
    ] {
        assert_eq!(
            code(admin(&server, "DescribeRiskConfiguration", body.clone()).await),
            expected,
            "{body}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn events_and_risk_configurations_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-events-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = || Options {
        config: Some(config(Some("AUDIT"))),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    admin(
        &server,
        "AdminInitiateAuth",
        admin_password("alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    admin(
        &server,
        "SetRiskConfiguration",
        json!({ "UserPoolId": POOL, "CompromisedCredentialsRiskConfiguration": { "Actions": { "EventAction": "BLOCK" } } }),
    )
    .await
    .unwrap();
    let before = events(&server, json!({})).await.unwrap();
    server.shutdown().await;

    let server = start(options()).await.unwrap();
    let after = events(&server, json!({})).await.unwrap();
    assert_eq!(before, after);
    assert_eq!(list(&after).len(), 1);
    let config = admin(
        &server,
        "DescribeRiskConfiguration",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    assert_eq!(
        config["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]
            ["EventAction"],
        "BLOCK"
    );
    // Turning advanced security off stops the listing (and the recording).
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": POOL, "UserPoolAddOns": { "AdvancedSecurityMode": "OFF" } }),
    )
    .await
    .unwrap();
    assert_eq!(
        code(events(&server, json!({})).await),
        "UserPoolAddOnNotEnabledException"
    );
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn sign_up_is_an_event_too() {
    let server = start_with(config(Some("AUDIT"))).await;
    call(
        &server,
        "SignUp",
        json!({ "ClientId": "publicclient", "Username": "newcomer", "Password": "Passw0rd!",
                "UserAttributes": [{ "Name": "email", "Value": "newcomer@example.com" }, { "Name": "name", "Value": "N" }],
                "UserContextData": { "IpAddress": "203.0.113.9" } }),
    )
    .await
    .unwrap();
    // Not confirmed yet: the sign-in fails, and is recorded as failed.
    let refused = call(
        &server,
        "InitiateAuth",
        public_password("newcomer", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(refused), "UserNotConfirmedException");
    let reply = admin(
        &server,
        "AdminListUserAuthEvents",
        json!({ "UserPoolId": POOL, "Username": "newcomer" }),
    )
    .await
    .unwrap();
    let all = list(&reply);
    assert_eq!(all.len(), 2, "{reply}");
    assert_eq!(all[0]["EventType"], "SignIn");
    assert_eq!(all[0]["EventResponse"], "Fail");
    assert_eq!(all[1]["EventType"], "SignUp");
    assert_eq!(all[1]["EventResponse"], "Pass");
    assert_eq!(all[1]["EventContextData"]["IpAddress"], "203.0.113.9");
    // A wrong-typed UserContextData is refused, not ignored.
    let bad = call(
        &server,
        "SignUp",
        json!({ "ClientId": "publicclient", "Username": "other", "Password": "Passw0rd!",
                "UserAttributes": [{ "Name": "name", "Value": "N" }], "UserContextData": [] }),
    )
    .await;
    assert_eq!(code(bad), "SerializationException");
    server.shutdown().await;
}

#[tokio::test]
async fn context_values_kept_on_events_are_bounded() {
    let server = start_with(config(Some("AUDIT"))).await;
    let mut body = admin_password("alice", "Passw0rd!");
    body["ContextData"] = json!({ "IpAddress": "192.0.2.1", "ServerName": "s", "ServerPath": "/",
        "HttpHeaders": [{ "headerName": "user-agent", "headerValue": "x".repeat(10_000) }] });
    admin(&server, "AdminInitiateAuth", body).await.unwrap();
    let event = list(&events(&server, json!({})).await.unwrap())[0].clone();
    assert_eq!(
        event["EventContextData"]["DeviceName"],
        json!("x".repeat(256))
    );
    server.shutdown().await;
}
