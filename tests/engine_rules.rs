//! The rules the one engine settled (the package and Rust apps run the same code), each fed scripted
//! replies and checked on the requests it sends and what it stores. Each test fails on the behaviour
//! one of the two former clients had.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use support::*;

use cognito_kit::client::{AuthFlow, CognitoAuth, Config, NextStep};
use cognito_kit::flow::UserAnswer;
use cognito_kit::storage::{MemoryStorage, Storage};
use serde_json::{json, Value};

const PREFIX: &str = "cognito-kit.us-east-1_Pool.client123";

fn key(rest: &str) -> String {
    format!("{PREFIX}.{rest}")
}

fn stored(auth: &CognitoAuth<Mock, MemoryStorage>, rest: &str) -> Option<String> {
    block_on(auth.storage().get(&key(rest))).unwrap()
}

fn device_record(remembered: bool) -> String {
    json!({"device_key": "us-east-1_dk", "device_group_key": "-gk", "device_password": "cGFzcw==", "remembered": remembered})
        .to_string()
}

fn with_storage<S: Storage>(mock: &Mock, storage: S) -> CognitoAuth<Mock, S> {
    let mut config = Config::new("us-east-1_Pool", "client123");
    config.endpoint = Some("http://emulator.test/".into());
    CognitoAuth::new(config, mock.clone(), storage).unwrap()
}

/// Scripts `operation` refused with "Access Token has expired" (the service's clock ahead of this
/// one), then the refresh the engine makes.
fn expect_expired_then_refresh(mock: &Mock, operation: &'static str) {
    mock.expect(
        operation,
        400,
        error("NotAuthorizedException", "Access Token has expired"),
    );
    mock.expect("InitiateAuth", 200, tokens(1_795_000_010, 3600, None));
}

fn error(code: &str, message: &str) -> Value {
    json!({"__type": code, "message": message})
}

#[test]
fn a_token_with_a_claim_given_twice_is_refused_and_nothing_is_stored() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    let good = tokens(1_795_000_000, 3600, Some("r"));
    // The same payload with `cognito:username` given twice: readers would disagree on the user.
    let payload = r#"{"sub":"s","cognito:username":"alice","cognito:username":"admin","iat":1795000000,"exp":1795003600}"#;
    let forged = format!(
        "{}.{}.c2ln",
        cognito_kit::encoding::base64url_encode(br#"{"alg":"RS256"}"#),
        cognito_kit::encoding::base64url_encode(payload.as_bytes())
    );
    let mut reply = good.clone();
    reply["AuthenticationResult"]["IdToken"] = json!(forged);
    mock.expect("InitiateAuth", 200, reply);
    let err = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap_err();
    assert_eq!(err.code(), "MalformedToken");
    assert!(
        auth.storage().keys().is_empty(),
        "{:?}",
        auth.storage().keys()
    );
}

#[test]
fn a_peer_that_never_stops_challenging_is_refused_after_ten_rounds() {
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    block_on(storage.set(&key("alice.device"), &device_record(true))).unwrap();
    let auth = with_storage(&mock, storage);
    let again = json!({"ChallengeName": "DEVICE_SRP_AUTH", "Session": "s", "ChallengeParameters": {"USERNAME": "alice"}});
    mock.expect("InitiateAuth", 200, again.clone());
    for _ in 0..10 {
        mock.expect("RespondToAuthChallenge", 200, again.clone());
    }
    let err = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap_err();
    assert_eq!(err.code(), "UnexpectedChallenge");
    assert!(err.to_string().contains("more than ten"), "{err}");
    mock.done();
}

#[test]
fn a_sign_in_that_answers_after_a_sign_out_stores_nothing() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect("InitiateAuth", 200, tokens(1_795_000_000, 3600, Some("r")));
    // The sign-out runs while the sign-in's request is on the wire (the mock yields there).
    let (signed_in, signed_out) = block_on(futures::future::join(
        auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword),
        auth.sign_out(false),
    ));
    signed_out.unwrap();
    assert_eq!(signed_in.unwrap_err().code(), "InvalidState");
    assert!(
        auth.storage().keys().is_empty(),
        "{:?}",
        auth.storage().keys()
    );
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
}

