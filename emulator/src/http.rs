//! The HTTP surface: the JSON API at `POST /`, JWKS and OpenID configuration per pool, test hooks
//! under `/_emulator/`, and the guard in front of them all (`guard`): the Host header checked
//! against the listening address (DNS rebinding), the hooks answered only to loopback origins
//! (or none), CORS (`*` on the public API as the service answers it; the caller's loopback
//! origin, never `*`, on the hooks), and a bounded time to send the body.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::Uri;
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

/// What the guard enforces.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The listening address.
    pub bound: SocketAddr,
    /// Extra host names accepted in the Host header (`--allow-host`).
    pub allowed_hosts: Vec<String>,
    /// Whether pages of any origin may use the `/_emulator/` hooks (`--allow-remote-hooks`).
    pub hooks_any_origin: bool,
    /// Longest time a client may take to send a request body.
    pub body_timeout: Duration,
}

/// Builds the router around shared state.
pub fn router(app: Arc<App>, policy: Policy) -> Router {
    let policy = Arc::new(policy);
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
            "/{pool_id}/user-import/{token}",
            axum::routing::put(user_import_upload).fallback(method_not_allowed),
        )
        .route(
            "/_emulator/outbox",
            get(outbox).fallback(method_not_allowed),
        )
        .route(
            "/_emulator/clock",
            get(clock).post(advance_clock).fallback(method_not_allowed),
        )
        .route(
            "/_emulator/faults",
            get(crate::faults::get_faults)
                .post(crate::faults::set_faults)
                .fallback(method_not_allowed),
        )
        .merge(crate::hosted::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::faults::inject,
        ))
        .layer(middleware::from_fn(move |request, next| {
            guard(policy.clone(), request, next)
        }))
        .with_state(app)
}

/// Whether an `Origin` is a page served from this machine (loopback host, any port).
pub fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = host_name(rest);
    is_loopback_name(&host)
}

fn is_loopback_name(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host name of `host[:port]` / `[v6]:port`, lower-cased, brackets removed.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    authority
        .rsplit_once(':')
        .map_or(authority.clone(), |(host, _)| host.to_string())
}

fn host_port(authority: &str) -> Option<u16> {
    let authority = authority.trim();
    let tail = match authority.rsplit_once(']') {
        Some((_, tail)) => tail,
        None => authority,
    };
    match tail.rsplit_once(':') {
        Some((_, port)) => port.parse().ok(),
        None => Some(80),
    }
}

/// Whether a Host header names this server. A loopback name (`localhost`, `*.localhost`, a
/// loopback IP literal) is this machine on any port: a dev server's proxy that keeps the
/// browser's Host, or an SSH tunnel, reaches us under another port. Bound beyond loopback, any
/// IP literal too (port forwarding may change the port). Any other DNS name only when allowed by
/// `--allow-host`: a DNS name resolving to this machine is how DNS rebinding reaches a local
/// server.
fn host_allowed(policy: &Policy, host: &str) -> bool {
    let name = host_name(host);
    if policy
        .allowed_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&name))
    {
        return true;
    }
    if host_port(host).is_none() {
        return false;
    }
    let is_ip = name.parse::<IpAddr>().is_ok();
    is_loopback_name(&name) || (is_ip && !policy.bound.ip().is_loopback())
}

fn refuse(status: StatusCode, code: &'static str, message: &str) -> Response {
    let error = ApiError::new(code, message);
    let mut response = error_response(&error, "-");
    *response.status_mut() = status;
    response
}

