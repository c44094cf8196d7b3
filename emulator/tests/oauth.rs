//! The pool domain's OAuth 2.0 / OpenID Connect endpoints and managed login page (issue #20):
//! where they live, the authorize → login → token → userInfo → revoke → logout path, and every
//! refusal — each the service's error, never a 500, never a redirect to an unregistered URL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

const POOL: &str = "us-east-1_TestPool1";
const DOMAIN: &str = "myapp";
const CALLBACK: &str = "https://app.example.com/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP";

fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn query_of(url: &str) -> HashMap<String, String> {
    let tail = url.split_once(['?', '#']).map_or("", |(_, t)| t);
    form_urlencoded::parse(tail.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The OAuth clients of the tests: `web` (public, code + implicit), `api` (confidential,
/// client credentials) and `other` (public, code) — all in the pool of domain `myapp`.
struct Setup {
    server: RunningServer,
    web: String,
    other: String,
    api: String,
    api_secret: String,
}

async fn setup() -> Setup {
    setup_on(start_with(basic_config()).await).await
}

async fn setup_on(server: RunningServer) -> Setup {
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": DOMAIN }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api", "Name": "API",
                "Scopes": [{ "ScopeName": "read", "ScopeDescription": "Read" }] }),
    )
    .await
    .unwrap();
    let create = |body: Value| {
        let server = &server;
        async move {
            admin(server, "CreateUserPoolClient", body).await.unwrap()["UserPoolClient"].clone()
        }
    };
    let web = create(json!({
        "UserPoolId": POOL, "ClientName": "web",
        "CallbackURLs": [CALLBACK, "http://127.0.0.1:3000/cb"],
        "LogoutURLs": ["https://app.example.com/bye"],
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin", "api/read"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "SupportedIdentityProviders": ["COGNITO"],
        "EnableTokenRevocation": true,
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
    }))
    .await;
    let other = create(json!({
        "UserPoolId": POOL, "ClientName": "other",
        "CallbackURLs": [CALLBACK],
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "SupportedIdentityProviders": ["COGNITO"],
    }))
    .await;
    let api = create(json!({
        "UserPoolId": POOL, "ClientName": "service", "GenerateSecret": true,
        "AllowedOAuthFlows": ["client_credentials"],
        "AllowedOAuthScopes": ["api/read"],
        "AllowedOAuthFlowsUserPoolClient": true,
    }))
    .await;
    Setup {
        server,
        web: web["ClientId"].as_str().unwrap().into(),
        other: other["ClientId"].as_str().unwrap().into(),
        api: api["ClientId"].as_str().unwrap().into(),
        api_secret: api["ClientSecret"].as_str().unwrap().into(),
    }
}

fn path(endpoint: &str) -> String {
    format!("/domains/{DOMAIN}{endpoint}")
}

async fn get(s: &Setup, target: &str, cookie: Option<&str>) -> Reply {
    let mut headers = Vec::new();
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    let reply = request(s.server.addr, "GET", target, &headers, b"").await;
    assert_ne!(reply.status, 500, "{target}");
    reply
}

