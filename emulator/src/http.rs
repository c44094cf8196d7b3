//! The HTTP surface: the JSON API at `POST /`, JWKS and OpenID configuration per pool, test hooks
//! under `/_emulator/`, and CORS on every route (preflight included).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::ApiError;
use crate::ops;
use crate::params::Params;

/// Largest request body accepted; bigger ones get a 400 in the service's error shape.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const ALLOW_HEADERS: &str = "content-type, x-amz-target, x-amz-user-agent, authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request, cache-control";
const EXPOSE_HEADERS: &str = "x-amzn-requestid, x-amzn-errortype";
const AMZ_JSON: &str = "application/x-amz-json-1.1";

/// Builds the router around shared state.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", post(api).get(index).fallback(method_not_allowed))
        .route(
            "/{pool_id}/.well-known/jwks.json",
            get(jwks).fallback(method_not_allowed),
        )
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(openid_configuration).fallback(method_not_allowed),
        )
        .route(
            "/_emulator/outbox",
            get(outbox).fallback(method_not_allowed),
        )
        .route(
            "/_emulator/clock",
            get(clock).post(advance_clock).fallback(method_not_allowed),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(cors))
        .with_state(app)
}

fn add_cors(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
}

/// Answers every preflight and stamps CORS headers on every response.
async fn cors(request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_cors(response.headers_mut());
        return response;
    }
    let mut response = next.run(request).await;
    add_cors(response.headers_mut());
    response
}

fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: &Value,
    request_id: &str,
) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

fn error_response(error: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = json_response(status, AMZ_JSON, &error.to_body(), request_id);
    if let Ok(value) = HeaderValue::from_str(error.code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

fn is_sigv4_signed(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256") && v.contains("Credential="))
}

/// `POST /`: one Cognito API call.
async fn api(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let error = ApiError::serialization(format!(
                "Request body is unreadable or larger than {MAX_BODY_BYTES} bytes"
            ));
            return error_response(&error, &request_id);
        }
    };
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let signed = is_sigv4_signed(&headers);
    // The work (SRP math, RSA signatures, file writes) is CPU/IO bound: keep it off the reactor.
    let outcome =
        tokio::task::spawn_blocking(move || ops::dispatch(&app, target.as_deref(), &bytes, signed))
            .await;
    match outcome {
        Ok(Ok(value)) => json_response(StatusCode::OK, AMZ_JSON, &value, &request_id),
        Ok(Err(error)) => error_response(&error, &request_id),
        Err(_) => error_response(
            &ApiError::internal("The request failed inside the emulator."),
            &request_id,
        ),
    }
}

/// `GET /`: a short self-description, handy when someone opens the URL in a browser.
async fn index() -> Response {
    let body = json!({
        "service": "cognito-kit-emulator",
        "api": "POST / with X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>",
        "operations": ops::operation_names().collect::<Vec<_>>(),
    });
    json_response(StatusCode::OK, "application/json", &body, "-")
}

fn pool_missing(pool_id: &str) -> Response {
    let error = ApiError::resource_not_found(format!("User pool {pool_id} does not exist."));
    let mut response = error_response(&error, "-");
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// `GET /{poolId}/.well-known/jwks.json`.
async fn jwks(State(app): State<Arc<App>>, Path(pool_id): Path<String>) -> Response {
    let keys = app.read(|db| {
        let pool = db.pool(&pool_id)?;
        Ok(json!({ "keys": [pool.key()?.jwk()] }))
    });
    match keys {
        Ok(body) => json_response(StatusCode::OK, "application/json", &body, "-"),
        Err(error) if error.status == 500 => error_response(&error, "-"),
        Err(_) => pool_missing(&pool_id),
    }
}

/// `GET /{poolId}/.well-known/openid-configuration`.
async fn openid_configuration(
    State(app): State<Arc<App>>,
    Path(pool_id): Path<String>,
) -> Response {
    let exists = app.read(|db| db.pool(&pool_id).map(|_| ())).is_ok();
    if !exists {
        return pool_missing(&pool_id);
    }
    let issuer = app.issuer(&pool_id);
    let body = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userInfo"),
        "end_session_endpoint": format!("{issuer}/logout"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    });
    json_response(StatusCode::OK, "application/json", &body, "-")
}

/// `GET /_emulator/outbox?poolId=&username=`: messages the service would have sent, newest first.
async fn outbox(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(pool_id) = query.get("poolId") else {
        return error_response(&ApiError::missing_member("poolId"), "-");
    };
    let username = query.get("username");
    let result = app.read(|db| {
        let pool = db.pool(pool_id)?;
        let resolved = username.and_then(|typed| pool.find_username(typed));
        let messages: Vec<Value> = pool
            .outbox
            .values()
            .rev()
            .filter(|m| match username {
                None => true,
                Some(typed) => {
                    m.username == *typed
                        || m.destination.eq_ignore_ascii_case(typed)
                        || resolved.as_deref() == Some(m.username.as_str())
                }
            })
            .map(|m| {
                json!({
                    "poolId": pool.id,
                    "username": m.username,
                    "destination": m.destination,
                    "deliveryMedium": m.delivery_medium,
                    "kind": m.kind,
                    "code": m.code,
                    "attributeName": m.attribute_name,
                    "createdAt": m.created,
                })
            })
            .collect();
        Ok(Value::Array(messages))
    });
    match result {
        Ok(body) => json_response(StatusCode::OK, "application/json", &body, "-"),
        Err(error) => error_response(&error, "-"),
    }
}

/// `GET /_emulator/clock`: the emulator's current time.
async fn clock(State(app): State<Arc<App>>) -> Response {
    let body = json!({ "now": app.now() });
    json_response(StatusCode::OK, "application/json", &body, "-")
}

/// `POST /_emulator/clock {"advanceSeconds": N}`: moves the emulator clock forward (tests only).
async fn advance_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let seconds = match &parsed {
        Ok(value) => Params::new(value).and_then(|p| {
            p.opt_i64("advanceSeconds")?
                .ok_or_else(|| ApiError::missing_member("advanceSeconds"))
        }),
        Err(e) => Err(ApiError::serialization(format!("Malformed JSON body: {e}"))),
    };
    match seconds {
        Ok(seconds) if (0..=10 * 365 * 86_400).contains(&seconds) => {
            match app.advance_clock(seconds) {
                Some(offset) => {
                    // What expired at the new time is cleaned up now, as the minute timer would.
                    let sweeper = app.clone();
                    let _ = tokio::task::spawn_blocking(move || sweeper.sweep()).await;
                    let body = json!({ "now": app.now(), "offsetSeconds": offset });
                    json_response(StatusCode::OK, "application/json", &body, "-")
                }
                None => error_response(
                    &ApiError::invalid_parameter(
                        "The emulator clock cannot be moved more than 100 years ahead",
                    ),
                    "-",
                ),
            }
        }
        Ok(_) => error_response(
            &ApiError::invalid_parameter("advanceSeconds must be between 0 and 10 years"),
            "-",
        ),
        Err(error) => error_response(&error, "-"),
    }
}

/// A known route called with a method it does not serve: 405 in the service's error shape.
async fn method_not_allowed(method: Method) -> Response {
    let error = ApiError::new(
        "UnknownOperationException",
        format!("Method {method} is not allowed on this route"),
    );
    let mut response = error_response(&error, "-");
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
}

async fn not_found() -> Response {
    let error = ApiError::new("UnknownOperationException", "No such route");
    let mut response = error_response(&error, "-");
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
