//! The passkey relying party (WebAuthn Level 3): creation options and the verification of a
//! RegistrationResponseJSON (StartWebAuthnRegistration / CompleteWebAuthnRegistration), request
//! options and the verification of an AuthenticationResponseJSON (the WEB_AUTHN challenge).
//!
//! CBOR and COSE are read with `ciborium`, signatures checked with `p256` (ES256), `rsa`
//! (RS256) and `ed25519-dalek` (EdDSA over Ed25519). Every check that fails is a typed error and nothing is stored: the functions that
//! change a user do so only once every check has passed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ciborium::value::Value as Cbor;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{Pool, User, WebAuthnCredential};

/// How long a registration or sign-in challenge lives, in seconds.
pub const CHALLENGE_TTL_SECONDS: i64 = 300;
/// Largest credential JSON (RegistrationResponseJSON / AuthenticationResponseJSON) accepted.
pub const MAX_CREDENTIAL_JSON_BYTES: usize = 16 * 1024;
/// Passkeys one user may register.
pub const MAX_PASSKEYS_PER_USER: usize = 20;
/// Longest credential id, in bytes (WebAuthn Level 3: at most 1023).
const MAX_CREDENTIAL_ID_BYTES: usize = 1023;
/// The `timeout` of the creation options, in milliseconds.
const REGISTRATION_TIMEOUT_MS: i64 = 60_000;
/// The `timeout` of the request options, in milliseconds.
const SIGN_IN_TIMEOUT_MS: i64 = 180_000;
/// COSE algorithms: ES256, EdDSA, RS256.
const ES256: i64 = -7;
const EDDSA: i64 = -8;
const RS256: i64 = -257;
/// COSE key types and the Ed25519 curve (RFC 9053).
const KTY_OKP: i128 = 1;
const KTY_EC2: i128 = 2;
const KTY_RSA: i128 = 3;
const CRV_P256: i128 = 1;
const CRV_ED25519: i128 = 6;

/// Authenticator data flags.
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// The pool's relying party, as the checks need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    /// The RP ID (a domain, or `localhost`).
    pub id: String,
    /// Whether `UserVerification` is `required`.
    pub user_verification_required: bool,
}

impl RelyingParty {
    fn user_verification(&self) -> &'static str {
        if self.user_verification_required {
            "required"
        } else {
            "preferred"
        }
    }
}

fn not_enabled() -> ApiError {
    ApiError::new(
        "WebAuthnNotEnabledException",
        "Passkeys are not enabled for this user pool.",
    )
}

fn challenge_not_found() -> ApiError {
    ApiError::new(
        "WebAuthnChallengeNotFoundException",
        "The WebAuthn challenge was not found or has expired.",
    )
}

fn rp_mismatch() -> ApiError {
    ApiError::new(
        "WebAuthnRelyingPartyMismatchException",
        "The credential is not for this relying party.",
    )
}

fn origin_not_allowed() -> ApiError {
    ApiError::new(
        "WebAuthnOriginNotAllowedException",
        "The origin of the credential is not allowed for this relying party.",
    )
}

fn not_supported(message: &str) -> ApiError {
    ApiError::new("WebAuthnCredentialNotSupportedException", message)
}

fn malformed(what: &str) -> ApiError {
    ApiError::invalid_parameter(format!("Invalid credential: {what}."))
}

fn sign_in_refused() -> ApiError {
    ApiError::not_authorized("Incorrect passkey.")
}

/// The pool's relying party. WebAuthnNotEnabledException on the LITE tier or when `WEB_AUTHN` is
/// not an allowed first factor (a pool without a sign-in policy allows `PASSWORD` only);
/// WebAuthnConfigurationMissingException without an RP ID.
pub fn relying_party(pool: &Pool) -> ApiResult<RelyingParty> {
    let settings = &pool.settings;
    if settings.user_pool_tier.as_deref() == Some("LITE")
        || !settings
            .allowed_first_auth_factors()
            .iter()
            .any(|f| f == "WEB_AUTHN")
    {
        return Err(not_enabled());
    }
    let config = settings.web_authn_configuration.as_ref();
    let id = config
        .and_then(|c| c.relying_party_id.clone())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                "WebAuthnConfigurationMissingException",
                "The user pool doesn't have a configured relying party id or a user pool domain.",
            )
        })?;
    Ok(RelyingParty {
        id: id.to_ascii_lowercase(),
        user_verification_required: config.is_some_and(|c| c.user_verification == "required"),
    })
}

