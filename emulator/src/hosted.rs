//! The endpoints of a pool's domain (OAuth 2.0, OpenID Connect and the managed login page),
//! served on the emulator's own port under `/domains/{domain}` — `{domain}` being the prefix
//! or custom domain exactly as CreateUserPoolDomain was given it:
//!
//! | path | what |
//! |---|---|
//! | `GET /oauth2/authorize` | checks the request; a signed-in browser gets its code (or tokens) at once, any other goes to `/login` |
//! | `GET`, `POST /login` | the managed login page: a form (`username`, `password`, `_csrf`) with no script |
//! | `POST /oauth2/token` | `authorization_code` (PKCE S256), `refresh_token`, `client_credentials` |
//! | `GET`, `POST /oauth2/userInfo` | the claims of a Bearer access token with `openid` |
//! | `POST /oauth2/revoke` | revokes a refresh token's lineage |
//! | `GET /logout` | signs the browser out; to `logout_uri`, or back to `/login` |
//!
//! This module reads requests and shapes replies; the OAuth rules and state are in
//! `crate::lifecycle::oauth`, and the password sign-in is the API's own
//! ([`crate::ops::hosted_support::managed_login`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::lifecycle::idp::{self, UpstreamError};
use crate::lifecycle::oauth::{self, CodeGrant, OAuthError, UserGrant, UserInfoError};
use crate::model::{AppClient, IdentityProvider};

/// Longest parameter value accepted (a longer one is `invalid_request`).
pub const MAX_VALUE_BYTES: usize = 8192;
/// Most parameters in one query or form.
pub const MAX_PARAMETERS: usize = 64;
/// The browser session cookie of a domain.
const SESSION_COOKIE: &str = "cognito";
/// The double-submit CSRF cookie of the login form.
const CSRF_COOKIE: &str = "XSRF-TOKEN";
const JSON_UTF8: &str = "application/json;charset=UTF-8";

/// Why a query or form was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// A parameter given twice.
    Repeated(String),
    /// A name or value longer than [`MAX_VALUE_BYTES`].
    TooLong(String),
    /// More than [`MAX_PARAMETERS`] parameters.
    TooMany,
}

/// Parses `application/x-www-form-urlencoded` (a query string or a form body): each name once,
/// each value bounded. Names without `=` count with an empty value.
pub fn parse_form(bytes: &[u8]) -> Result<BTreeMap<String, String>, FormError> {
    let mut out = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        if out.len() >= MAX_PARAMETERS {
            return Err(FormError::TooMany);
        }
        if name.len() > MAX_VALUE_BYTES || value.len() > MAX_VALUE_BYTES {
            return Err(FormError::TooLong(crate::error::truncate(&name, 64)));
        }
        if out.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(FormError::Repeated(name.into_owned()));
        }
    }
    Ok(out)
}

/// The routes of every domain.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/domains/{domain}/oauth2/authorize",
            get(authorize).fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/login",
            get(login_page)
                .post(login_submit)
                .fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/oauth2/token",
            post(token).fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/oauth2/userInfo",
            get(user_info)
                .post(user_info)
                .fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/oauth2/revoke",
            post(revoke).fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/logout",
            get(logout).fallback(crate::http::method_not_allowed),
        )
        .route(
            "/domains/{domain}/oauth2/idpresponse",
            get(idp_response).fallback(crate::http::method_not_allowed),
        )
        .route("/domains/{domain}/saml2/idpresponse", post(saml_response))
}

/// One request to a domain endpoint, carried to the blocking pool.
struct Call {
    app: Arc<App>,
    domain: String,
    pool_id: String,
    query: Vec<u8>,
    headers: HeaderMap,
    body: Bytes,
}

impl Call {
    fn base(&self) -> String {
        oauth::domain_base(&self.app, &self.domain)
    }
    fn cookie(&self, name: &str) -> Option<String> {
        cookie(&self.headers, name)
    }
    fn client(&self, client_id: &str) -> Option<AppClient> {
        self.app
            .read(|db| Ok(db.pool(&self.pool_id)?.clients.get(client_id).cloned()))
            .ok()
            .flatten()
    }
}

/// Finds the domain's pool and runs `work` on the blocking pool (sign-in math, triggers).
async fn run(
    app: Arc<App>,
    domain: String,
    uri: &Uri,
    headers: HeaderMap,
    body: Bytes,
    work: fn(&Call) -> Response,
) -> Response {
    let pool_id = app.read(|db| Ok(oauth::pool_of_domain(db, &domain)));
    let Ok(Some(pool_id)) = pool_id else {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!(
                "No user pool has the domain {}.",
                escape(&crate::error::truncate(&domain, 253))
            ),
        );
    };
    let call = Call {
        app,
        domain,
        pool_id,
        query: uri.query().unwrap_or_default().as_bytes().to_vec(),
        headers,
        body,
    };
    match tokio::task::spawn_blocking(move || work(&call)).await {
        Ok(response) => response,
        Err(_) => page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "The request failed inside the emulator.",
        ),
    }
}

macro_rules! endpoint {
    ($name:ident, $work:path) => {
        async fn $name(
            State(app): State<Arc<App>>,
            Path(domain): Path<String>,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            run(app, domain, &uri, headers, body, $work).await
        }
    };
}

endpoint!(authorize, authorize_entry);
endpoint!(login_page, login_page_entry);
endpoint!(login_submit, login_submit_work);
endpoint!(token, token_work);
endpoint!(user_info, user_info_work);
endpoint!(revoke, revoke_work);
endpoint!(logout, logout_entry);

/// Where a browser starts at the domain under another name of this server than the one its
/// pages and redirects use (`localhost` for `127.0.0.1`, a dev server's proxy): it is sent to the
/// same endpoint under that name first. Its cookies (the login form's CSRF token, the federation
/// binding, the session) are then set on the host the form posts to and the provider returns
/// to; otherwise every submit would fail as tampered and every federated sign-in as another
/// browser's.
fn on_own_host(call: &Call, endpoint: &str) -> Option<Response> {
    let host = call.headers.get(header::HOST)?.to_str().ok()?;
    let base = call.app.base_url();
    let own = base
        .split_once("://")
        .map_or(base.as_str(), |(_, rest)| rest);
    if host.eq_ignore_ascii_case(own) {
        return None;
    }
    let query = String::from_utf8_lossy(&call.query);
    let separator = if query.is_empty() { "" } else { "?" };
    Some(redirect(&format!(
        "{}{endpoint}{separator}{query}",
        call.base()
    )))
}

