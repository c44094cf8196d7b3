//! RS256 JSON Web Tokens with a per-pool RSA key, and the pool's JWKS.

use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::crypto::{b64url, b64url_decode};
use crate::error::{ApiError, ApiResult};

/// A pool's signing key as persisted in the state file: PKCS#8 PEM plus its key id.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredKey {
    /// The `kid` published in the JWKS and put in every token header.
    pub kid: String,
    /// PKCS#8 PEM of the private key.
    pub private_key_pem: String,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A loaded signing key, ready to sign and verify.
pub struct PoolKey {
    /// Key id.
    pub kid: String,
    private: RsaPrivateKey,
}

impl std::fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl PoolKey {
    /// Generates a fresh RSA-2048 key (slow: tenths of a second even optimized).
    pub fn generate() -> ApiResult<(Self, StoredKey)> {
        let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|e| ApiError::internal(format!("RSA key generation failed: {e}")))?;
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| ApiError::internal(format!("RSA key encoding failed: {e}")))?;
        let kid = crate::crypto::b64(&crate::crypto::random_bytes(32));
        let stored = StoredKey {
            kid: kid.clone(),
            private_key_pem: pem.to_string(),
        };
        Ok((Self { kid, private }, stored))
    }

    /// Loads a persisted key.
    pub fn load(stored: &StoredKey) -> ApiResult<Self> {
        let private = RsaPrivateKey::from_pkcs8_pem(&stored.private_key_pem)
            .map_err(|e| ApiError::internal(format!("stored RSA key is unreadable: {e}")))?;
        Ok(Self {
            kid: stored.kid.clone(),
            private,
        })
    }

    /// The public key as one JWK of the pool's JWKS.
    pub fn jwk(&self) -> Value {
        let public = RsaPublicKey::from(&self.private);
        json!({
            "alg": "RS256",
            "e": b64url(&public.e().to_bytes_be()),
            "kid": self.kid,
            "kty": "RSA",
            "n": b64url(&public.n().to_bytes_be()),
            "use": "sig",
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `data` (what `sha256WithRSAEncryption` means in a
    /// certificate, and RS256 in a token).
    pub fn sign_bytes(&self, data: &[u8]) -> Vec<u8> {
        let signer = SigningKey::<Sha256>::new(self.private.clone());
        signer.sign(data).to_vec()
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> ApiResult<Vec<u8>> {
        use rsa::pkcs8::EncodePublicKey as _;
        RsaPublicKey::from(&self.private)
            .to_public_key_der()
            .map(|document| document.as_bytes().to_vec())
            .map_err(|e| ApiError::internal(format!("RSA public key encoding failed: {e}")))
    }

    /// Signs `claims` into a compact JWT.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "kid": self.kid, "alg": "RS256" });
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let signature = self.sign_bytes(signing_input.as_bytes());
        format!("{signing_input}.{}", b64url(&signature))
    }

    /// Verifies the signature of a JWT issued with this key and returns its claims.
    /// Expiry and token use are the caller's business.
    pub fn verify(&self, token: &str) -> Option<Value> {
        let (signing_input, signature_b64) = token.rsplit_once('.')?;
        let (header_b64, claims_b64) = signing_input.split_once('.')?;
        let header: Value = serde_json::from_slice(&b64url_decode(header_b64)?).ok()?;
        if header.get("alg")?.as_str()? != "RS256" || header.get("kid")?.as_str()? != self.kid {
            return None;
        }
        let signature = Signature::try_from(b64url_decode(signature_b64)?.as_slice()).ok()?;
        let verifier = VerifyingKey::<Sha256>::new(RsaPublicKey::from(&self.private));
        verifier.verify(signing_input.as_bytes(), &signature).ok()?;
        serde_json::from_slice(&b64url_decode(claims_b64)?).ok()
    }
}

/// Reads a JWT's claims WITHOUT checking the signature — only to find which pool's key to use.
pub fn peek_claims(token: &str) -> Option<Value> {
    let mut segments = token.split('.');
    let _header = segments.next()?;
    let claims = segments.next()?;
    segments.next()?;
    if segments.next().is_some() {
        return None;
    }
    serde_json::from_slice(&b64url_decode(claims)?).ok()
}
