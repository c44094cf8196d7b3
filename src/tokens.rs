//! Reading the tokens Cognito issues.
//!
//! **This module does NOT verify signatures.** It decodes a JWT's header and claims so that the client
//! can tell when a token expires, who it belongs to and which device it names. A client receives its
//! tokens from the user pool over TLS and only passes them back to the pool, so decoding is all it
//! needs. A server that accepts these tokens from a client must verify them against the pool's JWKS
//! (for example with `aws-jwt-verify`), which this module does not do.

use crate::encoding::base64url_decode;
use crate::error::{Error, ProtocolErrorKind, Result};
use crate::json::{self, Json};
use crate::text::{cat, pieces};
use alloc::string::String;

/// What a Cognito token is for (`token_use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// An ID token: who the user is.
    Id,
    /// An access token: what the bearer may do.
    Access,
}

/// A decoded (not verified) JWT.
#[derive(Clone, PartialEq)]
pub struct Jwt {
    /// Always a JSON object.
    header: Json,
    /// Always a JSON object.
    claims: Json,
}

impl core::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Claims name the user but hold no credential; the token string itself is not kept.
        f.debug_struct("Jwt")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish()
    }
}

fn malformed(field: &'static str, detail: impl Into<String>) -> Error {
    Error::protocol(ProtocolErrorKind::MalformedToken, field, detail)
}

/// Most members a token's header or payload may have (ID tokens carry tens of claims); also keeps
/// the duplicate check below cheap.
const MAX_CLAIMS: usize = 512;

fn json_object(segment: &str, field: &'static str) -> Result<Json> {
    let bytes = base64url_decode(segment, field)
        .map_err(|e| malformed(field, cat!("not base64url (", e, ")")))?;
    match json::parse(&bytes) {
        Ok(Json::Object(members)) if members.len() > MAX_CLAIMS => {
            Err(malformed(field, "more members than a token has"))
        }
        // RFC 7519 §4: a claim given twice is refused (readers would disagree on which one counts).
        Ok(Json::Object(members))
            if members
                .iter()
                .enumerate()
                .any(|(i, (k, _))| members.iter().take(i).any(|(earlier, _)| earlier == k)) =>
        {
            Err(malformed(field, "a member given twice"))
        }
        Ok(object @ Json::Object(_)) => Ok(object),
        Ok(_) => Err(malformed(field, "not a JSON object")),
        Err(e) => Err(malformed(field, cat!("not JSON: ", e))),
    }
}

impl Jwt {
    /// Decodes `header.payload.signature`. Fails with `MalformedToken` when the token is not three
    /// base64url segments whose first two are JSON objects. The signature is NOT checked.
    pub fn decode(token: &str) -> Result<Jwt> {
        let mut parts = pieces(token, b'.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            let count = pieces(token, b'.').count();
            return Err(malformed(
                "token",
                cat!("expected 3 dot-separated segments, found ", count),
            ));
        };
        let header = json_object(header, "token.header")?;
        let claims = json_object(payload, "token.payload")?;
        base64url_decode(signature, "token.signature")
            .map_err(|_| malformed("token.signature", "not base64url"))?;
        Ok(Jwt { header, claims })
    }

    /// The header (`alg`, `kid`, …).
    pub fn header(&self) -> &Json {
        &self.header
    }

    /// All claims.
    pub fn claims(&self) -> &Json {
        &self.claims
    }

    /// A string claim; `None` when absent or not a string.
    pub fn string_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Json::as_str)
    }

    /// A numeric-date claim (seconds since the epoch). Absent is `Ok(None)`; a non-number is an error.
    pub fn time_claim(&self, name: &'static str) -> Result<Option<i64>> {
        match self.claims.get(name) {
            None => Ok(None),
            Some(n @ Json::Number(_)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| malformed(name, "not a usable number")),
            Some(_) => Err(malformed(name, "not a number")),
        }
    }

    /// `exp`: when the token expires.
    pub fn expires_at(&self) -> Result<Option<i64>> {
        self.time_claim("exp")
    }

    /// `iat`: when the token was issued.
    pub fn issued_at(&self) -> Result<Option<i64>> {
        self.time_claim("iat")
    }

    /// `token_use`: `id` or `access`; anything else is an error, absent is `None`.
    pub fn token_use(&self) -> Result<Option<TokenUse>> {
        match self.claims.get("token_use") {
            None => Ok(None),
            Some(Json::String(s)) if s == "id" => Ok(Some(TokenUse::Id)),
            Some(Json::String(s)) if s == "access" => Ok(Some(TokenUse::Access)),
            Some(other) => {
                let mut shown = String::from("unexpected value ");
                other.write(&mut shown);
                Err(malformed("token_use", shown))
            }
        }
    }

    /// The user's name in the pool: `cognito:username` (ID tokens) or `username` (access tokens).
    pub fn username(&self) -> Option<&str> {
        self.string_claim("cognito:username")
            .or_else(|| self.string_claim("username"))
    }

    /// `sub`: the user's immutable id.
    pub fn subject(&self) -> Option<&str> {
        self.string_claim("sub")
    }

    /// `device_key` (access tokens of a remembered device).
    pub fn device_key(&self) -> Option<&str> {
        self.string_claim("device_key")
    }

    /// Whether the token is expired, or expires within `margin_seconds`, at local time `now`, given the
    /// clock drift measured when it was issued ([`clock_drift`]): the token's clock reads `now − drift`.
    /// A token without `exp` counts as expired.
    pub fn expires_within(&self, now: i64, drift: i64, margin_seconds: i64) -> Result<bool> {
        Ok(match self.expires_at()? {
            Some(exp) => now.saturating_sub(drift).saturating_add(margin_seconds) >= exp,
            None => true,
        })
    }
}