/// In front of every route: Host check, hook origins, CORS, preflight and the body deadline.
async fn guard(policy: Arc<Policy>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !host_allowed(&policy, &host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "InvalidHostException",
            "The Host header does not name this emulator's listening address (see --allow-host).",
        );
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let hook = request.uri().path().starts_with("/_emulator/");
    let trusted_origin = origin.as_deref().is_none_or(is_loopback_origin);
    if hook && !trusted_origin && !policy.hooks_any_origin {
        // No CORS headers either: the page learns nothing.
        return refuse(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            "The emulator's hooks answer only pages served from this machine (see --allow-remote-hooks).",
        );
    }
    let stamp = |headers: &mut HeaderMap| {
        if hook {
            add_hook_cors(headers, origin.as_deref());
        } else {
            add_cors(headers);
        }
    };
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        stamp(response.headers_mut());
        return response;
    }
    // The whole body within a deadline: a client sending a partial body is cut off.
    let (mut parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(
        policy.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            let mut response = error_response(
                &ApiError::serialization(format!(
                    "Request body is unreadable or larger than {MAX_BODY_BYTES} bytes"
                )),
                "-",
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            stamp(response.headers_mut());
            return response;
        }
        Err(_) => {
            let mut response = refuse(
                StatusCode::REQUEST_TIMEOUT,
                "RequestTimeoutException",
                "The request body did not arrive in time.",
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    parts.extensions.insert(ForeignOrigin(!trusted_origin));
    let request = Request::from_parts(parts, Body::from(bytes));
    let mut response = next.run(request).await;
    stamp(response.headers_mut());
    response
}

/// Whether the request came from a page of a non-loopback origin (set by `guard`).
#[derive(Clone, Copy, Debug)]
pub struct ForeignOrigin(pub bool);

/// The hooks' CORS: the caller's own (loopback) origin, never `*`.
fn add_hook_cors(headers: &mut HeaderMap, origin: Option<&str>) {
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

/// The public API's CORS, as the service answers it: any origin.
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

/// A JSON reply with a request id.
pub fn json_response(
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

/// An error in the service's shape.
pub fn error_response(error: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = json_response(status, AMZ_JSON, &error.to_body(), request_id);
    if let Ok(value) = HeaderValue::from_str(error.code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

/// `POST /`: one Cognito API call.
async fn api(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    foreign: Option<axum::Extension<ForeignOrigin>>,
    body: Body,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    // The guard has buffered the body already; this only collects it.
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
    let foreign_origin = foreign.is_some_and(|f| f.0 .0);
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    // The work (SRP math, RSA signatures, file writes) is CPU/IO bound: keep it off the reactor.
    let outcome = tokio::task::spawn_blocking(move || {
        let verify = || app.verify_signature(method.as_str(), &path_and_query, &headers, &bytes);
        let caller = ops::Caller {
            verify_signature: &verify,
            foreign_origin,
        };
        ops::dispatch(&app, target.as_deref(), &bytes, &caller)
    })
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

/// `PUT /{poolId}/user-import/{token}`: the upload of a user-import CSV to the job's
/// `PreSignedUrl` (the token is the URL's secret; the body limit is [`MAX_BODY_BYTES`]).
async fn user_import_upload(
    State(app): State<Arc<App>>,
    Path((pool_id, token)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let outcome = tokio::task::spawn_blocking(move || {
        ops::import_support::accept_upload(&app, &pool_id, &token, &body)
    })
    .await;
    match outcome {
        Ok(Ok(())) => StatusCode::OK.into_response(),
        Ok(Err(refused)) => {
            let mut response = error_response(&refused.error, "-");
            *response.status_mut() =
                StatusCode::from_u16(refused.status).unwrap_or(StatusCode::FORBIDDEN);
            response
        }
        Err(_) => error_response(
            &ApiError::internal("The upload failed inside the emulator."),
            "-",
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
    let Ok(domain) = app.read(|db| Ok(crate::lifecycle::oauth::domain_of_pool(db.pool(&pool_id)?)))
    else {
        return pool_missing(&pool_id);
    };
    let issuer = app.issuer(&pool_id);
    let mut body = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    });
    // The OAuth endpoints are the domain's (as on the service, where they are on
    // `{domain}.auth.{region}.amazoncognito.com`, not beside the issuer): listed when the pool
    // has a domain. The service's document has no revocation or end-session endpoint.
    if let Some(domain) = domain {
        let base = crate::lifecycle::oauth::domain_base(&app, &domain);
        body["authorization_endpoint"] = json!(format!("{base}/oauth2/authorize"));
        body["token_endpoint"] = json!(format!("{base}/oauth2/token"));
        body["userinfo_endpoint"] = json!(format!("{base}/oauth2/userInfo"));
    }
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
                    "message": m.message,
                    "subject": m.subject,
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
pub(crate) async fn method_not_allowed(method: Method) -> Response {
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
