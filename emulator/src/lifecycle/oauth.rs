//! OAuth 2.0 and OpenID Connect at a pool's domain: which pool a domain serves, the scopes a
//! client may be granted, authorization codes (single use, five minutes, bound to client,
//! redirect URI and PKCE challenge), the domain's browser sessions, and the tokens of the
//! authorization-code, implicit, refresh and client-credentials grants — minted by
//! [`super::tokens`] like every other token, in lineages that RevokeToken, GlobalSignOut and
//! the API's refresh know.
//!
//! Codes and browser sessions are kept in the pool's state (the database: a restart keeps
//! them), each by the SHA-256 of its secret; the sign-ins in flight at an upstream provider
//! live in memory for their ten minutes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Map, Value};

use super::hooks;
use super::idp::PendingFederation;
use super::tokens::{self, Lineage, TokenSource};
use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{AppClient, Db, Origin, Pool};
pub use crate::model::{BrowserSession, CodeGrant};

/// How long an authorization code can be redeemed.
pub const CODE_TTL: i64 = 300;
/// How long a browser stays signed in at the domain (the service's managed login: one hour).
pub const BROWSER_SESSION_TTL: i64 = 3600;
/// Most codes, browser sessions (per pool) and upstream sign-ins held at once; beyond this the
/// expired ones go, then the one expiring first.
const MEMORY_LIMIT: usize = 100_000;

/// The scopes the service reserves (anything else is `{resourceServer}/{scope}`).
pub const RESERVED_SCOPES: [&str; 5] =
    ["openid", "email", "phone", "profile", tokens::ACCESS_SCOPE];

/// An error of the OAuth endpoints, by its RFC 6749 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthError {
    /// A parameter missing, repeated, malformed or too long.
    InvalidRequest,
    /// Unknown client, or a wrong or missing secret.
    InvalidClient,
    /// A code or refresh token that is unknown, used, expired, revoked or not the client's.
    InvalidGrant,
    /// The client may not use this flow.
    UnauthorizedClient,
    /// `grant_type` other than the three the service knows.
    UnsupportedGrantType,
    /// A scope the client may not have.
    InvalidScope,
    /// `/oauth2/revoke` given an access or ID token.
    UnsupportedTokenType,
}

impl OAuthError {
    /// The `error` member.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
        }
    }
}

/// The sign-ins at upstream providers in flight, of every domain (kept by [`App`]; codes and
/// browser sessions are in the pool's state, see [`Pool::oauth_codes`]).
#[derive(Default)]
pub struct OAuthMemory {
    federations: Mutex<HashMap<String, PendingFederation>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes room in a bounded map: expired entries go, then the one expiring first.
fn make_room<V>(map: &mut HashMap<String, V>, now: i64, expires: impl Fn(&V) -> i64) {
    if map.len() < MEMORY_LIMIT {
        return;
    }
    map.retain(|_, v| expires(v) > now);
    if map.len() >= MEMORY_LIMIT {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| expires(v))
            .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }
}

/// The key a secret is kept under: its SHA-256 (a dump of the memory holds no usable code).
fn key_of(secret: &str) -> String {
    crypto::hex(&crypto::sha256(secret.as_bytes()))
}

/// The pool a domain (prefix or custom, as created) belongs to.
pub fn pool_of_domain(db: &Db, domain: &str) -> Option<String> {
    db.pools
        .values()
        .find(|pool| pool.domains.contains_key(domain))
        .map(|pool| pool.id.clone())
}

/// The domain a pool's discovery document points at: its custom domain when it has one (what
/// the service's managed login uses then), else its prefix domain.
pub fn domain_of_pool(pool: &Pool) -> Option<String> {
    let mut domains: Vec<_> = pool.domains.values().collect();
    domains.sort_by_key(|d| d.certificate_arn.is_none());
    domains.first().map(|d| d.domain.clone())
}

/// Where a domain's endpoints are served on the emulator's own port:
/// `http://{host}:{port}/domains/{domain}` (`/oauth2/authorize`, `/login`, … below it).
pub fn domain_base(app: &App, domain: &str) -> String {
    format!("{}/domains/{domain}", app.base_url())
}

/// Whether a scope exists in the pool: a reserved one, or `{identifier}/{name}` of one of its
/// resource servers.
fn scope_exists(pool: &Pool, scope: &str) -> bool {
    RESERVED_SCOPES.contains(&scope)
        || scope.rsplit_once('/').is_some_and(|(server, name)| {
            pool.resource_servers
                .get(server)
                .is_some_and(|rs| rs.scopes.iter().any(|s| s.scope_name == name))
        })
}

