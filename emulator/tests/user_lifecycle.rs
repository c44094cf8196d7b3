//! User-lifecycle answers found wrong against recorded answers of the service (issue #21):
//! the UsernameAttributes messages, AdminResetUserPassword's state rule and destination, and
//! attribute names outside the schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

fn pool(id: &str, username_attributes: &[&str]) -> Value {
    json!({
        "Id": id,
        "PoolName": id,
        "UsernameAttributes": username_attributes,
        "Clients": [{ "ClientId": client_of(id), "ClientName": "c" }],
    })
}

/// The one app client of a test pool: `client` and the pool id's suffix.
fn client_of(pool_id: &str) -> String {
    format!("client{}", pool_id.split('_').nth(1).unwrap())
}

async fn outbox(server: &RunningServer, pool_id: &str, username: &str) -> Vec<Value> {
    let path = format!("/_emulator/outbox?poolId={pool_id}&username={username}");
    let reply = request(server.addr, "GET", &path, &[], b"").await;
    assert_eq!(reply.status, 200);
    reply.json().as_array().cloned().unwrap_or_default()
}

async fn access_token(server: &RunningServer, username: &str, password: &str) -> String {
    let reply = call(
        server,
        "InitiateAuth",
        json!({ "ClientId": "publicclient", "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": username, "PASSWORD": password } }),
    )
    .await
    .unwrap();
    reply["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_username_that_does_not_fit_username_attributes_is_named() {
    let server = start_with(json!({ "Pools": [
        pool("us-east-1_Email", &["email"]),
        pool("us-east-1_Phone", &["phone_number"]),
        pool("us-east-1_Both", &["email", "phone_number"]),
    ]}))
    .await;
    for (pool_id, expected) in [
        ("us-east-1_Email", "Username should be an email."),
        ("us-east-1_Phone", "Username should be a phone number."),
        (
            "us-east-1_Both",
            "Username should be either an email or a phone number.",
        ),
    ] {
        let client_id = client_of(pool_id);
        let signed_up = call(
            &server,
            "SignUp",
            json!({ "ClientId": client_id, "Username": "bob", "Password": "Passw0rd!" }),
        )
        .await;
        assert_eq!(
            signed_up,
            Err(("InvalidParameterException".into(), expected.into())),
            "SignUp in {pool_id}"
        );
        let created = admin(
            &server,
            "AdminCreateUser",
            json!({ "UserPoolId": pool_id, "Username": "bob" }),
        )
        .await;
        assert_eq!(
            created,
            Err(("InvalidParameterException".into(), expected.into())),
            "AdminCreateUser in {pool_id}"
        );
    }
    // What fits is accepted.
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": "us-east-1_Phone", "Username": "+15555550100" }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": "us-east-1_Both", "Username": "bob@example.com" }),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn admin_reset_user_password_refuses_force_change_and_sends_only_to_verified() {
    let mut config = basic_config();
    config["Pools"][0]["Users"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "Username": "carol", "Password": "Passw0rd!",
                      "Attributes": { "email": "carol@example.com", "name": "Carol" } }));
    let server = start_with(config).await;

    let refused = admin(
        &server,
        "AdminResetUserPassword",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await;
    assert_eq!(
        refused,
        Err((
            "NotAuthorizedException".into(),
            "User password cannot be reset in the current state.".into()
        ))
    );
    let temp = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "temp" }),
    )
    .await
    .unwrap();
    assert_eq!(temp["UserStatus"], "FORCE_CHANGE_PASSWORD");

    // An unverified email gets no code; the reset happens all the same.
    admin(
        &server,
        "AdminResetUserPassword",
        json!({ "UserPoolId": POOL, "Username": "carol" }),
    )
    .await
    .unwrap();
    assert!(outbox(&server, POOL, "carol").await.is_empty());
    let carol = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "carol" }),
    )
    .await
    .unwrap();
    assert_eq!(carol["UserStatus"], "RESET_REQUIRED");

    // A verified email gets the reset code.
    admin(
        &server,
        "AdminResetUserPassword",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    let sent = latest_code(&server, POOL, "alice").await;
    assert_eq!(sent["kind"], "FORGOT_PASSWORD", "{sent}");
    assert_eq!(sent["destination"], "alice@example.com", "{sent}");
    server.shutdown().await;
}

