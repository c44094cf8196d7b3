//! Entry points for fuzzing the emulator's request parsing (`make fuzz`, and the stable smoke test
//! `tests/fuzz_smoke.rs`): arbitrary bytes as the body of every operation (and as the form of the
//! pool domains' OAuth endpoints), as a SigV4
//! `Authorization` header, as the passkey credentials the relying party verifies, and as an
//! upstream identity provider's ID token. Nothing here may panic, whatever the input.
//!
//! The pool has passwordless sign-in (USER_AUTH, a relying party on `localhost`) and its user a
//! passkey, and a request body may name live values the fuzzer cannot guess: `@token@` (an
//! access token of the user), `@select@` (a SELECT_CHALLENGE session) and `@webauthn@` (a
//! WEB_AUTHN challenge session), each put in before the call.

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ciborium::value::Value as Cbor;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::lifecycle::webauthn;
use crate::model::{User, WebAuthnCredential};
use crate::ops::{self, Caller, TARGET_PREFIX};
use crate::store::Store;

const POOL_ID: &str = "us-east-1_Fuzz";
/// The challenge the passkey entry point verifies against (16 zero bytes, base64url).
const CHALLENGE: &str = "AAAAAAAAAAAAAAAAAAAAAA";
/// The user's passkey: a fixed P-256 key and credential id, so seeds can be signed with it.
const PASSKEY_SECRET: [u8; 32] = [7; 32];
const PASSKEY_ID: &[u8] = b"fuzz-passkey-0001";

struct Fuzz {
    app: App,
    access_token: String,
}

fn passkey_signing_key() -> Option<p256::ecdsa::SigningKey> {
    p256::ecdsa::SigningKey::from_bytes(&PASSKEY_SECRET.into()).ok()
}

fn cose_es256(key: &p256::ecdsa::SigningKey) -> Option<Vec<u8>> {
    let point = key.verifying_key().to_encoded_point(false);
    let int = |n: i64| Cbor::Integer(n.into());
    let mut out = Vec::new();
    ciborium::ser::into_writer(
        &Cbor::Map(vec![
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), Cbor::Bytes(point.x()?.to_vec())),
            (int(-3), Cbor::Bytes(point.y()?.to_vec())),
        ]),
        &mut out,
    )
    .ok()?;
    Some(out)
}

/// The pool the fuzzed requests run against (built once: its RSA key takes a moment).
fn fuzz() -> Option<&'static Fuzz> {
    static FUZZ: OnceLock<Option<Fuzz>> = OnceLock::new();
    FUZZ.get_or_init(|| {
        let (store, _) = Store::open(None).ok()?;
        let mut db = crate::model::Db::default();
        let config = json!({ "Pools": [{
            "Id": POOL_ID, "PoolName": "fuzz",
            "AutoVerifiedAttributes": ["email"],
            "MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": { "Enabled": true },
            "DeviceConfiguration": { "ChallengeRequiredOnNewDevice": true },
            "UserPoolTier": "ESSENTIALS",
            "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"] } },
            "WebAuthnConfiguration": { "RelyingPartyId": "localhost", "UserVerification": "preferred" },
            "Clients": [
                { "ClientId": "fuzzclient", "ClientName": "fuzz",
                  "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_AUTH"],
                  "AccessTokenValidity": 24, "TokenValidityUnits": { "AccessToken": "hours" } },
                { "ClientId": "hiding", "ClientName": "hiding", "PreventUserExistenceErrors": "ENABLED",
                  "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"] }
            ],
            "Users": [{ "Username": "alice", "Password": "Passw0rd!", "Attributes": { "email": "alice@example.com", "email_verified": "true" } }]
        }]});
        let now = crate::app::real_now();
        crate::config::apply(&mut db, &config, now).ok()?;
        let passkey = WebAuthnCredential {
            credential_id: URL_SAFE_NO_PAD.encode(PASSKEY_ID),
            public_key: URL_SAFE_NO_PAD.encode(cose_es256(&passkey_signing_key()?)?),
            algorithm: -7,
            sign_count: 0,
            relying_party_id: "localhost".to_string(),
            friendly_name: None,
            authenticator_attachment: Some("platform".to_string()),
            transports: vec!["internal".to_string()],
            created: now,
        };
        db.pool_mut(POOL_ID)
            .ok()?
            .user_mut("alice")
            .ok()?
            .webauthn_credentials
            .insert(passkey.credential_id.clone(), passkey);
        let app = App::new(db, store);
        app.save().ok()?;
        let signed_in = call(
            &app,
            "InitiateAuth",
            &json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "fuzzclient",
                     "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
        )?;
        let access_token = signed_in["AuthenticationResult"]["AccessToken"]
            .as_str()?
            .to_string();
        Some(Fuzz { app, access_token })
    })
    .as_ref()
}

