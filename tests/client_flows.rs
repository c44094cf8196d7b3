//! The async client driven through a scripted runtime that checks every request it receives:
//! exact operations and bodies, SECRET_HASH, challenge sessions, device handling, refresh rules.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use support::*;

use cognito_kit::client::{AuthFlow, CognitoAuth, Config, Event, FirstFactor, NextStep};
use cognito_kit::error::TransportErrorKind;
use cognito_kit::flow::UserAnswer;
use cognito_kit::secret::ClientSecret;
use cognito_kit::storage::{MemoryStorage, Storage};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;

/// The events `auth` tells from now on, in order.
fn recorded(auth: &CognitoAuth<Mock, MemoryStorage>) -> Rc<RefCell<Vec<Event>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let seen = events.clone();
    auth.on(move |e| seen.borrow_mut().push(e.clone()));
    events
}

#[test]
fn srp_sign_in_sends_exactly_what_the_reference_client_sends() {
    let v = vector();
    let mock = Mock::default();
    let auth = client(&mock, v["inputs"]["poolName"].as_str().unwrap(), None);
    let events = recorded(&auth);
    srp_sign_in_to_verifier(&mock, &v);
    let now = (v["inputs"]["nowMillis"].as_f64().unwrap() / 1000.0) as i64;
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(now, 3600, Some("refresh-1")),
    );

    let out = block_on(auth.sign_in(
        "typed@example.com",
        Some(v["inputs"]["password"].as_str().unwrap()),
        AuthFlow::UserSrp,
    ))
    .unwrap();
    assert!(out.is_signed_in);
    assert_eq!(out.next_step, NextStep::Done);
    assert_eq!(
        mock.body(0),
        json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": "client123", "AuthParameters": {"USERNAME": "typed@example.com", "SRP_A": v["A"]}})
    );
    let respond = mock.body(1);
    assert_eq!(respond["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(respond["Session"], "s-1");
    assert_eq!(
        respond["ChallengeResponses"], v["challengeResponses"],
        "the reference client's answer, byte for byte"
    );
    assert_eq!(*events.borrow(), vec![Event::SignedIn]);

    // The session is served from storage, without a request.
    let session = block_on(auth.get_session()).unwrap();
    assert_eq!(session.username, "u-1");
    assert_eq!(mock.sent().len(), 2);
    mock.done();
}

#[test]
fn a_secret_client_sends_secret_hash_for_the_right_username() {
    let v = vector();
    let mock = Mock::default();
    let auth = client(
        &mock,
        v["inputs"]["poolName"].as_str().unwrap(),
        Some("s3cr3t"),
    );
    srp_sign_in_to_verifier(&mock, &v);
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    block_on(auth.sign_in(
        "typed@example.com",
        Some(v["inputs"]["password"].as_str().unwrap()),
        AuthFlow::UserSrp,
    ))
    .unwrap();
    let hash = |user: &str| {
        cognito_kit::secret_hash::secret_hash(&ClientSecret::new("s3cr3t"), user, "client123")
    };
    assert_eq!(
        mock.body(0)["AuthParameters"]["SECRET_HASH"],
        hash("typed@example.com")
    );
    let user_id = v["inputs"]["userIdForSrp"].as_str().unwrap();
    assert_eq!(
        mock.body(1)["ChallengeResponses"]["SECRET_HASH"],
        hash(user_id),
        "answers hash the challenge's USERNAME"
    );
}

#[test]
fn totp_mfa_wrong_code_can_be_retried_then_signs_in() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect("InitiateAuth", 200, json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "m-1", "ChallengeParameters": {"USERNAME": "u-1"}}));
    let out = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
    assert_eq!(
        mock.body(0)["AuthParameters"],
        json!({"USERNAME": "alice", "PASSWORD": "pw"})
    );
    assert_eq!(
        out,
        cognito_kit::client::SignInOutput {
            is_signed_in: false,
            next_step: NextStep::ConfirmSignInWithTotpCode
        }
    );

    mock.expect(
        "RespondToAuthChallenge",
        400,
        json!({"__type": "CodeMismatchException", "message": "Invalid code received for user"}),
    );
    let err = block_on(auth.confirm_sign_in(UserAnswer::Code("000000".into()))).unwrap_err();
    assert_eq!(err.code(), "CodeMismatchException");
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    let out = block_on(auth.confirm_sign_in(UserAnswer::Code("123456".into()))).unwrap();
    assert!(out.is_signed_in);
    assert_eq!(
        mock.body(2)["ChallengeResponses"],
        json!({"USERNAME": "u-1", "SOFTWARE_TOKEN_MFA_CODE": "123456"})
    );
    assert_eq!(mock.body(2)["Session"], "m-1");
    // Nothing is waiting any more.
    assert_eq!(
        block_on(auth.confirm_sign_in(UserAnswer::Code("1".into())))
            .unwrap_err()
            .code(),
        "InvalidState"
    );
}

#[test]
fn two_concurrent_get_session_calls_make_one_refresh() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.0.now_millis.set(1_003_590.0 * 1000.0); // within the 60 s margin
    mock.expect("InitiateAuth", 200, tokens(1_003_590, 3600, None));
    let (a, b) = block_on(async { futures::join!(auth.get_session(), auth.get_session()) });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.access_token, b.access_token);
    let refreshes: Vec<_> = mock
        .sent()
        .into_iter()
        .filter(|(_, body)| body["AuthFlow"] == "REFRESH_TOKEN_AUTH")
        .collect();
    assert_eq!(refreshes.len(), 1, "one refresh for two callers");
    assert_eq!(
        refreshes[0].1["AuthParameters"],
        json!({"REFRESH_TOKEN": "refresh-1"})
    );
    // The reply had no refresh token: the old one is kept for the next refresh.
    mock.0.now_millis.set(1_007_200.0 * 1000.0);
    mock.expect("InitiateAuth", 200, tokens(1_007_200, 3600, None));
    block_on(auth.get_session()).unwrap();
    assert_eq!(
        mock.sent().last().unwrap().1["AuthParameters"]["REFRESH_TOKEN"],
        "refresh-1"
    );
    mock.done();
}