#[test]
fn a_wrong_code_that_answers_after_a_newer_sign_in_does_not_bring_the_old_step_back() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "old", "ChallengeParameters": {}}),
    );
    block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
    mock.expect(
        "RespondToAuthChallenge",
        400,
        error("CodeMismatchException", "Invalid code"),
    );
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SMS_MFA", "Session": "new", "ChallengeParameters": {}}),
    );
    let (wrong, newer) = block_on(futures::future::join(
        auth.confirm_sign_in(UserAnswer::Code("000000".into())),
        auth.sign_in("bob", Some("pw"), AuthFlow::UserPassword),
    ));
    assert_eq!(wrong.unwrap_err().code(), "CodeMismatchException");
    assert!(matches!(
        newer.unwrap().next_step,
        NextStep::ConfirmSignInWithSmsCode(_)
    ));
    // The pending step is the newer sign-in's: its answer goes with its session.
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    block_on(auth.confirm_sign_in(UserAnswer::Code("123456".into()))).unwrap();
    let last = mock.body(3);
    assert_eq!(last["Session"], "new");
    assert_eq!(last["ChallengeName"], "SMS_MFA");
}

#[test]
fn sign_out_clears_a_damaged_session() {
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    block_on(storage.set(&key("lastAuthUser"), "u-1")).unwrap();
    block_on(storage.set(&key("u-1.tokens"), "{ not json")).unwrap();
    block_on(storage.set(&key("alice.device"), &device_record(true))).unwrap();
    let auth = with_storage(&mock, storage);
    assert_eq!(
        block_on(auth.get_session()).unwrap_err().code(),
        "NotSignedIn"
    );
    block_on(auth.sign_out(false)).unwrap();
    assert_eq!(
        auth.storage().keys(),
        vec![key("alice.device")],
        "the device stays"
    );
    mock.done();
}

#[test]
fn a_record_that_names_another_user_inside_is_removed_from_its_own_key() {
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    let now = 1_795_000_000;
    let t = tokens(now, 3600, None);
    let record = json!({"username": "someone-else", "id_token": t["AuthenticationResult"]["IdToken"],
        "access_token": t["AuthenticationResult"]["AccessToken"]});
    block_on(storage.set(&key("lastAuthUser"), "u-1")).unwrap();
    block_on(storage.set(&key("u-1.tokens"), &record.to_string())).unwrap();
    let auth = with_storage(&mock, storage);
    mock.0.now_millis.set(now as f64 * 1000.0);
    block_on(auth.sign_out(false)).unwrap();
    assert!(
        auth.storage().keys().is_empty(),
        "{:?}",
        auth.storage().keys()
    );
}

#[test]
fn delete_user_removes_the_device_kept_for_the_user() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    block_on(
        auth.storage()
            .set(&key("alice.device"), &device_record(true)),
    )
    .unwrap();
    mock.expect("DeleteUser", 200, json!({}));
    block_on(auth.delete_user()).unwrap();
    assert!(
        auth.storage().keys().is_empty(),
        "{:?}",
        auth.storage().keys()
    );
    mock.done();
}

#[test]
fn records_without_signed_in_as_or_with_a_fractional_drift_still_load() {
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    let now = 1_795_000_000;
    let t = tokens(now, 3600, Some("r-1"));
    let record = json!({"username": "u-1", "id_token": t["AuthenticationResult"]["IdToken"],
        "access_token": t["AuthenticationResult"]["AccessToken"], "refresh_token": "r-1", "clock_drift": 1.5});
    block_on(storage.set(&key("lastAuthUser"), "u-1")).unwrap();
    block_on(storage.set(&key("u-1.tokens"), &record.to_string())).unwrap();
    // The device is kept under the typed name, which such a record lacks: the username stands in.
    block_on(storage.set(&key("u-1.device"), &device_record(true))).unwrap();
    let auth = with_storage(&mock, storage);
    mock.0.now_millis.set(now as f64 * 1000.0);
    assert_eq!(block_on(auth.get_session()).unwrap().username, "u-1");
    mock.expect("InitiateAuth", 200, tokens(now, 3600, None));
    block_on(auth.refresh_session()).unwrap();
    assert_eq!(
        mock.body(0)["AuthParameters"],
        json!({"REFRESH_TOKEN": "r-1", "DEVICE_KEY": "us-east-1_dk"})
    );
    let saved: Value = serde_json::from_str(&stored(&auth, "u-1.tokens").unwrap()).unwrap();
    assert_eq!(saved["signed_in_as"], "u-1");
    assert_eq!(
        saved["refresh_token"], "r-1",
        "a reply without one keeps it"
    );
}

#[test]
fn both_tokens_are_read_when_they_arrive() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    let mut reply = tokens(1_795_000_000, 3600, Some("r"));
    reply["AuthenticationResult"]["AccessToken"] = json!("not.a.jwt");
    mock.expect("InitiateAuth", 200, reply);
    let err = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap_err();
    assert_eq!(err.code(), "MalformedToken");
    assert!(auth.storage().keys().is_empty());

    // At refresh: a new ID token that does not decode leaves the stored session as it was.
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    let before = stored(&auth, "u-1.tokens");
    let mut refreshed = tokens(1_795_000_100, 3600, None);
    refreshed["AuthenticationResult"]["IdToken"] = json!("x.y.z");
    mock.expect("InitiateAuth", 200, refreshed);
    assert_eq!(
        block_on(auth.refresh_session()).unwrap_err().code(),
        "MalformedToken"
    );
    assert_eq!(stored(&auth, "u-1.tokens"), before);
}