fn call(app: &App, name: &str, body: &Value) -> Option<Value> {
    let target = format!("{TARGET_PREFIX}{name}");
    let verify = || Ok(());
    let caller = Caller {
        verify_signature: &verify,
        foreign_origin: false,
    };
    ops::dispatch(app, Some(&target), body.to_string().as_bytes(), &caller).ok()
}

/// A new USER_AUTH session of alice: SELECT_CHALLENGE, or with `preferred` that challenge.
fn fresh_session(app: &App, preferred: Option<&str>) -> String {
    let mut parameters = json!({ "USERNAME": "alice" });
    if let Some(preferred) = preferred {
        parameters["PREFERRED_CHALLENGE"] = json!(preferred);
    }
    call(
        app,
        "InitiateAuth",
        &json!({ "AuthFlow": "USER_AUTH", "ClientId": "fuzzclient", "AuthParameters": parameters }),
    )
    .and_then(|reply| reply["Session"].as_str().map(str::to_string))
    .unwrap_or_default()
}

fn replace_all(body: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The first byte picks the operation, the rest is its body, run with a valid signature (so the
/// admin operations' parsers are reached too). `@token@`, `@select@` and `@webauthn@` in the
/// body become live values (see the module's doc).
pub fn request(data: &[u8]) {
    form(data);
    let _ = request_outcome(data);
}

/// The bytes as the query or form body of a pool domain's endpoints (`/oauth2/token`,
/// `/oauth2/revoke`, `/login`, `/logout`; [`crate::hosted::parse_form`]): never a panic, and
/// what is accepted encodes back to the same parameters.
pub fn form(data: &[u8]) {
    let Ok(params) = crate::hosted::parse_form(data) else {
        return;
    };
    let mut encoder = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &params {
        encoder.append_pair(name, value);
    }
    let again = crate::hosted::parse_form(encoder.finish().as_bytes());
    assert_eq!(
        again.as_ref(),
        Ok(&params),
        "a form does not survive re-encoding"
    );
}

/// [`request`], telling the outcome: `Ok` or the error's code (for the smoke test's check of
/// the seeds).
pub fn request_outcome(data: &[u8]) -> Result<(), &'static str> {
    let Some(fuzz) = fuzz() else {
        return Err("no fuzz pool");
    };
    let Some((&selector, body)) = data.split_first() else {
        return Err("empty input");
    };
    let names: Vec<&str> = ops::operation_names().collect();
    let name = names[usize::from(selector) % names.len()];
    let mut body = replace_all(body, b"@token@", fuzz.access_token.as_bytes());
    for (needle, preferred) in [(&b"@select@"[..], None), (b"@webauthn@", Some("WEB_AUTHN"))] {
        if body.windows(needle.len()).any(|w| w == needle) {
            let session = fresh_session(&fuzz.app, preferred);
            body = replace_all(&body, needle, session.as_bytes());
        }
    }
    let target = format!("{TARGET_PREFIX}{name}");
    let verify = || Ok(());
    let caller = Caller {
        verify_signature: &verify,
        foreign_origin: false,
    };
    ops::dispatch(&fuzz.app, Some(&target), &body, &caller)
        .map(|_| ())
        .map_err(|e| e.code)
}

/// The selector byte of an operation for [`request`].
fn selector(name: &str) -> Option<u8> {
    ops::operation_names()
        .position(|n| n == name)
        .and_then(|i| u8::try_from(i).ok())
}

/// Seeds for [`request`] that reach deep into the passwordless operations: the passkey
/// operations with a live access token, and USER_AUTH with every answer form.
pub fn request_seeds() -> Vec<Vec<u8>> {
    let registration = registration_seed(false).unwrap_or_default();
    let assertion = assertion_seed(1).unwrap_or_default();
    let seeds = [
        (
            "StartWebAuthnRegistration",
            json!({ "AccessToken": "@token@" }),
        ),
        (
            "CompleteWebAuthnRegistration",
            json!({ "AccessToken": "@token@", "Credential": registration }),
        ),
        (
            "ListWebAuthnCredentials",
            json!({ "AccessToken": "@token@", "MaxResults": 1, "NextToken": "x" }),
        ),
        (
            "DeleteWebAuthnCredential",
            json!({ "AccessToken": "@token@", "CredentialId": "bm8tc3VjaC1wYXNza2V5" }),
        ),
        ("GetUserAuthFactors", json!({ "AccessToken": "@token@" })),
        (
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": "fuzzclient", "AuthParameters": { "USERNAME": "alice" } }),
        ),
        (
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": "hiding", "AuthParameters": { "USERNAME": "ghost@example.com", "PREFERRED_CHALLENGE": "EMAIL_OTP" } }),
        ),
        (
            "InitiateAuth",
            json!({ "AuthFlow": "USER_AUTH", "ClientId": "fuzzclient", "AuthParameters": { "USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN" } }),
        ),
        (
            "RespondToAuthChallenge",
            json!({ "ClientId": "fuzzclient", "ChallengeName": "SELECT_CHALLENGE", "Session": "@select@",
            "ChallengeResponses": { "USERNAME": "alice", "ANSWER": "WEB_AUTHN" } }),
        ),
        (
            "RespondToAuthChallenge",
            json!({ "ClientId": "fuzzclient", "ChallengeName": "SELECT_CHALLENGE", "Session": "@select@",
            "ChallengeResponses": { "USERNAME": "alice", "ANSWER": "WEB_AUTHN", "CREDENTIAL": assertion.clone() } }),
        ),
        (
            "RespondToAuthChallenge",
            json!({ "ClientId": "fuzzclient", "ChallengeName": "SELECT_CHALLENGE", "Session": "@select@",
            "ChallengeResponses": { "USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!" } }),
        ),
        (
            "RespondToAuthChallenge",
            json!({ "ClientId": "fuzzclient", "ChallengeName": "SELECT_CHALLENGE", "Session": "@select@",
            "ChallengeResponses": { "USERNAME": "alice", "ANSWER": "EMAIL_OTP" } }),
        ),
        (
            "RespondToAuthChallenge",
            json!({ "ClientId": "fuzzclient", "ChallengeName": "WEB_AUTHN", "Session": "@webauthn@",
            "ChallengeResponses": { "USERNAME": "alice", "CREDENTIAL": assertion } }),
        ),
        (
            "AdminInitiateAuth",
            json!({ "UserPoolId": POOL_ID, "AuthFlow": "USER_AUTH", "ClientId": "fuzzclient", "AuthParameters": { "USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!" } }),
        ),
    ];
    seeds
        .into_iter()
        .filter_map(|(name, body)| {
            let mut seed = vec![selector(name)?];
            seed.extend_from_slice(body.to_string().as_bytes());
            Some(seed)
        })
        .collect()
}

/// The first byte picks the ceremony (even: a RegistrationResponseJSON checked as
/// CompleteWebAuthnRegistration does, odd: an AuthenticationResponseJSON checked as the
/// WEB_AUTHN challenge does), the rest is the credential's JSON; both against `CHALLENGE` on
/// the fuzz pool's relying party, so a valid seed reaches the CBOR, COSE and signature checks.
pub fn passkey(data: &[u8]) {
    let _ = passkey_verifies(data);
}

/// [`passkey`], telling whether the credential verified (for the smoke test's check that the
/// seeds are valid ones).
pub fn passkey_verifies(data: &[u8]) -> bool {
    let Some(fuzz) = fuzz() else {
        return false;
    };
    let Some((&selector, text)) = data.split_first() else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    fuzz.app
        .read(|db| {
            let pool = db.pool(POOL_ID)?;
            let rp = webauthn::relying_party(pool)?;
            if selector % 2 == 0 {
                let credential = webauthn::parse_credential(&Value::String(text.to_string()))?;
                webauthn::verify_registration(&rp, pool, CHALLENGE, &credential, 0)?;
            } else {
                let mut user: User = pool.user("alice")?.clone();
                webauthn::verify_assertion(&rp, &mut user, CHALLENGE, text)?;
            }
            Ok(())
        })
        .is_ok()
}

fn client_data(kind: &str) -> String {
    json!({ "type": kind, "challenge": CHALLENGE, "origin": "http://localhost:5173", "crossOrigin": false })
        .to_string()
}

/// A valid RegistrationResponseJSON for [`CHALLENGE`] (attestation `none`, or `packed` self
/// attestation) of a new credential of the passkey's key.
fn registration_seed(packed: bool) -> Option<Value> {
    use p256::ecdsa::signature::Signer as _;
    let key = passkey_signing_key()?;
    let id = b"fuzz-passkey-new1";
    let client_data = client_data("webauthn.create");
    let mut auth_data = Sha256::digest(b"localhost").to_vec();
    auth_data.push(0x01 | 0x04 | 0x40);
    auth_data.extend_from_slice(&0u32.to_be_bytes());
    auth_data.extend_from_slice(&[0; 16]);
    auth_data.extend_from_slice(&u16::try_from(id.len()).ok()?.to_be_bytes());
    auth_data.extend_from_slice(id);
    auth_data.extend_from_slice(&cose_es256(&key)?);
    let statement = if packed {
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let signature: p256::ecdsa::DerSignature = key.sign(&signed);
        Cbor::Map(vec![
            (Cbor::Text("alg".into()), Cbor::Integer((-7).into())),
            (
                Cbor::Text("sig".into()),
                Cbor::Bytes(signature.as_bytes().to_vec()),
            ),
        ])
    } else {
        Cbor::Map(vec![])
    };
    let mut attestation = Vec::new();
    ciborium::ser::into_writer(
        &Cbor::Map(vec![
            (
                Cbor::Text("fmt".into()),
                Cbor::Text(if packed { "packed" } else { "none" }.into()),
            ),
            (Cbor::Text("attStmt".into()), statement),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]),
        &mut attestation,
    )
    .ok()?;
    Some(json!({
        "id": URL_SAFE_NO_PAD.encode(id), "rawId": URL_SAFE_NO_PAD.encode(id), "type": "public-key",
        "authenticatorAttachment": "platform", "clientExtensionResults": {},
        "response": {
            "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
            "attestationObject": URL_SAFE_NO_PAD.encode(attestation),
            "transports": ["internal"],
        }
    }))
}

/// A valid AuthenticationResponseJSON (as a string) of the user's passkey for [`CHALLENGE`].
fn assertion_seed(count: u32) -> Option<String> {
    use p256::ecdsa::signature::Signer as _;
    let key = passkey_signing_key()?;
    let client_data = client_data("webauthn.get");
    let mut auth_data = Sha256::digest(b"localhost").to_vec();
    auth_data.push(0x01 | 0x04);
    auth_data.extend_from_slice(&count.to_be_bytes());
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
    let signature: p256::ecdsa::DerSignature = key.sign(&signed);
    Some(
        json!({
            "id": URL_SAFE_NO_PAD.encode(PASSKEY_ID), "rawId": URL_SAFE_NO_PAD.encode(PASSKEY_ID),
            "type": "public-key", "clientExtensionResults": {},
            "response": {
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
                "authenticatorData": URL_SAFE_NO_PAD.encode(auth_data),
                "signature": URL_SAFE_NO_PAD.encode(signature.as_bytes()),
                "userHandle": null,
            }
        })
        .to_string(),
    )
}

/// Seeds for [`passkey`]: valid registrations (none, packed) and a valid assertion.
pub fn passkey_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for packed in [false, true] {
        if let Some(credential) = registration_seed(packed) {
            let mut seed = vec![0];
            seed.extend_from_slice(credential.to_string().as_bytes());
            seeds.push(seed);
        }
    }
    if let Some(assertion) = assertion_seed(1) {
        let mut seed = vec![1];
        seed.extend_from_slice(assertion.as_bytes());
        seeds.push(seed);
    }
    seeds
}