/// A new random challenge (16 bytes, base64url).
pub fn new_challenge() -> String {
    URL_SAFE_NO_PAD.encode(crypto::random_bytes(16))
}

fn descriptors(user: &User) -> Vec<Value> {
    user.webauthn_credentials
        .values()
        .map(|c| {
            let mut d = json!({ "type": "public-key", "id": c.credential_id });
            if !c.transports.is_empty() {
                d["transports"] = json!(c.transports);
            }
            d
        })
        .collect()
}

/// The PublicKeyCredentialCreationOptions of StartWebAuthnRegistration, with `challenge`.
/// LimitExceededException when the user already has the most passkeys allowed.
pub fn creation_options(rp: &RelyingParty, user: &User, challenge: &str) -> ApiResult<Value> {
    if user.webauthn_credentials.len() >= MAX_PASSKEYS_PER_USER {
        return Err(ApiError::new(
            "LimitExceededException",
            format!("A user may register at most {MAX_PASSKEYS_PER_USER} passkeys."),
        ));
    }
    let name = user
        .attr("preferred_username")
        .unwrap_or(&user.username)
        .to_string();
    Ok(json!({
        "rp": { "id": rp.id, "name": rp.id },
        "user": {
            "id": URL_SAFE_NO_PAD.encode(user.sub.as_bytes()),
            "name": name,
            "displayName": user.attr("name").unwrap_or_default(),
        },
        "challenge": challenge,
        "pubKeyCredParams": [
            { "type": "public-key", "alg": ES256 },
            { "type": "public-key", "alg": EDDSA },
            { "type": "public-key", "alg": RS256 },
        ],
        "timeout": REGISTRATION_TIMEOUT_MS,
        "excludeCredentials": descriptors(user),
        "authenticatorSelection": {
            "requireResidentKey": true,
            "residentKey": "required",
            "userVerification": rp.user_verification(),
        },
    }))
}

/// The PublicKeyCredentialRequestOptions of the WEB_AUTHN challenge, with a new challenge:
/// `(challenge, options)`. `allowCredentials` lists the user's passkeys (empty without a user:
/// a discoverable credential). The caller keeps the challenge with its sign-in session and
/// hands it to [`verify_assertion`].
pub fn request_options(rp: &RelyingParty, user: Option<&User>) -> (String, Value) {
    let challenge = new_challenge();
    let allow = user.map(descriptors).unwrap_or_default();
    let options = json!({
        "hints": [],
        "attestation": "none",
        "attestationFormats": [],
        "challenge": challenge,
        "timeout": SIGN_IN_TIMEOUT_MS,
        "rpId": rp.id,
        "allowCredentials": allow,
        "userVerification": rp.user_verification(),
    });
    (challenge, options)
}

/// What the client sent: the credential as a JSON value (CompleteWebAuthnRegistration's
/// document) or a JSON string (the WEB_AUTHN challenge's CREDENTIAL). Refuses anything over
/// [`MAX_CREDENTIAL_JSON_BYTES`] or not an object.
pub fn parse_credential(value: &Value) -> ApiResult<Value> {
    let parsed = match value {
        Value::String(text) => {
            if text.len() > MAX_CREDENTIAL_JSON_BYTES {
                return Err(too_large());
            }
            serde_json::from_str::<Value>(text).map_err(|_| malformed("not JSON"))?
        }
        other => {
            let size = serde_json::to_vec(other)
                .map(|v| v.len())
                .unwrap_or(usize::MAX);
            if size > MAX_CREDENTIAL_JSON_BYTES {
                return Err(too_large());
            }
            other.clone()
        }
    };
    if !parsed.is_object() {
        return Err(malformed("not a JSON object"));
    }
    Ok(parsed)
}

