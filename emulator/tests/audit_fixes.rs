//! Regression tests for the defects found in the emulator audit (one or more per defect).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine as _;
use num_bigint::BigUint;
use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

fn err_code(result: Result<Value, (String, String)>) -> (String, String) {
    result.expect_err("the call must fail")
}

fn password_auth(client: &str, username: &str, password: &str) -> Value {
    json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
        "AuthParameters": { "USERNAME": username, "PASSWORD": password } })
}

/// InitiateAuth with SRP_A for USER_SRP_AUTH or CUSTOM_AUTH (with CHALLENGE_NAME SRP_A) in this
/// file's pool, and the PASSWORD_VERIFIER answer to it: (challenge, answer body).
async fn srp_answer(
    server: &RunningServer,
    flow: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<(Value, Value), (String, String)> {
    let extra = if flow == "CUSTOM_AUTH" {
        json!({ "CHALLENGE_NAME": "SRP_A" })
    } else {
        json!({})
    };
    srp_prepare_flow(
        server, POOL, flow, client_id, username, password, extra, false,
    )
    .await
}

// ------------------------------------------------------------------------------------ defect 1

fn custom_auth_config() -> Value {
    let mut config = basic_config();
    config["Pools"][0]["CustomAuth"] = json!({ "Challenges": [{ "Answer": "42", "Parameters": { "question": "6x7?" } }], "MaxWrongAnswers": 2 });
    config["Pools"][0]["Clients"][0]["ExplicitAuthFlows"] = json!([
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH"
    ]);
    config
}

#[tokio::test]
async fn custom_auth_cannot_replace_an_unproven_temporary_password() {
    let server = start_with(custom_auth_config()).await;
    // CUSTOM_AUTH without SRP: the custom challenge comes first, never NEW_PASSWORD_REQUIRED.
    let first = call(&server, "InitiateAuth", json!({ "AuthFlow": "CUSTOM_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "temp" } }))
        .await
        .unwrap();
    assert_eq!(first["ChallengeName"], "CUSTOM_CHALLENGE");
    // Even a right custom answer does not lead to a password change without the password.
    let (code, _) = err_code(
        call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "publicclient", "Session": first["Session"],
            "ChallengeResponses": { "USERNAME": "temp", "ANSWER": "42" } }))
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    // A NEW_PASSWORD_REQUIRED answer with that session is refused too.
    let again = call(&server, "InitiateAuth", json!({ "AuthFlow": "CUSTOM_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "temp" } }))
        .await
        .unwrap();
    let (code, _) = err_code(
        call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": "publicclient", "Session": again["Session"],
            "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": "Hijacked1!", "userAttributes.name": "x" } }))
        .await,
    );
    assert!(code == "InvalidParameterException" || code == "NotAuthorizedException");
    // The temporary password still works and still leads to NEW_PASSWORD_REQUIRED.
    let proven = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "temp", "TempPassw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(proven["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");

    // CUSTOM_AUTH with SRP_A: after PASSWORD_VERIFIER the new password may be set.
    let (_, answer) = srp_answer(
        &server,
        "CUSTOM_AUTH",
        "publicclient",
        "temp",
        "TempPassw0rd!",
    )
    .await
    .unwrap();
    let challenge = call(&server, "RespondToAuthChallenge", answer)
        .await
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let next = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": "publicclient", "Session": challenge["Session"],
        "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": "NewPassw0rd!", "userAttributes.name": "Tem" } }))
        .await
        .unwrap();
    assert_eq!(next["ChallengeName"], "CUSTOM_CHALLENGE");
    let done = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "publicclient", "Session": next["Session"],
        "ChallengeResponses": { "USERNAME": "temp", "ANSWER": "42" } }))
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 2

