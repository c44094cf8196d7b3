//! Federation (SigV4-signed): the pool's domain (CreateUserPoolDomain, DescribeUserPoolDomain,
//! UpdateUserPoolDomain, DeleteUserPoolDomain), OAuth resource servers, identity providers and
//! the links of federated identities to native users (AdminLinkProviderForUser,
//! AdminDisableProviderForUser).
//!
//! Domains, resource servers and providers are kept and validated as the service does; a
//! domain's OAuth endpoints and login page are served by `crate::hosted`, but no federated
//! sign-in happens yet.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, date};
use crate::lifecycle::{idp, users};
use crate::model::{
    IdentityProvider, Pool, PoolDomain, ProviderLink, ResourceServer, ResourceServerScope,
};
use crate::params::Params;

/// The emulator's one AWS account, as in the pool ARNs.
const ACCOUNT_ID: &str = "123456789012";

fn validation(member: &str, constraint: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// `value` has between `min` and `max` characters.
fn check_len(member: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
    let count = value.chars().count();
    if count < min {
        return Err(validation(
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if count > max {
        return Err(validation(
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Every character of `value` satisfies `allowed`, else the service's pattern error.
fn check_pattern(
    member: &str,
    value: &str,
    pattern: &str,
    allowed: impl Fn(char) -> bool,
) -> ApiResult<()> {
    if value.chars().all(allowed) {
        Ok(())
    } else {
        Err(validation(
            member,
            &format!("Member must satisfy regular expression pattern: {pattern}"),
        ))
    }
}

/// `[\w\s+=,.@-]` (and `[\w\s+=.@-]` without the comma).
fn word_char(c: char, comma: bool) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || c.is_whitespace()
        || "+=.@-".contains(c)
        || (comma && c == ',')
}

/// An optional `MaxResults` in `1..=max`, `default` when absent.
fn max_results(params: &Params, max: i64, default: i64) -> ApiResult<usize> {
    match params.opt_i64("MaxResults")? {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) if n < 1 => Err(validation(
            "maxResults",
            "Member must have value greater than or equal to 1",
        )),
        Some(_) => Err(validation(
            "maxResults",
            &format!("Member must have value less than or equal to {max}"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------------------------

/// Words a prefix domain may not contain.
const RESERVED_DOMAIN_WORDS: [&str; 3] = ["aws", "amazon", "cognito"];

/// One DNS label: lowercase letters, digits and hyphens, 1–63, no hyphen first or last.
fn valid_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

const PREFIX_PATTERN: &str = "^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$";

/// Checks a prefix domain (`custom` false) or a custom domain's fully qualified name.
fn check_domain(domain: &str, custom: bool) -> ApiResult<()> {
    if custom {
        check_len("domain", domain, 1, 253)?;
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || !labels.iter().all(|label| valid_label(label)) {
            return Err(ApiError::invalid_parameter(format!(
                "Domain {domain} is not a valid domain name: use lowercase letters, numbers and hyphens, with periods between subdomain names."
            )));
        }
        return Ok(());
    }
    check_len("domain", domain, 1, 63)?;
    if !valid_label(domain) {
        return Err(validation(
            "domain",
            &format!("Member must satisfy regular expression pattern: {PREFIX_PATTERN}"),
        ));
    }
    if let Some(word) = RESERVED_DOMAIN_WORDS.iter().find(|w| domain.contains(**w)) {
        return Err(ApiError::invalid_parameter(format!(
            "Domain cannot contain reserved word: {word}"
        )));
    }
    Ok(())
}

/// An ACM certificate ARN: `arn:{partition}:acm:{region}:{account}:certificate/{id}`.
fn check_certificate_arn(arn: &str) -> ApiResult<()> {
    check_len("customDomainConfig.certificateArn", arn, 20, 2048)?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, "acm", region, account, resource] => {
            !partition.is_empty()
                && !region.is_empty()
                && !account.is_empty()
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource
                    .strip_prefix("certificate/")
                    .is_some_and(|id| !id.is_empty())
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "The certificate {arn} is not a valid ACM certificate ARN."
        )))
    }
}

/// The required `CustomDomainConfig.CertificateArn`, when the config is given.
fn certificate_of(params: &Params) -> ApiResult<Option<String>> {
    let Some(config) = params.opt_object("CustomDomainConfig")? else {
        return Ok(None);
    };
    let arn = config
        .opt_str("CertificateArn")?
        .ok_or_else(|| ApiError::missing_member("CustomDomainConfig.CertificateArn"))?;
    check_certificate_arn(arn)?;
    Ok(Some(arn.to_string()))
}

/// The pool owning `domain`, if any.
fn owner_of<'a>(pools: impl Iterator<Item = &'a Pool>, domain: &str) -> Option<&'a Pool> {
    pools
        .into_iter()
        .find(|pool| pool.domains.contains_key(domain))
}

/// A stable CloudFront host name for a domain (the service's are random per distribution).
fn cloudfront_host(domain: &str) -> String {
    let digest = crypto::sha256(format!("cloudfront/{domain}").as_bytes());
    format!(
        "d{}.cloudfront.net",
        crypto::hex(digest.get(..7).unwrap_or(&digest))
    )
}

/// `yyyymmddhhmmss` of an epoch time (the shape of the service's domain `Version`).
fn version_stamp(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = crypto::civil_from_days(unix.div_euclid(86_400));
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// CreateUserPoolDomain: a prefix domain, or a custom domain when `CustomDomainConfig` is given.
/// A domain belongs to one pool; a pool has at most one prefix and one custom domain.
pub fn create_user_pool_domain(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let domain = params.req_str("Domain")?;
    let pool_id = params.req_str("UserPoolId")?;
    let certificate = certificate_of(&params)?;
    check_domain(domain, certificate.is_some())?;
    let now = app.now();
    app.write(|db| {
        db.pool(pool_id)?;
        if owner_of(db.pools.values(), domain).is_some() {
            return Err(ApiError::invalid_parameter(
                "Domain already associated with another user pool.",
            ));
        }
        let pool = db.pool_mut(pool_id)?;
        let custom = certificate.is_some();
        if pool
            .domains
            .values()
            .any(|d| d.certificate_arn.is_some() == custom)
        {
            return Err(ApiError::invalid_parameter(format!(
                "The user pool already has a {} domain.",
                if custom { "custom" } else { "prefix" }
            )));
        }
        pool.domains.insert(
            domain.to_string(),
            PoolDomain {
                domain: domain.to_string(),
                certificate_arn: certificate,
                version: 1,
                created: now,
            },
        );
        Ok(if custom {
            json!({ "CloudFrontDomain": cloudfront_host(domain) })
        } else {
            json!({})
        })
    })
}

/// `DomainDescriptionType`.
fn domain_description(pool: &Pool, domain: &PoolDomain) -> Value {
    let mut out = json!({
        "UserPoolId": pool.id,
        "AWSAccountId": ACCOUNT_ID,
        "Domain": domain.domain,
        "S3Bucket": format!("aws-cognito-prod-{}-assets", pool.region()),
        "CloudFrontDistribution": cloudfront_host(&domain.domain),
        "Version": version_stamp(domain.created.saturating_add(domain.version as i64 - 1)),
        "Status": "ACTIVE",
    });
    if let Some(arn) = &domain.certificate_arn {
        out["CustomDomainConfig"] = json!({ "CertificateArn": arn });
    }
    out
}

/// DescribeUserPoolDomain: an unknown domain answers an empty description, as the service does.
pub fn describe_user_pool_domain(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let domain = params.req_str("Domain")?;
    check_len("domain", domain, 1, 253)?;
    app.read(|db| {
        let out = owner_of(db.pools.values(), domain)
            .and_then(|pool| {
                pool.domains
                    .get(domain)
                    .map(|d| domain_description(pool, d))
            })
            .unwrap_or_else(|| json!({}));
        Ok(json!({ "DomainDescription": out }))
    })
}

/// UpdateUserPoolDomain: replaces the certificate of the pool's custom domain.
pub fn update_user_pool_domain(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let domain = params.req_str("Domain")?;
    let pool_id = params.req_str("UserPoolId")?;
    let certificate =
        certificate_of(&params)?.ok_or_else(|| ApiError::missing_member("CustomDomainConfig"))?;
    check_len("domain", domain, 1, 253)?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let entry = pool.domains.get_mut(domain).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "The domain {domain} is not a domain of user pool {pool_id}."
            ))
        })?;
        if entry.certificate_arn.is_none() {
            return Err(ApiError::invalid_parameter(
                "Only the certificate of a custom domain can be updated.",
            ));
        }
        entry.certificate_arn = Some(certificate);
        entry.version = entry.version.saturating_add(1);
        Ok(json!({ "CloudFrontDomain": cloudfront_host(domain) }))
    })
}

