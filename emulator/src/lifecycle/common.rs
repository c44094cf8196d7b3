//! Rules shared by many operations: client lookup, SECRET_HASH, password policy, lockouts,
//! access-token callers, the owner of a user-scoped call, paging, stand-ins for unknown users
//! and attribute-name checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{schema, users};
use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::jwt;
use crate::model::{AppClient, Db, PasswordPolicy, Pool, User};
use crate::params::Params;
use crate::srp;

/// Consecutive wrong passwords before temporary lockouts start.
pub const LOCKOUT_THRESHOLD: u32 = 5;
/// Longest lockout, in seconds.
pub const MAX_LOCKOUT: i64 = 900;

/// Symbols the service accepts for `RequireSymbols`.
const PASSWORD_SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Standard attributes every pool has.
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
];

/// Finds the pool and client for a client id.
pub fn client<'a>(db: &'a Db, client_id: &str) -> ApiResult<(&'a Pool, &'a AppClient)> {
    let pool_id = db.pool_id_of_client(client_id).ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
    })?;
    let pool = db.pool(&pool_id)?;
    let client = pool.clients.get(client_id).ok_or_else(|| {
        ApiError::resource_not_found(format!("User pool client {client_id} does not exist."))
    })?;
    Ok((pool, client))
}

/// Checks SECRET_HASH for clients with a secret. Any of `usernames` may be the hashed one (what
/// the user typed, or the internal username), since the service accepts both.
pub fn check_secret_hash(
    client: &AppClient,
    provided: Option<&str>,
    usernames: &[&str],
) -> ApiResult<()> {
    let Some(secret) = &client.client_secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(ApiError::not_authorized(format!(
            "Client {} is configured for secret but secret was not received",
            client.client_id
        )));
    };
    let mut matched = false;
    for username in usernames {
        let expected = crypto::secret_hash(secret, username, &client.client_id);
        matched |= crypto::ct_eq(expected.as_bytes(), provided.as_bytes());
    }
    if matched {
        Ok(())
    } else {
        Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.client_id
        )))
    }
}

/// Checks a client secret sent as-is (GetTokensFromRefreshToken, RevokeToken).
pub fn check_client_secret(client: &AppClient, provided: Option<&str>) -> ApiResult<()> {
    match (&client.client_secret, provided) {
        (None, _) => Ok(()),
        (Some(secret), Some(provided)) if crypto::ct_eq(secret.as_bytes(), provided.as_bytes()) => {
            Ok(())
        }
        (Some(_), _) => Err(ApiError::not_authorized(format!(
            "Unable to verify secret hash for client {}",
            client.client_id
        ))),
    }
}

