//! The administrator sign-in path (issue #15): AdminInitiateAuth and
//! AdminRespondToAuthChallenge run the same state machine as the public path, with the flows
//! each path accepts; legacy ExplicitAuthFlows names; TOTP registered by VerifySoftwareToken
//! during MFA_SETUP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use num_bigint::BigUint;
use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

/// basic_config plus clients for the admin path and legacy flow names.
fn config() -> Value {
    let mut config = basic_config();
    let clients = config["Pools"][0]["Clients"].as_array_mut().unwrap();
    clients.push(json!({ "ClientId": "adminclient", "ClientName": "admin",
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
    clients.push(
        json!({ "ClientId": "adminsecret", "ClientName": "admin-secret", "ClientSecret": "adm1n",
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"] }),
    );
    config
}

fn admin_password(client: &str, user: &str, password: &str) -> Value {
    json!({ "UserPoolId": POOL, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": user, "PASSWORD": password } })
}

/// AdminInitiateAuth USER_SRP_AUTH and the PASSWORD_VERIFIER answer computed by the tests'
/// independent SRP client; returns the AdminRespondToAuthChallenge reply.
async fn admin_srp(
    server: &RunningServer,
    client: &str,
    user: &str,
    password: &str,
) -> Result<Value, (String, String)> {
    let pool_name = POOL.split_once('_').unwrap().1;
    let a = random_a();
    let a_pub = BigUint::from(2u32).modpow(&a, &n());
    let challenge = admin(
        server,
        "AdminInitiateAuth",
        json!({ "UserPoolId": POOL, "ClientId": client, "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": { "USERNAME": user, "SRP_A": a_pub.to_str_radix(16) } }),
    )
    .await?;
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let b_pub = BigUint::parse_bytes(p["SRP_B"].as_str().unwrap().as_bytes(), 16).unwrap();
    let salt = BigUint::parse_bytes(p["SALT"].as_str().unwrap().as_bytes(), 16).unwrap();
    let key = client_key(pool_name, user_id, password, &a, &b_pub, &salt);
    let ts = timestamp(now(), false);
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    admin(
        server,
        "AdminRespondToAuthChallenge",
        json!({ "UserPoolId": POOL, "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {
                    "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": ts,
                    "PASSWORD_CLAIM_SIGNATURE": signature(&key, pool_name, user_id, block, &ts) } }),
    )
    .await
}

fn access_token(reply: &Value) -> String {
    reply["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no tokens in {reply}"))
        .to_string()
}

async fn username_of(server: &RunningServer, access: &str) -> String {
    let me = call(server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    me["Username"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn admin_password_sign_in_issues_working_tokens() {
    let server = start_with(config()).await;
    let reply = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(reply["AuthenticationResult"]["TokenType"], "Bearer");
    assert!(reply["AuthenticationResult"]["RefreshToken"].is_string());
    assert_eq!(username_of(&server, &access_token(&reply)).await, "alice");

    // ADMIN_NO_SRP_AUTH is the same flow under its old name.
    let mut old = admin_password("adminclient", "alice", "Passw0rd!");
    old["AuthFlow"] = json!("ADMIN_NO_SRP_AUTH");
    let reply = admin(&server, "AdminInitiateAuth", old).await.unwrap();
    assert_eq!(username_of(&server, &access_token(&reply)).await, "alice");

    // Wrong password, unknown user.
    let wrong = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "alice", "Wr0ng!pass"),
    )
    .await;
    assert_eq!(code(wrong), "NotAuthorizedException");
    let nobody = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "nobody", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(nobody), "UserNotFoundException");

    // A client with a secret needs SECRET_HASH on the admin path too.
    let no_hash = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminsecret", "alice", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(no_hash), "NotAuthorizedException");
    let mut hashed = admin_password("adminsecret", "alice", "Passw0rd!");
    hashed["AuthParameters"]["SECRET_HASH"] = json!(secret_hash("adm1n", "alice", "adminsecret"));
    let reply = admin(&server, "AdminInitiateAuth", hashed).await.unwrap();
    assert!(reply["AuthenticationResult"]["IdToken"].is_string());
    server.shutdown().await;
}

#[tokio::test]
async fn admin_srp_sign_in_is_proven_with_an_independent_srp_client() {
    let server = start_with(config()).await;
    let reply = admin_srp(&server, "adminclient", "alice", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(username_of(&server, &access_token(&reply)).await, "alice");
    let wrong = admin_srp(&server, "adminclient", "alice", "Wr0ng!pass").await;
    assert_eq!(code(wrong), "NotAuthorizedException");
    server.shutdown().await;
}

#[tokio::test]
async fn new_password_required_on_the_admin_path() {
    let server = start_with(config()).await;
    let challenge = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "temp", "TempPassw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let answer = |session: &Value| {
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session,
                "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": "NewPassw0rd!", "userAttributes.name": "T" } })
    };
    // The public path does not continue an admin sign-in (and the attempt uses the session up).
    let mut public = answer(&challenge["Session"]);
    public.as_object_mut().unwrap().remove("UserPoolId");
    let refused = call(&server, "RespondToAuthChallenge", public).await;
    assert_eq!(code(refused), "NotAuthorizedException");

    let challenge = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "temp", "TempPassw0rd!"),
    )
    .await
    .unwrap();
    // An answer naming another pool's client is refused without using the session up.
    let mut other_pool = answer(&challenge["Session"]);
    other_pool["UserPoolId"] = json!("us-east-1_Other");
    assert_eq!(
        code(admin(&server, "AdminRespondToAuthChallenge", other_pool).await),
        "ResourceNotFoundException"
    );
    let done = admin(
        &server,
        "AdminRespondToAuthChallenge",
        answer(&challenge["Session"]),
    )
    .await
    .unwrap();
    assert_eq!(username_of(&server, &access_token(&done)).await, "temp");
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserStatus"], "CONFIRMED");
    // The new password works on the public path as well.
    srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "temp",
        "NewPassw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

/// Answers an MFA_SETUP challenge's first half: AssociateSoftwareToken, then VerifySoftwareToken with
/// a code of the new secret, both on the sign-in's session; returns the secret and the verify reply.
async fn set_up_totp_in_session(server: &RunningServer, session: &Value) -> (String, Value) {
    let associated = call(
        server,
        "AssociateSoftwareToken",
        json!({ "Session": session }),
    )
    .await
    .unwrap();
    let secret = associated["SecretCode"].as_str().unwrap().to_string();
    let verified = call(
        server,
        "VerifySoftwareToken",
        json!({ "Session": associated["Session"], "UserCode": totp(&secret, now()) }),
    )
    .await
    .unwrap();
    (secret, verified)
}

#[tokio::test]
async fn mfa_setup_then_software_token_mfa_on_the_admin_path() {
    let mut config = config();
    config["Pools"][0]["MfaConfiguration"] = json!("ON");
    let server = start_with(config).await;
    let setup = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(setup["ChallengeName"], "MFA_SETUP");
    let (secret, verified) = set_up_totp_in_session(&server, &setup["Session"]).await;
    let done = admin(
        &server,
        "AdminRespondToAuthChallenge",
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "MFA_SETUP",
                "Session": verified["Session"], "ChallengeResponses": { "USERNAME": "alice" } }),
    )
    .await
    .unwrap();
    access_token(&done);

    let mfa = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(mfa["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let respond = |session: &Value, code: String| {
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": session,
                "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code } })
    };
    let wrong = admin(
        &server,
        "AdminRespondToAuthChallenge",
        respond(&mfa["Session"], totp(&secret, now() + 3600)),
    )
    .await;
    assert_eq!(code(wrong), "CodeMismatchException");
    let done = admin(
        &server,
        "AdminRespondToAuthChallenge",
        respond(&mfa["Session"], totp(&secret, now())),
    )
    .await
    .unwrap();
    assert_eq!(username_of(&server, &access_token(&done)).await, "alice");
    server.shutdown().await;
}

