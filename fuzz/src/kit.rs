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

/// The engine fed arbitrary replies: the package's methods (`cognito_kit::methods`) run in turn —
/// sign-in, a challenge answer, the session, the user, devices, a refresh, a global sign-out — and
/// every request gets the next reply cut from the input (replies are separated by 0xFF; the first
/// byte of each picks the status: 200, 400 or 503). Whatever arrives, every method must end with
/// a result or a typed error: no panic, no step that never finishes.
pub fn kit_engine(data: &[u8]) {
    use cognito_kit::client::{CognitoAuth, Config};
    use cognito_kit::storage::MemoryStorage;
    let runtime = Replay(std::cell::RefCell::new(
        data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect(),
    ));
    let mut config = Config::new("us-east-1_Fuzz", "client");
    config.endpoint = Some("http://fuzz.test/".into());
    let mut oauth =
        cognito_kit::client::OAuthConfig::new("auth.fuzz.test", "https://app.fuzz.test/cb");
    oauth.redirect_sign_out = Some("https://app.fuzz.test/".into());
    config.oauth = Some(oauth);
    let Ok(auth) = CognitoAuth::new(config, runtime, MemoryStorage::new()) else {
        panic!("a valid configuration is refused");
    };
    for (method, input) in [
        (
            "signIn",
            r#"{"username":"alice","password":"pw","authFlow":"USER_PASSWORD_AUTH"}"#,
        ),
        (
            "confirmSignIn",
            r#"{"challengeResponse":"123456","userAttributes":{"name":"A"}}"#,
        ),
        ("getSession", "null"),
        ("getUser", "null"),
        ("listDevices", "null"),
        ("refreshSession", "null"),
        ("signOut", r#"{"global":true}"#),
        // Choice-based sign-in: the selection, the password factor by SRP, a passkey.
        ("signIn", r#"{"username":"alice","authFlow":"USER_AUTH"}"#),
        ("confirmSignIn", r#"{"challengeResponse":"PASSWORD_SRP"}"#),
        ("confirmSignIn", r#"{"challengeResponse":"pw"}"#),
        (
            "signIn",
            r#"{"username":"alice","authFlow":"USER_AUTH","preferredChallenge":"WEB_AUTHN"}"#,
        ),
        ("confirmSignIn", r#"{"challengeResponse":"EMAIL_OTP"}"#),
        ("getUserAuthFactors", "null"),
        ("listWebAuthnCredentials", r#"{"pageSize":5}"#),
        ("associateWebAuthnCredential", "null"),
        // Sign-in with a redirect; the callback below carries the state this tab kept.
        (
            "signInWithRedirect",
            r#"{"provider":"Google","customState":"c"}"#,
        ),
    ] {
        let _ = block_on(cognito_kit::methods::call(&auth, method, input));
    }
    use cognito_kit::storage::Storage;
    let kept = block_on(
        auth.storage()
            .get("cognito-kit.us-east-1_Fuzz.client.oauth"),
    );
    let state = kept
        .ok()
        .flatten()
        .and_then(|t| cognito_kit::json::parse(t.as_bytes()).ok())
        .and_then(|v| v.get("state").and_then(|s| s.as_str().map(String::from)))
        .unwrap_or_default();
    let callback = format!(r#"{{"url":"https://app.fuzz.test/cb?code=c&state={state}"}}"#);
    for (method, input) in [
        ("handleRedirect", callback.as_str()),
        ("getUserInfo", "null"),
        ("signOut", r#"{"redirect":true}"#),
    ] {
        let _ = block_on(cognito_kit::methods::call(&auth, method, input));
    }
}

/// A runtime that answers each request with the next scripted reply, and fails once they run out.
struct Replay(std::cell::RefCell<std::collections::VecDeque<Vec<u8>>>);

impl Replay {
    /// The next scripted reply: its first byte picks the status (200, 400, 503).
    fn next(&self, what: &str) -> cognito_kit::Result<cognito_kit::transport::HttpReply> {
        let Some(mut reply) = self.0.borrow_mut().pop_front() else {
            return Err(cognito_kit::Error::Transport(
                cognito_kit::error::TransportError {
                    kind: cognito_kit::error::TransportErrorKind::Network,
                    message: format!("{what}: no more replies"),
                },
            ));
        };
        let status = match reply.first().copied().unwrap_or(0) % 3 {
            0 => 200,
            1 => 400,
            _ => 503,
        };
        if !reply.is_empty() {
            reply.remove(0);
        }
        Ok(cognito_kit::transport::HttpReply {
            status,
            error_type: None,
            body: reply.into(),
        })
    }
}

impl cognito_kit::transport::Runtime for Replay {
    async fn send(
        &self,
        _endpoint: &str,
        request: &cognito_kit::api::ApiRequest,
    ) -> cognito_kit::Result<cognito_kit::transport::HttpReply> {
        self.next(request.operation)
    }
    async fn request(
        &self,
        _method: &str,
        url: &str,
        _authorization: Option<&str>,
        _form: Option<&str>,
    ) -> cognito_kit::Result<cognito_kit::transport::HttpReply> {
        self.next(url)
    }
    fn navigate(&self, _url: &str, _replace: bool) -> cognito_kit::Result<()> {
        Ok(())
    }
    /// The platform's credential is the next scripted reply's body, or its failure.
    async fn passkey(&self, _create: bool, _options: &str) -> cognito_kit::Result<String> {
        self.next("passkey")
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
    }
    fn now_millis(&self) -> f64 {
        1_795_000_000_000.0
    }
    fn fill_random(&self, buffer: &mut [u8]) -> cognito_kit::Result<()> {
        buffer.fill(7);
        Ok(())
    }
    async fn sleep(&self, _millis: u32) {}
}

/// Runs a future that never waits on anything outside it (the replay runtime answers at once).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    for _ in 0..10_000 {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("an engine step never finished");
}
