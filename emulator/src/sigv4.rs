//! AWS Signature Version 4: verification of the IAM-authenticated (admin) operations, and signing
//! of the emulator's own calls to a Lambda endpoint (the triggers). Verification rebuilds the
//! canonical request, the string to sign and the HMAC chain of the signing key, exactly as AWS
//! computes them, against the emulator's credentials (access key `test` / secret `test`, the
//! convention of local AWS tools, plus any named in the config file's `Credentials`).
//!
//! Without this, any `Authorization: AWS4-HMAC-SHA256 Credential=…` header passed, so a web page
//! could call admin operations (and read client secrets) of an emulator on the developer's
//! machine.

use std::collections::HashMap;

use axum::http::HeaderMap;

use crate::crypto;
use crate::error::ApiError;

/// How far `X-Amz-Date` may be from the real clock, in seconds (AWS allows 5 minutes; a little
/// more here for slow test machines).
const MAX_SKEW: i64 = 15 * 60;

/// The default credentials: access key id and secret.
pub const DEFAULT_CREDENTIALS: (&str, &str) = ("test", "test");

fn invalid_signature() -> ApiError {
    ApiError::new(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    )
}

fn unknown_key() -> ApiError {
    ApiError::new(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
}

fn incomplete() -> ApiError {
    ApiError::new(
        "IncompleteSignatureException",
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    )
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
struct Authorization<'a> {
    access_key: &'a str,
    scope: &'a str,
    date: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(incomplete)?
        .trim();
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            continue;
        };
        match name.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let (credential, signed_headers, signature) = match (credential, signed_headers, signature) {
        (Some(c), Some(h), Some(s)) => (c, h, s),
        _ => return Err(incomplete()),
    };
    // Credential = <key>/<yyyymmdd>/<region>/<service>/aws4_request
    let (access_key, scope) = credential.split_once('/').ok_or_else(incomplete)?;
    let date = scope.split('/').next().unwrap_or_default();
    if scope.split('/').count() != 4 || !scope.ends_with("/aws4_request") {
        return Err(incomplete());
    }
    Ok(Authorization {
        access_key,
        scope,
        date,
        signed_headers: signed_headers.split(';').collect(),
        signature,
    })
}

/// A header's canonical value: all its values joined by commas, each trimmed, inner runs of
/// spaces collapsed.
fn canonical_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

/// Seconds since the epoch of an `X-Amz-Date` (`yyyymmddThhmmssZ`).
fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Verifies the SigV4 signature of a request. `path_and_query` is the request target as sent.
pub fn verify(
    credentials: &HashMap<String, String>,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), ApiError> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        })?;
    let auth = parse_authorization(header)?;
    let secret = credentials.get(auth.access_key).ok_or_else(unknown_key)?;
    let amz_date = canonical_value(headers, "x-amz-date").ok_or_else(invalid_signature)?;
    let signed_at = parse_amz_date(&amz_date).ok_or_else(invalid_signature)?;
    if (signed_at - now).abs() > MAX_SKEW {
        return Err(ApiError::new(
            "InvalidSignatureException",
            "Signature expired: the request time is too far from the server time.",
        ));
    }
    if !amz_date.starts_with(auth.date)
        || !auth.signed_headers.contains(&"host")
        || !auth.signed_headers.contains(&"x-amz-date")
    {
        return Err(invalid_signature());
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut query_pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    query_pairs.sort_unstable();
    let mut canonical = format!(
        "{method}\n{}\n{}\n",
        if path.is_empty() { "/" } else { path },
        query_pairs
            .iter()
            .map(|p| if p.contains('=') {
                p.to_string()
            } else {
                format!("{p}=")
            })
            .collect::<Vec<_>>()
            .join("&")
    );
    for name in &auth.signed_headers {
        let value = canonical_value(headers, name).ok_or_else(invalid_signature)?;
        canonical.push_str(&format!("{name}:{value}\n"));
    }
    let payload_hash = crypto::hex(&crypto::sha256(body));
    canonical.push_str(&format!(
        "\n{}\n{payload_hash}",
        auth.signed_headers.join(";")
    ));
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        auth.scope,
        crypto::hex(&crypto::sha256(canonical.as_bytes()))
    );
    let expected = signature(secret, auth.scope, &string_to_sign);
    if crypto::ct_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(invalid_signature())
    }
}

