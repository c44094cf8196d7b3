//! Sign-in through an upstream OpenID Connect identity provider of the pool (`ProviderType`
//! OIDC), as the service's `/oauth2/authorize?identity_provider=…` and `/oauth2/idpresponse` do:
//! the provider's endpoints (given in `ProviderDetails`, else discovered from `oidc_issuer`), the
//! redirect to its authorize endpoint with a fresh `state` and `nonce`, the code exchange with
//! `client_secret_post`, the checks of its ID token (signature against its JWKS, `iss`, `aud`,
//! `exp`, `nonce`), its userInfo (`attributes_url`), and the federated user: created as
//! `{ProviderName}_{subject}` with status `EXTERNAL_PROVIDER`, or the native user the identity
//! is linked to (AdminLinkProviderForUser), its mapped attributes written at every sign-in.
//!
//! Network calls go only to URLs of the provider's configuration or of its discovery document,
//! each `https` (ports 443 or 80, as the service requires) or `http` on a loopback name (the
//! emulator's own allowance, so a provider can run beside it in tests); never a redirect, each
//! call at most [`UPSTREAM_TIMEOUT`] and its reply at most [`MAX_REPLY_BYTES`].

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{IdentityProvider, Pool, ProviderLink};

/// Longest wait for one call to the provider (connection, request and reply).
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest reply read from the provider (discovery, token, JWKS, userInfo).
pub const MAX_REPLY_BYTES: u64 = 1 << 20;
/// How long a browser may take at the provider before coming back to `/oauth2/idpresponse`.
pub const PENDING_TTL: i64 = 600;