#[tokio::test]
async fn verify_software_token_during_mfa_setup_registers_totp() {
    let mut config = config();
    config["Pools"][0]["MfaConfiguration"] = json!("ON");
    let server = start_with(config).await;
    let password = json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                           "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } });
    let setup = call(&server, "InitiateAuth", password.clone())
        .await
        .unwrap();
    assert_eq!(setup["ChallengeName"], "MFA_SETUP");
    let (secret, verified) = set_up_totp_in_session(&server, &setup["Session"]).await;
    assert_eq!(verified["Status"], "SUCCESS");
    // The sign-in is abandoned here; the next one asks for the registered TOTP.
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    let next = call(&server, "InitiateAuth", password).await.unwrap();
    assert_eq!(next["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let done = call(
        &server,
        "RespondToAuthChallenge",
        json!({ "ClientId": "publicclient", "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": next["Session"],
                "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": totp(&secret, now()) } }),
    )
    .await
    .unwrap();
    access_token(&done);
    server.shutdown().await;
}

#[tokio::test]
async fn refresh_on_the_admin_path() {
    let server = start_with(config()).await;
    let signed_in = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("adminclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let refresh = signed_in["AuthenticationResult"]["RefreshToken"].clone();
    for flow in ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] {
        let refreshed = admin(
            &server,
            "AdminInitiateAuth",
            json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": flow,
                    "AuthParameters": { "REFRESH_TOKEN": refresh } }),
        )
        .await
        .unwrap();
        assert!(refreshed["AuthenticationResult"]["RefreshToken"].is_null());
        assert_eq!(
            username_of(&server, &access_token(&refreshed)).await,
            "alice"
        );
    }
    // A refresh token of another client is not accepted.
    let other = admin(
        &server,
        "AdminInitiateAuth",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": { "REFRESH_TOKEN": refresh } }),
    )
    .await;
    assert_eq!(code(other), "NotAuthorizedException");
    server.shutdown().await;
}