fn too_large() -> ApiError {
    ApiError::invalid_parameter(format!(
        "The credential is larger than {MAX_CREDENTIAL_JSON_BYTES} bytes."
    ))
}

fn b64_member(value: &Value, key: &str) -> ApiResult<Vec<u8>> {
    let text = value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(&format!("{key} missing")))?;
    decode_b64url(text).ok_or_else(|| malformed(&format!("{key} is not base64url")))
}

fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    // Clients differ on padding; accept it but nothing else beyond the URL-safe alphabet.
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// The common parts of both responses: `id` equal to `rawId`, `type` public-key, the
/// `response` object and the parsed clientDataJSON with its hash.
struct Envelope {
    raw_id: Vec<u8>,
    response: Value,
    client_data_hash: [u8; 32],
}

fn open_envelope(
    credential: &Value,
    rp: &RelyingParty,
    expected_type: &str,
    expected_challenge: &str,
) -> ApiResult<Envelope> {
    if credential.get("type").and_then(Value::as_str) != Some("public-key") {
        return Err(malformed("type is not public-key"));
    }
    let raw_id = b64_member(credential, "rawId")?;
    let id = b64_member(credential, "id")?;
    if raw_id != id || raw_id.is_empty() || raw_id.len() > MAX_CREDENTIAL_ID_BYTES {
        return Err(malformed("id and rawId differ or have a bad length"));
    }
    let response = credential
        .get("response")
        .filter(|r| r.is_object())
        .cloned()
        .ok_or_else(|| malformed("response missing"))?;
    let client_data_bytes = b64_member(&response, "clientDataJSON")?;
    let client_data: Value =
        serde_json::from_slice(&client_data_bytes).map_err(|_| malformed("clientDataJSON"))?;
    if client_data.get("type").and_then(Value::as_str) != Some(expected_type) {
        return Err(malformed(&format!(
            "clientDataJSON type is not {expected_type}"
        )));
    }
    let challenge = client_data
        .get("challenge")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("clientDataJSON challenge missing"))?;
    let same = match (decode_b64url(challenge), decode_b64url(expected_challenge)) {
        (Some(a), Some(b)) => crypto::ct_eq(&a, &b),
        _ => false,
    };
    if !same {
        return Err(challenge_not_found());
    }
    let origin = client_data
        .get("origin")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("clientDataJSON origin missing"))?;
    if !origin_allowed(origin, &rp.id) {
        return Err(origin_not_allowed());
    }
    if client_data.get("crossOrigin").and_then(Value::as_bool) == Some(true) {
        return Err(origin_not_allowed());
    }
    Ok(Envelope {
        raw_id,
        response,
        client_data_hash: Sha256::digest(&client_data_bytes).into(),
    })
}

/// An origin the RP ID admits: `https://` the RP ID or a subdomain of it, with any port, and
/// `http://localhost[:port]` when the RP ID is `localhost`. Nothing after the authority.
pub fn origin_allowed(origin: &str, rp_id: &str) -> bool {
    let (secure, rest) = if let Some(rest) = origin.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        (false, rest)
    } else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return false;
    }
    let host = host.to_ascii_lowercase();
    let rp_id = rp_id.to_ascii_lowercase();
    if !secure {
        return rp_id == "localhost" && host == "localhost";
    }
    host == rp_id
        || host
            .strip_suffix(rp_id.as_str())
            .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1)
}

/// The parsed authenticator data.
struct AuthData {
    rp_id_hash: [u8; 32],
    flags: u8,
    sign_count: u32,
    /// With AT: credential id and the COSE key's CBOR bytes.
    attested: Option<(Vec<u8>, Vec<u8>)>,
}

