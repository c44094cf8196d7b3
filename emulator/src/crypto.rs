//! Small cryptographic and formatting helpers: SECRET_HASH, TOTP (RFC 6238), base32, random
//! identifiers, constant-time comparison and the Cognito SRP `TIMESTAMP` format.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<Sha1>;

/// Standard base64 with padding (the encoding every Cognito binary field uses).
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64; `None` for anything malformed.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

/// base64url without padding, as JWT segments use.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes a JWT segment.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this constructor cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cold]
fn unreachable_hmac() -> ! {
    // `Hmac::new_from_slice` only fails for fixed-size-key MACs, never for HMAC.
    std::process::abort()
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0x0f) as usize] as char);
    }
    out
}

/// Decodes hex (either case, even length); `None` otherwise.
pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// Compares two secrets without an early exit, so response time does not leak the match length.
pub fn ct_eq(left: &[u8], right: &[u8]) -> bool {
    left.ct_eq(right).into()
}

/// `n` cryptographically random bytes.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// A random string over `alphabet`.
pub fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// Lowercase letters and digits (client ids and secrets look like this).
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Both cases and digits (the part of a pool id after `_`).
pub const MIXED_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A six-digit numeric code, as the service sends by email or SMS.
pub fn random_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// SECRET_HASH = base64(HMAC-SHA256(key = client secret, message = username ‖ client id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let message = [username.as_bytes(), client_id.as_bytes()].concat();
    b64(&hmac_sha256(client_secret.as_bytes(), &message))
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, the format authenticator apps expect for a TOTP secret.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32_ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (case-insensitive, padding and spaces ignored); `None` for other characters.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        if !c.is_ascii() {
            return None;
        }
        let upper = c.to_ascii_uppercase() as u8;
        let value = BASE32_ALPHABET.iter().position(|d| *d == upper)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// RFC 6238 TOTP: HMAC-SHA1, 30-second steps, 6 digits, for the step containing `unix_seconds`.
pub fn totp_code(secret: &[u8], unix_seconds: i64) -> String {
    let counter = unix_seconds.div_euclid(30) as u64;
    let mut mac = match HmacSha1::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!("{:06}", binary % 1_000_000)
}

/// Checks a TOTP code against the current step and one step either side (clock drift).
pub fn totp_matches(secret_base32: &str, code: &str, unix_seconds: i64) -> bool {
    let Some(secret) = base32_decode(secret_base32) else {
        return false;
    };
    let mut matched = false;
    for step in [-1i64, 0, 1] {
        let expected = totp_code(&secret, unix_seconds + step * 30);
        matched |= ct_eq(expected.as_bytes(), code.trim().as_bytes());
    }
    matched
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// (year, month 1-12, day 1-31) for days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats unix seconds as the Cognito SRP TIMESTAMP: `EEE MMM d HH:mm:ss UTC yyyy`, day not padded.
pub fn format_srp_timestamp(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let second_of_day = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = WEEKDAYS[(days + 4).rem_euclid(7) as usize];
    format!(
        "{weekday} {} {day} {:02}:{:02}:{:02} UTC {year}",
        MONTHS[(month - 1) as usize],
        second_of_day / 3600,
        (second_of_day / 60) % 60,
        second_of_day % 60
    )
}

/// Parses a TIMESTAMP in exactly the format clients must send; `None` for any deviation
/// (zero-padded day, wrong weekday, other zone, 12-hour clock, …).
pub fn parse_srp_timestamp(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return None;
    };
    if *zone != "UTC" || day.starts_with('0') || day.is_empty() || day.len() > 2 {
        return None;
    }
    let month_number = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i64 = year.parse().ok()?;
    let clock: Vec<&str> = time.split(':').collect();
    let [hours, minutes, seconds] = clock.as_slice() else {
        return None;
    };
    let two_digits = |field: &str, max: i64| -> Option<i64> {
        if field.len() != 2 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: i64 = field.parse().ok()?;
        (value <= max).then_some(value)
    };
    let (hours, minutes, seconds) = (
        two_digits(hours, 23)?,
        two_digits(minutes, 59)?,
        two_digits(seconds, 59)?,
    );
    let days = days_from_civil(year, month_number, day);
    // Reject impossible dates such as Feb 31 by round-tripping.
    if civil_from_days(days) != (year, month_number, day) {
        return None;
    }
    if WEEKDAYS[(days + 4).rem_euclid(7) as usize] != *weekday {
        return None;
    }
    Some(days * 86_400 + hours * 3600 + minutes * 60 + seconds)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_protocol_vector() {
        assert_eq!(
            secret_hash("secret", "alice", "clientid123"),
            "ECMUd7EnwpPi9HVORWg6aq0tZEcDp3ZUfDpkK6LhsMs="
        );
    }

    #[test]
    fn timestamp_round_trips_and_rejects_padding() {
        let text = "Sun Nov 22 04:03:33 UTC 2026";
        let seconds = parse_srp_timestamp(text).expect("valid timestamp");
        assert_eq!(format_srp_timestamp(seconds), text);
        assert_eq!(
            format_srp_timestamp(parse_srp_timestamp("Tue Dec 1 00:00:00 UTC 2026").expect("ok")),
            "Tue Dec 1 00:00:00 UTC 2026"
        );
        assert!(parse_srp_timestamp("Tue Dec 01 00:00:00 UTC 2026").is_none());
        assert!(parse_srp_timestamp("Mon Dec 1 00:00:00 UTC 2026").is_none());
        assert!(parse_srp_timestamp("Tue Dec 1 0:00:00 UTC 2026").is_none());
        assert!(parse_srp_timestamp("Tue Dec 1 00:00:00 GMT 2026").is_none());
    }

    #[test]
    fn totp_matches_rfc6238_sha1_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 → 94287082 (8 digits).
        let secret = b"12345678901234567890";
        assert_eq!(totp_code(secret, 59), "287082");
        assert_eq!(totp_code(secret, 1_111_111_109), "081804");
        let encoded = base32_encode(secret);
        assert_eq!(encoded, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&encoded).expect("decodes"), secret.to_vec());
        assert!(totp_matches(&encoded, "287082", 59 + 30));
        assert!(!totp_matches(&encoded, "287082", 59 + 90));
    }
}