#[test]
fn a_refresh_refused_for_the_client_secret_keeps_the_session() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.0.now_millis.set(1_004_000.0 * 1000.0);
    // The app's configuration is wrong (a rotated or mistyped secret), not the user's session.
    for message in [
        "Unable to verify secret hash for client client123",
        "Client client123 is configured for secret but secret was not received",
    ] {
        mock.expect(
            "InitiateAuth",
            400,
            json!({"__type": "NotAuthorizedException", "message": message}),
        );
        assert_eq!(
            block_on(auth.get_session()).unwrap_err().code(),
            "NotAuthorizedException"
        );
    }
    // Once mended, the same refresh token still serves.
    mock.expect("InitiateAuth", 200, tokens(1_004_000, 3600, None));
    block_on(auth.get_session()).unwrap();
    assert_eq!(
        mock.sent().last().unwrap().1["AuthParameters"]["REFRESH_TOKEN"],
        "refresh-1"
    );
    mock.done();
}

#[test]
fn a_transient_refresh_failure_keeps_the_tokens_and_an_authoritative_one_clears_them() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    let events = recorded(&auth);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.0.now_millis.set(1_004_000.0 * 1000.0);

    mock.expect_failure("InitiateAuth", TransportErrorKind::Network);
    let err = block_on(auth.get_session()).unwrap_err();
    assert_eq!(err.code(), "NetworkError");
    assert!(err.retryable());
    mock.expect_raw("InitiateAuth", 502, "<html><h1>502 Bad Gateway</h1></html>");
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotJsonReply"
    );
    mock.expect(
        "InitiateAuth",
        500,
        json!({"__type": "InternalErrorException", "message": "oops"}),
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "InternalErrorException"
    );

    // Still signed in: the next refresh uses the same refresh token and succeeds.
    mock.expect(
        "InitiateAuth",
        400,
        json!({"__type": "NotAuthorizedException", "message": "Refresh Token has been revoked"}),
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotAuthorizedException"
    );
    let refresh_tokens: Vec<_> = mock
        .sent()
        .iter()
        .skip(1)
        .map(|(_, b)| b["AuthParameters"]["REFRESH_TOKEN"].clone())
        .collect();
    assert!(refresh_tokens.iter().all(|t| t == "refresh-1"));
    // The revoked refresh token ends the session.
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    let ev = events.borrow();
    assert_eq!(ev.first(), Some(&Event::SignedIn));
    assert_eq!(ev.last(), Some(&Event::SignedOut));
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::TokenRefreshFailure(_)))
            .count(),
        4
    );
    mock.done();
}

#[test]
fn rotation_uses_get_tokens_from_refresh_token_and_keeps_the_new_token() {
    let mock = Mock::default();
    let mut config = Config::new("us-east-1_Pool", "client123");
    config.endpoint = Some("http://emulator.test/".into());
    config.refresh_token_rotation = true;
    config.client_secret = Some(ClientSecret::new("sec"));
    let auth = CognitoAuth::new(config, mock.clone(), MemoryStorage::new()).unwrap();
    signed_in(&mock, &auth, 2_000_000, 600);
    mock.0.now_millis.set(2_000_590.0 * 1000.0);
    mock.expect(
        "GetTokensFromRefreshToken",
        200,
        tokens(2_000_590, 600, Some("refresh-2")),
    );
    block_on(auth.get_session()).unwrap();
    assert_eq!(
        mock.body(1),
        json!({"RefreshToken": "refresh-1", "ClientId": "client123", "ClientSecret": "sec"})
    );
    mock.0.now_millis.set(2_001_200.0 * 1000.0);
    mock.expect(
        "GetTokensFromRefreshToken",
        200,
        tokens(2_001_200, 600, Some("refresh-3")),
    );
    block_on(auth.get_session()).unwrap();
    assert_eq!(
        mock.body(2)["RefreshToken"],
        "refresh-2",
        "the rotated token replaced the old one"
    );
}

/// A client of the vector's pool that keeps device `dk-1` for `typed@example.com`.
fn client_with_device(
    mock: &Mock,
    v: &serde_json::Value,
    remembered: bool,
) -> CognitoAuth<Mock, MemoryStorage> {
    let pool = v["inputs"]["poolName"].as_str().unwrap();
    let storage = MemoryStorage::new();
    let device_key = format!("cognito-kit.us-east-1_{pool}.client123.typed@example.com.device");
    let record = format!(
        r#"{{"device_key":"dk-1","device_group_key":"gk","device_password":"cGFzcw==","remembered":{remembered}}}"#
    );
    block_on(storage.set(&device_key, &record)).unwrap();
    let mut config = Config::new(format!("us-east-1_{pool}"), "client123");
    config.endpoint = Some("http://emulator.test/".into());
    CognitoAuth::new(config, mock.clone(), storage).unwrap()
}

