//! Tags and the user-import CSV header (issue #15): TagResource, UntagResource,
//! ListTagsForResource, GetCSVHeader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

fn code(result: Result<Value, (String, String)>) -> String {
    match result {
        Ok(body) => panic!("expected an error, got {body}"),
        Err((code, _)) => code,
    }
}

#[tokio::test]
async fn tags_are_added_listed_removed_and_shown_by_describe_user_pool() {
    let server = start_with(basic_config()).await;
    let described = admin(&server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    // The ARN DescribeUserPool reports is the one the tag operations take.
    let arn = described["UserPool"]["Arn"].as_str().unwrap().to_string();
    let list = || {
        admin(
            &server,
            "ListTagsForResource",
            json!({ "ResourceArn": arn }),
        )
    };
    assert_eq!(list().await.unwrap(), json!({ "Tags": {} }));

    admin(
        &server,
        "TagResource",
        json!({ "ResourceArn": arn, "Tags": { "env": "test", "team": "a" } }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "TagResource",
        json!({ "ResourceArn": arn, "Tags": { "team": "b" } }),
    )
    .await
    .unwrap();
    assert_eq!(
        list().await.unwrap()["Tags"],
        json!({ "env": "test", "team": "b" })
    );
    let described = admin(&server, "DescribeUserPool", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert_eq!(
        described["UserPool"]["UserPoolTags"],
        json!({ "env": "test", "team": "b" })
    );

    admin(
        &server,
        "UntagResource",
        json!({ "ResourceArn": arn, "TagKeys": ["team", "absent"] }),
    )
    .await
    .unwrap();
    assert_eq!(list().await.unwrap()["Tags"], json!({ "env": "test" }));

    // At most 50 tags: 49 more fit, one after that does not, and the refused call adds nothing.
    let many: serde_json::Map<String, Value> =
        (0..49).map(|i| (format!("k{i}"), json!("v"))).collect();
    admin(
        &server,
        "TagResource",
        json!({ "ResourceArn": arn, "Tags": many }),
    )
    .await
    .unwrap();
    assert_eq!(
        code(
            admin(
                &server,
                "TagResource",
                json!({ "ResourceArn": arn, "Tags": { "one-more": "v" } })
            )
            .await
        ),
        "LimitExceededException"
    );
    assert_eq!(list().await.unwrap()["Tags"].as_object().unwrap().len(), 50);

    let other_region = arn.replace(":us-east-1:", ":eu-west-1:");
    let other_account = arn.replace("123456789012", "999999999999");
    let unknown_pool = arn.replace("TestPool1", "Nope");
    let cases = [
        (
            "TagResource",
            json!({ "ResourceArn": arn }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "Tags": { "a": "b" } }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": arn, "Tags": ["a"] }),
            "SerializationException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": arn, "Tags": { "a": 1 } }),
            "SerializationException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": arn, "Tags": { "": "b" } }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": arn, "Tags": { "k".repeat(129): "b" } }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": arn, "Tags": { "a": "v".repeat(257) } }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": "arn:aws:s3:::bucket-name-here", "Tags": {} }),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": unknown_pool, "Tags": {} }),
            "ResourceNotFoundException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": other_region, "Tags": {} }),
            "ResourceNotFoundException",
        ),
        (
            "TagResource",
            json!({ "ResourceArn": other_account, "Tags": {} }),
            "ResourceNotFoundException",
        ),
        (
            "UntagResource",
            json!({ "ResourceArn": arn }),
            "InvalidParameterException",
        ),
        (
            "UntagResource",
            json!({ "ResourceArn": arn, "TagKeys": "env" }),
            "SerializationException",
        ),
        (
            "UntagResource",
            json!({ "ResourceArn": arn, "TagKeys": [""] }),
            "InvalidParameterException",
        ),
        (
            "ListTagsForResource",
            json!({}),
            "InvalidParameterException",
        ),
        (
            "ListTagsForResource",
            json!({ "ResourceArn": 5 }),
            "SerializationException",
        ),
        (
            "ListTagsForResource",
            json!({ "ResourceArn": "short" }),
            "InvalidParameterException",
        ),
        (
            "ListTagsForResource",
            json!({ "ResourceArn": unknown_pool }),
            "ResourceNotFoundException",
        ),
    ];
    for (operation, body, expected) in cases {
        assert_eq!(
            code(admin(&server, operation, body.clone()).await),
            expected,
            "{operation} {body}"
        );
    }
    assert_eq!(
        code(
            call(
                &server,
                "ListTagsForResource",
                json!({ "ResourceArn": arn })
            )
            .await
        ),
        "MissingAuthenticationTokenException"
    );
}

#[tokio::test]
async fn the_csv_header_lists_the_importable_attributes() {
    let mut config = basic_config();
    config["Pools"][0]["Schema"] = json!([
        { "Name": "name", "Required": true },
        { "Name": "team", "AttributeDataType": "String" }
    ]);
    let server = start_with(config).await;
    let reply = admin(&server, "GetCSVHeader", json!({ "UserPoolId": POOL }))
        .await
        .unwrap();
    assert_eq!(reply["UserPoolId"], POOL);
    let header: Vec<&str> = reply["CSVHeader"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        header,
        [
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
            "cognito:mfa_enabled",
            "cognito:username",
            "custom:team"
        ]
    );
    assert_eq!(
        code(
            admin(
                &server,
                "GetCSVHeader",
                json!({ "UserPoolId": "us-east-1_Nope" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(admin(&server, "GetCSVHeader", json!({})).await),
        "InvalidParameterException"
    );
    assert_eq!(
        code(admin(&server, "GetCSVHeader", json!({ "UserPoolId": ["x"] })).await),
        "SerializationException"
    );
}