/// DeleteUserPoolDomain.
pub fn delete_user_pool_domain(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let domain = params.req_str("Domain")?;
    let pool_id = params.req_str("UserPoolId")?;
    check_len("domain", domain, 1, 253)?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.domains.remove(domain).is_none() {
            return Err(ApiError::invalid_parameter(
                "No such domain or user pool exists.",
            ));
        }
        Ok(json!({}))
    })
}

// ---------------------------------------------------------------------------------------------
// Resource servers
// ---------------------------------------------------------------------------------------------

/// Resource servers a pool may hold (the service's quota).
pub const RESOURCE_SERVERS_PER_POOL: usize = 25;
/// Scopes one resource server may define.
pub const SCOPES_PER_SERVER: usize = 100;

/// `[\x21\x23-\x5B\x5D-\x7E]`: printable ASCII but space, `"` and `\`.
fn identifier_char(c: char) -> bool {
    c.is_ascii_graphic() && c != '"' && c != '\\'
}

fn check_identifier(identifier: &str) -> ApiResult<()> {
    check_len("identifier", identifier, 1, 256)?;
    check_pattern(
        "identifier",
        identifier,
        "[\\x21\\x23-\\x5B\\x5D-\\x7E]+",
        identifier_char,
    )
}

/// `Name` and `Scopes` of a Create/UpdateResourceServer request.
fn server_body(params: &Params) -> ApiResult<(String, Vec<ResourceServerScope>)> {
    let name = params.req_str("Name")?;
    check_len("name", name, 1, 256)?;
    check_pattern("name", name, "[\\w\\s+=,.@-]+", |c| word_char(c, true))?;
    let items = match params.raw("Scopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(ApiError::serialization("Member 'Scopes' must be a list")),
    };
    if items.len() > SCOPES_PER_SERVER {
        return Err(validation(
            "scopes",
            &format!("Member must have length less than or equal to {SCOPES_PER_SERVER}"),
        ));
    }
    let mut scopes: Vec<ResourceServerScope> = Vec::with_capacity(items.len());
    for item in &items {
        let scope = Params::new(item)
            .map_err(|_| ApiError::serialization("Member 'Scopes' must be a list of scopes"))?;
        let scope_name = scope.req_str("ScopeName")?;
        check_len("scopes.member.scopeName", scope_name, 1, 256)?;
        check_pattern(
            "scopes.member.scopeName",
            scope_name,
            "[\\x21\\x23-\\x2E\\x30-\\x5B\\x5D-\\x7E]+",
            |c| identifier_char(c) && c != '/',
        )?;
        let description = scope.req_str("ScopeDescription")?;
        check_len("scopes.member.scopeDescription", description, 1, 256)?;
        if scopes.iter().any(|s| s.scope_name == scope_name) {
            return Err(ApiError::invalid_parameter(format!(
                "The scope {scope_name} is defined more than once."
            )));
        }
        scopes.push(ResourceServerScope {
            scope_name: scope_name.to_string(),
            scope_description: description.to_string(),
        });
    }
    Ok((name.to_string(), scopes))
}