async fn post_form(s: &Setup, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = vec![("Content-Type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    let reply = request(s.server.addr, "POST", target, &all, body.as_bytes()).await;
    assert_ne!(reply.status, 500, "{target}");
    reply
}

/// `/oauth2/authorize` with [`authorize_query`].
fn authorize_target(client_id: &str, extra: &[(&str, &str)]) -> String {
    format!(
        "{}?{}",
        path("/oauth2/authorize"),
        authorize_query(client_id, extra)
    )
}

fn authorize_query(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge_of(VERIFIER);
    let mut pairs = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        (
            "scope",
            "openid email aws.cognito.signin.user.admin api/read",
        ),
        ("state", "st-1"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        pairs.retain(|(n, _)| n != name);
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    encode(&pairs)
}

fn location(reply: &Reply) -> String {
    reply.headers.get("location").cloned().unwrap_or_else(|| {
        panic!(
            "no Location ({}): {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        )
    })
}

fn cookie_value(reply: &Reply, name: &str) -> String {
    let header = reply.headers.get("set-cookie").expect("a cookie is set");
    let value = header
        .split(';')
        .next()
        .and_then(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} not in {header}"));
    format!("{name}={value}")
}

/// The hidden `_csrf` of a login form.
fn csrf_of(reply: &Reply) -> String {
    let html = String::from_utf8_lossy(&reply.body);
    let at = html.find("name=\"_csrf\" value=\"").expect("csrf input") + 20;
    html[at..].split('"').next().unwrap().to_string()
}

/// Opens the login page of an authorize request and submits `password`.
async fn sign_in(s: &Setup, query: &str, password: &str) -> Reply {
    let form = get(s, &format!("{}?{query}", path("/login")), None).await;
    assert_eq!(form.status, 200, "{}", String::from_utf8_lossy(&form.body));
    let csrf_cookie = cookie_value(&form, "XSRF-TOKEN");
    let body = encode(&[
        ("_csrf", &csrf_of(&form)),
        ("username", "alice"),
        ("password", password),
    ]);
    post_form(
        s,
        &format!("{}?{query}", path("/login")),
        &[("Cookie", &csrf_cookie)],
        &body,
    )
    .await
}

/// A code for `alice` through the login page.
async fn code_for(s: &Setup, client_id: &str) -> String {
    let reply = sign_in(s, &authorize_query(client_id, &[]), "Passw0rd!").await;
    assert_eq!(
        reply.status,
        302,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    query_of(&location(&reply))["code"].clone()
}

async fn redeem(s: &Setup, client_id: &str, code: &str, verifier: &str) -> Reply {
    let body = encode(&[
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", verifier),
    ]);
    post_form(s, &path("/oauth2/token"), &[], &body).await
}

/// `GET /oauth2/userInfo` with `access_token`.
async fn user_info(s: &Setup, access_token: &str) -> Reply {
    let bearer = format!("Bearer {access_token}");
    request(
        s.server.addr,
        "GET",
        &path("/oauth2/userInfo"),
        &[("Authorization", &bearer)],
        b"",
    )
    .await
}

fn error_of(reply: &Reply) -> String {
    assert_eq!(
        reply.headers.get("content-type").map(String::as_str),
        Some("application/json;charset=UTF-8")
    );
    reply.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn discovery_lists_the_domain_endpoints_once_the_pool_has_a_domain() {
    let server = start_with(basic_config()).await;
    let discovery = format!("/{POOL}/.well-known/openid-configuration");
    let before = request(server.addr, "GET", &discovery, &[], b"")
        .await
        .json();
    assert!(before.get("authorization_endpoint").is_none(), "{before}");
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": DOMAIN }),
    )
    .await
    .unwrap();
    let doc = request(server.addr, "GET", &discovery, &[], b"")
        .await
        .json();
    let base = format!("http://{}/domains/{DOMAIN}", server.addr);
    assert_eq!(
        doc["authorization_endpoint"],
        json!(format!("{base}/oauth2/authorize"))
    );
    assert_eq!(doc["token_endpoint"], json!(format!("{base}/oauth2/token")));
    assert_eq!(
        doc["userinfo_endpoint"],
        json!(format!("{base}/oauth2/userInfo"))
    );
    assert_eq!(
        doc["issuer"],
        json!(format!("http://{}/{POOL}", server.addr))
    );
    // The service's document has neither.
    assert!(doc.get("revocation_endpoint").is_none() && doc.get("end_session_endpoint").is_none());
    // A custom domain takes over, as the service's managed login does.
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "auth.example.com",
                "CustomDomainConfig": { "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc" } }),
    )
    .await
    .unwrap();
    let doc = request(server.addr, "GET", &discovery, &[], b"")
        .await
        .json();
    assert_eq!(
        doc["token_endpoint"],
        json!(format!(
            "http://{}/domains/auth.example.com/oauth2/token",
            server.addr
        ))
    );
    // An unknown domain is a 404, not a 500.
    let reply = request(
        server.addr,
        "GET",
        "/domains/nope/oauth2/authorize",
        &[],
        b"",
    )
    .await;
    assert_eq!(reply.status, 404);
    server.shutdown().await;
}

#[tokio::test]
async fn loopback_ip_callback_urls_are_accepted_and_other_http_hosts_refused() {
    let server = start_with(basic_config()).await;
    let created = admin(
        &server,
        "CreateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientName": "native",
                "CallbackURLs": ["http://127.0.0.1:3000/cb", "http://[::1]:8080/cb"],
                "LogoutURLs": ["http://127.0.0.1:3000/bye"] }),
    )
    .await
    .unwrap();
    let client_id = created["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    for url in [
        "http://10.0.0.1/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://example.com/cb",
    ] {
        let refused = admin(
            &server,
            "UpdateUserPoolClient",
            json!({ "UserPoolId": POOL, "ClientId": client_id, "CallbackURLs": [url] }),
        )
        .await;
        assert_eq!(code(refused), "InvalidParameterException", "{url}");
    }
    admin(
        &server,
        "UpdateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": client_id, "CallbackURLs": ["http://127.0.0.1/cb"],
                "LogoutURLs": ["http://[::1]/bye"] }),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn code_flow_with_pkce_issues_tokens_that_work_everywhere() {
    let s = setup().await;
    // authorize sends a browser without a session to the login page, with the same request.
    let query = authorize_query(&s.web, &[]);
    let reply = get(&s, &format!("{}?{query}", path("/oauth2/authorize")), None).await;
    assert_eq!(reply.status, 302);
    assert_eq!(
        location(&reply),
        format!("http://{}/domains/{DOMAIN}/login?{query}", s.server.addr)
    );
    // The form: username, password, a CSRF token bound to a cookie.
    let form = get(&s, &format!("{}?{query}", path("/login")), None).await;
    let html = String::from_utf8_lossy(&form.body).to_string();
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    let csrf_header = form.headers.get("set-cookie").unwrap();
    assert!(csrf_header.contains("HttpOnly") && csrf_header.contains("SameSite=Lax"));
    // A wrong password shows the form again, with an error, and no code.
    let wrong = sign_in(&s, &query, "Wrong-passw0rd").await;
    assert_eq!(wrong.status, 400);
    assert!(String::from_utf8_lossy(&wrong.body).contains("Incorrect username or password."));
    assert!(!wrong.headers.contains_key("location"));
    // The right one redirects to the callback with code and state, and signs the browser in.
    let signed = sign_in(&s, &query, "Passw0rd!").await;
    assert_eq!(signed.status, 302);
    let back = location(&signed);
    assert!(back.starts_with(&format!("{CALLBACK}?")), "{back}");
    let params = query_of(&back);
    assert_eq!(params["state"], "st-1");
    let session = signed.headers.get("set-cookie").unwrap();
    assert!(
        session.starts_with("cognito=")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
    );
    let reply = redeem(&s, &s.web, &params["code"], VERIFIER).await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(
        reply
            .headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some("*")
    );
    let tokens = reply.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["aud"], json!(s.web));
    assert_eq!(id["cognito:username"], "alice");
    let access_token = tokens["access_token"].as_str().unwrap().to_string();
    // at_hash: the left half of the access token's SHA-256 (OpenID Connect Core 3.1.3.6).
    assert_eq!(
        id["at_hash"],
        URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16])
    );
    let access = claims(&access_token);
    assert_eq!(
        access["scope"],
        "openid email aws.cognito.signin.user.admin api/read"
    );
    assert_eq!(access["client_id"], json!(s.web));
    // The access token calls the API like InitiateAuth's (it has the admin scope).
    let user = call(&s.server, "GetUser", json!({ "AccessToken": access_token }))
        .await
        .unwrap();
    assert_eq!(user["Username"], "alice");
    // userInfo answers its claims.
    let info = user_info(&s, &access_token).await;
    assert_eq!(info.status, 200);
    let info = info.json();
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["username"], "alice");
    assert_eq!(info["sub"], id["sub"]);
    // The code is single use.
    let replay = redeem(&s, &s.web, &params["code"], VERIFIER).await;
    assert_eq!(
        (replay.status, error_of(&replay).as_str()),
        (400, "invalid_grant")
    );
    // The refresh grant keeps the lineage's scopes; so does the API's refresh.
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let body = encode(&[
        ("grant_type", "refresh_token"),
        ("client_id", &s.web),
        ("refresh_token", &refresh),
    ]);
    let refreshed = post_form(&s, &path("/oauth2/token"), &[], &body).await;
    assert_eq!(refreshed.status, 200);
    let refreshed = refreshed.json();
    assert!(refreshed.get("refresh_token").is_none());
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["scope"],
        access["scope"]
    );
    assert_eq!(
        claims(refreshed["id_token"].as_str().unwrap())["origin_jti"],
        id["origin_jti"]
    );
    let api_refresh = call(
        &s.server,
        "InitiateAuth",
        json!({ "ClientId": s.web, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }),
    )
    .await
    .unwrap();
    let api_access = claims(
        api_refresh["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(api_access["scope"], access["scope"]);
    // /oauth2/revoke ends the lineage: its refresh and access tokens stop working.
    let body = encode(&[("token", &refresh), ("client_id", &s.web)]);
    let revoked = post_form(&s, &path("/oauth2/revoke"), &[], &body).await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.body.is_empty());
    let body = encode(&[
        ("grant_type", "refresh_token"),
        ("client_id", &s.web),
        ("refresh_token", &refresh),
    ]);
    let again = post_form(&s, &path("/oauth2/token"), &[], &body).await;
    assert_eq!(error_of(&again), "invalid_grant");
    let refused = call(&s.server, "GetUser", json!({ "AccessToken": access_token })).await;
    assert_eq!(code(refused), "NotAuthorizedException");
    let info = user_info(&s, &access_token).await;
    assert_eq!(info.status, 401);
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_signed_in_browser_gets_its_code_at_once_until_logout() {
    let s = setup().await;
    let query = authorize_query(&s.web, &[]);
    let signed = sign_in(&s, &query, "Passw0rd!").await;
    let session = cookie_value(&signed, "cognito");
    let again = get(
        &s,
        &authorize_target(&s.web, &[("state", "st-2")]),
        Some(&session),
    )
    .await;
    assert_eq!(again.status, 302);
    let back = location(&again);
    assert!(back.starts_with(CALLBACK), "{back}");
    assert_eq!(query_of(&back)["state"], "st-2");
    assert_eq!(
        redeem(&s, &s.web, &query_of(&back)["code"], VERIFIER)
            .await
            .status,
        200
    );
    // prompt=login asks again; prompt=none without a session says login_required.
    let forced = get(
        &s,
        &authorize_target(&s.web, &[("prompt", "login")]),
        Some(&session),
    )
    .await;
    assert!(location(&forced).contains("/login?"));
    let none = get(&s, &authorize_target(&s.web, &[("prompt", "none")]), None).await;
    assert_eq!(query_of(&location(&none))["error"], "login_required");
    // logout: logout_uri must be registered.
    let bad = get(
        &s,
        &format!(
            "{}?{}",
            path("/logout"),
            encode(&[
                ("client_id", &s.web),
                ("logout_uri", "https://evil.example/")
            ])
        ),
        Some(&session),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(!bad.headers.contains_key("location"));
    let missing = get(
        &s,
        &format!("{}?{}", path("/logout"), encode(&[("client_id", &s.web)])),
        Some(&session),
    )
    .await;
    assert_eq!(missing.status, 400);
    let out = get(
        &s,
        &format!(
            "{}?{}",
            path("/logout"),
            encode(&[
                ("client_id", &s.web),
                ("logout_uri", "https://app.example.com/bye")
            ])
        ),
        Some(&session),
    )
    .await;
    assert_eq!(out.status, 302);
    assert_eq!(location(&out), "https://app.example.com/bye");
    assert!(out.headers.get("set-cookie").unwrap().contains("Max-Age=0"));
    let after = get(&s, &authorize_target(&s.web, &[]), Some(&session)).await;
    assert!(location(&after).contains("/login?"), "signed out");
    // logout with redirect_uri + response_type goes back to the login page.
    let relogin = get(
        &s,
        &format!(
            "{}?{}",
            path("/logout"),
            encode(&[
                ("client_id", &s.web),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("state", "x")
            ])
        ),
        None,
    )
    .await;
    let target = location(&relogin);
    assert!(
        target.starts_with(&format!("http://{}/domains/{DOMAIN}/login?", s.server.addr)),
        "{target}"
    );
    assert_eq!(query_of(&target)["state"], "x");
    let stray = get(
        &s,
        &format!(
            "{}?{}",
            path("/logout"),
            encode(&[
                ("client_id", &s.web),
                ("redirect_uri", "https://evil.example/"),
                ("response_type", "code")
            ])
        ),
        None,
    )
    .await;
    assert!(!stray.headers.contains_key("location"));
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_deleted_users_code_and_browser_session_do_not_pass_to_a_new_user_of_that_name() {
    let s = setup().await;
    let signed = sign_in(&s, &authorize_query(&s.web, &[]), "Passw0rd!").await;
    let session = cookie_value(&signed, "cognito");
    let code = query_of(&location(&signed))["code"].clone();
    admin(
        &s.server,
        "AdminDeleteUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    admin(
        &s.server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "alice", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "new-alice@example.com" }] }),
    )
    .await
    .unwrap();
    // The old code is refused, and the old cookie signs no one in.
    let redeemed = redeem(&s, &s.web, &code, VERIFIER).await;
    assert_eq!(redeemed.status, 400);
    assert_eq!(error_of(&redeemed), "invalid_grant");
    let again = get(&s, &authorize_target(&s.web, &[]), Some(&session)).await;
    assert_eq!(again.status, 302);
    assert!(
        location(&again).contains("/login?"),
        "the login form, not a code: {}",
        location(&again)
    );
}

