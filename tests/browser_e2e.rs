//! The client end to end inside headless Chromium, against the emulator that `make test` starts
//! (its URL comes in as COGNITO_KIT_EMULATOR_URL at build time), with tests/e2e-pools.json: the demo
//! pool of emulator/examples/pools.json plus a pool that requires MFA. Real fetch, real SRP on both
//! sides.
#![cfg(target_arch = "wasm32")]

use cognito_kit::api::operations as op;
use cognito_kit::api::ApiRequest;
use cognito_kit::client::{AuthFlow, CognitoAuth, Config, NextStep};
use cognito_kit::error::Result;
use cognito_kit::flow::UserAnswer;
use cognito_kit::js::storage::JsStorage;
use cognito_kit::secret::ClientSecret;
use cognito_kit::storage::MemoryStorage;
use cognito_kit::transport::{FetchRuntime, HttpReply, Runtime};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const POOL: &str = "us-east-1_DemoPool1";
const PUBLIC_CLIENT: &str = "demopublicclient0000000001";
const SECRET_CLIENT: &str = "demosecretclient0000000002";
const CLIENT_SECRET: &str = "demosecret0000000000000000000000000000000000000000001";

fn emulator() -> String {
    match option_env!("COGNITO_KIT_EMULATOR_URL") {
        Some(url) => url.to_string(),
        None => panic!(
            "build with COGNITO_KIT_EMULATOR_URL set (make test starts the emulator and sets it)"
        ),
    }
}

/// FetchRuntime that records each request (operation and challenge name), can be pointed at a
/// dead address to play "the service is unreachable", and can move its clock forward.
#[derive(Clone, Default)]
struct Recording {
    inner: FetchRuntime,
    log: Rc<RefCell<Vec<String>>>,
    down: Rc<RefCell<bool>>,
    clock_offset_millis: Rc<RefCell<f64>>,
}

impl Runtime for Recording {
    async fn send(&self, endpoint: &str, request: &ApiRequest) -> Result<HttpReply> {
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
        let entry = match body.get("ChallengeName").and_then(|c| c.as_str()) {
            Some(c) => format!("{}:{c}", request.operation),
            None => match body.get("AuthFlow").and_then(|c| c.as_str()) {
                Some(f) => format!("{}:{f}", request.operation),
                None => request.operation.to_string(),
            },
        };
        self.log.borrow_mut().push(entry);
        // Port 9 (discard) on loopback refuses connections: a real network failure.
        let target = if *self.down.borrow() {
            "http://127.0.0.1:9/"
        } else {
            endpoint
        };
        self.inner.send(target, request).await
    }
    fn now_millis(&self) -> f64 {
        self.inner.now_millis() + *self.clock_offset_millis.borrow()
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        self.inner.fill_random(buffer)
    }
    async fn sleep(&self, millis: u32) {
        self.inner.sleep(millis).await
    }
    async fn exclusive<T>(&self, name: &str, work: impl std::future::Future<Output = T>) -> T {
        self.inner.exclusive(name, work).await
    }
}

impl Recording {
    fn count(&self, entry: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|e| e.as_str() == entry)
            .count()
    }
}

fn client(client_id: &str, secret: Option<&str>) -> CognitoAuth<Recording, MemoryStorage> {
    let mut config = Config::new(POOL, client_id);
    config.endpoint = Some(emulator());
    config.client_secret = secret.map(ClientSecret::new);
    CognitoAuth::new(config, Recording::default(), MemoryStorage::new()).unwrap()
}

async fn outbox_code(username: &str) -> String {
    let url = format!(
        "{}_emulator/outbox?poolId={POOL}&username={}",
        emulator(),
        js_sys::encode_uri_component(username)
    );
    let window = web_sys_fetch(&url).await;
    let list: serde_json::Value = serde_json::from_str(&window).unwrap();
    list[0]["code"]
        .as_str()
        .expect("a code in the outbox")
        .to_string()
}

