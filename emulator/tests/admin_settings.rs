//! Administrator forms of the device and attribute operations, and the legacy MFA settings
//! (issue #15): AdminGetDevice, AdminListDevices, AdminUpdateDeviceStatus, AdminForgetDevice,
//! AdminDeleteUserAttributes, SetUserSettings, AdminSetUserSettings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_TestPool1";

/// Signs alice in on a new device and confirms it; returns (access token, device key).
async fn alice_with_device(server: &RunningServer) -> (String, String) {
    let first = srp_sign_in(
        server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let result = &first["AuthenticationResult"];
    let access = result["AccessToken"].as_str().unwrap().to_string();
    let device_key = result["NewDeviceMetadata"]["DeviceKey"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        server,
        "ConfirmDevice",
        json!({ "AccessToken": access, "DeviceKey": device_key, "DeviceName": "laptop",
                "DeviceSecretVerifierConfig": { "Salt": STANDARD.encode([0x9a; 16]),
                                                "PasswordVerifier": STANDARD.encode([0x42; 64]) } }),
    )
    .await
    .unwrap();
    (access, device_key)
}

async fn get(server: &RunningServer) -> Result<Value, (String, String)> {
    admin(
        server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
}

fn attribute<'a>(device: &'a Value, name: &str) -> Option<&'a str> {
    device["DeviceAttributes"]
        .as_array()?
        .iter()
        .find(|a| a["Name"] == name)?["Value"]
        .as_str()
}