#[test]
fn a_refresh_reply_without_tokens_is_one_error_whichever_operation() {
    for rotation in [false, true] {
        let mock = Mock::default();
        let mut config = Config::new("us-east-1_Pool", "client123");
        config.endpoint = Some("http://emulator.test/".into());
        config.refresh_token_rotation = rotation;
        let auth = CognitoAuth::new(config, mock.clone(), MemoryStorage::new()).unwrap();
        signed_in(&mock, &auth, 1_795_000_000, 3600);
        let operation = if rotation {
            "GetTokensFromRefreshToken"
        } else {
            "InitiateAuth"
        };
        mock.expect(operation, 200, json!({}));
        let err = block_on(auth.refresh_session()).unwrap_err();
        assert_eq!(err.code(), "UnexpectedResponse", "rotation {rotation}");
        mock.done();
    }
}

#[test]
fn remember_device_refuses_a_partial_device_record() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    let partial = r#"{"device_key":"us-east-1_dk","remembered":false}"#;
    block_on(auth.storage().set(&key("alice.device"), partial)).unwrap();
    assert_eq!(
        block_on(auth.remember_device()).unwrap_err().code(),
        "InvalidState"
    );
    assert_eq!(stored(&auth, "alice.device").as_deref(), Some(partial));
    mock.done();
}

#[test]
fn mfa_methods_are_named_as_amplify_names_them_and_the_session_has_the_claims() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect(
        "InitiateAuth",
        200,
        json!({"ChallengeName": "SELECT_MFA_TYPE", "Session": "s",
        "ChallengeParameters": {"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"}}),
    );
    let out = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
    assert_eq!(
        out.next_step,
        NextStep::ContinueSignInWithMfaSelection(vec!["SMS".into(), "TOTP".into()])
    );
    mock.expect(
        "RespondToAuthChallenge",
        200,
        json!({"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s2", "ChallengeParameters": {}}),
    );
    block_on(auth.confirm_sign_in(UserAnswer::Choice("TOTP".into()))).unwrap();
    assert_eq!(
        mock.body(1)["ChallengeResponses"],
        json!({"USERNAME": "alice", "ANSWER": "SOFTWARE_TOKEN_MFA"})
    );
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    mock.0.now_millis.set(1_795_000_000_000.0);
    block_on(auth.confirm_sign_in(UserAnswer::Code("123456".into()))).unwrap();
    let session = block_on(auth.get_session()).unwrap();
    assert_eq!(
        session
            .id_token_claims
            .get("email")
            .and_then(|v| v.as_str()),
        Some("alice@example.com")
    );
}

#[test]
fn an_access_token_the_service_calls_expired_is_refreshed_once_and_the_call_made_again() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    // Fresh by the local clock; the service's clock (or a sleeping laptop) disagrees.
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    expect_expired_then_refresh(&mock, "GetUser");
    mock.expect(
        "GetUser",
        200,
        json!({"Username": "u-1", "UserAttributes": []}),
    );
    let user = block_on(auth.get_user()).unwrap();
    assert_eq!(user.username, "u-1");
    assert_eq!(mock.body(2)["AuthFlow"], "REFRESH_TOKEN_AUTH");
    assert_ne!(
        mock.body(3)["AccessToken"],
        mock.body(1)["AccessToken"],
        "sent again with the new token"
    );
    assert!(stored(&auth, "u-1.tokens").is_some(), "the session stays");

    // A revoked token is not an expired one: no refresh, the error as it came.
    mock.expect(
        "GetUser",
        400,
        error("NotAuthorizedException", "Access Token has been revoked"),
    );
    assert_eq!(
        block_on(auth.get_user()).unwrap_err().code(),
        "NotAuthorizedException"
    );
    mock.done();
}

#[test]
fn new_password_required_stays_open_after_a_password_the_policy_refuses() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect("InitiateAuth", 200, json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "np",
        "ChallengeParameters": {"USERNAME": "u-1", "requiredAttributes": "[]", "userAttributes": "{}"}}));
    block_on(auth.sign_in("alice", Some("Temp-1234"), AuthFlow::UserPassword)).unwrap();
    mock.expect(
        "RespondToAuthChallenge",
        400,
        error(
            "InvalidPasswordException",
            "Password did not conform with policy",
        ),
    );
    let weak = UserAnswer::NewPassword {
        password: "short".into(),
        attributes: Default::default(),
    };
    assert_eq!(
        block_on(auth.confirm_sign_in(weak)).unwrap_err().code(),
        "InvalidPasswordException"
    );
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    let strong = UserAnswer::NewPassword {
        password: "A-much-Better-passw0rd".into(),
        attributes: Default::default(),
    };
    assert!(block_on(auth.confirm_sign_in(strong)).unwrap().is_signed_in);
    assert_eq!(
        mock.body(2)["Session"],
        "np",
        "the same step, answered again"
    );
    mock.done();
}

