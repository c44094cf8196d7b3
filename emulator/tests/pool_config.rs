//! Pool and client configuration (issue #15): UpdateUserPoolClient and the OAuth members of a
//! client, AddCustomAttributes and the schema rules, ListUsers filters, ListUserPoolClients
//! pages, LambdaConfig and the verification messages, verified flags in any case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

async fn describe_client(server: &RunningServer, client_id: &str) -> Value {
    admin(
        server,
        "DescribeUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": client_id }),
    )
    .await
    .unwrap()["UserPoolClient"]
        .clone()
}

async fn describe_pool(server: &RunningServer, pool_id: &str) -> Value {
    admin(server, "DescribeUserPool", json!({ "UserPoolId": pool_id }))
        .await
        .unwrap()["UserPool"]
        .clone()
}

/// The resource server `api` with the scope `read`, which the OAuth clients below ask for.
async fn api_resource_server(server: &RunningServer) {
    admin(
        server,
        "CreateResourceServer",
        json!({ "UserPoolId": POOL, "Identifier": "api", "Name": "API",
                "Scopes": [{ "ScopeName": "read", "ScopeDescription": "Read" }] }),
    )
    .await
    .unwrap();
}

fn oauth_client() -> Value {
    json!({
        "UserPoolId": POOL,
        "ClientName": "web app",
        "GenerateSecret": true,
        "CallbackURLs": ["https://app.example.com/cb", "http://localhost:3000/cb", "myapp://cb"],
        "LogoutURLs": ["https://app.example.com/bye"],
        "DefaultRedirectURI": "https://app.example.com/cb",
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email", "api/read"],
        "AllowedOAuthFlowsUserPoolClient": true,
        "SupportedIdentityProviders": ["COGNITO"],
        "ReadAttributes": ["email", "name"],
        "WriteAttributes": ["name"],
        "AnalyticsConfiguration": { "ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc", "UserDataShared": true },
        "EnablePropagateAdditionalUserContextData": true,
        "AccessTokenValidity": 2,
        "TokenValidityUnits": { "AccessToken": "hours" },
    })
}

#[tokio::test]
async fn create_and_describe_keep_the_oauth_members() {
    let server = start_with(basic_config()).await;
    api_resource_server(&server).await;
    let created = admin(&server, "CreateUserPoolClient", oauth_client())
        .await
        .unwrap()["UserPoolClient"]
        .clone();
    let id = created["ClientId"].as_str().unwrap().to_string();
    let described = describe_client(&server, &id).await;
    assert_eq!(created, described);
    assert_eq!(
        described["CallbackURLs"],
        json!([
            "https://app.example.com/cb",
            "http://localhost:3000/cb",
            "myapp://cb"
        ])
    );
    assert_eq!(
        described["LogoutURLs"],
        json!(["https://app.example.com/bye"])
    );
    assert_eq!(
        described["DefaultRedirectURI"],
        "https://app.example.com/cb"
    );
    assert_eq!(described["AllowedOAuthFlows"], json!(["code"]));
    assert_eq!(
        described["AllowedOAuthScopes"],
        json!(["openid", "email", "api/read"])
    );
    assert_eq!(described["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(described["SupportedIdentityProviders"], json!(["COGNITO"]));
    assert_eq!(described["ReadAttributes"], json!(["email", "name"]));
    assert_eq!(described["WriteAttributes"], json!(["name"]));
    assert_eq!(described["AnalyticsConfiguration"]["UserDataShared"], true);
    assert_eq!(described["EnablePropagateAdditionalUserContextData"], true);
    assert_eq!(described["AccessTokenValidity"], 2);
    assert_eq!(described["TokenValidityUnits"]["AccessToken"], "hours");
}

#[tokio::test]
async fn update_user_pool_client_sets_what_it_is_given_and_resets_the_rest() {
    let server = start_with(basic_config()).await;
    api_resource_server(&server).await;
    let created = admin(&server, "CreateUserPoolClient", oauth_client())
        .await
        .unwrap()["UserPoolClient"]
        .clone();
    let id = created["ClientId"].as_str().unwrap().to_string();
    advance(&server, 60).await;
    let updated = admin(
        &server,
        "UpdateUserPoolClient",
        json!({
            "UserPoolId": POOL,
            "ClientId": id,
            "CallbackURLs": ["https://other.example.com/cb"],
            "AllowedOAuthFlows": ["implicit"],
            "AllowedOAuthScopes": ["openid"],
            "AllowedOAuthFlowsUserPoolClient": true,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": false,
            "AuthSessionValidity": 10,
            "RefreshTokenValidity": 120,
            "TokenValidityUnits": { "RefreshToken": "minutes" },
        }),
    )
    .await
    .unwrap()["UserPoolClient"]
        .clone();
    assert_eq!(updated, describe_client(&server, &id).await);
    // Kept: id, name (not given), secret, creation date.
    assert_eq!(updated["ClientId"], created["ClientId"]);
    assert_eq!(updated["ClientName"], "web app");
    assert_eq!(updated["ClientSecret"], created["ClientSecret"]);
    assert_eq!(updated["CreationDate"], created["CreationDate"]);
    assert!(updated["LastModifiedDate"].as_f64() > created["LastModifiedDate"].as_f64());
    // Set.
    assert_eq!(
        updated["CallbackURLs"],
        json!(["https://other.example.com/cb"])
    );
    assert_eq!(updated["AllowedOAuthFlows"], json!(["implicit"]));
    assert_eq!(
        updated["ExplicitAuthFlows"],
        json!(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    );
    assert_eq!(updated["PreventUserExistenceErrors"], "ENABLED");
    assert_eq!(updated["EnableTokenRevocation"], false);
    assert_eq!(updated["AuthSessionValidity"], 10);
    assert_eq!(updated["RefreshTokenValidity"], 120);
    assert_eq!(updated["TokenValidityUnits"]["RefreshToken"], "minutes");
    // Reset to the defaults: members not given.
    for gone in [
        "LogoutURLs",
        "DefaultRedirectURI",
        "ReadAttributes",
        "WriteAttributes",
        "SupportedIdentityProviders",
        "AnalyticsConfiguration",
    ] {
        assert!(updated.get(gone).is_none(), "{gone} stays: {updated}");
    }
    assert_eq!(updated["EnablePropagateAdditionalUserContextData"], false);
    assert_eq!(updated["AccessTokenValidity"], 60);
    assert_eq!(updated["TokenValidityUnits"]["AccessToken"], "minutes");

    // A rename, and an update naming nothing resets the OAuth members too.
    let renamed = admin(
        &server,
        "UpdateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": id, "ClientName": "renamed" }),
    )
    .await
    .unwrap()["UserPoolClient"]
        .clone();
    assert_eq!(renamed["ClientName"], "renamed");
    assert!(renamed.get("CallbackURLs").is_none());
    assert_eq!(renamed["AllowedOAuthFlowsUserPoolClient"], false);
    assert_eq!(
        renamed["ExplicitAuthFlows"],
        json!([
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"
        ])
    );
    assert_eq!(renamed["PreventUserExistenceErrors"], "LEGACY");
    assert_eq!(renamed["ClientSecret"], created["ClientSecret"]);
}

#[tokio::test]
async fn update_user_pool_client_changes_how_the_client_behaves() {
    let server = start_with(basic_config()).await;
    let sign_in = || {
        call(
            &server,
            "InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                    "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
        )
    };
    assert!(sign_in().await.is_ok());
    admin(
        &server,
        "UpdateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"],
                "AccessTokenValidity": 10, "TokenValidityUnits": { "AccessToken": "minutes" } }),
    )
    .await
    .unwrap();
    assert_eq!(code(sign_in().await), "InvalidParameterException");
    admin(
        &server,
        "UpdateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
                "AccessTokenValidity": 10, "TokenValidityUnits": { "AccessToken": "minutes" } }),
    )
    .await
    .unwrap();
    let tokens = sign_in().await.unwrap();
    assert_eq!(tokens["AuthenticationResult"]["ExpiresIn"], 600);
}

