//! Passkeys (issue #19): the relying party behind StartWebAuthnRegistration,
//! CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential and
//! GetUserAuthFactors, driven by a software authenticator (a P-256 or Ed25519 key, CBOR
//! attestation object, clientDataJSON as a browser writes it). Every refusal leaves the user without a passkey.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ciborium::value::Value as Cbor;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

const ORIGIN: &str = "http://localhost:5173";

fn config(web_authn: Value, tier: &str) -> Value {
    let mut config = basic_config();
    let pool = &mut config["Pools"][0];
    pool["WebAuthnConfiguration"] = web_authn;
    pool["UserPoolTier"] = json!(tier);
    pool["Policies"]["SignInPolicy"] =
        json!({ "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"] });
    pool["Users"].as_array_mut().unwrap().push(json!({
        "Username": "bob", "Password": "Passw0rd!",
        "Attributes": { "email": "bob@example.com", "email_verified": "true", "name": "Bob" }
    }));
    config
}

async fn server(user_verification: &str) -> RunningServer {
    start_with(config(
        json!({ "RelyingPartyId": "localhost", "UserVerification": user_verification }),
        "ESSENTIALS",
    ))
    .await
}

/// An access token of `username` issued to `client`.
async fn token(server: &RunningServer, client: &str, username: &str) -> String {
    let mut parameters = json!({ "USERNAME": username, "PASSWORD": "Passw0rd!" });
    if client == "secretclient" {
        parameters["SECRET_HASH"] = json!(secret_hash("s3cr3t", username, client));
    }
    let reply = call(
        server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": parameters }),
    )
    .await
    .unwrap();
    reply["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).unwrap();
    out
}

fn int(n: i64) -> Cbor {
    Cbor::Integer(n.into())
}

/// The credential's key pair: ES256 (P-256) or EdDSA (Ed25519).
enum Key {
    P256(SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A software authenticator holding one credential.
struct Authenticator {
    key: Key,
    id: Vec<u8>,
}

/// How to build one registration response; the defaults are a valid one.
struct Make {
    challenge: String,
    origin: String,
    rp_id: String,
    flags: u8,
    kind: &'static str,
    /// Replace the COSE key by one of an algorithm the relying party does not offer (ES384).
    unsupported_key: bool,
    packed: bool,
    /// Bytes after the COSE key (an extensions map when the ED flag is set).
    tail: Vec<u8>,
}

impl Make {
    fn new(challenge: &str) -> Self {
        Make {
            challenge: challenge.to_string(),
            origin: ORIGIN.to_string(),
            rp_id: "localhost".to_string(),
            flags: 0x01 | 0x04 | 0x40,
            kind: "webauthn.create",
            unsupported_key: false,
            packed: false,
            tail: Vec::new(),
        }
    }
}

impl Authenticator {
    fn new() -> Self {
        let id: [u8; 16] = rand::random();
        Authenticator {
            key: Key::P256(SigningKey::random(&mut rand::thread_rng())),
            id: id.to_vec(),
        }
    }

    fn ed25519() -> Self {
        let id: [u8; 16] = rand::random();
        let secret: [u8; 32] = rand::random();
        Authenticator {
            key: Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret)),
            id: id.to_vec(),
        }
    }

    /// The COSE algorithm of the key.
    fn alg(&self) -> i64 {
        match self.key {
            Key::P256(_) => -7,
            Key::Ed25519(_) => -8,
        }
    }

    /// The COSE_Key: EC2 P-256 (kty 2, crv 1, x, y) or OKP Ed25519 (kty 1, crv 6, x).
    fn cose_key(&self) -> Vec<u8> {
        match &self.key {
            Key::P256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                cbor(&Cbor::Map(vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
                    (int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
                ]))
            }
            Key::Ed25519(key) => cbor(&Cbor::Map(vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (
                    int(-2),
                    Cbor::Bytes(key.verifying_key().to_bytes().to_vec()),
                ),
            ])),
        }
    }

    /// A signature as WebAuthn carries it: DER for ECDSA, the raw 64 bytes for EdDSA.
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::P256(key) => {
                let signature: DerSignature = key.sign(message);
                signature.as_bytes().to_vec()
            }
            Key::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }

    fn register(&self, make: &Make) -> Value {
        let client_data = json!({
            "type": make.kind, "challenge": make.challenge, "origin": make.origin, "crossOrigin": false
        })
        .to_string();
        let key = if make.unsupported_key {
            cbor(&Cbor::Map(vec![
                (int(1), int(2)),
                (int(3), int(-35)),
                (int(-1), int(2)),
                (int(-2), Cbor::Bytes(vec![7; 48])),
                (int(-3), Cbor::Bytes(vec![7; 48])),
            ]))
        } else {
            self.cose_key()
        };
        let mut auth_data = Sha256::digest(make.rp_id.as_bytes()).to_vec();
        auth_data.push(make.flags);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.id);
        auth_data.extend_from_slice(&key);
        auth_data.extend_from_slice(&make.tail);
        let statement = if make.packed {
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
            Cbor::Map(vec![
                (Cbor::Text("alg".into()), int(self.alg())),
                (Cbor::Text("sig".into()), Cbor::Bytes(self.sign(&signed))),
            ])
        } else {
            Cbor::Map(vec![])
        };
        let attestation = cbor(&Cbor::Map(vec![
            (
                Cbor::Text("fmt".into()),
                Cbor::Text(if make.packed { "packed" } else { "none" }.into()),
            ),
            (Cbor::Text("attStmt".into()), statement),
            (
                Cbor::Text("authData".into()),
                Cbor::Bytes(auth_data.clone()),
            ),
        ]));
        json!({
            "id": b64(&self.id),
            "rawId": b64(&self.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "attestationObject": b64(&attestation),
                "authenticatorData": b64(&auth_data),
                "transports": ["internal", "hybrid"],
                "publicKeyAlgorithm": self.alg(),
            }
        })
    }
}