#[test]
fn a_device_forgotten_by_the_service_is_dropped_and_sign_in_restarts_without_it() {
    let v = vector();
    let mock = Mock::default();
    let auth = client_with_device(&mock, &v, true);

    srp_sign_in_to_verifier(&mock, &v);
    mock.expect(
        "RespondToAuthChallenge",
        400,
        json!({"__type": "ResourceNotFoundException", "message": "Device does not exist."}),
    );
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s-2", "ChallengeParameters": {}}),
    );
    let out = block_on(auth.sign_in(
        "typed@example.com",
        Some(v["inputs"]["password"].as_str().unwrap()),
        AuthFlow::UserSrp,
    ))
    .unwrap();
    assert_eq!(out.next_step, NextStep::ConfirmSignInWithTotpCode);
    assert_eq!(mock.body(0)["AuthParameters"]["DEVICE_KEY"], "dk-1");
    assert_eq!(mock.body(1)["ChallengeResponses"]["DEVICE_KEY"], "dk-1");
    let restart = mock.body(2);
    assert!(
        restart["AuthParameters"].get("DEVICE_KEY").is_none(),
        "restarted without the device"
    );
    assert_ne!(
        restart["AuthParameters"]["SRP_A"],
        mock.body(0)["AuthParameters"]["SRP_A"],
        "a fresh a, never reused"
    );
    mock.done();
}

#[test]
fn the_device_presented_at_the_start_goes_with_the_mfa_answer() {
    let v = vector();
    let mock = Mock::default();
    let auth = client_with_device(&mock, &v, false);

    srp_sign_in_to_verifier(&mock, &v);
    mock.expect(
        "RespondToAuthChallenge",
        200,
        json!({"ChallengeName": "SMS_MFA", "Session": "s-2",
               "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*******1234", "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS"}}),
    );
    let out = block_on(auth.sign_in(
        "typed@example.com",
        Some(v["inputs"]["password"].as_str().unwrap()),
        AuthFlow::UserSrp,
    ))
    .unwrap();
    assert!(matches!(
        out.next_step,
        NextStep::ConfirmSignInWithSmsCode(_)
    ));
    let now = (v["inputs"]["nowMillis"].as_f64().unwrap() / 1000.0) as i64;
    mock.expect("RespondToAuthChallenge", 200, tokens(now, 3600, None));
    block_on(auth.confirm_sign_in(UserAnswer::Code("123456".into()))).unwrap();
    let answer = mock.body(2);
    assert_eq!(answer["ChallengeName"], "SMS_MFA");
    assert_eq!(answer["ChallengeResponses"]["SMS_MFA_CODE"], "123456");
    assert_eq!(
        answer["ChallengeResponses"]["DEVICE_KEY"], "dk-1",
        "as amazon-cognito-identity-js's sendMFACode sends it"
    );
    mock.done();
}

#[test]
fn unexpected_replies_are_typed_errors() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SOMETHING_NEW", "Session": "s"}),
    );
    assert_eq!(
        block_on(auth.sign_in("a", Some("p"), AuthFlow::UserPassword))
            .unwrap_err()
            .code(),
        "UnexpectedChallenge"
    );
    mock.expect_raw("InitiateAuth", 200, "<html>captive portal</html>");
    assert_eq!(
        block_on(auth.sign_in("a", Some("p"), AuthFlow::UserPassword))
            .unwrap_err()
            .code(),
        "NotJsonReply"
    );
    mock.expect(
        "InitiateAuth",
        400,
        json!({"__type": "UserNotConfirmedException", "message": "User is not confirmed."}),
    );
    assert_eq!(
        block_on(auth.sign_in("a", Some("p"), AuthFlow::UserPassword))
            .unwrap()
            .next_step,
        NextStep::ConfirmSignUp
    );
    assert_eq!(
        block_on(auth.sign_in("", Some("p"), AuthFlow::UserSrp))
            .unwrap_err()
            .code(),
        "InvalidArgument"
    );
    assert_eq!(
        block_on(auth.sign_in("a", None, AuthFlow::UserSrp))
            .unwrap_err()
            .code(),
        "InvalidArgument"
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    mock.done();
}

#[test]
fn sign_out_revokes_and_clears_and_global_sign_out_failure_keeps_tokens() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.expect_failure("GlobalSignOut", TransportErrorKind::Network);
    assert_eq!(
        block_on(auth.sign_out(true)).unwrap_err().code(),
        "NetworkError"
    );
    assert!(
        block_on(auth.get_session()).is_ok(),
        "tokens kept for a retry"
    );
    mock.expect("RevokeToken", 200, json!({}));
    block_on(auth.sign_out(false)).unwrap();
    assert_eq!(
        mock.sent().last().unwrap().1,
        json!({"Token": "refresh-1", "ClientId": "client123"})
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    mock.done();
}

#[test]
fn a_global_sign_out_the_service_refuses_as_revoked_ends_the_session_and_other_refusals_keep_it() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    let events = recorded(&auth);
    signed_in(&mock, &auth, 1_000_000, 3600);
    // A refusal that says nothing of the tokens (throttling, a bad request) keeps them.
    mock.expect(
        "GlobalSignOut",
        400,
        json!({"__type": "InvalidParameterException", "message": "nope"}),
    );
    assert_eq!(
        block_on(auth.sign_out(true)).unwrap_err().code(),
        "InvalidParameterException"
    );
    assert!(block_on(auth.get_session()).is_ok(), "tokens kept");
    // An access token without the scope GlobalSignOut needs (a redirect sign-in's) signs nothing
    // out: the error is the caller's and the session stays.
    mock.expect(
        "GlobalSignOut",
        400,
        json!({"__type": "NotAuthorizedException", "message": "Access Token does not have required scopes"}),
    );
    assert_eq!(
        block_on(auth.sign_out(true)).unwrap_err().code(),
        "NotAuthorizedException"
    );
    assert!(block_on(auth.get_session()).is_ok(), "tokens kept");
    // Another device signed out everywhere: the access token is revoked, nothing is left to sign
    // out, and the session ends here (once).
    let refused_then_signed_out = |code: &str, message: &str| {
        mock.expect(
            "GlobalSignOut",
            400,
            json!({"__type": code, "message": message}),
        );
        block_on(auth.sign_out(true)).unwrap();
        assert_eq!(
            block_on(auth.get_session()).unwrap_err().code(),
            "NotSignedIn"
        );
    };
    refused_then_signed_out("NotAuthorizedException", "Access Token has been revoked");
    let signed_out = events
        .borrow()
        .iter()
        .filter(|e| matches!(e, Event::SignedOut))
        .count();
    assert_eq!(signed_out, 1);
    // A deleted user's sign-out everywhere ends the session too.
    signed_in(&mock, &auth, 1_000_000, 3600);
    refused_then_signed_out("UserNotFoundException", "User does not exist.");
    mock.done();
}