/// Applies the pool's password policy with the service's messages.
pub fn check_password(policy: &PasswordPolicy, password: &str) -> ApiResult<()> {
    let fail = |why: &str| {
        Err(ApiError::new(
            "InvalidPasswordException",
            format!("Password did not conform with policy: {why}"),
        ))
    };
    if password.chars().count() < policy.minimum_length as usize {
        return fail("Password not long enough");
    }
    if password.chars().count() > 256 {
        return fail("Password is too long");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| PASSWORD_SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A temporary password that satisfies any policy.
pub fn generate_temporary_password(policy: &PasswordPolicy) -> String {
    let length = (policy.minimum_length as usize).max(12);
    let mut password = crypto::random_string(crypto::MIXED_ALNUM, length - 4);
    password.push_str("Aa1!");
    password
}

/// Counts one password attempt of `username` (a real user, or the stand-in of an unknown one
/// hidden by PreventUserExistenceErrors): refused during a lockout; a wrong password counts
/// towards the next lockout; a right one clears the count. The counters live in memory for both
/// kinds of users, so a wrong password costs the same whether the user exists or not.
pub fn password_attempt(
    app: &App,
    pool_id: &str,
    username: &str,
    matches: bool,
    now: i64,
) -> ApiResult<()> {
    app.with_lockout(&format!("{pool_id}/{username}"), |failures, until| {
        if *until > now {
            return Err(ApiError::not_authorized("Password attempts exceeded"));
        }
        if matches {
            *failures = 0;
            *until = 0;
            Ok(())
        } else {
            record_failure(failures, until, now);
            Err(ApiError::bad_credentials())
        }
    })
}

/// Refuses password attempts during a lockout, without counting one.
pub fn check_lockout(app: &App, pool_id: &str, username: &str, now: i64) -> ApiResult<()> {
    app.with_lockout(&format!("{pool_id}/{username}"), |_, until| {
        if *until > now {
            Err(ApiError::not_authorized("Password attempts exceeded"))
        } else {
            Ok(())
        }
    })
}

/// One more failure on a (failures, locked-until) pair; from the threshold on, each failure
/// locks for a doubling time.
pub fn record_failure(failures: &mut u32, locked_until: &mut i64, now: i64) {
    *failures = failures.saturating_add(1);
    if *failures >= LOCKOUT_THRESHOLD {
        let exponent = (*failures - LOCKOUT_THRESHOLD).min(10);
        *locked_until = now.saturating_add((1i64 << exponent).min(MAX_LOCKOUT));
    }
}

/// A wrong password of an unknown user hidden by PreventUserExistenceErrors: the answer (and the
/// lockout bookkeeping) a real user with a wrong password gets.
pub fn fake_user_failure(app: &App, pool_id: &str, user_id: &str, now: i64) -> ApiError {
    match password_attempt(app, pool_id, user_id, false, now) {
        Err(error) => error,
        Ok(()) => ApiError::bad_credentials(),
    }
}

/// The caller identified by an access token: (pool id, internal username).
pub struct Caller {
    /// Pool that issued the token.
    pub pool_id: String,
    /// Internal username.
    pub username: String,
    /// Client that the token was issued to.
    pub client_id: String,
}

/// Validates an access token the way the service does: signature, type, expiry, revocation.
pub fn authenticate(app: &App, db: &Db, token: &str) -> ApiResult<Caller> {
    let invalid = || ApiError::not_authorized("Invalid Access Token");
    let claims = jwt::peek_claims(token).ok_or_else(invalid)?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let pool_id = issuer.rsplit('/').next().ok_or_else(invalid)?;
    let pool = db.pools.get(pool_id).ok_or_else(invalid)?;
    let claims = pool.key()?.verify(token).ok_or_else(invalid)?;
    if claims.get("token_use").and_then(Value::as_str) != Some("access") {
        return Err(invalid());
    }
    // A token from the pool's domain without `aws.cognito.signin.user.admin` (or one whose
    // PreTokenGeneration suppressed it) may not call the user operations.
    let scoped = claims
        .get("scope")
        .and_then(Value::as_str)
        .is_some_and(|scope| scope.split(' ').any(|s| s == super::tokens::ACCESS_SCOPE));
    if !scoped {
        return Err(ApiError::not_authorized(
            "Access Token does not have required scopes",
        ));
    }
    let expires = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if expires <= app.now() {
        return Err(ApiError::not_authorized("Access Token has expired"));
    }
    let username = claims
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let user = pool
        .users
        .get(username)
        .ok_or_else(ApiError::user_not_found)?;
    // AdminDisableUser also revokes the tokens; the disabled state is reported first.
    if !user.enabled {
        return Err(ApiError::not_authorized("User is disabled."));
    }
    let origin_jti = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    match pool.origins.get(origin_jti) {
        Some(origin) if !origin.revoked => {}
        _ => return Err(ApiError::not_authorized("Access Token has been revoked")),
    }
    let client_id = claims
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(Caller {
        pool_id: pool.id.clone(),
        username: username.to_string(),
        client_id: client_id.to_string(),
    })
}

/// Whose account a call is about: the signed-in caller of an access token, or the user an
/// administrator names.
pub enum Owner<'a> {
    /// `AccessToken`.
    Caller(&'a str),
    /// `UserPoolId` and `Username` (internal name or alias, as every admin call accepts).
    Named {
        /// `UserPoolId`.
        pool_id: &'a str,
        /// `Username`.
        username: &'a str,
    },
}

impl<'a> Owner<'a> {
    /// Reads the owner's members; `admin` operations name the user, the others bring a token.
    pub fn from(params: &Params<'a>, admin: bool) -> ApiResult<Self> {
        if admin {
            Ok(Owner::Named {
                pool_id: params.req_str("UserPoolId")?,
                username: params.req_str("Username")?,
            })
        } else {
            Ok(Owner::Caller(params.req_str("AccessToken")?))
        }
    }

    /// (pool id, internal username) of the owner.
    pub fn resolve(&self, app: &App, db: &Db) -> ApiResult<(String, String)> {
        match self {
            Owner::Caller(token) => {
                let caller = authenticate(app, db, token)?;
                Ok((caller.pool_id, caller.username))
            }
            Owner::Named { pool_id, username } => {
                let pool = db.pool(pool_id)?;
                Ok((pool_id.to_string(), users::lookup(pool, username)?))
            }
        }
    }

    /// Runs `f` on the owner (read-only).
    pub fn read<T>(&self, app: &App, f: impl FnOnce(&User) -> ApiResult<T>) -> ApiResult<T> {
        app.read(|db| {
            let (pool_id, username) = self.resolve(app, db)?;
            f(db.pool(&pool_id)?.user(&username)?)
        })
    }

    /// Runs `f` on the owner, saving what it changes.
    pub fn write<T>(&self, app: &App, f: impl FnOnce(&mut User) -> ApiResult<T>) -> ApiResult<T> {
        self.write_in_pool(app, |pool, username| f(pool.user_mut(username)?))
    }

    /// Runs `f` on the owner's pool and internal username (for rules that read the pool's
    /// settings), saving what it changes.
    pub fn write_in_pool<T>(
        &self,
        app: &App,
        f: impl FnOnce(&mut Pool, &str) -> ApiResult<T>,
    ) -> ApiResult<T> {
        app.write(|db| {
            let (pool_id, username) = self.resolve(app, db)?;
            f(db.pool_mut(&pool_id)?, &username)
        })
    }
}

/// One page of `items` as `{ <key>: [...], "NextToken"?: ... }` (see [`page`]).
pub fn page_of<T>(
    scope: &str,
    key: &str,
    items: &[T],
    token: Option<&str>,
    limit: usize,
    each: impl Fn(&T) -> Value,
) -> ApiResult<Value> {
    let (range, next) = page(scope, token, limit, items.len())?;
    let listed: Vec<Value> = items
        .get(range)
        .unwrap_or_default()
        .iter()
        .map(each)
        .collect();
    let mut out = serde_json::Map::new();
    out.insert(key.to_string(), Value::Array(listed));
    if let Some(next) = next {
        out.insert("NextToken".to_string(), Value::String(next));
    }
    Ok(Value::Object(out))
}

/// One page of a list of `len` items: the range to return and the next PaginationToken.
/// Tokens are opaque, as the service's are, and bound to the list they came from: `scope` names
/// it (the operation, the pool, the user, the filter), and a token of another list — or one made
/// up, or an offset past the end — is refused with InvalidParameterException. No arithmetic on
/// the offset can overflow.
pub fn page(
    scope: &str,
    token: Option<&str>,
    limit: usize,
    len: usize,
) -> ApiResult<(std::ops::Range<usize>, Option<String>)> {
    let start = match token {
        None => 0,
        Some(text) => page_offset(scope, text)
            .filter(|start| *start <= len)
            .ok_or_else(|| ApiError::invalid_parameter("Invalid pagination token"))?,
    };
    let end = start.saturating_add(limit).min(len);
    let next = (end < len).then(|| page_token(scope, end));
    Ok((start..end, next))
}

/// The token of the page at `offset` of the list `scope` names: the offset and a tag of the
/// scope, base64url.
fn page_token(scope: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}.{}", page_tag(scope)))
}

/// The offset a token of `scope` stands for; `None` for anything else.
fn page_offset(scope: &str, token: &str) -> Option<usize> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (offset, tag) = text.split_once('.')?;
    if tag != page_tag(scope) || offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    offset.parse().ok()
}