#[tokio::test]
async fn each_path_accepts_only_its_flows() {
    let server = start_with(config()).await;
    // Admin flows on the public path.
    for flow in ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] {
        let refused = call(
            &server,
            "InitiateAuth",
            json!({ "ClientId": "adminclient", "AuthFlow": flow,
                    "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
        )
        .await;
        assert_eq!(code(refused), "InvalidParameterException");
    }
    // USER_PASSWORD_AUTH on the admin path, even for a client that allows it.
    let refused = admin(
        &server,
        "AdminInitiateAuth",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterException");
    // The admin password flow needs ALLOW_ADMIN_USER_PASSWORD_AUTH on the client.
    let refused = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("publicclient", "alice", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterException");
    // The admin operations need IAM credentials.
    let unsigned = call_raw(
        &server,
        "AdminInitiateAuth",
        &admin_password("adminclient", "alice", "Passw0rd!"),
        false,
    )
    .await;
    assert_ne!(unsigned.status, 200);
    assert!(unsigned.json()["AuthenticationResult"].is_null());
    // A public sign-in's session is not continued on the admin path.
    let challenge = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "temp", "PASSWORD": "TempPassw0rd!" } }),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let refused = admin(
        &server,
        "AdminRespondToAuthChallenge",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": challenge["Session"],
                "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": "NewPassw0rd!", "userAttributes.name": "T" } }),
    )
    .await;
    assert_eq!(code(refused), "NotAuthorizedException");
    server.shutdown().await;
}