fn b64_padded(x: &BigUint) -> String {
    let mut bytes = x.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Signs in `mfa` with TOTP, confirms (remembers) the device, then signs in again with it and
/// returns the reply after device SRP.
async fn sign_in_with_remembered_device(challenge_required_on_new_device: bool) -> Value {
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let mut config = basic_config();
    config["Pools"][0]["DeviceConfiguration"] = json!({
        "ChallengeRequiredOnNewDevice": challenge_required_on_new_device,
        "DeviceOnlyRememberedOnUserPrompt": false
    });
    config["Pools"][0]["Users"] = json!([{ "Username": "mfa", "Password": "Passw0rd!", "TotpSecret": secret,
        "PreferredMfa": "SOFTWARE_TOKEN_MFA", "Attributes": { "name": "M", "email": "m@example.com", "email_verified": "true" } }]);
    let server = start_with(config).await;
    let totp_answer = |session: &Value| {
        json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": "publicclient", "Session": session,
            "ChallengeResponses": { "USERNAME": "mfa", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, now()) } })
    };
    let first = srp_sign_in(&server, POOL, "publicclient", "mfa", "Passw0rd!", json!({}))
        .await
        .unwrap();
    assert_eq!(first["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let signed_in = call(
        &server,
        "RespondToAuthChallenge",
        totp_answer(&first["Session"]),
    )
    .await
    .unwrap();
    let result = &signed_in["AuthenticationResult"];
    let device_key = result["NewDeviceMetadata"]["DeviceKey"]
        .as_str()
        .unwrap()
        .to_string();
    let group_key = result["NewDeviceMetadata"]["DeviceGroupKey"]
        .as_str()
        .unwrap()
        .to_string();
    let device_password = "device-random-password";
    let salt = BigUint::from_bytes_be(&[0x5a; 16]);
    let verifier = BigUint::from(2u32).modpow(
        &x_value(&group_key, &device_key, device_password, &salt),
        &n(),
    );
    call(&server, "ConfirmDevice", json!({ "AccessToken": result["AccessToken"], "DeviceKey": device_key, "DeviceName": "laptop",
        "DeviceSecretVerifierConfig": { "Salt": b64_padded(&salt), "PasswordVerifier": b64_padded(&verifier) } }))
        .await
        .unwrap();

    let after_password = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "mfa",
        "Passw0rd!",
        json!({ "DEVICE_KEY": device_key }),
    )
    .await
    .unwrap();
    assert_eq!(after_password["ChallengeName"], "DEVICE_SRP_AUTH");
    let a = random_a();
    let a_pub = BigUint::from(2u32).modpow(&a, &n());
    let device_challenge = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "DEVICE_SRP_AUTH", "ClientId": "publicclient", "Session": after_password["Session"],
        "ChallengeResponses": { "USERNAME": "mfa", "DEVICE_KEY": device_key, "SRP_A": a_pub.to_str_radix(16) } }))
        .await
        .unwrap();
    assert_eq!(
        device_challenge["ChallengeName"],
        "DEVICE_PASSWORD_VERIFIER"
    );
    let p = &device_challenge["ChallengeParameters"];
    let b_pub = BigUint::parse_bytes(p["SRP_B"].as_str().unwrap().as_bytes(), 16).unwrap();
    let salt_back = BigUint::parse_bytes(p["SALT"].as_str().unwrap().as_bytes(), 16).unwrap();
    let key = client_key(
        &group_key,
        &device_key,
        device_password,
        &a,
        &b_pub,
        &salt_back,
    );
    let ts = timestamp(now(), false);
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let reply = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ClientId": "publicclient",
        "ChallengeResponses": { "USERNAME": "mfa", "DEVICE_KEY": device_key, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": ts,
            "PASSWORD_CLAIM_SIGNATURE": signature(&key, &group_key, &device_key, block, &ts) } }))
        .await
        .unwrap();
    if reply["ChallengeName"] == "SOFTWARE_TOKEN_MFA" {
        // MFA still completes the sign-in after device SRP.
        let done = call(
            &server,
            "RespondToAuthChallenge",
            totp_answer(&reply["Session"]),
        )
        .await
        .unwrap();
        assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    }
    server.shutdown().await;
    reply
}

