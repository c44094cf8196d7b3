//! The emulator's own rules, checked over HTTP with an independent client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use num_bigint::BigUint;
use serde_json::{json, Value};
use support::*;

/// Request headers of one malformed-input case.
type Headers<'a> = Vec<(&'a str, &'a str)>;

const POOL: &str = "us-east-1_TestPool1";

fn err_code(result: Result<Value, (String, String)>) -> (String, String) {
    result.expect_err("the call must fail")
}

#[test]
fn independent_client_matches_protocol_vector() {
    // PROTOCOL.md known-answer vector (pool AbCdEf123, user alice, a = 0x3039, B = 0x1234567).
    let key = client_key(
        "AbCdEf123",
        "alice",
        "Passw0rd!",
        &BigUint::from(0x3039u32),
        &BigUint::parse_bytes(b"1234567", 16).unwrap(),
        &BigUint::parse_bytes(b"abcdef0123456789", 16).unwrap(),
    );
    assert_eq!(hex(&key), "a8a8cd941a83e7f030492a63687f33a2");
    let sig = signature(
        &key,
        "AbCdEf123",
        "alice",
        "AAECAwQFBgcICQ==",
        "Sun Nov 22 04:03:33 UTC 2026",
    );
    assert_eq!(sig, "rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo=");
    assert_eq!(
        timestamp(1_795_320_213, false),
        "Sun Nov 22 04:03:33 UTC 2026"
    );
    assert_eq!(
        secret_hash("secret", "alice", "clientid123"),
        "ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs="
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn malformed_requests_get_400_in_the_service_shape() {
    let server = start_with(json!({})).await;
    let target = (
        "X-Amz-Target",
        "AWSCognitoIdentityProviderService.InitiateAuth",
    );
    let cases: Vec<(Headers, Vec<u8>, &str)> = vec![
        (
            vec![target],
            b"{not json".to_vec(),
            "SerializationException",
        ),
        (vec![target], b"[1,2]".to_vec(), "SerializationException"),
        (
            vec![target],
            br#"{"ClientId": 5, "AuthFlow": "USER_SRP_AUTH"}"#.to_vec(),
            "SerializationException",
        ),
        (
            vec![target],
            br#"{"ClientId": "x", "AuthFlow": "USER_SRP_AUTH", "AuthParameters": "nope"}"#.to_vec(),
            "SerializationException",
        ),
        (
            vec![target],
            br#"{"AuthFlow": "USER_SRP_AUTH"}"#.to_vec(),
            "InvalidParameterException",
        ),
        (
            vec![(
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.Frobnicate",
            )],
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (vec![], b"{}".to_vec(), "UnknownOperationException"),
        (
            vec![target],
            vec![b' '; 2 * 1024 * 1024],
            "SerializationException",
        ),
        (
            vec![(
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.AdminGetUser",
            )],
            b"{}".to_vec(),
            "MissingAuthenticationTokenException",
        ),
        (
            vec![("X-Amz-Target", "AWSCognitoIdentityProviderService.GetUser")],
            br#"{"AccessToken":"a.b.c"}"#.to_vec(),
            "NotAuthorizedException",
        ),
        (
            vec![("X-Amz-Target", "AWSCognitoIdentityProviderService.GetUser")],
            "{\"AccessToken\":\"\u{00e9}.\u{1F600}.x\"}"
                .as_bytes()
                .to_vec(),
            "NotAuthorizedException",
        ),
    ];
    for (headers, body, expected) in cases {
        let reply = request(server.addr, "POST", "/", &headers, &body).await;
        let json = reply.json();
        assert_eq!(reply.status, 400, "{expected}: {json}");
        assert_eq!(json["__type"], expected, "{json}");
        assert!(json["message"].is_string());
        assert_eq!(
            reply.headers.get("x-amzn-errortype").map(String::as_str),
            Some(expected)
        );
        assert_eq!(
            reply
                .headers
                .get("access-control-allow-origin")
                .map(String::as_str),
            Some("*")
        );
    }
    // Preflight on the public routes (the hooks' CORS is tested in tests/http_guard.rs).
    for path in ["/", "/us-east-1_x/.well-known/jwks.json"] {
        let reply = request(
            server.addr,
            "OPTIONS",
            path,
            &[("Access-Control-Request-Method", "POST")],
            b"",
        )
        .await;
        assert_eq!(reply.status, 204);
        assert!(reply.headers["access-control-allow-headers"].contains("x-amz-target"));
        assert!(reply.headers["access-control-expose-headers"].contains("x-amzn-errortype"));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn password_policy_and_required_attributes() {
    let server = start_with(basic_config()).await;
    let sign_up = |password: &str, attrs: Value| json!({ "ClientId": "publicclient", "Username": "bob", "Password": password, "UserAttributes": attrs });
    let with_name = json!([{ "Name": "name", "Value": "Bob" }, { "Name": "email", "Value": "bob@example.com" }]);
    for (password, message) in [
        ("Sh0rt!", "Password not long enough"),
        ("alllower1!", "Password must have uppercase characters"),
        ("ALLUPPER1!", "Password must have lowercase characters"),
        ("NoDigits!!", "Password must have numeric characters"),
        ("NoSymbols11", "Password must have symbol characters"),
    ] {
        let (code, text) =
            err_code(call(&server, "SignUp", sign_up(password, with_name.clone())).await);
        assert_eq!(code, "InvalidPasswordException");
        assert_eq!(
            text,
            format!("Password did not conform with policy: {message}")
        );
    }
    let (code, text) = err_code(call(&server, "SignUp", sign_up("Passw0rd!", json!([]))).await);
    assert_eq!(code, "InvalidParameterException");
    assert!(text.contains("name"), "{text}");
    let (code, _) = err_code(
        call(
            &server,
            "SignUp",
            sign_up(
                "Passw0rd!",
                json!([{ "Name": "custom:nope", "Value": "x" }, { "Name": "name", "Value": "B" }]),
            ),
        )
        .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let ok = call(&server, "SignUp", sign_up("Passw0rd!", with_name.clone()))
        .await
        .unwrap();
    assert_eq!(ok["UserConfirmed"], false);
    let (code, _) = err_code(call(&server, "SignUp", sign_up("Passw0rd!", with_name)).await);
    assert_eq!(code, "UsernameExistsException");
    server.shutdown().await;
}

#[tokio::test]
async fn confirmation_codes_mismatch_expire_and_run_out() {
    let server = start_with(basic_config()).await;
    let attrs = json!([{ "Name": "name", "Value": "C" }, { "Name": "email", "Value": "carol@example.com" }]);
    let reply = call(&server, "SignUp", json!({ "ClientId": "publicclient", "Username": "carol", "Password": "Passw0rd!", "UserAttributes": attrs })).await.unwrap();
    assert_eq!(reply["CodeDeliveryDetails"]["Destination"], "c***@e***");
    let message = latest_code(&server, POOL, "carol").await;
    assert_eq!(message["kind"], "SIGN_UP");
    let code = message["code"].as_str().unwrap().to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm =
        |c: &str| json!({ "ClientId": "publicclient", "Username": "carol", "ConfirmationCode": c });
    assert_eq!(
        err_code(call(&server, "ConfirmSignUp", confirm(wrong)).await).0,
        "CodeMismatchException"
    );
    // Unconfirmed users cannot sign in even with the right password.
    let (code_name, _) = err_code(call(&server, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "carol", "PASSWORD": "Passw0rd!" } })).await);
    assert_eq!(code_name, "UserNotConfirmedException");
    // Expiry: 24 h later the code is refused.
    advance(&server, 25 * 3600).await;
    assert_eq!(
        err_code(call(&server, "ConfirmSignUp", confirm(&code)).await).0,
        "ExpiredCodeException"
    );
    call(
        &server,
        "ResendConfirmationCode",
        json!({ "ClientId": "publicclient", "Username": "carol" }),
    )
    .await
    .unwrap();
    let fresh = latest_code(&server, POOL, "carol").await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = if fresh == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..4 {
        assert_eq!(
            err_code(call(&server, "ConfirmSignUp", confirm(wrong)).await).0,
            "CodeMismatchException"
        );
    }
    assert_eq!(
        err_code(call(&server, "ConfirmSignUp", confirm(wrong)).await).0,
        "LimitExceededException"
    );
    // The code died with the fifth wrong guess.
    assert_eq!(
        err_code(call(&server, "ConfirmSignUp", confirm(&fresh)).await).0,
        "ExpiredCodeException"
    );
    call(
        &server,
        "ResendConfirmationCode",
        json!({ "ClientId": "publicclient", "Username": "carol" }),
    )
    .await
    .unwrap();
    let last = latest_code(&server, POOL, "carol").await["code"]
        .as_str()
        .unwrap()
        .to_string();
    call(&server, "ConfirmSignUp", confirm(&last))
        .await
        .unwrap();
    let (code_name, text) = err_code(call(&server, "ConfirmSignUp", confirm(&last)).await);
    assert_eq!(
        (code_name.as_str(), text.as_str()),
        (
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn srp_sign_in_tokens_and_proof_checks() {
    let server = start_with(basic_config()).await;
    let result = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let tokens = &result["AuthenticationResult"];
    assert_eq!(tokens["TokenType"], "Bearer");
    // Tokens verify against the published JWKS with the rsa crate directly.
    let jwks = request(
        server.addr,
        "GET",
        &format!("/{POOL}/.well-known/jwks.json"),
        &[],
        b"",
    )
    .await
    .json();
    let claims = verify_rs256(tokens["IdToken"].as_str().unwrap(), &jwks);
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["cognito:username"], "alice");
    assert_eq!(claims["aud"], "publicclient");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["iss"], format!("{}/{POOL}", server.url()));
    let access = verify_rs256(tokens["AccessToken"].as_str().unwrap(), &jwks);
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["origin_jti"], claims["origin_jti"]);
    let discovery = request(
        server.addr,
        "GET",
        &format!("/{POOL}/.well-known/openid-configuration"),
        &[],
        b"",
    )
    .await
    .json();
    assert_eq!(discovery["issuer"], claims["iss"]);

    // Wrong password.
    let (code, message) = err_code(
        srp_sign_in(
            &server,
            POOL,
            "publicclient",
            "alice",
            "Passw0rd?",
            json!({}),
        )
        .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
    // Zero-padded day is a wrong proof, not a format error (only testable on days 1-9).
    let (_, body) = srp_prepare(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
        true,
    )
    .await
    .unwrap();
    let day: String = body["ChallengeResponses"]["TIMESTAMP"]
        .as_str()
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    if day.starts_with('0') {
        assert_eq!(
            err_code(call(&server, "RespondToAuthChallenge", body).await).1,
            "Incorrect username or password."
        );
    }
    // A session (secret block) works once.
    let (_, body) = srp_prepare(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
        false,
    )
    .await
    .unwrap();
    call(&server, "RespondToAuthChallenge", body.clone())
        .await
        .unwrap();
    let (code, _) = err_code(call(&server, "RespondToAuthChallenge", body).await);
    assert_eq!(code, "NotAuthorizedException");
    // A ≡ 0 mod N is refused before any math.
    for a in ["0", &n().to_str_radix(16), &(n() * 2u32).to_str_radix(16)] {
        let reply = call(&server, "InitiateAuth", json!({ "AuthFlow": "USER_SRP_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "alice", "SRP_A": a } })).await;
        assert_eq!(err_code(reply).0, "InvalidParameterException");
    }
    // Unknown users: the LEGACY client says so.
    assert_eq!(
        err_code(
            srp_sign_in(
                &server,
                POOL,
                "publicclient",
                "nobody",
                "Passw0rd!",
                json!({})
            )
            .await
        )
        .0,
        "UserNotFoundException"
    );
    server.shutdown().await;
}

fn verify_rs256(token: &str, jwks: &Value) -> Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let key = &jwks["keys"][0];
    let n =
        rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap());
    let e =
        rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap());
    let public = rsa::RsaPublicKey::new(n, e).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let signature = Signature::try_from(URL_SAFE_NO_PAD.decode(sig).unwrap().as_slice()).unwrap();
    VerifyingKey::<sha2::Sha256>::new(public)
        .verify(input.as_bytes(), &signature)
        .expect("valid RS256 signature");
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(input.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn sessions_expire_and_new_password_required() {
    let server = start_with(basic_config()).await;
    let start = json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "temp", "PASSWORD": "TempPassw0rd!" } });
    let challenge = call(&server, "InitiateAuth", start.clone()).await.unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let required: Vec<String> = serde_json::from_str(
        challenge["ChallengeParameters"]["requiredAttributes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(required, vec!["userAttributes.name"]);
    // After 3 minutes the session is dead.
    advance(&server, 181).await;
    let answer = |session: &Value, password: &str| {
        json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": "publicclient", "Session": session,
        "ChallengeResponses": { "USERNAME": "temp", "NEW_PASSWORD": password, "userAttributes.name": "Tem" } })
    };
    let (code, message) = err_code(
        call(
            &server,
            "RespondToAuthChallenge",
            answer(&challenge["Session"], "NewPassw0rd!"),
        )
        .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    let challenge = call(&server, "InitiateAuth", start).await.unwrap();
    // A weak new password may be corrected within the same session.
    assert_eq!(
        err_code(
            call(
                &server,
                "RespondToAuthChallenge",
                answer(&challenge["Session"], "weak")
            )
            .await
        )
        .0,
        "InvalidPasswordException"
    );
    let done = call(
        &server,
        "RespondToAuthChallenge",
        answer(&challenge["Session"], "NewPassw0rd!"),
    )
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserStatus"], "CONFIRMED");
    // Temporary passwords expire (7 days by default).
    admin(&server, "AdminCreateUser", json!({ "UserPoolId": POOL, "Username": "late", "TemporaryPassword": "TempPassw0rd!", "MessageAction": "SUPPRESS" })).await.unwrap();
    advance(&server, 8 * 86_400).await;
    let (_, message) = err_code(call(&server, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "late", "PASSWORD": "TempPassw0rd!" } })).await);
    assert!(
        message.contains("Temporary password has expired"),
        "{message}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_for_a_while() {
    let server = start_with(basic_config()).await;
    let attempt = |password: &str| json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "alice", "PASSWORD": password } });
    // The first lockout lasts one second of the emulator's whole-second clock, as on the service:
    // a run that crosses a second boundary between the fifth failure and the check finds it over
    // already (and the right password then clears the count), so the sequence gets three tries.
    let mut locked = false;
    for _ in 0..3 {
        for _ in 0..5 {
            assert_eq!(
                err_code(call(&server, "InitiateAuth", attempt("Wrong0ne!")).await).1,
                "Incorrect username or password."
            );
        }
        match call(&server, "InitiateAuth", attempt("Passw0rd!")).await {
            Err((_, message)) => {
                assert_eq!(message, "Password attempts exceeded");
                locked = true;
                break;
            }
            Ok(_) => continue,
        }
    }
    assert!(locked, "five wrong passwords never locked the account");
    advance(&server, 2).await;
    call(&server, "InitiateAuth", attempt("Passw0rd!"))
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn secret_hash_is_required_for_secret_clients() {
    let server = start_with(basic_config()).await;
    let auth = |hash: Option<String>| {
        let mut params = json!({ "USERNAME": "alice", "PASSWORD": "Passw0rd!" });
        if let Some(hash) = hash {
            params["SECRET_HASH"] = json!(hash);
        }
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "secretclient", "AuthParameters": params })
    };
    assert_eq!(
        err_code(call(&server, "InitiateAuth", auth(None)).await).0,
        "NotAuthorizedException"
    );
    assert_eq!(
        err_code(
            call(
                &server,
                "InitiateAuth",
                auth(Some(secret_hash("wrong", "alice", "secretclient")))
            )
            .await
        )
        .0,
        "NotAuthorizedException"
    );
    let ok = call(
        &server,
        "InitiateAuth",
        auth(Some(secret_hash("s3cr3t", "alice", "secretclient"))),
    )
    .await
    .unwrap();
    let refresh = ok["AuthenticationResult"]["RefreshToken"].as_str().unwrap();
    let refresh_body = |hash: Option<String>| {
        let mut params = json!({ "REFRESH_TOKEN": refresh });
        if let Some(hash) = hash {
            params["SECRET_HASH"] = json!(hash);
        }
        json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "secretclient", "AuthParameters": params })
    };
    assert_eq!(
        err_code(call(&server, "InitiateAuth", refresh_body(None)).await).0,
        "NotAuthorizedException"
    );
    call(
        &server,
        "InitiateAuth",
        refresh_body(Some(secret_hash("s3cr3t", "alice", "secretclient"))),
    )
    .await
    .unwrap();
    // SignUp and ForgotPassword need it too.
    let (code, _) = err_code(
        call(
            &server,
            "ForgotPassword",
            json!({ "ClientId": "secretclient", "Username": "alice" }),
        )
        .await,
    );
    assert_eq!(code, "NotAuthorizedException");
    call(&server, "ForgotPassword", json!({ "ClientId": "secretclient", "Username": "alice", "SecretHash": secret_hash("s3cr3t", "alice", "secretclient") })).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn refresh_rotation_revocation_and_global_sign_out() {
    let server = start_with(basic_config()).await;
    let signed_in = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let first = signed_in["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let access = signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let rotate = |token: &str| json!({ "ClientId": "publicclient", "RefreshToken": token });
    let rotated = call(&server, "GetTokensFromRefreshToken", rotate(&first))
        .await
        .unwrap();
    let second = rotated["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    // Old token: fine within the 30 s grace period, refused afterwards.
    call(&server, "GetTokensFromRefreshToken", rotate(&first))
        .await
        .unwrap();
    advance(&server, 31).await;
    assert_eq!(
        err_code(call(&server, "GetTokensFromRefreshToken", rotate(&first)).await).0,
        "NotAuthorizedException"
    );
    let third = call(&server, "GetTokensFromRefreshToken", rotate(&second))
        .await
        .unwrap();
    let second = third["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    // Access tokens expire.
    call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    advance(&server, 3600).await;
    assert_eq!(
        err_code(call(&server, "GetUser", json!({ "AccessToken": access })).await).1,
        "Access Token has expired"
    );
    // RevokeToken ends the lineage: refresh and its access tokens.
    let fresh = call(&server, "GetTokensFromRefreshToken", rotate(&second))
        .await
        .unwrap();
    let fresh_access = fresh["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &server,
        "RevokeToken",
        json!({ "ClientId": "publicclient", "Token": second }),
    )
    .await
    .unwrap();
    assert_eq!(
        err_code(call(&server, "GetUser", json!({ "AccessToken": fresh_access })).await).1,
        "Access Token has been revoked"
    );
    assert_eq!(
        err_code(call(&server, "GetTokensFromRefreshToken", rotate(&second)).await).0,
        "NotAuthorizedException"
    );
    // GlobalSignOut ends every lineage.
    let a = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let b = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    call(
        &server,
        "GlobalSignOut",
        json!({ "AccessToken": a["AuthenticationResult"]["AccessToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(
        err_code(
            call(
                &server,
                "GetUser",
                json!({ "AccessToken": b["AuthenticationResult"]["AccessToken"] })
            )
            .await
        )
        .0,
        "NotAuthorizedException"
    );
    let refresh_b = json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "publicclient", "AuthParameters": { "REFRESH_TOKEN": b["AuthenticationResult"]["RefreshToken"] } });
    assert_eq!(
        err_code(call(&server, "InitiateAuth", refresh_b).await).0,
        "NotAuthorizedException"
    );
    // A token with a forged payload is refused.
    let token = a["AuthenticationResult"]["AccessToken"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1].replacen("e", "f", 1),
        parts[2]
    );
    assert_eq!(
        err_code(call(&server, "GetUser", json!({ "AccessToken": forged })).await).0,
        "NotAuthorizedException"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn totp_mfa_setup_and_challenge() {
    let server = start_with(basic_config()).await;
    let signed_in = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    let secret = call(
        &server,
        "AssociateSoftwareToken",
        json!({ "AccessToken": access }),
    )
    .await
    .unwrap()["SecretCode"]
        .as_str()
        .unwrap()
        .to_string();
    let now = request(server.addr, "GET", "/_emulator/clock", &[], b"")
        .await
        .json()["now"]
        .as_i64()
        .unwrap();
    assert_eq!(
        err_code(
            call(
                &server,
                "VerifySoftwareToken",
                json!({ "AccessToken": access, "UserCode": totp(&secret, now + 300) })
            )
            .await
        )
        .0,
        "EnableSoftwareTokenMFAException"
    );
    assert_eq!(err_code(call(&server, "SetUserMFAPreference", json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } })).await).0, "InvalidParameterException");
    call(
        &server,
        "VerifySoftwareToken",
        json!({ "AccessToken": access, "UserCode": totp(&secret, now) }),
    )
    .await
    .unwrap();
    call(&server, "SetUserMFAPreference", json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } })).await.unwrap();
    let me = call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(me["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");

    let challenge = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let answer = |code: String| {
        json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "ClientId": "publicclient", "Session": challenge["Session"],
        "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code } })
    };
    assert_eq!(
        err_code(
            call(
                &server,
                "RespondToAuthChallenge",
                answer(totp(&secret, now - 600))
            )
            .await
        )
        .0,
        "CodeMismatchException"
    );
    let done = call(
        &server,
        "RespondToAuthChallenge",
        answer(totp(&secret, now)),
    )
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["IdToken"].is_string());
    assert_eq!(
        err_code(
            call(
                &server,
                "RespondToAuthChallenge",
                answer(totp(&secret, now))
            )
            .await
        )
        .0,
        "NotAuthorizedException",
        "sessions are single-use"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn remembered_device_signs_in_with_device_srp_and_forgotten_device_is_reported() {
    let mut config = basic_config();
    config["Pools"][0]["DeviceConfiguration"] =
        json!({ "ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": false });
    let server = start_with(config).await;
    let first = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let result = &first["AuthenticationResult"];
    let device_key = result["NewDeviceMetadata"]["DeviceKey"]
        .as_str()
        .unwrap()
        .to_string();
    let group_key = result["NewDeviceMetadata"]["DeviceGroupKey"]
        .as_str()
        .unwrap()
        .to_string();
    let device_password = "device-random-password";
    let salt = BigUint::from_bytes_be(&[0x9a; 16]);
    let verifier = BigUint::from(2u32).modpow(
        &x_value(&group_key, &device_key, device_password, &salt),
        &n(),
    );
    use base64::Engine as _;
    let b64 = |x: &BigUint| {
        let mut bytes = x.to_bytes_be();
        if bytes[0] & 0x80 != 0 {
            bytes.insert(0, 0);
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let confirmed = call(
        &server,
        "ConfirmDevice",
        json!({ "AccessToken": result["AccessToken"], "DeviceKey": device_key, "DeviceName": "test",
        "DeviceSecretVerifierConfig": { "Salt": b64(&salt), "PasswordVerifier": b64(&verifier) } }),
    )
    .await
    .unwrap();
    assert_eq!(confirmed["UserConfirmationNecessary"], false);

    let after_password = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({ "DEVICE_KEY": device_key }),
    )
    .await
    .unwrap();
    assert_eq!(after_password["ChallengeName"], "DEVICE_SRP_AUTH");
    let a = random_a();
    let a_pub = BigUint::from(2u32).modpow(&a, &n());
    let verifier_challenge = call(&server, "RespondToAuthChallenge", json!({ "ChallengeName": "DEVICE_SRP_AUTH", "ClientId": "publicclient", "Session": after_password["Session"],
        "ChallengeResponses": { "USERNAME": "alice", "DEVICE_KEY": device_key, "SRP_A": a_pub.to_str_radix(16) } })).await.unwrap();
    assert_eq!(
        verifier_challenge["ChallengeName"],
        "DEVICE_PASSWORD_VERIFIER"
    );
    let p = &verifier_challenge["ChallengeParameters"];
    let b_pub = BigUint::parse_bytes(p["SRP_B"].as_str().unwrap().as_bytes(), 16).unwrap();
    let salt_back = BigUint::parse_bytes(p["SALT"].as_str().unwrap().as_bytes(), 16).unwrap();
    let answer = |password: &str| {
        let key = client_key(&group_key, &device_key, password, &a, &b_pub, &salt_back);
        let ts = timestamp(now(), false);
        let block = p["SECRET_BLOCK"].as_str().unwrap();
        json!({ "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ClientId": "publicclient",
            "ChallengeResponses": { "USERNAME": "alice", "DEVICE_KEY": device_key, "PASSWORD_CLAIM_SECRET_BLOCK": block, "TIMESTAMP": ts,
                "PASSWORD_CLAIM_SIGNATURE": signature(&key, &group_key, &device_key, block, &ts) } })
    };
    let done = call(&server, "RespondToAuthChallenge", answer(device_password))
        .await
        .unwrap();
    let access = done["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let claims: Value = {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(access.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["device_key"], device_key);
    let devices = call(&server, "ListDevices", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(devices["Devices"].as_array().unwrap().len(), 1);
    call(
        &server,
        "ForgetDevice",
        json!({ "AccessToken": access, "DeviceKey": device_key }),
    )
    .await
    .unwrap();
    let (code, _) = err_code(
        srp_sign_in(
            &server,
            POOL,
            "publicclient",
            "alice",
            "Passw0rd!",
            json!({ "DEVICE_KEY": device_key }),
        )
        .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    server.shutdown().await;
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-state-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(state.clone()),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    admin(&server, "AdminCreateUser", json!({ "UserPoolId": POOL, "Username": "dave", "TemporaryPassword": "Passw0rd!x", "MessageAction": "SUPPRESS",
        "UserAttributes": [{ "Name": "email", "Value": "dave@example.com" }] })).await.unwrap();
    admin(&server, "AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": "dave", "Password": "Passw0rd!y", "Permanent": true })).await.unwrap();
    let signed_in = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "dave",
        "Passw0rd!y",
        json!({}),
    )
    .await
    .unwrap();
    let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
    server.shutdown().await;
    assert!(state.exists());
    assert!(
        !dir.join("state.json.tmp").exists(),
        "written atomically via rename"
    );

    let server = start(options()).await.unwrap();
    let me = call(&server, "GetUser", json!({ "AccessToken": access }))
        .await
        .expect("token from before the restart still verifies");
    assert_eq!(me["Username"], "dave");
    srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "dave",
        "Passw0rd!y",
        json!({}),
    )
    .await
    .unwrap();
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_are_safe() {
    let server = std::sync::Arc::new(start_with(basic_config()).await);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let username = format!("user{i}");
            admin(&server, "AdminCreateUser", json!({ "UserPoolId": POOL, "Username": username, "TemporaryPassword": "Passw0rd!x", "MessageAction": "SUPPRESS" })).await.unwrap();
            admin(&server, "AdminSetUserPassword", json!({ "UserPoolId": POOL, "Username": username, "Password": "Passw0rd!y", "Permanent": true })).await.unwrap();
            for _ in 0..2 {
                let reply = srp_sign_in(&server, POOL, "publicclient", &username, "Passw0rd!y", json!({})).await.unwrap();
                assert!(reply["AuthenticationResult"]["AccessToken"].is_string());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let listed = admin(
        &server,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Filter": "username ^= \"user\"" }),
    )
    .await
    .unwrap();
    assert_eq!(listed["Users"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn custom_auth_with_builtin_challenges() {
    let mut config = basic_config();
    config["Pools"][0]["CustomAuth"] = json!({ "Challenges": [{ "Answer": "42", "Parameters": { "question": "6x7?" } }], "MaxWrongAnswers": 2 });
    config["Pools"][0]["Clients"][0]["ExplicitAuthFlows"] =
        json!(["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"]);
    let server = start_with(config).await;
    let start_custom = json!({ "AuthFlow": "CUSTOM_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "alice" } });
    let first = call(&server, "InitiateAuth", start_custom.clone())
        .await
        .unwrap();
    assert_eq!(first["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(first["ChallengeParameters"]["question"], "6x7?");
    let answer = |session: &Value, text: &str| {
        json!({ "ChallengeName": "CUSTOM_CHALLENGE", "ClientId": "publicclient", "Session": session,
        "ChallengeResponses": { "USERNAME": "alice", "ANSWER": text } })
    };
    let retry = call(
        &server,
        "RespondToAuthChallenge",
        answer(&first["Session"], "41"),
    )
    .await
    .unwrap();
    assert_eq!(retry["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(
        err_code(
            call(
                &server,
                "RespondToAuthChallenge",
                answer(&retry["Session"], "40")
            )
            .await
        )
        .1,
        "Incorrect username or password."
    );
    let again = call(&server, "InitiateAuth", start_custom).await.unwrap();
    let done = call(
        &server,
        "RespondToAuthChallenge",
        answer(&again["Session"], "42"),
    )
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    // USER_PASSWORD_AUTH is not enabled on this client.
    let (code, message) = err_code(call(&server, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient", "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } })).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )
    );
    server.shutdown().await;
}

#[tokio::test]
async fn admin_pool_lifecycle_and_username_attributes() {
    let server = start_with(json!({})).await;
    let pool = admin(&server, "CreateUserPool", json!({ "PoolName": "p", "UsernameAttributes": ["email"], "UsernameConfiguration": { "CaseSensitive": false } })).await.unwrap();
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    assert_eq!(
        pool["UserPool"]["Policies"]["PasswordPolicy"]["RequireSymbols"], true,
        "service default policy"
    );
    let client = admin(&server, "CreateUserPoolClient", json!({ "UserPoolId": pool_id, "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"] })).await.unwrap();
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        client["UserPoolClient"]["TokenValidityUnits"]["AccessToken"],
        "minutes"
    );
    let (code, _) = err_code(
        admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": pool_id, "Username": "not-an-email" }),
        )
        .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let created = admin(&server, "AdminCreateUser", json!({ "UserPoolId": pool_id, "Username": "Erin@Example.com", "MessageAction": "SUPPRESS" })).await.unwrap();
    let internal = created["User"]["Username"].as_str().unwrap().to_string();
    assert_ne!(
        internal, "Erin@Example.com",
        "email pools use a UUID username"
    );
    admin(&server, "AdminSetUserPassword", json!({ "UserPoolId": pool_id, "Username": "erin@example.com", "Password": "Passw0rd!", "Permanent": true })).await.unwrap();
    let signed_in = call(&server, "InitiateAuth", json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id, "AuthParameters": { "USERNAME": "ERIN@example.com", "PASSWORD": "Passw0rd!" } })).await.unwrap();
    assert!(signed_in["AuthenticationResult"]["IdToken"].is_string());
    let (code, _) = err_code(
        admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": pool_id, "Username": "erin@example.com" }),
        )
        .await,
    );
    assert_eq!(code, "UsernameExistsException");
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": pool_id, "DeletionProtection": "ACTIVE" }),
    )
    .await
    .unwrap();
    assert_eq!(
        err_code(admin(&server, "DeleteUserPool", json!({ "UserPoolId": pool_id })).await).0,
        "InvalidParameterException"
    );
    admin(&server, "UpdateUserPool", json!({ "UserPoolId": pool_id }))
        .await
        .unwrap();
    admin(&server, "DeleteUserPool", json!({ "UserPoolId": pool_id }))
        .await
        .unwrap();
    assert_eq!(
        err_code(
            admin(
                &server,
                "DescribeUserPool",
                json!({ "UserPoolId": pool_id })
            )
            .await
        )
        .0,
        "ResourceNotFoundException"
    );
    let pools = admin(&server, "ListUserPools", json!({ "MaxResults": 10 }))
        .await
        .unwrap();
    assert_eq!(pools["UserPools"].as_array().unwrap().len(), 0);
    server.shutdown().await;
}
