//! Tokens: minting ID and access tokens (group claims included), refresh tokens and their
//! lineages, revocation.

use serde_json::{json, Map, Value};

use super::common;
use super::hooks::{GroupOverride, TokenOverrides};
use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{AppClient, Group, Origin, Pool, RefreshRecord, User};

/// Scope of access tokens from the user-pool API.
pub const ACCESS_SCOPE: &str = "aws.cognito.signin.user.admin";

/// The stored form of a refresh token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    crypto::hex(&crypto::sha256(token.as_bytes()))
}

/// Why tokens are issued: the `triggerSource` of PreTokenGeneration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// The end of a sign-in (`TokenGeneration_Authentication`).
    Authentication,
    /// A sign-in that answered NEW_PASSWORD_REQUIRED (`TokenGeneration_NewPasswordChallenge`).
    NewPasswordChallenge,
    /// A sign-in through DEVICE_SRP_AUTH (`TokenGeneration_AuthenticateDevice`).
    AuthenticateDevice,
    /// REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken (`TokenGeneration_RefreshTokens`).
    RefreshTokens,
    /// A sign-in at the pool's domain, tokens from `/oauth2/token` (`TokenGeneration_HostedAuth`).
    HostedAuth,
}

impl TokenSource {
    /// The `triggerSource` the service sends PreTokenGeneration.
    pub fn trigger_source(self) -> &'static str {
        match self {
            Self::Authentication => "TokenGeneration_Authentication",
            Self::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            Self::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
            Self::RefreshTokens => "TokenGeneration_RefreshTokens",
            Self::HostedAuth => "TokenGeneration_HostedAuth",
        }
    }
}

/// Signs an ID and an access token for one lineage: the one place every ID and access token is
/// made (sign-in, new password, device sign-in, refresh). Returns (access token, ID token).
///
/// PreTokenGeneration ([`super::hooks::pre_token_generation`], called before the state lock is
/// taken for this) decided `overrides`, applied here to the claims and group claims built
/// here, before they are signed.
#[allow(clippy::too_many_arguments)]
pub fn issue_tokens(
    app: &App,
    pool: &Pool,
    client: &AppClient,
    user: &User,
    overrides: Option<&TokenOverrides>,
    origin_jti: &str,
    device_key: Option<&str>,
    auth_time: i64,
    now: i64,
) -> ApiResult<(String, String)> {
    let lineage = Lineage {
        origin_jti,
        device_key,
        auth_time,
        nonce: None,
    };
    issue_lineage_tokens(app, pool, client, user, overrides, &lineage, now)
}

/// What the tokens of one lineage share: its id, device, sign-in time, and the `nonce` of the
/// authorize request that began it (first ID token only).
pub struct Lineage<'a> {
    /// `origin_jti`.
    pub origin_jti: &'a str,
    /// The device of the sign-in.
    pub device_key: Option<&'a str>,
    /// `auth_time`.
    pub auth_time: i64,
    /// OpenID Connect `nonce`, copied into the ID token.
    pub nonce: Option<&'a str>,
}

