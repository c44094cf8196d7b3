//! The JavaScript facade inside a real browser: randomness from crypto.getRandomValues, errors as
//! `CognitoError` objects with a `code`, answers as plain objects.
#![cfg(target_arch = "wasm32")]

use cognito_kit::js::{secret_hash, JsSrpClient};
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).expect("property read")
}

fn params(b: &str) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("SRP_B", b),
        ("SALT", "abcdef0123456789"),
        ("SECRET_BLOCK", "AAECAwQFBgcICQ=="),
        ("USER_ID_FOR_SRP", "alice"),
    ] {
        Reflect::set(&o, &k.into(), &v.into()).unwrap();
    }
    o.into()
}

#[wasm_bindgen_test]
fn fresh_random_a_from_the_browser() {
    let a = JsSrpClient::new(None).expect("crypto.getRandomValues");
    let b = JsSrpClient::new(None).expect("crypto.getRandomValues");
    assert_ne!(a.srp_a(), b.srp_a(), "two sign-in attempts never share a");
    assert!(a.srp_a().len() > 700, "A is a 3072-bit number");
}

#[wasm_bindgen_test]
fn worked_example_through_the_facade() {
    let mut a = vec![0u8; 128];
    a[126] = 0x30;
    a[127] = 0x39;
    let client = JsSrpClient::new(Some(a)).unwrap();
    let answer = client
        .answer_password_verifier(
            "AbCdEf123",
            "Passw0rd!".into(),
            params("1234567"),
            Some("Sun Nov 22 04:03:33 UTC 2026".into()),
        )
        .unwrap();
    assert_eq!(
        get(&answer, "PASSWORD_CLAIM_SIGNATURE")
            .as_string()
            .unwrap(),
        "rfditG4R+QsEYUtuhQwu+gT/LHAPoKrWSJoljhrkWbo="
    );
    assert_eq!(get(&answer, "USERNAME").as_string().unwrap(), "alice");
    assert_eq!(
        get(&answer, "TIMESTAMP").as_string().unwrap(),
        "Sun Nov 22 04:03:33 UTC 2026"
    );
    assert_eq!(
        secret_hash("secret".into(), "alice", "clientid123"),
        "ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs="
    );
}

#[wasm_bindgen_test]
fn errors_are_typed_js_errors() {
    let client = JsSrpClient::new(None).unwrap();
    for (input, code) in [
        (params("zz"), "InvalidHex"),
        (params("0"), "UnsafeSrpValue"),
        (JsValue::from(5), "InvalidArgument"),
    ] {
        let err = client
            .answer_password_verifier("P", "pw".into(), input, None)
            .unwrap_err();
        assert!(err.is_instance_of::<js_sys::Error>());
        assert_eq!(
            get(&err, "name").as_string().unwrap(),
            code,
            "name is the code, as for service errors"
        );
        assert_eq!(get(&err, "code").as_string().unwrap(), code);
        assert_eq!(get(&err, "retryable").as_bool(), Some(false));
    }
    let short = JsSrpClient::new(Some(vec![1; 5]))
        .err()
        .expect("5 bytes is refused");
    assert_eq!(get(&short, "code").as_string().unwrap(), "InvalidArgument");
}