fn authorize_entry(call: &Call) -> Response {
    on_own_host(call, "/oauth2/authorize").unwrap_or_else(|| authorize_work(call))
}

fn login_page_entry(call: &Call) -> Response {
    on_own_host(call, "/login").unwrap_or_else(|| login_page_work(call))
}

fn logout_entry(call: &Call) -> Response {
    on_own_host(call, "/logout").unwrap_or_else(|| logout_work(call))
}
endpoint!(idp_response, idp_response_work);

/// `/saml2/idpresponse`: sign-in through SAML providers is not emulated.
async fn saml_response(_method: Method) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Not emulated",
        "Sign-in through SAML identity providers is not emulated.",
    )
}

// ---------------------------------------------------------------------------------------------
// Replies

/// Escapes text for HTML (element content and quoted attributes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The languages of the service's managed login (`lang` of `/oauth2/authorize` and `/login`).
const LANGUAGES: [&str; 11] = [
    "de", "en", "es", "fr", "id", "it", "ja", "ko", "pt-BR", "zh-CN", "zh-TW",
];

/// An HTML page (errors shown to the browser, and the login form).
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    page_in("en", status, title, body_html)
}

/// [`page`] in a language of [`LANGUAGES`] (the emulator's texts stay English; the page says
/// which language was asked for, as `<html lang>`).
fn page_in(lang: &str, status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><h1>{}</h1>{body_html}</body></html>\n",
        escape(title),
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    // A sign-in page is never shown inside another site's frame (clickjacking), nor read as
    // anything but HTML.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    no_store(&mut response);
    response
}

/// An error the browser is shown, never redirected (no trusted redirect URI).
fn shown_error(error: &str, description: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "An error was encountered with the requested page.",
        &format!(
            "<p id=\"error\" data-error=\"{}\">{}: {}</p>",
            escape(error),
            escape(error),
            escape(description)
        ),
    )
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Err(_) => return shown_error("invalid_request", "The redirect URI cannot be used."),
    }
    no_store(&mut response);
    response
}

/// `uri` with `params` added to its query (`?` or `&`), or as its fragment.
fn with_params(uri: &str, params: &[(&str, &str)], fragment: bool) -> String {
    let mut encoder = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        encoder.append_pair(name, value);
    }
    let encoded = encoder.finish();
    let separator = if fragment {
        '#'
    } else if uri.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{uri}{separator}{encoded}")
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// The token, revoke and userInfo endpoints' JSON error.
fn oauth_error(status: StatusCode, error: OAuthError) -> Response {
    let body = json!({ "error": error.code() });
    let mut response = crate::http::json_response(status, JSON_UTF8, &body, "-");
    no_store(&mut response);
    response
}

// ---------------------------------------------------------------------------------------------
// /oauth2/authorize and /login

#[derive(Clone, Copy, PartialEq, Eq)]
enum ResponseType {
    Code,
    Token,
}

/// A checked authorize request.
struct Authorization {
    client: AppClient,
    redirect_uri: String,
    response_type: ResponseType,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    prompt: Option<String>,
    login_hint: Option<String>,
    lang: Option<String>,
    /// The provider the browser goes to at once (`identity_provider`, `idp_identifier`).
    upstream: Option<IdentityProvider>,
    /// The client's OIDC providers, a button each on the login page.
    providers: Vec<String>,
    /// Whether the client signs users in with a password (`COGNITO`).
    cognito: bool,
}

/// Why an authorize request was refused: shown (no trusted redirect URI yet), or sent back to
/// the client's redirect URI.
enum Refusal {
    Shown(&'static str, String),
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
        fragment: bool,
    },
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Shown(error, description) => shown_error(error, &description),
            Refusal::Redirect {
                redirect_uri,
                error,
                description,
                state,
                fragment,
            } => {
                let mut params = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    params.push(("state", state));
                }
                redirect(&with_params(&redirect_uri, &params, fragment))
            }
        }
    }
}

/// The first value of a parameter that may occur once at most, from the raw pairs (so a
/// repeated `client_id` or `redirect_uri` is caught even when the form as a whole is refused).
fn single(pairs: &[(String, String)], name: &str) -> Result<Option<String>, String> {
    let mut found = pairs.iter().filter(|(n, _)| n == name);
    let first = found.next().map(|(_, v)| v.clone());
    if found.next().is_some() {
        return Err(format!("{name} is repeated"));
    }
    Ok(first)
}