/// The hex signature of `string_to_sign` under the key derived from `secret` along `scope`
/// (`date/region/service/aws4_request`): the HMAC chain of the signing key.
fn signature(secret: &str, scope: &str, string_to_sign: &str) -> String {
    let mut parts = scope.split('/');
    let date = parts.next().unwrap_or_default();
    let mut key = crypto::hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in parts {
        key = crypto::hmac_sha256(&key, part.as_bytes());
    }
    crypto::hex(&crypto::hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// `yyyymmddThhmmssZ` of Unix seconds.
fn format_amz_date(unix_seconds: i64) -> String {
    let (year, month, day) = crypto::civil_from_days(unix_seconds.div_euclid(86_400));
    let second_of_day = unix_seconds.rem_euclid(86_400);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// What signing an outgoing request needs.
pub struct SigningKey<'a> {
    /// Access key id.
    pub access_key: &'a str,
    /// Secret access key.
    pub secret: &'a str,
    /// Region of the credential scope.
    pub region: &'a str,
    /// Service of the credential scope (`lambda`).
    pub service: &'a str,
}

/// Signs an outgoing POST of `body` (content type `application/json`) to `host` + `path`
/// (already URI-encoded) with at most one query parameter (name and value already URI-encoded)
/// at `now`, and returns the headers to send with it: `X-Amz-Date` and `Authorization` (signed
/// headers `content-type;host;x-amz-date`).
pub fn sign_post(
    key: &SigningKey<'_>,
    host: &str,
    path: &str,
    query: Option<(&str, &str)>,
    body: &[u8],
    now: i64,
) -> [(&'static str, String); 2] {
    let amz_date = format_amz_date(now);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        &amz_date[..8],
        key.region,
        key.service
    );
    let signed_headers = "content-type;host;x-amz-date";
    let canonical = format!(
        "POST\n{path}\n{}\ncontent-type:application/json\nhost:{host}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{}",
        query.map(|(name, value)| format!("{name}={value}")).unwrap_or_default(),
        crypto::hex(&crypto::sha256(body))
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        crypto::hex(&crypto::sha256(canonical.as_bytes()))
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={}",
        key.access_key,
        signature(key.secret, &scope, &string_to_sign)
    );
    [("X-Amz-Date", amz_date), ("Authorization", authorization)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS documentation's example (IAM ListUsers, "Create a signed AWS API request"):
    /// secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z.
    #[test]
    fn matches_the_aws_documentation_example() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "host",
            "iam.amazonaws.com"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "x-amz-date",
            "20150830T123600Z"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        let mut credentials = HashMap::new();
        credentials.insert(
            "AKIDEXAMPLE".to_string(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string(),
        );
        let now = parse_amz_date("20150830T123600Z").unwrap_or_default();
        assert_eq!(now, 1_440_938_160);
        let path = "/?Action=ListUsers&Version=2010-05-08";
        assert_eq!(
            verify(&credentials, "GET", path, &headers, b"", now),
            Ok(())
        );
        // One byte of the body changed: refused.
        assert_eq!(
            verify(&credentials, "GET", path, &headers, b"x", now).map_err(|e| e.code),
            Err("InvalidSignatureException")
        );
        // Another key: refused as unknown.
        credentials.clear();
        assert_eq!(
            verify(&credentials, "GET", path, &headers, b"", now).map_err(|e| e.code),
            Err("UnrecognizedClientException")
        );
    }

    /// What `sign_post` produces passes `verify`, and a changed body does not.
    #[test]
    fn signed_posts_verify() {
        let key = SigningKey {
            access_key: "test",
            secret: "test",
            region: "us-east-1",
            service: "lambda",
        };
        let body = br#"{"version":"1"}"#;
        let path = "/2015-03-31/functions/preSignUp/invocations";
        let now = 1_765_000_000;
        let signed = sign_post(&key, "127.0.0.1:3001", path, None, body, now);
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:3001".to_string()),
            ("content-type", "application/json".to_string()),
            ("x-amz-date", signed[0].1.clone()),
            ("authorization", signed[1].1.clone()),
        ] {
            headers.insert(name, value.parse().unwrap_or_else(|_| unreachable!()));
        }
        assert_eq!(format_amz_date(now), "20251206T054640Z");
        // The same request signed by the AWS SDK's own signer (@smithy/signature-v4, without
        // the payload-hash header): a known answer from a third party.
        assert!(signed[1].1.ends_with(
            "SignedHeaders=content-type;host;x-amz-date, Signature=71318d576e992c72c703d5d9510da9dd2e03a890bedc025cf15f9355413e73eb"
        ));
        let mut credentials = HashMap::new();
        credentials.insert("test".to_string(), "test".to_string());
        assert_eq!(
            verify(&credentials, "POST", path, &headers, body, now),
            Ok(())
        );
        assert_eq!(
            verify(&credentials, "POST", path, &headers, b"{}", now).map_err(|e| e.code),
            Err("InvalidSignatureException")
        );
    }
}