fn parse_auth_data(bytes: &[u8]) -> ApiResult<AuthData> {
    let bad = || malformed("authenticator data");
    let rp_id_hash: [u8; 32] = bytes
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let flags = *bytes.get(32).ok_or_else(bad)?;
    let count: [u8; 4] = bytes
        .get(33..37)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(bad)?;
    let sign_count = u32::from_be_bytes(count);
    let mut attested = None;
    // What follows the attested credential data (or the fixed 37 bytes).
    let mut rest = bytes.get(37..).ok_or_else(bad)?;
    if flags & FLAG_AT != 0 {
        // aaguid (16), credential id length (2), credential id, COSE key.
        let len: [u8; 2] = bytes
            .get(53..55)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(bad)?;
        let len = usize::from(u16::from_be_bytes(len));
        if len == 0 || len > MAX_CREDENTIAL_ID_BYTES {
            return Err(bad());
        }
        let id = bytes.get(55..55 + len).ok_or_else(bad)?.to_vec();
        let key_and_rest = bytes.get(55 + len..).ok_or_else(bad)?;
        let mut reader = key_and_rest;
        let _key: Cbor = ciborium::de::from_reader(&mut reader).map_err(|_| bad())?;
        let used = key_and_rest.len() - reader.len();
        let key = key_and_rest.get(..used).ok_or_else(bad)?.to_vec();
        attested = Some((id, key));
        rest = reader;
    }
    // The authenticator data ends there, or after one extensions map when ED is set (WebAuthn
    // §6.1): anything else is not an authenticator's.
    if flags & FLAG_ED != 0 {
        let _extensions: Cbor = ciborium::de::from_reader(&mut rest).map_err(|_| bad())?;
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(AuthData {
        rp_id_hash,
        flags,
        sign_count,
        attested,
    })
}

fn check_flags(rp: &RelyingParty, data: &AuthData) -> ApiResult<()> {
    if data.flags & FLAG_UP == 0 {
        return Err(malformed("user presence flag not set"));
    }
    if rp.user_verification_required && data.flags & FLAG_UV == 0 {
        return Err(malformed(
            "user verification is required but was not performed",
        ));
    }
    Ok(())
}

/// A public key of a supported COSE algorithm.
enum PublicKey {
    Es256(p256::ecdsa::VerifyingKey),
    EdDsa(ed25519_dalek::VerifyingKey),
    Rs256(rsa::RsaPublicKey),
}

fn cbor_int(value: &Cbor) -> Option<i128> {
    value.as_integer().map(i128::from)
}

fn cose_member(map: &[(Cbor, Cbor)], key: i128) -> Option<&Cbor> {
    map.iter()
        .find(|(k, _)| cbor_int(k) == Some(key))
        .map(|(_, v)| v)
}

/// Parses a COSE_Key: `(algorithm, key)`. WebAuthnCredentialNotSupportedException for a key
/// type or algorithm this relying party does not verify.
fn parse_cose_key(bytes: &[u8]) -> ApiResult<(i64, PublicKey)> {
    let unsupported = || {
        not_supported("The credential's public key is not supported (ES256, EdDSA and RS256 are).")
    };
    let value: Cbor = ciborium::de::from_reader(bytes).map_err(|_| unsupported())?;
    let map = value.as_map().ok_or_else(unsupported)?;
    let kty = cose_member(map, 1)
        .and_then(cbor_int)
        .ok_or_else(unsupported)?;
    let alg = cose_member(map, 3)
        .and_then(cbor_int)
        .ok_or_else(unsupported)?;
    let bytes_of = |key: i128| {
        cose_member(map, key)
            .and_then(Cbor::as_bytes)
            .cloned()
            .ok_or_else(unsupported)
    };
    match (kty, alg) {
        (KTY_EC2, a) if a == i128::from(ES256) => {
            if cose_member(map, -1).and_then(cbor_int) != Some(CRV_P256) {
                return Err(unsupported());
            }
            let x = bytes_of(-2)?;
            let y = bytes_of(-3)?;
            if x.len() != 32 || y.len() != 32 {
                return Err(unsupported());
            }
            let point = p256::EncodedPoint::from_affine_coordinates(
                p256::FieldBytes::from_slice(&x),
                p256::FieldBytes::from_slice(&y),
                false,
            );
            let key =
                p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|_| unsupported())?;
            Ok((ES256, PublicKey::Es256(key)))
        }
        (KTY_OKP, a) if a == i128::from(EDDSA) => {
            if cose_member(map, -1).and_then(cbor_int) != Some(CRV_ED25519) {
                return Err(unsupported());
            }
            let x: [u8; 32] = bytes_of(-2)?.try_into().map_err(|_| unsupported())?;
            // Refuses a point that is not on the curve; weak keys are refused by verify_strict.
            let key = ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| unsupported())?;
            Ok((EDDSA, PublicKey::EdDsa(key)))
        }
        (KTY_RSA, a) if a == i128::from(RS256) => {
            let n = bytes_of(-1)?;
            let e = bytes_of(-2)?;
            if n.len() < 256 || n.len() > 512 {
                return Err(unsupported());
            }
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
            )
            .map_err(|_| unsupported())?;
            Ok((RS256, PublicKey::Rs256(key)))
        }
        _ => Err(unsupported()),
    }
}

