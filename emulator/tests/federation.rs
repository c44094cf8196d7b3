//! Federation (issue #15): user pool domains, resource servers, identity providers and the
//! links of federated identities to native users, with the reference's rules and exceptions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine as _;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";
const CERT: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const CERT2: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/66666666-2222-3333-4444-555555555555";

async fn second_pool(server: &RunningServer) -> String {
    let created = admin(server, "CreateUserPool", json!({ "PoolName": "second" }))
        .await
        .unwrap();
    created["UserPool"]["Id"].as_str().unwrap().to_string()
}

async fn describe_pool(server: &RunningServer) -> Value {
    admin(server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap()["UserPool"]
        .clone()
}

async fn describe_domain(server: &RunningServer, domain: &str) -> Value {
    admin(
        server,
        "DescribeUserPoolDomain",
        json!({ "Domain": domain }),
    )
    .await
    .unwrap()["DomainDescription"]
        .clone()
}

// --------------------------------------------------------------------------------------------
// Domains
// --------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_prefix_domain_is_created_described_and_deleted() {
    let server = start_with(basic_config()).await;
    let created = admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "my-app-login" }),
    )
    .await
    .unwrap();
    assert!(created.get("CloudFrontDomain").is_none(), "{created}");
    let description = describe_domain(&server, "my-app-login").await;
    assert_eq!(description["UserPoolId"], POOL);
    assert_eq!(description["AWSAccountId"], "123456789012");
    assert_eq!(description["Domain"], "my-app-login");
    assert_eq!(description["Status"], "ACTIVE");
    assert_eq!(description["S3Bucket"], "aws-cognito-prod-us-east-1-assets");
    assert!(description["CloudFrontDistribution"]
        .as_str()
        .unwrap()
        .ends_with(".cloudfront.net"));
    assert_eq!(description["Version"].as_str().unwrap().len(), 14);
    assert!(description.get("CustomDomainConfig").is_none());
    assert_eq!(describe_pool(&server).await["Domain"], "my-app-login");

    // One prefix domain per pool.
    let second = admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "other-login" }),
    )
    .await;
    assert_eq!(code(second), "InvalidParameterException");

    admin(
        &server,
        "DeleteUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "my-app-login" }),
    )
    .await
    .unwrap();
    assert_eq!(describe_domain(&server, "my-app-login").await, json!({}));
    assert!(describe_pool(&server).await.get("Domain").is_none());
    let again = admin(
        &server,
        "DeleteUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "my-app-login" }),
    )
    .await;
    assert_eq!(code(again), "InvalidParameterException");
}

#[tokio::test]
async fn a_domain_belongs_to_one_pool() {
    let server = start_with(basic_config()).await;
    let other = second_pool(&server).await;
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "shared-name" }),
    )
    .await
    .unwrap();
    let taken = admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": other, "Domain": "shared-name" }),
    )
    .await;
    assert_eq!(code(taken), "InvalidParameterException");
    // Another pool cannot delete it either.
    let foreign_delete = admin(
        &server,
        "DeleteUserPoolDomain",
        json!({ "UserPoolId": other, "Domain": "shared-name" }),
    )
    .await;
    assert_eq!(code(foreign_delete), "InvalidParameterException");
    assert_eq!(
        describe_domain(&server, "shared-name").await["UserPoolId"],
        POOL
    );
}