#[test]
fn a_global_sign_out_whose_refresh_the_service_refuses_ends_the_session_and_succeeds() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    let events = recorded(&auth);
    signed_in(&mock, &auth, 1_000_000, 3600);
    // The app sat idle: the access token expired, and the refresh token was revoked elsewhere.
    mock.0.now_millis.set((1_000_000 + 7200) as f64 * 1000.0);
    mock.expect(
        "InitiateAuth",
        400,
        json!({"__type": "NotAuthorizedException", "message": "Refresh Token has been revoked"}),
    );
    block_on(auth.sign_out(true)).unwrap();
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    let signed_out = events
        .borrow()
        .iter()
        .filter(|e| matches!(e, Event::SignedOut))
        .count();
    assert_eq!(signed_out, 1);
    mock.done();
}

#[test]
fn global_sign_out_refreshes_an_expired_access_token_first() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    // Two hours later the stored access token has expired.
    mock.0.now_millis.set((1_000_000 + 7200) as f64 * 1000.0);
    let fresh = tokens(1_000_000 + 7200, 3600, None);
    mock.expect("InitiateAuth", 200, fresh.clone());
    mock.expect("GlobalSignOut", 200, json!({}));
    block_on(auth.sign_out(true)).unwrap();
    let sent = mock.sent();
    assert_eq!(sent[sent.len() - 2].1["AuthFlow"], "REFRESH_TOKEN_AUTH");
    assert_eq!(
        sent.last().unwrap().1,
        json!({"AccessToken": fresh["AuthenticationResult"]["AccessToken"]})
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    mock.done();
}

#[test]
fn a_sign_out_while_a_refresh_is_on_the_wire_stays_signed_out() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.0.now_millis.set(1_003_590.0 * 1000.0); // within the refresh margin
                                                 // Both requests leave before either reply: the revocation answers first.
    mock.expect("RevokeToken", 200, json!({}));
    mock.expect(
        "InitiateAuth",
        200,
        tokens(1_003_590, 3600, Some("refresh-2")),
    );
    let (signed_out, session) =
        block_on(async { futures::join!(auth.sign_out(false), auth.get_session()) });
    signed_out.unwrap();
    assert_eq!(session.unwrap_err().code(), "NotSignedIn");
    assert_eq!(
        auth.storage().keys(),
        Vec::<String>::new(),
        "the refresh wrote nothing back"
    );
    mock.done();
}

#[test]
fn signing_in_as_another_user_removes_the_previous_users_tokens() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    assert_eq!(
        auth.storage().keys(),
        [
            "cognito-kit.us-east-1_Pool.client123.lastAuthUser",
            "cognito-kit.us-east-1_Pool.client123.u-1.tokens"
        ]
    );
    let mut other = tokens(1_000_100, 3600, Some("refresh-b"));
    other["AuthenticationResult"]["IdToken"] = json!(jwt(
        json!({"sub": "sub-2", "cognito:username": "u-2", "token_use": "id", "iat": 1_000_100, "exp": 1_003_700})
    ));
    mock.expect("InitiateAuth", 200, other);
    block_on(auth.sign_in("bob", Some("pw"), AuthFlow::UserPassword)).unwrap();
    assert_eq!(
        auth.storage().keys(),
        [
            "cognito-kit.us-east-1_Pool.client123.lastAuthUser",
            "cognito-kit.us-east-1_Pool.client123.u-2.tokens"
        ]
    );
    assert_eq!(block_on(auth.get_session()).unwrap().username, "u-2");
    mock.done();
}

#[test]
fn reads_are_retried_with_backoff_but_sign_in_never_is() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_000_000, 3600);
    mock.expect_failure("GetUser", TransportErrorKind::Network);
    mock.expect(
        "GetUser",
        500,
        json!({"__type": "InternalErrorException", "message": "x"}),
    );
    mock.expect(
        "GetUser",
        200,
        json!({"Username": "u-1", "UserAttributes": [{"Name": "email", "Value": "a@example.com"}]}),
    );
    let user = block_on(auth.get_user()).unwrap();
    assert_eq!(user.username, "u-1");
    assert_eq!(
        mock.sent().iter().filter(|(op, _)| op == "GetUser").count(),
        3
    );
    // A third failure is reported, not retried forever.
    for _ in 0..3 {
        mock.expect_failure("GetUser", TransportErrorKind::Network);
    }
    assert_eq!(
        block_on(auth.get_user()).unwrap_err().code(),
        "NetworkError"
    );
    // A sign-in that meets a network failure is not replayed.
    mock.expect("RevokeToken", 200, json!({}));
    block_on(auth.sign_out(false)).unwrap();
    mock.expect_failure("InitiateAuth", TransportErrorKind::Network);
    assert_eq!(
        block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword))
            .unwrap_err()
            .code(),
        "NetworkError"
    );
    mock.done();
}