#[tokio::test]
async fn attributes_outside_the_schema_are_refused() {
    let mut config = basic_config();
    config["Pools"][0]["Schema"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "Name": "tier", "AttributeDataType": "String", "Mutable": true }));
    let server = start_with(config).await;
    let undeclared = || {
        Err::<Value, _>((
            "InvalidParameterException".to_string(),
            "Attributes did not conform to the schema: custom:x: Attribute does not exist in the schema."
                .to_string(),
        ))
    };

    let signed_up = call(
        &server,
        "SignUp",
        json!({ "ClientId": "publicclient", "Username": "dave", "Password": "Passw0rd!",
                "UserAttributes": [
                    { "Name": "name", "Value": "Dave" },
                    { "Name": "custom:x", "Value": "1" },
                ] }),
    )
    .await;
    assert_eq!(signed_up, undeclared());

    let token = access_token(&server, "alice", "Passw0rd!").await;
    let updated = call(
        &server,
        "UpdateUserAttributes",
        json!({ "AccessToken": token, "UserAttributes": [{ "Name": "custom:x", "Value": "1" }] }),
    )
    .await;
    assert_eq!(updated, undeclared());

    let deleted = call(
        &server,
        "DeleteUserAttributes",
        json!({ "AccessToken": token, "UserAttributeNames": ["custom:x"] }),
    )
    .await;
    assert_eq!(deleted, undeclared());
    let admin_deleted = admin(
        &server,
        "AdminDeleteUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["custom:x"] }),
    )
    .await;
    assert_eq!(admin_deleted, undeclared());

    // Declared names still work.
    call(
        &server,
        "UpdateUserAttributes",
        json!({ "AccessToken": token, "UserAttributes": [{ "Name": "custom:tier", "Value": "gold" }] }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminDeleteUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["custom:tier"] }),
    )
    .await
    .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn confirming_an_email_alias_another_user_holds_needs_force_alias_creation() {
    let mut config = basic_config();
    config["Pools"][0]["AliasAttributes"] = json!(["email"]);
    let server = start_with(config).await;
    let sign_up = |username: &'static str| {
        let server = &server;
        async move {
            call(
                server,
                "SignUp",
                json!({ "ClientId": "publicclient", "Username": username, "Password": "Passw0rd!",
                        "UserAttributes": [{ "Name": "email", "Value": "ALICE@example.com" },
                                           { "Name": "name", "Value": "Twin" }] }),
            )
            .await
            .unwrap();
            latest_code(server, POOL, username).await["code"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let confirm = |username: &'static str, code: String, force: Option<bool>| {
        let server = &server;
        async move {
            let mut body = json!({ "ClientId": "publicclient", "Username": username, "ConfirmationCode": code });
            if let Some(force) = force {
                body["ForceAliasCreation"] = json!(force);
            }
            call(server, "ConfirmSignUp", body).await
        }
    };
    // alice holds alice@example.com verified: bob cannot take it without forcing.
    let code = sign_up("bob").await;
    assert_eq!(
        self::code(confirm("bob", code.clone(), None).await),
        "AliasExistsException"
    );
    assert_eq!(
        self::code(confirm("bob", code.clone(), Some(false)).await),
        "AliasExistsException"
    );
    // A code with white space around it is not the code (the member's pattern is [\S]+).
    assert_eq!(
        self::code(confirm("bob", format!(" {code}\n"), Some(true)).await),
        "InvalidParameterException"
    );
    confirm("bob", code, Some(true)).await.unwrap();
    // The alias moved: the email now signs bob in, and alice's is no longer verified.
    let user = |name: &'static str| {
        let server = &server;
        async move {
            admin(
                server,
                "AdminGetUser",
                json!({ "UserPoolId": POOL, "Username": name }),
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(user("alice@example.com").await["Username"], "bob");
    let alice = user("alice").await;
    let verified = alice["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "email_verified")
        .unwrap()["Value"]
        .clone();
    assert_eq!(verified, "false");
    server.shutdown().await;
}

/// AdminCreateUser's invitation goes by SMS when the request names no medium (the reference's
/// default), by email for a user without a phone number; the enum members are checked; a name
/// that exists is told in AdminCreateUser's own words.
#[tokio::test]
async fn admin_create_user_invites_by_sms_by_default_and_checks_its_enums() {
    let server = start_with(json!({ "Pools": [pool("us-east-1_Plain", &[])] })).await;
    let create = |username: &str, extra: Value| {
        let mut body = json!({ "UserPoolId": "us-east-1_Plain", "Username": username });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let both = json!({ "UserAttributes": [
        { "Name": "email", "Value": "ann@example.com" },
        { "Name": "phone_number", "Value": "+15555550123" },
    ] });
    admin(&server, "AdminCreateUser", create("ann", both.clone()))
        .await
        .unwrap();
    let sent = outbox(&server, "us-east-1_Plain", "ann").await;
    let media: Vec<(&str, &str)> = sent
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["deliveryMedium"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(media, [("INVITATION", "SMS")], "{sent:?}");
    assert_eq!(sent[0]["destination"], "+15555550123");

    let email_only = json!({ "UserAttributes": [{ "Name": "email", "Value": "ben@example.com" }] });
    admin(&server, "AdminCreateUser", create("ben", email_only))
        .await
        .unwrap();
    let sent = outbox(&server, "us-east-1_Plain", "ben").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["deliveryMedium"], "EMAIL");

    // Both media when both are asked for.
    let mut asked = both.clone();
    asked["DesiredDeliveryMediums"] = json!(["EMAIL", "SMS"]);
    asked["UserAttributes"][0]["Value"] = json!("cy@example.com");
    admin(&server, "AdminCreateUser", create("cy", asked))
        .await
        .unwrap();
    assert_eq!(outbox(&server, "us-east-1_Plain", "cy").await.len(), 2);

    // Values outside the enums are refused, and nothing is created.
    for (extra, member) in [
        (json!({ "MessageAction": "resend" }), "messageAction"),
        (
            json!({ "DesiredDeliveryMediums": ["FAX"] }),
            "desiredDeliveryMediums",
        ),
    ] {
        let refused = admin(&server, "AdminCreateUser", create("dee", extra)).await;
        let (code, message) = refused.unwrap_err();
        assert_eq!(code, "InvalidParameterException");
        assert!(message.contains(&format!("at '{member}'")), "{message}");
    }
    let missing = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": "us-east-1_Plain", "Username": "dee" }),
    )
    .await;
    assert_eq!(missing.unwrap_err().0, "UserNotFoundException");

    // A name that exists: AdminCreateUser's words (SignUp's are "User already exists").
    let again = admin(&server, "AdminCreateUser", create("ann", json!({}))).await;
    assert_eq!(
        again,
        Err((
            "UsernameExistsException".into(),
            "User account already exists".into()
        ))
    );
    server.shutdown().await;
}

/// In a pool with email as a sign-in alias, AdminCreateUser with a verified email another user
/// holds verified is AliasExistsException (and creates no one); with ForceAliasCreation the alias
/// moves to the new user and the other one's email is no longer verified.
#[tokio::test]
async fn admin_create_user_refuses_or_moves_a_verified_alias() {
    let mut pool = pool("us-east-1_Alias", &[]);
    pool.as_object_mut().unwrap().remove("UsernameAttributes");
    pool["AliasAttributes"] = json!(["email"]);
    let server = start_with(json!({ "Pools": [pool] })).await;
    let verified = |email: &str| json!([{ "Name": "email", "Value": email }, { "Name": "email_verified", "Value": "true" }]);
    let create = |username: &str, force: Option<bool>| {
        let mut body = json!({ "UserPoolId": "us-east-1_Alias", "Username": username,
                               "MessageAction": "SUPPRESS", "UserAttributes": verified("same@example.com") });
        if let Some(force) = force {
            body["ForceAliasCreation"] = json!(force);
        }
        body
    };
    let get = |username: &str| json!({ "UserPoolId": "us-east-1_Alias", "Username": username });
    let email_verified = |user: &Value| {
        user["UserAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == "email_verified")
            .map(|a| a["Value"].as_str().unwrap().to_string())
    };
    admin(&server, "AdminCreateUser", create("ann", None))
        .await
        .unwrap();
    for force in [None, Some(false)] {
        let refused = admin(&server, "AdminCreateUser", create("bob", force)).await;
        assert_eq!(
            refused,
            Err((
                "AliasExistsException".into(),
                "An account with the given email already exists.".into()
            ))
        );
        let bob = admin(&server, "AdminGetUser", get("bob")).await;
        assert_eq!(
            bob.unwrap_err().0,
            "UserNotFoundException",
            "nothing was created"
        );
    }
    // An unverified email is no alias: no conflict.
    let mut unverified = create("cy", None);
    unverified["UserAttributes"] = json!([{ "Name": "email", "Value": "same@example.com" }]);
    admin(&server, "AdminCreateUser", unverified).await.unwrap();

    admin(&server, "AdminCreateUser", create("bob", Some(true)))
        .await
        .unwrap();
    let ann = admin(&server, "AdminGetUser", get("ann")).await.unwrap();
    assert_eq!(email_verified(&ann).as_deref(), Some("false"), "{ann}");
    let bob = admin(&server, "AdminGetUser", get("bob")).await.unwrap();
    assert_eq!(email_verified(&bob).as_deref(), Some("true"), "{bob}");
    server.shutdown().await;
}
