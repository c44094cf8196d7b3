//! Known-answer vectors produced by the reference client (amazon-cognito-identity-js, see
//! tests/vectors/generate.mjs). The same file runs natively (`cargo test`) and in headless Chromium
//! (`wasm-pack test`), so the wasm build is held to the same bytes.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use cognito_kit::encoding::{base64_decode, cognito_timestamp, hex_decode, hex_encode};
use cognito_kit::secret::{ClientSecret, DevicePassword};
use cognito_kit::secret_hash::secret_hash;
use cognito_kit::srp::{DeviceVerifier, SrpClient, VerifierChallenge, SMALL_A_BYTES};
use serde_json::Value;
use std::collections::BTreeMap;

fn cases(json: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(json).expect("vector file is JSON");
    let cases = doc["cases"]
        .as_array()
        .expect("vector file has cases")
        .clone();
    assert!(!cases.is_empty());
    cases
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is a string"))
}

fn string_map(v: &Value) -> cognito_kit::api::operations::StringMap {
    v.as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_string()))
        .collect()
}

fn small_a(hex: &str) -> [u8; SMALL_A_BYTES] {
    let bytes = hex_decode(hex, "a").expect("a is hex");
    bytes.try_into().expect("a is 128 bytes")
}

/// The clock the reference used, as the TIMESTAMP our formatter makes for it.
fn timestamp_of(inputs: &Value) -> String {
    let millis = inputs["nowMillis"].as_i64().expect("nowMillis");
    cognito_timestamp(millis.div_euclid(1000))
}

fn challenge_of(inputs: &Value, user_id: Option<&str>, username: &str) -> VerifierChallenge {
    let mut params = BTreeMap::new();
    params.insert("SRP_B", s(inputs, "srpB").to_string());
    params.insert("SALT", s(inputs, "salt").to_string());
    params.insert("SECRET_BLOCK", s(inputs, "secretBlock").to_string());
    params.insert("USERNAME", username.to_string());
    if let Some(id) = user_id {
        params.insert("USER_ID_FOR_SRP", id.to_string());
    }
    VerifierChallenge::from_parameters(|k| params.get(k).cloned()).expect("challenge parses")
}

#[test]
fn user_srp_vectors_match_the_reference_client() {
    let all = cases(include_str!("vectors/srp_user.json"));
    assert!(
        all.len() >= 100,
        "at least 100 user SRP cases, found {}",
        all.len()
    );
    for case in &all {
        let label = s(case, "label");
        let inputs = &case["inputs"];
        let pool = s(inputs, "poolName");
        let user_id = s(inputs, "userIdForSrp");
        let password = s(inputs, "password");
        let client = SrpClient::new(&small_a(s(inputs, "a"))).expect("client");
        assert_eq!(client.srp_a(), s(case, "A"), "{label}: A");
        assert_eq!(
            client.srp_a(),
            s(&case["authParameters"], "SRP_A"),
            "{label}: InitiateAuth SRP_A"
        );

        let key = client
            .derive_key(
                pool,
                user_id,
                password,
                s(inputs, "srpB"),
                s(inputs, "salt"),
            )
            .unwrap_or_else(|e| panic!("{label}: derive_key failed: {e}"));
        assert_eq!(hex_encode(key.u()), s(case, "u"), "{label}: u");
        assert_eq!(hex_encode(key.expose_x()), s(case, "x"), "{label}: x");
        assert_eq!(
            hex_encode(key.expose_premaster_secret()),
            s(case, "S"),
            "{label}: S"
        );
        assert_eq!(
            hex_encode(key.expose_key()),
            s(case, "key"),
            "{label}: HKDF key"
        );

        let timestamp = timestamp_of(inputs);
        assert_eq!(timestamp, s(case, "timestamp"), "{label}: TIMESTAMP");
        let block = base64_decode(s(inputs, "secretBlock"), "SECRET_BLOCK").expect("secret block");
        assert_eq!(
            key.claim_signature(pool, user_id, &block, &timestamp),
            s(case, "signature"),
            "{label}: signature"
        );

        // The whole answer, as the reference client put it on the wire.
        let challenge = challenge_of(inputs, Some(user_id), user_id);
        let claim = client
            .answer_user_challenge(pool, password, &challenge, &timestamp)
            .expect("claim");
        assert_eq!(
            claim.challenge_responses(None, None),
            string_map(&case["challengeResponses"]),
            "{label}: ChallengeResponses"
        );
    }
}