#[tokio::test]
async fn refresh_token_validity_zero_means_thirty_days() {
    let server = start_with(basic_config()).await;
    let client = admin(
        &server,
        "CreateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientName": "zero", "RefreshTokenValidity": 0 }),
    )
    .await
    .unwrap()["UserPoolClient"]
        .clone();
    assert_eq!(client["RefreshTokenValidity"], 30);
    assert_eq!(client["TokenValidityUnits"]["RefreshToken"], "days");
}

#[tokio::test]
async fn client_settings_are_validated() {
    let server = start_with(basic_config()).await;
    api_resource_server(&server).await;
    let with = |extra: Value| {
        let mut body = json!({ "UserPoolId": POOL, "ClientName": "c" });
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let invalid = [
        json!({ "CallbackURLs": ["http://example.com/cb"] }),
        json!({ "CallbackURLs": ["https://example.com/cb#fragment"] }),
        json!({ "CallbackURLs": ["not a url"] }),
        json!({ "CallbackURLs": [""] }),
        json!({ "CallbackURLs": [format!("https://example.com/{}", "a".repeat(1100))] }),
        json!({ "CallbackURLs": (0..101).map(|i| format!("https://example.com/{i}")).collect::<Vec<_>>() }),
        json!({ "LogoutURLs": ["http://example.com/bye"] }),
        json!({ "CallbackURLs": ["https://a.example.com/cb"], "DefaultRedirectURI": "https://b.example.com/cb" }),
        json!({ "DefaultRedirectURI": "https://b.example.com/cb" }),
        json!({ "AllowedOAuthFlows": ["password"] }),
        json!({ "AllowedOAuthFlows": ["client_credentials", "code"], "GenerateSecret": true }),
        json!({ "AllowedOAuthFlows": ["client_credentials"] }),
        json!({ "AllowedOAuthScopes": ["admin"] }),
        json!({ "AllowedOAuthScopes": ["bad scope"] }),
        json!({ "AllowedOAuthFlowsUserPoolClient": true }),
        json!({ "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"] }),
        json!({ "SupportedIdentityProviders": ["x".repeat(33)] }),
        // Custom scopes are those of the pool's resource servers; providers are the pool's.
        json!({ "AllowedOAuthScopes": ["api/write"] }),
        json!({ "AllowedOAuthScopes": ["other/read"] }),
        json!({ "SupportedIdentityProviders": ["COGNITO", "Google"] }),
        json!({ "ReadAttributes": ["custom:nope"] }),
        json!({ "WriteAttributes": ["sub"] }),
        json!({ "EnablePropagateAdditionalUserContextData": true }),
        json!({ "AnalyticsConfiguration": { "UserDataShared": true } }),
        json!({ "AnalyticsConfiguration": { "ApplicationId": "abc123" } }),
        json!({ "ClientName": "bad/name" }),
        json!({ "ClientName": "x".repeat(129) }),
        json!({ "AccessTokenValidity": 2, "TokenValidityUnits": { "AccessToken": "days" } }),
        json!({ "AccessTokenValidity": 4, "TokenValidityUnits": { "AccessToken": "minutes" } }),
        json!({ "IdTokenValidity": 25 }),
        json!({ "RefreshTokenValidity": 59, "TokenValidityUnits": { "RefreshToken": "minutes" } }),
        json!({ "RefreshTokenValidity": 3651 }),
        json!({ "TokenValidityUnits": { "AccessToken": "weeks" } }),
        json!({ "AuthSessionValidity": 16 }),
        json!({ "PreventUserExistenceErrors": "SOMETIMES" }),
        json!({ "ExplicitAuthFlows": ["ALLOW_EVERYTHING"] }),
    ];
    for extra in invalid {
        let body = with(extra.clone());
        assert_eq!(
            code(admin(&server, "CreateUserPoolClient", body.clone()).await),
            "InvalidParameterException",
            "create {extra}"
        );
        let mut update = body;
        update["ClientId"] = json!("publicclient");
        assert_eq!(
            code(admin(&server, "UpdateUserPoolClient", update).await),
            "InvalidParameterException",
            "update {extra}"
        );
    }
    // Nothing was changed by the refused updates.
    let client = describe_client(&server, "publicclient").await;
    assert_eq!(client["ClientName"], "public");
    assert!(client.get("CallbackURLs").is_none());

    for wrong_type in [
        json!({ "CallbackURLs": "https://example.com/cb" }),
        json!({ "AllowedOAuthFlowsUserPoolClient": "yes" }),
        json!({ "AccessTokenValidity": "1" }),
        json!({ "AnalyticsConfiguration": [] }),
    ] {
        let mut body = with(wrong_type.clone());
        body["ClientId"] = json!("publicclient");
        assert_eq!(
            code(admin(&server, "UpdateUserPoolClient", body).await),
            "SerializationException",
            "{wrong_type}"
        );
    }
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateUserPoolClient",
                json!({ "UserPoolId": POOL })
            )
            .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateUserPoolClient",
                json!({ "ClientId": "publicclient" })
            )
            .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateUserPoolClient",
                json!({ "UserPoolId": "us-east-1_Nope", "ClientId": "publicclient" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateUserPoolClient",
                json!({ "UserPoolId": POOL, "ClientId": "nosuchclient" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
    // Once the pool has the provider, a client may offer it.
    admin(
        &server,
        "CreateIdentityProvider",
        json!({ "UserPoolId": POOL, "ProviderName": "Google", "ProviderType": "Google",
                "ProviderDetails": { "client_id": "id", "client_secret": "secret", "authorize_scopes": "openid email" } }),
    )
    .await
    .unwrap();
    let offered = admin(
        &server,
        "CreateUserPoolClient",
        with(json!({ "SupportedIdentityProviders": ["COGNITO", "Google"] })),
    )
    .await
    .unwrap();
    assert_eq!(
        offered["UserPoolClient"]["SupportedIdentityProviders"],
        json!(["COGNITO", "Google"])
    );
    // client_credentials with a secret, alone, is fine.
    let machine = admin(
        &server,
        "CreateUserPoolClient",
        with(
            json!({ "GenerateSecret": true, "AllowedOAuthFlows": ["client_credentials"],
                     "AllowedOAuthScopes": ["api/read"], "AllowedOAuthFlowsUserPoolClient": true }),
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        machine["UserPoolClient"]["AllowedOAuthFlows"],
        json!(["client_credentials"])
    );
}

#[tokio::test]
async fn list_user_pool_clients_pages() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "CreateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientName": "third" }),
    )
    .await
    .unwrap();
    let first = admin(
        &server,
        "ListUserPoolClients",
        json!({ "UserPoolId": POOL, "MaxResults": 2 }),
    )
    .await
    .unwrap();
    assert_eq!(first["UserPoolClients"].as_array().unwrap().len(), 2);
    let token = first["NextToken"].as_str().unwrap().to_string();
    let second = admin(
        &server,
        "ListUserPoolClients",
        json!({ "UserPoolId": POOL, "MaxResults": 2, "NextToken": token }),
    )
    .await
    .unwrap();
    assert_eq!(second["UserPoolClients"].as_array().unwrap().len(), 1);
    assert!(second.get("NextToken").is_none());
    let mut names: Vec<String> = first["UserPoolClients"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["UserPoolClients"].as_array().unwrap())
        .map(|c| c["ClientName"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["public", "secret", "third"]);
    let all = admin(
        &server,
        "ListUserPoolClients",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    assert_eq!(all["UserPoolClients"].as_array().unwrap().len(), 3);
    for bad in [
        json!({ "UserPoolId": POOL, "MaxResults": 0 }),
        json!({ "UserPoolId": POOL, "MaxResults": 61 }),
        json!({ "UserPoolId": POOL, "NextToken": "garbage" }),
        json!({}),
    ] {
        assert_eq!(
            code(admin(&server, "ListUserPoolClients", bad.clone()).await),
            "InvalidParameterException",
            "{bad}"
        );
    }
    assert_eq!(
        code(
            admin(
                &server,
                "ListUserPoolClients",
                json!({ "UserPoolId": POOL, "MaxResults": "2" })
            )
            .await
        ),
        "SerializationException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "ListUserPoolClients",
                json!({ "UserPoolId": "us-east-1_Nope" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
}

fn custom(name: &str, kind: &str) -> Value {
    json!({ "Name": name, "AttributeDataType": kind })
}

#[tokio::test]
async fn add_custom_attributes_extends_the_schema() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "AddCustomAttributes",
        json!({ "UserPoolId": POOL, "CustomAttributes": [
            { "Name": "tier", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "2", "MaxLength": "5" } },
            { "Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MinValue": "0", "MaxValue": "130" } },
            { "Name": "vip", "AttributeDataType": "Boolean", "Mutable": false },
            { "Name": "since", "AttributeDataType": "DateTime" },
            { "Name": "score", "AttributeDataType": "Number", "DeveloperOnlyAttribute": true },
        ] }),
    )
    .await
    .unwrap();
    let schema = describe_pool(&server, POOL).await["SchemaAttributes"].clone();
    let find = |name: &str| {
        schema
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing from {schema}"))
    };
    assert_eq!(
        find("custom:tier"),
        json!({ "Name": "custom:tier", "AttributeDataType": "String", "DeveloperOnlyAttribute": false,
                "Mutable": true, "Required": false,
                "StringAttributeConstraints": { "MinLength": "2", "MaxLength": "5" } })
    );
    assert_eq!(
        find("custom:age")["NumberAttributeConstraints"],
        json!({ "MinValue": "0", "MaxValue": "130" })
    );
    assert_eq!(find("custom:vip")["Mutable"], false);
    assert_eq!(find("custom:since")["AttributeDataType"], "DateTime");
    assert_eq!(find("dev:custom:score")["DeveloperOnlyAttribute"], true);
    // The user-import header lists them too.
    let header = admin(&server, "GetCSVHeader", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert!(header["CSVHeader"]
        .as_array()
        .unwrap()
        .contains(&json!("custom:tier")));
}

#[tokio::test]
async fn add_custom_attributes_refuses_bad_input() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "AddCustomAttributes",
        json!({ "UserPoolId": POOL, "CustomAttributes": [custom("tier", "String")] }),
    )
    .await
    .unwrap();
    let invalid = [
        json!([custom("tier", "String")]),
        json!([custom("custom:tier", "Number")]),
        json!([custom("a", "String"), custom("a", "Number")]),
        json!([custom("this_name_is_too_long", "String")]),
        json!([custom("has space", "String")]),
        json!([custom("", "String")]),
        json!([custom("x", "Integer")]),
        json!([{ "Name": "x" }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "Required": true }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "5", "MaxLength": "2" } }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MaxLength": "2049" } }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "two" } }]),
        json!([{ "Name": "x", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MinValue": "10", "MaxValue": "1" } }]),
        json!([{ "Name": "x", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MaxValue": "lots" } }]),
        json!([]),
        json!((0..26)
            .map(|i| custom(&format!("a{i}"), "String"))
            .collect::<Vec<_>>()),
        json!([{ "AttributeDataType": "String" }]),
    ];
    for attributes in invalid {
        assert_eq!(
            code(
                admin(
                    &server,
                    "AddCustomAttributes",
                    json!({ "UserPoolId": POOL, "CustomAttributes": attributes.clone() })
                )
                .await
            ),
            "InvalidParameterException",
            "{attributes}"
        );
    }
    // 50 custom attributes at most: one is there, 49 more fit, the 51st does not.
    for batch in 0..2 {
        let size = if batch == 0 { 25 } else { 24 };
        let attributes: Vec<Value> = (0..size)
            .map(|i| custom(&format!("b{batch}_{i}"), "String"))
            .collect();
        admin(
            &server,
            "AddCustomAttributes",
            json!({ "UserPoolId": POOL, "CustomAttributes": attributes }),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        code(
            admin(
                &server,
                "AddCustomAttributes",
                json!({ "UserPoolId": POOL, "CustomAttributes": [custom("last", "String")] })
            )
            .await
        ),
        "InvalidParameterException"
    );
    for (body, expected) in [
        (json!({ "UserPoolId": POOL }), "InvalidParameterException"),
        (
            json!({ "CustomAttributes": [custom("y", "String")] }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "CustomAttributes": [custom("y", "String")] }),
            "ResourceNotFoundException",
        ),
        (
            json!({ "UserPoolId": POOL, "CustomAttributes": "y" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "CustomAttributes": ["y"] }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "CustomAttributes": [{ "Name": "y", "AttributeDataType": "String", "Mutable": "no" }] }),
            "SerializationException",
        ),
    ] {
        assert_eq!(
            code(admin(&server, "AddCustomAttributes", body.clone()).await),
            expected,
            "{body}"
        );
    }
}

#[tokio::test]
async fn custom_attribute_values_follow_their_constraints() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "AddCustomAttributes",
        json!({ "UserPoolId": POOL, "CustomAttributes": [
            { "Name": "tier", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "2", "MaxLength": "5" } },
            { "Name": "age", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MinValue": "0", "MaxValue": "130" } },
            { "Name": "vip", "AttributeDataType": "Boolean" },
            { "Name": "badge", "AttributeDataType": "String", "Mutable": false },
            { "Name": "score", "AttributeDataType": "Number", "DeveloperOnlyAttribute": true },
        ] }),
    )
    .await
    .unwrap();
    let sign_up = |username: &str, extra: Value| {
        let mut attributes = vec![
            json!({ "Name": "email", "Value": format!("{username}@example.com") }),
            json!({ "Name": "name", "Value": username }),
        ];
        attributes.push(extra);
        call(
            &server,
            "SignUp",
            json!({ "ClientId": "publicclient", "Username": username, "Password": "Passw0rd!",
                    "UserAttributes": attributes }),
        )
    };
    sign_up("dave", json!({ "Name": "custom:tier", "Value": "gold" }))
        .await
        .unwrap();
    for (extra, why) in [
        (
            json!({ "Name": "custom:tier", "Value": "platinum" }),
            "too long",
        ),
        (json!({ "Name": "custom:tier", "Value": "a" }), "too short"),
        (
            json!({ "Name": "custom:age", "Value": "131" }),
            "over the maximum",
        ),
        (
            json!({ "Name": "custom:age", "Value": "-1" }),
            "under the minimum",
        ),
        (
            json!({ "Name": "custom:age", "Value": "old" }),
            "not a number",
        ),
        (
            json!({ "Name": "custom:vip", "Value": "maybe" }),
            "not a boolean",
        ),
        (
            json!({ "Name": "custom:unknown", "Value": "x" }),
            "not declared",
        ),
    ] {
        assert_eq!(
            code(sign_up("erin", extra).await),
            "InvalidParameterException",
            "{why}"
        );
    }
    // A client may not write a developer-only attribute.
    assert_eq!(
        code(sign_up("erin", json!({ "Name": "dev:custom:score", "Value": "1" })).await),
        "NotAuthorizedException"
    );

    // AdminCreateUser sets the immutable attribute once; no update may change it afterwards.
    let create = |username: &str, attributes: Value| {
        admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": username, "MessageAction": "SUPPRESS",
                    "UserAttributes": attributes }),
        )
    };
    assert_eq!(
        code(create("frank", json!([{ "Name": "custom:age", "Value": "200" }])).await),
        "InvalidParameterException"
    );
    let frank = create(
        "frank",
        json!([
            { "Name": "name", "Value": "Frank" },
            { "Name": "custom:badge", "Value": "B-1" },
            { "Name": "custom:age", "Value": "42" },
            { "Name": "custom:vip", "Value": "True" },
            { "Name": "dev:custom:score", "Value": "7" },
        ]),
    )
    .await
    .unwrap();
    let attributes = frank["User"]["Attributes"].as_array().unwrap().clone();
    assert!(attributes.contains(&json!({ "Name": "custom:badge", "Value": "B-1" })));
    assert!(attributes.contains(&json!({ "Name": "dev:custom:score", "Value": "7" })));
    let update = |attributes: Value| {
        admin(
            &server,
            "AdminUpdateUserAttributes",
            json!({ "UserPoolId": POOL, "Username": "frank", "UserAttributes": attributes }),
        )
    };
    assert_eq!(
        code(update(json!([{ "Name": "custom:badge", "Value": "B-2" }])).await),
        "InvalidParameterException"
    );
    assert_eq!(
        code(update(json!([{ "Name": "custom:tier", "Value": "toolong" }])).await),
        "InvalidParameterException"
    );
    update(json!([{ "Name": "custom:age", "Value": "43" }, { "Name": "dev:custom:score", "Value": "8" }]))
        .await
        .unwrap();
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "frank" }),
    )
    .await
    .unwrap();
    let attributes = user["UserAttributes"].as_array().unwrap();
    assert!(attributes.contains(&json!({ "Name": "custom:age", "Value": "43" })));
    assert!(attributes.contains(&json!({ "Name": "custom:badge", "Value": "B-1" })));
    assert!(attributes.contains(&json!({ "Name": "dev:custom:score", "Value": "8" })));

    // With an access token: constraints apply, developer-only attributes are refused.
    let tokens = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    let token = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let self_update = |attributes: Value| {
        call(
            &server,
            "UpdateUserAttributes",
            json!({ "AccessToken": token, "UserAttributes": attributes }),
        )
    };
    self_update(json!([{ "Name": "custom:tier", "Value": "ruby" }]))
        .await
        .unwrap();
    assert_eq!(
        code(self_update(json!([{ "Name": "custom:age", "Value": "1000" }])).await),
        "InvalidParameterException"
    );
    assert_eq!(
        code(self_update(json!([{ "Name": "dev:custom:score", "Value": "1" }])).await),
        "NotAuthorizedException"
    );
}

