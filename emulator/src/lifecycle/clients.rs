//! App-client configuration beyond the token settings: the OAuth members (callback and logout
//! URLs, flows, scopes, identity providers), analytics, readable/writable attributes.

use super::common::{self, STANDARD_ATTRIBUTES};
use crate::error::{ApiError, ApiResult};
use crate::model::{AppClient, Pool};
use crate::params::Params;

/// URLs per list (CallbackURLs, LogoutURLs).
const URLS_MAX: usize = 100;
/// Longest URL.
const URL_MAX: usize = 1024;
/// Scopes per client.
const SCOPES_MAX: usize = 50;
/// Identity providers per client.
const PROVIDERS_MAX: usize = 50;
const OAUTH_FLOWS: &[&str] = &["code", "implicit", "client_credentials"];
/// The scopes the service defines; anything else must be a resource server's `id/scope`.
const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_parameter(message)
}

/// An InvalidParameterException for a member failing a constraint.
pub fn validation(member: &str, constraint: &str) -> ApiError {
    invalid(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
    ))
}

/// `localhost` or a loopback IP literal (`127.0.0.1`, `[::1]` as `Uri::host` gives it).
fn is_loopback_host(host: &str) -> bool {
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host == "localhost"
        || literal
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A redirect URL the service accepts: absolute, no fragment, HTTPS — or plain HTTP to
/// `localhost` only — or an app scheme such as `myapp://callback`.
fn check_url(url: &str, what: &str) -> ApiResult<()> {
    let length = url.chars().count();
    if length == 0 || length > URL_MAX {
        return Err(validation(
            what,
            &format!("Member must have length between 1 and {URL_MAX}"),
        ));
    }
    let bad = || invalid(format!("Invalid {what} URL: {url}"));
    if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let parsed: hyper::Uri = url.parse().map_err(|_| bad())?;
    let scheme = parsed.scheme_str().ok_or_else(bad)?.to_ascii_lowercase();
    let host = parsed.host().unwrap_or_default().to_ascii_lowercase();
    if host.is_empty() && (scheme == "https" || scheme == "http") {
        return Err(bad());
    }
    match scheme.as_str() {
        "https" => {}
        // Plain HTTP to this machine only: `localhost` and, as the service accepts since
        // August 2025, loopback IP literals (`127.0.0.1`, `[::1]`; RFC 8252 §7.3 for native
        // apps).
        "http" if !is_loopback_host(&host) => {
            return Err(invalid(format!(
                "{what} URL {url} must use HTTPS, except http://localhost for testing."
            )));
        }
        // App schemes (myapp://...) are allowed; script-like ones never.
        "javascript" | "data" | "file" | "vbscript" => return Err(bad()),
        _ => {}
    }
    Ok(())
}

fn url_list(params: &Params<'_>, key: &str, what: &str) -> ApiResult<Option<Vec<String>>> {
    let Some(urls) = params.opt_str_list(key)? else {
        return Ok(None);
    };
    if urls.len() > URLS_MAX {
        return Err(validation(
            what,
            &format!("Member must have length less than or equal to {URLS_MAX}"),
        ));
    }
    for url in &urls {
        check_url(url, what)?;
    }
    Ok(Some(dedup(urls)))
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Whether `name` is an attribute of the pool (standard or declared custom).
fn known_attribute(pool: &Pool, name: &str) -> bool {
    STANDARD_ATTRIBUTES.contains(&name) || common::custom_attributes(pool).iter().any(|c| c == name)
}

/// Reads and checks the members of CreateUserPoolClient / UpdateUserPoolClient that are not
/// about tokens, and sets them on `client` (whose secret is already decided).
pub fn apply_settings(pool: &Pool, params: &Params<'_>, client: &mut AppClient) -> ApiResult<()> {
    let name = &client.client_name;
    let name_ok = (1..=128).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c));
    if !name_ok {
        return Err(validation(
            "clientName",
            "Member must have length between 1 and 128 and satisfy regular expression pattern: [\\w\\s+=,.@-]+",
        ));
    }
    let read = params.opt_str_list("ReadAttributes")?;
    if let Some(read) = &read {
        if read.iter().any(|name| !known_attribute(pool, name)) {
            return Err(invalid(
                "Invalid read attributes specified while creating a client",
            ));
        }
    }
    let write = params.opt_str_list("WriteAttributes")?;
    if let Some(write) = &write {
        if write
            .iter()
            .any(|name| name == "sub" || !known_attribute(pool, name))
        {
            return Err(invalid(
                "Invalid write attributes specified while creating a client",
            ));
        }
    }
    client.read_attributes = read.map(dedup);
    client.write_attributes = write.map(dedup);

    let providers = params.opt_str_list("SupportedIdentityProviders")?;
    if let Some(providers) = &providers {
        if providers.len() > PROVIDERS_MAX {
            return Err(validation(
                "supportedIdentityProviders",
                &format!("Member must have length less than or equal to {PROVIDERS_MAX}"),
            ));
        }
        if providers
            .iter()
            .any(|p| !(1..=32).contains(&p.chars().count()))
        {
            return Err(validation(
                "supportedIdentityProviders",
                "Member must have length between 1 and 32",
            ));
        }
        // The pool's own users (`COGNITO`) or one of its identity providers.
        if let Some(unknown) = providers
            .iter()
            .find(|p| *p != "COGNITO" && !pool.identity_providers.contains_key(*p))
        {
            return Err(invalid(format!(
                "The provider {unknown} does not exist for User Pool {}",
                pool.id
            )));
        }
    }
    let callbacks = url_list(params, "CallbackURLs", "callbackURLs")?;
    let logouts = url_list(params, "LogoutURLs", "logoutURLs")?;
    let default_redirect = params.opt_str("DefaultRedirectURI")?.map(str::to_string);
    if let Some(uri) = &default_redirect {
        check_url(uri, "defaultRedirectURI")?;
        if !callbacks.as_ref().is_some_and(|list| list.contains(uri)) {
            return Err(invalid(
                "DefaultRedirectURI must be one of the CallbackURLs.",
            ));
        }
    }
    let flows = params.opt_str_list("AllowedOAuthFlows")?.map(dedup);
    if let Some(flows) = &flows {
        if let Some(bad) = flows.iter().find(|f| !OAUTH_FLOWS.contains(&f.as_str())) {
            return Err(invalid(format!(
                "1 validation error detected: Value '[{bad}]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [implicit, client_credentials, code]"
            )));
        }
        let credentials = flows.iter().any(|f| f == "client_credentials");
        if credentials && flows.len() > 1 {
            return Err(invalid(
                "client_credentials flow can not be selected along with code flow or implicit flow.",
            ));
        }
        if credentials && client.client_secret.is_none() {
            return Err(invalid(
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
    }
    let scopes = params.opt_str_list("AllowedOAuthScopes")?.map(dedup);
    if let Some(scopes) = &scopes {
        if scopes.len() > SCOPES_MAX {
            return Err(validation(
                "allowedOAuthScopes",
                &format!("Member must have length less than or equal to {SCOPES_MAX}"),
            ));
        }
        for scope in scopes {
            let well_formed = (1..=256).contains(&scope.chars().count())
                && scope
                    .chars()
                    .all(|c| c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c));
            // A custom scope is one that a resource server of the pool defines.
            let known = STANDARD_SCOPES.contains(&scope.as_str())
                || scope.rsplit_once('/').is_some_and(|(server, name)| {
                    pool.resource_servers
                        .get(server)
                        .is_some_and(|s| s.scopes.iter().any(|d| d.scope_name == name))
                });
            if !well_formed || !known {
                return Err(invalid(format!("Invalid scope requested: {scope}")));
            }
        }
    }
    let oauth_enabled = params
        .opt_bool("AllowedOAuthFlowsUserPoolClient")?
        .unwrap_or(false);
    if oauth_enabled {
        let has_flows = flows.as_ref().is_some_and(|f| !f.is_empty());
        let has_scopes = scopes.as_ref().is_some_and(|s| !s.is_empty());
        if !has_flows || !has_scopes {
            return Err(invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        let redirects = flows
            .as_ref()
            .is_some_and(|f| f.iter().any(|flow| flow == "code" || flow == "implicit"));
        if redirects && callbacks.as_ref().is_none_or(Vec::is_empty) {
            return Err(invalid(
                "CallbackURLs can not be empty when the code or implicit flow is allowed.",
            ));
        }
    }
    let analytics = match params.opt_object("AnalyticsConfiguration")? {
        None => None,
        Some(config) => {
            let id = config.opt_str("ApplicationId")?;
            let arn = config.opt_str("ApplicationArn")?;
            let role = config.opt_str("RoleArn")?;
            let external = config.opt_str("ExternalId")?;
            config.opt_bool("UserDataShared")?;
            if id.is_none() && arn.is_none() {
                return Err(invalid(
                    "AnalyticsConfiguration needs an ApplicationId or an ApplicationArn.",
                ));
            }
            if id.is_some() && (role.is_none() || external.is_none()) {
                return Err(invalid(
                    "AnalyticsConfiguration with an ApplicationId needs a RoleArn and an ExternalId.",
                ));
            }
            if id.is_some_and(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit())) {
                return Err(validation(
                    "analyticsConfiguration.applicationId",
                    "Member must satisfy regular expression pattern: ^[0-9a-fA-F]+$",
                ));
            }
            for (member, value) in [("applicationArn", arn), ("roleArn", role)] {
                if value.is_some_and(|v| !(20..=2048).contains(&v.chars().count())) {
                    return Err(validation(
                        &format!("analyticsConfiguration.{member}"),
                        "Member must have length between 20 and 2048",
                    ));
                }
            }
            params.raw("AnalyticsConfiguration").cloned()
        }
    };
    let propagate = params
        .opt_bool("EnablePropagateAdditionalUserContextData")?
        .unwrap_or(false);
    if propagate && client.client_secret.is_none() {
        return Err(invalid(
            "EnablePropagateAdditionalUserContextData can only be enabled for clients with a client secret.",
        ));
    }
    client.supported_identity_providers = providers.map(dedup);
    client.callback_urls = callbacks;
    client.logout_urls = logouts;
    client.default_redirect_uri = default_redirect;
    client.allowed_oauth_flows = flows;
    client.allowed_oauth_scopes = scopes;
    client.allowed_oauth_flows_user_pool_client = oauth_enabled;
    client.analytics_configuration = analytics;
    client.enable_propagate_additional_user_context_data = propagate;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_follow_the_service_rules() {
        for good in [
            "https://example.com/callback",
            "http://localhost:3000/cb",
            "http://localhost",
            "http://127.0.0.1:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
            "myapp://callback",
        ] {
            assert!(check_url(good, "callbackURLs").is_ok(), "{good}");
        }
        for bad in [
            "http://example.com/cb",
            "http://127.0.0.1.nip.io/cb",
            "http://10.0.0.1/cb",
            "http://[::2]/cb",
            "http://localhost.example.com/cb",
            "https://example.com/#frag",
            "not a url",
            "/relative",
            "",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad, "callbackURLs").is_err(), "{bad}");
        }
    }
}