#[tokio::test]
async fn implicit_flow_returns_tokens_in_the_fragment() {
    let s = setup().await;
    let query = authorize_query(
        &s.web,
        &[("response_type", "token"), ("scope", "openid email")],
    );
    let reply = sign_in(&s, &query, "Passw0rd!").await;
    let back = location(&reply);
    assert!(back.starts_with(&format!("{CALLBACK}#")), "{back}");
    let params = query_of(&back);
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["state"], "st-1");
    assert_eq!(claims(&params["id_token"])["nonce"], "n-0S6_WzA2Mj");
    assert!(!params.contains_key("refresh_token"));
    // Without aws.cognito.signin.user.admin the access token may not call the user API.
    let refused = call(
        &s.server,
        "GetUser",
        json!({ "AccessToken": params["access_token"] }),
    )
    .await;
    assert_eq!(code(refused), "NotAuthorizedException");
    s.server.shutdown().await;
}

#[tokio::test]
async fn authorize_refusals_never_redirect_to_an_unregistered_url() {
    let s = setup().await;
    let authorize = |query: String| format!("{}?{query}", path("/oauth2/authorize"));
    // Shown, never redirected: no client, unknown client, no/unregistered/repeated redirect_uri.
    for query in [
        authorize_query("", &[]),
        authorize_query("nosuchclient", &[]),
        authorize_query(&s.web, &[("redirect_uri", "")]),
        authorize_query(&s.web, &[("redirect_uri", "https://evil.example/cb")]),
        authorize_query(
            &s.web,
            &[("redirect_uri", "https://app.example.com/cb/../evil")],
        ),
        authorize_query(
            &s.web,
            &[(
                "redirect_uri",
                "https://app.example.com/cb?next=https://evil.example",
            )],
        ),
        authorize_query(&s.web, &[("redirect_uri", "https://app.example.com/cbx")]),
        format!(
            "{}&redirect_uri=https%3A%2F%2Fevil.example%2F",
            authorize_query(&s.web, &[])
        ),
        format!("{}&client_id={}", authorize_query(&s.web, &[]), s.other),
    ] {
        let reply = get(&s, &authorize(query.clone()), None).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(!reply.headers.contains_key("location"), "{query}");
    }
    // Redirected to the registered callback with the service's error code (and the state).
    let long = "x".repeat(9000);
    for (extra, error) in [
        (vec![("response_type", "")], "invalid_request"),
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge", "too-short")], "invalid_request"),
        (vec![("scope", "openid phone")], "invalid_scope"),
        (vec![("scope", "email")], "invalid_scope"),
        (vec![("scope", "api/write")], "invalid_scope"),
        (vec![("nonce", long.as_str())], "invalid_request"),
        (vec![("identity_provider", "Google")], "unauthorized_client"),
    ] {
        let reply = get(&s, &authorize(authorize_query(&s.web, &extra)), None).await;
        assert_eq!(reply.status, 302, "{extra:?}");
        let back = location(&reply);
        assert!(back.starts_with(&format!("{CALLBACK}?")), "{back}");
        let params = query_of(&back);
        assert_eq!(params["error"], error, "{extra:?}");
        assert_eq!(params["state"], "st-1", "{extra:?}");
    }
    let repeated = format!("{}&state=again", authorize_query(&s.web, &[]));
    let back = location(&get(&s, &authorize(repeated), None).await);
    assert_eq!(query_of(&back)["error"], "invalid_request");
    // A client without the implicit flow.
    let reply = get(
        &s,
        &authorize(authorize_query(
            &s.other,
            &[("response_type", "token"), ("scope", "openid")],
        )),
        None,
    )
    .await;
    assert_eq!(query_of(&location(&reply))["error"], "unauthorized_client");
    // Garbage never breaks it.
    for query in ["%", "client_id=%ff%fe", "&&&=&=", "client_id"] {
        let reply = get(&s, &authorize(query.to_string()), None).await;
        assert_eq!(reply.status, 400, "{query}");
    }
    s.server.shutdown().await;
}

#[tokio::test]
async fn a_browser_that_names_the_server_otherwise_is_sent_to_its_own_name_first() {
    let s = setup().await;
    let port = s.server.addr.port();
    let query = authorize_query(&s.web, &[]);
    let localhost = format!("localhost:{port}");
    for endpoint in ["/oauth2/authorize", "/login", "/logout"] {
        let target = format!("{}?{query}", path(endpoint));
        let reply = request(s.server.addr, "GET", &target, &[("Host", &localhost)], b"").await;
        assert_eq!(reply.status, 302, "{endpoint}");
        assert_eq!(
            location(&reply),
            format!("http://{}{target}", s.server.addr),
            "{endpoint}: the same request under the server's own name"
        );
        assert!(
            !reply.headers.contains_key("set-cookie"),
            "{endpoint}: no cookie on the other name"
        );
    }
    // Under its own name the login form is served, and its CSRF cookie works there.
    let signed = sign_in(&s, &query, "Passw0rd!").await;
    assert_eq!(signed.status, 302);
    assert!(location(&signed).starts_with(CALLBACK));
}

#[tokio::test]
async fn a_tampered_csrf_token_signs_no_one_in() {
    let s = setup().await;
    let query = authorize_query(&s.web, &[]);
    let form = get(&s, &format!("{}?{query}", path("/login")), None).await;
    let csrf_cookie = cookie_value(&form, "XSRF-TOKEN");
    for (cookie, token) in [
        (csrf_cookie.as_str(), "forged"),
        ("XSRF-TOKEN=forged", csrf_of(&form).as_str()),
        ("", csrf_of(&form).as_str()),
        ("XSRF-TOKEN=", ""),
    ] {
        let body = encode(&[
            ("_csrf", token),
            ("username", "alice"),
            ("password", "Passw0rd!"),
        ]);
        let reply = post_form(
            &s,
            &format!("{}?{query}", path("/login")),
            &[("Cookie", cookie)],
            &body,
        )
        .await;
        assert_eq!(reply.status, 400, "{cookie} {token}");
        assert!(!reply.headers.contains_key("location"));
        assert!(String::from_utf8_lossy(&reply.body).contains("tampered"));
    }
    s.server.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_refusals_are_the_services_errors() {
    let s = setup().await;
    let token = path("/oauth2/token");
    // A wrong verifier, a missing one, and the code is gone after a failed try.
    let code = code_for(&s, &s.web).await;
    let wrong = redeem(&s, &s.web, &code, &VERIFIER.replace('d', "e")).await;
    assert_eq!(error_of(&wrong), "invalid_grant");
    assert_eq!(
        error_of(&redeem(&s, &s.web, &code, VERIFIER).await),
        "invalid_grant"
    );
    let code = code_for(&s, &s.web).await;
    let body = encode(&[
        ("grant_type", "authorization_code"),
        ("client_id", &s.web),
        ("code", &code),
        ("redirect_uri", CALLBACK),
    ]);
    assert_eq!(
        error_of(&post_form(&s, &token, &[], &body).await),
        "invalid_grant"
    );
    // Another client's code; another redirect URI; an expired code.
    let code = code_for(&s, &s.web).await;
    assert_eq!(
        error_of(&redeem(&s, &s.other, &code, VERIFIER).await),
        "invalid_grant"
    );
    let code = code_for(&s, &s.web).await;
    let body = encode(&[
        ("grant_type", "authorization_code"),
        ("client_id", &s.web),
        ("code", &code),
        ("redirect_uri", "http://127.0.0.1:3000/cb"),
        ("code_verifier", VERIFIER),
    ]);
    assert_eq!(
        error_of(&post_form(&s, &token, &[], &body).await),
        "invalid_grant"
    );
    let code = code_for(&s, &s.web).await;
    advance(&s.server, 301).await;
    assert_eq!(
        error_of(&redeem(&s, &s.web, &code, VERIFIER).await),
        "invalid_grant"
    );
    // Malformed requests.
    let long = "x".repeat(9000);
    for (body, error) in [
        (encode(&[("client_id", &s.web)]), "invalid_request"),
        (
            encode(&[("grant_type", "password"), ("client_id", &s.web)]),
            "unsupported_grant_type",
        ),
        (
            encode(&[("grant_type", "authorization_code"), ("client_id", &s.web)]),
            "invalid_request",
        ),
        (
            encode(&[
                ("grant_type", "authorization_code"),
                ("client_id", "nosuchclient"),
                ("code", "x"),
                ("redirect_uri", CALLBACK),
            ]),
            "invalid_client",
        ),
        (
            encode(&[("grant_type", "authorization_code")]),
            "invalid_request",
        ),
        (
            format!(
                "{}&grant_type=refresh_token",
                encode(&[("grant_type", "authorization_code"), ("client_id", &s.web)])
            ),
            "invalid_request",
        ),
        (
            encode(&[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", &long),
            ]),
            "invalid_request",
        ),
        (
            encode(&[
                ("grant_type", "refresh_token"),
                ("client_id", &s.web),
                ("refresh_token", "garbage"),
            ]),
            "invalid_grant",
        ),
        (
            encode(&[("grant_type", "client_credentials"), ("client_id", &s.web)]),
            "unauthorized_client",
        ),
        (
            encode(&[
                ("grant_type", "client_credentials"),
                ("client_id", &s.api),
                ("client_secret", "wrong"),
            ]),
            "invalid_client",
        ),
        (
            encode(&[("grant_type", "client_credentials"), ("client_id", &s.api)]),
            "invalid_client",
        ),
        (
            encode(&[
                ("grant_type", "client_credentials"),
                ("client_id", &s.api),
                ("client_secret", &s.api_secret),
                ("scope", "openid"),
            ]),
            "invalid_scope",
        ),
        ("%%%".to_string(), "invalid_request"),
    ] {
        let reply = post_form(&s, &token, &[], &body).await;
        assert_eq!(
            (reply.status, error_of(&reply)),
            (400, error.to_string()),
            "{body}"
        );
    }
    let json_body = request(
        s.server.addr,
        "POST",
        &token,
        &[("Content-Type", "application/json")],
        b"{}",
    )
    .await;
    assert_eq!(error_of(&json_body), "invalid_request");
    let get_token = request(s.server.addr, "GET", &token, &[], b"").await;
    assert_eq!(get_token.status, 405);
    // Both client authentications at once.
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", s.api, s.api_secret))
    );
    let body = encode(&[
        ("grant_type", "client_credentials"),
        ("client_secret", &s.api_secret),
    ]);
    let both = post_form(&s, &token, &[("Authorization", &basic)], &body).await;
    assert_eq!(error_of(&both), "invalid_request");
    for header in [
        "Basic !!!",
        "Bearer x",
        "Basic",
        &format!("Basic {}", STANDARD.encode("no-colon")),
    ] {
        let reply = post_form(
            &s,
            &token,
            &[("Authorization", header)],
            "grant_type=client_credentials",
        )
        .await;
        assert_eq!(error_of(&reply), "invalid_client", "{header}");
    }
    s.server.shutdown().await;
}