/// Arbitrary bytes as the `Authorization` and `X-Amz-Date` headers of an admin call.
pub fn authorization(data: &[u8]) {
    let Some(app) = fuzz().map(|f| &f.app) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let (auth, date) = text.split_once('\n').unwrap_or((&text, "20260101T000000Z"));
    let mut headers = HeaderMap::new();
    let (Ok(auth), Ok(date)) = (HeaderValue::from_str(auth), HeaderValue::from_str(date)) else {
        return;
    };
    headers.insert("authorization", auth);
    headers.insert("x-amz-date", date);
    headers.insert("host", HeaderValue::from_static("127.0.0.1:9229"));
    let _ = app.verify_signature("POST", "/", &headers, data);
}

// ---------------------------------------------------------------------------------------------
// An upstream identity provider's ID tokens (federation at the pool's domain)

/// The fake provider the upstream entry point checks tokens against: a fixed P-256 key (`kid`
/// `ec`) beside an RSA key (`kid` of the generated key), so seeds can be signed in code.
const UPSTREAM_SECRET: [u8; 32] = [9; 32];
const UPSTREAM_ISSUER: &str = "http://127.0.0.1:9/idp";
const UPSTREAM_CLIENT: &str = "fuzz-client";
const UPSTREAM_NONCE: &str = "fuzz-nonce";

