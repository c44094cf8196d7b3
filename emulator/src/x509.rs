//! A minimal self-signed X.509 certificate (DER) for a pool's signing key: what
//! GetSigningCertificate hands out so a SAML identity provider can check the pool's signatures.
//! Only the fields a certificate must have: version 3, serial, sha256WithRSAEncryption, a
//! common-name issuer and subject, validity, the public key. No extensions.

use crate::crypto::civil_from_days;
use crate::error::ApiResult;
use crate::jwt::PoolKey;

/// DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A positive INTEGER from big-endian magnitude bytes.
fn integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend(trimmed);
    tlv(0x02, &content)
}

/// `AlgorithmIdentifier { sha256WithRSAEncryption (1.2.840.113549.1.1.11), NULL }`.
const SHA256_WITH_RSA: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];

/// `Name` with one `commonName` (2.5.4.3) as UTF8String.
fn common_name(name: &str) -> Vec<u8> {
    let attribute = sequence(&[&[0x06, 0x03, 0x55, 0x04, 0x03], &tlv(0x0c, name.as_bytes())]);
    sequence(&[&tlv(0x31, &attribute)])
}

/// UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5).
fn time(unix_seconds: i64) -> Vec<u8> {
    let (year, month, day) = civil_from_days(unix_seconds.div_euclid(86_400));
    let second_of_day = unix_seconds.rem_euclid(86_400);
    let clock = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        second_of_day / 3600,
        (second_of_day / 60) % 60,
        second_of_day % 60
    );
    if (1950..2050).contains(&year) {
        tlv(0x17, format!("{:02}{clock}", year % 100).as_bytes())
    } else {
        tlv(0x18, format!("{year:04}{clock}").as_bytes())
    }
}

/// A self-signed certificate of `key` for `name`, valid from `not_before` to `not_after`.
pub fn self_signed(
    key: &PoolKey,
    name: &str,
    serial: &[u8],
    not_before: i64,
    not_after: i64,
) -> ApiResult<Vec<u8>> {
    let version = tlv(0xa0, &integer(&[2]));
    let validity = sequence(&[&time(not_before), &time(not_after)]);
    let subject = common_name(name);
    let tbs = sequence(&[
        &version,
        &integer(serial),
        &SHA256_WITH_RSA,
        &subject,
        &validity,
        &subject,
        &key.public_key_der()?,
    ]);
    let mut signature = vec![0u8]; // no unused bits
    signature.extend(key.sign_bytes(&tbs));
    Ok(sequence(&[&tbs, &SHA256_WITH_RSA, &tlv(0x03, &signature)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_times() {
        assert_eq!(tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        let long = tlv(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(integer(&[0x80]), [0x02, 2, 0, 0x80]);
        assert_eq!(integer(&[0, 0, 5]), [0x02, 1, 5]);
        // 2026-11-25 22:00:00 UTC.
        assert_eq!(&time(1_795_644_000)[2..], b"261125220000Z");
        // 2050-01-01 00:00:00 UTC.
        assert_eq!(&time(2_524_608_000)[2..], b"20500101000000Z");
    }
}