#[tokio::test]
async fn prefix_domains_follow_the_naming_rules() {
    let server = start_with(basic_config()).await;
    let long = "a".repeat(64);
    for bad in [
        "Upper",
        "-leading",
        "trailing-",
        "under_score",
        "has.dot",
        long.as_str(),
        "my-aws-login",
        "amazonian",
        "cognito-app",
    ] {
        let result = admin(
            &server,
            "CreateUserPoolDomain",
            json!({ "UserPoolId": POOL, "Domain": bad }),
        )
        .await;
        assert_eq!(code(result), "InvalidParameterException", "{bad}");
    }
    let reserved = admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "my-cognito" }),
    )
    .await;
    assert!(reserved.unwrap_err().1.contains("reserved word: cognito"));
    for (body, expected) in [
        (json!({ "UserPoolId": POOL }), "InvalidParameterException"),
        (json!({ "Domain": "ok-name" }), "InvalidParameterException"),
        (
            json!({ "UserPoolId": POOL, "Domain": 7 }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "Domain": "ok-name" }),
            "ResourceNotFoundException",
        ),
    ] {
        let result = admin(&server, "CreateUserPoolDomain", body.clone()).await;
        assert_eq!(code(result), expected, "{body}");
    }
    // The longest valid prefix works.
    let max = "b".repeat(63);
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": max }),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_custom_domain_carries_its_certificate_and_can_get_a_new_one() {
    let server = start_with(basic_config()).await;
    let created = admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "auth.example.com",
                "CustomDomainConfig": { "CertificateArn": CERT } }),
    )
    .await
    .unwrap();
    let cloudfront = created["CloudFrontDomain"].as_str().unwrap().to_string();
    assert!(cloudfront.ends_with(".cloudfront.net"));
    let description = describe_domain(&server, "auth.example.com").await;
    assert_eq!(description["CustomDomainConfig"]["CertificateArn"], CERT);
    assert_eq!(
        describe_pool(&server).await["CustomDomain"],
        "auth.example.com"
    );

    // A prefix domain may sit beside it.
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "prefix-too" }),
    )
    .await
    .unwrap();
    let pool = describe_pool(&server).await;
    assert_eq!(pool["Domain"], "prefix-too");
    assert_eq!(pool["CustomDomain"], "auth.example.com");

    let updated = admin(
        &server,
        "UpdateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "auth.example.com",
                "CustomDomainConfig": { "CertificateArn": CERT2 } }),
    )
    .await
    .unwrap();
    assert_eq!(updated["CloudFrontDomain"], cloudfront);
    let after = describe_domain(&server, "auth.example.com").await;
    assert_eq!(after["CustomDomainConfig"]["CertificateArn"], CERT2);
    assert_ne!(after["Version"], description["Version"]);

    // A prefix domain has no certificate to update.
    let prefix_update = admin(
        &server,
        "UpdateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "prefix-too",
                "CustomDomainConfig": { "CertificateArn": CERT2 } }),
    )
    .await;
    assert_eq!(code(prefix_update), "InvalidParameterException");
    let missing_config = admin(
        &server,
        "UpdateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "auth.example.com" }),
    )
    .await;
    assert_eq!(code(missing_config), "InvalidParameterException");
}

#[tokio::test]
async fn custom_domains_need_a_valid_name_and_certificate() {
    let server = start_with(basic_config()).await;
    for config in [
        json!({}),
        json!({ "CertificateArn": "not-an-arn-at-all-really" }),
        json!({ "CertificateArn": "arn:aws:iam::123456789012:role/not-a-certificate" }),
        json!({ "CertificateArn": 5 }),
    ] {
        let result = admin(
            &server,
            "CreateUserPoolDomain",
            json!({ "UserPoolId": POOL, "Domain": "auth.example.com", "CustomDomainConfig": config }),
        )
        .await;
        let error = code(result);
        assert!(
            error == "InvalidParameterException" || error == "SerializationException",
            "{config}: {error}"
        );
    }
    for bad in [
        "auth",
        "Auth.Example.com",
        "auth..example.com",
        "-a.example.com",
    ] {
        let result = admin(
            &server,
            "CreateUserPoolDomain",
            json!({ "UserPoolId": POOL, "Domain": bad,
                    "CustomDomainConfig": { "CertificateArn": CERT } }),
        )
        .await;
        assert_eq!(code(result), "InvalidParameterException", "{bad}");
    }
    // A custom domain may contain the words a prefix may not.
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "cognito.example.com",
                "CustomDomainConfig": { "CertificateArn": CERT } }),
    )
    .await
    .unwrap();
}

// --------------------------------------------------------------------------------------------
// Resource servers
// --------------------------------------------------------------------------------------------

fn scopes(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({ "ScopeName": n, "ScopeDescription": format!("{n} access") }))
            .collect(),
    )
}