/// The scopes an authorize request is granted: the requested ones (space separated), each
/// allowed to the client and existing in the pool, or all of the client's when none is asked
/// for. `email`, `phone` and `profile` need `openid`.
pub fn user_scopes(
    pool: &Pool,
    client: &AppClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let allowed = client.allowed_oauth_scopes.clone().unwrap_or_default();
    let mut scopes: Vec<String> = Vec::new();
    let wanted: Vec<String> = match requested {
        Some(text) => text
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        None => allowed.clone(),
    };
    for scope in wanted {
        if !allowed.contains(&scope) || !scope_exists(pool, &scope) {
            return Err(OAuthError::InvalidScope);
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let has = |name: &str| scopes.iter().any(|s| s == name);
    if scopes.is_empty() || (!has("openid") && (has("email") || has("phone") || has("profile"))) {
        return Err(OAuthError::InvalidScope);
    }
    Ok(scopes)
}

/// The scopes of a client-credentials grant: resource-server scopes only, each allowed to the
/// client; all of the client's custom scopes when none is asked for.
pub fn client_scopes(
    pool: &Pool,
    client: &AppClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let allowed: Vec<String> = client
        .allowed_oauth_scopes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| !RESERVED_SCOPES.contains(&s.as_str()) && scope_exists(pool, s))
        .collect();
    let scopes = match requested {
        None => allowed,
        Some(text) => {
            let mut scopes: Vec<String> = Vec::new();
            for scope in text.split(' ').filter(|s| !s.is_empty()) {
                if !allowed.iter().any(|a| a == scope) {
                    return Err(OAuthError::InvalidScope);
                }
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_string());
                }
            }
            scopes
        }
    };
    if scopes.is_empty() {
        return Err(OAuthError::InvalidScope);
    }
    Ok(scopes)
}

/// Whether a client may use an OAuth flow (`code`, `implicit`, `client_credentials`) at all.
pub fn flow_allowed(client: &AppClient, flow: &str) -> bool {
    client.allowed_oauth_flows_user_pool_client
        && client
            .allowed_oauth_flows
            .as_ref()
            .is_some_and(|flows| flows.iter().any(|f| f == flow))
}

/// Whether a PKCE `code_challenge` has the shape of S256's: base64url of 32 bytes.
pub fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && crypto::b64url_decode(challenge).is_some_and(|b| b.len() == 32)
}

/// Makes room in a pool's bounded map: expired entries go, then the one expiring first.
fn make_room_tracked<V: Clone>(
    map: &mut crate::model::Tracked<String, V>,
    now: i64,
    expires: impl Fn(&V) -> i64,
) {
    if map.len() < MEMORY_LIMIT {
        return;
    }
    map.retain(|_, v| expires(v) > now);
    if map.len() >= MEMORY_LIMIT {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| expires(v))
            .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }
}

/// Stores a code for `grant` in its pool and returns it.
pub fn issue_code(app: &App, grant: CodeGrant) -> ApiResult<String> {
    let code = uuid::Uuid::new_v4().to_string();
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(&grant.pool_id)?;
        make_room_tracked(&mut pool.oauth_codes, now, |g| g.expires_at);
        pool.oauth_codes.insert(key_of(&code), grant.clone());
        Ok(())
    })?;
    Ok(code)
}

/// Redeems a code (it is gone whatever the outcome): it must be live, of this client, issued
/// for this `redirect_uri`, and — when the authorize request had a PKCE challenge — the
/// verifier must hash to it.
pub fn redeem_code(
    app: &App,
    pool_id: &str,
    code: &str,
    client_id: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> Result<CodeGrant, OAuthError> {
    let now = app.now();
    let grant = app
        .write(|db| Ok(db.pool_mut(pool_id)?.oauth_codes.remove(&key_of(code))))
        .ok()
        .flatten()
        .ok_or(OAuthError::InvalidGrant)?;
    if grant.expires_at <= now || grant.client_id != client_id || grant.redirect_uri != redirect_uri
    {
        return Err(OAuthError::InvalidGrant);
    }
    match (&grant.code_challenge, verifier) {
        (None, None) => {}
        (Some(challenge), Some(verifier)) => {
            let valid_verifier = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            let computed = crypto::b64url(&crypto::sha256(verifier.as_bytes()));
            if !valid_verifier || !crypto::ct_eq(computed.as_bytes(), challenge.as_bytes()) {
                return Err(OAuthError::InvalidGrant);
            }
        }
        _ => return Err(OAuthError::InvalidGrant),
    }
    Ok(grant)
}

/// Signs a browser in at a pool's domain; returns the cookie value.
pub fn open_browser_session(
    app: &App,
    pool_id: &str,
    username: &str,
    auth_time: i64,
) -> ApiResult<String> {
    let cookie = crypto::b64url(&crypto::random_bytes(32));
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        make_room_tracked(&mut pool.browser_sessions, now, |s| s.expires_at);
        pool.browser_sessions.insert(
            key_of(&cookie),
            BrowserSession {
                username: username.to_string(),
                auth_time,
                expires_at: now + BROWSER_SESSION_TTL,
            },
        );
        Ok(())
    })?;
    Ok(cookie)
}