/// Clock drift: local now minus the token's `iat`, measured right after the token arrives. Positive
/// when the local clock is ahead of the service.
pub fn clock_drift(local_now: i64, issued_at: i64) -> i64 {
    local_now.saturating_sub(issued_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64url_encode;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            base64url_encode(header.as_bytes()),
            base64url_encode(payload.as_bytes())
        )
    }

    #[test]
    fn a_claim_given_twice_is_refused() {
        // First-wins here and last-wins in JSON.parse would let a page and the kit disagree.
        let t = token(
            r#"{"alg":"RS256"}"#,
            r#"{"cognito:username":"alice","exp":1,"cognito:username":"mallory","exp":9999999999}"#,
        );
        let e = Jwt::decode(&t).unwrap_err();
        assert_eq!(e.code(), "MalformedToken");
        assert!(e.to_string().contains("a member given twice"), "{e}");
        let many: Vec<String> = (0..=MAX_CLAIMS).map(|i| format!("\"c{i}\":1")).collect();
        let t = token(r#"{"alg":"RS256"}"#, &format!("{{{}}}", many.join(",")));
        assert!(Jwt::decode(&t)
            .unwrap_err()
            .to_string()
            .contains("more members than a token has"));
    }

    #[test]
    fn decodes_cognito_claims() {
        let t = token(
            r#"{"kid":"k1","alg":"RS256"}"#,
            r#"{"sub":"1b2c","cognito:username":"alice","token_use":"id","exp":1700003600,"iat":1700000000,"email":"a@example.com"}"#,
        );
        let jwt = Jwt::decode(&t).unwrap();
        assert_eq!(
            jwt.header().get("alg").and_then(Json::as_str),
            Some("RS256")
        );
        assert_eq!(jwt.username(), Some("alice"));
        assert_eq!(jwt.subject(), Some("1b2c"));
        assert_eq!(jwt.token_use().unwrap(), Some(TokenUse::Id));
        assert_eq!(jwt.expires_at().unwrap(), Some(1_700_003_600));
        assert_eq!(jwt.issued_at().unwrap(), Some(1_700_000_000));
        assert_eq!(jwt.string_claim("email"), Some("a@example.com"));
        assert_eq!(jwt.device_key(), None);
    }

    #[test]
    fn access_token_username_and_device() {
        let t = token(
            r#"{"alg":"RS256"}"#,
            r#"{"username":"bob","token_use":"access","device_key":"us-east-1_abc","exp":10.5}"#,
        );
        let jwt = Jwt::decode(&t).unwrap();
        assert_eq!(jwt.username(), Some("bob"));
        assert_eq!(jwt.token_use().unwrap(), Some(TokenUse::Access));
        assert_eq!(jwt.device_key(), Some("us-east-1_abc"));
        assert_eq!(jwt.expires_at().unwrap(), Some(10));
    }

    #[test]
    fn expiry_uses_drift_and_margin() {
        let jwt = Jwt::decode(&token(r#"{}"#, r#"{"exp":1000}"#)).unwrap();
        assert!(!jwt.expires_within(900, 0, 60).unwrap());
        assert!(jwt.expires_within(940, 0, 60).unwrap());
        // The local clock runs 100 s ahead: local 1000 is service time 900.
        assert!(!jwt.expires_within(1000, 100, 60).unwrap());
        assert!(jwt.expires_within(1000, -100, 0).unwrap());
        let no_exp = Jwt::decode(&token(r#"{}"#, r#"{}"#)).unwrap();
        assert!(no_exp.expires_within(0, 0, 0).unwrap());
        assert_eq!(clock_drift(1_000, 900), 100);
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        let good_header = base64url_encode(br#"{"alg":"RS256"}"#);
        let good_payload = base64url_encode(br#"{"exp":1}"#);
        let cases = [
            (String::new(), "segments"),
            ("a.b".to_string(), "segments"),
            (
                format!("{good_header}.{good_payload}.sig.extra"),
                "segments",
            ),
            (format!("{good_header}.{good_payload}"), "segments"),
            (format!("{good_header}.***.sig"), "base64url"),
            (
                format!("{good_header}.{}.sig", base64url_encode(b"not json")),
                "not JSON",
            ),
            (
                format!("{good_header}.{}.sig", base64url_encode(b"[1,2]")),
                "not a JSON object",
            ),
            (
                format!("{}.{good_payload}.sig", base64url_encode(b"\xff\xfe")),
                "not JSON",
            ),
            (format!("{good_header}.{good_payload}.s+g"), "base64url"),
        ];
        for (t, expect) in cases {
            let err = Jwt::decode(&t).unwrap_err();
            assert_eq!(err.code(), "MalformedToken", "token {t:?}");
            assert!(err.to_string().contains(expect), "token {t:?}: {err}");
        }
        let wrong_types =
            Jwt::decode(&token("{}", r#"{"exp":"soon","token_use":"refresh"}"#)).unwrap();
        assert_eq!(
            wrong_types.expires_at().unwrap_err().code(),
            "MalformedToken"
        );
        assert_eq!(
            wrong_types.token_use().unwrap_err().code(),
            "MalformedToken"
        );
    }
}