struct Upstream {
    jwks: Value,
    rsa: crate::jwt::PoolKey,
}

fn upstream() -> Option<&'static Upstream> {
    static UPSTREAM: OnceLock<Option<Upstream>> = OnceLock::new();
    UPSTREAM
        .get_or_init(|| {
            let ec = p256::ecdsa::SigningKey::from_bytes(&UPSTREAM_SECRET.into()).ok()?;
            let point = ec.verifying_key().to_encoded_point(false);
            let (rsa, _) = crate::jwt::PoolKey::generate().ok()?;
            let jwks = json!({ "keys": [
                { "kty": "EC", "crv": "P-256", "kid": "ec", "use": "sig",
                  "x": URL_SAFE_NO_PAD.encode(point.x()?), "y": URL_SAFE_NO_PAD.encode(point.y()?) },
                rsa.jwk(),
            ]});
            Some(Upstream { jwks, rsa })
        })
        .as_ref()
}

/// Arbitrary bytes as what a provider sends back: the first line an ID token verified against
/// the fake provider's JWKS (`lifecycle::idp::verify_id_token`), the second a URL the
/// emulator may or may not call (`lifecycle::idp::upstream_url_allowed`). Never a panic.
pub fn upstream_token(data: &[u8]) {
    let _ = upstream_token_verifies(data);
}

