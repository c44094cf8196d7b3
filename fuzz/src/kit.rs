//! Fuzz targets over the kit's parsers of untrusted bytes: the JSON reader (every reply, stored
//! record and JWT payload goes through it), JWT decoding, hex and base64. Each must refuse bad
//! input with an error, never panic, and round-trip what it accepts. Shared by the cargo-fuzz
//! targets (fuzz/fuzz_targets) and the stable smoke test (tests/fuzz_smoke.rs).

use cognito_kit::encoding;
use cognito_kit::json;
use cognito_kit::tokens::Jwt;

/// `json::parse`, and the writer's output of what it accepted parses again.
pub fn kit_json(data: &[u8]) {
    if let Ok(value) = json::parse(data) {
        let mut written = String::new();
        value.write(&mut written);
        assert!(
            json::parse(written.as_bytes()).is_ok(),
            "the writer's output of an accepted document must parse: {written}"
        );
    }
}

/// `Jwt::decode` and every claim accessor.
pub fn kit_token(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jwt) = Jwt::decode(text) {
        let _ = jwt.expires_at();
        let _ = jwt.issued_at();
        let _ = jwt.token_use();
        let _ = jwt.username();
        let _ = jwt.subject();
        let _ = jwt.device_key();
        let _ = jwt.expires_within(i64::MAX, i64::MIN, i64::MAX);
        let _ = jwt.expires_within(i64::MIN, i64::MAX, i64::MIN);
    }
}

/// Hex and base64 decoders on arbitrary text, and encode → decode round trips of arbitrary bytes.
pub fn kit_encoding(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = encoding::hex_decode(&text, "fuzz");
    let _ = encoding::hex_integer(&text, "fuzz");
    let _ = encoding::base64_decode(&text, "fuzz");
    let _ = encoding::base64url_decode(&text, "fuzz");
    assert_eq!(
        encoding::hex_decode(&encoding::hex_encode(data), "fuzz")
            .ok()
            .as_deref(),
        Some(data)
    );
    assert_eq!(
        encoding::base64_decode(&encoding::base64_encode(data), "fuzz")
            .ok()
            .as_deref(),
        Some(data)
    );
    assert_eq!(
        encoding::base64url_decode(&encoding::base64url_encode(data), "fuzz")
            .ok()
            .as_deref(),
        Some(data)
    );
    if data.len() >= 8 {
        let mut seconds = [0u8; 8];
        seconds.copy_from_slice(&data[..8]);
        let _ = encoding::cognito_timestamp(i64::from_le_bytes(seconds));
    }
}