/// The user a browser is signed in as at this pool's domain: (internal username, auth time),
/// while the session is live and the user still exists and is enabled.
pub fn browser_session(app: &App, pool_id: &str, cookie: &str) -> Option<(String, i64)> {
    let now = app.now();
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let Some(session) = pool.browser_sessions.get(&key_of(cookie)) else {
            return Ok(None);
        };
        let enabled = pool
            .users
            .get(&session.username)
            .is_some_and(|user| user.enabled);
        Ok((session.expires_at > now && enabled)
            .then(|| (session.username.clone(), session.auth_time)))
    })
    .ok()
    .flatten()
}

/// Signs a browser out of the pool's domain (`/logout`).
pub fn end_browser_session(app: &App, pool_id: &str, cookie: &str) {
    let key = key_of(cookie);
    let _ = app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.browser_sessions.contains_key(&key) {
            pool.browser_sessions.remove(&key);
        }
        Ok(())
    });
}

/// Keeps a browser's sign-in at an upstream provider under its `state`.
pub fn hold_federation(app: &App, state: &str, pending: PendingFederation) {
    let now = app.now();
    let mut federations = lock(&app.oauth.federations);
    make_room(&mut federations, now, |p| p.expires_at);
    federations.insert(key_of(state), pending);
}

/// Why [`take_federation`] gave nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum FederationRefusal {
    /// No live sign-in of this pool has that `state` (unknown, used or expired).
    Unknown,
    /// The browser is not the one that went to the provider: the sign-in stays for it.
    OtherBrowser,
}

/// Takes the sign-in of a `state` back from `/oauth2/idpresponse` (once: it is gone whatever
/// comes next), while it is live and of this pool, for the browser whose cookie value is
/// `browser` only — another browser's request leaves it for the right one.
pub fn take_federation(
    app: &App,
    pool_id: &str,
    state: &str,
    browser: Option<&str>,
) -> Result<PendingFederation, FederationRefusal> {
    let now = app.now();
    let mut federations = lock(&app.oauth.federations);
    let key = key_of(state);
    let pending = federations.get(&key).ok_or(FederationRefusal::Unknown)?;
    if pending.pool_id != pool_id || pending.expires_at <= now {
        federations.remove(&key);
        return Err(FederationRefusal::Unknown);
    }
    let same_browser = browser.is_some_and(|cookie| {
        crypto::ct_eq(
            crypto::hex(&crypto::sha256(cookie.as_bytes())).as_bytes(),
            pending.browser.as_bytes(),
        )
    });
    if !same_browser {
        return Err(FederationRefusal::OtherBrowser);
    }
    federations.remove(&key).ok_or(FederationRefusal::Unknown)
}

/// Drops expired upstream sign-ins (the periodic sweep; codes and browser sessions go with
/// the pool's own sweep).
pub fn sweep(app: &App, now: i64) {
    lock(&app.oauth.federations).retain(|_, p| p.expires_at > now);
}

/// Tokens of a grant, as the token endpoint answers them.
#[derive(Clone)]
pub struct TokenSet {
    /// `access_token`.
    pub access_token: String,
    /// `id_token`, with `openid` only.
    pub id_token: Option<String>,
    /// `refresh_token` (code grant; refresh grant when the client rotates them).
    pub refresh_token: Option<String>,
    /// `expires_in`.
    pub expires_in: i64,
}

debug_showing!(TokenSet { expires_in });

impl TokenSet {
    /// The token endpoint's JSON reply.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(id) = &self.id_token {
            out.insert("id_token".into(), json!(id));
        }
        out.insert("access_token".into(), json!(self.access_token));
        if let Some(refresh) = &self.refresh_token {
            out.insert("refresh_token".into(), json!(refresh));
        }
        out.insert("expires_in".into(), json!(self.expires_in));
        out.insert("token_type".into(), json!("Bearer"));
        Value::Object(out)
    }
}