/// Checks an authorize request (the query of `/oauth2/authorize` and of `/login`).
fn check_authorization(call: &Call) -> Result<Authorization, Refusal> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&call.query)
        .take(MAX_PARAMETERS + 1)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let shown = |message: String| Refusal::Shown("invalid_request", message);
    let client_id = single(&pairs, "client_id")
        .map_err(shown)?
        .ok_or_else(|| shown("client_id is missing".into()))?;
    let client = call
        .client(&client_id)
        .ok_or_else(|| Refusal::Shown("invalid_request", "Invalid client id.".into()))?;
    let redirect_uri = single(&pairs, "redirect_uri")
        .map_err(shown)?
        .ok_or_else(|| shown("redirect_uri is missing".into()))?;
    let registered = client
        .callback_urls
        .as_ref()
        .is_some_and(|urls| urls.contains(&redirect_uri));
    if !registered {
        return Err(Refusal::Shown(
            "redirect_mismatch",
            "The redirect_uri is not one of the app client's callback URLs.".into(),
        ));
    }
    // From here on, errors go back to the (registered) redirect URI.
    let response_type = match single(&pairs, "response_type").ok().flatten().as_deref() {
        Some("token") => ResponseType::Token,
        _ => ResponseType::Code,
    };
    let fragment = response_type == ResponseType::Token;
    let state_raw = single(&pairs, "state").ok().flatten();
    let back = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_string(),
        state: state_raw.clone().filter(|s| s.len() <= MAX_VALUE_BYTES),
        fragment,
    };
    let params = match crate::hosted::parse_form(&call.query) {
        Ok(params) => params,
        Err(FormError::Repeated(name)) => {
            return Err(back(
                "invalid_request",
                &format!("{} is repeated", crate::error::truncate(&name, 64)),
            ))
        }
        Err(FormError::TooLong(name)) => {
            return Err(back("invalid_request", &format!("{name} is too long")))
        }
        Err(FormError::TooMany) => return Err(back("invalid_request", "too many parameters")),
    };
    let get = |name: &str| params.get(name).cloned();
    let response_type = match get("response_type").as_deref() {
        Some("code") => ResponseType::Code,
        Some("token") => ResponseType::Token,
        Some(_) => {
            return Err(back(
                "unsupported_response_type",
                "response_type must be code or token",
            ))
        }
        None => return Err(back("invalid_request", "response_type is missing")),
    };
    let flow = match response_type {
        ResponseType::Code => "code",
        ResponseType::Token => "implicit",
    };
    if !oauth::flow_allowed(&client, flow) {
        return Err(back(
            "unauthorized_client",
            "The client is not allowed this OAuth flow.",
        ));
    }
    let supported: Vec<String> = client
        .supported_identity_providers
        .clone()
        .unwrap_or_default();
    let unsupported = |name: &str| {
        back(
            "unauthorized_client",
            &format!(
                "The client does not support {} as an identity provider.",
                crate::error::truncate(name, 64)
            ),
        )
    };
    let providers = call
        .app
        .read(|db| Ok(db.pool(&call.pool_id)?.identity_providers.clone()))
        .map_err(|_| back("server_error", "The pool is gone."))?;
    let upstream = match (get("identity_provider"), get("idp_identifier")) {
        (Some(name), _) if name == "COGNITO" => {
            if !supported.iter().any(|p| p == "COGNITO") {
                return Err(unsupported("COGNITO"));
            }
            None
        }
        (Some(name), _) => {
            let provider = providers
                .get(name.as_str())
                .filter(|_| supported.contains(&name))
                .ok_or_else(|| unsupported(&name))?;
            Some(provider.clone())
        }
        (None, Some(identifier)) => {
            let provider = providers
                .values()
                .find(|p| {
                    p.idp_identifiers
                        .iter()
                        .any(|i| i.eq_ignore_ascii_case(&identifier))
                })
                .filter(|p| supported.contains(&p.provider_name))
                .ok_or_else(|| {
                    back(
                        "invalid_request",
                        "No identity provider of the client has this idp_identifier.",
                    )
                })?;
            Some(provider.clone())
        }
        (None, None) => {
            // The login page: a password form with COGNITO, a button per provider.
            let usable = supported
                .iter()
                .any(|p| p == "COGNITO" || providers.contains_key(p));
            if !usable {
                return Err(unsupported("COGNITO"));
            }
            None
        }
    };
    if let Some(provider) = &upstream {
        if provider.provider_type != "OIDC" {
            return Err(back(
                "invalid_request",
                &format!(
                    "Sign-in through {} providers is not emulated; OIDC providers are.",
                    provider.provider_type
                ),
            ));
        }
    }
    let pool_scopes = call
        .app
        .read(|db| {
            let pool = db.pool(&call.pool_id)?;
            Ok(oauth::user_scopes(pool, &client, get("scope").as_deref()))
        })
        .map_err(|_| back("server_error", "The pool is gone."))?;
    let scopes = pool_scopes.map_err(|_| back("invalid_scope", "invalid_scope"))?;
    let code_challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, None) => None,
        (Some(challenge), Some(method))
            if method == "S256" && oauth::valid_challenge(&challenge) =>
        {
            Some(challenge)
        }
        (Some(_), Some(method)) if method == "S256" => {
            return Err(back("invalid_request", "code_challenge is malformed"))
        }
        (Some(_), Some(_)) => {
            return Err(back(
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        (Some(_), None) => return Err(back("invalid_request", "code_challenge_method is missing")),
        (None, Some(_)) => return Err(back("invalid_request", "code_challenge is missing")),
    };
    Ok(Authorization {
        client,
        redirect_uri,
        response_type,
        scopes,
        state: get("state"),
        nonce: get("nonce"),
        // The implicit flow has no token request to prove the verifier at.
        code_challenge: code_challenge.filter(|_| response_type == ResponseType::Code),
        prompt: get("prompt"),
        login_hint: get("login_hint"),
        lang: get("lang"),
        upstream,
        providers: supported
            .iter()
            .filter(|name| {
                providers
                    .get(name.as_str())
                    .is_some_and(|p| p.provider_type == "OIDC")
            })
            .cloned()
            .collect(),
        cognito: supported.iter().any(|p| p == "COGNITO"),
    })
}

/// The end of a successful authorization: a code, or the tokens in the fragment.
fn complete(call: &Call, request: &Authorization, username: &str, auth_time: i64) -> Response {
    let state = request.state.as_deref();
    match request.response_type {
        ResponseType::Code => {
            let code = oauth::issue_code(
                &call.app,
                CodeGrant {
                    pool_id: call.pool_id.clone(),
                    client_id: request.client.client_id.clone(),
                    redirect_uri: request.redirect_uri.clone(),
                    username: username.to_string(),
                    scopes: request.scopes.clone(),
                    nonce: request.nonce.clone(),
                    code_challenge: request.code_challenge.clone(),
                    auth_time,
                    expires_at: call.app.now() + oauth::CODE_TTL,
                },
            );
            let code = match code {
                Ok(code) => code,
                Err(error) => return back_to_app(request, "server_error", &error.message),
            };
            let mut params = vec![("code", code.as_str())];
            if let Some(state) = state {
                params.push(("state", state));
            }
            redirect(&with_params(&request.redirect_uri, &params, false))
        }
        ResponseType::Token => {
            let grant = UserGrant {
                pool_id: &call.pool_id,
                client_id: &request.client.client_id,
                username,
                scopes: &request.scopes,
                nonce: request.nonce.as_deref(),
                auth_time,
                with_refresh: false,
            };
            let tokens = match oauth::grant_user_tokens(&call.app, &grant) {
                Ok(tokens) => tokens,
                Err(error) => {
                    return Refusal::Redirect {
                        redirect_uri: request.redirect_uri.clone(),
                        error: "server_error",
                        description: error.message,
                        state: request.state.clone(),
                        fragment: true,
                    }
                    .into_response()
                }
            };
            let expires = tokens.expires_in.to_string();
            let mut params = vec![("access_token", tokens.access_token.as_str())];
            if let Some(id) = &tokens.id_token {
                params.push(("id_token", id));
            }
            params.push(("token_type", "Bearer"));
            params.push(("expires_in", &expires));
            if let Some(state) = state {
                params.push(("state", state));
            }
            redirect(&with_params(&request.redirect_uri, &params, true))
        }
    }
}

/// Signs the browser in at the domain (its session cookie), then the code or tokens.
fn sign_browser_in(
    call: &Call,
    request: &Authorization,
    username: &str,
    auth_time: i64,
) -> Response {
    let cookie = match oauth::open_browser_session(&call.app, &call.pool_id, username, auth_time) {
        Ok(cookie) => cookie,
        Err(error) => return back_to_app(request, "server_error", &error.message),
    };
    let mut response = complete(call, request, username, auth_time);
    set_cookie(
        &mut response,
        &format!(
            "{SESSION_COOKIE}={cookie}; Path=/domains/{}; HttpOnly; SameSite=Lax",
            call.domain
        ),
    );
    response
}

/// An error sent back to the app's (registered) redirect URI.
fn back_to_app(request: &Authorization, error: &'static str, description: &str) -> Response {
    Refusal::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        error,
        description: description.to_string(),
        state: request.state.clone(),
        fragment: request.response_type == ResponseType::Token,
    }
    .into_response()
}

