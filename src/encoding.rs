//! Byte encodings of the protocol: hex, Cognito's `padHex`, base64 and base64url, and the
//! `TIMESTAMP` string of the SRP password claim.
//!
//! Nothing here reads the clock or the host's locale: time comes in as an argument.

use crate::error::{Error, ProtocolErrorKind, Result};
use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex of `bytes`, two digits per byte.
pub fn hex_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX_DIGITS[usize::from(b >> 4)] as char);
        out.push(HEX_DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex of a byte string: an even number of hex digits, either case.
pub fn hex_decode(text: &str, field: impl Into<Cow<'static, str>>) -> Result<Vec<u8>> {
    let field = field.into();
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return Err(Error::protocol(
            ProtocolErrorKind::InvalidHex,
            field,
            "odd number of hex digits",
        ));
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => {
                return Err(Error::protocol(
                    ProtocolErrorKind::InvalidHex,
                    field,
                    "not a hex digit",
                ))
            }
        }
    }
    Ok(out)
}

/// Parses the hex of a non-negative integer, as the service writes `SRP_B` and `SALT`: any number of
/// digits (odd counts included, as a big-integer parser reads them), either case, not empty.
/// Returns the integer's minimal big-endian bytes (no leading zero bytes; zero is empty).
pub fn hex_integer(text: &str, field: impl Into<Cow<'static, str>>) -> Result<Vec<u8>> {
    let field = field.into();
    let digits = text.as_bytes();
    if digits.is_empty() {
        return Err(Error::protocol(
            ProtocolErrorKind::InvalidHex,
            field,
            "empty",
        ));
    }
    let mut out = Vec::with_capacity(digits.len() / 2 + 1);
    let mut rest = digits;
    if digits.len() % 2 == 1 {
        let Some(first) = hex_value(digits[0]) else {
            return Err(Error::protocol(
                ProtocolErrorKind::InvalidHex,
                field,
                "not a hex digit",
            ));
        };
        out.push(first);
        rest = &digits[1..];
    }
    for pair in rest.chunks_exact(2) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => {
                return Err(Error::protocol(
                    ProtocolErrorKind::InvalidHex,
                    field,
                    "not a hex digit",
                ))
            }
        }
    }
    let leading = out.iter().take_while(|&&b| b == 0).count();
    out.drain(..leading);
    Ok(out)
}