#[tokio::test]
async fn client_credentials_with_basic_and_post_authentication() {
    let s = setup().await;
    let token = path("/oauth2/token");
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", s.api, s.api_secret))
    );
    let by_basic = post_form(
        &s,
        &token,
        &[("Authorization", &basic)],
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        by_basic.status,
        200,
        "{}",
        String::from_utf8_lossy(&by_basic.body)
    );
    let body = by_basic.json();
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(access["scope"], "api/read");
    assert_eq!(access["sub"], json!(s.api));
    assert_eq!(access["token_use"], "access");
    let form = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", &s.api),
        ("client_secret", &s.api_secret),
        ("scope", "api/read"),
    ]);
    let by_post = post_form(&s, &token, &[], &form).await;
    assert_eq!(by_post.status, 200);
    // A machine token is no user's: the user API and userInfo refuse it.
    let machine = by_post.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        code(call(&s.server, "GetUser", json!({ "AccessToken": machine })).await),
        "NotAuthorizedException"
    );
    let bearer = format!("Bearer {machine}");
    let info = request(
        s.server.addr,
        "GET",
        &path("/oauth2/userInfo"),
        &[("Authorization", &bearer)],
        b"",
    )
    .await;
    assert_eq!(info.status, 401);
    s.server.shutdown().await;
}