/// `ResourceServerType`.
fn server_type(pool_id: &str, server: &ResourceServer) -> Value {
    json!({
        "UserPoolId": pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": server.scopes,
    })
}

fn server_not_found(identifier: &str) -> ApiError {
    ApiError::resource_not_found(format!("Resource server {identifier} does not exist."))
}

/// CreateResourceServer.
pub fn create_resource_server(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let identifier = params.req_str("Identifier")?;
    check_identifier(identifier)?;
    let (name, scopes) = server_body(&params)?;
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.resource_servers.contains_key(identifier) {
            return Err(ApiError::invalid_parameter(format!(
                "{identifier} already exists in user pool {pool_id}."
            )));
        }
        if pool.resource_servers.len() >= RESOURCE_SERVERS_PER_POOL {
            return Err(ApiError::new(
                "LimitExceededException",
                format!(
                    "A user pool can have at most {RESOURCE_SERVERS_PER_POOL} resource servers."
                ),
            ));
        }
        let server = ResourceServer {
            identifier: identifier.to_string(),
            name,
            scopes,
        };
        let out = server_type(pool_id, &server);
        pool.resource_servers.insert(identifier.to_string(), server);
        Ok(json!({ "ResourceServer": out }))
    })
}

/// DescribeResourceServer.
pub fn describe_resource_server(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let identifier = params.req_str("Identifier")?;
    check_identifier(identifier)?;
    app.read(|db| {
        let server = db
            .pool(pool_id)?
            .resource_servers
            .get(identifier)
            .ok_or_else(|| server_not_found(identifier))?;
        Ok(json!({ "ResourceServer": server_type(pool_id, server) }))
    })
}

/// UpdateResourceServer: like the service, the name and scopes are replaced by the request's
/// (scopes left out are removed).
pub fn update_resource_server(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let identifier = params.req_str("Identifier")?;
    check_identifier(identifier)?;
    let (name, scopes) = server_body(&params)?;
    app.write(|db| {
        let server = db
            .pool_mut(pool_id)?
            .resource_servers
            .get_mut(identifier)
            .ok_or_else(|| server_not_found(identifier))?;
        server.name = name;
        server.scopes = scopes;
        Ok(json!({ "ResourceServer": server_type(pool_id, server) }))
    })
}

/// DeleteResourceServer.
pub fn delete_resource_server(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let identifier = params.req_str("Identifier")?;
    check_identifier(identifier)?;
    app.write(|db| {
        db.pool_mut(pool_id)?
            .resource_servers
            .remove(identifier)
            .ok_or_else(|| server_not_found(identifier))?;
        Ok(json!({}))
    })
}