/// Whether the emulator may call `url` for a provider: `https://` on the default port (or 443,
/// 80), or `http://` on a loopback name (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`) on any
/// port. No user info, no fragment.
pub fn upstream_url_allowed(url: &str) -> bool {
    let (scheme, rest) = match url.split_once("://") {
        Some(pair) => pair,
        None => return false,
    };
    if url.contains(['#', ' ', '\\']) || url.chars().any(char::is_control) {
        return false;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return false;
    }
    let port_ok = |allowed: &[&str]| port.is_none_or(|p| allowed.contains(&p));
    let numeric_port = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    if !numeric_port {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => port_ok(&["443", "80"]),
        "http" => {
            let host = host.to_ascii_lowercase();
            host == "localhost"
                || host.ends_with(".localhost")
                || host == "::1"
                || host
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

/// Where a provider is reached: its issuer and the endpoints the sign-in uses.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// `oidc_issuer` as configured (the ID token's `iss` must equal it).
    pub issuer: String,
    /// Where the browser is sent.
    pub authorize_url: String,
    /// Where the code is exchanged.
    pub token_url: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// Its userInfo endpoint, when it has one.
    pub attributes_url: Option<String>,
}

/// Why a sign-in through a provider failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpstreamError {
    /// The provider could not be reached, timed out, or answered something unusable.
    Unreachable(String),
    /// Its ID token (or userInfo) failed a check.
    InvalidToken(String),
}

impl UpstreamError {
    /// Text for the `error_description` sent back to the app.
    pub fn description(&self) -> String {
        match self {
            Self::Unreachable(why) => format!("The identity provider could not be used: {why}"),
            Self::InvalidToken(why) => format!("The identity provider's token is invalid: {why}"),
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(UPSTREAM_TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// Reads a reply: its status and body (at most [`MAX_REPLY_BYTES`]).
fn read_reply(
    outcome: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
) -> Result<(u16, Vec<u8>), UpstreamError> {
    let mut response = outcome.map_err(|e| match e {
        ureq::Error::Timeout(_) => UpstreamError::Unreachable(format!("{what}: no answer in time")),
        other => UpstreamError::Unreachable(format!("{what}: {other}")),
    })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_REPLY_BYTES)
        .read_to_vec()
        .map_err(|e| {
            UpstreamError::Unreachable(format!("{what}: the reply is unreadable ({e})"))
        })?;
    Ok((status, body))
}

/// The JSON object of a 200 reply.
fn json_object(status: u16, body: &[u8], what: &str) -> Result<Value, UpstreamError> {
    if status != 200 {
        return Err(UpstreamError::Unreachable(format!(
            "{what} answered HTTP {status}"
        )));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(UpstreamError::Unreachable(format!(
            "{what} did not answer a JSON object"
        ))),
    }
}

fn get_json(url: &str, what: &str) -> Result<Value, UpstreamError> {
    if !upstream_url_allowed(url) {
        return Err(UpstreamError::Unreachable(format!(
            "{what} URL is not allowed"
        )));
    }
    let (status, body) = read_reply(
        agent().get(url).header("Accept", "application/json").call(),
        what,
    )?;
    json_object(status, &body, what)
}

/// The provider's endpoints: each one given in its `ProviderDetails` wins; the others come from
/// the discovery document at `{oidc_issuer}/.well-known/openid-configuration`, whose `issuer`
/// must be the configured one.
pub fn endpoints(provider: &IdentityProvider) -> Result<Endpoints, UpstreamError> {
    let details = &provider.provider_details;
    let given = |key: &str| details.get(key).filter(|v| !v.is_empty()).cloned();
    let issuer = given("oidc_issuer")
        .ok_or_else(|| UpstreamError::Unreachable("the provider has no oidc_issuer".into()))?;
    let explicit = (
        given("authorize_url"),
        given("token_url"),
        given("jwks_uri"),
    );
    let discovered = match &explicit {
        (Some(_), Some(_), Some(_)) => Value::Null,
        _ => {
            let url = format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            );
            let document = get_json(&url, "the discovery document")?;
            if document["issuer"].as_str() != Some(issuer.as_str()) {
                return Err(UpstreamError::Unreachable(
                    "the discovery document names another issuer".into(),
                ));
            }
            document
        }
    };
    let pick = |explicit: Option<String>, member: &str| -> Result<String, UpstreamError> {
        let url = explicit
            .or_else(|| discovered[member].as_str().map(str::to_string))
            .ok_or_else(|| UpstreamError::Unreachable(format!("the provider has no {member}")))?;
        if upstream_url_allowed(&url) {
            Ok(url)
        } else {
            Err(UpstreamError::Unreachable(format!(
                "its {member} is not an allowed URL"
            )))
        }
    };
    let (authorize, token, jwks) = explicit;
    let attributes_url = given("attributes_url")
        .or_else(|| discovered["userinfo_endpoint"].as_str().map(str::to_string))
        .filter(|url| upstream_url_allowed(url));
    Ok(Endpoints {
        authorize_url: pick(authorize, "authorization_endpoint")?,
        token_url: pick(token, "token_endpoint")?,
        jwks_uri: pick(jwks, "jwks_uri")?,
        attributes_url,
        issuer,
    })
}

/// A browser sent to a provider, until it comes back to `/oauth2/idpresponse` with the `state`.
#[derive(Clone, Debug)]
pub struct PendingFederation {
    /// The pool of the domain.
    pub pool_id: String,
    /// The provider the browser went to.
    pub provider_name: String,
    /// The app's authorize request (its query), checked again when the browser comes back.
    pub authorize_query: Vec<u8>,
    /// The `nonce` sent to the provider; its ID token must carry it.
    pub nonce: String,
    /// Where the provider was reached.
    pub endpoints: Endpoints,
    /// Epoch seconds (the emulator's clock).
    pub expires_at: i64,
    /// SHA-256 (hex) of the cookie set on the browser that went to the provider: the way back
    /// is accepted from that browser only, so that a callback URL sent to someone else cannot
    /// sign them in as the sender (login CSRF).
    pub browser: String,
}

/// The name of the cookie that binds the sign-in of an upstream `state` to its browser: one per
/// sign-in, so that two started in two tabs do not undo each other.
pub fn federation_cookie(state: &str) -> String {
    format!(
        "cognito-federation-{}",
        &crypto::hex(&crypto::sha256(state.as_bytes()))[..16]
    )
}

/// Starts a sign-in at `provider`: keeps the pending request and returns the provider's
/// authorize URL for the browser, and the cookie (name, value) that binds the sign-in to it.
/// `redirect_uri` is the domain's `/oauth2/idpresponse`.
pub fn begin(
    app: &App,
    pool_id: &str,
    provider: &IdentityProvider,
    redirect_uri: &str,
    authorize_query: &[u8],
) -> Result<(String, (String, String)), UpstreamError> {
    let endpoints = endpoints(provider)?;
    let details = &provider.provider_details;
    let state = crypto::b64url(&crypto::random_bytes(32));
    let nonce = crypto::b64url(&crypto::random_bytes(32));
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair(
            "client_id",
            details.get("client_id").map_or("", String::as_str),
        )
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair(
            "scope",
            details
                .get("authorize_scopes")
                .map_or("openid", String::as_str),
        )
        .append_pair("state", &state)
        .append_pair("nonce", &nonce);
    let separator = if endpoints.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!("{}{separator}{}", endpoints.authorize_url, query.finish());
    let browser = crypto::b64url(&crypto::random_bytes(32));
    super::oauth::hold_federation(
        app,
        &state,
        PendingFederation {
            pool_id: pool_id.to_string(),
            provider_name: provider.provider_name.clone(),
            authorize_query: authorize_query.to_vec(),
            nonce,
            endpoints,
            expires_at: app.now() + PENDING_TTL,
            browser: crypto::hex(&crypto::sha256(browser.as_bytes())),
        },
    );
    Ok((url, (federation_cookie(&state), browser)))
}

/// The provider's tokens for a code: the claims of its verified ID token, merged with its
/// userInfo when it has an `attributes_url` (whose `sub` must be the token's).
pub fn exchange_code(
    provider: &IdentityProvider,
    pending: &PendingFederation,
    code: &str,
    redirect_uri: &str,
) -> Result<BTreeMap<String, Value>, UpstreamError> {
    let details = &provider.provider_details;
    let client_id = details.get("client_id").map_or("", String::as_str);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        (
            "client_secret",
            details.get("client_secret").map_or("", String::as_str),
        ),
    ];
    let endpoints = &pending.endpoints;
    if !upstream_url_allowed(&endpoints.token_url) {
        return Err(UpstreamError::Unreachable(
            "the token endpoint URL is not allowed".into(),
        ));
    }
    let (status, body) = read_reply(
        agent()
            .post(&endpoints.token_url)
            .header("Accept", "application/json")
            .send_form(form),
        "the token endpoint",
    )?;
    let reply = json_object(status, &body, "the token endpoint")?;
    let id_token = reply["id_token"]
        .as_str()
        .ok_or_else(|| UpstreamError::InvalidToken("the token reply has no id_token".into()))?;
    let jwks = get_json(&endpoints.jwks_uri, "the JWKS")?;
    let mut claims = verify_id_token(
        id_token,
        &jwks,
        &endpoints.issuer,
        client_id,
        &pending.nonce,
        crate::app::real_now(),
    )
    .map_err(UpstreamError::InvalidToken)?;
    if let (Some(url), Some(access_token)) =
        (&endpoints.attributes_url, reply["access_token"].as_str())
    {
        let bearer = format!("Bearer {access_token}");
        let post = details
            .get("attributes_request_method")
            .is_some_and(|m| m == "POST");
        let outcome = if post {
            agent()
                .post(url)
                .header("Authorization", &bearer)
                .header("Accept", "application/json")
                .send_empty()
        } else {
            agent()
                .get(url)
                .header("Authorization", &bearer)
                .header("Accept", "application/json")
                .call()
        };
        let (status, body) = read_reply(outcome, "the userInfo endpoint")?;
        let info = json_object(status, &body, "the userInfo endpoint")?;
        if info.get("sub") != claims.get("sub") {
            return Err(UpstreamError::InvalidToken(
                "the userInfo sub is not the ID token's".into(),
            ));
        }
        if let Value::Object(info) = info {
            for (name, value) in info {
                claims.insert(name, value);
            }
        }
    }
    Ok(claims)
}

/// Checks an ID token of the provider (RS256 or ES256 against the JWKS; `iss`, `aud` (and
/// `azp` when there are several audiences), `exp`, `nonce`) and returns its claims.
pub fn verify_id_token(
    token: &str,
    jwks: &Value,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: i64,
) -> Result<BTreeMap<String, Value>, String> {
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a signed JWT".into());
    };
    let decode_json = |text: &str| -> Option<Value> {
        serde_json::from_slice(&crypto::b64url_decode(text)?).ok()
    };
    let header = decode_json(header_b64).ok_or("its header is unreadable")?;
    let claims = decode_json(claims_b64).ok_or("its claims are unreadable")?;
    let signature = crypto::b64url_decode(signature_b64).ok_or("its signature is unreadable")?;
    let alg = header["alg"].as_str().unwrap_or_default();
    let kty = match alg {
        "RS256" => "RSA",
        "ES256" => "EC",
        _ => {
            return Err(format!(
                "the algorithm {} is not accepted",
                crate::error::truncate(alg, 16)
            ))
        }
    };
    let kid = header["kid"].as_str();
    let keys = jwks["keys"].as_array().ok_or("the JWKS has no keys")?;
    let candidates: Vec<&Value> = keys
        .iter()
        .filter(|k| k["kty"].as_str() == Some(kty))
        .filter(|k| k["use"].as_str().is_none_or(|u| u == "sig"))
        .filter(|k| kid.is_none_or(|kid| k["kid"].as_str() == Some(kid)))
        .collect();
    let signing_input = format!("{header_b64}.{claims_b64}");
    let verified = candidates
        .iter()
        .any(|key| signature_matches(key, alg, signing_input.as_bytes(), &signature));
    if !verified {
        return Err("its signature does not verify against the provider's keys".into());
    }
    let Value::Object(claims) = claims else {
        return Err("its claims are not an object".into());
    };
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("iss is not the provider's issuer".into());
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&client_id) {
        return Err("aud is not the provider's client_id".into());
    }
    if audiences.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(client_id) {
        return Err("azp is not the provider's client_id".into());
    }
    let live = claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp > now);
    if !live {
        return Err("it has expired".into());
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err("nonce is not the one sent".into());
    }
    if claims
        .get("sub")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err("it has no sub".into());
    }
    Ok(claims.into_iter().collect())
}