/// `GET /oauth2/authorize`.
fn authorize_work(call: &Call) -> Response {
    let request = match check_authorization(call) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(provider) = &request.upstream {
        let redirect_uri = format!("{}/oauth2/idpresponse", call.base());
        return match idp::begin(
            &call.app,
            &call.pool_id,
            provider,
            &redirect_uri,
            &call.query,
        ) {
            Ok((url, (cookie, browser))) => {
                let mut response = redirect(&url);
                set_cookie(
                    &mut response,
                    &format!(
                        "{cookie}={browser}; Path=/domains/{}; HttpOnly; SameSite=Lax; Max-Age={}",
                        call.domain,
                        idp::PENDING_TTL
                    ),
                );
                response
            }
            Err(error) => back_to_app(&request, "server_error", &error.description()),
        };
    }
    let signed_in = call
        .cookie(SESSION_COOKIE)
        .and_then(|cookie| oauth::browser_session(&call.app, &call.pool_id, &cookie));
    match (signed_in, request.prompt.as_deref()) {
        (Some((username, auth_time)), None | Some("none")) => {
            complete(call, &request, &username, auth_time)
        }
        (None, Some("none")) => Refusal::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            error: "login_required",
            description: "The user is not signed in.".into(),
            state: request.state.clone(),
            fragment: request.response_type == ResponseType::Token,
        }
        .into_response(),
        _ => {
            let query = String::from_utf8_lossy(&call.query);
            redirect(&format!("{}/login?{query}", call.base()))
        }
    }
}

/// A step of the sign-in after the password: which challenge, its session, the user, and what
/// the step shows: the MFA types to choose from (SELECT_MFA_TYPE), the required attributes to
/// fill in (NEW_PASSWORD_REQUIRED), the new TOTP secret (MFA_SETUP).
struct PendingStep {
    challenge: String,
    session: String,
    username: String,
    options: Vec<String>,
    secret: Option<String>,
}