#[tokio::test]
async fn the_admin_path_checks_the_pool_of_the_client() {
    let mut config = config();
    let mut other = config["Pools"][0].clone();
    other["Id"] = json!("us-east-1_TestPool2");
    other["Clients"] = json!([{ "ClientId": "otherclient", "ClientName": "other",
        "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"] }]);
    config["Pools"].as_array_mut().unwrap().push(other);
    let server = start_with(config).await;
    // A client of another pool.
    let refused = admin(
        &server,
        "AdminInitiateAuth",
        admin_password("otherclient", "alice", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(refused), "ResourceNotFoundException");
    let mut unknown_pool = admin_password("adminclient", "alice", "Passw0rd!");
    unknown_pool["UserPoolId"] = json!("us-east-1_Nope");
    assert_eq!(
        code(admin(&server, "AdminInitiateAuth", unknown_pool).await),
        "ResourceNotFoundException"
    );
    let mut no_pool = admin_password("adminclient", "alice", "Passw0rd!");
    no_pool.as_object_mut().unwrap().remove("UserPoolId");
    assert_eq!(
        code(admin(&server, "AdminInitiateAuth", no_pool).await),
        "InvalidParameterException"
    );
    // The same client id in its own pool works.
    let mut own = admin_password("otherclient", "alice", "Passw0rd!");
    own["UserPoolId"] = json!("us-east-1_TestPool2");
    let reply = admin(&server, "AdminInitiateAuth", own).await.unwrap();
    access_token(&reply);
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_flow_names_keep_srp_allowed() {
    let server = start_with(config()).await;
    let create = |flows: Value| json!({ "UserPoolId": POOL, "ClientName": "legacy", "ExplicitAuthFlows": flows });
    let legacy_admin = admin(
        &server,
        "CreateUserPoolClient",
        create(json!(["ADMIN_NO_SRP_AUTH"])),
    )
    .await
    .unwrap();
    let client = legacy_admin["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    // Kept as given.
    assert_eq!(
        legacy_admin["UserPoolClient"]["ExplicitAuthFlows"],
        json!(["ADMIN_NO_SRP_AUTH"])
    );
    // SRP (public and admin path) and the admin password flow work; USER_PASSWORD_AUTH does not.
    srp_sign_in(&server, POOL, &client, "alice", "Passw0rd!", json!({}))
        .await
        .unwrap();
    admin_srp(&server, &client, "alice", "Passw0rd!")
        .await
        .unwrap();
    let reply = admin(
        &server,
        "AdminInitiateAuth",
        admin_password(&client, "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let refresh = reply["AuthenticationResult"]["RefreshToken"].clone();
    let refreshed = call(
        &server,
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": { "REFRESH_TOKEN": refresh } }),
    )
    .await
    .unwrap();
    access_token(&refreshed);
    let refused = call(
        &server,
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterException");

    let legacy_user = admin(
        &server,
        "CreateUserPoolClient",
        create(json!(["USER_PASSWORD_AUTH"])),
    )
    .await
    .unwrap();
    let client = legacy_user["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    srp_sign_in(&server, POOL, &client, "alice", "Passw0rd!", json!({}))
        .await
        .unwrap();
    let reply = call(
        &server,
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    access_token(&reply);
    let refused = admin(
        &server,
        "AdminInitiateAuth",
        admin_password(&client, "alice", "Passw0rd!"),
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterException");

    // CUSTOM_AUTH_FLOW_ONLY keeps SRP too.
    let legacy_custom = admin(
        &server,
        "CreateUserPoolClient",
        create(json!(["CUSTOM_AUTH_FLOW_ONLY"])),
    )
    .await
    .unwrap();
    let client = legacy_custom["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    srp_sign_in(&server, POOL, &client, "alice", "Passw0rd!", json!({}))
        .await
        .unwrap();

    // Legacy and ALLOW_ names do not mix; unknown names are refused.
    for flows in [
        json!(["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]),
        json!(["NO_SUCH_FLOW"]),
    ] {
        let refused = admin(&server, "CreateUserPoolClient", create(flows)).await;
        assert_eq!(code(refused), "InvalidParameterException");
    }
    // An ALLOW_ client without SRP still refuses SRP.
    let no_srp = admin(
        &server,
        "CreateUserPoolClient",
        create(json!(["ALLOW_USER_PASSWORD_AUTH"])),
    )
    .await
    .unwrap();
    let client = no_srp["UserPoolClient"]["ClientId"].as_str().unwrap();
    let refused = srp_sign_in(&server, POOL, client, "alice", "Passw0rd!", json!({})).await;
    assert_eq!(code(refused), "InvalidParameterException");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_input_to_the_admin_sign_in_is_never_a_server_error() {
    let server = start_with(config()).await;
    let bodies = [
        json!({}),
        json!({ "UserPoolId": 5, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH" }),
        json!({ "UserPoolId": POOL, "ClientId": ["x"], "AuthFlow": "ADMIN_USER_PASSWORD_AUTH" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": 1 }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "NOPE" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": "x" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": 3 } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": {} }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice" } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "alice", "SRP_A": "0" } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" }, "ClientMetadata": { "a": 1 } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" }, "ContextData": "x" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" }, "ContextData": { "IpAddress": "1.2.3.4" } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" },
                "ContextData": { "IpAddress": "1.2.3.4", "ServerName": "s", "ServerPath": "/", "HttpHeaders": [5] } }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" }, "AnalyticsMetadata": 4 }),
    ];
    for body in &bodies {
        let reply = call_raw(&server, "AdminInitiateAuth", body, true).await;
        assert_eq!(reply.status, 400, "{body} -> {}", reply.json());
    }
    let answers = [
        json!({}),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "SMS_MFA" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "SMS_MFA", "Session": "nope" }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {} }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": [] }),
        json!({ "UserPoolId": POOL, "ClientId": "adminclient", "ChallengeName": 7, "Session": "x" }),
        json!({ "UserPoolId": [], "ClientId": "adminclient", "ChallengeName": "SMS_MFA", "Session": "x" }),
    ];
    for body in &answers {
        let reply = call_raw(&server, "AdminRespondToAuthChallenge", body, true).await;
        assert_eq!(reply.status, 400, "{body} -> {}", reply.json());
    }
    // A valid ContextData does not get in the way.
    let mut with_context = admin_password("adminclient", "alice", "Passw0rd!");
    with_context["ContextData"] = json!({ "IpAddress": "192.0.2.1", "ServerName": "app", "ServerPath": "/login",
        "HttpHeaders": [{ "headerName": "User-Agent", "headerValue": "test" }] });
    let reply = admin(&server, "AdminInitiateAuth", with_context)
        .await
        .unwrap();
    access_token(&reply);
    server.shutdown().await;
}