fn signature_matches(key: &Value, alg: &str, input: &[u8], signature: &[u8]) -> bool {
    let member = |name: &str| key[name].as_str().and_then(crypto::b64url_decode);
    match alg {
        "RS256" => {
            use rsa::signature::Verifier as _;
            let (Some(n), Some(e)) = (member("n"), member("e")) else {
                return false;
            };
            let Ok(public) = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
            ) else {
                return false;
            };
            let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
                return false;
            };
            rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public)
                .verify(input, &signature)
                .is_ok()
        }
        "ES256" => {
            use p256::ecdsa::signature::Verifier as _;
            let (Some(x), Some(y)) = (member("x"), member("y")) else {
                return false;
            };
            if key["crv"].as_str() != Some("P-256") || x.len() != 32 || y.len() != 32 {
                return false;
            }
            let mut point = vec![4u8];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let Ok(verifying) = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point) else {
                return false;
            };
            let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else {
                return false;
            };
            verifying.verify(input, &signature).is_ok()
        }
        _ => false,
    }
}

/// A claim as an attribute value: strings as they are, numbers and booleans as text; anything
/// else (objects, arrays, null) is not mapped.
fn claim_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Signs in the identity the provider vouched for: the native user it is linked to, else the
/// federated user `{ProviderName}_{subject}` (created on the first sign-in with status
/// `EXTERNAL_PROVIDER` and its `identities`); the attribute mapping is written at every sign-in.
/// Returns the internal username.
pub fn sign_in_identity(
    pool: &mut Pool,
    provider_name: &str,
    claims: &BTreeMap<String, Value>,
    now: i64,
) -> ApiResult<String> {
    let provider = pool
        .identity_providers
        .get(provider_name)
        .cloned()
        .ok_or_else(|| ApiError::resource_not_found("The identity provider no longer exists."))?;
    let subject_claim = provider
        .attribute_mapping
        .get("username")
        .map_or("sub", String::as_str);
    let subject = claims
        .get(subject_claim)
        .and_then(claim_text)
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "The identity provider's token has no usable {subject_claim} for the username."
            ))
        })?;
    let mut mapped: Vec<(String, String)> = Vec::new();
    for (attribute, claim) in &provider.attribute_mapping {
        if attribute == "username" {
            continue;
        }
        if let Some(value) = claims.get(claim).and_then(claim_text) {
            mapped.push((attribute.clone(), crate::error::truncate(&value, 2048)));
        }
    }
    super::common::check_attribute_names(pool, &mapped)?;
    let link = pool
        .provider_links
        .get(&ProviderLink::key(provider_name, &subject))
        .filter(|link| {
            pool.users
                .get(&link.username)
                .is_some_and(|user| user.sub == link.sub)
        })
        .map(|link| link.username.clone());
    let username = match link {
        Some(native) => native,
        None => {
            let wanted = format!("{provider_name}_{subject}");
            // The name is this provider's user's only when that user came from it: a native user
            // who signed up under such a name is not signed in by whoever the provider vouches
            // for (nor, in a case-insensitive pool, is a second user made beside it).
            let folded = wanted.to_lowercase();
            let holder = pool.users.get(&wanted).or_else(|| {
                (!pool.case_sensitive())
                    .then(|| {
                        pool.users
                            .values()
                            .find(|u| u.username.to_lowercase() == folded)
                    })
                    .flatten()
            });
            if let Some(user) = holder {
                if !is_provider_user(user, provider_name, &subject) {
                    return Err(ApiError::invalid_parameter(format!(
                        "Already found an entry for username {wanted}"
                    )));
                }
            }
            let username = holder.map_or(wanted, |user| user.username.clone());
            if !pool.users.contains_key(&username) {
                // The service's words (`error_description`) when a required attribute is not
                // mapped from the provider's claims.
                let missing: Vec<String> = super::common::required_attributes(pool)
                    .into_iter()
                    .filter(|name| !mapped.iter().any(|(attribute, _)| attribute == name))
                    .collect();
                if !missing.is_empty() {
                    return Err(ApiError::invalid_parameter(format!(
                        "attributes required: [{}]",
                        missing.join(", ")
                    )));
                }
                // The service's form of the attribute (string members), as its ID tokens show it.
                let identities = json!([{
                    "userId": subject,
                    "providerName": provider.provider_name,
                    "providerType": provider.provider_type,
                    "issuer": null,
                    "primary": "true",
                    "dateCreated": now.saturating_mul(1000).to_string(),
                }]);
                super::users::create_external_user(pool, &username, &identities.to_string(), now);
            }
            username
        }
    };
    let user = pool
        .users
        .get_mut(&username)
        .ok_or_else(ApiError::user_not_found)?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    for (attribute, value) in mapped {
        user.attributes.insert(attribute, value);
    }
    user.last_modified = now;
    Ok(username)
}

/// Whether `user` is the user the service made for `subject` of `provider`: an external-provider
/// user whose `identities` name them.
fn is_provider_user(user: &crate::model::User, provider: &str, subject: &str) -> bool {
    user.status == crate::model::status::EXTERNAL_PROVIDER
        && user
            .attr("identities")
            .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
            .is_some_and(|identities| {
                identities.iter().any(|identity| {
                    identity["providerName"].as_str() == Some(provider)
                        && identity["userId"].as_str() == Some(subject)
                })
            })
}