#[tokio::test]
async fn resource_servers_are_created_read_updated_listed_and_deleted() {
    let server = start_with(basic_config()).await;
    let created = admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "https://api.example.com", "Name": "API",
                "Scopes": scopes(&["read", "write"]) }),
    )
    .await
    .unwrap();
    assert_eq!(
        created["ResourceServer"],
        json!({ "UserPoolId": POOL, "Identifier": "https://api.example.com", "Name": "API",
                "Scopes": scopes(&["read", "write"]) })
    );
    let described = admin(
        &server,
        "DescribeResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "https://api.example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(described, created);

    let updated = admin(
        &server,
        "UpdateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "https://api.example.com", "Name": "API v2",
                "Scopes": scopes(&["admin"]) }),
    )
    .await
    .unwrap();
    assert_eq!(updated["ResourceServer"]["Name"], "API v2");
    assert_eq!(updated["ResourceServer"]["Scopes"], scopes(&["admin"]));

    for id in ["orders", "payments"] {
        admin(
            &server,
            "CreateResourceServer",
            json!({ "UserPoolId": POOL, "Identifier": id, "Name": id }),
        )
        .await
        .unwrap();
    }
    let first = admin(
        &server,
        "ListResourceServers",
        json!({ "UserPoolId": POOL, "MaxResults": 2 }),
    )
    .await
    .unwrap();
    assert_eq!(first["ResourceServers"].as_array().unwrap().len(), 2);
    let token = first["NextToken"].as_str().unwrap().to_string();
    let second = admin(
        &server,
        "ListResourceServers",
        json!({ "UserPoolId": POOL, "MaxResults": 2, "NextToken": token }),
    )
    .await
    .unwrap();
    assert_eq!(second["ResourceServers"].as_array().unwrap().len(), 1);
    assert!(second.get("NextToken").is_none());
    let mut all: Vec<String> = first["ResourceServers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["ResourceServers"].as_array().unwrap())
        .map(|s| s["Identifier"].as_str().unwrap().to_string())
        .collect();
    all.sort();
    assert_eq!(all, ["https://api.example.com", "orders", "payments"]);

    admin(
        &server,
        "DeleteResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "orders" }),
    )
    .await
    .unwrap();
    for operation in ["DescribeResourceServer", "DeleteResourceServer"] {
        let gone = admin(
            &server,
            operation,
            json!({ "UserPoolId": POOL, "Identifier": "orders" }),
        )
        .await;
        assert_eq!(code(gone), "ResourceNotFoundException", "{operation}");
    }
    let update_gone = admin(
        &server,
        "UpdateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "orders", "Name": "x" }),
    )
    .await;
    assert_eq!(code(update_gone), "ResourceNotFoundException");
}

#[tokio::test]
async fn resource_servers_follow_the_reference_limits() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api", "Name": "API" }),
    )
    .await
    .unwrap();
    let duplicate = admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api", "Name": "Again" }),
    )
    .await;
    assert_eq!(code(duplicate), "InvalidParameterException");

    let too_many_scopes: Vec<String> = (0..101).map(|i| format!("s{i}")).collect();
    let refs: Vec<&str> = too_many_scopes.iter().map(String::as_str).collect();
    let long = "x".repeat(257);
    for (body, expected) in [
        (
            json!({ "UserPoolId": POOL, "Identifier": "has space", "Name": "n" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "quote\"d", "Name": "n" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": long, "Name": "n" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "bad/name" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": scopes(&["a/b"]) }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": scopes(&["a", "a"]) }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": scopes(&refs) }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": [{ "ScopeName": "a" }] }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": "read" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "Identifier": "ok1", "Name": "n", "Scopes": [7] }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "Identifier": "ok1", "Name": "n" }),
            "ResourceNotFoundException",
        ),
    ] {
        let result = admin(&server, "CreateResourceServer", body.clone()).await;
        assert_eq!(code(result), expected, "{body}");
    }
    // Exactly 100 scopes is fine.
    let hundred: Vec<&str> = refs.iter().take(100).copied().collect();
    admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "big", "Name": "big", "Scopes": scopes(&hundred) }),
    )
    .await
    .unwrap();
    // 25 servers per pool.
    for i in 2..25 {
        admin(
            &server,
            "CreateResourceServer",
            json!({ "UserPoolId": POOL, "Identifier": format!("rs{i}"), "Name": "n" }),
        )
        .await
        .unwrap();
    }
    let over = admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "one-more", "Name": "n" }),
    )
    .await;
    assert_eq!(code(over), "LimitExceededException");
    for max in [0, 51] {
        let list = admin(
            &server,
            "ListResourceServers",
            json!({ "UserPoolId": POOL, "MaxResults": max }),
        )
        .await;
        assert_eq!(code(list), "InvalidParameterException", "{max}");
    }
    let bad_token = admin(
        &server,
        "ListResourceServers",
        json!({ "UserPoolId": POOL, "NextToken": "garbage" }),
    )
    .await;
    assert_eq!(code(bad_token), "InvalidParameterException");
}