fn verify_signature(key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    match key {
        PublicKey::Es256(key) => p256::ecdsa::Signature::from_der(signature)
            .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        PublicKey::EdDsa(key) => ed25519_dalek::Signature::from_slice(signature)
            .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
        PublicKey::Rs256(key) => {
            let key = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone());
            rsa::pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok())
        }
    }
}

fn rp_id_hash(rp: &RelyingParty) -> [u8; 32] {
    Sha256::digest(rp.id.as_bytes()).into()
}

/// Verifies a RegistrationResponseJSON against the challenge of StartWebAuthnRegistration and
/// returns the passkey to store (the caller adds it to the user). `pool` is read to refuse a
/// credential id already registered by anyone in it; `friendly_name` defaults to the
/// attachment. Every check is made before anything is returned.
pub fn verify_registration(
    rp: &RelyingParty,
    pool: &Pool,
    expected_challenge: &str,
    credential: &Value,
    now: i64,
) -> ApiResult<WebAuthnCredential> {
    let envelope = open_envelope(credential, rp, "webauthn.create", expected_challenge)?;
    let attestation = b64_member(&envelope.response, "attestationObject")?;
    let object: Cbor = ciborium::de::from_reader(attestation.as_slice())
        .map_err(|_| malformed("attestationObject is not CBOR"))?;
    let object = object
        .as_map()
        .ok_or_else(|| malformed("attestationObject is not a map"))?;
    let member = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    let fmt = member("fmt")
        .and_then(Cbor::as_text)
        .ok_or_else(|| malformed("attestation fmt missing"))?;
    let statement = member("attStmt")
        .and_then(Cbor::as_map)
        .ok_or_else(|| malformed("attStmt missing"))?;
    let auth_data_bytes = member("authData")
        .and_then(Cbor::as_bytes)
        .ok_or_else(|| malformed("authData missing"))?;
    let data = parse_auth_data(auth_data_bytes)?;
    if !crypto::ct_eq(&data.rp_id_hash, &rp_id_hash(rp)) {
        return Err(rp_mismatch());
    }
    check_flags(rp, &data)?;
    let (credential_id, key_bytes) = data
        .attested
        .clone()
        .ok_or_else(|| malformed("no attested credential data"))?;
    if credential_id != envelope.raw_id {
        return Err(malformed("rawId is not the attested credential id"));
    }
    let (algorithm, key) = parse_cose_key(&key_bytes)?;
    match fmt {
        "none" => {
            if !statement.is_empty() {
                return Err(malformed("attStmt of fmt none is not empty"));
            }
        }
        "packed" => {
            let field = |name: &str| {
                statement
                    .iter()
                    .find(|(k, _)| k.as_text() == Some(name))
                    .map(|(_, v)| v)
            };
            if field("x5c").is_some() || field("ecdaaKeyId").is_some() {
                return Err(not_supported(
                    "Only self attestation is supported for the packed format.",
                ));
            }
            let alg = field("alg").and_then(cbor_int);
            if alg != Some(i128::from(algorithm)) {
                return Err(malformed("attStmt alg differs from the credential's"));
            }
            let sig = field("sig")
                .and_then(Cbor::as_bytes)
                .ok_or_else(|| malformed("attStmt sig missing"))?;
            let mut signed = auth_data_bytes.clone();
            signed.extend_from_slice(&envelope.client_data_hash);
            if !verify_signature(&key, &signed, sig) {
                return Err(malformed("attestation signature does not verify"));
            }
        }
        _ => {
            return Err(not_supported(
                "The attestation format is not supported (none and packed self attestation are).",
            ))
        }
    }
    let id = URL_SAFE_NO_PAD.encode(&credential_id);
    if pool
        .users
        .values()
        .any(|u| u.webauthn_credentials.contains_key(&id))
    {
        return Err(ApiError::invalid_parameter(
            "The credential is already registered.",
        ));
    }
    let attachment = credential
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .filter(|a| *a == "platform" || *a == "cross-platform")
        .map(str::to_string);
    let transports: Vec<String> = envelope
        .response
        .get("transports")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .filter(|t| t.len() <= 32)
                .take(8)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(WebAuthnCredential {
        credential_id: id,
        public_key: URL_SAFE_NO_PAD.encode(&key_bytes),
        algorithm,
        sign_count: data.sign_count,
        relying_party_id: rp.id.clone(),
        friendly_name: None,
        authenticator_attachment: attachment,
        transports,
        created: now,
    })
}