fn pool_with_schema(schema: Value) -> Value {
    json!({ "PoolName": "schema", "Schema": schema })
}

#[tokio::test]
async fn create_user_pool_validates_its_schema() {
    let server = start_with(json!({ "Pools": [] })).await;
    let invalid = [
        json!([custom("x", "Text")]),
        json!([{ "Name": "x" }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "Required": true }]),
        json!([{ "Name": "email", "AttributeDataType": "Number" }]),
        json!([{ "Name": "email", "AttributeDataType": "String", "DeveloperOnlyAttribute": true }]),
        json!([{ "Name": "email", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "9", "MaxLength": "3" } }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MinLength": "-1" } }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MaxLength": "4096" } }]),
        json!([{ "Name": "x", "AttributeDataType": "String", "StringAttributeConstraints": { "MaxLength": "many" } }]),
        json!([{ "Name": "x", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MinValue": "5", "MaxValue": "4" } }]),
        json!([{ "Name": "x", "AttributeDataType": "Number", "NumberAttributeConstraints": { "MinValue": "five" } }]),
        json!([custom("x", "String"), custom("x", "String")]),
        json!([custom("twenty_one_characters", "String")]),
        json!((0..51)
            .map(|i| custom(&format!("c{i}"), "String"))
            .collect::<Vec<_>>()),
    ];
    for schema in invalid {
        assert_eq!(
            code(admin(&server, "CreateUserPool", pool_with_schema(schema.clone())).await),
            "InvalidParameterException",
            "{schema}"
        );
    }
    assert_eq!(
        code(
            admin(
                &server,
                "CreateUserPool",
                pool_with_schema(json!(["email"]))
            )
            .await
        ),
        "SerializationException"
    );
    // Nothing was created by the refused calls.
    let pools = admin(&server, "ListUserPools", json!({ "MaxResults": 60 }))
        .await
        .unwrap();
    assert_eq!(pools["UserPools"], json!([]));

    let created = admin(
        &server,
        "CreateUserPool",
        pool_with_schema(json!([
            { "Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true,
              "StringAttributeConstraints": { "MinLength": "5", "MaxLength": "100" } },
            { "Name": "given_name", "Mutable": false },
            { "Name": "plan", "AttributeDataType": "String" },
        ])),
    )
    .await
    .unwrap();
    let schema = created["UserPool"]["SchemaAttributes"]
        .as_array()
        .unwrap()
        .clone();
    let find = |name: &str| schema.iter().find(|a| a["Name"] == name).cloned().unwrap();
    assert_eq!(find("email")["Required"], true);
    assert_eq!(
        find("email")["StringAttributeConstraints"],
        json!({ "MinLength": "5", "MaxLength": "100" })
    );
    assert_eq!(find("given_name")["Mutable"], false);
    assert_eq!(find("custom:plan")["AttributeDataType"], "String");
    assert_eq!(
        find("birthdate")["StringAttributeConstraints"],
        json!({ "MinLength": "10", "MaxLength": "10" })
    );
    // A standard attribute declared immutable cannot be updated after creation.
    let pool_id = created["UserPool"]["Id"].as_str().unwrap().to_string();
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": pool_id, "Username": "gina", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "gina@example.com" }, { "Name": "given_name", "Value": "Gina" }] }),
    )
    .await
    .unwrap();
    assert_eq!(
        code(
            admin(
                &server,
                "AdminUpdateUserAttributes",
                json!({ "UserPoolId": pool_id, "Username": "gina", "UserAttributes": [{ "Name": "given_name", "Value": "G" }] })
            )
            .await
        ),
        "InvalidParameterException"
    );
    // The standard attribute's own constraints apply to values.
    assert_eq!(
        code(
            admin(
                &server,
                "AdminCreateUser",
                json!({ "UserPoolId": pool_id, "Username": "hal", "MessageAction": "SUPPRESS",
                        "UserAttributes": [{ "Name": "email", "Value": "h@e.io" }, { "Name": "birthdate", "Value": "1990-1-1" }] })
            )
            .await
        ),
        "InvalidParameterException"
    );
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": pool_id, "Username": "hal", "MessageAction": "SUPPRESS",
                "UserAttributes": [{ "Name": "email", "Value": "hal@example.com" }, { "Name": "birthdate", "Value": "1990-01-01" }] }),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn lambda_config_and_verification_messages_are_returned() {
    let server = start_with(json!({ "Pools": [] })).await;
    let lambda = json!({
        "PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:pre",
        "CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:msg",
    });
    let created = admin(
        &server,
        "CreateUserPool",
        json!({ "PoolName": "hooks", "LambdaConfig": lambda,
                "VerificationMessageTemplate": { "SmsMessage": "Code {####}", "EmailMessage": "Your code is {####}",
                                                 "EmailSubject": "Welcome", "DefaultEmailOption": "CONFIRM_WITH_CODE" } }),
    )
    .await
    .unwrap()["UserPool"]
        .clone();
    let pool_id = created["Id"].as_str().unwrap().to_string();
    let described = describe_pool(&server, &pool_id).await;
    assert_eq!(described["LambdaConfig"], lambda);
    assert_eq!(created["LambdaConfig"], lambda);
    assert_eq!(described["SmsVerificationMessage"], "Code {####}");
    assert_eq!(described["EmailVerificationMessage"], "Your code is {####}");
    assert_eq!(described["EmailVerificationSubject"], "Welcome");
    let listed = admin(&server, "ListUserPools", json!({ "MaxResults": 10 }))
        .await
        .unwrap();
    assert_eq!(listed["UserPools"][0]["LambdaConfig"], lambda);

    // The legacy members fill the template.
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": pool_id, "EmailVerificationMessage": "Use {####} now", "EmailVerificationSubject": "Hi",
                "SmsVerificationMessage": "SMS {####}" }),
    )
    .await
    .unwrap();
    let described = describe_pool(&server, &pool_id).await;
    assert_eq!(
        described["VerificationMessageTemplate"],
        json!({ "DefaultEmailOption": "CONFIRM_WITH_CODE", "EmailMessage": "Use {####} now",
                "EmailSubject": "Hi", "SmsMessage": "SMS {####}" })
    );
    assert_eq!(described["EmailVerificationMessage"], "Use {####} now");
    // UpdateUserPool without LambdaConfig resets it, as the service does.
    assert_eq!(described["LambdaConfig"], json!({}));

    for bad in [
        json!({ "PoolName": "p", "SmsVerificationMessage": "no placeholder" }),
        json!({ "PoolName": "p", "EmailVerificationMessage": "Code {####}".repeat(3000) }),
        json!({ "PoolName": "p", "EmailVerificationSubject": "" }),
        json!({ "PoolName": "p", "VerificationMessageTemplate": { "EmailMessage": "no code here" } }),
        json!({ "PoolName": "p", "VerificationMessageTemplate": { "EmailMessageByLink": "no link here" } }),
        json!({ "PoolName": "p", "VerificationMessageTemplate": { "DefaultEmailOption": "CONFIRM_WITH_PIGEON" } }),
    ] {
        assert_eq!(
            code(admin(&server, "CreateUserPool", bad.clone()).await),
            "InvalidParameterException",
            "{bad}"
        );
    }
    for bad in [
        json!({ "PoolName": "p", "LambdaConfig": "arn" }),
        json!({ "PoolName": "p", "VerificationMessageTemplate": "x" }),
        json!({ "PoolName": "p", "SmsVerificationMessage": 5 }),
    ] {
        assert_eq!(
            code(admin(&server, "CreateUserPool", bad.clone()).await),
            "SerializationException",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn list_users_filters_as_documented() {
    let server = start_with(basic_config()).await;
    for (username, email, given) in [
        ("bob", "bob@example.com", "Bob"),
        ("bobby", "bobby@example.org", "Bobby"),
        ("quote", "quote@example.com", "Say \"hi\""),
    ] {
        admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": POOL, "Username": username, "MessageAction": "SUPPRESS",
                    "UserAttributes": [{ "Name": "email", "Value": email }, { "Name": "given_name", "Value": given },
                                       { "Name": "name", "Value": username }] }),
        )
        .await
        .unwrap();
    }
    admin(
        &server,
        "AdminDisableUser",
        json!({ "UserPoolId": POOL, "Username": "bobby" }),
    )
    .await
    .unwrap();
    let names = |filter: &str| {
        let filter = filter.to_string();
        let server = &server;
        async move {
            let listed = admin(
                server,
                "ListUsers",
                json!({ "UserPoolId": POOL, "Filter": filter }),
            )
            .await?;
            let mut names: Vec<String> = listed["Users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["Username"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            Ok::<_, (String, String)>(names)
        }
    };
    assert_eq!(names("email = \"bob@example.com\"").await.unwrap(), ["bob"]);
    assert_eq!(
        names("given_name ^= \"Bob\"").await.unwrap(),
        ["bob", "bobby"]
    );
    assert_eq!(names("username=\"bob\"").await.unwrap(), ["bob"]);
    assert_eq!(
        names("username = \"BOB\"").await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(names("status = \"Disabled\"").await.unwrap(), ["bobby"]);
    assert_eq!(
        names("status = \"disabled\"").await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        names("cognito:user_status = \"force_change_password\"")
            .await
            .unwrap(),
        ["bob", "bobby", "quote", "temp"]
    );
    assert_eq!(
        names("cognito:user_status = \"CONFIRMED\"").await.unwrap(),
        ["alice"]
    );
    assert_eq!(
        names("given_name = \"Say \\\"hi\\\"\"").await.unwrap(),
        ["quote"]
    );
    assert_eq!(names("").await.unwrap().len(), 5);
    for bad in [
        "custom:tier = \"x\"",
        "address = \"x\"",
        "email",
        "email = bob@example.com",
        "email == \"x\"",
        "email = \"unterminated",
        "email = \"x\" and name = \"y\"",
        "email ~= \"x\"",
    ] {
        assert_eq!(
            names(bad).await.unwrap_err().0,
            "InvalidParameterException",
            "{bad}"
        );
    }
    let long = format!("email = \"{}\"", "a".repeat(300));
    assert_eq!(
        names(&long).await.unwrap_err().0,
        "InvalidParameterException"
    );

    // AttributesToGet returns only what was asked for.
    let listed = admin(
        &server,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Filter": "username = \"bob\"", "AttributesToGet": ["email"] }),
    )
    .await
    .unwrap();
    assert_eq!(
        listed["Users"][0]["Attributes"],
        json!([{ "Name": "email", "Value": "bob@example.com" }])
    );
    assert_eq!(
        code(
            admin(
                &server,
                "ListUsers",
                json!({ "UserPoolId": POOL, "AttributesToGet": ["custom:nope"] })
            )
            .await
        ),
        "InvalidParameterException"
    );

    // Pages.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({ "UserPoolId": POOL, "Limit": 2 });
        if let Some(token) = &token {
            body["PaginationToken"] = json!(token);
        }
        let page = admin(&server, "ListUsers", body).await.unwrap();
        let users = page["Users"].as_array().unwrap();
        assert!(users.len() <= 2);
        seen.extend(
            users
                .iter()
                .map(|u| u["Username"].as_str().unwrap().to_string()),
        );
        match page["PaginationToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["alice", "bob", "bobby", "quote", "temp"]);
    for bad in [
        json!({ "UserPoolId": POOL, "Limit": 61 }),
        json!({ "UserPoolId": POOL, "Limit": -1 }),
        json!({ "UserPoolId": POOL, "PaginationToken": "nope" }),
        json!({}),
    ] {
        assert_eq!(
            code(admin(&server, "ListUsers", bad.clone()).await),
            "InvalidParameterException",
            "{bad}"
        );
    }
    assert_eq!(
        code(
            admin(
                &server,
                "ListUsers",
                json!({ "UserPoolId": POOL, "Filter": 5 })
            )
            .await
        ),
        "SerializationException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "ListUsers",
                json!({ "UserPoolId": "us-east-1_Nope" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn verified_flags_are_read_in_any_case() {
    let server = start_with(json!({ "Pools": [{
        "Id": "us-east-1_Alias1",
        "PoolName": "alias",
        "AliasAttributes": ["email"],
    }]}))
    .await;
    for (username, flag) in [("ivy", "True"), ("jay", "FALSE")] {
        admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": "us-east-1_Alias1", "Username": username, "MessageAction": "SUPPRESS",
                    "UserAttributes": [{ "Name": "email", "Value": format!("{username}@example.com") },
                                       { "Name": "email_verified", "Value": flag }] }),
        )
        .await
        .unwrap();
    }
    // A verified email is a sign-in alias: "True" counts as verified, "FALSE" does not.
    let found = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": "us-east-1_Alias1", "Username": "ivy@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(found["Username"], "ivy");
    assert_eq!(
        code(
            admin(
                &server,
                "AdminGetUser",
                json!({ "UserPoolId": "us-east-1_Alias1", "Username": "jay@example.com" })
            )
            .await
        ),
        "UserNotFoundException"
    );
    // Not a boolean at all is refused.
    assert_eq!(
        code(
            admin(
                &server,
                "AdminCreateUser",
                json!({ "UserPoolId": "us-east-1_Alias1", "Username": "kim", "MessageAction": "SUPPRESS",
                        "UserAttributes": [{ "Name": "email_verified", "Value": "yes" }] })
            )
            .await
        ),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn client_and_schema_changes_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-poolcfg-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    admin(
        &server,
        "UpdateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "ClientName": "public",
                "CallbackURLs": ["https://app.example.com/cb"], "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid"], "AllowedOAuthFlowsUserPoolClient": true }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AddCustomAttributes",
        json!({ "UserPoolId": POOL, "CustomAttributes": [
            { "Name": "tier", "AttributeDataType": "String", "StringAttributeConstraints": { "MaxLength": "4" } }] }),
    )
    .await
    .unwrap();
    let before = describe_client(&server, "publicclient").await;
    server.shutdown().await;

    let server = start(options()).await.unwrap();
    assert_eq!(describe_client(&server, "publicclient").await, before);
    let schema = describe_pool(&server, POOL).await["SchemaAttributes"].clone();
    assert!(
        schema
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["Name"] == "custom:tier"
                && a["StringAttributeConstraints"]["MaxLength"] == "4")
    );
    // The constraint still applies after the restart.
    assert_eq!(
        code(
            admin(
                &server,
                "AdminUpdateUserAttributes",
                json!({ "UserPoolId": POOL, "Username": "alice",
                        "UserAttributes": [{ "Name": "custom:tier", "Value": "toolong" }] })
            )
            .await
        ),
        "InvalidParameterException"
    );
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The answers of the service recorded for the schema and the link message (issue #19's last
/// section): exact texts, not only the exception.
#[tokio::test]
async fn schema_and_link_message_answer_as_the_service() {
    let server = start_with(json!({ "Pools": [] })).await;
    let message = |result: Result<Value, (String, String)>| result.unwrap_err().1;

    // EmailMessageByLink: {##…##} around any text; none at all is "The message is invalid."
    for (text, accepted) in [
        ("Click {##foobar##} to verify", true),
        ("{##Verify Email##}", true),
        ("Open {####} now", true),
        ("no link here", false),
        ("half {## of a link", false),
        ("wrong ##} order {##", false),
    ] {
        let result = admin(
            &server,
            "CreateUserPool",
            json!({ "PoolName": "link", "VerificationMessageTemplate": { "EmailMessageByLink": text } }),
        )
        .await;
        if accepted {
            let pool = &result.unwrap()["UserPool"];
            assert_eq!(
                pool["VerificationMessageTemplate"]["EmailMessageByLink"],
                text
            );
        } else {
            let (code, text_back) = result.unwrap_err();
            assert_eq!(code, "InvalidParameterException", "{text}");
            assert_eq!(text_back, "The message is invalid.", "{text}");
        }
    }

    // updated_at is a Number attribute with MinValue 0 unless the schema says otherwise.
    let plain = admin(&server, "CreateUserPool", json!({ "PoolName": "plain" }))
        .await
        .unwrap();
    let updated_at = |pool: &Value| {
        pool["UserPool"]["SchemaAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == "updated_at")
            .cloned()
            .unwrap()
    };
    assert_eq!(
        updated_at(&plain),
        json!({ "Name": "updated_at", "AttributeDataType": "Number", "DeveloperOnlyAttribute": false,
                "Mutable": true, "Required": false, "NumberAttributeConstraints": { "MinValue": "0" } })
    );
    let plain_id = plain["UserPool"]["Id"].as_str().unwrap().to_string();
    assert_eq!(
        message(
            admin(
                &server,
                "AdminCreateUser",
                json!({ "UserPoolId": plain_id, "Username": "neg", "MessageAction": "SUPPRESS",
                        "UserAttributes": [{ "Name": "updated_at", "Value": "-5" }] })
            )
            .await
        ),
        "Attributes did not conform to the schema: updated_at: Number must be no less than 0"
    );
    let bounded = admin(
        &server,
        "CreateUserPool",
        json!({ "PoolName": "bounded", "Schema": [{ "Name": "updated_at", "AttributeDataType": "Number",
                "NumberAttributeConstraints": { "MinValue": "100", "MaxValue": "2000000000" } }] }),
    )
    .await
    .unwrap();
    assert_eq!(
        updated_at(&bounded)["NumberAttributeConstraints"],
        json!({ "MinValue": "100", "MaxValue": "2000000000" })
    );
    for bad in [
        json!({ "MinValue": "5", "MaxValue": "4" }),
        json!({ "MinValue": "soon" }),
    ] {
        assert_eq!(
            code(
                admin(
                    &server,
                    "CreateUserPool",
                    json!({ "PoolName": "bad", "Schema": [{ "Name": "updated_at", "NumberAttributeConstraints": bad.clone() }] })
                )
                .await
            ),
            "InvalidParameterException",
            "{bad}"
        );
    }

    // AttributeDataType outside the enum: the validation form with the member's path (from 1).
    assert_eq!(
        message(
            admin(
                &server,
                "CreateUserPool",
                json!({ "PoolName": "t", "Schema": [custom("a", "String"), custom("b", "Text")] })
            )
            .await
        ),
        "1 validation error detected: Value 'Text' at 'schema.2.member.attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [String, Number, DateTime, Boolean]"
    );
    assert_eq!(
        message(
            admin(
                &server,
                "CreateUserPool",
                json!({ "PoolName": "t", "Schema": [{ "Name": "email", "AttributeDataType": "Text" }] })
            )
            .await
        ),
        "1 validation error detected: Value 'Text' at 'schema.1.member.attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [String, Number, DateTime, Boolean]"
    );
    assert_eq!(
        message(
            admin(
                &server,
                "CreateUserPool",
                json!({ "PoolName": "t", "Schema": [{ "Name": "nokind" }] })
            )
            .await
        ),
        "Invalid AttributeDataType input, consider using the provided AttributeDataType enum."
    );
    assert_eq!(
        message(
            admin(
                &server,
                "CreateUserPool",
                json!({ "PoolName": "t", "MfaConfiguration": "SOMETIMES" })
            )
            .await
        ),
        "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OPTIONAL, OFF, ON]"
    );

    // AddCustomAttributes: the same path form, and a duplicate names both attributes.
    admin(
        &server,
        "AddCustomAttributes",
        json!({ "UserPoolId": plain_id, "CustomAttributes": [{ "Name": "banana", "AttributeDataType": "String", "DeveloperOnlyAttribute": true }] }),
    )
    .await
    .unwrap();
    assert_eq!(
        message(
            admin(
                &server,
                "AddCustomAttributes",
                json!({ "UserPoolId": plain_id, "CustomAttributes": [custom("banana", "String")] })
            )
            .await
        ),
        "custom:banana: Existing attribute already has name dev:custom:banana."
    );
    assert_eq!(
        message(
            admin(
                &server,
                "AddCustomAttributes",
                json!({ "UserPoolId": plain_id, "CustomAttributes": [custom("kiwi", "String"), custom("mango", "Float")] })
            )
            .await
        ),
        "1 validation error detected: Value 'Float' at 'customAttributes.2.member.attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [String, Number, DateTime, Boolean]"
    );
    // Nothing of the refused calls was stored.
    let described = describe_pool(&server, &plain_id).await;
    let names: Vec<&str> = described["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["Name"].as_str())
        .filter(|n| n.contains("custom:"))
        .collect();
    assert_eq!(names, ["dev:custom:banana"]);
}