#[test]
fn a_device_that_is_not_remembered_is_presented_again_so_the_browser_stays_one_device() {
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    block_on(storage.set(&key("alice.device"), &device_record(false))).unwrap();
    let auth = with_storage(&mock, storage);
    mock.expect("InitiateAuth", 200, tokens(1_795_000_000, 3600, Some("r")));
    block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
    assert_eq!(mock.body(0)["AuthParameters"]["DEVICE_KEY"], "us-east-1_dk");
    mock.done();
}

#[test]
fn a_device_the_service_forgot_is_dropped_at_initiate_auth_too() {
    // USER_PASSWORD_AUTH: the service refuses an unknown DEVICE_KEY in InitiateAuth itself.
    let mock = Mock::default();
    let storage = MemoryStorage::new();
    block_on(storage.set(&key("alice.device"), &device_record(false))).unwrap();
    let auth = with_storage(&mock, storage);
    mock.expect(
        "InitiateAuth",
        400,
        error("ResourceNotFoundException", "Device does not exist."),
    );
    mock.expect("InitiateAuth", 200, tokens(1_795_000_000, 3600, Some("r")));
    let out = block_on(auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword)).unwrap();
    assert!(out.is_signed_in);
    assert_eq!(mock.body(0)["AuthParameters"]["DEVICE_KEY"], "us-east-1_dk");
    assert!(mock.body(1)["AuthParameters"].get("DEVICE_KEY").is_none());
    assert_eq!(stored(&auth, "alice.device"), None);
    mock.done();
}

#[test]
fn a_global_sign_out_whose_token_the_service_calls_expired_refreshes_and_signs_out_everywhere() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    expect_expired_then_refresh(&mock, "GlobalSignOut");
    mock.expect("GlobalSignOut", 200, json!({}));
    block_on(auth.sign_out(true)).unwrap();
    assert_ne!(mock.body(3)["AccessToken"], mock.body(1)["AccessToken"]);
    assert!(
        auth.storage().keys().is_empty(),
        "{:?}",
        auth.storage().keys()
    );
    mock.done();
}

#[test]
fn a_refresh_whose_caller_went_away_does_not_block_the_next_one() {
    use futures::FutureExt;
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    mock.expect("InitiateAuth", 200, tokens(1_795_000_010, 3600, None));
    // Polled once (the request is on the wire), then dropped: a cancelled task in a Rust app.
    let mut first = Box::pin(auth.refresh_session());
    assert!(first.as_mut().now_or_never().is_none());
    drop(first);
    let session = block_on(auth.refresh_session()).unwrap();
    assert_eq!(session.username, "u-1");
    mock.done();
}

/// Storage whose every call yields once, as an app's async storage (IndexedDB, say) does.
#[derive(Default)]
struct SlowStorage(MemoryStorage);

impl Storage for SlowStorage {
    async fn get(&self, key: &str) -> cognito_kit::Result<Option<String>> {
        yield_once().await;
        self.0.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> cognito_kit::Result<()> {
        yield_once().await;
        self.0.set(key, value).await
    }
    async fn remove(&self, key: &str) -> cognito_kit::Result<()> {
        yield_once().await;
        self.0.remove(key).await
    }
}

async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

#[test]
fn a_sign_out_that_starts_while_a_sign_in_writes_its_session_wins() {
    // Whenever the sign-out starts after the sign-in did, nothing of the session may remain.
    for delay in 0..16 {
        let mock = Mock::default();
        let auth = with_storage(&mock, SlowStorage::default());
        mock.expect("InitiateAuth", 200, tokens(1_795_000_000, 3600, Some("r")));
        // Asked for only when the sign-in finished before the sign-out began.
        mock.expect("RevokeToken", 200, json!({}));
        let (_, signed_out) = block_on(futures::future::join(
            auth.sign_in("alice", Some("pw"), AuthFlow::UserPassword),
            async {
                for _ in 0..delay {
                    yield_once().await;
                }
                auth.sign_out(false).await
            },
        ));
        signed_out.unwrap();
        let left: Vec<String> = auth
            .storage()
            .0
            .keys()
            .into_iter()
            .filter(|k| k.ends_with(".tokens") || k.ends_with(".lastAuthUser"))
            .collect();
        assert!(
            left.is_empty(),
            "sign-out after {delay} yields left {left:?}"
        );
    }
}