// --------------------------------------------------------------------------------------------
// Identity providers
// --------------------------------------------------------------------------------------------

fn oidc_details() -> Value {
    json!({ "client_id": "oidc-client", "client_secret": "oidc-secret",
            "attributes_request_method": "GET", "oidc_issuer": "https://issuer.example.com",
            "authorize_scopes": "openid email" })
}

fn google_details() -> Value {
    json!({ "client_id": "g-client", "client_secret": "g-secret", "authorize_scopes": "profile email openid" })
}

async fn create_provider(
    server: &RunningServer,
    name: &str,
    provider_type: &str,
    details: Value,
    extra: Value,
) -> Result<Value, (String, String)> {
    let mut body = json!({ "UserPoolId": POOL, "ProviderName": name,
                           "ProviderType": provider_type, "ProviderDetails": details });
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            body[key] = value;
        }
    }
    admin(server, "CreateIdentityProvider", body).await
}

#[tokio::test]
async fn an_oidc_provider_is_created_and_described() {
    let server = start_with(basic_config()).await;
    let created = create_provider(
        &server,
        "Corp",
        "OIDC",
        oidc_details(),
        json!({ "AttributeMapping": { "email": "email", "name": "name" },
                "IdpIdentifiers": ["corp.example.com"] }),
    )
    .await
    .unwrap();
    let provider = &created["IdentityProvider"];
    assert_eq!(provider["UserPoolId"], POOL);
    assert_eq!(provider["ProviderName"], "Corp");
    assert_eq!(provider["ProviderType"], "OIDC");
    assert_eq!(
        provider["ProviderDetails"]["oidc_issuer"],
        "https://issuer.example.com"
    );
    assert_eq!(provider["ProviderDetails"]["client_secret"], "oidc-secret");
    assert_eq!(
        provider["ProviderDetails"]["attributes_url_add_attributes"],
        "false"
    );
    assert_eq!(
        provider["AttributeMapping"],
        json!({ "email": "email", "name": "name", "username": "sub" })
    );
    assert_eq!(provider["IdpIdentifiers"], json!(["corp.example.com"]));
    assert!(provider["CreationDate"].is_number());
    assert!(provider["LastModifiedDate"].is_number());

    let described = admin(
        &server,
        "DescribeIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Corp" }),
    )
    .await
    .unwrap();
    assert_eq!(described, created);
    let by_identifier = admin(
        &server,
        "GetIdentityProviderByIdentifier",
        json!({ "UserPoolId": POOL, "IdpIdentifier": "corp.example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(by_identifier, created);
    let unknown = admin(
        &server,
        "GetIdentityProviderByIdentifier",
        json!({ "UserPoolId": POOL, "IdpIdentifier": "nobody.example.com" }),
    )
    .await;
    assert_eq!(code(unknown), "ResourceNotFoundException");
}

#[tokio::test]
async fn social_providers_get_the_service_endpoints() {
    let server = start_with(basic_config()).await;
    let google = create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    let details = &google["IdentityProvider"]["ProviderDetails"];
    assert_eq!(
        details["authorize_url"],
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(details["oidc_issuer"], "https://accounts.google.com");
    assert_eq!(details["token_request_method"], "POST");
    assert_eq!(
        google["IdentityProvider"]["AttributeMapping"]["username"],
        "sub"
    );

    let facebook = create_provider(
        &server,
        "Facebook",
        "Facebook",
        json!({ "client_id": "f", "client_secret": "s", "authorize_scopes": "email",
                "api_version": "v18.0" }),
        json!({}),
    )
    .await
    .unwrap();
    let details = &facebook["IdentityProvider"]["ProviderDetails"];
    assert_eq!(
        details["authorize_url"],
        "https://www.facebook.com/v18.0/dialog/oauth"
    );
    assert_eq!(
        facebook["IdentityProvider"]["AttributeMapping"]["username"],
        "id"
    );

    let apple = create_provider(
        &server,
        "SignInWithApple",
        "SignInWithApple",
        json!({ "client_id": "a", "team_id": "T", "key_id": "K", "private_key": "P",
                "authorize_scopes": "email name" }),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(
        apple["IdentityProvider"]["ProviderDetails"]["oidc_issuer"],
        "https://appleid.apple.com"
    );
}

#[tokio::test]
async fn each_provider_type_needs_its_details() {
    let server = start_with(basic_config()).await;
    let mut oidc_without_secret = oidc_details();
    oidc_without_secret
        .as_object_mut()
        .unwrap()
        .remove("client_secret");
    let mut oidc_bad_method = oidc_details();
    oidc_bad_method["attributes_request_method"] = json!("PUT");
    let mut oidc_http_issuer = oidc_details();
    oidc_http_issuer["oidc_issuer"] = json!("http://issuer.example.com");
    for (name, provider_type, details) in [
        (
            "Google",
            "Google",
            json!({ "client_id": "g", "authorize_scopes": "email" }),
        ),
        (
            "Facebook",
            "Facebook",
            json!({ "client_id": "f", "client_secret": "s" }),
        ),
        (
            "LoginWithAmazon",
            "LoginWithAmazon",
            json!({ "client_secret": "s", "authorize_scopes": "profile" }),
        ),
        (
            "SignInWithApple",
            "SignInWithApple",
            json!({ "client_id": "a", "authorize_scopes": "email" }),
        ),
        ("Corp", "OIDC", oidc_without_secret),
        ("Corp", "OIDC", oidc_bad_method),
        ("Corp", "OIDC", oidc_http_issuer),
        ("Saml", "SAML", json!({})),
        (
            "Saml",
            "SAML",
            json!({ "MetadataURL": "https://idp.example.com/md", "MetadataFile": "<xml/>" }),
        ),
        (
            "Saml",
            "SAML",
            json!({ "MetadataFile": "<xml/>", "IDPSignout": "yes" }),
        ),
        // Social providers are named after their type; Cognito is reserved.
        ("MyGoogle", "Google", google_details()),
        ("Cognito", "OIDC", oidc_details()),
        ("Google", "OIDC", oidc_details()),
        // Name pattern and type enum.
        ("_x_", "OIDC", oidc_details()),
        ("a b", "OIDC", oidc_details()),
        ("ab", "OIDC", oidc_details()),
        ("Corp", "Twitter", oidc_details()),
    ] {
        let result =
            create_provider(&server, name, provider_type, details.clone(), json!({})).await;
        assert_eq!(
            code(result),
            "InvalidParameterException",
            "{name} {provider_type} {details}"
        );
    }
    for (body, expected) in [
        (
            json!({ "UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": "x" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": { "client_id": 5 } }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": oidc_details(), "IdpIdentifiers": "x" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "ProviderName": "Corp", "ProviderType": "OIDC", "ProviderDetails": oidc_details() }),
            "ResourceNotFoundException",
        ),
    ] {
        let result = admin(&server, "CreateIdentityProvider", body.clone()).await;
        assert_eq!(code(result), expected, "{body}");
    }
    // A SAML provider from a metadata file is fine.
    create_provider(
        &server,
        "Saml",
        "SAML",
        json!({ "MetadataFile": "<md:EntityDescriptor/>", "IDPSignout": "true" }),
        json!({}),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn names_and_identifiers_are_unique_and_mappings_name_pool_attributes() {
    let server = start_with(basic_config()).await;
    create_provider(
        &server,
        "Corp",
        "OIDC",
        oidc_details(),
        json!({ "IdpIdentifiers": ["corp"] }),
    )
    .await
    .unwrap();
    let same_name = create_provider(&server, "Corp", "OIDC", oidc_details(), json!({})).await;
    assert_eq!(code(same_name), "DuplicateProviderException");
    let same_identifier = create_provider(
        &server,
        "Other",
        "OIDC",
        oidc_details(),
        json!({ "IdpIdentifiers": ["corp"] }),
    )
    .await;
    assert_eq!(code(same_identifier), "DuplicateProviderException");
    let long_identifier = "i".repeat(41);
    let fifty_one: Vec<String> = (0..51).map(|i| format!("id{i}")).collect();
    for extra in [
        json!({ "IdpIdentifiers": ["twice", "twice"] }),
        json!({ "IdpIdentifiers": [long_identifier] }),
        json!({ "IdpIdentifiers": ["bad/char"] }),
        json!({ "IdpIdentifiers": fifty_one }),
        json!({ "AttributeMapping": { "not_an_attribute": "x" } }),
        json!({ "AttributeMapping": { "sub": "sub" } }),
        json!({ "AttributeMapping": { "custom:missing": "x" } }),
    ] {
        let result = create_provider(&server, "Other", "OIDC", oidc_details(), extra.clone()).await;
        assert_eq!(code(result), "InvalidParameterException", "{extra}");
    }
}

#[tokio::test]
async fn providers_are_updated_listed_and_deleted() {
    let server = start_with(basic_config()).await;
    create_provider(
        &server,
        "Corp",
        "OIDC",
        oidc_details(),
        json!({ "IdpIdentifiers": ["corp"] }),
    )
    .await
    .unwrap();
    create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    create_provider(
        &server,
        "Saml",
        "SAML",
        json!({ "MetadataURL": "https://idp.example.com/metadata" }),
        json!({}),
    )
    .await
    .unwrap();

    let updated = admin(
        &server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Corp",
                "ProviderDetails": { "authorize_scopes": "openid" },
                "AttributeMapping": { "email": "mail" },
                "IdpIdentifiers": ["corp-new"] }),
    )
    .await
    .unwrap();
    let provider = &updated["IdentityProvider"];
    assert_eq!(provider["ProviderDetails"]["authorize_scopes"], "openid");
    assert_eq!(provider["ProviderDetails"]["client_id"], "oidc-client");
    assert_eq!(provider["AttributeMapping"]["email"], "mail");
    assert_eq!(provider["IdpIdentifiers"], json!(["corp-new"]));
    let old_identifier = admin(
        &server,
        "GetIdentityProviderByIdentifier",
        json!({ "UserPoolId": POOL, "IdpIdentifier": "corp" }),
    )
    .await;
    assert_eq!(code(old_identifier), "ResourceNotFoundException");
    // An update must keep the type's required details.
    let emptied = admin(
        &server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Corp",
                "ProviderDetails": { "client_id": "" } }),
    )
    .await;
    assert_eq!(code(emptied), "InvalidParameterException");
    let unknown = admin(
        &server,
        "UpdateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Nobody", "AttributeMapping": {} }),
    )
    .await;
    assert_eq!(code(unknown), "ResourceNotFoundException");

    let first = admin(
        &server,
        "ListIdentityProviders",
        json!({ "UserPoolId": POOL, "MaxResults": 2 }),
    )
    .await
    .unwrap();
    let page = first["Providers"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert!(page[0]["ProviderType"].is_string());
    assert!(page[0].get("ProviderDetails").is_none());
    let rest = admin(
        &server,
        "ListIdentityProviders",
        json!({ "UserPoolId": POOL, "MaxResults": 2, "NextToken": first["NextToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(rest["Providers"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let bad_max = admin(
        &server,
        "ListIdentityProviders",
        json!({ "UserPoolId": POOL, "MaxResults": 61 }),
    )
    .await;
    assert_eq!(code(bad_max), "InvalidParameterException");

    admin(
        &server,
        "DeleteIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Saml" }),
    )
    .await
    .unwrap();
    for operation in ["DescribeIdentityProvider", "DeleteIdentityProvider"] {
        let gone = admin(
            &server,
            operation,
            json!({ "UserPoolId": POOL, "ProviderName": "Saml" }),
        )
        .await;
        assert_eq!(code(gone), "ResourceNotFoundException", "{operation}");
    }
}

// --------------------------------------------------------------------------------------------
// Provider links
// --------------------------------------------------------------------------------------------

fn link(destination: &str, provider: &str, attribute: &str, value: &str) -> Value {
    json!({ "UserPoolId": POOL,
            "DestinationUser": { "ProviderName": "Cognito", "ProviderAttributeValue": destination },
            "SourceUser": { "ProviderName": provider, "ProviderAttributeName": attribute,
                            "ProviderAttributeValue": value } })
}

/// AdminDisableProviderForUser for the identity `provider` / `attribute` / `value`.
async fn disable(
    server: &RunningServer,
    provider: &str,
    attribute: &str,
    value: &str,
) -> Result<Value, (String, String)> {
    admin(
        server,
        "AdminDisableProviderForUser",
        json!({ "UserPoolId": POOL, "User": { "ProviderName": provider,
                "ProviderAttributeName": attribute, "ProviderAttributeValue": value } }),
    )
    .await
}

async fn identities(server: &RunningServer, username: &str) -> Option<Vec<Value>> {
    let user = admin(
        server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": username }),
    )
    .await
    .unwrap();
    user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "identities")
        .map(|a| serde_json::from_str(a["Value"].as_str().unwrap()).unwrap())
}

#[tokio::test]
async fn a_federated_identity_is_linked_to_a_native_user_and_unlinked() {
    let server = start_with(basic_config()).await;
    create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    assert!(identities(&server, "alice").await.is_none());
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "1234567890"),
    )
    .await
    .unwrap();
    let linked = identities(&server, "alice").await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["userId"], "1234567890");
    assert_eq!(linked[0]["providerName"], "Google");
    assert_eq!(linked[0]["providerType"], "Google");
    assert_eq!(linked[0]["primary"], false);
    assert!(linked[0]["dateCreated"].as_i64().unwrap() > 1_600_000_000_000);

    // The ID token carries the links as an array, as the service writes the claim.
    let signed_in = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    let id_token = signed_in["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap();
    let payload = id_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["identities"][0]["userId"], "1234567890");
    assert_eq!(claims["identities"][0]["providerName"], "Google");

    // ListUsers shows it too.
    let users = admin(&server, "ListUsers", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    let alice = users["Users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["Username"] == "alice")
        .unwrap();
    assert!(alice["Attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["Name"] == "identities"));

    // Linking the same identity again to the same user changes nothing; to another user is refused.
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "1234567890"),
    )
    .await
    .unwrap();
    assert_eq!(identities(&server, "alice").await.unwrap().len(), 1);
    let taken = admin(
        &server,
        "AdminLinkProviderForUser",
        link("temp", "Google", "Cognito_Subject", "1234567890"),
    )
    .await;
    assert_eq!(code(taken), "AliasExistsException");

    // The identities attribute is the service's to write.
    let forged = admin(
        &server,
        "AdminUpdateUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "temp",
                "UserAttributes": [{ "Name": "identities", "Value": "[]" }] }),
    )
    .await;
    assert_eq!(code(forged), "InvalidParameterException");

    let unknown_link = disable(&server, "Google", "Cognito_Subject", "999").await;
    assert_eq!(code(unknown_link), "UserNotFoundException");
    disable(&server, "Google", "Cognito_Subject", "1234567890")
        .await
        .unwrap();
    assert!(identities(&server, "alice").await.is_none());
    // Once unlinked, the identity may go to another user.
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("temp", "Google", "Cognito_Subject", "1234567890"),
    )
    .await
    .unwrap();
    assert_eq!(identities(&server, "temp").await.unwrap().len(), 1);
}