fn page_tag(scope: &str) -> String {
    crypto::hex(&crypto::sha256(scope.as_bytes())[..8])
}

/// What an unknown user looks like when a client hides user existence: a stable SRP salt,
/// USER_ID_FOR_SRP and verifier derived from the pool's secret and the typed name, so repeated
/// attempts answer like a real user's would.
pub struct FakeUser {
    /// USER_ID_FOR_SRP: UUID-shaped in UsernameAttributes pools (like real users there).
    pub user_id: String,
    /// SALT (hex, same shape as a real one).
    pub salt_hex: String,
    /// A verifier no password matches (in practice).
    pub verifier_hex: String,
}

/// Derives the [`FakeUser`] for `typed` in `pool`.
pub fn fake_user(pool: &Pool, typed: &str) -> FakeUser {
    let canonical = if !pool.case_sensitive() || looks_like_email(typed) {
        typed.to_lowercase()
    } else {
        typed.to_string()
    };
    let key = crypto::hex_decode(&pool.existence_secret)
        .unwrap_or_else(|| pool.existence_secret.as_bytes().to_vec());
    let derive =
        |label: &str| crypto::hmac_sha256(&key, format!("{label}\u{0}{canonical}").as_bytes());
    let salt_bytes = derive("salt");
    let salt = num_bigint::BigUint::from_bytes_be(&salt_bytes[..16]);
    let user_id = if pool.uses_username_attributes() {
        let id_bytes = derive("user-id");
        let mut random = [0u8; 16];
        random.copy_from_slice(&id_bytes[..16]);
        uuid::Builder::from_random_bytes(random)
            .into_uuid()
            .to_string()
    } else {
        typed.to_string()
    };
    let mut wide = Vec::with_capacity(384);
    for counter in 0u8..12 {
        wide.extend_from_slice(&derive(&format!("verifier{counter}")));
    }
    let verifier = num_bigint::BigUint::from_bytes_be(&wide) % &*srp::N;
    FakeUser {
        user_id,
        salt_hex: crypto::hex(&srp::pad_bytes(&salt)),
        verifier_hex: srp::pad_hex(&verifier),
    }
}