#[tokio::test]
async fn remembered_device_replaces_mfa_only_when_challenge_required_on_new_device() {
    let without_flag = sign_in_with_remembered_device(false).await;
    assert_eq!(
        without_flag["ChallengeName"], "SOFTWARE_TOKEN_MFA",
        "ChallengeRequiredOnNewDevice=false: MFA follows device SRP"
    );
    let with_flag = sign_in_with_remembered_device(true).await;
    assert!(
        with_flag["AuthenticationResult"]["AccessToken"].is_string(),
        "ChallengeRequiredOnNewDevice=true: the remembered device stands in for MFA: {with_flag}"
    );
}

#[test]
fn demo_pool_lets_remembered_devices_skip_totp() {
    let demo: Value =
        serde_json::from_str(include_str!("../examples/pools.json")).expect("demo config parses");
    assert_eq!(
        demo["Pools"][0]["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"],
        true
    );
}

// ------------------------------------------------------------------------------------ defect 3

#[tokio::test]
async fn disabled_users_lose_their_tokens() {
    let server = start_with(basic_config()).await;
    let signed_in = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let result = &signed_in["AuthenticationResult"];
    let access = result["AccessToken"].clone();
    let refresh = result["RefreshToken"].clone();
    call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    admin(
        &server,
        "AdminDisableUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    let (code, message) =
        err_code(call(&server, "GetUser", json!({ "AccessToken": access })).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "User is disabled.")
    );
    let (code, _) = err_code(
        call(&server, "UpdateUserAttributes", json!({ "AccessToken": access, "UserAttributes": [{ "Name": "name", "Value": "Mallory" }] })).await,
    );
    assert_eq!(code, "NotAuthorizedException");
    let (code, message) = err_code(
        call(&server, "InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "publicclient", "AuthParameters": { "REFRESH_TOKEN": refresh } })).await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "User is disabled.")
    );
    let (code, _) = err_code(
        call(
            &server,
            "GetTokensFromRefreshToken",
            json!({ "ClientId": "publicclient", "RefreshToken": refresh }),
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    // Enabling the user again does not revive the revoked tokens.
    admin(
        &server,
        "AdminEnableUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    let (code, _) = err_code(call(&server, "GetUser", json!({ "AccessToken": access })).await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err_code(
        call(&server, "InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "publicclient", "AuthParameters": { "REFRESH_TOKEN": refresh } })).await,
    );
    assert_eq!(code, "NotAuthorizedException");
    call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 4

#[tokio::test]
async fn mfa_setup_survives_a_wrong_code() {
    let mut config = basic_config();
    config["Pools"][0]["MfaConfiguration"] = json!("ON");
    let server = start_with(config).await;
    let challenge = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "MFA_SETUP");
    let associated = call(
        &server,
        "AssociateSoftwareToken",
        json!({ "Session": challenge["Session"] }),
    )
    .await
    .unwrap();
    let secret = associated["SecretCode"].as_str().unwrap().to_string();
    let session = associated["Session"].clone();
    let wrong = totp(&secret, now() + 3600);
    let (code, _) = err_code(
        call(
            &server,
            "VerifySoftwareToken",
            json!({ "Session": session, "UserCode": wrong }),
        )
        .await,
    );
    assert!(
        code == "EnableSoftwareTokenMFAException" || code == "CodeMismatchException",
        "{code}"
    );
    // The same session still works for the retry.
    let verified = call(
        &server,
        "VerifySoftwareToken",
        json!({ "Session": session, "UserCode": totp(&secret, now()) }),
    )
    .await
    .unwrap();
    assert_eq!(verified["Status"], "SUCCESS");
    let done = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "MFA_SETUP", "ClientId": "publicclient", "Session": verified["Session"],
        "ChallengeResponses": { "USERNAME": "alice" } }))
        .await
        .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // Wrong codes are limited: after five the sign-in is over.
    let challenge = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "temp", "TempPassw0rd!"),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let setup = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": "publicclient", "Session": challenge["Session"],
        "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": "NewPassw0rd!", "userAttributes.name": "T" } }))
        .await
        .unwrap();
    assert_eq!(setup["ChallengeName"], "MFA_SETUP");
    let associated = call(
        &server,
        "AssociateSoftwareToken",
        json!({ "Session": setup["Session"] }),
    )
    .await
    .unwrap();
    let secret = associated["SecretCode"].as_str().unwrap().to_string();
    let session = associated["Session"].clone();
    for _ in 0..5 {
        let (code, _) = err_code(
            call(
                &server,
                "VerifySoftwareToken",
                json!({ "Session": session, "UserCode": totp(&secret, now() + 3600) }),
            )
            .await,
        );
        assert_ne!(code, "NotAuthorizedException");
    }
    let (code, _) = err_code(
        call(
            &server,
            "VerifySoftwareToken",
            json!({ "Session": session, "UserCode": totp(&secret, now()) }),
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 5

fn hidden_existence_config() -> Value {
    json!({ "Pools": [{
        "Id": POOL,
        "PoolName": "hidden",
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "Clients": [{ "ClientId": "hiding", "ClientName": "hiding", "PreventUserExistenceErrors": "ENABLED",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }],
        "Users": [{ "Username": "real@example.com", "Password": "Passw0rd!", "Attributes": { "email_verified": "true" } }]
    }]})
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn hidden_user_existence_does_not_leak_unknown_users() {
    let server = start_with(hidden_existence_config()).await;
    // ResendConfirmationCode answers like a delivery.
    let resent = call(
        &server,
        "ResendConfirmationCode",
        json!({ "ClientId": "hiding", "Username": "ghost@example.com" }),
    )
    .await
    .expect("no UserNotFoundException with PreventUserExistenceErrors=ENABLED");
    assert_eq!(resent["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert!(resent["CodeDeliveryDetails"]["Destination"].is_string());

    // A real user's SRP challenge: UUID user id, same salt every time.
    let (real1, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "real@example.com", "x")
        .await
        .unwrap();
    let (real2, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "real@example.com", "x")
        .await
        .unwrap();
    assert!(is_uuid(
        real1["ChallengeParameters"]["USER_ID_FOR_SRP"]
            .as_str()
            .unwrap()
    ));
    assert_eq!(
        real1["ChallengeParameters"]["SALT"],
        real2["ChallengeParameters"]["SALT"]
    );

    // An unknown user looks the same: stable salt, UUID-shaped stable user id.
    let (fake1, answer) = srp_answer(
        &server,
        "USER_SRP_AUTH",
        "hiding",
        "ghost@example.com",
        "Passw0rd!",
    )
    .await
    .unwrap();
    let (fake2, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "Ghost@Example.com", "x")
        .await
        .unwrap();
    let p1 = &fake1["ChallengeParameters"];
    let p2 = &fake2["ChallengeParameters"];
    assert_eq!(
        p1["SALT"], p2["SALT"],
        "the salt of an unknown user is stable"
    );
    let id = p1["USER_ID_FOR_SRP"].as_str().unwrap();
    assert!(
        is_uuid(id),
        "USER_ID_FOR_SRP {id} is UUID-shaped like a real user's"
    );
    assert_ne!(id, "ghost@example.com");
    assert_eq!(p1["USER_ID_FOR_SRP"], p2["USER_ID_FOR_SRP"]);
    assert_eq!(p1["USERNAME"], p1["USER_ID_FOR_SRP"]);
    assert_eq!(
        p1["SALT"].as_str().unwrap().len() % 2,
        0,
        "salt is padHex-shaped"
    );
    let (fake_other, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "other@example.com", "x")
        .await
        .unwrap();
    assert_ne!(p1["SALT"], fake_other["ChallengeParameters"]["SALT"]);
    assert_ne!(
        p1["USER_ID_FOR_SRP"],
        fake_other["ChallengeParameters"]["USER_ID_FOR_SRP"]
    );

    // Answering the fake challenge fails like a wrong password.
    let (code, message) = err_code(call(&server, "RespondToAuthChallenge", answer).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
    let (code, message) = err_code(
        call(
            &server,
            "InitiateAuth",
            password_auth("hiding", "ghost@example.com", "Passw0rd!"),
        )
        .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
    // Unknown users lock out after repeated failures, like real ones.
    for username in ["real@example.com", "nobody@example.com"] {
        let mut messages = Vec::new();
        for _ in 0..6 {
            let (_, message) = err_code(
                call(
                    &server,
                    "InitiateAuth",
                    password_auth("hiding", username, "Wrong0ne!"),
                )
                .await,
            );
            messages.push(message);
        }
        assert_eq!(messages[4], "Incorrect username or password.", "{username}");
        assert_eq!(messages[5], "Password attempts exceeded", "{username}");
    }
    // ForgotPassword answers with a delivery too.
    let forgot = call(
        &server,
        "ForgotPassword",
        json!({ "ClientId": "hiding", "Username": "ghost@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(forgot["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    server.shutdown().await;
}

#[tokio::test]
async fn hidden_unknown_users_keep_their_salt_across_restarts() {
    let dir = std::env::temp_dir().join(format!("cke-fake-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = || Options {
        config: Some(hidden_existence_config()),
        state_path: Some(dir.join("state.json")),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    let (before, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "ghost@example.com", "x")
        .await
        .unwrap();
    server.shutdown().await;
    let server = start(options()).await.unwrap();
    let (after, _) = srp_answer(&server, "USER_SRP_AUTH", "hiding", "ghost@example.com", "x")
        .await
        .unwrap();
    assert_eq!(
        before["ChallengeParameters"]["SALT"],
        after["ChallengeParameters"]["SALT"]
    );
    assert_eq!(
        before["ChallengeParameters"]["USER_ID_FOR_SRP"],
        after["ChallengeParameters"]["USER_ID_FOR_SRP"]
    );
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

// ------------------------------------------------------------------------------------ defect 6

#[tokio::test]
async fn pagination_tokens_cannot_overflow() {
    let server = start_with(basic_config()).await;
    let huge = "18446744073709551615";
    for token in [huge, "99999999999999999999999", "-1", "abc", ""] {
        let (code, _) = err_code(
            admin(
                &server,
                "ListUsers",
                json!({ "UserPoolId": POOL, "Limit": 60, "PaginationToken": token }),
            )
            .await,
        );
        assert_eq!(code, "InvalidParameterException", "ListUsers {token:?}");
        let (code, _) = err_code(
            admin(
                &server,
                "ListUserPools",
                json!({ "MaxResults": 60, "NextToken": token }),
            )
            .await,
        );
        assert_eq!(code, "InvalidParameterException", "ListUserPools {token:?}");
    }
    let signed_in = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let (code, _) = err_code(
        call(
            &server,
            "ListDevices",
            json!({ "AccessToken": access, "Limit": 60, "PaginationToken": huge }),
        )
        .await,
    );
    assert_eq!(code, "InvalidParameterException");
    // Ordinary paging still works.
    let first = admin(
        &server,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Limit": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(first["Users"].as_array().unwrap().len(), 1);
    let token = first["PaginationToken"].clone();
    let second = admin(
        &server,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Limit": 1, "PaginationToken": token }),
    )
    .await
    .unwrap();
    assert_eq!(second["Users"].as_array().unwrap().len(), 1);
    assert_ne!(
        first["Users"][0]["Username"],
        second["Users"][0]["Username"]
    );
    assert!(second.get("PaginationToken").is_none());
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 7

#[tokio::test]
async fn a_new_password_invalidates_srp_sign_ins_started_before() {
    let server = start_with(basic_config()).await;
    let (_, answer) = srp_answer(
        &server,
        "USER_SRP_AUTH",
        "publicclient",
        "alice",
        "Passw0rd!",
    )
    .await
    .unwrap();
    admin(&server, "AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": "alice", "Password": "Changed0!", "Permanent": true }))
        .await
        .unwrap();
    let (code, message) = err_code(call(&server, "RespondToAuthChallenge", answer).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );

    // The same for a reset through ForgotPassword, and for a sign-in waiting at its MFA step.
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let mut config = basic_config();
    config["Pools"][0]["Users"][0]["TotpSecret"] = json!(secret);
    config["Pools"][0]["Users"][0]["PreferredMfa"] = json!("SOFTWARE_TOKEN_MFA");
    let server2 = start_with(config).await;
    let (_, answer) = srp_answer(
        &server2,
        "USER_SRP_AUTH",
        "publicclient",
        "alice",
        "Passw0rd!",
    )
    .await
    .unwrap();
    let mfa = call(&server2, "RespondToAuthChallenge", answer)
        .await
        .unwrap();
    assert_eq!(mfa["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    call(
        &server2,
        "ForgotPassword",
        json!({ "ClientId": "publicclient", "Username": "alice" }),
    )
    .await
    .unwrap();
    let code = latest_code(&server2, POOL, "alice").await["code"]
        .as_str()
        .unwrap()
        .to_string();
    call(&server2, "ConfirmForgotPassword", json!({ "ClientId": "publicclient", "Username": "alice", "ConfirmationCode": code, "Password": "Changed0!" }))
        .await
        .unwrap();
    let (code, _) = err_code(
        call(&server2, "RespondToAuthChallenge", json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": "publicclient", "Session": mfa["Session"],
            "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, now()) } }))
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    server.shutdown().await;
    server2.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 8

#[tokio::test]
async fn attribute_updates_can_wait_for_verification() {
    let server = start_with(json!({})).await;
    // The setting needs the attribute to be auto-verified.
    let (code, _) = err_code(
        admin(&server, "CreateUserPool", json!({ "PoolName": "p", "UserAttributeUpdateSettings": { "AttributesRequireVerificationBeforeUpdate": ["email"] } })).await,
    );
    assert_eq!(code, "InvalidParameterException");
    let created = admin(
        &server,
        "CreateUserPool",
        json!({ "PoolName": "p", "AutoVerifiedAttributes": ["email"],
        "UserAttributeUpdateSettings": { "AttributesRequireVerificationBeforeUpdate": ["email"] },
        "Schema": [{ "Name": "plan", "AttributeDataType": "String" }] }),
    )
    .await
    .unwrap();
    let pool_id = created["UserPool"]["Id"].as_str().unwrap().to_string();
    let described = admin(
        &server,
        "DescribeUserPool",
        json!({ "UserPoolId": pool_id }),
    )
    .await
    .unwrap();
    let pool = &described["UserPool"];
    assert_eq!(
        pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"],
        json!(["email"])
    );
    let plan = pool["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "custom:plan")
        .expect("custom attribute listed")
        .clone();
    assert_eq!(plan["Mutable"], true);
    assert_eq!(plan["Required"], false);
    assert_eq!(plan["DeveloperOnlyAttribute"], false);
    assert!(plan["StringAttributeConstraints"].is_object());
    let client = admin(&server, "CreateUserPoolClient", json!({ "UserPoolId": pool_id, "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] }))
        .await
        .unwrap();
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    admin(&server, "AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": "ann", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "old@example.com" }, { "Name": "email_verified", "Value": "true" }] }))
        .await
        .unwrap();
    admin(&server, "AdminSetUserPassword", json!({ "UserPoolId": pool_id, "Username": "ann", "Password": "Passw0rd!", "Permanent": true }))
        .await
        .unwrap();
    let signed_in = call(
        &server,
        "InitiateAuth",
        password_auth(&client_id, "ann", "Passw0rd!"),
    )
    .await
    .unwrap();
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let updated = call(&server, "UpdateUserAttributes", json!({ "AccessToken": access, "UserAttributes": [{ "Name": "email", "Value": "new@example.com" }] }))
        .await
        .unwrap();
    assert_eq!(
        updated["CodeDeliveryDetailsList"][0]["AttributeName"],
        "email"
    );
    let attrs = |user: &Value| -> std::collections::HashMap<String, String> {
        user["UserAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["Name"].as_str().unwrap().to_string(),
                    a["Value"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let me = call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(
        attrs(&me)["email"],
        "old@example.com",
        "the old value stays until verified"
    );
    assert_eq!(attrs(&me)["email_verified"], "true");
    let message = latest_code(&server, &pool_id, "ann").await;
    assert_eq!(message["destination"], "new@example.com");
    let code = message["code"].as_str().unwrap().to_string();
    call(
        &server,
        "VerifyUserAttribute",
        json!({ "AccessToken": access, "AttributeName": "email", "Code": code }),
    )
    .await
    .unwrap();
    let me = call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(attrs(&me)["email"], "new@example.com");
    assert_eq!(attrs(&me)["email_verified"], "true");
    // An administrator may set the value as verified directly.
    admin(&server, "AdminUpdateUserAttributes", json!({ "UserPoolId": pool_id, "Username": "ann",
        "UserAttributes": [{ "Name": "email", "Value": "admin-set@example.com" }, { "Name": "email_verified", "Value": "true" }] }))
        .await
        .unwrap();
    let me = call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(attrs(&me)["email"], "admin-set@example.com");
    // UpdateUserPool accepts the setting (and, like every setting, resets it when left out).
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": pool_id, "AutoVerifiedAttributes": ["email"] }),
    )
    .await
    .unwrap();
    let described = admin(
        &server,
        "DescribeUserPool",
        json!({ "UserPoolId": pool_id }),
    )
    .await
    .unwrap();
    assert_eq!(
        described["UserPool"]["UserAttributeUpdateSettings"]
            ["AttributesRequireVerificationBeforeUpdate"],
        json!([])
    );
    admin(&server, "UpdateUserPool", json!({ "UserPoolId": pool_id, "AutoVerifiedAttributes": ["email"],
        "UserAttributeUpdateSettings": { "AttributesRequireVerificationBeforeUpdate": ["email"] } }))
        .await
        .unwrap();
    let described = admin(
        &server,
        "DescribeUserPool",
        json!({ "UserPoolId": pool_id }),
    )
    .await
    .unwrap();
    assert_eq!(
        described["UserPool"]["UserAttributeUpdateSettings"]
            ["AttributesRequireVerificationBeforeUpdate"],
        json!(["email"])
    );
    server.shutdown().await;
}

// ------------------------------------------------------------------------------------ defect 9

#[tokio::test]
async fn account_recovery_prefers_sms_by_default_and_skips_sms_mfa_phones() {
    let mut config = basic_config();
    config["Pools"][0]["SmsConfiguration"] =
        json!({ "SnsCallerArn": "arn:aws:iam::123456789012:role/sms" });
    config["Pools"][0]["Users"] = json!([
        { "Username": "both", "Password": "Passw0rd!", "Attributes": { "name": "B", "email": "both@example.com", "email_verified": "true",
            "phone_number": "+15550000001", "phone_number_verified": "true" } },
        { "Username": "smsmfa", "Password": "Passw0rd!", "SmsMfaEnabled": true, "Attributes": { "name": "S", "email": "s@example.com", "email_verified": "true",
            "phone_number": "+15550000002", "phone_number_verified": "true" } }
    ]);
    let server = start_with(config.clone()).await;
    let forgot = |username: &str| json!({ "ClientId": "publicclient", "Username": username });
    let reply = call(&server, "ForgotPassword", forgot("both"))
        .await
        .unwrap();
    assert_eq!(
        reply["CodeDeliveryDetails"]["DeliveryMedium"], "SMS",
        "legacy order: SMS first"
    );
    server.shutdown().await;

    config["Pools"][0]["AccountRecoverySetting"] = json!({ "RecoveryMechanisms": [
        { "Priority": 1, "Name": "verified_phone_number" }, { "Priority": 2, "Name": "verified_email" }] });
    let server = start_with(config).await;
    let reply = call(&server, "ForgotPassword", forgot("both"))
        .await
        .unwrap();
    assert_eq!(reply["CodeDeliveryDetails"]["DeliveryMedium"], "SMS");
    let reply = call(&server, "ForgotPassword", forgot("smsmfa"))
        .await
        .unwrap();
    assert_eq!(
        reply["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL",
        "a phone used for SMS MFA does not qualify for recovery"
    );
    server.shutdown().await;
}

// ----------------------------------------------------------------------------------- defect 10

#[cfg(unix)]
#[tokio::test]
async fn state_file_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("cke-mode-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    // A state file left with wider permissions is narrowed too.
    std::fs::write(&state, b"{\"pools\":{}}").unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o644)).unwrap();
    let server = start(Options {
        config: Some(basic_config()),
        state_path: Some(state.clone()),
        ..Options::default()
    })
    .await
    .unwrap();
    admin(
        &server,
        "AdminDisableUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the state holds private keys: owner-only");
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_change_password_guesses_stop_at_the_lockout() {
    let server = std::sync::Arc::new(start_with(basic_config()).await);
    let signed_in = call(
        &server,
        "InitiateAuth",
        password_auth("publicclient", "alice", "Passw0rd!"),
    )
    .await
    .unwrap();
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let guess = |server: std::sync::Arc<RunningServer>, access: Value| async move {
        call(&server, "ChangePassword", json!({ "AccessToken": access, "PreviousPassword": "Wrong0ne!", "ProposedPassword": "Other0ne!" })).await
    };
    // Nine failures, waiting out each lockout, so the next failure locks for 32 s: long enough
    // for every concurrent guess below to arrive while it lasts.
    for attempt in 1..=9u32 {
        let (_, message) = err_code(guess(server.clone(), access.clone()).await);
        assert_eq!(message, "Incorrect username or password.");
        if attempt >= 5 {
            advance(&server, (1i64 << (attempt - 5)) + 1).await;
        }
    }
    // One more failure starts the lockout; concurrent guesses must not get past it.
    let tasks: Vec<_> = (0..12)
        .map(|_| tokio::spawn(guess(server.clone(), access.clone())))
        .collect();
    let mut evaluated = 0;
    for task in tasks {
        let (code, message) = err_code(task.await.unwrap());
        assert_eq!(code, "NotAuthorizedException");
        if message == "Incorrect username or password." {
            evaluated += 1;
        } else {
            assert_eq!(message, "Password attempts exceeded");
        }
    }
    assert_eq!(
        evaluated, 1,
        "only the guess that started the lockout was evaluated"
    );
}

#[tokio::test]
async fn unsupported_methods_answer_in_the_service_error_shape() {
    let server = start_with(json!({})).await;
    for (method, path) in [
        ("PUT", "/"),
        ("DELETE", "/"),
        ("POST", "/us-east-1_x/.well-known/jwks.json"),
        ("DELETE", "/_emulator/clock"),
    ] {
        let reply = request(server.addr, method, path, &[], b"").await;
        assert_eq!(reply.status, 405, "{method} {path}");
        let body = reply.json();
        assert!(body["__type"].is_string(), "{method} {path}: {body}");
        assert!(body["message"].is_string());
        assert_eq!(
            reply.headers.get("x-amzn-errortype").map(String::as_str),
            body["__type"].as_str()
        );
        // The public API answers any origin, as the service does; the hooks never say `*`.
        let expected = if path.starts_with("/_emulator/") {
            None
        } else {
            Some("*")
        };
        assert_eq!(
            reply
                .headers
                .get("access-control-allow-origin")
                .map(String::as_str),
            expected
        );
    }
    server.shutdown().await;
}
