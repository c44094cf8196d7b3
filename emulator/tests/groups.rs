//! Groups (issue #15): CRUD with the reference's validation and exceptions, memberships,
//! pagination, and the group claims of tokens (precedence, ties, refresh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";
const ROLE_A: &str = "arn:aws:iam::123456789012:role/admins";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/readers";

async fn create(server: &RunningServer, body: Value) -> Result<Value, (String, String)> {
    admin(server, "CreateGroup", body).await
}

/// The payload of a JWT.
fn claims(token: &Value) -> Value {
    let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Signs alice in with USER_PASSWORD_AUTH; returns AuthenticationResult.
async fn sign_in(server: &RunningServer) -> Value {
    let reply = call(
        server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    reply["AuthenticationResult"].clone()
}

async fn add(server: &RunningServer, user: &str, group: &str) {
    admin(
        server,
        "AdminAddUserToGroup",
        json!({ "UserPoolId": POOL, "Username": user, "GroupName": group }),
    )
    .await
    .unwrap();
}

async fn group_names(
    server: &RunningServer,
    operation: &str,
    body: Value,
    key: &str,
) -> Vec<String> {
    let reply = admin(server, operation, body).await.unwrap();
    reply[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.get("GroupName")
                .or_else(|| g.get("Username"))
                .and_then(Value::as_str)
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn groups_are_created_read_updated_listed_and_deleted() {
    let server = start_with(basic_config()).await;
    let created = create(
        &server,
        json!({ "UserPoolId": POOL, "GroupName": "admins", "Description": "d",
                "RoleArn": ROLE_A, "Precedence": 1 }),
    )
    .await
    .unwrap();
    let group = &created["Group"];
    assert_eq!(group["GroupName"], "admins");
    assert_eq!(group["UserPoolId"], POOL);
    assert_eq!(group["Description"], "d");
    assert_eq!(group["RoleArn"], ROLE_A);
    assert_eq!(group["Precedence"], 1);
    assert!(group["CreationDate"].is_number() && group["LastModifiedDate"].is_number());
    assert_eq!(
        admin(
            &server,
            "GetGroup",
            json!({ "UserPoolId": POOL, "GroupName": "admins" })
        )
        .await
        .unwrap(),
        created
    );
    // Optional members left out are absent, not null.
    let bare = create(&server, json!({ "UserPoolId": POOL, "GroupName": "bare" }))
        .await
        .unwrap();
    let members: Vec<&String> = bare["Group"].as_object().unwrap().keys().collect();
    assert_eq!(
        members,
        [
            "CreationDate",
            "GroupName",
            "LastModifiedDate",
            "UserPoolId"
        ]
    );

    assert_eq!(
        code(
            create(
                &server,
                json!({ "UserPoolId": POOL, "GroupName": "admins" })
            )
            .await
        ),
        "GroupExistsException"
    );
    // UpdateGroup replaces what it is given and keeps the rest.
    let updated = admin(
        &server,
        "UpdateGroup",
        json!({ "UserPoolId": POOL, "GroupName": "admins", "Description": "new" }),
    )
    .await
    .unwrap();
    assert_eq!(updated["Group"]["Description"], "new");
    assert_eq!(updated["Group"]["Precedence"], 1);
    assert_eq!(updated["Group"]["RoleArn"], ROLE_A);

    admin(
        &server,
        "DeleteGroup",
        json!({ "UserPoolId": POOL, "GroupName": "bare" }),
    )
    .await
    .unwrap();
    for operation in ["GetGroup", "DeleteGroup", "UpdateGroup"] {
        assert_eq!(
            code(
                admin(
                    &server,
                    operation,
                    json!({ "UserPoolId": POOL, "GroupName": "bare" })
                )
                .await
            ),
            "ResourceNotFoundException",
            "{operation}"
        );
    }
    assert_eq!(
        group_names(
            &server,
            "ListGroups",
            json!({ "UserPoolId": POOL }),
            "Groups"
        )
        .await,
        ["admins"]
    );
}

#[tokio::test]
async fn group_requests_are_validated_as_the_service_does() {
    let server = start_with(basic_config()).await;
    let long_name = "g".repeat(129);
    let long_description = "d".repeat(2049);
    let cases = [
        (json!({ "UserPoolId": POOL }), "InvalidParameterException"),
        (json!({ "GroupName": "g" }), "InvalidParameterException"),
        (
            json!({ "UserPoolId": POOL, "GroupName": "" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": long_name }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "a b" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": 7 }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "Precedence": "1" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "Precedence": 1.5 }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "Precedence": -1 }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "Precedence": 2_147_483_648_i64 }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "Description": long_description }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "RoleArn": "arn:aws:iam" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "RoleArn": "arn:aws:iam::account:role/x" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "RoleArn": "not:aws:iam::123456789012:role/x" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "GroupName": "g", "RoleArn": ["x"] }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "GroupName": "g" }),
            "ResourceNotFoundException",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            code(create(&server, body.clone()).await),
            expected,
            "{body}"
        );
    }
    // The bounds themselves are accepted.
    create(
        &server,
        json!({ "UserPoolId": POOL, "GroupName": "g".repeat(128), "Precedence": 2_147_483_647_i64,
                "RoleArn": "arn:aws-cn:iam::1:role/path/x:y", "Description": "d".repeat(2048) }),
    )
    .await
    .unwrap();
    create(
        &server,
        json!({ "UserPoolId": POOL, "GroupName": "zero", "Precedence": 0 }),
    )
    .await
    .unwrap();
    // UpdateGroup validates the same way.
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateGroup",
                json!({ "UserPoolId": POOL, "GroupName": "zero", "Precedence": -5 })
            )
            .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        code(admin(&server, "ListGroups", json!({})).await),
        "InvalidParameterException"
    );
    // Group operations are administrator operations.
    let unsigned = call(&server, "ListGroups", json!({ "UserPoolId": POOL })).await;
    assert_eq!(code(unsigned), "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn group_lists_page_with_limit_and_next_token() {
    let server = start_with(basic_config()).await;
    for name in ["e", "d", "c", "b", "a"] {
        create(&server, json!({ "UserPoolId": POOL, "GroupName": name }))
            .await
            .unwrap();
        add(&server, "alice", name).await;
    }
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "bob", "MessageAction": "SUPPRESS" }),
    )
    .await
    .unwrap();
    add(&server, "bob", "a").await;

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({ "UserPoolId": POOL, "Limit": 2 });
        if let Some(token) = &token {
            body["NextToken"] = json!(token);
        }
        let page = admin(&server, "ListGroups", body).await.unwrap();
        pages += 1;
        seen.extend(
            page["Groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["GroupName"].clone()),
        );
        match page.get("NextToken") {
            Some(next) => token = Some(next.as_str().unwrap().to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["a", "b", "c", "d", "e"]);

    let first = admin(
        &server,
        "AdminListGroupsForUser",
        json!({ "UserPoolId": POOL, "Username": "alice", "Limit": 3 }),
    )
    .await
    .unwrap();
    assert_eq!(first["Groups"].as_array().unwrap().len(), 3);
    let rest = admin(
        &server,
        "AdminListGroupsForUser",
        json!({ "UserPoolId": POOL, "Username": "alice", "NextToken": first["NextToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(rest["Groups"].as_array().unwrap().len(), 2);
    assert!(rest.get("NextToken").is_none());

    let users = admin(
        &server,
        "ListUsersInGroup",
        json!({ "UserPoolId": POOL, "GroupName": "a", "Limit": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(users["Users"][0]["Username"], "alice");
    assert_eq!(users["Users"][0]["UserStatus"], "CONFIRMED");
    assert!(users["Users"][0]["Attributes"].is_array());
    let users = admin(
        &server,
        "ListUsersInGroup",
        json!({ "UserPoolId": POOL, "GroupName": "a", "Limit": 1, "NextToken": users["NextToken"] }),
    )
    .await
    .unwrap();
    assert_eq!(users["Users"][0]["Username"], "bob");
    assert!(users.get("NextToken").is_none());

    for (operation, extra) in [
        ("ListGroups", json!({})),
        ("AdminListGroupsForUser", json!({ "Username": "alice" })),
        ("ListUsersInGroup", json!({ "GroupName": "a" })),
    ] {
        for bad in [
            json!({ "Limit": 61 }),
            json!({ "Limit": -1 }),
            json!({ "NextToken": "x" }),
            json!({ "NextToken": "99" }),
        ] {
            let mut body = extra.clone();
            body["UserPoolId"] = json!(POOL);
            for (key, value) in bad.as_object().unwrap() {
                body[key] = value.clone();
            }
            assert_eq!(
                code(admin(&server, operation, body.clone()).await),
                "InvalidParameterException",
                "{operation} {body}"
            );
        }
        let mut body = extra.clone();
        body["UserPoolId"] = json!(POOL);
        body["Limit"] = json!("2");
        assert_eq!(
            code(admin(&server, operation, body).await),
            "SerializationException",
            "{operation}"
        );
    }
}

#[tokio::test]
async fn memberships_follow_users_and_groups() {
    let server = start_with(basic_config()).await;
    for name in ["g1", "g2"] {
        create(&server, json!({ "UserPoolId": POOL, "GroupName": name }))
            .await
            .unwrap();
    }
    let membership = |user: &str, group: &str| json!({ "UserPoolId": POOL, "Username": user, "GroupName": group });
    for operation in ["AdminAddUserToGroup", "AdminRemoveUserFromGroup"] {
        assert_eq!(
            code(admin(&server, operation, membership("nobody", "g1")).await),
            "UserNotFoundException"
        );
        assert_eq!(
            code(admin(&server, operation, membership("alice", "nope")).await),
            "ResourceNotFoundException"
        );
        assert_eq!(
            code(admin(&server, operation, json!({ "UserPoolId": "us-east-1_Nope", "Username": "alice", "GroupName": "g1" })).await),
            "ResourceNotFoundException"
        );
        assert_eq!(
            code(
                admin(
                    &server,
                    operation,
                    json!({ "UserPoolId": POOL, "Username": "alice" })
                )
                .await
            ),
            "InvalidParameterException"
        );
    }
    assert_eq!(
        code(
            admin(
                &server,
                "AdminListGroupsForUser",
                json!({ "UserPoolId": POOL, "Username": "nobody" })
            )
            .await
        ),
        "UserNotFoundException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "ListUsersInGroup",
                json!({ "UserPoolId": POOL, "GroupName": "nope" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );

    add(&server, "alice", "g1").await;
    add(&server, "alice", "g1").await; // adding again changes nothing
    add(&server, "alice", "g2").await;
    let for_alice = json!({ "UserPoolId": POOL, "Username": "alice" });
    assert_eq!(
        group_names(
            &server,
            "AdminListGroupsForUser",
            for_alice.clone(),
            "Groups"
        )
        .await,
        ["g1", "g2"]
    );

    admin(
        &server,
        "AdminRemoveUserFromGroup",
        membership("alice", "g1"),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminRemoveUserFromGroup",
        membership("alice", "g1"),
    )
    .await
    .unwrap();
    assert_eq!(
        group_names(
            &server,
            "AdminListGroupsForUser",
            for_alice.clone(),
            "Groups"
        )
        .await,
        ["g2"]
    );

    // A deleted group takes its memberships along: recreating it does not bring them back.
    admin(
        &server,
        "DeleteGroup",
        json!({ "UserPoolId": POOL, "GroupName": "g2" }),
    )
    .await
    .unwrap();
    assert!(group_names(
        &server,
        "AdminListGroupsForUser",
        for_alice.clone(),
        "Groups"
    )
    .await
    .is_empty());
    create(&server, json!({ "UserPoolId": POOL, "GroupName": "g2" }))
        .await
        .unwrap();
    assert!(group_names(
        &server,
        "ListUsersInGroup",
        json!({ "UserPoolId": POOL, "GroupName": "g2" }),
        "Users"
    )
    .await
    .is_empty());

    // A deleted user leaves its groups; a new user of the same name starts without any.
    add(&server, "alice", "g1").await;
    admin(
        &server,
        "AdminDeleteUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    assert!(group_names(
        &server,
        "ListUsersInGroup",
        json!({ "UserPoolId": POOL, "GroupName": "g1" }),
        "Users"
    )
    .await
    .is_empty());
    admin(
        &server,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "alice", "MessageAction": "SUPPRESS" }),
    )
    .await
    .unwrap();
    assert!(
        group_names(&server, "AdminListGroupsForUser", for_alice, "Groups")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn tokens_carry_groups_and_roles_by_precedence() {
    let server = start_with(basic_config()).await;
    // No groups: no group claims.
    let tokens = sign_in(&server).await;
    assert!(claims(&tokens["IdToken"]).get("cognito:groups").is_none());
    assert!(claims(&tokens["AccessToken"])
        .get("cognito:groups")
        .is_none());

    for (name, role, precedence) in [
        ("readers", Some(ROLE_B), Some(5)),
        ("admins", Some(ROLE_A), Some(1)),
        ("plain", None, Some(0)),
        ("unranked", Some(ROLE_B), None),
    ] {
        let mut body = json!({ "UserPoolId": POOL, "GroupName": name });
        if let Some(role) = role {
            body["RoleArn"] = json!(role);
        }
        if let Some(precedence) = precedence {
            body["Precedence"] = json!(precedence);
        }
        create(&server, body).await.unwrap();
        add(&server, "alice", name).await;
    }
    let tokens = sign_in(&server).await;
    let id = claims(&tokens["IdToken"]);
    let access = claims(&tokens["AccessToken"]);
    let expected_groups = json!(["plain", "admins", "readers", "unranked"]);
    assert_eq!(id["cognito:groups"], expected_groups);
    assert_eq!(access["cognito:groups"], expected_groups);
    assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B]));
    // The lowest precedence among the groups with a role wins.
    assert_eq!(id["cognito:preferred_role"], ROLE_A);
    assert!(access.get("cognito:roles").is_none());

    // A tie at the best precedence with a different role: no preferred role.
    admin(
        &server,
        "UpdateGroup",
        json!({ "UserPoolId": POOL, "GroupName": "readers", "Precedence": 1 }),
    )
    .await
    .unwrap();
    let id = claims(&sign_in(&server).await["IdToken"]);
    assert!(id.get("cognito:preferred_role").is_none(), "{id}");
    assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B]));
    // A tie with the same role: that role.
    admin(
        &server,
        "UpdateGroup",
        json!({ "UserPoolId": POOL, "GroupName": "readers", "RoleArn": ROLE_A }),
    )
    .await
    .unwrap();
    let tokens = sign_in(&server).await;
    let id = claims(&tokens["IdToken"]);
    assert_eq!(id["cognito:preferred_role"], ROLE_A);

    // A membership change shows in the next tokens, refreshed ones included.
    admin(
        &server,
        "AdminRemoveUserFromGroup",
        json!({ "UserPoolId": POOL, "Username": "alice", "GroupName": "admins" }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "DeleteGroup",
        json!({ "UserPoolId": POOL, "GroupName": "plain" }),
    )
    .await
    .unwrap();
    let refreshed = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "REFRESH_TOKEN": tokens["RefreshToken"] } }),
    )
    .await
    .unwrap();
    let id = claims(&refreshed["AuthenticationResult"]["IdToken"]);
    let access = claims(&refreshed["AuthenticationResult"]["AccessToken"]);
    assert_eq!(id["cognito:groups"], json!(["readers", "unranked"]));
    assert_eq!(access["cognito:groups"], json!(["readers", "unranked"]));
    assert_eq!(id["cognito:preferred_role"], ROLE_A);
    assert_eq!(id["cognito:roles"], json!([ROLE_A, ROLE_B]));
}

#[tokio::test]
async fn groups_and_memberships_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cke-groups-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = || Options {
        config: Some(basic_config()),
        state_path: Some(dir.join("state.db")),
        ..Options::default()
    };
    let server = start(options()).await.unwrap();
    create(
        &server,
        json!({ "UserPoolId": POOL, "GroupName": "kept", "Precedence": 3 }),
    )
    .await
    .unwrap();
    add(&server, "alice", "kept").await;
    assert_eq!(server.count_rows("groups").unwrap(), 1);
    server.shutdown().await;

    let server = start(options()).await.unwrap();
    let group = admin(
        &server,
        "GetGroup",
        json!({ "UserPoolId": POOL, "GroupName": "kept" }),
    )
    .await
    .unwrap();
    assert_eq!(group["Group"]["Precedence"], 3);
    assert_eq!(
        group_names(
            &server,
            "ListUsersInGroup",
            json!({ "UserPoolId": POOL, "GroupName": "kept" }),
            "Users"
        )
        .await,
        ["alice"]
    );
    admin(
        &server,
        "DeleteGroup",
        json!({ "UserPoolId": POOL, "GroupName": "kept" }),
    )
    .await
    .unwrap();
    assert_eq!(server.count_rows("groups").unwrap(), 0);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