#[test]
fn records_stored_by_earlier_versions_still_load() {
    // The shape the serde-based version wrote (refresh_token as null, members in field order),
    // with a member a later version might add: a signed-in user stays signed in across upgrades.
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    let now = 3_000_000;
    let id = jwt(
        json!({"sub": "s-1", "cognito:username": "u-1", "token_use": "id", "iat": now, "exp": now + 3600, "email": "old@example.com"}),
    );
    let access = jwt(
        json!({"sub": "s-1", "username": "u-1", "token_use": "access", "iat": now, "exp": now + 3600}),
    );
    let record = json!({
        "username": "u-1",
        "signed_in_as": "old@example.com",
        "id_token": id,
        "access_token": access,
        "refresh_token": null,
        "clock_drift": 0,
        "added_later": {"nested": [1, 2]},
    });
    let prefix = "cognito-kit.us-east-1_Pool.client123";
    block_on(storage.set(&format!("{prefix}.lastAuthUser"), "u-1")).unwrap();
    block_on(storage.set(&format!("{prefix}.u-1.tokens"), &record.to_string())).unwrap();
    let mut config = Config::new("us-east-1_Pool", "client123");
    config.endpoint = Some("http://emulator.test/".into());
    let auth = CognitoAuth::new(config, mock.clone(), storage).unwrap();
    mock.0.now_millis.set((now as f64 + 10.0) * 1000.0);
    let session = block_on(auth.get_session()).unwrap();
    assert_eq!(session.username, "u-1");
    assert_eq!(session.id_token.expose_secret(), id);
    mock.done();
}