/// ListResourceServers: `MaxResults` 1–50, in identifier order.
pub fn list_resource_servers(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = max_results(&params, 50, 50)?;
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let servers: Vec<&ResourceServer> = pool.resource_servers.values().collect();
        let scope = format!("ListResourceServers {pool_id}");
        common::page_of(&scope, "ResourceServers", &servers, token, limit, |s| {
            server_type(pool_id, s)
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Identity providers
// ---------------------------------------------------------------------------------------------

/// Identity providers a pool may hold (the service's quota).
pub const PROVIDERS_PER_POOL: usize = 300;
/// Identifiers one provider may carry.
const IDENTIFIERS_PER_PROVIDER: usize = 50;
/// Federated identities linked to one user.
pub const LINKS_PER_USER: usize = 5;

const PROVIDER_TYPES: [&str; 6] = [
    "SAML",
    "Facebook",
    "Google",
    "LoginWithAmazon",
    "SignInWithApple",
    "OIDC",
];

/// The social providers, whose provider name is their type.
fn is_social(provider_type: &str) -> bool {
    matches!(
        provider_type,
        "Facebook" | "Google" | "LoginWithAmazon" | "SignInWithApple"
    )
}

/// `ProviderDetails` keys each type requires.
fn required_details(provider_type: &str) -> &'static [&'static str] {
    match provider_type {
        "Google" | "Facebook" | "LoginWithAmazon" => {
            &["client_id", "client_secret", "authorize_scopes"]
        }
        "SignInWithApple" => &[
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        "OIDC" => &[
            "client_id",
            "client_secret",
            "attributes_request_method",
            "oidc_issuer",
            "authorize_scopes",
        ],
        _ => &[],
    }
}

/// The keys the service adds to a social provider's details (its endpoints).
fn derived_details(
    provider_type: &str,
    details: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = match provider_type {
        "Google" => vec![
            (
                "attributes_url",
                "https://people.googleapis.com/v1/people/me?personFields=".into(),
            ),
            ("attributes_url_add_attributes", "true".into()),
            (
                "authorize_url",
                "https://accounts.google.com/o/oauth2/v2/auth".into(),
            ),
            ("oidc_issuer", "https://accounts.google.com".into()),
            ("token_request_method", "POST".into()),
            (
                "token_url",
                "https://www.googleapis.com/oauth2/v4/token".into(),
            ),
        ],
        "Facebook" => {
            let version = details
                .get("api_version")
                .cloned()
                .unwrap_or_else(|| "v17.0".to_string());
            vec![
                ("api_version", version.clone()),
                (
                    "attributes_url",
                    format!("https://graph.facebook.com/{version}/me?fields="),
                ),
                ("attributes_url_add_attributes", "true".into()),
                (
                    "authorize_url",
                    format!("https://www.facebook.com/{version}/dialog/oauth"),
                ),
                ("token_request_method", "GET".into()),
                (
                    "token_url",
                    format!("https://graph.facebook.com/{version}/oauth/access_token"),
                ),
            ]
        }
        "LoginWithAmazon" => vec![
            (
                "attributes_url",
                "https://api.amazon.com/user/profile".into(),
            ),
            ("attributes_url_add_attributes", "false".into()),
            ("authorize_url", "https://www.amazon.com/ap/oa".into()),
            ("token_request_method", "POST".into()),
            ("token_url", "https://api.amazon.com/auth/o2/token".into()),
        ],
        "SignInWithApple" => vec![
            (
                "authorize_url",
                "https://appleid.apple.com/auth/authorize".into(),
            ),
            ("oidc_issuer", "https://appleid.apple.com".into()),
            ("token_request_method", "POST".into()),
            ("token_url", "https://appleid.apple.com/auth/token".into()),
        ],
        "OIDC" => vec![("attributes_url_add_attributes", "false".into())],
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
}

/// The IdP attribute the pool's `username` comes from when the mapping does not say.
fn default_username_source(provider_type: &str) -> Option<&'static str> {
    match provider_type {
        "Google" | "OIDC" | "SignInWithApple" => Some("sub"),
        "Facebook" => Some("id"),
        "LoginWithAmazon" => Some("user_id"),
        _ => None,
    }
}

/// Validates the details of a type and adds the derived keys.
fn complete_details(
    provider_type: &str,
    mut details: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    if details.len() > 50 {
        return Err(validation(
            "providerDetails",
            "Map must have at most 50 entries",
        ));
    }
    for (key, value) in &details {
        check_len("providerDetails.key", key, 1, 131_072)?;
        check_len("providerDetails.value", value, 0, 131_072)?;
    }
    for key in required_details(provider_type) {
        if details.get(*key).is_none_or(|v| v.trim().is_empty()) {
            return Err(ApiError::invalid_parameter(format!(
                "{key} is required for {provider_type} identity providers."
            )));
        }
    }
    match provider_type {
        "OIDC" => {
            let method = details
                .get("attributes_request_method")
                .map(String::as_str)
                .unwrap_or_default();
            if method != "GET" && method != "POST" {
                return Err(ApiError::invalid_parameter(
                    "attributes_request_method must be GET or POST.",
                ));
            }
            let issuer = details
                .get("oidc_issuer")
                .map(String::as_str)
                .unwrap_or_default();
            // The service takes https only; the emulator also takes http on a loopback name,
            // so a provider can run beside it.
            if !idp::upstream_url_allowed(issuer) {
                return Err(ApiError::invalid_parameter(
                    "oidc_issuer must be an https URL.",
                ));
            }
            for key in ["authorize_url", "token_url", "attributes_url", "jwks_uri"] {
                let url = details.get(key).map(String::as_str).unwrap_or_default();
                if !url.is_empty() && !idp::upstream_url_allowed(url) {
                    return Err(ApiError::invalid_parameter(format!(
                        "{key} must be an https URL."
                    )));
                }
            }
        }
        "SAML" => {
            let url = details.get("MetadataURL").filter(|v| !v.is_empty());
            let file = details.get("MetadataFile").filter(|v| !v.is_empty());
            match (url, file) {
                (None, None) => {
                    return Err(ApiError::invalid_parameter(
                        "MetadataURL or MetadataFile is required for SAML identity providers.",
                    ))
                }
                (Some(_), Some(_)) => {
                    return Err(ApiError::invalid_parameter(
                        "Give either MetadataURL or MetadataFile, not both.",
                    ))
                }
                (Some(url), None)
                    if !url.starts_with("https://") && !url.starts_with("http://") =>
                {
                    return Err(ApiError::invalid_parameter("MetadataURL must be a URL."));
                }
                _ => {}
            }
            for flag in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
                if details
                    .get(flag)
                    .is_some_and(|v| v != "true" && v != "false")
                {
                    return Err(ApiError::invalid_parameter(format!(
                        "{flag} must be true or false."
                    )));
                }
            }
        }
        _ => {}
    }
    for (key, value) in derived_details(provider_type, &details) {
        details.entry(key).or_insert(value);
    }
    Ok(details)
}

/// Checks an `AttributeMapping` against the pool's attributes and adds the default `username`.
fn complete_mapping(
    pool: &Pool,
    provider_type: &str,
    mut mapping: BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, String>> {
    if mapping.len() > 50 {
        return Err(validation(
            "attributeMapping",
            "Map must have at most 50 entries",
        ));
    }
    let custom = common::custom_attributes(pool);
    for (attribute, source) in &mapping {
        check_len("attributeMapping.key", attribute, 1, 32)?;
        check_len("attributeMapping.value", source, 0, 131_072)?;
        let known = attribute == "username"
            || (attribute != "sub" && common::STANDARD_ATTRIBUTES.contains(&attribute.as_str()))
            || custom.contains(attribute);
        if !known {
            return Err(ApiError::invalid_parameter(format!(
                "The attribute {attribute} is not an attribute of user pool {}.",
                pool.id
            )));
        }
    }
    if let Some(source) = default_username_source(provider_type) {
        mapping
            .entry("username".to_string())
            .or_insert_with(|| source.to_string());
    }
    Ok(mapping)
}

/// Checks `IdpIdentifiers`: at most 50, each 1–40 of `[\w\s+=.@-]`, no repeats.
fn check_identifiers(identifiers: &[String]) -> ApiResult<()> {
    if identifiers.len() > IDENTIFIERS_PER_PROVIDER {
        return Err(validation(
            "idpIdentifiers",
            &format!("Member must have length less than or equal to {IDENTIFIERS_PER_PROVIDER}"),
        ));
    }
    for (index, identifier) in identifiers.iter().enumerate() {
        check_len("idpIdentifiers.member", identifier, 1, 40)?;
        check_pattern("idpIdentifiers.member", identifier, "[\\w\\s+=.@-]+", |c| {
            word_char(c, false)
        })?;
        if identifiers
            .get(..index)
            .unwrap_or_default()
            .contains(identifier)
        {
            return Err(ApiError::invalid_parameter(format!(
                "The identifier {identifier} is listed more than once."
            )));
        }
    }
    Ok(())
}

/// An identifier of `identifiers` another provider of the pool already uses.
fn identifier_conflict(pool: &Pool, provider_name: &str, identifiers: &[String]) -> ApiResult<()> {
    for provider in pool.identity_providers.values() {
        if provider.provider_name == provider_name {
            continue;
        }
        if let Some(taken) = identifiers
            .iter()
            .find(|i| provider.idp_identifiers.contains(i))
        {
            return Err(ApiError::new(
                "DuplicateProviderException",
                format!("The identifier {taken} is already used by another identity provider."),
            ));
        }
    }
    Ok(())
}

/// `ProviderName`: 1–32 characters of `[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+`.
fn check_provider_name(name: &str) -> ApiResult<()> {
    check_len("providerName", name, 1, 32)?;
    let valid = name.chars().count() >= 3
        && name
            .chars()
            .enumerate()
            .all(|(index, c)| !c.is_whitespace() && !c.is_control() && (index == 1 || c != '_'));
    if valid {
        Ok(())
    } else {
        Err(validation(
            "providerName",
            "Member must satisfy regular expression pattern: [^_\\p{Z}][\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}][^_\\p{Z}]+",
        ))
    }
}

/// `IdentityProviderType`.
fn provider_type_json(pool_id: &str, provider: &IdentityProvider) -> Value {
    json!({
        "UserPoolId": pool_id,
        "ProviderName": provider.provider_name,
        "ProviderType": provider.provider_type,
        "ProviderDetails": provider.provider_details,
        "AttributeMapping": provider.attribute_mapping,
        "IdpIdentifiers": provider.idp_identifiers,
        "LastModifiedDate": date(provider.last_modified),
        "CreationDate": date(provider.created),
    })
}

fn provider_not_found(name: &str) -> ApiError {
    ApiError::resource_not_found(format!("Identity provider {name} does not exist."))
}

/// CreateIdentityProvider.
pub fn create_identity_provider(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let name = params.req_str("ProviderName")?;
    check_provider_name(name)?;
    let provider_type = params.req_str("ProviderType")?;
    if !PROVIDER_TYPES.contains(&provider_type) {
        return Err(validation(
            "providerType",
            "Member must satisfy enum value set: [SAML, Facebook, Google, LoginWithAmazon, SignInWithApple, OIDC]",
        ));
    }
    if name.eq_ignore_ascii_case("Cognito") {
        return Err(ApiError::invalid_parameter(
            "Cognito is a reserved provider name.",
        ));
    }
    if is_social(provider_type) && name != provider_type {
        return Err(ApiError::invalid_parameter(format!(
            "The provider name of a {provider_type} identity provider must be {provider_type}."
        )));
    }
    if !is_social(provider_type) && PROVIDER_TYPES.iter().any(|t| is_social(t) && *t == name) {
        return Err(ApiError::invalid_parameter(format!(
            "{name} is reserved for the {name} identity provider type."
        )));
    }
    if params.raw("ProviderDetails").is_none() {
        return Err(ApiError::missing_member("ProviderDetails"));
    }
    let details = complete_details(provider_type, params.opt_str_map("ProviderDetails")?)?;
    let mapping = params.opt_str_map("AttributeMapping")?;
    let identifiers = params.opt_str_list("IdpIdentifiers")?.unwrap_or_default();
    check_identifiers(&identifiers)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        if pool.identity_providers.contains_key(name) {
            return Err(ApiError::new(
                "DuplicateProviderException",
                format!("A provider with the name {name} already exists in this user pool."),
            ));
        }
        identifier_conflict(pool, name, &identifiers)?;
        if pool.identity_providers.len() >= PROVIDERS_PER_POOL {
            return Err(ApiError::new(
                "LimitExceededException",
                format!("A user pool can have at most {PROVIDERS_PER_POOL} identity providers."),
            ));
        }
        let provider = IdentityProvider {
            provider_name: name.to_string(),
            provider_type: provider_type.to_string(),
            provider_details: details,
            attribute_mapping: complete_mapping(pool, provider_type, mapping)?,
            idp_identifiers: identifiers,
            created: now,
            last_modified: now,
        };
        let out = provider_type_json(pool_id, &provider);
        pool.identity_providers.insert(name.to_string(), provider);
        Ok(json!({ "IdentityProvider": out }))
    })
}

/// DescribeIdentityProvider.
pub fn describe_identity_provider(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let name = params.req_str("ProviderName")?;
    check_len("providerName", name, 1, 32)?;
    app.read(|db| {
        let provider = db
            .pool(pool_id)?
            .identity_providers
            .get(name)
            .ok_or_else(|| provider_not_found(name))?;
        Ok(json!({ "IdentityProvider": provider_type_json(pool_id, provider) }))
    })
}

/// GetIdentityProviderByIdentifier.
pub fn get_identity_provider_by_identifier(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let identifier = params.req_str("IdpIdentifier")?;
    check_len("idpIdentifier", identifier, 1, 40)?;
    app.read(|db| {
        let provider = db
            .pool(pool_id)?
            .identity_providers
            .values()
            .find(|p| p.idp_identifiers.iter().any(|i| i == identifier))
            .ok_or_else(|| {
                ApiError::resource_not_found(format!(
                    "Identity provider with identifier {identifier} does not exist."
                ))
            })?;
        Ok(json!({ "IdentityProvider": provider_type_json(pool_id, provider) }))
    })
}

/// UpdateIdentityProvider: the given `ProviderDetails` keys replace the stored ones (the
/// result must still hold the type's required keys); `AttributeMapping` and `IdpIdentifiers`,
/// when given, replace the stored ones.
pub fn update_identity_provider(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let name = params.req_str("ProviderName")?;
    check_len("providerName", name, 1, 32)?;
    let details = params
        .raw("ProviderDetails")
        .map(|_| params.opt_str_map("ProviderDetails"))
        .transpose()?;
    let mapping = params
        .raw("AttributeMapping")
        .map(|_| params.opt_str_map("AttributeMapping"))
        .transpose()?;
    let identifiers = params.opt_str_list("IdpIdentifiers")?;
    if let Some(identifiers) = &identifiers {
        check_identifiers(identifiers)?;
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let existing = pool
            .identity_providers
            .get(name)
            .ok_or_else(|| provider_not_found(name))?
            .clone();
        let mut provider = existing;
        if let Some(details) = details {
            let mut merged = provider.provider_details.clone();
            if provider.provider_type == "SAML"
                && (details.contains_key("MetadataURL") || details.contains_key("MetadataFile"))
            {
                merged.remove("MetadataURL");
                merged.remove("MetadataFile");
            }
            merged.extend(details);
            provider.provider_details = complete_details(&provider.provider_type, merged)?;
        }
        if let Some(mapping) = mapping {
            provider.attribute_mapping = complete_mapping(pool, &provider.provider_type, mapping)?;
        }
        if let Some(identifiers) = identifiers {
            identifier_conflict(pool, name, &identifiers)?;
            provider.idp_identifiers = identifiers;
        }
        provider.last_modified = now;
        let out = provider_type_json(pool_id, &provider);
        pool.identity_providers.insert(name.to_string(), provider);
        Ok(json!({ "IdentityProvider": out }))
    })
}