/// [`issue_tokens`] with every member of the lineage: the access token's `scope` is the
/// lineage's OAuth scopes when it began at the pool's domain, else the API's
/// `aws.cognito.signin.user.admin`.
pub fn issue_lineage_tokens(
    app: &App,
    pool: &Pool,
    client: &AppClient,
    user: &User,
    overrides: Option<&TokenOverrides>,
    lineage: &Lineage<'_>,
    now: i64,
) -> ApiResult<(String, String)> {
    let Lineage {
        origin_jti,
        device_key,
        auth_time,
        nonce,
    } = *lineage;
    let domain_scope = pool
        .origins
        .get(origin_jti)
        .and_then(|origin| origin.scope.clone());
    // A lineage begun at the pool's domain: its ID tokens carry `at_hash`, as the token
    // endpoint's do (OpenID Connect Core 3.1.3.6); the API's do not.
    let at_hash = domain_scope.is_some();
    let scope = domain_scope.unwrap_or_else(|| ACCESS_SCOPE.to_string());
    let key = pool.key()?;
    let issuer = app.issuer(&pool.id);
    let event_id = uuid::Uuid::new_v4().to_string();
    let mut id_claims = Map::new();
    id_claims.insert("sub".into(), json!(user.sub));
    for (name, value) in &user.attributes {
        let readable = client
            .read_attributes
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == name));
        if !readable {
            continue;
        }
        if name.ends_with("_verified") {
            id_claims.insert(name.clone(), json!(common::truthy(value)));
        } else if name == "identities" {
            // The service puts the linked identities in the ID token as an array, not as the
            // attribute's JSON text.
            let parsed = serde_json::from_str::<Value>(value).unwrap_or_else(|_| json!(value));
            id_claims.insert(name.clone(), parsed);
        } else {
            id_claims.insert(name.clone(), json!(value));
        }
    }
    id_claims.insert("iss".into(), json!(issuer));
    id_claims.insert("cognito:username".into(), json!(user.username));
    id_claims.insert("origin_jti".into(), json!(origin_jti));
    id_claims.insert("aud".into(), json!(client.client_id));
    id_claims.insert("event_id".into(), json!(event_id));
    id_claims.insert("token_use".into(), json!("id"));
    id_claims.insert("auth_time".into(), json!(auth_time));
    id_claims.insert("exp".into(), json!(now + client.id_ttl()));
    id_claims.insert("iat".into(), json!(now));
    id_claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    if let Some(nonce) = nonce {
        id_claims.insert("nonce".into(), json!(nonce));
    }

    let mut access_claims = Map::new();
    access_claims.insert("sub".into(), json!(user.sub));
    if let Some(device_key) = device_key {
        access_claims.insert("device_key".into(), json!(device_key));
    }
    access_claims.insert("iss".into(), json!(issuer));
    access_claims.insert("client_id".into(), json!(client.client_id));
    access_claims.insert("origin_jti".into(), json!(origin_jti));
    access_claims.insert("event_id".into(), json!(event_id));
    access_claims.insert("token_use".into(), json!("access"));
    access_claims.insert("scope".into(), json!(scope));
    access_claims.insert("auth_time".into(), json!(auth_time));
    access_claims.insert("exp".into(), json!(now + client.access_ttl()));
    access_claims.insert("iat".into(), json!(now));
    access_claims.insert("jti".into(), json!(uuid::Uuid::new_v4().to_string()));
    access_claims.insert("username".into(), json!(user.username));
    // Read from the pool at every mint, so a group change shows in the next tokens, refreshed
    // ones included.
    add_group_claims(pool, user, &mut id_claims, &mut access_claims);
    if let Some(overrides) = overrides {
        apply_overrides(overrides, &mut id_claims, &mut access_claims);
    }

    let access = key.sign(&Value::Object(access_claims));
    if at_hash {
        let digest = crypto::sha256(access.as_bytes());
        id_claims.insert("at_hash".into(), json!(crypto::b64url(&digest[..16])));
    }
    Ok((access, key.sign(&Value::Object(id_claims))))
}