#[tokio::test]
async fn links_follow_the_documented_rules() {
    let server = start_with(basic_config()).await;
    create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    create_provider(
        &server,
        "Saml",
        "SAML",
        json!({ "MetadataFile": "<md:EntityDescriptor/>" }),
        json!({}),
    )
    .await
    .unwrap();
    let mut not_cognito_destination = link("alice", "Google", "Cognito_Subject", "1");
    not_cognito_destination["DestinationUser"]["ProviderName"] = json!("Google");
    for (body, expected) in [
        (
            link("alice", "Google", "email", "1"),
            "InvalidParameterException",
        ),
        (
            link("alice", "Cognito", "Cognito_Subject", "alice"),
            "InvalidParameterException",
        ),
        (
            link("alice", "Nobody", "Cognito_Subject", "1"),
            "ResourceNotFoundException",
        ),
        (
            link("ghost", "Google", "Cognito_Subject", "1"),
            "UserNotFoundException",
        ),
        (not_cognito_destination, "InvalidParameterException"),
        (
            json!({ "UserPoolId": POOL, "SourceUser": { "ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "1" } }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "DestinationUser": "alice", "SourceUser": {} }),
            "SerializationException",
        ),
        (
            link("alice", "Google", "Cognito_Subject", ""),
            "InvalidParameterException",
        ),
    ] {
        let result = admin(&server, "AdminLinkProviderForUser", body.clone()).await;
        assert_eq!(code(result), expected, "{body}");
    }
    let mut wrong_pool = link("alice", "Google", "Cognito_Subject", "1");
    wrong_pool["UserPoolId"] = json!("us-east-1_Nope");
    assert_eq!(
        code(admin(&server, "AdminLinkProviderForUser", wrong_pool).await),
        "ResourceNotFoundException"
    );

    // SAML identities may use a claim name, and must be unlinked with that name.
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Saml", "emailaddress", "alice@corp.example.com"),
    )
    .await
    .unwrap();
    let other_claim = disable(&server, "Saml", "upn", "alice@corp.example.com").await;
    assert_eq!(code(other_claim), "UserNotFoundException");

    // At most five identities per user.
    for i in 0..4 {
        admin(
            &server,
            "AdminLinkProviderForUser",
            link("alice", "Google", "Cognito_Subject", &format!("g{i}")),
        )
        .await
        .unwrap();
    }
    let sixth = admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "g5"),
    )
    .await;
    assert_eq!(code(sixth), "LimitExceededException");
    assert_eq!(identities(&server, "alice").await.unwrap().len(), 5);

    // Deleting a provider removes its links.
    admin(
        &server,
        "DeleteIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Google" }),
    )
    .await
    .unwrap();
    let left = identities(&server, "alice").await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["providerName"], "Saml");
}