#[tokio::test]
async fn user_info_and_revoke_refusals() {
    let s = setup().await;
    let user_info = path("/oauth2/userInfo");
    let none = request(s.server.addr, "GET", &user_info, &[], b"").await;
    assert_eq!(none.status, 400);
    assert!(none.headers["www-authenticate"].contains("error=\"invalid_request\""));
    // An access token of InitiateAuth has no openid scope.
    let signed = call(
        &s.server,
        "InitiateAuth",
        json!({ "ClientId": "publicclient", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    let api_access = signed["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let api_id = claims(signed["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert!(
        api_id.get("at_hash").is_none(),
        "the API's ID tokens have none"
    );
    for token in [api_access, "garbage", "a.b.c"] {
        let bearer = format!("Bearer {token}");
        let reply = request(
            s.server.addr,
            "GET",
            &user_info,
            &[("Authorization", &bearer)],
            b"",
        )
        .await;
        assert_eq!(reply.status, 401, "{token}");
        assert!(reply.headers["www-authenticate"].contains("error=\"invalid_token\""));
    }
    // Revoke: no token, an access token, a wrong secret, a client without revocation.
    let revoke = path("/oauth2/revoke");
    let reply = post_form(&s, &revoke, &[], &encode(&[("client_id", &s.web)])).await;
    assert_eq!(
        (reply.status, error_of(&reply)),
        (400, "invalid_request".into())
    );
    let reply = post_form(
        &s,
        &revoke,
        &[],
        &encode(&[("client_id", &s.web), ("token", api_access)]),
    )
    .await;
    assert_eq!(
        (reply.status, error_of(&reply)),
        (400, "unsupported_token_type".into())
    );
    let basic = format!("Basic {}", STANDARD.encode(format!("{}:wrong", s.api)));
    let reply = post_form(&s, &revoke, &[("Authorization", &basic)], "token=abc").await;
    assert_eq!(
        (reply.status, error_of(&reply)),
        (401, "invalid_client".into())
    );
    // Unknown tokens are accepted, as RevokeToken does.
    let reply = post_form(
        &s,
        &revoke,
        &[],
        &encode(&[("client_id", &s.web), ("token", "unknown")]),
    )
    .await;
    assert_eq!(reply.status, 200);
    // CORS preflight for a browser app.
    let preflight = request(
        s.server.addr,
        "OPTIONS",
        &path("/oauth2/token"),
        &[
            ("Origin", "http://localhost:5173"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], "*");
    s.server.shutdown().await;
}

/// The `name="…" value="…"` of a hidden input of a form.
fn hidden(reply: &Reply, name: &str) -> String {
    let html = String::from_utf8_lossy(&reply.body);
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// Posts the step form of `page` with `answer` in its `input`.
async fn answer_step(s: &Setup, query: &str, page: &Reply, input: &str, answer: &str) -> Reply {
    let cookie = cookie_value(page, "XSRF-TOKEN");
    let body = encode(&[
        ("_csrf", &csrf_of(page)),
        ("challenge", &hidden(page, "challenge")),
        ("session", &hidden(page, "session")),
        ("username", &hidden(page, "username")),
        (input, answer),
    ]);
    post_form(
        s,
        &format!("{}?{query}", path("/login")),
        &[("Cookie", &cookie)],
        &body,
    )
    .await
}

#[tokio::test]
async fn the_login_page_asks_for_the_mfa_code_and_a_new_password() {
    let s = setup().await;
    // alice turns TOTP on through the API.
    let signed = call(
        &s.server,
        "InitiateAuth",
        json!({ "ClientId": "publicclient", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    let access = signed["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = call(
        &s.server,
        "AssociateSoftwareToken",
        json!({ "AccessToken": access }),
    )
    .await
    .unwrap()["SecretCode"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &s.server,
        "VerifySoftwareToken",
        json!({ "AccessToken": access, "UserCode": totp(&secret, now()) }),
    )
    .await
    .unwrap();
    call(&s.server, "SetUserMFAPreference", json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }))
        .await
        .unwrap();
    let query = authorize_query(&s.web, &[]);
    let step = sign_in(&s, &query, "Passw0rd!").await;
    assert_eq!(step.status, 200, "{}", String::from_utf8_lossy(&step.body));
    assert_eq!(hidden(&step, "challenge"), "SOFTWARE_TOKEN_MFA");
    assert!(
        !step.headers.contains_key("location"),
        "no code before the second factor"
    );
    // A wrong code: the same step again, with the API's error.
    let wrong = answer_step(&s, &query, &step, "code", &totp(&secret, now() + 3600)).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(hidden(&wrong, "challenge"), "SOFTWARE_TOKEN_MFA");
    let done = answer_step(&s, &query, &wrong, "code", &totp(&secret, now())).await;
    assert_eq!(done.status, 302, "{}", String::from_utf8_lossy(&done.body));
    let code = query_of(&location(&done))["code"].clone();
    assert_eq!(redeem(&s, &s.web, &code, VERIFIER).await.status, 200);
    // The page's session is the page's: the API does not answer on it (it would skip the
    // client's SECRET_HASH and give the page's reply).
    let step = sign_in(&s, &query, "Passw0rd!").await;
    let swapped = call(
        &s.server,
        "RespondToAuthChallenge",
        json!({ "ClientId": s.web, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": hidden(&step, "session"),
                "ChallengeResponses": { "USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": totp(&secret, now()) } }),
    )
    .await;
    assert_eq!(code_of(swapped), "NotAuthorizedException");

    // A user created by an administrator sets a new password on the page.
    admin(
        &s.server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "newbie", "TemporaryPassword": "Temp-Passw0rd!", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "newbie@example.com" }, { "Name": "name", "Value": "New" }] }),
    )
    .await
    .unwrap();
    let form = get(&s, &format!("{}?{query}", path("/login")), None).await;
    let cookie = cookie_value(&form, "XSRF-TOKEN");
    let body = encode(&[
        ("_csrf", &csrf_of(&form)),
        ("username", "newbie"),
        ("password", "Temp-Passw0rd!"),
    ]);
    let step = post_form(
        &s,
        &format!("{}?{query}", path("/login")),
        &[("Cookie", &cookie)],
        &body,
    )
    .await;
    assert_eq!(hidden(&step, "challenge"), "NEW_PASSWORD_REQUIRED");
    let done = answer_step(&s, &query, &step, "newPassword", "Brand-new-Passw0rd!").await;
    assert_eq!(done.status, 302, "{}", String::from_utf8_lossy(&done.body));
    let code = query_of(&location(&done))["code"].clone();
    let tokens = redeem(&s, &s.web, &code, VERIFIER).await.json();
    assert_eq!(
        claims(tokens["id_token"].as_str().unwrap())["cognito:username"],
        "newbie"
    );
    // A forged session is no way in.
    let forged = answer_step(
        &s,
        &query,
        &form_with_session(&s, &query).await,
        "code",
        "123456",
    )
    .await;
    assert!(!forged.headers.contains_key("location"));
    s.server.shutdown().await;
}

#[tokio::test]
async fn codes_and_browser_sessions_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-oauth-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    };
    let s = setup_on(start(options()).await.unwrap()).await;
    let signed_in = sign_in(&s, &authorize_query(&s.web, &[]), "Passw0rd!").await;
    let code = code_from(&signed_in);
    let session = cookie_value(&signed_in, "cognito");
    assert_eq!(s.server.count_rows("oauth_codes").unwrap(), 1);
    assert_eq!(s.server.count_rows("browser_sessions").unwrap(), 1);
    let web = s.web.clone();
    s.server.shutdown().await;

    let s = Setup {
        server: start(options()).await.unwrap(),
        web,
        other: String::new(),
        api: String::new(),
        api_secret: String::new(),
    };
    let tokens = redeem(&s, &s.web, &code, VERIFIER).await;
    assert_eq!(tokens.status, 200, "{}", html_of(&tokens));
    assert_eq!(
        s.server.count_rows("oauth_codes").unwrap(),
        0,
        "redeemed: gone"
    );
    let again = get(&s, &authorize_target(&s.web, &[]), Some(&session)).await;
    let code = code_from(&again);
    assert_eq!(redeem(&s, &s.web, &code, VERIFIER).await.status, 200);
    // Logging out removes the session from the database too.
    let out = get(
        &s,
        &format!(
            "{}?client_id={}&logout_uri=https%3A%2F%2Fapp.example.com%2Fbye",
            path("/logout"),
            s.web
        ),
        Some(&session),
    )
    .await;
    assert_eq!(out.status, 302);
    assert_eq!(s.server.count_rows("browser_sessions").unwrap(), 0);
    s.server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Posts the step form of `page` with `fields` (the hidden step fields carried over).
async fn post_step(s: &Setup, query: &str, page: &Reply, fields: &[(&str, &str)]) -> Reply {
    let cookie = cookie_value(page, "XSRF-TOKEN");
    let mut body = vec![
        ("_csrf".to_string(), csrf_of(page)),
        ("challenge".to_string(), hidden(page, "challenge")),
        ("session".to_string(), hidden(page, "session")),
        ("username".to_string(), hidden(page, "username")),
        ("options".to_string(), hidden(page, "options")),
    ];
    if hidden(page, "challenge") == "MFA_SETUP" {
        body.push(("secret".to_string(), hidden(page, "secret")));
    }
    for (name, value) in fields {
        body.push((name.to_string(), value.to_string()));
    }
    let pairs: Vec<(&str, &str)> = body.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    post_form(
        s,
        &format!("{}?{query}", path("/login")),
        &[("Cookie", &cookie)],
        &encode(&pairs),
    )
    .await
}

fn html_of(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).to_string()
}

#[tokio::test]
async fn the_login_page_sets_up_totp_then_lets_the_user_choose_an_mfa_type() {
    let s = setup().await;
    admin(
        &s.server,
        "SetUserPoolMfaConfig",
        json!({ "UserPoolId": POOL, "MfaConfiguration": "ON",
                "SoftwareTokenMfaConfiguration": { "Enabled": true } }),
    )
    .await
    .unwrap();
    let query = authorize_query(&s.web, &[]);
    // MFA is required and alice has none: the page sets TOTP up (the API's MFA_SETUP,
    // AssociateSoftwareToken and VerifySoftwareToken on the sign-in's session).
    let setup_step = sign_in(&s, &query, "Passw0rd!").await;
    assert_eq!(setup_step.status, 200, "{}", html_of(&setup_step));
    assert_eq!(hidden(&setup_step, "challenge"), "MFA_SETUP");
    let secret = hidden(&setup_step, "secret");
    assert_eq!(secret.len(), 32, "a base32 secret of 20 bytes");
    assert!(html_of(&setup_step).contains(&format!("otpauth://totp/alice?secret={secret}")));
    let wrong = post_step(
        &s,
        &query,
        &setup_step,
        &[("code", &totp(&secret, now() + 3600))],
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(hidden(&wrong, "challenge"), "MFA_SETUP");
    assert!(
        html_of(&wrong).contains("Code mismatch"),
        "{}",
        html_of(&wrong)
    );
    let done = post_step(&s, &query, &wrong, &[("code", &totp(&secret, now()))]).await;
    assert_eq!(done.status, 302, "{}", html_of(&done));
    let code = code_from(&done);
    assert_eq!(redeem(&s, &s.web, &code, VERIFIER).await.status, 200);

    // With a second factor and no preferred one, the page asks which to use.
    admin(
        &s.server,
        "SetUserPoolMfaConfig",
        json!({ "UserPoolId": POOL, "MfaConfiguration": "ON",
                "SoftwareTokenMfaConfiguration": { "Enabled": true },
                "SmsMfaConfiguration": { "SmsConfiguration": { "SnsCallerArn": "arn:aws:iam::123456789012:role/sns" } } }),
    )
    .await
    .unwrap();
    admin(
        &s.server,
        "AdminUpdateUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice",
                "UserAttributes": [{ "Name": "phone_number", "Value": "+15555550100" },
                                   { "Name": "phone_number_verified", "Value": "true" }] }),
    )
    .await
    .unwrap();
    admin(
        &s.server,
        "AdminSetUserMFAPreference",
        json!({ "UserPoolId": POOL, "Username": "alice",
                "SMSMfaSettings": { "Enabled": true, "PreferredMfa": false },
                "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": false } }),
    )
    .await
    .unwrap();
    let choose = sign_in(&s, &query, "Passw0rd!").await;
    assert_eq!(
        hidden(&choose, "challenge"),
        "SELECT_MFA_TYPE",
        "{}",
        html_of(&choose)
    );
    let html = html_of(&choose);
    assert!(
        html.contains("value=\"SMS_MFA\"") && html.contains("value=\"SOFTWARE_TOKEN_MFA\""),
        "{html}"
    );
    let totp_step = post_step(&s, &query, &choose, &[("mfaType", "SOFTWARE_TOKEN_MFA")]).await;
    assert_eq!(
        hidden(&totp_step, "challenge"),
        "SOFTWARE_TOKEN_MFA",
        "{}",
        html_of(&totp_step)
    );
    let done = post_step(
        &s,
        &query,
        &totp_step,
        &[("code", &totp(&secret, now() + 30))],
    )
    .await;
    assert_eq!(done.status, 302, "{}", html_of(&done));
    // Choosing SMS instead: the code goes to the outbox and the page asks for it.
    let choose = sign_in(&s, &query, "Passw0rd!").await;
    let sms_step = post_step(&s, &query, &choose, &[("mfaType", "SMS_MFA")]).await;
    assert_eq!(
        hidden(&sms_step, "challenge"),
        "SMS_MFA",
        "{}",
        html_of(&sms_step)
    );
    let sent = latest_code(&s.server, POOL, "alice").await;
    let done = post_step(
        &s,
        &query,
        &sms_step,
        &[("code", sent["code"].as_str().unwrap())],
    )
    .await;
    assert_eq!(done.status, 302, "{}", html_of(&done));
}