#[test]
fn device_srp_vectors_match_the_reference_client() {
    let all = cases(include_str!("vectors/srp_device.json"));
    assert!(all.len() >= 20);
    for case in &all {
        let label = s(case, "label");
        let inputs = &case["inputs"];
        let group_key = s(inputs, "deviceGroupKey");
        let device_key = s(inputs, "deviceKey");
        let username = s(inputs, "username");
        let client = SrpClient::new(&small_a(s(inputs, "a"))).expect("client");
        assert_eq!(client.srp_a(), s(case, "A"), "{label}: A");
        assert_eq!(
            client.srp_a(),
            s(&case["deviceSrpAuth"], "SRP_A"),
            "{label}: DEVICE_SRP_AUTH SRP_A"
        );

        let key = client
            .derive_key(
                group_key,
                device_key,
                s(inputs, "devicePassword"),
                s(inputs, "srpB"),
                s(inputs, "salt"),
            )
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(hex_encode(key.u()), s(case, "u"), "{label}: u");
        assert_eq!(hex_encode(key.expose_x()), s(case, "x"), "{label}: x");
        assert_eq!(
            hex_encode(key.expose_premaster_secret()),
            s(case, "S"),
            "{label}: S"
        );
        assert_eq!(
            hex_encode(key.expose_key()),
            s(case, "key"),
            "{label}: HKDF key"
        );

        let timestamp = timestamp_of(inputs);
        let challenge = challenge_of(inputs, None, username);
        let password = DevicePassword::new(s(inputs, "devicePassword"));
        let claim = client
            .answer_device_challenge(group_key, device_key, &password, &challenge, &timestamp)
            .expect("device claim");
        assert_eq!(
            claim.challenge_responses(Some(device_key), None),
            string_map(&case["challengeResponses"]),
            "{label}: DEVICE_PASSWORD_VERIFIER ChallengeResponses"
        );
    }
}

#[test]
fn device_verifier_vectors_match_the_reference_client() {
    let all = cases(include_str!("vectors/device_verifier.json"));
    assert!(all.len() >= 20);
    for case in &all {
        let label = s(case, "label");
        let inputs = &case["inputs"];
        let password: [u8; 40] = hex_decode(s(inputs, "passwordBytes"), "p")
            .unwrap()
            .try_into()
            .unwrap();
        let salt: [u8; 16] = hex_decode(s(inputs, "saltBytes"), "s")
            .unwrap()
            .try_into()
            .unwrap();
        let v = DeviceVerifier::generate(
            s(inputs, "deviceGroupKey"),
            s(inputs, "deviceKey"),
            &password,
            &salt,
        );
        assert_eq!(
            v.password.expose_secret(),
            s(case, "randomPassword"),
            "{label}: random password"
        );
        let config = &case["deviceSecretVerifierConfig"];
        assert_eq!(v.salt, s(config, "Salt"), "{label}: Salt");
        assert_eq!(
            v.password_verifier,
            s(config, "PasswordVerifier"),
            "{label}: PasswordVerifier"
        );
    }
}

#[test]
fn secret_hash_vectors() {
    let all = cases(include_str!("vectors/secret_hash.json"));
    for case in &all {
        let secret = ClientSecret::new(s(case, "clientSecret"));
        assert_eq!(
            secret_hash(&secret, s(case, "username"), s(case, "clientId")),
            s(case, "secretHash"),
            "{}: SECRET_HASH",
            s(case, "label")
        );
    }
}

#[test]
fn timestamp_vectors_match_the_reference_client() {
    let all = cases(include_str!("vectors/timestamp.json"));
    let mut months = std::collections::BTreeSet::new();
    let mut weekdays = std::collections::BTreeSet::new();
    let mut days = std::collections::BTreeSet::new();
    for case in &all {
        let want = s(case, "timestamp");
        let got = cognito_timestamp(case["unixSeconds"].as_i64().expect("unixSeconds"));
        assert_eq!(got, want, "{}: TIMESTAMP", s(case, "label"));
        let fields: Vec<&str> = want.split(' ').collect();
        weekdays.insert(fields[0].to_string());
        months.insert(fields[1].to_string());
        days.insert(fields[2].parse::<u32>().expect("day"));
    }
    // The vectors must cover what the issue names: every month and weekday, days 1–31.
    assert_eq!(months.len(), 12);
    assert_eq!(weekdays.len(), 7);
    assert_eq!(days, (1..=31).collect());
    assert!(all.iter().any(|c| s(c, "timestamp").contains(" 00:")));
    assert!(all.iter().any(|c| s(c, "timestamp").contains(" 23:")));
}
