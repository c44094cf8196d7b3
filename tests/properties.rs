//! Property tests of the encodings: round trips, and the TIMESTAMP against an independent calendar.
#![cfg(not(target_arch = "wasm32"))]

use cognito_kit::encoding::*;
use proptest::prelude::*;

/// An independent (slow, obvious) civil-date computation: walk years and months from 1970.
fn naive_utc(unix: i64) -> (i64, usize, i64, usize, i64, i64, i64) {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let weekday = (days + 4).rem_euclid(7) as usize;
    let mut year = 1970;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < 0 {
            year -= 1;
            days += if leap(year) { 366 } else { 365 };
        } else if days >= len {
            days -= len;
            year += 1;
        } else {
            break;
        }
    }
    let month_len = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= month_len[month] {
        days -= month_len[month];
        month += 1;
    }
    (
        year,
        month,
        days + 1,
        weekday,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
    )
}

proptest! {
    #[test]
    fn timestamp_matches_an_independent_calendar(unix in -5_000_000_000i64..20_000_000_000i64) {
        let (year, month, day, weekday, h, m, s) = naive_utc(unix);
        const WD: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        const MO: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let want = format!("{} {} {} {:02}:{:02}:{:02} UTC {}", WD[weekday], MO[month], day, h, m, s, year);
        prop_assert_eq!(cognito_timestamp(unix), want);
    }

    #[test]
    fn timestamp_day_is_never_zero_padded(unix in 0i64..10_000_000_000i64) {
        let t = cognito_timestamp(unix);
        let day = t.split(' ').nth(2).unwrap();
        prop_assert!(!day.starts_with('0'), "{}", t);
        prop_assert!(t.is_ascii());
    }

    #[test]
    fn hex_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = hex_encode(&bytes);
        prop_assert_eq!(text.len(), bytes.len() * 2);
        prop_assert_eq!(hex_decode(&text, "t").unwrap(), bytes.clone());
        prop_assert_eq!(hex_decode(&text.to_uppercase(), "t").unwrap(), bytes.clone());
        let minimal: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
        if !bytes.is_empty() {
            prop_assert_eq!(hex_integer(&text, "t").unwrap(), minimal.clone());
            prop_assert_eq!(hex_integer(&hex_unpadded(&bytes), "t").unwrap(), minimal.clone());
        }
    }

    #[test]
    fn pad_hex_is_java_to_byte_array(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let padded = pad_bytes(&bytes);
        let minimal: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
        // Same integer, read as a signed two's-complement number it is still positive...
        prop_assert!(padded[0] < 0x80);
        // ...and minimal: a leading 0 byte only where the next byte's top bit needs it (or for zero).
        if padded.len() > 1 && padded[0] == 0 {
            prop_assert!(padded[1] >= 0x80);
        }
        prop_assert_eq!(hex_integer(&pad_hex(&bytes), "t").unwrap(), minimal);
    }

    #[test]
    fn base64_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let std_text = base64_encode(&bytes);
        prop_assert_eq!(std_text.len() % 4, 0);
        prop_assert_eq!(base64_decode(&std_text, "t").unwrap(), bytes.clone());
        let url_text = base64url_encode(&bytes);
        prop_assert!(!url_text.contains(['+', '/', '=']));
        prop_assert_eq!(base64url_decode(&url_text, "t").unwrap(), bytes.clone());
    }

    #[test]
    fn decoders_never_panic(text in ".{0,64}") {
        let _ = hex_decode(&text, "t");
        let _ = hex_integer(&text, "t");
        let _ = base64_decode(&text, "t");
        let _ = base64url_decode(&text, "t");
        let _ = cognito_kit::tokens::Jwt::decode(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever a peer puts in the challenge, answering it returns a value or a typed error.
    #[test]
    fn srp_answer_never_panics(
        srp_b in prop_oneof![".{0,20}", "[0-9a-fA-F]{1,1600}"],
        salt in prop_oneof![".{0,20}", "[0-9a-f]{0,64}"],
        block in prop_oneof![".{0,20}", "[A-Za-z0-9+/]{0,40}={0,2}"],
        user in ".{0,20}",
        password in ".{0,20}",
    ) {
        use cognito_kit::srp::{SrpClient, VerifierChallenge};
        let client = SrpClient::new(&[0x42; 128]).unwrap();
        let params = [("SRP_B", srp_b), ("SALT", salt), ("SECRET_BLOCK", block), ("USER_ID_FOR_SRP", user)];
        let challenge = VerifierChallenge::from_parameters(|k| {
            params.iter().find(|(name, _)| *name == k).map(|(_, v)| v.clone())
        }).unwrap();
        match client.answer_user_challenge("Pool", &password, &challenge, "Sun Nov 22 04:03:33 UTC 2026") {
            Ok(claim) => prop_assert_eq!(claim.signature.len(), 44),
            Err(e) => prop_assert!(
                ["InvalidHex", "InvalidBase64", "UnsafeSrpValue"].contains(&e.code()),
                "unexpected error {}", e
            ),
        }
    }
}