#[tokio::test]
async fn the_login_page_asks_for_missing_required_attributes_and_honours_login_hint_and_lang() {
    let s = setup().await;
    // login_hint fills in the username (escaped); lang is the page's language when the managed
    // login has it.
    let hinted = authorize_query(&s.web, &[("login_hint", "al\"><b>ice"), ("lang", "fr")]);
    let page = get(&s, &format!("{}?{hinted}", path("/login")), None).await;
    let html = html_of(&page);
    assert!(html.contains("name=\"username\" type=\"text\" autocomplete=\"username\" value=\"al&quot;&gt;&lt;b&gt;ice\""), "{html}");
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    let page = get(
        &s,
        &format!(
            "{}?{}",
            path("/login"),
            authorize_query(&s.web, &[("lang", "xx")])
        ),
        None,
    )
    .await;
    assert!(html_of(&page).contains("<html lang=\"en\">"));
    // The authorize redirect keeps both.
    let to_login =
        location(&get(&s, &format!("{}?{hinted}", path("/oauth2/authorize")), None).await);
    assert!(
        to_login.contains("login_hint=") && to_login.contains("lang=fr"),
        "{to_login}"
    );

    // The pool requires `name`; a user created without it is asked for it with the new password.
    admin(
        &s.server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "noname", "TemporaryPassword": "Temp-Passw0rd!", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "noname@example.com" }] }),
    )
    .await
    .unwrap();
    let query = authorize_query(&s.web, &[]);
    let form = get(&s, &format!("{}?{query}", path("/login")), None).await;
    let body = encode(&[
        ("_csrf", &csrf_of(&form)),
        ("username", "noname"),
        ("password", "Temp-Passw0rd!"),
    ]);
    let step = post_form(
        &s,
        &format!("{}?{query}", path("/login")),
        &[("Cookie", &cookie_value(&form, "XSRF-TOKEN"))],
        &body,
    )
    .await;
    assert_eq!(hidden(&step, "challenge"), "NEW_PASSWORD_REQUIRED");
    assert_eq!(hidden(&step, "options"), "name");
    assert!(
        html_of(&step).contains("name=\"userAttributes.name\""),
        "{}",
        html_of(&step)
    );
    // Without it: the API's refusal, on the same step (the API keeps the session).
    let refused = post_step(&s, &query, &step, &[("newPassword", "Brand-new-Passw0rd!")]).await;
    assert_eq!(refused.status, 400, "{}", html_of(&refused));
    assert!(!refused.headers.contains_key("location"));
    assert!(
        html_of(&refused).contains("name is missing"),
        "{}",
        html_of(&refused)
    );
    assert_eq!(hidden(&refused, "challenge"), "NEW_PASSWORD_REQUIRED");
    let step = refused;
    let done = post_step(
        &s,
        &query,
        &step,
        &[
            ("newPassword", "Brand-new-Passw0rd!"),
            ("userAttributes.name", "Nomen Nescio"),
        ],
    )
    .await;
    assert_eq!(done.status, 302, "{}", html_of(&done));
    let tokens = redeem(&s, &s.web, &code_from(&done), VERIFIER).await.json();
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "noname");
    assert_eq!(id["name"], "Nomen Nescio");
}

/// A login form whose step fields name a session that does not exist.
async fn form_with_session(s: &Setup, query: &str) -> Reply {
    let form = get(s, &format!("{}?{query}", path("/login")), None).await;
    let mut html = String::from_utf8_lossy(&form.body).to_string();
    html.push_str("<input type=\"hidden\" name=\"challenge\" value=\"SOFTWARE_TOKEN_MFA\"><input type=\"hidden\" name=\"session\" value=\"forged\"><input type=\"hidden\" name=\"username\" value=\"alice\">");
    Reply {
        status: form.status,
        headers: form.headers,
        body: html.into_bytes(),
    }
}

// ---------------------------------------------------------------------------------------------
// Federation with an upstream OpenID provider: a fake one here (every reply under the test's
// control); the real third-party proof is emulator/interop/oauth.mjs with oidc-provider.

/// What the fake provider's token endpoint answers next.
#[derive(Clone)]
struct TokenReply {
    status: u16,
    body: String,
    delay_ms: u64,
}

#[derive(Default)]
struct FakeIdpState {
    token: Option<TokenReply>,
    user_info: Option<Value>,
    /// Form bodies and Authorization headers the token endpoint was sent.
    token_requests: Vec<(String, Option<String>)>,
}

struct FakeIdp {
    issuer: String,
    key: cognito_kit_emulator::jwt::PoolKey,
    state: std::sync::Arc<std::sync::Mutex<FakeIdpState>>,
}

async fn read_http_request(stream: &mut tokio::net::TcpStream) -> Option<(String, String, String)> {
    use tokio::io::AsyncReadExt;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut buf).await.ok()?;
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
            }
            let body = String::from_utf8_lossy(&raw[end + 4..]).to_string();
            let request_line = head.lines().next()?.to_string();
            return Some((request_line, head, body));
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

impl FakeIdp {
    async fn start() -> FakeIdp {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let (key, _) = cognito_kit_emulator::jwt::PoolKey::generate().unwrap();
        let jwks = json!({ "keys": [key.jwk()] }).to_string();
        let state = std::sync::Arc::new(std::sync::Mutex::new(FakeIdpState::default()));
        let shared = state.clone();
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/auth"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "userinfo_endpoint": format!("{issuer}/me"),
        })
        .to_string();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                let jwks = jwks.clone();
                let discovery = discovery.clone();
                tokio::spawn(async move {
                    let Some((line, head, body)) = read_http_request(&mut stream).await else {
                        return;
                    };
                    let path = line.split(' ').nth(1).unwrap_or_default().to_string();
                    let (status, reply, delay) = if path == "/.well-known/openid-configuration" {
                        (200, discovery, 0)
                    } else if path == "/jwks" {
                        (200, jwks, 0)
                    } else if path == "/token" {
                        let authorization = head
                            .lines()
                            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                            .map(str::to_string);
                        let mut state = state.lock().unwrap();
                        state.token_requests.push((body, authorization));
                        let next = state.token.clone().unwrap_or(TokenReply {
                            status: 400,
                            body: r#"{"error":"invalid_grant"}"#.into(),
                            delay_ms: 0,
                        });
                        (next.status, next.body, next.delay_ms)
                    } else if path == "/me" {
                        match state.lock().unwrap().user_info.clone() {
                            Some(info) => (200, info.to_string(), 0),
                            None => (401, "{}".to_string(), 0),
                        }
                    } else {
                        (404, "{}".to_string(), 0)
                    };
                    if delay > 0 {
                        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    }
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        reply.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        FakeIdp { issuer, key, state }
    }

    /// An ID token of this provider for `nonce`, with `changes` applied to the claims.
    fn id_token(&self, nonce: &str, changes: Value) -> String {
        let mut claims = json!({
            "iss": self.issuer, "aud": "upstream-client", "sub": "u-1",
            "exp": now() + 300, "iat": now(), "nonce": nonce,
            "email": "fed@example.com", "name": "Fed One",
        });
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        self.key.sign(&claims)
    }

    fn answer_token(&self, status: u16, body: String, delay_ms: u64) {
        self.state.lock().unwrap().token = Some(TokenReply {
            status,
            body,
            delay_ms,
        });
    }

    fn answer_id_token(&self, id_token: &str) {
        let body = json!({ "access_token": "upstream-access", "token_type": "Bearer", "id_token": id_token });
        self.answer_token(200, body.to_string(), 0);
    }
}

/// An emulator whose pool has the OIDC provider `Upstream` (the fake at `idp`), and the client
/// `fed` (in place of `web`) with COGNITO and Upstream.
async fn federation_setup() -> (Setup, FakeIdp) {
    let s = setup().await;
    let idp = FakeIdp::start().await;
    admin(
        &s.server,
        "CreateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Upstream", "ProviderType": "OIDC",
                "ProviderDetails": { "client_id": "upstream-client", "client_secret": "upstream-secret",
                    "attributes_request_method": "GET", "oidc_issuer": idp.issuer,
                    "authorize_scopes": "openid email profile" },
                "AttributeMapping": { "email": "email", "name": "name" },
                "IdpIdentifiers": ["example.com"] }),
    )
    .await
    .unwrap();
    let created = admin(
        &s.server,
        "CreateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientName": "fed",
                "CallbackURLs": [CALLBACK], "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin", "api/read"],
                "AllowedOAuthFlowsUserPoolClient": true,
                "SupportedIdentityProviders": ["COGNITO", "Upstream"] }),
    )
    .await
    .unwrap();
    // The client id is generated; keep it under a fixed name for the queries below.
    let id = created["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    (Setup { web: id, ..s }, idp)
}

/// Sends the browser to the provider; returns the upstream authorize URL's parameters.
async fn to_upstream(s: &Setup, idp: &FakeIdp, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let query = authorize_query(&s.web, extra);
    let reply = get(s, &format!("{}?{query}", path("/oauth2/authorize")), None).await;
    assert_eq!(
        reply.status,
        302,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let to = location(&reply);
    assert!(to.starts_with(&format!("{}/auth?", idp.issuer)), "{to}");
    let upstream = query_of(&to);
    // The browser's cookie for the way back (one per sign-in, named after its state), kept by
    // the state it goes with.
    let set = &reply.headers["set-cookie"];
    assert!(set.contains("HttpOnly"));
    let name = set.split('=').next().unwrap();
    assert!(name.starts_with("cognito-federation-"), "{set}");
    let cookie = cookie_value(&reply, name);
    browsers()
        .lock()
        .unwrap()
        .insert(upstream["state"].clone(), cookie);
    upstream
}

/// The federation cookies of the browsers sent upstream, by the upstream `state`.
fn browsers() -> &'static std::sync::Mutex<HashMap<String, String>> {
    static BROWSERS: std::sync::OnceLock<std::sync::Mutex<HashMap<String, String>>> =
        std::sync::OnceLock::new();
    BROWSERS.get_or_init(Default::default)
}

