//! Tags and the user-import CSV header (issue #15): TagResource, UntagResource,
//! ListTagsForResource, GetCSVHeader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

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
    // UpdateUserPool without UserPoolTags keeps the tags.
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": POOL, "AutoVerifiedAttributes": ["email"] }),
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

/// One DER element at the start of `bytes`: (tag, content, the whole element, the rest).
fn der(bytes: &[u8]) -> (u8, &[u8], &[u8], &[u8]) {
    let tag = bytes[0];
    let (len, header) = if bytes[1] < 0x80 {
        (bytes[1] as usize, 2)
    } else {
        let count = (bytes[1] & 0x7f) as usize;
        let len = bytes[2..2 + count]
            .iter()
            .fold(0usize, |acc, b| acc << 8 | *b as usize);
        (len, 2 + count)
    };
    (
        tag,
        &bytes[header..header + len],
        &bytes[..header + len],
        &bytes[header + len..],
    )
}

#[tokio::test]
async fn the_signing_certificate_holds_the_token_key_and_verifies() {
    use base64::Engine as _;
    use num_bigint::BigUint;
    use sha2::Digest as _;
    let server = start_with(basic_config()).await;
    let reply = admin(
        &server,
        "GetSigningCertificate",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    let certificate = base64::engine::general_purpose::STANDARD
        .decode(reply["Certificate"].as_str().unwrap())
        .unwrap();
    // The same certificate on every call.
    let again = admin(
        &server,
        "GetSigningCertificate",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    assert_eq!(again, reply);

    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    let (tag, body, _, rest) = der(&certificate);
    assert_eq!((tag, rest.len()), (0x30, 0));
    let (tag, _, tbs, rest) = der(body);
    assert_eq!(tag, 0x30);
    let (tag, algorithm, _, rest) = der(rest);
    assert_eq!(tag, 0x30);
    // sha256WithRSAEncryption
    assert_eq!(
        &algorithm[..11],
        &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]
    );
    let (tag, bits, _, rest) = der(rest);
    assert_eq!((tag, bits[0], rest.len()), (0x03, 0, 0));

    // The key is the pool's token key (from its JWKS), and it signed the certificate:
    // s^e mod n must be the PKCS#1 v1.5 encoding of SHA-256(tbsCertificate).
    let jwks = request(
        server.addr,
        "GET",
        &format!("/{POOL}/.well-known/jwks.json"),
        &[],
        b"",
    )
    .await
    .json();
    let b64url = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let n_bytes = b64url(&jwks["keys"][0]["n"]);
    assert!(
        tbs.windows(n_bytes.len()).any(|w| w == n_bytes.as_slice()),
        "modulus in the certificate"
    );
    let n = BigUint::from_bytes_be(&n_bytes);
    let e = BigUint::from_bytes_be(&b64url(&jwks["keys"][0]["e"]));
    let decoded = BigUint::from_bytes_be(&bits[1..])
        .modpow(&e, &n)
        .to_bytes_be();
    let digest = sha2::Sha256::digest(tbs);
    assert_eq!(&decoded[decoded.len() - 32..], digest.as_slice());
    assert_eq!(decoded[0], 0x01, "PKCS#1 v1.5 block type 1");

    assert_eq!(
        code(
            admin(
                &server,
                "GetSigningCertificate",
                json!({ "UserPoolId": "us-east-1_Nope" })
            )
            .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(admin(&server, "GetSigningCertificate", json!({})).await),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn ui_customization_per_client_falls_back_to_all() {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let server = start_with(basic_config()).await;
    let get = |client: &str| {
        admin(
            &server,
            "GetUICustomization",
            json!({ "UserPoolId": POOL, "ClientId": client }),
        )
    };
    // Nothing set: an empty shape.
    assert_eq!(
        get("publicclient").await.unwrap(),
        json!({ "UICustomization": {} })
    );

    let png = [
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &[0; 24],
    ]
    .concat();
    let all = admin(
        &server,
        "SetUICustomization",
        json!({ "UserPoolId": POOL, "ClientId": "ALL", "CSS": ".banner-customizable { background: red; }" }),
    )
    .await
    .unwrap();
    assert_eq!(all["UICustomization"]["ClientId"], "ALL");
    assert!(all["UICustomization"]["CSSVersion"].is_string());
    // A client without its own customization gets the pool's.
    let fallback = get("publicclient").await.unwrap();
    assert_eq!(fallback["UICustomization"]["ClientId"], "ALL");
    assert_eq!(
        fallback["UICustomization"]["CSS"],
        ".banner-customizable { background: red; }"
    );

    let own = admin(
        &server,
        "SetUICustomization",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient", "ImageFile": b64(&png) }),
    )
    .await
    .unwrap();
    assert_eq!(get("publicclient").await.unwrap(), own);
    assert_eq!(
        own["UICustomization"]["ImageUrl"],
        format!("data:image/png;base64,{}", b64(&png))
    );
    assert!(own["UICustomization"].get("CSS").is_none());
    assert_eq!(
        get("secretclient").await.unwrap()["UICustomization"]["ClientId"],
        "ALL"
    );

    // Setting neither removes the client's own customization: back to ALL.
    admin(
        &server,
        "SetUICustomization",
        json!({ "UserPoolId": POOL, "ClientId": "publicclient" }),
    )
    .await
    .unwrap();
    assert_eq!(
        get("publicclient").await.unwrap()["UICustomization"]["ClientId"],
        "ALL"
    );

    let cases = [
        (
            "SetUICustomization",
            json!({ "UserPoolId": POOL, "ClientId": "nope", "CSS": "a{}" }),
            "ResourceNotFoundException",
        ),
        (
            "SetUICustomization",
            json!({ "UserPoolId": "us-east-1_Nope", "CSS": "a{}" }),
            "ResourceNotFoundException",
        ),
        (
            "SetUICustomization",
            json!({ "CSS": "a{}" }),
            "InvalidParameterException",
        ),
        (
            "SetUICustomization",
            json!({ "UserPoolId": POOL, "CSS": 1 }),
            "SerializationException",
        ),
        (
            "SetUICustomization",
            json!({ "UserPoolId": POOL, "ImageFile": "not base64!" }),
            "SerializationException",
        ),
        (
            "SetUICustomization",
            json!({ "UserPoolId": POOL, "ImageFile": b64(b"GIF89a......") }),
            "InvalidParameterException",
        ),
        (
            "SetUICustomization",
            json!({ "UserPoolId": POOL, "ImageFile": b64(&[&png[..], &[0; 100 * 1024]].concat()) }),
            "InvalidParameterException",
        ),
        (
            "GetUICustomization",
            json!({ "UserPoolId": POOL, "ClientId": "nope" }),
            "ResourceNotFoundException",
        ),
        ("GetUICustomization", json!({}), "InvalidParameterException"),
    ];
    for (operation, body, expected) in cases {
        assert_eq!(
            code(admin(&server, operation, body.clone()).await),
            expected,
            "{operation}"
        );
    }
    // A deleted client's customization goes with it.
    admin(
        &server,
        "SetUICustomization",
        json!({ "UserPoolId": POOL, "ClientId": "secretclient", "CSS": "b{}" }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "DeleteUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": "secretclient" }),
    )
    .await
    .unwrap();
    assert_eq!(server.count_rows("ui_customizations").unwrap(), 1);
}