/// DeleteIdentityProvider: the provider's links to native users go with it.
pub fn delete_identity_provider(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let name = params.req_str("ProviderName")?;
    check_len("providerName", name, 1, 32)?;
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        pool.identity_providers
            .remove(name)
            .ok_or_else(|| provider_not_found(name))?;
        let mut touched = Vec::new();
        pool.provider_links.retain(|_, link| {
            let keep = link.provider_name != name;
            if !keep {
                touched.push(link.username.clone());
            }
            keep
        });
        for username in touched {
            refresh_identities(pool, &username, now);
        }
        Ok(json!({}))
    })
}

/// ListIdentityProviders: `MaxResults` 1–60, in name order.
pub fn list_identity_providers(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let limit = max_results(&params, 60, 60)?;
    let token = params.opt_str("NextToken")?;
    app.read(|db| {
        let pool = db.pool(pool_id)?;
        let providers: Vec<&IdentityProvider> = pool.identity_providers.values().collect();
        let scope = format!("ListIdentityProviders {pool_id}");
        common::page_of(&scope, "Providers", &providers, token, limit, |p| {
            json!({
                "ProviderName": p.provider_name,
                "ProviderType": p.provider_type,
                "LastModifiedDate": date(p.last_modified),
                "CreationDate": date(p.created),
            })
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Provider links
// ---------------------------------------------------------------------------------------------

/// The name native users go by in the link operations.
const COGNITO: &str = "Cognito";
/// The attribute name meaning "the identity's subject".
const COGNITO_SUBJECT: &str = "Cognito_Subject";

/// `ProviderName`, `ProviderAttributeName` and `ProviderAttributeValue` of a `ProviderUserIdentifierType`.
struct ProviderUser {
    name: String,
    attribute_name: Option<String>,
    value: String,
}

fn provider_user(params: &Params, member: &str) -> ApiResult<ProviderUser> {
    let user = params
        .opt_object(member)?
        .ok_or_else(|| ApiError::missing_member(member))?;
    let name = user
        .opt_str("ProviderName")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing_member(&format!("{member}.ProviderName")))?;
    check_len("providerName", name, 1, 32)?;
    let attribute_name = user.opt_str("ProviderAttributeName")?;
    if let Some(attribute) = attribute_name {
        check_len("providerAttributeName", attribute, 0, 2048)?;
    }
    let value = user
        .opt_str("ProviderAttributeValue")?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing_member(&format!("{member}.ProviderAttributeValue")))?;
    check_len("providerAttributeValue", value, 1, 2048)?;
    Ok(ProviderUser {
        name: name.to_string(),
        attribute_name: attribute_name.map(str::to_string),
        value: value.to_string(),
    })
}

/// Whether a stored link still belongs to the user it was made for (a deleted user's links,
/// or a later user of the same name, do not count).
fn link_is_live(pool: &Pool, link: &ProviderLink) -> bool {
    pool.users
        .get(&link.username)
        .is_some_and(|user| user.sub == link.sub)
}

/// Rewrites a user's `identities` attribute from its live links (removed when none are left).
fn refresh_identities(pool: &mut Pool, username: &str, now: i64) {
    let Some(sub) = pool.users.get(username).map(|u| u.sub.clone()) else {
        return;
    };
    let identities: Vec<Value> = pool
        .provider_links
        .values()
        .filter(|link| link.username == username && link.sub == sub)
        .map(|link| {
            json!({
                "userId": link.attribute_value,
                "providerName": link.provider_name,
                "providerType": link.provider_type,
                "issuer": null,
                "primary": false,
                "dateCreated": link.created.saturating_mul(1000),
            })
        })
        .collect();
    let Some(user) = pool.users.get_mut(username) else {
        return;
    };
    if identities.is_empty() {
        user.attributes.remove("identities");
    } else {
        user.attributes.insert(
            "identities".to_string(),
            Value::Array(identities).to_string(),
        );
    }
    user.last_modified = now;
}

/// AdminLinkProviderForUser: links a federated identity of one of the pool's providers to an
/// existing native user (`DestinationUser.ProviderName` = `Cognito`, its value the username).
pub fn admin_link_provider_for_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let destination = provider_user(&params, "DestinationUser")?;
    let source = provider_user(&params, "SourceUser")?;
    if destination.name != COGNITO {
        return Err(ApiError::invalid_parameter(
            "DestinationUser must be a user of the user pool: its ProviderName must be Cognito.",
        ));
    }
    if source.name == COGNITO {
        return Err(ApiError::invalid_parameter(
            "SourceUser must be a federated identity, not a Cognito user.",
        ));
    }
    let attribute_name = source.attribute_name.clone().unwrap_or_default();
    if attribute_name.is_empty() {
        return Err(ApiError::missing_member("SourceUser.ProviderAttributeName"));
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let provider_type = pool
            .identity_providers
            .get(&source.name)
            .map(|p| p.provider_type.clone())
            .ok_or_else(|| provider_not_found(&source.name))?;
        if is_social(&provider_type) && attribute_name != COGNITO_SUBJECT {
            return Err(ApiError::invalid_parameter(format!(
                "The ProviderAttributeName of a {provider_type} SourceUser must be {COGNITO_SUBJECT}."
            )));
        }
        let username = pool
            .find_username(&destination.value)
            .ok_or_else(ApiError::user_not_found)?;
        // Links of deleted users go now, so they do not pile up.
        let users = &pool.users;
        pool.provider_links.retain(|_, link| {
            users
                .get(&link.username)
                .is_some_and(|user| user.sub == link.sub)
        });
        let sub = pool.user(&username)?.sub.clone();
        let key = ProviderLink::key(&source.name, &source.value);
        if let Some(existing) = pool.provider_links.get(&key) {
            if link_is_live(pool, existing) {
                if existing.username == username {
                    return Ok(json!({}));
                }
                return Err(ApiError::new(
                    "AliasExistsException",
                    "The SourceUser is already linked to another user.",
                ));
            }
        }
        let linked = pool
            .provider_links
            .values()
            .filter(|link| link.username == username && link.sub == sub)
            .count();
        if linked >= LINKS_PER_USER {
            return Err(ApiError::new(
                "LimitExceededException",
                format!("A user can have at most {LINKS_PER_USER} linked identities."),
            ));
        }
        pool.provider_links.insert(
            key,
            ProviderLink {
                provider_name: source.name.clone(),
                provider_type,
                attribute_name: attribute_name.clone(),
                attribute_value: source.value.clone(),
                username: username.clone(),
                sub,
                created: now,
            },
        );
        refresh_identities(pool, &username, now);
        Ok(json!({}))
    })
}

/// AdminDisableProviderForUser: for `Cognito` / `Cognito_Subject` / username, the native user is
/// disabled (it can no longer sign in with its password); for a provider's identity, its link
/// to a native user is removed.
pub fn admin_disable_provider_for_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let pool_id = params.req_str("UserPoolId")?;
    let user = provider_user(&params, "User")?;
    let attribute_name = user.attribute_name.clone().unwrap_or_default();
    if user.name == COGNITO {
        if attribute_name != COGNITO_SUBJECT {
            return Err(ApiError::invalid_parameter(
                "To disable a Cognito user, ProviderAttributeName must be Cognito_Subject.",
            ));
        }
        app.read(|db| db.pool(pool_id).map(|_| ()))?;
        // The same checks as AdminDisableUser's request: the user name is one.
        Params::new(&json!({ "UserPoolId": pool_id, "Username": user.value }))?
            .req_str("Username")?;
        let now = app.now();
        return app.write(|db| {
            let pool = db.pool_mut(pool_id)?;
            let username = users::lookup(pool, &user.value)?;
            users::set_enabled(pool, &username, false, now)?;
            Ok(json!({}))
        });
    }
    let now = app.now();
    app.write(|db| {
        let pool = db.pool_mut(pool_id)?;
        let provider_type = pool
            .identity_providers
            .get(&user.name)
            .map(|p| p.provider_type.clone())
            .ok_or_else(|| provider_not_found(&user.name))?;
        if is_social(&provider_type) && attribute_name != COGNITO_SUBJECT {
            return Err(ApiError::invalid_parameter(format!(
                "The ProviderAttributeName of a {provider_type} user must be {COGNITO_SUBJECT}."
            )));
        }
        let key = ProviderLink::key(&user.name, &user.value);
        let link = pool
            .provider_links
            .get(&key)
            .filter(|link| link_is_live(pool, link))
            .filter(|link| {
                attribute_name == COGNITO_SUBJECT || link.attribute_name == attribute_name
            })
            .cloned()
            .ok_or_else(ApiError::user_not_found)?;
        pool.provider_links.remove(&key);
        refresh_identities(pool, &link.username, now);
        Ok(json!({}))
    })
}
