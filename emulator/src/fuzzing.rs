//! Entry points for fuzzing the emulator's request parsing (`make fuzz`, and the stable smoke test
//! `tests/fuzz_smoke.rs`): arbitrary bytes as the body of every operation, and as a SigV4
//! `Authorization` header. Nothing here may panic, whatever the input.

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::app::App;
use crate::ops::{self, Caller, TARGET_PREFIX};
use crate::store::Store;

/// The pool the fuzzed requests run against (built once: its RSA key takes a moment).
fn app() -> Option<&'static App> {
    static APP: OnceLock<Option<App>> = OnceLock::new();
    APP.get_or_init(|| {
        let (store, _) = Store::open(None).ok()?;
        let mut db = crate::model::Db::default();
        let config = json!({ "Pools": [{
            "Id": "us-east-1_Fuzz", "PoolName": "fuzz",
            "AutoVerifiedAttributes": ["email"],
            "MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": { "Enabled": true },
            "DeviceConfiguration": { "ChallengeRequiredOnNewDevice": true },
            "Clients": [
                { "ClientId": "fuzzclient", "ClientName": "fuzz",
                  "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"] },
                { "ClientId": "hiding", "ClientName": "hiding", "PreventUserExistenceErrors": "ENABLED",
                  "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"] }
            ],
            "Users": [{ "Username": "alice", "Password": "Passw0rd!", "Attributes": { "email": "alice@example.com", "email_verified": "true" } }]
        }]});
        crate::config::apply(&mut db, &config, crate::app::real_now()).ok()?;
        let app = App::new(db, store);
        app.save().ok()?;
        Some(app)
    })
    .as_ref()
}

/// The first byte picks the operation, the rest is its body, run with a valid signature (so the
/// admin operations' parsers are reached too).
pub fn request(data: &[u8]) {
    let Some(app) = app() else {
        return;
    };
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let names: Vec<&str> = ops::operation_names().collect();
    let name = names[usize::from(selector) % names.len()];
    let target = format!("{TARGET_PREFIX}{name}");
    let verify = || Ok(());
    let caller = Caller {
        verify_signature: &verify,
        foreign_origin: false,
    };
    let _ = ops::dispatch(app, Some(&target), body, &caller);
}

/// Arbitrary bytes as the `Authorization` and `X-Amz-Date` headers of an admin call.
pub fn authorization(data: &[u8]) {
    let Some(app) = app() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let (auth, date) = text.split_once('\n').unwrap_or((&text, "20260101T000000Z"));
    let mut headers = HeaderMap::new();
    let (Ok(auth), Ok(date)) = (HeaderValue::from_str(auth), HeaderValue::from_str(date)) else {
        return;
    };
    headers.insert("authorization", auth);
    headers.insert("x-amz-date", date);
    headers.insert("host", HeaderValue::from_static("127.0.0.1:9229"));
    let _ = app.verify_signature("POST", "/", &headers, data);
}
