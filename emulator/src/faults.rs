//! Fault injection for the kit's tests: latency, 5xx replies, `TooManyRequestsException`,
//! dropped connections, truncated and non-JSON bodies, slow bodies — on API calls (`POST /`)
//! only, never on the hooks or the JWKS. Set with `--faults '<json>'` or
//! `POST /_emulator/faults` (`GET` reads it back, `{}` turns everything off):
//!
//! ```json
//! { "latencyMs": 50, "latencyJitterMs": 100, "errorRate": 0.05, "throttleRate": 0.05,
//!   "dropRate": 0.02, "truncateRate": 0.02, "notJsonRate": 0.02, "slowBodyRate": 0.02,
//!   "slowBodyMs": 1500, "seed": 7, "operations": ["InitiateAuth", "GetUser"] }
//! ```
//!
//! Errors, throttles and drops happen before the operation runs (nothing changed); truncated,
//! non-JSON and slow bodies wrap the real reply of an operation that did run (its reply is lost,
//! as when a proxy fails on the way back).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::App;
use crate::error::ApiError;
use crate::http::{error_response, json_response};

/// The fault settings; rates are probabilities per API call.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every API call, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// A random extra 0..=this, in milliseconds.
    #[serde(default)]
    pub latency_jitter_ms: u64,
    /// HTTP 500 InternalErrorException.
    #[serde(default)]
    pub error_rate: f64,
    /// HTTP 400 TooManyRequestsException.
    #[serde(default)]
    pub throttle_rate: f64,
    /// The connection is cut before a reply.
    #[serde(default)]
    pub drop_rate: f64,
    /// The reply's body is cut in half (with a matching Content-Length).
    #[serde(default)]
    pub truncate_rate: f64,
    /// An HTML 502 page instead of the reply.
    #[serde(default)]
    pub not_json_rate: f64,
    /// The reply's body trickles in over `slowBodyMs`.
    #[serde(default)]
    pub slow_body_rate: f64,
    /// Duration of a slow body, in milliseconds.
    #[serde(default = "default_slow_body_ms")]
    pub slow_body_ms: u64,
    /// Seed of the fault dice (random when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Operations (names without the service prefix) that get faults; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
}

fn default_slow_body_ms() -> u64 {
    1000
}

impl FaultConfig {
    /// Parses and checks a configuration (rates within 0..=1, delays at most a minute).
    pub fn parse(value: &Value) -> Result<Self, String> {
        let config: FaultConfig =
            serde_json::from_value(value.clone()).map_err(|e| format!("faults: {e}"))?;
        let rates = [
            config.error_rate,
            config.throttle_rate,
            config.drop_rate,
            config.truncate_rate,
            config.not_json_rate,
            config.slow_body_rate,
        ];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) || rates.iter().sum::<f64>() > 1.0 {
            return Err("faults: each rate must be within 0..1 and all together at most 1".into());
        }
        if config.latency_ms + config.latency_jitter_ms > 60_000 || config.slow_body_ms > 60_000 {
            return Err("faults: delays are limited to 60000 ms".into());
        }
        Ok(config)
    }
}

/// The live settings and their dice.
pub struct Faults {
    state: Mutex<(FaultConfig, StdRng)>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            state: Mutex::new((FaultConfig::default(), StdRng::from_entropy())),
        }
    }
}

/// What to do with one call.
enum Fault {
    None,
    Error,
    Throttle,
    Drop,
    Truncate,
    NotJson,
    Slow(Duration),
}

impl Faults {
    /// Replaces the settings.
    pub fn set(&self, config: FaultConfig) {
        let rng = match config.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        if let Ok(mut state) = self.state.lock() {
            *state = (config, rng);
        }
    }

    /// The current settings.
    pub fn get(&self) -> FaultConfig {
        self.state.lock().map(|s| s.0.clone()).unwrap_or_default()
    }

    fn roll(&self, operation: &str) -> (Duration, Fault) {
        let Ok(mut guard) = self.state.lock() else {
            return (Duration::ZERO, Fault::None);
        };
        let (config, rng) = &mut *guard;
        if let Some(list) = &config.operations {
            if !list.iter().any(|o| o == operation) {
                return (Duration::ZERO, Fault::None);
            }
        }
        let jitter = if config.latency_jitter_ms > 0 {
            rng.gen_range(0..=config.latency_jitter_ms)
        } else {
            0
        };
        let latency = Duration::from_millis(config.latency_ms + jitter);
        let dice: f64 = rng.gen();
        let mut edge = 0.0;
        let table = [
            (config.error_rate, Fault::Error),
            (config.throttle_rate, Fault::Throttle),
            (config.drop_rate, Fault::Drop),
            (config.truncate_rate, Fault::Truncate),
            (config.not_json_rate, Fault::NotJson),
            (
                config.slow_body_rate,
                Fault::Slow(Duration::from_millis(config.slow_body_ms)),
            ),
        ];
        for (rate, fault) in table {
            edge += rate;
            if dice < edge {
                return (latency, fault);
            }
        }
        (latency, Fault::None)
    }
}

/// A body that fails at once: the client sees the connection cut.
fn dropped() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("fault: connection dropped"))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The middleware: API calls only.
pub async fn inject(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || request.uri().path() != "/" {
        return next.run(request).await;
    }
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(crate::ops::TARGET_PREFIX))
        .unwrap_or_default()
        .to_string();
    let (latency, fault) = app.faults.roll(&operation);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => next.run(request).await,
        Fault::Error => error_response(
            &ApiError::internal("Internal server error (injected fault)."),
            "-",
        ),
        Fault::Throttle => error_response(
            &ApiError::new(
                "TooManyRequestsException",
                "Rate exceeded (injected fault).",
            ),
            "-",
        ),
        Fault::Drop => dropped(),
        Fault::Truncate => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(cut))
        }
        Fault::NotJson => {
            // The operation ran; a proxy in front of it failed on the way back.
            let _ = next.run(request).await;
            let mut response = (
                StatusCode::BAD_GATEWAY,
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        Fault::Slow(total) => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let pieces = 10usize;
            let step = total / pieces as u32;
            let chunk = bytes.len().div_ceil(pieces).max(1);
            let chunks: Vec<Bytes> = (0..bytes.len())
                .step_by(chunk)
                .map(|at| bytes.slice(at..(at + chunk).min(bytes.len())))
                .collect();
            let stream =
                futures_util::stream::unfold(chunks.into_iter(), move |mut rest| async move {
                    let next = rest.next()?;
                    tokio::time::sleep(step).await;
                    Some((Ok::<Bytes, std::io::Error>(next), rest))
                });
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from_stream(stream))
        }
    }
}

/// `GET /_emulator/faults`.
pub async fn get_faults(State(app): State<Arc<App>>) -> Response {
    let body = serde_json::to_value(app.faults.get()).unwrap_or(Value::Null);
    json_response(StatusCode::OK, "application/json", &body, "-")
}

/// `POST /_emulator/faults {...}`: replaces the fault settings (`{}`: none).
pub async fn set_faults(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| format!("faults: {e}"))
        .and_then(|v| FaultConfig::parse(&v));
    match parsed {
        Ok(config) => {
            app.faults.set(config.clone());
            let body = serde_json::to_value(config).unwrap_or(Value::Null);
            json_response(StatusCode::OK, "application/json", &body, "-")
        }
        Err(message) => error_response(&ApiError::invalid_parameter(message), "-"),
    }
}