#[test]
fn choice_based_sign_in_sends_what_the_service_asks_for() {
    let v = vector();
    let mock = Mock::default();
    let auth = client(&mock, v["inputs"]["poolName"].as_str().unwrap(), None);

    // A preferred factor the user has starts at once.
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "EMAIL_OTP", "Session": "e-1", "ChallengeParameters": {
            "USERNAME": "u-1", "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": "a***@e***"}}),
    );
    let out = block_on(auth.sign_in(
        "alice",
        None,
        AuthFlow::UserAuth(Some(FirstFactor::EmailOtp)),
    ))
    .unwrap();
    assert_eq!(
        mock.body(0),
        json!({"AuthFlow": "USER_AUTH", "ClientId": "client123",
               "AuthParameters": {"USERNAME": "alice", "PREFERRED_CHALLENGE": "EMAIL_OTP"}})
    );
    assert!(
        matches!(&out.next_step, NextStep::ConfirmSignInWithEmailCode(d)
            if d.destination.as_deref() == Some("a***@e***")),
        "{out:?}"
    );
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    assert!(
        block_on(auth.confirm_sign_in(UserAnswer::Code("123456".into())))
            .unwrap()
            .is_signed_in
    );
    assert_eq!(
        mock.body(1),
        json!({"ChallengeName": "EMAIL_OTP", "ClientId": "client123", "Session": "e-1",
               "ChallengeResponses": {"USERNAME": "u-1", "EMAIL_OTP_CODE": "123456"}})
    );

    // No preferred factor: the user chooses. PASSWORD_SRP asks for the password without a
    // request, then sends SRP's A with the choice and answers PASSWORD_VERIFIER exactly as the
    // reference client does.
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SELECT_CHALLENGE", "Session": "sel-1", "ChallengeParameters": {},
               "AvailableChallenges": ["PASSWORD_SRP", "EMAIL_OTP"]}),
    );
    let out = block_on(auth.sign_in("typed@example.com", None, AuthFlow::UserAuth(None))).unwrap();
    assert_eq!(
        out.next_step,
        NextStep::ContinueSignInWithFirstFactorSelection(vec![
            "PASSWORD_SRP".into(),
            "EMAIL_OTP".into()
        ])
    );
    assert_eq!(
        mock.body(2)["AuthParameters"],
        json!({"USERNAME": "typed@example.com"})
    );
    let refused = block_on(auth.confirm_sign_in(UserAnswer::Choice("SMS_OTP".into()))).unwrap_err();
    assert_eq!(refused.code(), "InvalidArgument", "{refused}");
    let out = block_on(auth.confirm_sign_in(UserAnswer::Choice("PASSWORD_SRP".into()))).unwrap();
    assert_eq!(out.next_step, NextStep::ConfirmSignInWithPassword);
    assert_eq!(
        mock.sent().len(),
        3,
        "choosing a password factor sends nothing"
    );

    verifier_challenge_after(&mock, &v, "RespondToAuthChallenge", "s-2");
    let i = &v["inputs"];
    let now = (i["nowMillis"].as_f64().unwrap() / 1000.0) as i64;
    mock.expect("RespondToAuthChallenge", 200, tokens(now, 3600, Some("r")));
    let password = i["password"].as_str().unwrap();
    let out = block_on(auth.confirm_sign_in(UserAnswer::Password(password.into()))).unwrap();
    assert_eq!(out.next_step, NextStep::Done);
    assert_eq!(
        mock.body(3),
        json!({"ChallengeName": "SELECT_CHALLENGE", "ClientId": "client123", "Session": "sel-1",
               "ChallengeResponses": {"USERNAME": "typed@example.com", "ANSWER": "PASSWORD_SRP",
                                      "SRP_A": v["A"]}})
    );
    assert_eq!(mock.body(4)["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(mock.body(4)["Session"], "s-2");
    assert_eq!(
        mock.body(4)["ChallengeResponses"],
        v["challengeResponses"],
        "the reference client's answer, byte for byte"
    );

    // A confirmed sign-up's session signs that user in once, without a factor.
    mock.expect("ConfirmSignUp", 200, json!({"Session": "su-1"}));
    block_on(auth.confirm_sign_up("newbie", "654321")).unwrap();
    mock.expect("InitiateAuth", 200, tokens(1_795_000_000, 3600, Some("r2")));
    assert!(block_on(auth.auto_sign_in()).unwrap().is_signed_in);
    assert_eq!(
        mock.body(6),
        json!({"AuthFlow": "USER_AUTH", "ClientId": "client123",
               "AuthParameters": {"USERNAME": "newbie"}, "Session": "su-1"})
    );
    assert_eq!(
        block_on(auth.auto_sign_in()).unwrap_err().code(),
        "InvalidState",
        "the session serves once"
    );
    // A password is sent only with its factor.
    let err = block_on(auth.sign_in(
        "alice",
        Some("pw"),
        AuthFlow::UserAuth(Some(FirstFactor::SmsOtp)),
    ))
    .unwrap_err();
    assert_eq!(err.code(), "InvalidArgument");
    mock.done();
}

#[test]
fn a_passkey_answers_web_authn_and_a_declined_one_lets_the_user_choose_again() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", Some("s3cr3t"));
    let options = r#"{"challenge":"Y2hhbGxlbmdl","rpId":"localhost","allowCredentials":[{"id":"Y3JlZA","type":"public-key"}],"userVerification":"required"}"#;
    let challenge = json!({"ChallengeName": "WEB_AUTHN", "Session": "w-1", "ChallengeParameters": {
        "USERNAME": "u-1", "CREDENTIAL_REQUEST_OPTIONS": options}});
    let assertion = r#"{"id":"Y3JlZA","rawId":"Y3JlZA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"},"clientExtensionResults":{}}"#;

    // The platform's assertion goes back as CREDENTIAL, with SECRET_HASH for the challenge's USERNAME.
    mock.expect("InitiateAuth", 200, challenge.clone());
    mock.0.passkeys.borrow_mut().push_back(Ok(assertion.into()));
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    let out = block_on(auth.sign_in(
        "alice",
        None,
        AuthFlow::UserAuth(Some(FirstFactor::WebAuthn)),
    ))
    .unwrap();
    assert_eq!(out.next_step, NextStep::Done);
    assert_eq!(
        mock.0.ceremonies.borrow()[0],
        (
            false,
            serde_json::from_str::<serde_json::Value>(options).unwrap()
        ),
        "the service's request options, as sent"
    );
    let hash = |user: &str| {
        cognito_kit::secret_hash::secret_hash(&ClientSecret::new("s3cr3t"), user, "client123")
    };
    assert_eq!(
        mock.body(1),
        json!({"ChallengeName": "WEB_AUTHN", "ClientId": "client123", "Session": "w-1",
               "ChallengeResponses": {"USERNAME": "u-1", "CREDENTIAL": assertion, "SECRET_HASH": hash("u-1")}})
    );

    // Declined: the platform's error, and the sign-in goes on with the factor chosen next (a new
    // USER_AUTH that prefers it), here the password, proven with SRP.
    mock.expect("InitiateAuth", 200, challenge);
    mock.0
        .passkeys
        .borrow_mut()
        .push_back(Err(cognito_kit::error::Error::Passkey(
            cognito_kit::error::PasskeyError {
                kind: cognito_kit::error::PasskeyErrorKind::from_dom_exception("NotAllowedError"),
                message: "The operation either timed out or was not allowed.".into(),
            },
        )));
    let err = block_on(auth.sign_in(
        "alice",
        None,
        AuthFlow::UserAuth(Some(FirstFactor::WebAuthn)),
    ))
    .unwrap_err();
    assert_eq!(err.code(), "PasskeyCanceled");
    assert_eq!(mock.sent().len(), 3, "nothing sent after the decline");
    let out = block_on(auth.confirm_sign_in(UserAnswer::Choice("PASSWORD_SRP".into()))).unwrap();
    assert_eq!(out.next_step, NextStep::ConfirmSignInWithPassword);
    mock.expect(
        "InitiateAuth",
        400,
        json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."}),
    );
    let err = block_on(auth.confirm_sign_in(UserAnswer::Password("pw".into()))).unwrap_err();
    assert_eq!(err.code(), "NotAuthorizedException");
    let restart = mock.body(3);
    assert_eq!(restart["AuthFlow"], "USER_AUTH");
    assert_eq!(
        restart["AuthParameters"]["PREFERRED_CHALLENGE"],
        "PASSWORD_SRP"
    );
    assert_eq!(restart["AuthParameters"]["USERNAME"], "alice");
    assert_eq!(restart["AuthParameters"]["SECRET_HASH"], hash("alice"));
    assert_eq!(
        restart["AuthParameters"]["SRP_A"].as_str().map(str::len),
        Some(768)
    );
    assert!(
        restart.get("Session").is_none(),
        "a new sign-in, not the declined one's session"
    );
    mock.done();
}