/// The browser back from the provider: with the cookie of the browser that went there (as a
/// browser would send it), found by the `state` in `params`.
async fn idp_response(s: &Setup, params: &[(&str, &str)]) -> Reply {
    let state = params.iter().find(|(k, _)| *k == "state").map(|(_, v)| *v);
    let cookie = state.and_then(|state| browsers().lock().unwrap().get(state).cloned());
    get(
        s,
        &format!("{}?{}", path("/oauth2/idpresponse"), encode(params)),
        cookie.as_deref(),
    )
    .await
}

#[tokio::test]
async fn federation_creates_the_user_then_signs_it_in_again_and_follows_links() {
    let (s, idp) = federation_setup().await;
    let fed = s.web.clone();
    // The login page offers the provider beside the password form.
    let form = get(
        &s,
        &format!(
            "{}?{}",
            path("/login"),
            authorize_query(&fed, &[("login_hint", "")])
        ),
        None,
    )
    .await;
    let html = String::from_utf8_lossy(&form.body).to_string();
    assert!(html.contains("Continue with Upstream"), "{html}");
    // Never inside another site's frame.
    assert_eq!(form.headers["x-frame-options"], "DENY");
    assert_eq!(
        form.headers["content-security-policy"],
        "frame-ancestors 'none'"
    );
    assert_eq!(form.headers["x-content-type-options"], "nosniff");
    assert!(html.contains("identity_provider=Upstream"), "{html}");
    assert!(html.contains("name=\"password\""), "{html}");

    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    assert_eq!(upstream["client_id"], "upstream-client");
    assert_eq!(upstream["response_type"], "code");
    assert_eq!(upstream["scope"], "openid email profile");
    let idpresponse = format!(
        "http://{}/domains/{DOMAIN}/oauth2/idpresponse",
        s.server.addr
    );
    assert_eq!(upstream["redirect_uri"], idpresponse);
    assert_eq!(upstream["state"].len(), 43);
    assert_ne!(
        upstream["nonce"], "n-0S6_WzA2Mj",
        "the app's nonce stays the app's"
    );

    idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({})));
    idp.state.lock().unwrap().user_info =
        Some(json!({ "sub": "u-1", "name": "Fed From UserInfo" }));
    let back = idp_response(
        &s,
        &[("code", "upstream-code-1"), ("state", &upstream["state"])],
    )
    .await;
    assert_eq!(back.status, 302, "{}", String::from_utf8_lossy(&back.body));
    let landed = location(&back);
    assert!(landed.starts_with(CALLBACK), "{landed}");
    let landed = query_of(&landed);
    assert_eq!(landed["state"], "st-1");
    assert!(back.headers["set-cookie"].starts_with("cognito="));
    // client_secret_post, as the service authenticates to providers.
    let (sent, authorization) = idp.state.lock().unwrap().token_requests[0].clone();
    let sent: HashMap<String, String> = query_of(&format!("?{sent}"));
    assert_eq!(sent["grant_type"], "authorization_code");
    assert_eq!(sent["code"], "upstream-code-1");
    assert_eq!(sent["client_id"], "upstream-client");
    assert_eq!(sent["client_secret"], "upstream-secret");
    assert_eq!(sent["redirect_uri"], idpresponse);
    assert_eq!(authorization, None);

    let tokens = redeem(&s, &fed, &landed["code"], VERIFIER).await;
    assert_eq!(
        tokens.status,
        200,
        "{}",
        String::from_utf8_lossy(&tokens.body)
    );
    let id = claims(tokens.json()["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "Upstream_u-1");
    assert_eq!(id["email"], "fed@example.com");
    assert_eq!(
        id["name"], "Fed From UserInfo",
        "userInfo wins over the ID token"
    );
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["identities"][0]["providerName"], "Upstream");
    assert_eq!(id["identities"][0]["providerType"], "OIDC");
    assert_eq!(id["identities"][0]["userId"], "u-1");
    let user = admin(
        &s.server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "Upstream_u-1" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserStatus"], "EXTERNAL_PROVIDER");
    let sub = id["sub"].clone();

    // A second sign-in, by idp_identifier: the same user, its mapped attributes rewritten.
    let upstream = to_upstream(&s, &idp, &[("idp_identifier", "EXAMPLE.com")]).await;
    idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({ "email": "fed2@example.com" })));
    idp.state.lock().unwrap().user_info = None;
    // No userInfo this time: the provider answers 401 there, and the sign-in fails.
    let back = idp_response(&s, &[("code", "c2"), ("state", &upstream["state"])]).await;
    assert_eq!(query_of(&location(&back))["error"], "server_error");
    idp.state.lock().unwrap().user_info = Some(json!({ "sub": "u-1" }));
    let upstream = to_upstream(&s, &idp, &[("idp_identifier", "example.com")]).await;
    idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({ "email": "fed2@example.com" })));
    let back = idp_response(&s, &[("code", "c3"), ("state", &upstream["state"])]).await;
    let code = code_from(&back);
    let id = claims(
        redeem(&s, &fed, &code, VERIFIER).await.json()["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["sub"], sub, "the same user");
    assert_eq!(id["email"], "fed2@example.com");
    // A state is single use.
    let replay = idp_response(&s, &[("code", "c3"), ("state", &upstream["state"])]).await;
    assert_eq!(replay.status, 400);
    assert!(!replay.headers.contains_key("location"));

    // An identity linked to a native user signs in as that user.
    admin(
        &s.server,
        "AdminLinkProviderForUser",
        json!({ "UserPoolId": POOL,
                "DestinationUser": { "ProviderName": "Cognito", "ProviderAttributeValue": "alice" },
                "SourceUser": { "ProviderName": "Upstream", "ProviderAttributeName": "Cognito_Subject",
                                "ProviderAttributeValue": "u-2" } }),
    )
    .await
    .unwrap();
    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    idp.answer_id_token(&idp.id_token(
        &upstream["nonce"],
        json!({ "sub": "u-2", "email": "alice@example.com" }),
    ));
    idp.state.lock().unwrap().user_info = Some(json!({ "sub": "u-2" }));
    let back = idp_response(&s, &[("code", "c4"), ("state", &upstream["state"])]).await;
    let code = code_from(&back);
    let id = claims(
        redeem(&s, &fed, &code, VERIFIER).await.json()["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["identities"][0]["userId"], "u-2");
    let gone = admin(
        &s.server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "Upstream_u-2" }),
    )
    .await;
    assert_eq!(code_of(gone), "UserNotFoundException");
}

/// The app's code in the callback the browser was sent to.
fn code_from(back: &Reply) -> String {
    let to = location(back);
    query_of(&to)
        .remove("code")
        .unwrap_or_else(|| panic!("no code in {to}"))
}

/// The `__type` of a failed call (`code` is a local name in the tests above).
fn code_of(result: Result<Value, (String, String)>) -> String {
    support::code(result)
}

#[tokio::test]
async fn federation_refusals_go_back_to_the_app_never_elsewhere() {
    let (s, idp) = federation_setup().await;
    let error_after = |back: &Reply| -> HashMap<String, String> {
        let to = location(back);
        assert!(to.starts_with(CALLBACK), "{to}");
        query_of(&to)
    };
    // The provider's own error, with the app's state.
    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    let back = idp_response(
        &s,
        &[
            ("error", "access_denied"),
            ("error_description", "no thanks"),
            ("state", &upstream["state"]),
        ],
    )
    .await;
    let params = error_after(&back);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["error_description"], "no thanks");
    assert_eq!(params["state"], "st-1");
    assert!(!params.contains_key("code"));
    // A state the emulator never gave, or none: shown, not redirected.
    for bad in [
        vec![("code", "x"), ("state", "forged")],
        vec![("code", "x")],
    ] {
        let reply = idp_response(&s, &bad).await;
        assert_eq!(reply.status, 400);
        assert!(!reply.headers.contains_key("location"));
        assert!(String::from_utf8_lossy(&reply.body).contains("invalid_request"));
    }
    // ID tokens that fail a check: each refused, no user made.
    idp.state.lock().unwrap().user_info = Some(json!({ "sub": "u-1" }));
    let other_key = cognito_kit_emulator::jwt::PoolKey::generate().unwrap().0;
    type MakeToken<'a> = Box<dyn Fn(&str) -> String + 'a>;
    let cases: Vec<(&str, MakeToken)> = vec![
        (
            "another audience",
            Box::new(|n: &str| idp.id_token(n, json!({ "aud": "someone-else" }))),
        ),
        (
            "expired",
            Box::new(|n: &str| idp.id_token(n, json!({ "exp": now() - 10 }))),
        ),
        (
            "another nonce",
            Box::new(|n: &str| idp.id_token(&format!("{n}x"), json!({}))),
        ),
        (
            "no nonce",
            Box::new(|_: &str| idp.id_token("", json!({ "nonce": null }))),
        ),
        (
            "another issuer",
            Box::new(|n: &str| idp.id_token(n, json!({ "iss": "http://127.0.0.1:1" }))),
        ),
        (
            "tampered claims",
            Box::new(|n: &str| {
                let token = idp.id_token(n, json!({}));
                let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
                let mut payload: Value =
                    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
                payload["sub"] = json!("admin");
                parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
                parts.join(".")
            }),
        ),
        (
            "signed by another key",
            Box::new(|n: &str| {
                let claims = json!({ "iss": idp.issuer, "aud": "upstream-client", "sub": "u-1", "exp": now() + 300, "nonce": n });
                other_key.sign(&claims)
            }),
        ),
        (
            "alg none",
            Box::new(|n: &str| {
                let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
                let body = URL_SAFE_NO_PAD.encode(json!({ "iss": idp.issuer, "aud": "upstream-client", "sub": "u-1", "exp": now() + 300, "nonce": n }).to_string());
                format!("{header}.{body}.")
            }),
        ),
    ];
    for (label, make) in &cases {
        let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
        idp.answer_id_token(&make(&upstream["nonce"]));
        let back = idp_response(&s, &[("code", "c"), ("state", &upstream["state"])]).await;
        let params = error_after(&back);
        assert_eq!(params["error"], "invalid_request", "{label}: {params:?}");
        assert!(
            params["error_description"].contains("token is invalid"),
            "{label}: {params:?}"
        );
        assert_eq!(params["state"], "st-1");
    }
    let users = admin(&s.server, "ListUsers", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert!(
        !users.to_string().contains("Upstream_"),
        "no federated user from a refused token: {users}"
    );
    // A native user who took the name the provider's user would get is not signed in by whoever
    // the provider vouches for.
    let name = "Upstream_u-9";
    admin(
        &s.server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": name, "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "squatter@example.com" }] }),
    )
    .await
    .unwrap();
    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({ "sub": "u-9" })));
    idp.state.lock().unwrap().user_info = Some(json!({ "sub": "u-9" }));
    let back = idp_response(&s, &[("code", "c9"), ("state", &upstream["state"])]).await;
    let params = error_after(&back);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_request"),
        "{name}: {params:?}"
    );
    assert!(
        params["error_description"].contains("Already found an entry"),
        "{params:?}"
    );
    let squatter = admin(
        &s.server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": name }),
    )
    .await
    .unwrap();
    assert!(
        squatter["UserAttributes"]
            .to_string()
            .contains("squatter@example.com"),
        "unchanged"
    );
    admin(
        &s.server,
        "AdminDeleteUser",
        json!({ "UserPoolId": POOL, "Username": name }),
    )
    .await
    .unwrap();
    idp.state.lock().unwrap().user_info = Some(json!({ "sub": "u-1" }));
    // A provider that answers garbage, an error, or too slowly.
    for (status, body, delay_ms) in [
        (200, "<html>not json</html>".to_string(), 0),
        (400, r#"{"error":"invalid_grant"}"#.to_string(), 0),
        (200, r#"{"access_token":"a"}"#.to_string(), 0),
        (200, "{}".to_string(), 6_000),
    ] {
        let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
        idp.answer_token(status, body.clone(), delay_ms);
        let started = std::time::Instant::now();
        let back = idp_response(&s, &[("code", "c"), ("state", &upstream["state"])]).await;
        let params = error_after(&back);
        assert!(
            ["server_error", "invalid_request"].contains(&params["error"].as_str()),
            "{body}: {params:?}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(6),
            "bounded by the timeout"
        );
    }
    // The provider must be one of the client's, and OIDC; a required attribute must be mapped.
    let reply = get(
        &s,
        &authorize_target(&s.other, &[("identity_provider", "Upstream")]),
        None,
    )
    .await;
    assert_eq!(query_of(&location(&reply))["error"], "unauthorized_client");
    let reply = get(
        &s,
        &authorize_target(&s.web, &[("idp_identifier", "nobody.example")]),
        None,
    )
    .await;
    assert_eq!(query_of(&location(&reply))["error"], "invalid_request");
    admin(
        &s.server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Upstream", "AttributeMapping": { "email": "email" } }),
    )
    .await
    .unwrap();
    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({})));
    let back = idp_response(&s, &[("code", "c"), ("state", &upstream["state"])]).await;
    let params = error_after(&back);
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["error_description"], "attributes required: [name]");
    // A provider that cannot be reached: back to the app at once.
    admin(
        &s.server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Upstream",
                "ProviderDetails": { "oidc_issuer": "http://127.0.0.1:9" } }),
    )
    .await
    .unwrap();
    let reply = get(
        &s,
        &authorize_target(&s.web, &[("identity_provider", "Upstream")]),
        None,
    )
    .await;
    assert_eq!(query_of(&location(&reply))["error"], "server_error");
    // Only https issuers, or http on loopback.
    let refused = admin(
        &s.server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Upstream",
                "ProviderDetails": { "oidc_issuer": "http://idp.example.com" } }),
    )
    .await;
    assert_eq!(code_of(refused), "InvalidParameterException");
    let refused = admin(
        &s.server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Upstream",
                "ProviderDetails": { "oidc_issuer": "https://idp.example.com:8443" } }),
    )
    .await;
    assert_eq!(code_of(refused), "InvalidParameterException");
}