impl PendingStep {
    /// The step the submitted form was, from its hidden fields.
    fn from_form(form: &BTreeMap<String, String>) -> Option<PendingStep> {
        Some(PendingStep {
            challenge: form.get("challenge")?.clone(),
            session: form.get("session")?.clone(),
            username: form.get("username")?.clone(),
            options: form
                .get("options")
                .map(|o| {
                    o.split(',')
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            secret: form.get("secret").cloned(),
        })
    }
}

/// The input a challenge the page offers asks for, and the `ChallengeResponses` key it fills.
fn step_input(challenge: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match challenge {
        "NEW_PASSWORD_REQUIRED" => Some(("newPassword", "NEW_PASSWORD", "New password")),
        "SOFTWARE_TOKEN_MFA" => Some((
            "code",
            "SOFTWARE_TOKEN_MFA_CODE",
            "Code from your authenticator app",
        )),
        "SMS_MFA" => Some(("code", "SMS_MFA_CODE", "Code sent by SMS")),
        "EMAIL_OTP" => Some(("code", "EMAIL_OTP_CODE", "Code sent by email")),
        "SELECT_MFA_TYPE" => Some(("mfaType", "ANSWER", "How to confirm it is you")),
        "MFA_SETUP" => Some((
            "code",
            "",
            "Add this key to your authenticator app, then enter its code",
        )),
        _ => None,
    }
}

/// The fields of a step's form.
fn step_fields(step: &PendingStep, (input, _, label): (&str, &str, &str)) -> String {
    let mut html = format!(
        "<input type=\"hidden\" name=\"challenge\" value=\"{}\">\
         <input type=\"hidden\" name=\"session\" value=\"{}\">\
         <input type=\"hidden\" name=\"username\" value=\"{}\">\
         <input type=\"hidden\" name=\"options\" value=\"{}\">",
        escape(&step.challenge),
        escape(&step.session),
        escape(&step.username),
        escape(&step.options.join(",")),
    );
    match step.challenge.as_str() {
        "SELECT_MFA_TYPE" => {
            html.push_str(&format!("<fieldset><legend>{label}</legend>"));
            for (i, option) in step.options.iter().enumerate() {
                let text = match option.as_str() {
                    "SOFTWARE_TOKEN_MFA" => "Authenticator app",
                    "SMS_MFA" => "Text message (SMS)",
                    "EMAIL_OTP" => "Email",
                    other => other,
                };
                html.push_str(&format!(
                    "<label><input type=\"radio\" name=\"{input}\" value=\"{value}\"{checked} required> {text}</label>",
                    value = escape(option),
                    checked = if i == 0 { " checked" } else { "" },
                    text = escape(text),
                ));
            }
            html.push_str("</fieldset>");
        }
        "MFA_SETUP" => {
            let secret = step.secret.as_deref().unwrap_or_default();
            html.push_str(&format!(
                "<input type=\"hidden\" name=\"secret\" value=\"{secret}\">\
                 <p>{label}: <code id=\"totpSecret\">{secret}</code></p>\
                 <p><a id=\"totpUri\" href=\"otpauth://totp/{user}?secret={secret}\">otpauth://totp/{user}?secret={secret}</a></p>\
                 <label>Code <input id=\"{input}\" name=\"{input}\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required></label>",
                secret = escape(secret),
                user = escape(&percent_encode(&step.username)),
            ));
        }
        "NEW_PASSWORD_REQUIRED" => {
            html.push_str(&format!(
                "<label>{label} <input id=\"{input}\" name=\"{input}\" type=\"password\" autocomplete=\"new-password\" required></label>"
            ));
            for attribute in &step.options {
                html.push_str(&format!(
                    "<label>{name} <input name=\"userAttributes.{name}\" type=\"text\" required></label>",
                    name = escape(attribute),
                ));
            }
        }
        _ => html.push_str(&format!(
            "<label>{label} <input id=\"{input}\" name=\"{input}\" type=\"text\" autocomplete=\"one-time-code\" required></label>"
        )),
    }
    html.push_str("<button type=\"submit\" name=\"challengeSubmitButton\">Continue</button>");
    html
}

/// Percent-encodes a label of an `otpauth://` URI.
fn percent_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The login form (or the form of a step after the password), with an error when the last try
/// failed. Each form carries a fresh CSRF token, also set as the `XSRF-TOKEN` cookie.
fn login_form(
    call: &Call,
    request: &Authorization,
    error: Option<&str>,
    step: Option<&PendingStep>,
) -> Response {
    let csrf = crypto::b64url(&crypto::random_bytes(32));
    let query = String::from_utf8_lossy(&call.query);
    let action = format!("{}/login?{query}", call.base());
    let error_html = error.map_or_else(String::new, |e| {
        format!(
            "<p id=\"loginErrorMessage\" role=\"alert\">{}</p>",
            escape(e)
        )
    });
    let fields = match step.and_then(|s| step_input(&s.challenge).map(|input| (s, input))) {
        Some((step, input)) => step_fields(step, input),
        None if request.cognito => format!(
            "<label>Username <input id=\"signInFormUsername\" name=\"username\" type=\"text\" autocomplete=\"username\" value=\"{hint}\" required></label>\
             <label>Password <input id=\"signInFormPassword\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\" name=\"signInSubmitButton\">Sign in</button>",
            hint = escape(request.login_hint.as_deref().unwrap_or_default()),
        ),
        None => String::new(),
    };
    let form = if fields.is_empty() {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"_csrf\" value=\"{csrf}\">{fields}</form>",
            action = escape(&action),
        )
    };
    let buttons = if step.is_none() {
        provider_buttons(call, request)
    } else {
        String::new()
    };
    let body = format!(
        "<p>Sign in to {client}</p>{error_html}{buttons}{form}",
        client = escape(&request.client.client_name),
    );
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let lang = request
        .lang
        .as_deref()
        .and_then(|asked| LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(asked)))
        .copied()
        .unwrap_or("en");
    let mut response = page_in(lang, status, "Sign in", &body);
    set_cookie(
        &mut response,
        &format!(
            "{CSRF_COOKIE}={csrf}; Path=/domains/{}; HttpOnly; SameSite=Lax",
            call.domain
        ),
    );
    response
}

/// A "Continue with …" link per OIDC provider of the client: the same authorize request with
/// `identity_provider` set.
fn provider_buttons(call: &Call, request: &Authorization) -> String {
    let mut html = String::new();
    for name in &request.providers {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(&call.query) {
            if key != "identity_provider" && key != "idp_identifier" {
                query.append_pair(&key, &value);
            }
        }
        query.append_pair("identity_provider", name);
        let href = format!("{}/oauth2/authorize?{}", call.base(), query.finish());
        html.push_str(&format!(
            "<p><a class=\"idp-button\" data-provider=\"{name}\" href=\"{href}\">Continue with {name}</a></p>",
            name = escape(name),
            href = escape(&href),
        ));
    }
    html
}

/// `GET /login`.
fn login_page_work(call: &Call) -> Response {
    match check_authorization(call) {
        Ok(request) => login_form(call, &request, None, None),
        Err(refusal) => refusal.into_response(),
    }
}

/// `POST /login`: the password sign-in, the API's own, then its steps (a new password, an MFA
/// code) through the API's RespondToAuthChallenge.
fn login_submit_work(call: &Call) -> Response {
    let request = match check_authorization(call) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let form = match parse_form(&call.body) {
        Ok(form) => form,
        Err(_) => return login_form(call, &request, Some("The form is malformed."), None),
    };
    let csrf_ok = match (form.get("_csrf"), call.cookie(CSRF_COOKIE)) {
        (Some(sent), Some(kept)) => {
            !kept.is_empty() && crypto::ct_eq(sent.as_bytes(), kept.as_bytes())
        }
        _ => false,
    };
    if !csrf_ok {
        return login_form(
            call,
            &request,
            Some("The sign-in form expired or was tampered with; please try again."),
            None,
        );
    }
    let client_id = request.client.client_id.clone();
    if let Some(step) = PendingStep::from_form(&form) {
        return answer_step(call, &request, &form, step);
    }
    if !request.cognito {
        return login_form(
            call,
            &request,
            Some("This app signs in through its identity providers only."),
            None,
        );
    }
    let (Some(username), Some(password)) = (form.get("username"), form.get("password")) else {
        return login_form(
            call,
            &request,
            Some("Username and password are required."),
            None,
        );
    };
    if username.is_empty() || password.is_empty() {
        return login_form(
            call,
            &request,
            Some("Username and password are required."),
            None,
        );
    }
    let outcome =
        crate::ops::hosted_support::managed_login(&call.app, &client_id, username, password);
    signed_in_or_next(call, &request, username, outcome)
}