#[test]
fn a_redirect_sign_in_checks_state_and_the_id_token_and_stores_the_session() {
    use cognito_kit::client::{OAuthConfig, RedirectOptions};
    let mock = Mock::default();
    mock.0.now_millis.set(1_795_000_000_000.0);
    let mut config = Config::new("us-east-1_Pool", "client123");
    config.endpoint = Some("http://emulator.test/".into());
    let mut oauth = OAuthConfig::new("auth.example.com/", "https://app.example/cb");
    oauth.redirect_sign_out = Some("https://app.example/bye".into());
    config.oauth = Some(oauth);
    let auth = CognitoAuth::new(config, mock.clone(), MemoryStorage::new()).unwrap();
    let key = "cognito-kit.us-east-1_Pool.client123.oauth";
    let start = |custom: Option<&str>| -> String {
        block_on(auth.sign_in_with_redirect(RedirectOptions {
            provider: Some("Google".into()),
            custom_state: custom.map(String::from),
            ..RedirectOptions::default()
        }))
        .unwrap();
        let (to, replace) = mock.0.navigated.borrow().last().cloned().unwrap();
        assert!(!replace);
        to
    };
    // The query's value of `name`, percent-decoded.
    let param = |u: &String, name: &str| -> Option<String> {
        let query = u.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| {
                let mut out = Vec::new();
                let b = v.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'%' {
                        out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            })
        })
    };
    let id_token = |nonce: &str, aud: &str, iss: &str, exp: i64| {
        jwt(
            json!({"sub": "s-1", "cognito:username": "u-1", "email": "a@example.com", "token_use": "id",
                   "nonce": nonce, "aud": aud, "iss": iss, "iat": 1_795_000_000, "exp": exp}),
        )
    };
    let issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";
    let tokens = |id: String| {
        json!({"id_token": id, "access_token": jwt(json!({"sub": "s-1", "username": "u-1", "token_use": "access",
               "iat": 1_795_000_000, "exp": 1_795_003_600})), "refresh_token": "rt-1", "expires_in": 3600,
               "token_type": "Bearer"}).to_string()
    };

    // The authorize URL: PKCE S256 over the verifier kept in storage, state, nonce, the provider.
    let to = start(Some("shop"));
    assert_eq!(
        to.split('?').next(),
        Some("https://auth.example.com/oauth2/authorize")
    );
    let kept: serde_json::Value =
        serde_json::from_str(&block_on(auth.storage().get(key)).unwrap().unwrap()).unwrap();
    let verifier = kept["verifier"].as_str().unwrap();
    assert_eq!(verifier.len(), 43);
    let challenge =
        cognito_kit::encoding::base64url_encode(&cognito_kit::hash::sha256(&[verifier.as_bytes()]));
    assert_eq!(
        param(&to, "code_challenge").as_deref(),
        Some(challenge.as_str())
    );
    assert_eq!(param(&to, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param(&to, "identity_provider").as_deref(), Some("Google"));
    assert_eq!(
        param(&to, "redirect_uri").as_deref(),
        Some("https://app.example/cb")
    );
    assert_eq!(param(&to, "client_id").as_deref(), Some("client123"));
    assert_eq!(
        param(&to, "scope").as_deref(),
        Some("phone email openid profile aws.cognito.signin.user.admin")
    );
    let (state, nonce) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
    assert_eq!(kept["state"], state.as_str());
    assert_eq!(kept["nonce"], nonce.as_str());

    // Each token that is not this sign-in's is refused, and nothing is stored.
    for (bad, field) in [
        (
            id_token("other", "client123", issuer, 1_795_003_600),
            "nonce",
        ),
        (
            id_token(&nonce, "another-client", issuer, 1_795_003_600),
            "aud",
        ),
        (
            id_token(
                &nonce,
                "client123",
                "https://evil.example/us-east-1_Pool",
                1_795_003_600,
            ),
            "iss",
        ),
        (id_token(&nonce, "client123", issuer, 1_794_990_000), "exp"),
    ] {
        let to = start(None);
        let (state, nonce2) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
        let bad = if field == "nonce" {
            bad
        } else {
            // The same claims with this attempt's nonce.
            let claims: serde_json::Value = serde_json::from_slice(
                &cognito_kit::encoding::base64url_decode(bad.split('.').nth(1).unwrap(), "t")
                    .unwrap(),
            )
            .unwrap();
            let mut claims = claims;
            claims["nonce"] = json!(nonce2);
            jwt(claims)
        };
        mock.0.domain.borrow_mut().push_back((200, tokens(bad)));
        let err = block_on(
            auth.handle_redirect(&format!("https://app.example/cb?code=c-1&state={state}")),
        )
        .unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(
            block_on(auth.get_session()).unwrap_err().code(),
            "NotSignedIn"
        );
        assert_eq!(
            block_on(auth.storage().get(key)).unwrap(),
            None,
            "the record serves once"
        );
    }

    // The right one: the code exchange as RFC 6749 asks, then a session like any sign-in's.
    let to = start(Some("shop"));
    let (state, nonce) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
    let verifier = serde_json::from_str::<serde_json::Value>(
        &block_on(auth.storage().get(key)).unwrap().unwrap(),
    )
    .unwrap()["verifier"]
        .as_str()
        .unwrap()
        .to_string();
    mock.0.domain.borrow_mut().push_back((
        200,
        tokens(id_token(&nonce, "client123", issuer, 1_795_003_600)),
    ));
    let done = block_on(auth.handle_redirect(&format!(
        "https://app.example/cb?code=c%2B2&state={state}&tab=1"
    )))
    .unwrap();
    assert_eq!(
        done,
        cognito_kit::client::Redirected {
            signed_in: true,
            custom_state: Some("shop".into())
        }
    );
    let (method, url, authorization, form) = mock.0.domain_sent.borrow().last().cloned().unwrap();
    assert_eq!(
        (method.as_str(), url.as_str(), authorization),
        ("POST", "https://auth.example.com/oauth2/token", None)
    );
    assert_eq!(
        form.unwrap(),
        format!("grant_type=authorization_code&client_id=client123&code=c%2B2&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier={verifier}")
    );
    assert_eq!(
        mock.0.navigated.borrow().last().cloned(),
        Some(("https://app.example/cb?tab=1".to_string(), true)),
        "the code leaves the address bar"
    );
    assert_eq!(block_on(auth.get_session()).unwrap().username, "u-1");

    // A callback with an error, and a tampered state.
    let to = start(None);
    let state = param(&to, "state").unwrap();
    let err = block_on(auth.handle_redirect(&format!(
        "https://app.example/cb?error=access_denied&error_description=No%20thanks&state={state}"
    )))
    .unwrap_err();
    assert_eq!(
        (err.code(), err.to_string().contains("No thanks")),
        ("access_denied", true)
    );
    start(None);
    let err =
        block_on(auth.handle_redirect("https://app.example/cb?code=c-3&state=forged")).unwrap_err();
    assert_eq!(err.code(), "UnexpectedResponse");
    assert_eq!(mock.0.domain.borrow().len(), 0);

    // An error is only reported with this tab's state: a crafted link (no state, or another one)
    // cannot put a code and text of its choosing in front of the user.
    for query in [
        "error=NotAuthorizedException&error_description=Call%20555".to_string(),
        "error=access_denied&state=forged".to_string(),
    ] {
        start(None);
        let err =
            block_on(auth.handle_redirect(&format!("https://app.example/cb?{query}"))).unwrap_err();
        assert_eq!(err.code(), "UnexpectedResponse", "{query}: {err}");
        assert!(err.to_string().contains("state"), "{query}: {err}");
        assert!(!err.to_string().contains("555"), "{err}");
        assert_eq!(block_on(auth.storage().get(key)).unwrap(), None);
    }
    // An empty `error` with the right state still has a code.
    let to = start(None);
    let state = param(&to, "state").unwrap();
    let err =
        block_on(auth.handle_redirect(&format!("https://app.example/cb?error=&state={state}")))
            .unwrap_err();
    assert_eq!(err.code(), "invalid_request");

    // A token type other than Bearer, and a proxy's page instead of the token reply.
    let to = start(None);
    let (state, nonce) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
    let mac = tokens(id_token(&nonce, "client123", issuer, 1_795_003_600)).replace("Bearer", "mac");
    mock.0.domain.borrow_mut().push_back((200, mac));
    let err =
        block_on(auth.handle_redirect(&format!("https://app.example/cb?code=c-4&state={state}")))
            .unwrap_err();
    assert!(err.to_string().contains("token_type"), "{err}");
    let to = start(None);
    let state = param(&to, "state").unwrap();
    mock.0
        .domain
        .borrow_mut()
        .push_back((502, "<html>Bad Gateway</html>".into()));
    let err =
        block_on(auth.handle_redirect(&format!("https://app.example/cb?code=c-5&state={state}")))
            .unwrap_err();
    assert_eq!(err.code(), "NotJsonReply");
    assert!(err.retryable(), "a 502 may be tried again: {err:?}");
    assert!(err.to_string().contains("502"), "{err}");
    let raw = |err: &cognito_kit::Error| match err {
        cognito_kit::Error::Protocol(p) => p.raw.clone(),
        other => panic!("not a protocol error: {other:?}"),
    };
    assert_eq!(
        raw(&err).as_deref(),
        Some("<html>Bad Gateway</html>"),
        "a proxy's page is kept"
    );
    // A token reply cut short: it is not JSON, and no part of it (tokens) is kept in the error.
    let to = start(None);
    let (state, nonce) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
    let whole = tokens(id_token(&nonce, "client123", issuer, 1_795_003_600));
    mock.0
        .domain
        .borrow_mut()
        .push_back((200, whole[..whole.len() / 2].to_string()));
    let err =
        block_on(auth.handle_redirect(&format!("https://app.example/cb?code=c-7&state={state}")))
            .unwrap_err();
    assert_eq!(err.code(), "NotJsonReply");
    assert_eq!(raw(&err), None, "a 2xx body keeps nothing: {err:?}");
    assert!(!format!("{err:?}{err}").contains("eyJ"), "{err:?}");

    // A pool whose issuer is in the newer form (`IssuerConfiguration` `UPDATED`).
    let to = start(None);
    let (state, nonce) = (param(&to, "state").unwrap(), param(&to, "nonce").unwrap());
    let updated = "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";
    mock.0.domain.borrow_mut().push_back((
        200,
        tokens(id_token(&nonce, "client123", updated, 1_795_003_600)),
    ));
    let done =
        block_on(auth.handle_redirect(&format!("https://app.example/cb?code=c-6&state={state}")))
            .unwrap();
    assert!(done.signed_in);
    assert_eq!(mock.0.domain.borrow().len(), 0);
    mock.done();
}

#[test]
fn a_redirect_sign_in_without_the_openid_scope_is_refused_before_it_leaves() {
    use cognito_kit::client::{OAuthConfig, RedirectOptions};
    let mock = Mock::default();
    let mut config = Config::new("us-east-1_Pool", "client123");
    let mut oauth = OAuthConfig::new("auth.example.com", "https://app.example/cb");
    oauth.scopes = vec!["email".into(), "profile".into()];
    config.oauth = Some(oauth);
    let auth = CognitoAuth::new(config, mock.clone(), MemoryStorage::new()).unwrap();
    let err = block_on(auth.sign_in_with_redirect(RedirectOptions::default())).unwrap_err();
    assert_eq!(err.code(), "InvalidArgument");
    assert!(err.to_string().contains("openid"), "{err}");
    assert!(mock.0.navigated.borrow().is_empty());
    assert_eq!(
        block_on(
            auth.storage()
                .get("cognito-kit.us-east-1_Pool.client123.oauth")
        )
        .unwrap(),
        None
    );
}