/// Moves the emulator's clock forward (its test hook), to expire sessions and codes.
async fn advance_emulator_clock(seconds: u32) {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let fetch: Function = Reflect::get(&js_sys::global(), &"fetch".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let init = js_sys::Object::new();
    Reflect::set(&init, &"method".into(), &"POST".into()).unwrap();
    Reflect::set(
        &init,
        &"body".into(),
        &format!("{{\"advanceSeconds\":{seconds}}}").into(),
    )
    .unwrap();
    let url = format!("{}_emulator/clock", emulator());
    let response = JsFuture::from(Promise::from(
        fetch
            .call2(&wasm_bindgen::JsValue::NULL, &url.into(), &init)
            .unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(
        Reflect::get(&response, &"status".into()).unwrap().as_f64(),
        Some(200.0)
    );
}

/// GET through the global fetch (only for the emulator's test hooks).
async fn web_sys_fetch(url: &str) -> String {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let fetch: Function = Reflect::get(&js_sys::global(), &"fetch".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let response = JsFuture::from(Promise::from(
        fetch
            .call1(&wasm_bindgen::JsValue::NULL, &url.into())
            .unwrap(),
    ))
    .await
    .unwrap();
    let text: Function = Reflect::get(&response, &"text".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    JsFuture::from(Promise::from(text.call0(&response).unwrap()))
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret at the emulator's current time (tests
/// move its clock, and it checks codes against it).
async fn totp(secret_base32: &str) -> String {
    let clock: serde_json::Value =
        serde_json::from_str(&web_sys_fetch(&format!("{}_emulator/clock", emulator())).await)
            .unwrap();
    let now = clock["now"].as_f64().expect("the emulator's clock");
    use hmac::{Hmac, Mac};
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut key) = (0u32, 0u32, Vec::new());
    for c in secret_base32.bytes().filter(|c| *c != b'=') {
        value = value << 5
            | alphabet
                .iter()
                .position(|a| *a == c.to_ascii_uppercase())
                .unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((value >> bits) as u8);
        }
    }
    let counter = (now / 30.0) as u64;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let code = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]) % 1_000_000;
    format!("{code:06}")
}

#[wasm_bindgen_test]
async fn srp_sign_in_right_and_wrong_password() {
    let auth = client(PUBLIC_CLIENT, None);
    let wrong = auth
        .sign_in("alice@example.com", Some("Passw0rd?"), AuthFlow::UserSrp)
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "NotAuthorizedException");
    let out = auth
        .sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    assert_eq!(out.next_step, NextStep::Done);
    let session = auth.get_session().await.unwrap();
    let user = auth.get_user().await.unwrap();
    assert_eq!(user.username, session.username);
    assert!(user
        .user_attributes
        .iter()
        .any(|a| a.name == "email" && a.value == "alice@example.com"));
}

#[wasm_bindgen_test]
async fn a_secret_client_signs_in_with_secret_hash_throughout() {
    let auth = client(SECRET_CLIENT, Some(CLIENT_SECRET));
    assert!(
        auth.sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    auth.refresh_session()
        .await
        .expect("refresh with SECRET_HASH");
    let without = client(SECRET_CLIENT, None);
    assert_eq!(
        without
            .sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
            .await
            .unwrap_err()
            .code(),
        "NotAuthorizedException"
    );
}

#[wasm_bindgen_test]
async fn totp_mfa_wrong_then_right_code() {
    let auth = client(PUBLIC_CLIENT, None);
    let out = auth
        .sign_in("carol@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    assert_eq!(out.next_step, NextStep::ConfirmSignInWithTotpCode);
    let right = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").await;
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    assert_eq!(
        auth.confirm_sign_in(UserAnswer::Code(wrong.into()))
            .await
            .unwrap_err()
            .code(),
        "CodeMismatchException"
    );
    let done = auth.confirm_sign_in(UserAnswer::Code(right)).await.unwrap();
    assert!(done.is_signed_in);
}

#[wasm_bindgen_test]
async fn sign_up_confirm_with_a_wrong_code_then_the_right_one_then_sign_in() {
    let auth = client(PUBLIC_CLIENT, None);
    let email = format!("e2e-{}@example.com", js_sys::Math::random().to_bits());
    let attrs = vec![("email".to_string(), email.clone())];
    assert_eq!(
        auth.sign_up(&email, "short", &attrs)
            .await
            .unwrap_err()
            .code(),
        "InvalidPasswordException"
    );
    let reply = auth
        .sign_up(&email, "Str0ngPassw0rd", &attrs)
        .await
        .unwrap();
    assert!(!reply.user_confirmed);
    assert_eq!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .next_step,
        NextStep::ConfirmSignUp
    );
    assert_eq!(
        auth.confirm_sign_up(&email, "000000")
            .await
            .unwrap_err()
            .code(),
        "CodeMismatchException"
    );
    auth.confirm_sign_up(&email, &outbox_code(&email).await)
        .await
        .unwrap();
    assert!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );

    // Forgot password: reset with the code, the old password stops working.
    auth.sign_out(false).await.unwrap();
    auth.forgot_password(&email).await.unwrap();
    auth.confirm_forgot_password(&email, &outbox_code(&email).await, "N3wPassw0rd!")
        .await
        .unwrap();
    assert_eq!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap_err()
            .code(),
        "NotAuthorizedException"
    );
    assert!(
        auth.sign_in(&email, Some("N3wPassw0rd!"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    auth.delete_user().await.unwrap();
    assert_eq!(auth.get_session().await.unwrap_err().code(), "NotSignedIn");
}

#[wasm_bindgen_test]
async fn two_concurrent_get_session_calls_make_one_refresh_and_an_outage_keeps_the_tokens() {
    let mut config = Config::new(POOL, PUBLIC_CLIENT);
    config.endpoint = Some(emulator());
    config.refresh_token_rotation = true;
    // A margin longer than the tokens live: every get_session must refresh.
    config.refresh_margin_seconds = 100_000;
    let runtime = Recording::default();
    let auth = CognitoAuth::new(config, runtime.clone(), MemoryStorage::new()).unwrap();
    auth.sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();

    let (a, b) = futures::join!(auth.get_session(), auth.get_session());
    assert_eq!(a.unwrap().access_token, b.unwrap().access_token);
    assert_eq!(
        runtime.count("GetTokensFromRefreshToken"),
        1,
        "one refresh for two callers"
    );

    *runtime.down.borrow_mut() = true;
    let err = auth.get_session().await.unwrap_err();
    assert_eq!(err.code(), "NetworkError");
    *runtime.down.borrow_mut() = false;
    // The rotated refresh token survived the outage: the next refresh works.
    auth.get_session()
        .await
        .expect("tokens kept through the outage");
    assert_eq!(runtime.count("GetTokensFromRefreshToken"), 3);
}

#[wasm_bindgen_test]
async fn global_sign_out_invalidates_the_tokens() {
    let auth = client(PUBLIC_CLIENT, None);
    auth.sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    let token = auth.get_session().await.unwrap().access_token;
    auth.sign_out(true).await.unwrap();
    let err = auth
        .call(&op::GetUser {
            access_token: token.expose_secret(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NotAuthorizedException");
}

#[wasm_bindgen_test]
async fn remembered_device_signs_in_with_device_srp_and_a_forgotten_one_is_dropped() {
    let runtime = Recording::default();
    let mut config = Config::new(POOL, PUBLIC_CLIENT);
    config.endpoint = Some(emulator());
    config.device_name = Some("e2e browser".into());
    let email = format!("dev-{}@example.com", js_sys::Math::random().to_bits());
    let auth = CognitoAuth::new(config, runtime.clone(), MemoryStorage::new()).unwrap();
    let attrs = vec![("email".to_string(), email.clone())];
    auth.sign_up(&email, "Str0ngPassw0rd", &attrs)
        .await
        .unwrap();
    auth.confirm_sign_up(&email, &outbox_code(&email).await)
        .await
        .unwrap();

    assert!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    assert_eq!(
        runtime.count("ConfirmDevice"),
        1,
        "the new device was confirmed"
    );
    auth.remember_device().await.unwrap();
    let devices = auth.list_devices().await.unwrap();
    assert_eq!(devices.len(), 1);
    auth.sign_out(false).await.unwrap();

    assert!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    assert_eq!(runtime.count("RespondToAuthChallenge:DEVICE_SRP_AUTH"), 1);
    assert_eq!(
        runtime.count("RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER"),
        1
    );

    // The service forgets the device behind the client's back.
    let token = auth.get_session().await.unwrap().access_token;
    auth.call(&op::ForgetDevice {
        access_token: Some(token.expose_secret()),
        device_key: &devices[0].device_key,
    })
    .await
    .unwrap();
    auth.sign_out(false).await.unwrap();
    let before = runtime.count("InitiateAuth:USER_SRP_AUTH");
    assert!(
        auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    assert_eq!(
        runtime.count("InitiateAuth:USER_SRP_AUTH") - before,
        2,
        "restarted once without the device"
    );
    auth.delete_user().await.unwrap();
}

#[wasm_bindgen_test]
async fn tokens_persist_in_local_storage_namespaced_by_pool_and_client() {
    let mut config = Config::new(POOL, PUBLIC_CLIENT);
    config.endpoint = Some(emulator());
    let storage = JsStorage::from_option(&"local".into()).unwrap();
    assert!(!storage.is_memory(), "headless Chromium has localStorage");
    let auth = CognitoAuth::new(config.clone(), FetchRuntime::default(), storage).unwrap();
    auth.sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    // A second client on the same storage (a page reload) finds the session.
    let again = CognitoAuth::new(
        config,
        FetchRuntime::default(),
        JsStorage::from_option(&"local".into()).unwrap(),
    )
    .unwrap();
    let session = again.get_session().await.unwrap();
    let local: js_sys::Object = js_sys::Reflect::get(&js_sys::global(), &"localStorage".into())
        .unwrap()
        .into();
    let key = format!(
        "cognito-kit.{POOL}.{PUBLIC_CLIENT}.{}.tokens",
        session.username
    );
    let get: js_sys::Function = js_sys::Reflect::get(&local, &"getItem".into())
        .unwrap()
        .into();
    assert!(get
        .call1(&local, &key.into())
        .unwrap()
        .as_string()
        .is_some());
    again.sign_out(false).await.unwrap();
    assert!(get
        .call1(
            &local,
            &format!(
                "cognito-kit.{POOL}.{PUBLIC_CLIENT}.{}.tokens",
                session.username
            )
            .into()
        )
        .unwrap()
        .is_null());
}

#[wasm_bindgen_test]
async fn tokens_refresh_when_the_clock_passes_their_expiry_and_two_tabs_share_one_refresh() {
    let mut config = Config::new(POOL, PUBLIC_CLIENT);
    config.endpoint = Some(emulator());
    config.refresh_token_rotation = true;
    // Two clients on the same localStorage and one lock namespace: two tabs of one origin.
    let tab_a = Recording::default();
    let tab_b = Recording {
        log: tab_a.log.clone(),
        clock_offset_millis: tab_a.clock_offset_millis.clone(),
        ..Recording::default()
    };
    let local = || JsStorage::from_option(&"local".into()).unwrap();
    let a = CognitoAuth::new(config.clone(), tab_a.clone(), local()).unwrap();
    let b = CognitoAuth::new(config, tab_b, local()).unwrap();
    a.sign_in("alice@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    let first = b
        .get_session()
        .await
        .expect("the other tab sees the session");
    assert_eq!(
        tab_a.count("GetTokensFromRefreshToken"),
        0,
        "fresh tokens need no refresh"
    );

    // 59 minutes 50 seconds later the hour-long access token is within the refresh margin.
    *tab_a.clock_offset_millis.borrow_mut() = 3_590_000.0;
    let (x, y) = futures::join!(a.get_session(), b.get_session());
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_ne!(x.access_token, first.access_token, "refreshed");
    assert_eq!(
        x.access_token, y.access_token,
        "both tabs hold the same new tokens"
    );
    assert_eq!(
        tab_a.count("GetTokensFromRefreshToken"),
        1,
        "one refresh across the two tabs"
    );
    a.sign_out(false).await.unwrap();
}

#[wasm_bindgen_test]
async fn custom_challenge_with_and_without_srp() {
    let auth = client(PUBLIC_CLIENT, None);
    let out = auth
        .sign_in("alice@example.com", None, AuthFlow::CustomWithoutSrp)
        .await
        .unwrap();
    match out.next_step {
        NextStep::ConfirmSignInWithCustomChallenge(params) => assert_eq!(
            params.get("question").map(String::as_str),
            Some("What is six times seven?")
        ),
        other => panic!("{other:?}"),
    }
    let done = auth
        .confirm_sign_in(UserAnswer::Custom("42".into()))
        .await
        .unwrap();
    assert!(done.is_signed_in);
    auth.sign_out(false).await.unwrap();

    // With SRP first: the password is proven, then the custom challenge.
    let runtime_log = auth.runtime().log.clone();
    let out = auth
        .sign_in(
            "alice@example.com",
            Some("Passw0rd!"),
            AuthFlow::CustomWithSrp,
        )
        .await
        .unwrap();
    assert!(
        matches!(out.next_step, NextStep::ConfirmSignInWithCustomChallenge(_)),
        "{out:?}"
    );
    assert!(runtime_log
        .borrow()
        .iter()
        .any(|e| e == "RespondToAuthChallenge:PASSWORD_VERIFIER"));
    assert!(
        auth.confirm_sign_in(UserAnswer::Custom("42".into()))
            .await
            .unwrap()
            .is_signed_in
    );
    // A wrong password never reaches the custom challenge.
    auth.sign_out(false).await.unwrap();
    let err = auth
        .sign_in("alice@example.com", Some("wrong"), AuthFlow::CustomWithSrp)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NotAuthorizedException");
}

#[wasm_bindgen_test]
async fn an_expired_challenge_session_ends_the_sign_in_and_an_expired_code_is_refused() {
    let auth = client(PUBLIC_CLIENT, None);
    let out = auth
        .sign_in("carol@example.com", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    assert_eq!(out.next_step, NextStep::ConfirmSignInWithTotpCode);
    advance_emulator_clock(200).await; // challenge sessions live 3 minutes
    let err = auth
        .confirm_sign_in(UserAnswer::Code(
            totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").await,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NotAuthorizedException");
    assert!(err.to_string().contains("session is expired"), "{err}");
    assert_eq!(
        auth.confirm_sign_in(UserAnswer::Code("123456".into()))
            .await
            .unwrap_err()
            .code(),
        "InvalidState",
        "the sign-in is over"
    );

    let email = format!("exp-{}@example.com", js_sys::Math::random().to_bits());
    auth.sign_up(
        &email,
        "Str0ngPassw0rd",
        &[("email".to_string(), email.clone())],
    )
    .await
    .unwrap();
    let code = outbox_code(&email).await;
    // Sign-up codes live 24 hours.
    advance_emulator_clock(25 * 3600).await;
    assert_eq!(
        auth.confirm_sign_up(&email, &code)
            .await
            .unwrap_err()
            .code(),
        "ExpiredCodeException"
    );
}

const MFA_POOL: &str = "us-east-1_MfaPool01";
const MFA_CLIENT: &str = "mfapublicclient00000000001";

fn mfa_client() -> CognitoAuth<Recording, MemoryStorage> {
    let mut config = Config::new(MFA_POOL, MFA_CLIENT);
    config.endpoint = Some(emulator());
    CognitoAuth::new(config, Recording::default(), MemoryStorage::new()).unwrap()
}

async fn sms_code(username: &str) -> String {
    let url = format!(
        "{}_emulator/outbox?poolId={MFA_POOL}&username={username}",
        emulator()
    );
    let list: serde_json::Value = serde_json::from_str(&web_sys_fetch(&url).await).unwrap();
    assert_eq!(list[0]["kind"], "SMS_MFA");
    list[0]["code"].as_str().unwrap().to_string()
}

#[wasm_bindgen_test]
async fn sms_mfa_with_the_code_from_the_outbox() {
    let auth = mfa_client();
    let out = auth
        .sign_in("sms-only", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    match &out.next_step {
        NextStep::ConfirmSignInWithSmsCode(d) => assert_eq!(d.medium.as_deref(), Some("SMS")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        auth.confirm_sign_in(UserAnswer::Code("000000".into()))
            .await
            .unwrap_err()
            .code(),
        "CodeMismatchException"
    );
    assert!(
        auth.confirm_sign_in(UserAnswer::Code(sms_code("sms-only").await))
            .await
            .unwrap()
            .is_signed_in
    );
}

#[wasm_bindgen_test]
async fn select_mfa_type_then_totp() {
    let auth = mfa_client();
    let out = auth
        .sign_in("chooser", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    match &out.next_step {
        NextStep::ContinueSignInWithMfaSelection(options) => {
            // Amplify's names for the methods (the service's SOFTWARE_TOKEN_MFA and SMS_MFA).
            assert!(
                options.contains(&"TOTP".to_string()) && options.contains(&"SMS".to_string()),
                "{options:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    let next = auth
        .confirm_sign_in(UserAnswer::Choice("TOTP".into()))
        .await
        .unwrap();
    assert_eq!(next.next_step, NextStep::ConfirmSignInWithTotpCode);
    assert!(
        auth.confirm_sign_in(UserAnswer::Code(
            totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").await
        ))
        .await
        .unwrap()
        .is_signed_in
    );
}

#[wasm_bindgen_test]
async fn mfa_setup_inside_sign_in_then_sign_in_with_the_new_authenticator() {
    let auth = mfa_client();
    let out = auth
        .sign_in("setup-me", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    let (secret, uri) = match out.next_step {
        NextStep::ContinueSignInWithTotpSetup {
            shared_secret,
            setup_uri,
        } => (shared_secret, setup_uri),
        other => panic!("{other:?}"),
    };
    assert!(
        uri.starts_with("otpauth://totp/MfaPool01:setup-me?secret="),
        "{uri}"
    );
    assert_eq!(
        auth.confirm_sign_in(UserAnswer::Code("000000".into()))
            .await
            .unwrap_err()
            .code(),
        "EnableSoftwareTokenMFAException"
    );
    assert!(
        auth.confirm_sign_in(UserAnswer::Code(totp(&secret).await))
            .await
            .unwrap()
            .is_signed_in,
        "a wrong code can be retried"
    );
    auth.sign_out(false).await.unwrap();
    let again = auth
        .sign_in("setup-me", Some("Passw0rd!"), AuthFlow::UserSrp)
        .await
        .unwrap();
    assert_eq!(again.next_step, NextStep::ConfirmSignInWithTotpCode);
    // The code of the current window was used for the setup: take the next one.
    advance_emulator_clock(30).await;
    assert!(
        auth.confirm_sign_in(UserAnswer::Code(totp(&secret).await))
            .await
            .unwrap()
            .is_signed_in
    );
}

#[wasm_bindgen_test]
async fn attributes_update_verify_and_delete() {
    let auth = client(PUBLIC_CLIENT, None);
    let email = format!("attr-{}@example.com", js_sys::Math::random().to_bits());
    auth.sign_up(
        &email,
        "Str0ngPassw0rd",
        &[("email".to_string(), email.clone())],
    )
    .await
    .unwrap();
    auth.confirm_sign_up(&email, &outbox_code(&email).await)
        .await
        .unwrap();
    auth.sign_in(&email, Some("Str0ngPassw0rd"), AuthFlow::UserSrp)
        .await
        .unwrap();
    auth.update_user_attributes(&[
        ("name".to_string(), "Ada".to_string()),
        ("custom:plan".to_string(), "pro".to_string()),
    ])
    .await
    .unwrap();
    let attrs = |user: &op::GetUserReply, name: &str| {
        user.user_attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.clone())
    };
    let user = auth.get_user().await.unwrap();
    assert_eq!(attrs(&user, "name").as_deref(), Some("Ada"));
    auth.send_user_attribute_verification_code("email")
        .await
        .unwrap();
    assert_eq!(
        auth.verify_user_attribute("email", "000000")
            .await
            .unwrap_err()
            .code(),
        "CodeMismatchException"
    );
    auth.verify_user_attribute("email", &outbox_code(&email).await)
        .await
        .unwrap();
    assert_eq!(
        attrs(&auth.get_user().await.unwrap(), "email_verified").as_deref(),
        Some("true")
    );
    auth.delete_user_attributes(&["name"]).await.unwrap();
    assert_eq!(attrs(&auth.get_user().await.unwrap(), "name"), None);
    auth.change_password("Str0ngPassw0rd", "Ch4ngedPassw0rd")
        .await
        .unwrap();
    assert_eq!(
        auth.change_password("Str0ngPassw0rd", "Other0Passw0rd")
            .await
            .unwrap_err()
            .code(),
        "NotAuthorizedException"
    );
    auth.delete_user().await.unwrap();
}

#[wasm_bindgen_test]
async fn new_password_required_then_signed_in_with_the_new_password() {
    let auth = client(PUBLIC_CLIENT, None);
    let out = auth
        .sign_in("bob@example.com", Some("TempPassw0rd"), AuthFlow::UserSrp)
        .await
        .unwrap();
    assert_eq!(
        out.next_step,
        NextStep::ConfirmSignInWithNewPasswordRequired(vec![])
    );
    let weak = UserAnswer::NewPassword {
        password: "weak".into(),
        attributes: Default::default(),
    };
    assert_eq!(
        auth.confirm_sign_in(weak).await.unwrap_err().code(),
        "InvalidPasswordException"
    );
    // The weak password ended that sign-in; start again.
    auth.sign_in("bob@example.com", Some("TempPassw0rd"), AuthFlow::UserSrp)
        .await
        .unwrap();
    let strong = UserAnswer::NewPassword {
        password: "BrandN3wPass".into(),
        attributes: Default::default(),
    };
    assert!(auth.confirm_sign_in(strong).await.unwrap().is_signed_in);
    auth.sign_out(false).await.unwrap();
    assert!(
        auth.sign_in("bob@example.com", Some("BrandN3wPass"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
}

#[wasm_bindgen_test]
async fn a_secret_client_through_sign_up_reset_refresh_and_sign_out() {
    let auth = client(SECRET_CLIENT, Some(CLIENT_SECRET));
    let email = format!("secret-{}@example.com", js_sys::Math::random().to_bits());
    auth.sign_up(
        &email,
        "Str0ngPassw0rd",
        &[("email".to_string(), email.clone())],
    )
    .await
    .unwrap();
    auth.resend_sign_up_code(&email).await.unwrap();
    auth.confirm_sign_up(&email, &outbox_code(&email).await)
        .await
        .unwrap();
    auth.forgot_password(&email).await.unwrap();
    auth.confirm_forgot_password(&email, &outbox_code(&email).await, "N3wPassw0rd!")
        .await
        .unwrap();
    assert!(
        auth.sign_in(&email, Some("N3wPassw0rd!"), AuthFlow::UserSrp)
            .await
            .unwrap()
            .is_signed_in
    );
    auth.refresh_session().await.unwrap();
    auth.sign_out(false).await.unwrap();
    // The same calls without the secret are refused by the pool.
    let no_secret = client(SECRET_CLIENT, None);
    assert_eq!(
        no_secret.forgot_password(&email).await.unwrap_err().code(),
        "NotAuthorizedException"
    );
}