#[tokio::test]
async fn a_deleted_user_takes_its_links_along() {
    let server = start_with(basic_config()).await;
    create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("temp", "Google", "Cognito_Subject", "42"),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminDeleteUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "temp", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "name", "Value": "T" }] }),
    )
    .await
    .unwrap();
    // The new user of the same name is not linked, and the identity is free again.
    assert!(identities(&server, "temp").await.is_none());
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "42"),
    )
    .await
    .unwrap();
    assert_eq!(server.count_rows("provider_links").unwrap(), 1);
    // A dead link of another identity is cleared by the next link.
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("temp", "Google", "Cognito_Subject", "43"),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminDeleteUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(server.count_rows("provider_links").unwrap(), 2);
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "44"),
    )
    .await
    .unwrap();
    assert_eq!(server.count_rows("provider_links").unwrap(), 2);
    assert_eq!(identities(&server, "alice").await.unwrap().len(), 2);
}

#[tokio::test]
async fn disabling_the_cognito_provider_disables_the_native_user() {
    let server = start_with(basic_config()).await;
    let wrong_attribute = disable(&server, "Cognito", "email", "alice").await;
    assert_eq!(code(wrong_attribute), "InvalidParameterException");
    let ghost = disable(&server, "Cognito", "Cognito_Subject", "ghost").await;
    assert_eq!(code(ghost), "UserNotFoundException");
    disable(&server, "Cognito", "Cognito_Subject", "alice")
        .await
        .unwrap();
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    assert_eq!(user["Enabled"], false);
    let sign_in = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await;
    assert_eq!(code(sign_in), "NotAuthorizedException");
    let missing_user = admin(
        &server,
        "AdminDisableProviderForUser",
        json!({ "UserPoolId": POOL }),
    )
    .await;
    assert_eq!(code(missing_user), "InvalidParameterException");
}