/// Applies what PreTokenGeneration returned: groups first (replaced or removed), then claims
/// added or overridden, then claims suppressed (suppression wins), then scopes.
fn apply_overrides(
    overrides: &TokenOverrides,
    id_claims: &mut Map<String, Value>,
    access_claims: &mut Map<String, Value>,
) {
    if let Some(groups) = &overrides.groups {
        for claim in ["cognito:groups", "cognito:roles", "cognito:preferred_role"] {
            id_claims.remove(claim);
            access_claims.remove(claim);
        }
        if let Some(groups) = groups {
            if !groups.groups.is_empty() {
                id_claims.insert("cognito:groups".into(), json!(groups.groups));
                access_claims.insert("cognito:groups".into(), json!(groups.groups));
            }
            if !groups.roles.is_empty() {
                id_claims.insert("cognito:roles".into(), json!(groups.roles));
            }
            if let Some(role) = &groups.preferred_role {
                id_claims.insert("cognito:preferred_role".into(), json!(role));
            }
        }
    }
    for (claims, add, suppress) in [
        (&mut *id_claims, &overrides.id_add, &overrides.id_suppress),
        (
            &mut *access_claims,
            &overrides.access_add,
            &overrides.access_suppress,
        ),
    ] {
        for (name, value) in add {
            claims.insert(name.clone(), value.clone());
        }
        for name in suppress {
            claims.remove(name);
            if name == "cognito:groups" {
                claims.remove("cognito:roles");
                claims.remove("cognito:preferred_role");
            }
        }
    }
    if !overrides.scopes_add.is_empty() || !overrides.scopes_suppress.is_empty() {
        let current = access_claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut scopes: Vec<&str> = current
            .split(' ')
            .filter(|s| !s.is_empty() && !overrides.scopes_suppress.iter().any(|x| x == s))
            .collect();
        for scope in &overrides.scopes_add {
            if !scopes.contains(&scope.as_str()) && !overrides.scopes_suppress.contains(scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            access_claims.remove("scope");
        } else {
            access_claims.insert("scope".into(), json!(scopes.join(" ")));
        }
    }
}

/// The group configuration PreTokenGeneration is shown: the user's groups by precedence, their
/// roles, and the preferred role the tokens would carry.
pub fn group_configuration(pool: &Pool, user: &User) -> GroupOverride {
    let mut id_claims = Map::new();
    let mut access_claims = Map::new();
    add_group_claims(pool, user, &mut id_claims, &mut access_claims);
    let list = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    GroupOverride {
        groups: list(id_claims.get("cognito:groups")),
        roles: list(id_claims.get("cognito:roles")),
        preferred_role: id_claims
            .get("cognito:preferred_role")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// New tokens of a refresh token's lineage.
pub struct Refreshed {
    pub access_token: String,
    pub id_token: String,
    /// A new refresh token, when the refresh rotates them.
    pub refresh_token: Option<String>,
    /// The lineage's OAuth scopes (`None`: a sign-in through the API).
    pub scope: Option<String>,
}

/// Refreshes the lineage `token` belongs to: new access and ID tokens (with `overrides` from
/// PreTokenGeneration), and with `rotate`, when the client rotates refresh tokens, a new refresh
/// token (the old one keeps working for the grace period). The one refresh of REFRESH_TOKEN_AUTH,
/// GetTokensFromRefreshToken and the domain's token endpoint.
pub fn refresh(
    app: &App,
    pool: &mut Pool,
    client: &AppClient,
    token: &str,
    rotate: bool,
    overrides: Option<&TokenOverrides>,
    now: i64,
) -> ApiResult<Refreshed> {
    let (hash, origin_jti, origin) = find_refresh(pool, client, token, now)?;
    let mut refresh_token = None;
    if rotate && client.rotates_refresh_tokens() {
        if let Some(record) = pool.refresh_tokens.get_mut(&hash) {
            record.superseded_at.get_or_insert(now);
        }
        let expires = now + client.refresh_ttl();
        if let Some(origin) = pool.origins.get_mut(&origin_jti) {
            origin.expires_at = origin.expires_at.max(expires);
        }
        refresh_token = Some(new_refresh_token(pool, &origin_jti, expires));
    }
    let user = pool.user(&origin.username)?;
    let (access_token, id_token) = issue_tokens(
        app,
        pool,
        client,
        user,
        overrides,
        &origin_jti,
        origin.device_key.as_deref(),
        origin.auth_time,
        now,
    )?;
    Ok(Refreshed {
        access_token,
        id_token,
        refresh_token,
        scope: origin.scope,
    })
}

/// Stores a new refresh token for a lineage and returns it.
pub fn new_refresh_token(pool: &mut Pool, origin_jti: &str, expires_at: i64) -> String {
    let token = format!(
        "{}.{}",
        crypto::b64url(&crypto::random_bytes(48)),
        crypto::b64url(&crypto::random_bytes(48))
    );
    pool.refresh_tokens.insert(
        hash_token(&token),
        RefreshRecord {
            origin_jti: origin_jti.to_string(),
            expires_at,
            superseded_at: None,
        },
    );
    token
}

/// Finds a usable refresh token of `client`: (hash, lineage id, lineage).
pub fn find_refresh(
    pool: &Pool,
    client: &AppClient,
    token: &str,
    now: i64,
) -> ApiResult<(String, String, Origin)> {
    let invalid = || ApiError::not_authorized("Invalid Refresh Token");
    let hash = hash_token(token);
    let record = pool.refresh_tokens.get(&hash).ok_or_else(invalid)?;
    let origin = pool.origins.get(&record.origin_jti).ok_or_else(invalid)?;
    if origin.client_id != client.client_id {
        return Err(invalid());
    }
    let user = pool
        .users
        .get(&origin.username)
        .ok_or_else(|| ApiError::not_authorized("User does not exist."))?;
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    if origin.revoked {
        return Err(ApiError::not_authorized("Refresh Token has been revoked"));
    }
    if record.expires_at <= now {
        return Err(ApiError::not_authorized("Refresh Token has expired"));
    }
    if let Some(superseded) = record.superseded_at {
        let grace = client
            .refresh_token_rotation
            .as_ref()
            .map_or(0, |r| r.retry_grace_period_seconds);
        if now > superseded + grace {
            return Err(invalid());
        }
    }
    Ok((hash, record.origin_jti.clone(), origin.clone()))
}

/// Revokes every sign-in lineage of a user (GlobalSignOut, AdminUserGlobalSignOut, deletion).
pub fn revoke_all(pool: &mut Pool, username: &str) {
    pool.origins.update_each(|_, origin| {
        let revoke = origin.username == username && !origin.revoked;
        origin.revoked |= revoke;
        revoke
    });
}

/// The user's groups, in precedence order (unset last), then by name.
pub fn groups_of<'a>(pool: &'a Pool, user: &User) -> Vec<&'a Group> {
    let mut groups: Vec<&Group> = user
        .groups
        .iter()
        .filter_map(|name| pool.groups.get(name))
        .collect();
    groups.sort_by(|a, b| a.rank().cmp(&b.rank()));
    groups
}

/// Adds the group claims of a user's tokens, as the service issues them: `cognito:groups` in
/// both tokens; in the ID token `cognito:roles` (the role ARNs of the groups, by precedence) and
/// `cognito:preferred_role` — the role of the group with the lowest Precedence (a number beats
/// none). Groups tied at that precedence share it only when they have the same role; with
/// different roles no preferred role is set. Groups without a role take no part.
pub fn add_group_claims(
    pool: &Pool,
    user: &User,
    id_claims: &mut Map<String, Value>,
    access_claims: &mut Map<String, Value>,
) {
    let groups = groups_of(pool, user);
    if groups.is_empty() {
        return;
    }
    let names: Vec<&str> = groups.iter().map(|g| g.group_name.as_str()).collect();
    id_claims.insert("cognito:groups".into(), json!(names));
    access_claims.insert("cognito:groups".into(), json!(names));
    let with_role: Vec<(&Group, &str)> = groups
        .iter()
        .filter_map(|g| g.role_arn.as_deref().map(|role| (*g, role)))
        .collect();
    let Some((first, _)) = with_role.first() else {
        return;
    };
    let mut roles: Vec<&str> = Vec::new();
    for (_, role) in &with_role {
        if !roles.contains(role) {
            roles.push(role);
        }
    }
    id_claims.insert("cognito:roles".into(), json!(roles));
    // `with_role` is sorted by precedence, so the first entry holds the best precedence.
    let best: Vec<&str> = with_role
        .iter()
        .filter(|(g, _)| g.precedence == first.precedence)
        .map(|(_, role)| *role)
        .collect();
    if let Some(preferred) = best.first() {
        if best.iter().all(|role| role == preferred) {
            id_claims.insert("cognito:preferred_role".into(), json!(preferred));
        }
    }
}