/// The answer to a step after the password: the API's RespondToAuthChallenge (MFA_SETUP after
/// the API's VerifySoftwareToken on the step's session).
fn answer_step(
    call: &Call,
    request: &Authorization,
    form: &BTreeMap<String, String>,
    step: PendingStep,
) -> Response {
    let client_id = request.client.client_id.clone();
    let Some((input, key, _)) = step_input(&step.challenge) else {
        return login_form(call, request, Some("Unknown sign-in step."), None);
    };
    let answer = form.get(input).cloned().unwrap_or_default();
    let mut responses = BTreeMap::from([("USERNAME".to_string(), step.username.clone())]);
    let mut session = step.session.clone();
    match step.challenge.as_str() {
        "MFA_SETUP" => {
            let verified = crate::ops::hosted_support::verify_software_token(
                &call.app,
                &json!({ "Session": session, "UserCode": answer }),
            );
            match verified {
                Ok(reply) => {
                    session = reply["Session"].as_str().unwrap_or_default().to_string();
                }
                // A wrong code keeps the session (a few tries), as the API's does.
                Err(error) if error.code == "EnableSoftwareTokenMFAException" => {
                    return login_form(call, request, Some(&error.message), Some(&step));
                }
                Err(error) => return login_form(call, request, Some(&error.message), None),
            }
        }
        "NEW_PASSWORD_REQUIRED" => {
            responses.insert(key.to_string(), answer);
            for attribute in &step.options {
                let name = format!("userAttributes.{attribute}");
                if let Some(value) = form.get(&name).filter(|v| !v.is_empty()) {
                    responses.insert(name, value.clone());
                }
            }
        }
        _ => {
            responses.insert(key.to_string(), answer);
        }
    }
    let outcome = crate::ops::hosted_support::managed_respond(
        &call.app,
        &client_id,
        &session,
        &step.challenge,
        &responses,
    );
    // The API keeps the session after a wrong code (three tries), and after a new password or
    // attributes it refuses: the same step again, with its error.
    let retry = |code: &str| {
        code == "CodeMismatchException"
            || (step.challenge == "NEW_PASSWORD_REQUIRED"
                && matches!(
                    code,
                    "InvalidPasswordException" | "InvalidParameterException"
                ))
    };
    match outcome {
        Err(error) if retry(error.code) => {
            login_form(call, request, Some(&error.message), Some(&step))
        }
        other => signed_in_or_next(call, request, &step.username, other),
    }
}