#[tokio::test]
async fn administrators_see_and_change_a_users_devices() {
    let mut config = basic_config();
    config["Pools"][0]["DeviceConfiguration"] =
        json!({ "ChallengeRequiredOnNewDevice": true, "DeviceOnlyRememberedOnUserPrompt": false });
    let server = start_with(config).await;
    let (access, device_key) = alice_with_device(&server).await;
    let named = |extra: Value| {
        let mut body = json!({ "UserPoolId": POOL, "Username": "alice" });
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };

    let listed = admin(&server, "AdminListDevices", named(json!({})))
        .await
        .unwrap();
    let devices = listed["Devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["DeviceKey"], device_key.as_str());
    // The administrator's view is the user's own view.
    let own = call(
        &server,
        "GetDevice",
        json!({ "AccessToken": access, "DeviceKey": device_key }),
    )
    .await
    .unwrap();
    let got = admin(
        &server,
        "AdminGetDevice",
        named(json!({ "DeviceKey": device_key })),
    )
    .await
    .unwrap();
    assert_eq!(got, own);
    assert_eq!(attribute(&got["Device"], "device_name"), Some("laptop"));
    assert_eq!(
        attribute(&got["Device"], "dev:device_remembered_status"),
        Some("remembered")
    );

    admin(
        &server,
        "AdminUpdateDeviceStatus",
        named(json!({ "DeviceKey": device_key, "DeviceRememberedStatus": "not_remembered" })),
    )
    .await
    .unwrap();
    let own = call(
        &server,
        "GetDevice",
        json!({ "AccessToken": access, "DeviceKey": device_key }),
    )
    .await
    .unwrap();
    assert_eq!(
        attribute(&own["Device"], "dev:device_remembered_status"),
        Some("not_remembered")
    );

    // Bad input: the service's exceptions, never a 500.
    let cases = [
        (
            "AdminGetDevice",
            named(json!({ "DeviceKey": "us-east-1_nope" })),
            "ResourceNotFoundException",
        ),
        (
            "AdminGetDevice",
            named(json!({})),
            "InvalidParameterException",
        ),
        (
            "AdminGetDevice",
            named(json!({ "DeviceKey": 5 })),
            "SerializationException",
        ),
        (
            "AdminGetDevice",
            json!({ "UserPoolId": POOL, "Username": "nobody", "DeviceKey": device_key }),
            "UserNotFoundException",
        ),
        (
            "AdminGetDevice",
            json!({ "UserPoolId": "us-east-1_Nope", "Username": "alice", "DeviceKey": device_key }),
            "ResourceNotFoundException",
        ),
        (
            "AdminGetDevice",
            json!({ "Username": "alice", "DeviceKey": device_key }),
            "InvalidParameterException",
        ),
        (
            "AdminListDevices",
            named(json!({ "Limit": 61 })),
            "InvalidParameterException",
        ),
        (
            "AdminListDevices",
            named(json!({ "Limit": -1 })),
            "InvalidParameterException",
        ),
        (
            "AdminListDevices",
            named(json!({ "Limit": "1" })),
            "SerializationException",
        ),
        (
            "AdminListDevices",
            named(json!({ "PaginationToken": "zz" })),
            "InvalidParameterException",
        ),
        (
            "AdminListDevices",
            json!({ "UserPoolId": POOL, "Username": "nobody" }),
            "UserNotFoundException",
        ),
        (
            "AdminUpdateDeviceStatus",
            named(json!({ "DeviceKey": device_key, "DeviceRememberedStatus": "forever" })),
            "InvalidParameterException",
        ),
        (
            "AdminUpdateDeviceStatus",
            named(json!({ "DeviceKey": "us-east-1_nope" })),
            "ResourceNotFoundException",
        ),
        (
            "AdminForgetDevice",
            named(json!({ "DeviceKey": "us-east-1_nope" })),
            "ResourceNotFoundException",
        ),
        (
            "AdminForgetDevice",
            named(json!({})),
            "InvalidParameterException",
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
        code(call(&server, "AdminListDevices", named(json!({}))).await),
        "MissingAuthenticationTokenException"
    );

    admin(
        &server,
        "AdminForgetDevice",
        named(json!({ "DeviceKey": device_key })),
    )
    .await
    .unwrap();
    let own = call(&server, "ListDevices", json!({ "AccessToken": access }))
        .await
        .unwrap();
    assert_eq!(own["Devices"], json!([]));
    assert_eq!(
        code(
            admin(
                &server,
                "AdminForgetDevice",
                named(json!({ "DeviceKey": device_key }))
            )
            .await
        ),
        "ResourceNotFoundException"
    );
}

#[tokio::test]
async fn administrators_delete_user_attributes_with_the_users_rules() {
    let server = start_with(basic_config()).await;
    admin(
        &server,
        "AdminUpdateUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributes": [{ "Name": "locale", "Value": "fr" }] }),
    )
    .await
    .unwrap();
    admin(
        &server,
        "AdminDeleteUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["locale", "email"] }),
    )
    .await
    .unwrap();
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    let names: Vec<&str> = user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    // The verified flag goes with the attribute; the rest stays.
    assert_eq!(names, ["sub", "name"]);

    let cases = [
        (
            json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["name"] }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": ["sub"] }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "alice" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": "name" }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "alice", "UserAttributeNames": [1] }),
            "SerializationException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "nobody", "UserAttributeNames": ["locale"] }),
            "UserNotFoundException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "Username": "alice", "UserAttributeNames": ["locale"] }),
            "ResourceNotFoundException",
        ),
        (
            json!({ "Username": "alice", "UserAttributeNames": ["locale"] }),
            "InvalidParameterException",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            code(admin(&server, "AdminDeleteUserAttributes", body.clone()).await),
            expected,
            "{body}"
        );
    }
    // A refused call changed nothing.
    let again = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "alice" }),
    )
    .await
    .unwrap();
    assert_eq!(again["UserAttributes"], user["UserAttributes"]);
}