/// Declared custom attribute names (`custom:x`, `dev:custom:x`) of a pool.
pub fn custom_attributes(pool: &Pool) -> Vec<String> {
    schema::schema_attributes(pool)
        .iter()
        .filter_map(|entry| entry.get("Name").and_then(Value::as_str))
        .filter(|name| !STANDARD_ATTRIBUTES.contains(name))
        .map(str::to_string)
        .collect()
}

/// Standard attributes the pool's schema marks Required.
pub fn required_attributes(pool: &Pool) -> Vec<String> {
    pool.settings
        .schema
        .iter()
        .filter(|entry| entry.get("Required").and_then(Value::as_bool) == Some(true))
        .filter_map(|entry| entry.get("Name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// The check SignUp and UpdateUserAttributes make first: every name is declared in the pool's
/// schema (a standard attribute or one of its custom attributes), in the service's words for
/// those operations. The admin operations keep [`check_attribute_names`]'s message.
pub fn check_declared(pool: &Pool, names: &[&str]) -> ApiResult<()> {
    let custom = custom_attributes(pool);
    for name in names {
        if !STANDARD_ATTRIBUTES.contains(name) && !custom.iter().any(|c| c == name) {
            return Err(ApiError::invalid_parameter(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
            )));
        }
    }
    Ok(())
}

/// Checks attribute names against the schema, like the service's "did not conform" errors.
pub fn check_attribute_names(pool: &Pool, attributes: &[(String, String)]) -> ApiResult<()> {
    let custom = custom_attributes(pool);
    for (name, value) in attributes {
        if name == "sub" {
            return Err(ApiError::invalid_parameter(
                "Attributes did not conform to the schema: sub: Attribute cannot be updated.",
            ));
        }
        if !STANDARD_ATTRIBUTES.contains(&name.as_str()) && !custom.contains(name) {
            return Err(ApiError::invalid_parameter(format!(
                "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
            )));
        }
        if name == "email" && !looks_like_email(value) {
            return Err(ApiError::invalid_parameter("Invalid email address format."));
        }
        if name == "phone_number" && !looks_like_phone(value) {
            return Err(ApiError::invalid_parameter("Invalid phone number format."));
        }
    }
    super::schema::check_values(pool, attributes)
}

/// A loose email check (the service's own is loose too).
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !text.contains(' ')
        }
        None => false,
    }
}

/// E.164: `+` and 8–15 digits.
pub fn looks_like_phone(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Epoch seconds as the JSON number the service uses for dates.
pub fn date(seconds: i64) -> Value {
    json!(seconds as f64)
}

/// Whether a value of an `*_verified` attribute means true.
pub fn truthy(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// Whether `text` matches the service's ARN pattern
/// `arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?`.
pub fn is_arn(text: &str) -> bool {
    let word = |part: &str| {
        part.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || "+=/,.@-".contains(c))
    };
    let parts: Vec<&str> = text.split(':').collect();
    (6..=8).contains(&parts.len())
        && parts[0] == "arn"
        && [parts[1], parts[2]]
            .iter()
            .all(|p| !p.is_empty() && word(p))
        && word(parts[3])
        && !parts[4].is_empty()
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5..].iter().all(|p| !p.is_empty() && word(p))
}