/// What a user grant (code or implicit) is for.
pub struct UserGrant<'a> {
    /// Pool of the domain.
    pub pool_id: &'a str,
    /// Client.
    pub client_id: &'a str,
    /// Internal username.
    pub username: &'a str,
    /// Granted scopes.
    pub scopes: &'a [String],
    /// `nonce` of the authorize request.
    pub nonce: Option<&'a str>,
    /// When the user signed in.
    pub auth_time: i64,
    /// With a refresh token (code grant) or without (implicit).
    pub with_refresh: bool,
}

/// Issues the tokens of a user grant in a new lineage (PreTokenGeneration first, outside the
/// lock, with `TokenGeneration_HostedAuth` and the granted scopes).
pub fn grant_user_tokens(app: &App, grant: &UserGrant<'_>) -> ApiResult<TokenSet> {
    let overrides = hooks::token_overrides_with_scopes(
        app,
        grant.pool_id,
        grant.client_id,
        grant.username,
        TokenSource::HostedAuth,
        grant.scopes,
        None,
    )?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(grant.pool_id)?;
        let client = pool.client(grant.client_id)?.clone();
        if !pool.user(grant.username)?.enabled {
            return Err(ApiError::not_authorized("User is disabled."));
        }
        let origin_jti = uuid::Uuid::new_v4().to_string();
        let expires = now + client.refresh_ttl();
        pool.origins.insert(
            origin_jti.clone(),
            Origin {
                username: grant.username.to_string(),
                client_id: client.client_id.clone(),
                device_key: None,
                auth_time: grant.auth_time,
                expires_at: expires,
                revoked: false,
                scope: Some(grant.scopes.join(" ")),
            },
        );
        let refresh_token = grant
            .with_refresh
            .then(|| tokens::new_refresh_token(pool, &origin_jti, expires));
        let user = pool.user(grant.username)?;
        let lineage = Lineage {
            origin_jti: &origin_jti,
            device_key: None,
            auth_time: grant.auth_time,
            nonce: grant.nonce,
        };
        let (access, id) = tokens::issue_lineage_tokens(
            app,
            pool,
            &client,
            user,
            overrides.as_ref(),
            &lineage,
            now,
        )?;
        Ok(TokenSet {
            access_token: access,
            id_token: grant.scopes.iter().any(|s| s == "openid").then_some(id),
            refresh_token,
            expires_in: client.access_ttl(),
        })
    })
}

/// The refresh grant at the token endpoint: new access (and ID, with `openid`) tokens of the
/// refresh token's lineage — whether it began at the domain or through the API — and a new
/// refresh token when the client rotates them, exactly as GetTokensFromRefreshToken does.
pub fn refresh_tokens(
    app: &App,
    pool_id: &str,
    client_id: &str,
    refresh_token: &str,
) -> Result<TokenSet, OAuthError> {
    let now = app.now();
    let username = app
        .read(|db| {
            let pool = db.pool(pool_id)?;
            let client = pool
                .clients
                .get(client_id)
                .ok_or_else(crate::model::client_not_found)?;
            let (_, _, origin) = tokens::find_refresh(pool, client, refresh_token, now)?;
            Ok(origin.username)
        })
        .map_err(|_| OAuthError::InvalidGrant)?;
    let overrides = hooks::token_overrides(
        app,
        pool_id,
        client_id,
        &username,
        TokenSource::RefreshTokens,
        None,
    )
    .map_err(|_| OAuthError::InvalidGrant)?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let client = pool.client(client_id)?.clone();
        let refreshed = tokens::refresh(
            app,
            pool,
            &client,
            refresh_token,
            true,
            overrides.as_ref(),
            now,
        )?;
        // A lineage of the API has no OAuth scopes; its ID token comes as from the API.
        let openid = refreshed
            .scope
            .as_deref()
            .is_none_or(|scope| scope.split(' ').any(|s| s == "openid"));
        Ok(TokenSet {
            access_token: refreshed.access_token,
            id_token: openid.then_some(refreshed.id_token),
            refresh_token: refreshed.refresh_token,
            expires_in: client.access_ttl(),
        })
    })
    .map_err(|_| OAuthError::InvalidGrant)
}