/// What a sign-in step answered: signed in (the browser session, then the code or tokens), the
/// form of the next step, or the login form with the error.
fn signed_in_or_next(
    call: &Call,
    request: &Authorization,
    typed: &str,
    outcome: crate::error::ApiResult<Value>,
) -> Response {
    let reply = match outcome {
        Ok(reply) => reply,
        Err(error) => {
            let message = match error.code {
                "NotAuthorizedException" | "UserNotFoundException" => {
                    "Incorrect username or password.".to_string()
                }
                _ => error.message,
            };
            return login_form(call, request, Some(&message), None);
        }
    };
    let signed_in = &reply["HostedSignIn"];
    if let (Some(username), Some(auth_time)) = (
        signed_in["Username"].as_str(),
        signed_in["AuthTime"].as_i64(),
    ) {
        return sign_browser_in(call, request, username, auth_time);
    }
    let challenge = reply["ChallengeName"].as_str().unwrap_or("another step");
    let parameters = &reply["ChallengeParameters"];
    // A list the service sends as JSON text (`MFAS_CAN_CHOOSE`, `requiredAttributes`, …).
    let listed = |name: &str| -> Vec<String> {
        parameters[name]
            .as_str()
            .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
            .unwrap_or_default()
    };
    let totp_setup = challenge != "MFA_SETUP"
        || listed("MFAS_CAN_SETUP")
            .iter()
            .any(|m| m == "SOFTWARE_TOKEN_MFA");
    match (step_input(challenge), reply["Session"].as_str()) {
        (Some(_), Some(session)) if totp_setup => {
            let username = parameters["USERNAME"].as_str().unwrap_or(typed);
            let mut step = PendingStep {
                challenge: challenge.to_string(),
                session: session.to_string(),
                username: username.to_string(),
                options: match challenge {
                    "SELECT_MFA_TYPE" => listed("MFAS_CAN_CHOOSE"),
                    "NEW_PASSWORD_REQUIRED" => listed("requiredAttributes")
                        .iter()
                        .map(|a| a.strip_prefix("userAttributes.").unwrap_or(a).to_string())
                        .collect(),
                    _ => Vec::new(),
                },
                secret: None,
            };
            if challenge == "MFA_SETUP" {
                // The API's AssociateSoftwareToken on the sign-in's session: a new secret.
                match crate::ops::hosted_support::associate_software_token(
                    &call.app,
                    &json!({ "Session": session }),
                ) {
                    Ok(associated) => {
                        step.secret = associated["SecretCode"].as_str().map(str::to_string);
                        step.session = associated["Session"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string();
                    }
                    Err(error) => return login_form(call, request, Some(&error.message), None),
                }
            }
            login_form(call, request, None, Some(&step))
        }
        _ => login_form(
            call,
            request,
            Some(&format!(
                "This sign-in needs {challenge}, which the emulator's login page does not offer yet."
            )),
            None,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// /oauth2/idpresponse

/// `GET /oauth2/idpresponse`: the browser back from an upstream provider with `code` and
/// `state` (or `error`). The `state` names the sign-in kept at `/oauth2/authorize`, whose
/// request is checked again; then the code is exchanged, the provider's ID token verified, the
/// user created or updated, the browser signed in and sent to the app with its own code.
fn idp_response_work(call: &Call) -> Response {
    let params = match parse_form(&call.query) {
        Ok(params) => params,
        Err(_) => return shown_error("invalid_request", "The request's parameters are malformed."),
    };
    // The browser that went to the provider only: another's request (a callback URL seen
    // elsewhere) is refused and leaves the sign-in for it.
    let pending = match params.get("state").map(|state| {
        let cookie = call.cookie(&idp::federation_cookie(state));
        oauth::take_federation(&call.app, &call.pool_id, state, cookie.as_deref())
    }) {
        Some(Ok(pending)) => pending,
        Some(Err(oauth::FederationRefusal::OtherBrowser)) => {
            return shown_error(
                "invalid_request",
                "This sign-in was not started in this browser.",
            )
        }
        None | Some(Err(oauth::FederationRefusal::Unknown)) => {
            return shown_error(
                "invalid_request",
                "The state is missing, unknown, used or expired.",
            )
        }
    };
    let original = Call {
        app: call.app.clone(),
        domain: call.domain.clone(),
        pool_id: call.pool_id.clone(),
        query: pending.authorize_query.clone(),
        headers: call.headers.clone(),
        body: Bytes::new(),
    };
    let request = match check_authorization(&original) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    if let Some(error) = params.get("error") {
        // The provider's own error code when it is one (RFC 6749 codes are [a-z_]).
        let code: &'static str = match error.as_str() {
            "access_denied" => "access_denied",
            "login_required" => "login_required",
            "consent_required" => "consent_required",
            "interaction_required" => "interaction_required",
            "temporarily_unavailable" => "temporarily_unavailable",
            _ => "server_error",
        };
        let description = params
            .get("error_description")
            .map(|d| crate::error::truncate(d, 512))
            .unwrap_or_else(|| crate::error::truncate(error, 64));
        return back_to_app(&request, code, &description);
    }
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return back_to_app(
            &request,
            "invalid_request",
            "The identity provider sent no code.",
        );
    };
    let provider = call
        .app
        .read(|db| {
            Ok(db
                .pool(&call.pool_id)?
                .identity_providers
                .get(&pending.provider_name)
                .cloned())
        })
        .ok()
        .flatten();
    let Some(provider) = provider else {
        return back_to_app(
            &request,
            "invalid_request",
            "The identity provider no longer exists.",
        );
    };
    let redirect_uri = format!("{}/oauth2/idpresponse", call.base());
    let claims = match idp::exchange_code(&provider, &pending, code, &redirect_uri) {
        Ok(claims) => claims,
        Err(error @ UpstreamError::InvalidToken(_)) => {
            return back_to_app(&request, "invalid_request", &error.description())
        }
        Err(error) => return back_to_app(&request, "server_error", &error.description()),
    };
    let now = call.app.now();
    let signed_in = call.app.write(|db| {
        let pool = db.pool_mut(&call.pool_id)?;
        idp::sign_in_identity(pool, &provider.provider_name, &claims, now)
    });
    match signed_in {
        Ok(username) => sign_browser_in(call, &request, &username, now),
        Err(error) => back_to_app(&request, "invalid_request", &error.message),
    }
}

// ---------------------------------------------------------------------------------------------
// /oauth2/token and /oauth2/revoke

/// The client of a token or revoke request, authenticated by `client_secret_basic` or
/// `client_secret_post` (or none, for a client without a secret).
fn authenticate_client(
    call: &Call,
    form: &BTreeMap<String, String>,
) -> Result<AppClient, OAuthError> {
    let basic = match call.headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let text = value.to_str().map_err(|_| OAuthError::InvalidClient)?;
            let (scheme, credentials) = text.split_once(' ').ok_or(OAuthError::InvalidClient)?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(OAuthError::InvalidClient);
            }
            let decoded = crypto::b64_decode(credentials).ok_or(OAuthError::InvalidClient)?;
            let decoded = String::from_utf8(decoded).map_err(|_| OAuthError::InvalidClient)?;
            let (id, secret) = decoded.split_once(':').ok_or(OAuthError::InvalidClient)?;
            Some((id.to_string(), secret.to_string()))
        }
    };
    let posted_id = form.get("client_id");
    let posted_secret = form.get("client_secret");
    let (client_id, secret) = match (&basic, posted_id) {
        (Some(_), _) if posted_secret.is_some() => return Err(OAuthError::InvalidRequest),
        (Some((id, _)), Some(posted)) if id != posted => return Err(OAuthError::InvalidClient),
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
        (None, Some(id)) => (id.clone(), posted_secret.cloned()),
        (None, None) => return Err(OAuthError::InvalidRequest),
    };
    // RFC 6749 §2.3.1 has Basic credentials form-urlencoded before base64; the service's own
    // recipe (Base64(client_id:client_secret)) does not. Both are taken: the value as sent, or
    // percent-decoded (never `+` as a space, which a secret may hold).
    let basic_form = basic.is_some();
    let client = call
        .client(&client_id)
        .or_else(|| {
            basic_form
                .then(|| percent_decoded(&client_id))
                .flatten()
                .and_then(|id| call.client(&id))
        })
        .ok_or(OAuthError::InvalidClient)?;
    match (&client.client_secret, secret) {
        (None, None) => Ok(client),
        (Some(expected), Some(given)) => {
            let matches = |given: &str| crypto::ct_eq(expected.as_bytes(), given.as_bytes());
            if matches(&given)
                || (basic_form && percent_decoded(&given).is_some_and(|g| matches(&g)))
            {
                Ok(client)
            } else {
                Err(OAuthError::InvalidClient)
            }
        }
        _ => Err(OAuthError::InvalidClient),
    }
}

/// `text` percent-decoded, when that changes it and gives UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()?;
    (decoded != text).then(|| decoded.into_owned())
}

/// The form body of a token or revoke request.
fn read_form(call: &Call) -> Result<BTreeMap<String, String>, OAuthError> {
    let form_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form_type {
        return Err(OAuthError::InvalidRequest);
    }
    parse_form(&call.body).map_err(|_| OAuthError::InvalidRequest)
}

/// `POST /oauth2/token`.
fn token_work(call: &Call) -> Response {
    match token_reply(call) {
        Ok(body) => {
            let mut response = crate::http::json_response(StatusCode::OK, JSON_UTF8, &body, "-");
            no_store(&mut response);
            response
        }
        Err(error) => oauth_error(StatusCode::BAD_REQUEST, error),
    }
}

