//! Passkeys (issue #19): the relying party behind StartWebAuthnRegistration,
//! CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential and
//! GetUserAuthFactors, driven by a software authenticator (P-256 key, CBOR attestation object,
//! clientDataJSON as a browser writes it). Every refusal leaves the user without a passkey.
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

/// A software authenticator holding one P-256 credential.
struct Authenticator {
    key: SigningKey,
    id: Vec<u8>,
}

/// How to build one registration response; the defaults are a valid one.
struct Make {
    challenge: String,
    origin: String,
    rp_id: String,
    flags: u8,
    kind: &'static str,
    /// Replace the COSE key by an EdDSA (OKP) key.
    eddsa: bool,
    packed: bool,
}

impl Make {
    fn new(challenge: &str) -> Self {
        Make {
            challenge: challenge.to_string(),
            origin: ORIGIN.to_string(),
            rp_id: "localhost".to_string(),
            flags: 0x01 | 0x04 | 0x40,
            kind: "webauthn.create",
            eddsa: false,
            packed: false,
        }
    }
}

impl Authenticator {
    fn new() -> Self {
        let key = SigningKey::random(&mut rand::thread_rng());
        let id: [u8; 16] = rand::random();
        Authenticator {
            key,
            id: id.to_vec(),
        }
    }

    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        cbor(&Cbor::Map(vec![
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
            (int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
        ]))
    }

    fn register(&self, make: &Make) -> Value {
        let client_data = json!({
            "type": make.kind, "challenge": make.challenge, "origin": make.origin, "crossOrigin": false
        })
        .to_string();
        let key = if make.eddsa {
            cbor(&Cbor::Map(vec![
                (int(1), int(1)),
                (int(3), int(-8)),
                (int(-1), int(6)),
                (int(-2), Cbor::Bytes(vec![7; 32])),
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
        let statement = if make.packed {
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
            let signature: DerSignature = self.key.sign(&signed);
            Cbor::Map(vec![
                (Cbor::Text("alg".into()), int(-7)),
                (
                    Cbor::Text("sig".into()),
                    Cbor::Bytes(signature.as_bytes().to_vec()),
                ),
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
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data.clone())),
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
                "publicKeyAlgorithm": -7,
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
    assert_eq!(options["rp"], json!({ "id": "localhost", "name": "localhost" }));
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
        json!([{ "type": "public-key", "alg": -7 }, { "type": "public-key", "alg": -257 }])
    );
    assert_eq!(
        options["authenticatorSelection"],
        json!({ "requireResidentKey": true, "residentKey": "required", "userVerification": "preferred" })
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    assert!(URL_SAFE_NO_PAD.decode(challenge_of(&options)).unwrap().len() >= 16);

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
    assert_eq!(entry["AuthenticatorTransports"], json!(["internal", "hybrid"]));
    assert!(entry["FriendlyCredentialName"].is_string());
    assert!(entry["CreatedAt"].is_i64());

    // The next creation options exclude it.
    let again = start(&server, &token).await;
    assert_eq!(
        again["excludeCredentials"][0]["id"],
        json!(b64(&authenticator.id))
    );

    let factors = call(&server, "GetUserAuthFactors", json!({ "AccessToken": token }))
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
            make.eddsa = true;
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
        code(complete(&server, &token, authenticator.register(&Make::new(&b64(&[1; 16])))).await),
        "WebAuthnChallengeNotFoundException"
    );
    let options = start(&server, &token).await;
    advance(&server, 301).await;
    let token = self::token(&server, "publicclient", "alice").await;
    assert_eq!(
        code(complete(&server, &token, authenticator.register(&Make::new(&challenge_of(&options)))).await),
        "WebAuthnChallengeNotFoundException"
    );
    assert!(list(&server, &token).await.is_empty());
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
        code(complete(&server, &bob, authenticator.register(&Make::new(&challenge_of(&options)))).await),
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
    let missing = start_with(config(json!({ "UserVerification": "preferred" }), "ESSENTIALS")).await;
    let token = token(&missing, "publicclient", "alice").await;
    assert_eq!(
        code(call(&missing, "StartWebAuthnRegistration", json!({ "AccessToken": token })).await),
        "WebAuthnConfigurationMissingException"
    );
    let lite = start_with(config(
        json!({ "RelyingPartyId": "localhost", "UserVerification": "preferred" }),
        "LITE",
    ))
    .await;
    let token = self::token(&lite, "publicclient", "alice").await;
    assert_eq!(
        code(call(&lite, "StartWebAuthnRegistration", json!({ "AccessToken": token })).await),
        "WebAuthnNotEnabledException"
    );
}