#[tokio::test]
async fn user_settings_turn_sms_mfa_on_and_off() {
    let server = start_with(basic_config()).await;
    // Signed in before SMS MFA is on, so the sign-in asks no code.
    let tokens = srp_sign_in(
        &server,
        POOL,
        "publicclient",
        "alice",
        "Passw0rd!",
        json!({}),
    )
    .await
    .unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"].clone();
    assert!(access.is_string(), "{tokens}");
    let sms = json!([{ "DeliveryMedium": "SMS", "AttributeName": "phone_number" }]);
    // Without a phone number there is nothing to text a code to: both ways of turning SMS MFA on
    // are refused, as the service refuses them.
    let settings = json!({ "UserPoolId": POOL, "Username": "alice", "MFAOptions": sms });
    let preference = json!({ "UserPoolId": POOL, "Username": "alice", "SMSMfaSettings": { "Enabled": true, "PreferredMfa": true } });
    for (operation, body) in [
        ("AdminSetUserSettings", &settings),
        ("AdminSetUserMFAPreference", &preference),
    ] {
        let refused = admin(&server, operation, body.clone()).await.unwrap_err();
        assert_eq!(
            refused,
            (
                "InvalidParameterException".to_string(),
                "User does not have delivery config set to turn on SMS_MFA".to_string()
            ),
            "{operation}"
        );
    }
    assert!(get(&server)
        .await
        .unwrap()
        .get("UserMFASettingList")
        .is_none());
    admin(
        &server,
        "AdminUpdateUserAttributes",
        json!({ "UserPoolId": POOL, "Username": "alice",
                "UserAttributes": [{ "Name": "phone_number", "Value": "+15555550100" }] }),
    )
    .await
    .unwrap();
    admin(&server, "AdminSetUserSettings", settings.clone())
        .await
        .unwrap();
    assert_eq!(
        get(&server).await.unwrap()["UserMFASettingList"],
        json!(["SMS_MFA"])
    );

    admin(&server, "AdminSetUserMFAPreference", preference.clone())
        .await
        .unwrap();
    assert_eq!(
        get(&server).await.unwrap()["PreferredMfaSetting"],
        "SMS_MFA"
    );

    // The user's own call with an empty list turns SMS MFA off, and its preference with it.
    call(
        &server,
        "SetUserSettings",
        json!({ "AccessToken": access, "MFAOptions": [] }),
    )
    .await
    .unwrap();
    let user = get(&server).await.unwrap();
    assert!(user.get("UserMFASettingList").is_none(), "{user}");
    assert!(user.get("PreferredMfaSetting").is_none(), "{user}");

    let named =
        |options: Value| json!({ "UserPoolId": POOL, "Username": "alice", "MFAOptions": options });
    let cases = [
        (
            named(json!([{ "DeliveryMedium": "EMAIL", "AttributeName": "email" }])),
            "InvalidParameterException",
        ),
        (
            named(json!([{ "DeliveryMedium": "FAX", "AttributeName": "phone_number" }])),
            "InvalidParameterException",
        ),
        (
            named(json!([{ "DeliveryMedium": "SMS", "AttributeName": "email" }])),
            "InvalidParameterException",
        ),
        (
            named(json!([{ "DeliveryMedium": 1 }])),
            "SerializationException",
        ),
        (named(json!("SMS")), "SerializationException"),
        (named(json!([1])), "SerializationException"),
        (
            json!({ "UserPoolId": POOL, "Username": "alice" }),
            "InvalidParameterException",
        ),
        (
            json!({ "UserPoolId": POOL, "Username": "nobody", "MFAOptions": [] }),
            "UserNotFoundException",
        ),
        (
            json!({ "UserPoolId": "us-east-1_Nope", "Username": "alice", "MFAOptions": [] }),
            "ResourceNotFoundException",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            code(admin(&server, "AdminSetUserSettings", body.clone()).await),
            expected,
            "{body}"
        );
    }
    assert_eq!(
        code(
            call(
                &server,
                "SetUserSettings",
                json!({ "AccessToken": "not-a-token", "MFAOptions": [] })
            )
            .await
        ),
        "NotAuthorizedException"
    );
    assert_eq!(
        code(call(&server, "SetUserSettings", json!({ "MFAOptions": [] })).await),
        "InvalidParameterException"
    );
    // Nothing of the refused calls stuck.
    assert!(get(&server)
        .await
        .unwrap()
        .get("UserMFASettingList")
        .is_none());
}

/// A preference call that is refused changes nothing, whichever of its settings was refused: the
/// SMS setting of a user without a phone number is checked before the TOTP setting is applied.
#[tokio::test]
async fn a_refused_mfa_preference_changes_nothing() {
    let mut config = basic_config();
    config["Pools"][0]["Users"][0]["TotpSecret"] = json!("JBSWY3DPEHPK3PXP");
    let server = start_with(config).await;
    let mfa = || async {
        admin(
            &server,
            "AdminGetUser",
            json!({ "UserPoolId": POOL, "Username": "alice" }),
        )
        .await
        .unwrap()["UserMFASettingList"]
            .clone()
    };
    assert_eq!(mfa().await, json!(["SOFTWARE_TOKEN_MFA"]));
    let refused = admin(
        &server,
        "AdminSetUserMFAPreference",
        json!({ "UserPoolId": POOL, "Username": "alice",
                "SoftwareTokenMfaSettings": { "Enabled": false },
                "SMSMfaSettings": { "Enabled": true } }),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.0, "InvalidParameterException");
    assert_eq!(mfa().await, json!(["SOFTWARE_TOKEN_MFA"]));
}