/// Cognito's `padHex` as bytes: the integer's minimal big-endian bytes, with a `0x00` byte in front
/// when the top bit is set (Java's `BigInteger.toByteArray` of a positive number). Zero is `[0]`.
/// All SRP hashing of big numbers is over these bytes.
pub fn pad_bytes(big_endian: &[u8]) -> Vec<u8> {
    let start = big_endian
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(big_endian.len());
    let digits = &big_endian[start..];
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().map_or(true, |&b| b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// Cognito's `padHex`: lowercase hex of [`pad_bytes`].
pub fn pad_hex(big_endian: &[u8]) -> String {
    hex_encode(&pad_bytes(big_endian))
}

/// Lowercase hex of an integer without leading zeros (JavaScript's `n.toString(16)`), as `SRP_A` is
/// sent. Zero is `"0"`.
pub fn hex_unpadded(big_endian: &[u8]) -> String {
    // Bytewise: `trim_start_matches` brings str's char pattern code into the wasm.
    let full = hex_encode(big_endian);
    let zeros = full.bytes().take_while(|&b| b == b'0').count();
    match full.get(zeros..) {
        Some(trimmed) if !trimmed.is_empty() => String::from(trimmed),
        _ => String::from("0"),
    }
}

const B64_STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64_encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode_with(text: &str, alphabet: &[u8; 64], field: Cow<'static, str>) -> Result<Vec<u8>> {
    let bad =
        |detail: &str| Error::protocol(ProtocolErrorKind::InvalidBase64, field.clone(), detail);
    let mut symbols = text.as_bytes();
    while let [rest @ .., b'='] = symbols {
        symbols = rest;
    }
    let padding = text.len() - symbols.len();
    if padding > 2 || (padding > 0 && text.len() % 4 != 0) {
        return Err(bad("wrong padding"));
    }
    if symbols.len() % 4 == 1 {
        return Err(bad("truncated"));
    }
    let mut out = Vec::with_capacity(symbols.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in symbols {
        let Some(v) = alphabet.iter().position(|&a| a == c) else {
            return Err(bad("not a base64 character"));
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64_encode(bytes: &[u8]) -> String {
    b64_encode_with(bytes, B64_STANDARD, true)
}

/// Decodes standard base64; padding may be present or absent, anything else is an error.
pub fn base64_decode(text: &str, field: impl Into<Cow<'static, str>>) -> Result<Vec<u8>> {
    b64_decode_with(text, B64_STANDARD, field.into())
}

/// base64url without padding (RFC 4648 §5), as JWT segments and PKCE values use.
pub fn base64url_encode(bytes: &[u8]) -> String {
    b64_encode_with(bytes, B64_URL, false)
}

/// Decodes base64url; padding may be present or absent.
pub fn base64url_decode(text: &str, field: impl Into<Cow<'static, str>>) -> Result<Vec<u8>> {
    b64_decode_with(text, B64_URL, field.into())
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar date and time of day in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    /// The year, e.g. 2026.
    pub year: i64,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u8,
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// 0–59.
    pub second: u8,
}

impl UtcDateTime {
    /// The UTC date and time `unix_seconds` after 1970-01-01T00:00:00Z (negative: before).
    pub fn from_unix_seconds(unix_seconds: i64) -> Self {
        let days = unix_seconds.div_euclid(86_400);
        let secs = unix_seconds.rem_euclid(86_400);
        // Days to civil date (proleptic Gregorian), after H. Hinnant's `civil_from_days`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // 1970-01-01 was a Thursday.
        let weekday = (days + 4).rem_euclid(7);
        UtcDateTime {
            year,
            month: month as u8,
            day: day as u8,
            weekday: weekday as u8,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

/// The SRP claim's `TIMESTAMP`: `EEE MMM d HH:mm:ss UTC yyyy` in English, UTC, the day NOT zero-padded,
/// 24-hour clock, e.g. `Sun Nov 22 04:03:33 UTC 2026`. The service answers a zero-padded day with
/// "Incorrect username or password.", so this never depends on the host's locale.
pub fn cognito_timestamp(unix_seconds: i64) -> String {
    let t = UtcDateTime::from_unix_seconds(unix_seconds);
    let mut out = String::with_capacity(32);
    out.push_str(WEEKDAYS[usize::from(t.weekday)]);
    out.push(' ');
    out.push_str(MONTHS[usize::from(t.month - 1)]);
    out.push(' ');
    crate::text::decimal(u64::from(t.day), &mut out);
    out.push(' ');
    for (n, after) in [(t.hour, ':'), (t.minute, ':'), (t.second, ' ')] {
        out.push(char::from(b'0' + n / 10));
        out.push(char::from(b'0' + n % 10));
        out.push(after);
    }
    out.push_str("UTC ");
    crate::text::Piece::put(&t.year, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_hex_follows_java_to_byte_array() {
        assert_eq!(pad_hex(&[0x14]), "14");
        assert_eq!(pad_hex(&[0xec]), "00ec");
        assert_eq!(pad_hex(&[0, 0, 0x7f, 0xff]), "7fff");
        assert_eq!(pad_hex(&[0, 0x80]), "0080");
        assert_eq!(pad_hex(&[]), "00");
        assert_eq!(pad_hex(&[0, 0]), "00");
    }

    #[test]
    fn hex_unpadded_drops_leading_nibbles() {
        assert_eq!(hex_unpadded(&[0x0a, 0xbc]), "abc");
        assert_eq!(hex_unpadded(&[0, 0, 1]), "1");
        assert_eq!(hex_unpadded(&[0]), "0");
        assert_eq!(hex_unpadded(&[0xff]), "ff");
    }

    #[test]
    fn hex_integer_accepts_what_a_bigint_parser_accepts() {
        assert_eq!(hex_integer("abc", "t").unwrap(), [0x0a, 0xbc]);
        assert_eq!(hex_integer("00ABc", "t").unwrap(), [0x0a, 0xbc]);
        assert_eq!(hex_integer("0", "t").unwrap(), Vec::<u8>::new());
        for bad in ["", "0x12", "12 ", "g1", "-1", "+1", "１２"] {
            let err = hex_integer(bad, "SRP_B").unwrap_err();
            assert_eq!(err.code(), "InvalidHex", "input {bad:?}");
        }
    }

    #[test]
    fn hex_decode_rejects_odd_and_non_hex() {
        assert_eq!(hex_decode("00fF", "t").unwrap(), [0, 255]);
        assert_eq!(hex_decode("abc", "t").unwrap_err().code(), "InvalidHex");
        assert_eq!(hex_decode("zz", "t").unwrap_err().code(), "InvalidHex");
        assert_eq!(hex_decode("é0", "t").unwrap_err().code(), "InvalidHex");
    }

    #[test]
    fn base64_known_answers() {
        // RFC 4648 §10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded, "t").unwrap(), plain.as_bytes());
            assert_eq!(
                base64_decode(encoded.trim_end_matches('='), "t").unwrap(),
                plain.as_bytes()
            );
        }
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("-_8", "t").unwrap(), [0xfb, 0xff]);
        assert_eq!(
            base64_decode("AAECAwQFBgcICQ==", "t").unwrap(),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
    }

    #[test]
    fn base64_rejects_garbage() {
        for bad in [
            "Zg===", "Z", "Zm9v!", "Zm 9v", "Zg=a", "=Zg=", "Zm9vY", "-_8=",
        ] {
            assert_eq!(
                base64_decode(bad, "SECRET_BLOCK").unwrap_err().code(),
                "InvalidBase64",
                "{bad:?}"
            );
        }
        assert_eq!(
            base64url_decode("+/8", "t").unwrap_err().code(),
            "InvalidBase64"
        );
    }

    #[test]
    fn timestamp_worked_example() {
        // PROTOCOL.md: Sun Nov 22 04:03:33 UTC 2026.
        assert_eq!(
            cognito_timestamp(1_795_320_213),
            "Sun Nov 22 04:03:33 UTC 2026"
        );
        assert_eq!(cognito_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(cognito_timestamp(-1), "Wed Dec 31 23:59:59 UTC 1969");
        assert_eq!(
            cognito_timestamp(951_782_400),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
    }
}