/// Verifies an AuthenticationResponseJSON (`credential_json`, the WEB_AUTHN challenge's
/// CREDENTIAL string) of `user` against `expected_challenge` (from [`request_options`]); on
/// success stores the new signature counter on the user and returns the credential id.
/// Refusals: InvalidParameterException for a malformed or oversized credential;
/// WebAuthnChallengeNotFoundException for another challenge; WebAuthnOriginNotAllowedException;
/// WebAuthnRelyingPartyMismatchException (RP ID hash, or a passkey of another RP ID);
/// NotAuthorizedException for a passkey the user does not have, a userHandle that is not the
/// user's, a missing UP/UV flag, a bad signature or a counter that did not move forward. The
/// user is changed only on success. The caller checks the challenge's expiry (its session).
pub fn verify_assertion(
    rp: &RelyingParty,
    user: &mut User,
    expected_challenge: &str,
    credential_json: &str,
) -> ApiResult<String> {
    let credential = parse_credential(&Value::String(credential_json.to_string()))?;
    let envelope = open_envelope(&credential, rp, "webauthn.get", expected_challenge)?;
    let id = URL_SAFE_NO_PAD.encode(&envelope.raw_id);
    let stored = user
        .webauthn_credentials
        .get(&id)
        .ok_or_else(sign_in_refused)?;
    if stored.relying_party_id != rp.id {
        return Err(rp_mismatch());
    }
    if let Some(handle) = envelope.response.get("userHandle") {
        if !handle.is_null() {
            let handle = handle
                .as_str()
                .and_then(decode_b64url)
                .ok_or_else(|| malformed("userHandle is not base64url"))?;
            if handle != user.sub.as_bytes() {
                return Err(sign_in_refused());
            }
        }
    }
    let auth_data_bytes = b64_member(&envelope.response, "authenticatorData")?;
    let signature = b64_member(&envelope.response, "signature")?;
    let data = parse_auth_data(&auth_data_bytes)?;
    if !crypto::ct_eq(&data.rp_id_hash, &rp_id_hash(rp)) {
        return Err(rp_mismatch());
    }
    check_flags(rp, &data).map_err(|_| sign_in_refused())?;
    let key_bytes = decode_b64url(&stored.public_key)
        .ok_or_else(|| ApiError::internal("A stored passkey is damaged."))?;
    let (_, key) = parse_cose_key(&key_bytes)?;
    let mut signed = auth_data_bytes.clone();
    signed.extend_from_slice(&envelope.client_data_hash);
    if !verify_signature(&key, &signed, &signature) {
        return Err(sign_in_refused());
    }
    if (stored.sign_count != 0 || data.sign_count != 0) && data.sign_count <= stored.sign_count {
        return Err(sign_in_refused());
    }
    if let Some(stored) = user.webauthn_credentials.get_mut(&id) {
        stored.sign_count = data.sign_count;
    }
    Ok(id)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::ecdsa::{DerSignature, SigningKey};

    fn user(name: &str) -> User {
        serde_json::from_value(json!({
            "username": name, "sub": format!("sub-of-{name}"), "attributes": {},
            "status": "CONFIRMED", "enabled": true, "created": 0, "lastModified": 0,
            "password": { "saltHex": "", "verifierHex": "", "setAt": 0 }
        }))
        .unwrap()
    }

    fn rp(required: bool) -> RelyingParty {
        RelyingParty {
            id: "localhost".to_string(),
            user_verification_required: required,
        }
    }

    /// A software authenticator's credential, registered on `user` with counter `count`.
    struct Key {
        signing: SigningKey,
        id: Vec<u8>,
    }

    impl Key {
        fn new(user: &mut User, count: u32) -> Key {
            let signing = SigningKey::random(&mut rand::thread_rng());
            let id: [u8; 16] = rand::random();
            let point = signing.verifying_key().to_encoded_point(false);
            let mut cose = Vec::new();
            let int = |n: i64| Cbor::Integer(n.into());
            ciborium::ser::into_writer(
                &Cbor::Map(vec![
                    (int(1), int(2)),
                    (int(3), int(-7)),
                    (int(-1), int(1)),
                    (int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
                    (int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
                ]),
                &mut cose,
            )
            .unwrap();
            let credential_id = URL_SAFE_NO_PAD.encode(id);
            user.webauthn_credentials.insert(
                credential_id.clone(),
                WebAuthnCredential {
                    credential_id,
                    public_key: URL_SAFE_NO_PAD.encode(&cose),
                    algorithm: ES256,
                    sign_count: count,
                    relying_party_id: "localhost".to_string(),
                    friendly_name: None,
                    authenticator_attachment: None,
                    transports: vec![],
                    created: 0,
                },
            );
            Key {
                signing,
                id: id.to_vec(),
            }
        }

        /// An AuthenticationResponseJSON for `challenge` with counter `count`.
        fn assert(&self, challenge: &str, count: u32, user_handle: Option<&str>) -> String {
            let client_data = json!({
                "type": "webauthn.get", "challenge": challenge, "origin": "http://localhost:3000"
            })
            .to_string();
            let mut auth_data = Sha256::digest(b"localhost").to_vec();
            auth_data.push(FLAG_UP | FLAG_UV);
            auth_data.extend_from_slice(&count.to_be_bytes());
            let mut signed = auth_data.clone();
            signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
            let signature: DerSignature = self.signing.sign(&signed);
            json!({
                "id": URL_SAFE_NO_PAD.encode(&self.id),
                "rawId": URL_SAFE_NO_PAD.encode(&self.id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
                    "authenticatorData": URL_SAFE_NO_PAD.encode(&auth_data),
                    "signature": URL_SAFE_NO_PAD.encode(signature.as_bytes()),
                    "userHandle": user_handle.map(|h| URL_SAFE_NO_PAD.encode(h)),
                }
            })
            .to_string()
        }
    }

    fn code(result: ApiResult<String>) -> &'static str {
        result.unwrap_err().code
    }

    #[test]
    fn request_options_list_the_users_passkeys() {
        let mut alice = user("alice");
        let key = Key::new(&mut alice, 0);
        let (challenge, options) = request_options(&rp(true), Some(&alice));
        assert_eq!(options["challenge"], json!(challenge));
        assert_eq!(options["rpId"], "localhost");
        assert_eq!(options["userVerification"], "required");
        assert_eq!(
            options["allowCredentials"][0]["id"],
            json!(URL_SAFE_NO_PAD.encode(&key.id))
        );
        let (_, discoverable) = request_options(&rp(false), None);
        assert_eq!(discoverable["allowCredentials"], json!([]));
        assert_eq!(discoverable["userVerification"], "preferred");
    }

    #[test]
    fn an_assertion_verifies_and_moves_the_counter() {
        let mut alice = user("alice");
        let key = Key::new(&mut alice, 0);
        let (challenge, _) = request_options(&rp(true), Some(&alice));
        let response = key.assert(&challenge, 5, Some("sub-of-alice"));
        let id = verify_assertion(&rp(true), &mut alice, &challenge, &response).unwrap();
        assert_eq!(id, URL_SAFE_NO_PAD.encode(&key.id));
        assert_eq!(alice.webauthn_credentials[&id].sign_count, 5);
        // The same assertion again: the counter did not move forward.
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                &challenge,
                &response
            )),
            "NotAuthorizedException"
        );
        assert_eq!(alice.webauthn_credentials[&id].sign_count, 5);
        // A later one does.
        let later = key.assert(&challenge, 6, None);
        verify_assertion(&rp(true), &mut alice, &challenge, &later).unwrap();
        assert_eq!(alice.webauthn_credentials[&id].sign_count, 6);
    }

    #[test]
    fn counters_of_zero_are_accepted_each_time() {
        let mut alice = user("alice");
        let key = Key::new(&mut alice, 0);
        let response = key.assert("AAAAAAAAAAAAAAAAAAAAAA", 0, None);
        for _ in 0..2 {
            verify_assertion(&rp(false), &mut alice, "AAAAAAAAAAAAAAAAAAAAAA", &response).unwrap();
        }
    }

    #[test]
    fn refuses_another_users_or_a_deleted_passkey() {
        let mut alice = user("alice");
        let mut bob = user("bob");
        let bobs = Key::new(&mut bob, 0);
        let challenge = "AAAAAAAAAAAAAAAAAAAAAA";
        let response = bobs.assert(challenge, 1, None);
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                challenge,
                &response
            )),
            "NotAuthorizedException"
        );
        // Alice's own passkey, but the userHandle says bob.
        let alices = Key::new(&mut alice, 0);
        let response = alices.assert(challenge, 1, Some("sub-of-bob"));
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                challenge,
                &response
            )),
            "NotAuthorizedException"
        );
        // Deleted: no longer verifies.
        let response = alices.assert(challenge, 1, None);
        alice.webauthn_credentials.clear();
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                challenge,
                &response
            )),
            "NotAuthorizedException"
        );
    }

    #[test]
    fn refuses_a_bad_signature_challenge_or_input() {
        let mut alice = user("alice");
        let key = Key::new(&mut alice, 0);
        let challenge = "AAAAAAAAAAAAAAAAAAAAAA";
        let mut response: Value = serde_json::from_str(&key.assert(challenge, 1, None)).unwrap();
        let other: Value = serde_json::from_str(&key.assert(challenge, 2, None)).unwrap();
        response["response"]["signature"] = other["response"]["signature"].clone();
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                challenge,
                &response.to_string()
            )),
            "NotAuthorizedException"
        );
        let fine = key.assert(challenge, 1, None);
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                "BBBBBBBBBBBBBBBBBBBBBB",
                &fine
            )),
            "WebAuthnChallengeNotFoundException"
        );
        let elsewhere = RelyingParty {
            id: "example.com".to_string(),
            user_verification_required: true,
        };
        assert_eq!(
            code(verify_assertion(&elsewhere, &mut alice, challenge, &fine)),
            "WebAuthnOriginNotAllowedException"
        );
        assert_eq!(
            code(verify_assertion(
                &rp(true),
                &mut alice,
                challenge,
                "{not json"
            )),
            "InvalidParameterException"
        );
        let huge = format!("\"{}\"", "x".repeat(MAX_CREDENTIAL_JSON_BYTES));
        assert_eq!(
            code(verify_assertion(&rp(true), &mut alice, challenge, &huge)),
            "InvalidParameterException"
        );
        assert!(alice
            .webauthn_credentials
            .values()
            .all(|c| c.sign_count == 0));
    }

    #[test]
    fn origins() {
        assert!(origin_allowed("http://localhost:5173", "localhost"));
        assert!(origin_allowed("https://localhost", "localhost"));
        assert!(origin_allowed("https://example.com", "example.com"));
        assert!(origin_allowed(
            "https://login.example.com:8443",
            "example.com"
        ));
        assert!(!origin_allowed("http://example.com", "example.com"));
        assert!(!origin_allowed("https://badexample.com", "example.com"));
        assert!(!origin_allowed("https://example.com.evil", "example.com"));
        assert!(!origin_allowed("https://example.com/path", "example.com"));
        assert!(!origin_allowed("https://.example.com", "example.com"));
        assert!(!origin_allowed("http://127.0.0.1", "localhost"));
    }
}