fn token_reply(call: &Call) -> Result<Value, OAuthError> {
    let form = read_form(call)?;
    let grant_type = form
        .get("grant_type")
        .ok_or(OAuthError::InvalidRequest)?
        .clone();
    if !matches!(
        grant_type.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(OAuthError::UnsupportedGrantType);
    }
    let client = authenticate_client(call, &form)?;
    let field = |name: &str| form.get(name).map(String::as_str);
    match grant_type.as_str() {
        "authorization_code" => {
            if !oauth::flow_allowed(&client, "code") {
                return Err(OAuthError::UnauthorizedClient);
            }
            let code = field("code").ok_or(OAuthError::InvalidRequest)?;
            let redirect_uri = field("redirect_uri").ok_or(OAuthError::InvalidRequest)?;
            let grant = oauth::redeem_code(
                &call.app,
                &call.pool_id,
                code,
                &client.client_id,
                redirect_uri,
                field("code_verifier"),
            )?;
            let tokens = oauth::grant_user_tokens(
                &call.app,
                &UserGrant {
                    pool_id: &grant.pool_id,
                    client_id: &grant.client_id,
                    username: &grant.username,
                    scopes: &grant.scopes,
                    nonce: grant.nonce.as_deref(),
                    auth_time: grant.auth_time,
                    with_refresh: true,
                },
            )
            .map_err(|_| OAuthError::InvalidGrant)?;
            Ok(tokens.to_json())
        }
        "refresh_token" => {
            let token = field("refresh_token").ok_or(OAuthError::InvalidRequest)?;
            let tokens = oauth::refresh_tokens(&call.app, &call.pool_id, &client.client_id, token)?;
            Ok(tokens.to_json())
        }
        _ => {
            if client.client_secret.is_none() || !oauth::flow_allowed(&client, "client_credentials")
            {
                return Err(OAuthError::UnauthorizedClient);
            }
            let scopes = call
                .app
                .read(|db| {
                    let pool = db.pool(&call.pool_id)?;
                    Ok(oauth::client_scopes(pool, &client, field("scope")))
                })
                .map_err(|_| OAuthError::InvalidClient)??;
            let tokens =
                oauth::client_credentials_token(&call.app, &call.pool_id, &client, &scopes)
                    .map_err(|_| OAuthError::InvalidRequest)?;
            Ok(tokens.to_json())
        }
    }
}

/// `POST /oauth2/revoke`.
fn revoke_work(call: &Call) -> Response {
    let outcome = read_form(call).and_then(|form| {
        let client = authenticate_client(call, &form)?;
        let token = form.get("token").ok_or(OAuthError::InvalidRequest)?;
        if !client.enable_token_revocation {
            return Err(OAuthError::InvalidRequest);
        }
        oauth::revoke_refresh_token(&call.app, &call.pool_id, &client.client_id, token)
    });
    match outcome {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(&mut response);
            response
        }
        Err(OAuthError::InvalidClient) => {
            oauth_error(StatusCode::UNAUTHORIZED, OAuthError::InvalidClient)
        }
        Err(error) => oauth_error(StatusCode::BAD_REQUEST, error),
    }
}

// ---------------------------------------------------------------------------------------------
// /oauth2/userInfo and /logout

/// `GET|POST /oauth2/userInfo`.
fn user_info_work(call: &Call) -> Response {
    let bearer = call
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim().to_string());
    let outcome = match bearer {
        Some(token) => oauth::user_info(&call.app, &call.pool_id, &token),
        None => Err(UserInfoError::BadRequest),
    };
    let (status, error, description) = match outcome {
        Ok(claims) => {
            let mut response = crate::http::json_response(StatusCode::OK, JSON_UTF8, &claims, "-");
            no_store(&mut response);
            return response;
        }
        Err(UserInfoError::BadRequest) => (
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Bad OAuth2 request at UserInfo Endpoint",
        ),
        Err(UserInfoError::InvalidToken) => (
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Access token is expired, disabled, or deleted, or the user has globally signed out.",
        ),
    };
    let body = json!({ "error": error, "error_description": description });
    let mut response = crate::http::json_response(status, JSON_UTF8, &body, "-");
    let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `GET /logout`: signs the browser out of the domain, then to `logout_uri` (one of the
/// client's LogoutURLs) or, with `redirect_uri` and `response_type`, back to the login page.
fn logout_work(call: &Call) -> Response {
    let params = match parse_form(&call.query) {
        Ok(params) => params,
        Err(_) => return shown_error("invalid_request", "The request's parameters are malformed."),
    };
    let Some(client) = params.get("client_id").and_then(|id| call.client(id)) else {
        return shown_error("invalid_request", "Invalid client id.");
    };
    let target = if let Some(logout_uri) = params.get("logout_uri") {
        let registered = client
            .logout_urls
            .as_ref()
            .is_some_and(|urls| urls.contains(logout_uri));
        if !registered {
            return shown_error(
                "invalid_request",
                "The logout_uri is not one of the app client's sign-out URLs.",
            );
        }
        logout_uri.clone()
    } else if let (Some(redirect_uri), Some(_)) =
        (params.get("redirect_uri"), params.get("response_type"))
    {
        let registered = client
            .callback_urls
            .as_ref()
            .is_some_and(|urls| urls.contains(redirect_uri));
        if !registered {
            return shown_error(
                "redirect_mismatch",
                "The redirect_uri is not one of the app client's callback URLs.",
            );
        }
        let mut again: Vec<(&str, &str)> = Vec::new();
        for name in [
            "client_id",
            "redirect_uri",
            "response_type",
            "state",
            "scope",
        ] {
            if let Some(value) = params.get(name) {
                again.push((name, value));
            }
        }
        with_params(&format!("{}/login", call.base()), &again, false)
    } else {
        return shown_error(
            "invalid_request",
            "logout_uri, or redirect_uri and response_type, are required.",
        );
    };
    if let Some(cookie) = call.cookie(SESSION_COOKIE) {
        oauth::end_browser_session(&call.app, &call.pool_id, &cookie);
    }
    let mut response = redirect(&target);
    set_cookie(
        &mut response,
        &format!(
            "{SESSION_COOKIE}=; Path=/domains/{}; HttpOnly; SameSite=Lax; Max-Age=0",
            call.domain
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn basic_credentials_are_taken_as_sent_or_percent_decoded_never_with_plus_as_space() {
        assert_eq!(percent_decoded("abc"), None, "nothing to decode");
        assert_eq!(percent_decoded("a%2Bb%26c").as_deref(), Some("a+b&c"));
        assert_eq!(percent_decoded("a+b"), None, "a plus stays a plus");
        assert_eq!(percent_decoded("%FF"), None, "not UTF-8");
    }
}