/// The client-credentials grant: an access token for the client itself, with resource-server
/// scopes (no user, no lineage, no refresh token).
pub fn client_credentials_token(
    app: &App,
    pool_id: &str,
    client: &AppClient,
    scopes: &[String],
) -> ApiResult<TokenSet> {
    let now = app.now();
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let key = pool.key()?;
        let claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now,
            "iss": app.issuer(pool_id),
            "exp": now + client.access_ttl(),
            "iat": now,
            "version": 2,
            "jti": uuid::Uuid::new_v4().to_string(),
            "client_id": client.client_id,
        });
        Ok(TokenSet {
            access_token: key.sign(&claims),
            id_token: None,
            refresh_token: None,
            expires_in: client.access_ttl(),
        })
    })
}

/// Revokes the lineage of a refresh token of `client_id` (`/oauth2/revoke`); unknown tokens are
/// accepted silently, as RevokeToken does.
pub fn revoke_refresh_token(
    app: &App,
    pool_id: &str,
    client_id: &str,
    token: &str,
) -> Result<(), OAuthError> {
    if token.split('.').count() == 3 {
        return Err(OAuthError::UnsupportedTokenType);
    }
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let Some(record) = pool.refresh_tokens.get(&tokens::hash_token(token)).cloned() else {
            return Ok(());
        };
        if let Some(origin) = pool.origins.get_mut(&record.origin_jti) {
            if origin.client_id == client_id {
                origin.revoked = true;
            }
        }
        Ok(())
    })
    .map_err(|_| OAuthError::InvalidRequest)
}

/// Why `/oauth2/userInfo` refused a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserInfoError {
    /// No bearer token, or a malformed request (400 `invalid_request`).
    BadRequest,
    /// Expired, revoked, forged, of another pool, without `openid`, or its user gone or
    /// disabled (401 `invalid_token`).
    InvalidToken,
}

/// The attributes the `profile` scope opens at `/oauth2/userInfo` (custom attributes too).
const PROFILE_ATTRIBUTES: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// Whether the token's scopes open attribute `name` at `/oauth2/userInfo`, as the service's
/// user-attributes endpoint guide describes it: `openid` alone opens every attribute the client
/// may read; with `profile`, `email` or `phone` only those scopes' attributes come back (and
/// `aws.cognito.signin.user.admin` or a resource server's scope changes nothing).
fn scope_opens(scopes: &[&str], name: &str) -> bool {
    let has = |scope: &str| scopes.contains(&scope);
    let (profile, email, phone) = (has("profile"), has("email"), has("phone"));
    !(profile || email || phone)
        || profile && (PROFILE_ATTRIBUTES.contains(&name) || name.starts_with("custom:"))
        || email && matches!(name, "email" | "email_verified")
        || phone && matches!(name, "phone_number" | "phone_number_verified")
}

/// The claims `/oauth2/userInfo` answers for an access token of this pool with `openid`: `sub`,
/// `username` and the attributes the client may read that the token's scopes open (the service
/// sends them as strings).
pub fn user_info(app: &App, pool_id: &str, token: &str) -> Result<Value, UserInfoError> {
    let now = app.now();
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        Ok(user_info_of(pool, token, now))
    })
    .unwrap_or(Err(UserInfoError::InvalidToken))
}

fn user_info_of(pool: &Pool, token: &str, now: i64) -> Result<Value, UserInfoError> {
    let invalid = UserInfoError::InvalidToken;
    let key = pool.key().map_err(|_| invalid)?;
    let claims = key.verify(token).ok_or(invalid)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let scopes: Vec<&str> = text("scope").unwrap_or_default().split(' ').collect();
    let openid = scopes.contains(&"openid");
    let live = claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp > now);
    if text("token_use") != Some("access") || !openid || !live {
        return Err(invalid);
    }
    let user = pool
        .users
        .get(text("username").ok_or(invalid)?)
        .ok_or(invalid)?;
    let origin = pool
        .origins
        .get(text("origin_jti").ok_or(invalid)?)
        .ok_or(invalid)?;
    if !user.enabled || origin.revoked {
        return Err(invalid);
    }
    let client = pool
        .clients
        .get(text("client_id").ok_or(invalid)?)
        .ok_or(invalid)?;
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.sub));
    for (name, value) in &user.attributes {
        let readable = client
            .read_attributes
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == name));
        if readable && name != "sub" && scope_opens(&scopes, name) {
            out.insert(name.clone(), json!(value));
        }
    }
    out.insert("username".into(), json!(user.username));
    Ok(Value::Object(out))
}