/// [`upstream_token`], telling whether the token verified (the smoke test checks the seeds do).
pub fn upstream_token_verifies(data: &[u8]) -> bool {
    let Some(upstream) = upstream() else {
        return false;
    };
    let text = String::from_utf8_lossy(data);
    let (token, url) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = crate::lifecycle::idp::upstream_url_allowed(url);
    crate::lifecycle::idp::verify_id_token(
        token,
        &upstream.jwks,
        UPSTREAM_ISSUER,
        UPSTREAM_CLIENT,
        UPSTREAM_NONCE,
        1_700_000_000,
    )
    .is_ok()
}

/// Valid ID tokens of the fake provider (ES256 and RS256) with a URL each.
pub fn upstream_token_seeds() -> Vec<Vec<u8>> {
    use p256::ecdsa::signature::Signer as _;
    let Some(upstream) = upstream() else {
        return Vec::new();
    };
    let claims = json!({ "iss": UPSTREAM_ISSUER, "aud": [UPSTREAM_CLIENT, "other"], "azp": UPSTREAM_CLIENT,
                         "sub": "fuzz-user", "exp": 1_800_000_000, "nonce": UPSTREAM_NONCE,
                         "email": "fuzz@example.com", "email_verified": true });
    let mut seeds = Vec::new();
    if let Ok(ec) = p256::ecdsa::SigningKey::from_bytes(&UPSTREAM_SECRET.into()) {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({ "alg": "ES256", "kid": "ec" }).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: p256::ecdsa::Signature = ec.sign(input.as_bytes());
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        seeds.push(format!("{token}\nhttps://idp.example.com/token").into_bytes());
    }
    let token = upstream.rsa.sign(&claims);
    seeds.push(format!("{token}\nhttp://[::1]:8080/.well-known/openid-configuration").into_bytes());
    seeds
}