// --------------------------------------------------------------------------------------------
// Persistence
// --------------------------------------------------------------------------------------------

#[tokio::test]
async fn federation_state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-federation-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.db");
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(state.clone()),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    admin(
        &server,
        "CreateUserPoolDomain",
        json!({ "UserPoolId": POOL, "Domain": "kept-domain" }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api", "Name": "API", "Scopes": scopes(&["read"]) }),
    )
    .await
    .unwrap();
    create_provider(&server, "Google", "Google", google_details(), json!({}))
        .await
        .unwrap();
    admin(
        &server,
        "AdminLinkProviderForUser",
        link("alice", "Google", "Cognito_Subject", "7"),
    )
    .await
    .unwrap();
    server.shutdown().await;

    let server = start(options()).await.unwrap();
    assert_eq!(
        describe_domain(&server, "kept-domain").await["UserPoolId"],
        POOL
    );
    let api = admin(
        &server,
        "DescribeResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api" }),
    )
    .await
    .unwrap();
    assert_eq!(api["ResourceServer"]["Scopes"], scopes(&["read"]));
    admin(
        &server,
        "DescribeIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Google" }),
    )
    .await
    .unwrap();
    assert_eq!(
        identities(&server, "alice").await.unwrap()[0]["userId"],
        "7"
    );
    // The link is still enforced after the restart.
    let taken = admin(
        &server,
        "AdminLinkProviderForUser",
        link("temp", "Google", "Cognito_Subject", "7"),
    )
    .await;
    assert_eq!(code(taken), "AliasExistsException");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