#[tokio::test]
async fn the_way_back_from_a_provider_is_taken_from_the_browser_that_went_there_only() {
    let (s, idp) = federation_setup().await;
    // Another browser (no cookie, another one's, or another sign-in's) with a real callback
    // URL: refused and not signed in; the sign-in stays for the browser that went there.
    let upstream = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    // A second sign-in started in another tab of the same browser: its own cookie.
    let second = to_upstream(&s, &idp, &[("identity_provider", "Upstream")]).await;
    let mine = browsers().lock().unwrap()[&upstream["state"]].clone();
    let name = mine.split('=').next().unwrap().to_string();
    let theirs = format!("{name}=another-browsers");
    let other_tab = browsers().lock().unwrap()[&second["state"]].clone();
    for cookie in [None, Some(theirs.as_str()), Some(other_tab.as_str())] {
        let target = format!(
            "{}?{}",
            path("/oauth2/idpresponse"),
            encode(&[("code", "c-x"), ("state", &upstream["state"])])
        );
        let reply = get(&s, &target, cookie).await;
        assert_eq!(reply.status, 400, "{cookie:?}");
        assert!(!reply.headers.contains_key("location"));
        assert!(!reply.headers.contains_key("set-cookie"));
        assert!(String::from_utf8_lossy(&reply.body).contains("not started in this browser"));
    }
    assert!(
        idp.state.lock().unwrap().token_requests.is_empty(),
        "no code was exchanged at the provider"
    );
    // The browser that went there comes back signed in, both tabs' sign-ins, each once.
    for (upstream, code) in [(&upstream, "c-y"), (&second, "c-z")] {
        idp.answer_id_token(&idp.id_token(&upstream["nonce"], json!({})));
        let back = idp_response(&s, &[("code", code), ("state", &upstream["state"])]).await;
        assert_eq!(back.status, 302, "{}", String::from_utf8_lossy(&back.body));
        assert!(location(&back).starts_with(CALLBACK));
        let again = idp_response(&s, &[("code", code), ("state", &upstream["state"])]).await;
        assert_eq!(again.status, 400, "used up");
    }
}

#[tokio::test]
async fn user_info_answers_the_attributes_the_tokens_scopes_open() {
    let s = setup().await;
    for (scope, present, absent) in [
        ("openid", &["email", "email_verified", "name"][..], &[][..]),
        (
            "openid email",
            &["email", "email_verified"][..],
            &["name"][..],
        ),
        (
            "openid profile",
            &["name"][..],
            &["email", "email_verified"][..],
        ),
        (
            "openid email profile aws.cognito.signin.user.admin",
            &["email", "email_verified", "name"][..],
            &[][..],
        ),
    ] {
        let signed = sign_in(
            &s,
            &authorize_query(&s.web, &[("scope", scope)]),
            "Passw0rd!",
        )
        .await;
        assert_eq!(signed.status, 302, "{scope}");
        let tokens = redeem(&s, &s.web, &query_of(&location(&signed))["code"], VERIFIER).await;
        assert_eq!(tokens.status, 200, "{scope}");
        let info = user_info(&s, tokens.json()["access_token"].as_str().unwrap()).await;
        assert_eq!(info.status, 200, "{scope}");
        let info = info.json();
        assert_eq!(info["username"], "alice", "{scope}");
        assert!(info["sub"].is_string(), "{scope}");
        for name in present {
            assert!(info.get(name).is_some(), "{scope}: {name} in {info}");
        }
        for name in absent {
            assert!(info.get(name).is_none(), "{scope}: no {name} in {info}");
        }
    }
}