async fn start(server: &RunningServer, token: &str) -> Value {
    call(
        server,
        "StartWebAuthnRegistration",
        json!({ "AccessToken": token }),
    )
    .await
    .unwrap()["CredentialCreationOptions"]
        .clone()
}

async fn complete(
    server: &RunningServer,
    token: &str,
    credential: Value,
) -> Result<Value, (String, String)> {
    call(
        server,
        "CompleteWebAuthnRegistration",
        json!({ "AccessToken": token, "Credential": credential }),
    )
    .await
}

async fn list(server: &RunningServer, token: &str) -> Vec<Value> {
    call(
        server,
        "ListWebAuthnCredentials",
        json!({ "AccessToken": token }),
    )
    .await
    .unwrap()["Credentials"]
        .as_array()
        .unwrap()
        .clone()
}

fn challenge_of(options: &Value) -> String {
    options["challenge"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn registers_lists_and_deletes_a_passkey() {
    let server = server("preferred").await;
    let token = token(&server, "publicclient", "alice").await;
    let options = start(&server, &token).await;
    assert_eq!(
        options["rp"],
        json!({ "id": "localhost", "name": "localhost" })
    );
    let sub = call(&server, "GetUser", json!({ "AccessToken": token }))
        .await
        .unwrap()["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "sub")
        .unwrap()["Value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(options["user"]["id"], json!(b64(sub.as_bytes())));
    assert_eq!(options["user"]["name"], "alice");
    assert_eq!(options["user"]["displayName"], "Alice");
    assert_eq!(
        options["pubKeyCredParams"],
        json!([
            { "type": "public-key", "alg": -7 },
            { "type": "public-key", "alg": -8 },
            { "type": "public-key", "alg": -257 }
        ])
    );
    assert_eq!(
        options["authenticatorSelection"],
        json!({ "requireResidentKey": true, "residentKey": "required", "userVerification": "preferred" })
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    assert!(
        URL_SAFE_NO_PAD
            .decode(challenge_of(&options))
            .unwrap()
            .len()
            >= 16
    );

    let authenticator = Authenticator::new();
    let credential = authenticator.register(&Make::new(&challenge_of(&options)));
    assert_eq!(
        complete(&server, &token, credential.clone()).await.unwrap(),
        json!({})
    );
    // The challenge was used once: the same response again finds none.
    assert_eq!(
        code(complete(&server, &token, credential).await),
        "WebAuthnChallengeNotFoundException"
    );

    let listed = list(&server, &token).await;
    assert_eq!(listed.len(), 1);
    let entry = &listed[0];
    assert_eq!(entry["CredentialId"], json!(b64(&authenticator.id)));
    assert_eq!(entry["RelyingPartyId"], "localhost");
    assert_eq!(entry["AuthenticatorAttachment"], "platform");
    assert_eq!(
        entry["AuthenticatorTransports"],
        json!(["internal", "hybrid"])
    );
    assert!(entry["FriendlyCredentialName"].is_string());
    assert!(entry["CreatedAt"].is_i64());

    // The next creation options exclude it.
    let again = start(&server, &token).await;
    assert_eq!(
        again["excludeCredentials"][0]["id"],
        json!(b64(&authenticator.id))
    );

    let factors = call(
        &server,
        "GetUserAuthFactors",
        json!({ "AccessToken": token }),
    )
    .await
    .unwrap();
    assert_eq!(factors["Username"], "alice");
    assert_eq!(
        factors["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
    );

    // A second passkey with packed self attestation, then paging.
    let second = Authenticator::new();
    let mut make = Make::new(&challenge_of(&again));
    make.packed = true;
    complete(&server, &token, second.register(&make))
        .await
        .unwrap();
    let page = call(
        &server,
        "ListWebAuthnCredentials",
        json!({ "AccessToken": token, "MaxResults": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(page["Credentials"].as_array().unwrap().len(), 1);
    let next = page["NextToken"].as_str().unwrap();
    let rest = call(
        &server,
        "ListWebAuthnCredentials",
        json!({ "AccessToken": token, "MaxResults": 1, "NextToken": next }),
    )
    .await
    .unwrap();
    assert_eq!(rest["Credentials"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());

    call(
        &server,
        "DeleteWebAuthnCredential",
        json!({ "AccessToken": token, "CredentialId": b64(&authenticator.id) }),
    )
    .await
    .unwrap();
    assert_eq!(list(&server, &token).await.len(), 1);
    assert_eq!(
        code(
            call(
                &server,
                "DeleteWebAuthnCredential",
                json!({ "AccessToken": token, "CredentialId": b64(&authenticator.id) }),
            )
            .await
        ),
        "ResourceNotFoundException"
    );
}

/// Starts a registration, sends what `build` makes of its challenge, and checks the refusal
/// and that nothing was stored.
async fn refused(
    server: &RunningServer,
    token: &str,
    expected: &str,
    build: impl FnOnce(&str) -> Value,
) {
    let options = start(server, token).await;
    let credential = build(&challenge_of(&options));
    assert_eq!(code(complete(server, token, credential).await), expected);
    assert!(list(server, token).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn refuses_bad_registrations_and_stores_nothing() {
    let server = server("preferred").await;
    let token = token(&server, "publicclient", "alice").await;
    let authenticator = Authenticator::new();
    let invalid = "InvalidParameterException";

    refused(&server, &token, invalid, |_| json!("not json")).await;
    refused(&server, &token, invalid, |_| json!({})).await;
    refused(&server, &token, invalid, |_| json!([1, 2])).await;
    refused(&server, &token, invalid, |challenge| {
        let mut credential = authenticator.register(&Make::new(challenge));
        credential["padding"] = json!("x".repeat(20_000));
        credential
    })
    .await;
    refused(&server, &token, invalid, |challenge| {
        let mut credential = authenticator.register(&Make::new(challenge));
        credential["response"]["attestationObject"] = json!(b64(b"\xff\x00not cbor"));
        credential
    })
    .await;
    refused(&server, &token, invalid, |challenge| {
        let mut make = Make::new(challenge);
        make.kind = "webauthn.get";
        authenticator.register(&make)
    })
    .await;
    refused(
        &server,
        &token,
        "WebAuthnChallengeNotFoundException",
        |_| authenticator.register(&Make::new(&b64(&[9; 16]))),
    )
    .await;
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "https://notlocalhost",
        "ftp://localhost",
    ] {
        refused(
            &server,
            &token,
            "WebAuthnOriginNotAllowedException",
            |challenge| {
                let mut make = Make::new(challenge);
                make.origin = origin.to_string();
                authenticator.register(&make)
            },
        )
        .await;
    }
    refused(
        &server,
        &token,
        "WebAuthnRelyingPartyMismatchException",
        |challenge| {
            let mut make = Make::new(challenge);
            make.rp_id = "example.com".to_string();
            authenticator.register(&make)
        },
    )
    .await;
    refused(&server, &token, invalid, |challenge| {
        let mut make = Make::new(challenge);
        make.flags = 0x04 | 0x40; // no user presence
        authenticator.register(&make)
    })
    .await;
    refused(
        &server,
        &token,
        "WebAuthnCredentialNotSupportedException",
        |challenge| {
            let mut make = Make::new(challenge);
            make.unsupported_key = true;
            authenticator.register(&make)
        },
    )
    .await;
    // A packed self attestation whose signature is not over these bytes.
    refused(&server, &token, invalid, |challenge| {
        let mut make = Make::new(challenge);
        make.packed = true;
        let mut credential = authenticator.register(&make);
        let other = authenticator.register(&Make::new(challenge));
        credential["response"]["clientDataJSON"] = other["response"]["clientDataJSON"].clone();
        let mut data: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(credential["response"]["clientDataJSON"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        data["extra"] = json!(1);
        credential["response"]["clientDataJSON"] = json!(b64(data.to_string().as_bytes()));
        credential
    })
    .await;

    // No registration started, or one that expired.
    assert_eq!(
        code(
            complete(
                &server,
                &token,
                authenticator.register(&Make::new(&b64(&[1; 16])))
            )
            .await
        ),
        "WebAuthnChallengeNotFoundException"
    );
    // Bytes after the credential data that are not one extensions map under the ED flag.
    refused(&server, &token, invalid, |challenge| {
        let mut make = Make::new(challenge);
        make.tail = b"trailing junk".to_vec();
        authenticator.register(&make)
    })
    .await;
    refused(&server, &token, invalid, |challenge| {
        let mut make = Make::new(challenge);
        make.flags |= 0x80;
        make.tail = cbor(&Cbor::Map(vec![(Cbor::Text("credProtect".into()), int(1))]));
        make.tail.extend_from_slice(b"junk");
        authenticator.register(&make)
    })
    .await;
    let options = start(&server, &token).await;
    advance(&server, 301).await;
    let token = self::token(&server, "publicclient", "alice").await;
    assert_eq!(
        code(
            complete(
                &server,
                &token,
                authenticator.register(&Make::new(&challenge_of(&options)))
            )
            .await
        ),
        "WebAuthnChallengeNotFoundException"
    );
    assert!(list(&server, &token).await.is_empty());
    // One extensions map under the ED flag is an authenticator's own: accepted.
    let options = start(&server, &token).await;
    let mut make = Make::new(&challenge_of(&options));
    make.flags |= 0x80;
    make.tail = cbor(&Cbor::Map(vec![(Cbor::Text("credProtect".into()), int(1))]));
    complete(&server, &token, authenticator.register(&make))
        .await
        .unwrap();
    assert_eq!(list(&server, &token).await.len(), 1);
}

#[tokio::test]
async fn user_verification_required_refuses_a_response_without_it() {
    let server = server("required").await;
    let token = token(&server, "publicclient", "alice").await;
    let options = start(&server, &token).await;
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    let authenticator = Authenticator::new();
    let mut make = Make::new(&challenge_of(&options));
    make.flags = 0x01 | 0x40;
    assert_eq!(
        code(complete(&server, &token, authenticator.register(&make)).await),
        "InvalidParameterException"
    );
    assert!(list(&server, &token).await.is_empty());
}

#[tokio::test]
async fn another_client_cannot_complete_and_ids_are_unique_in_the_pool() {
    let server = server("preferred").await;
    let alice = token(&server, "publicclient", "alice").await;
    let alice_other_client = token(&server, "secretclient", "alice").await;
    let authenticator = Authenticator::new();
    let options = start(&server, &alice).await;
    let credential = authenticator.register(&Make::new(&challenge_of(&options)));
    assert_eq!(
        code(complete(&server, &alice_other_client, credential.clone()).await),
        "WebAuthnClientMismatchException"
    );
    assert!(list(&server, &alice).await.is_empty());
    // The registration is still there for the client that started it.
    complete(&server, &alice, credential).await.unwrap();

    // The same credential id for bob: refused, bob has none.
    let bob = token(&server, "publicclient", "bob").await;
    let options = start(&server, &bob).await;
    assert_eq!(
        code(
            complete(
                &server,
                &bob,
                authenticator.register(&Make::new(&challenge_of(&options)))
            )
            .await
        ),
        "InvalidParameterException"
    );
    assert!(list(&server, &bob).await.is_empty());
    assert_eq!(list(&server, &alice).await.len(), 1);
    let factors = call(&server, "GetUserAuthFactors", json!({ "AccessToken": bob }))
        .await
        .unwrap();
    assert_eq!(
        factors["ConfiguredUserAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP"])
    );
}

#[tokio::test]
async fn a_pool_without_a_relying_party_refuses() {
    let missing = start_with(config(
        json!({ "UserVerification": "preferred" }),
        "ESSENTIALS",
    ))
    .await;
    let token = token(&missing, "publicclient", "alice").await;
    assert_eq!(
        code(
            call(
                &missing,
                "StartWebAuthnRegistration",
                json!({ "AccessToken": token })
            )
            .await
        ),
        "WebAuthnConfigurationMissingException"
    );
    // A LITE pool cannot be given a relying party at all (the configuration is refused); one
    // without it answers that passkeys are not enabled.
    let mut lite_config = config(json!({}), "LITE");
    let pool = lite_config["Pools"][0].as_object_mut().unwrap();
    pool.remove("WebAuthnConfiguration");
    pool["Policies"]
        .as_object_mut()
        .unwrap()
        .remove("SignInPolicy");
    let lite = start_with(lite_config).await;
    let token = self::token(&lite, "publicclient", "alice").await;
    assert_eq!(
        code(
            call(
                &lite,
                "StartWebAuthnRegistration",
                json!({ "AccessToken": token })
            )
            .await
        ),
        "WebAuthnNotEnabledException"
    );
    // A pool with a relying party but no sign-in policy allows PASSWORD only: a passkey could
    // be registered but never used, so registration is refused.
    let mut no_policy = config(
        json!({ "RelyingPartyId": "localhost", "UserVerification": "preferred" }),
        "ESSENTIALS",
    );
    no_policy["Pools"][0]["Policies"]
        .as_object_mut()
        .unwrap()
        .remove("SignInPolicy");
    let no_policy = start_with(no_policy).await;
    let token = self::token(&no_policy, "publicclient", "alice").await;
    assert_eq!(
        code(
            call(
                &no_policy,
                "StartWebAuthnRegistration",
                json!({ "AccessToken": token })
            )
            .await
        ),
        "WebAuthnNotEnabledException"
    );
}

impl Authenticator {
    /// An AuthenticationResponseJSON for `challenge`, with signature counter `count`.
    fn assert(&self, challenge: &str, count: u32, user_handle: Option<&str>) -> String {
        let client_data = json!({
            "type": "webauthn.get", "challenge": challenge, "origin": ORIGIN, "crossOrigin": false
        })
        .to_string();
        let mut auth_data = Sha256::digest(b"localhost").to_vec();
        auth_data.push(0x01 | 0x04);
        auth_data.extend_from_slice(&count.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let mut response = json!({
            "clientDataJSON": b64(client_data.as_bytes()),
            "authenticatorData": b64(&auth_data),
            "signature": b64(&self.sign(&signed)),
        });
        if let Some(handle) = user_handle {
            response["userHandle"] = json!(handle);
        }
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "authenticatorAttachment": "platform", "clientExtensionResults": {}, "response": response,
        })
        .to_string()
    }
}

/// Choice-based sign-in with a passkey: USER_AUTH offers WEB_AUTHN once the user has one, the
/// WEB_AUTHN challenge carries the request options, and an assertion of the registered key signs
/// in; a replayed assertion, a wrong key and a deleted passkey are refused.
#[tokio::test]
async fn signs_in_with_a_passkey_through_user_auth() {
    let mut config = config(
        json!({ "RelyingPartyId": "localhost", "UserVerification": "preferred" }),
        "ESSENTIALS",
    );
    config["Pools"][0]["Clients"][0]["ExplicitAuthFlows"] = json!([
        "ALLOW_USER_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH"
    ]);
    let server = start_with(config).await;
    let user_auth = |preferred: Option<&str>| {
        let mut auth = json!({ "USERNAME": "alice" });
        if let Some(p) = preferred {
            auth["PREFERRED_CHALLENGE"] = json!(p);
        }
        json!({ "AuthFlow": "USER_AUTH", "ClientId": "publicclient", "AuthParameters": auth })
    };
    // No passkey yet: not offered.
    let choice = call(&server, "InitiateAuth", user_auth(None))
        .await
        .unwrap();
    assert_eq!(choice["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        choice["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );

    let token = token(&server, "publicclient", "alice").await;
    let authenticator = Authenticator::new();
    let options = start(&server, &token).await;
    let registered = authenticator.register(&Make::new(&challenge_of(&options)));
    complete(&server, &token, registered).await.unwrap();
    let choice = call(&server, "InitiateAuth", user_auth(None))
        .await
        .unwrap();
    assert_eq!(
        choice["AvailableChallenges"],
        json!(["WEB_AUTHN", "PASSWORD", "PASSWORD_SRP"])
    );

    let asked = call(&server, "InitiateAuth", user_auth(Some("WEB_AUTHN")))
        .await
        .unwrap();
    assert_eq!(asked["ChallengeName"], "WEB_AUTHN");
    let request: Value = serde_json::from_str(
        asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(request["rpId"], "localhost");
    assert_eq!(request["allowCredentials"][0]["id"], b64(&authenticator.id));
    let challenge = request["challenge"].as_str().unwrap().to_string();
    let answer = |session: &Value, credential: String| {
        json!({
            "ClientId": "publicclient", "ChallengeName": "WEB_AUTHN", "Session": session,
            "ChallengeResponses": { "USERNAME": "alice", "CREDENTIAL": credential }
        })
    };
    let assertion = authenticator.assert(&challenge, 1, None);
    let done = call(
        &server,
        "RespondToAuthChallenge",
        answer(&asked["Session"], assertion.clone()),
    )
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["IdToken"].is_string());

    // The same assertion again (counter 1 again) on a new challenge: refused.
    let again = call(&server, "InitiateAuth", user_auth(Some("WEB_AUTHN")))
        .await
        .unwrap();
    let replayed = call(
        &server,
        "RespondToAuthChallenge",
        answer(&again["Session"], assertion),
    )
    .await
    .unwrap_err();
    assert_eq!(replayed.0, "NotAuthorizedException");
    // Another key with the same credential id: refused.
    let other = Authenticator {
        key: Key::P256(SigningKey::random(&mut rand::thread_rng())),
        id: authenticator.id.clone(),
    };
    let again = call(&server, "InitiateAuth", user_auth(Some("WEB_AUTHN")))
        .await
        .unwrap();
    let request: Value = serde_json::from_str(
        again["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let forged = other.assert(request["challenge"].as_str().unwrap(), 5, None);
    let refused = call(
        &server,
        "RespondToAuthChallenge",
        answer(&again["Session"], forged),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException");
    // Deleted: no longer offered, and an old challenge's assertion is refused.
    let pending = call(&server, "InitiateAuth", user_auth(Some("WEB_AUTHN")))
        .await
        .unwrap();
    call(
        &server,
        "DeleteWebAuthnCredential",
        json!({ "AccessToken": token, "CredentialId": b64(&authenticator.id) }),
    )
    .await
    .unwrap();
    let request: Value = serde_json::from_str(
        pending["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let late = authenticator.assert(request["challenge"].as_str().unwrap(), 9, None);
    let refused = call(
        &server,
        "RespondToAuthChallenge",
        answer(&pending["Session"], late),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException");
    let choice = call(&server, "InitiateAuth", user_auth(None))
        .await
        .unwrap();
    assert_eq!(
        choice["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
}

/// EdDSA (COSE -8, Ed25519) passkeys: an Ed25519 credential registers (attestation none and
/// packed self attestation, both signed with ed25519-dalek) and signs in through USER_AUTH; a
/// signature by another Ed25519 key for the same credential id is refused.
#[tokio::test]
async fn an_ed25519_passkey_registers_and_signs_in() {
    let mut config = config(
        json!({ "RelyingPartyId": "localhost", "UserVerification": "required" }),
        "ESSENTIALS",
    );
    config["Pools"][0]["Clients"][0]["ExplicitAuthFlows"] = json!([
        "ALLOW_USER_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH"
    ]);
    let server = start_with(config).await;
    let token = token(&server, "publicclient", "alice").await;
    let authenticator = Authenticator::ed25519();
    let options = start(&server, &token).await;
    complete(
        &server,
        &token,
        authenticator.register(&Make::new(&challenge_of(&options))),
    )
    .await
    .unwrap();
    let packed = Authenticator::ed25519();
    let mut make = Make::new(&challenge_of(&start(&server, &token).await));
    make.packed = true;
    complete(&server, &token, packed.register(&make))
        .await
        .unwrap();
    // A packed self attestation whose signature is another Ed25519 key's: refused, nothing stored.
    let mut make = Make::new(&challenge_of(&start(&server, &token).await));
    make.packed = true;
    let claimed = Authenticator::ed25519();
    let mut credential = claimed.register(&make);
    let object: Cbor = ciborium::de::from_reader(
        URL_SAFE_NO_PAD
            .decode(
                credential["response"]["attestationObject"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let mut members = object.into_map().unwrap();
    let auth_data = members
        .iter()
        .find(|(k, _)| k.as_text() == Some("authData"))
        .and_then(|(_, v)| v.as_bytes().cloned())
        .unwrap();
    let client_data = URL_SAFE_NO_PAD
        .decode(credential["response"]["clientDataJSON"].as_str().unwrap())
        .unwrap();
    let mut signed = auth_data;
    signed.extend_from_slice(&Sha256::digest(&client_data));
    let wrong_signature = Authenticator::ed25519().sign(&signed);
    for (key, value) in members.iter_mut() {
        if key.as_text() == Some("attStmt") {
            *value = Cbor::Map(vec![
                (Cbor::Text("alg".into()), int(-8)),
                (
                    Cbor::Text("sig".into()),
                    Cbor::Bytes(wrong_signature.clone()),
                ),
            ]);
        }
    }
    credential["response"]["attestationObject"] = json!(b64(&cbor(&Cbor::Map(members))));
    assert_eq!(
        code(complete(&server, &token, credential).await),
        "InvalidParameterException"
    );
    assert_eq!(list(&server, &token).await.len(), 2);

    let begin = json!({ "AuthFlow": "USER_AUTH", "ClientId": "publicclient",
                        "AuthParameters": { "USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN" } });
    let asked = call(&server, "InitiateAuth", begin.clone()).await.unwrap();
    assert_eq!(asked["ChallengeName"], "WEB_AUTHN");
    let request: Value = serde_json::from_str(
        asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let challenge = request["challenge"].as_str().unwrap().to_string();
    let answer = |session: &Value, credential: String| {
        json!({
            "ClientId": "publicclient", "ChallengeName": "WEB_AUTHN", "Session": session,
            "ChallengeResponses": { "USERNAME": "alice", "CREDENTIAL": credential }
        })
    };
    // Another Ed25519 key claiming this credential id: refused.
    let other = Authenticator {
        key: Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&rand::random())),
        id: authenticator.id.clone(),
    };
    let refused = call(
        &server,
        "RespondToAuthChallenge",
        answer(&asked["Session"], other.assert(&challenge, 1, None)),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException");

    let asked = call(&server, "InitiateAuth", begin.clone()).await.unwrap();
    let request: Value = serde_json::from_str(
        asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let challenge = request["challenge"].as_str().unwrap().to_string();
    let done = call(
        &server,
        "RespondToAuthChallenge",
        answer(&asked["Session"], authenticator.assert(&challenge, 1, None)),
    )
    .await
    .unwrap();
    let id_token = done["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["cognito:username"], "alice");
    // The packed-attested Ed25519 passkey signs in too.
    let asked = call(&server, "InitiateAuth", begin).await.unwrap();
    let request: Value = serde_json::from_str(
        asked["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let challenge = request["challenge"].as_str().unwrap().to_string();
    call(
        &server,
        "RespondToAuthChallenge",
        answer(&asked["Session"], packed.assert(&challenge, 1, None)),
    )
    .await
    .unwrap();
}
