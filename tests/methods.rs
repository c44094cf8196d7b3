//! The package's methods as JSON (`cognito_kit::methods`, the flows `Engine.start` makes and the package's loop drives in the browser),
//! natively on scripted replies: the exact result shapes of `pkg-template/client.d.ts`, the
//! requests they send, and the errors bad inputs get.
#![cfg(not(target_arch = "wasm32"))]

mod support;
use support::*;

use cognito_kit::client::CognitoAuth;
use cognito_kit::methods::{call, Options};
use cognito_kit::storage::MemoryStorage;
use serde_json::{json, Value};

fn run(auth: &CognitoAuth<Mock, MemoryStorage>, method: &str, input: Value) -> Option<Value> {
    block_on(call(auth, method, &input.to_string()))
        .unwrap_or_else(|e| panic!("{method}: {e}"))
        .map(|text| serde_json::from_str(&text).unwrap())
}

fn fails(auth: &CognitoAuth<Mock, MemoryStorage>, method: &str, input: &str) -> String {
    let e = block_on(call(auth, method, input)).unwrap_err();
    format!("{}: {e}", e.code())
}

#[test]
fn sign_in_steps_and_the_session_have_the_packages_shapes() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect("InitiateAuth", 200, json!({"ChallengeName": "SMS_MFA", "Session": "s",
        "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "+*******1234", "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "USERNAME": "u-1"}}));
    let out = run(
        &auth,
        "signIn",
        json!({"username": "alice", "password": "pw", "authFlow": "USER_PASSWORD_AUTH"}),
    );
    assert_eq!(
        out,
        Some(
            json!({"isSignedIn": false, "nextStep": {"signInStep": "CONFIRM_SIGN_IN_WITH_SMS_CODE",
            "codeDeliveryDetails": {"destination": "+*******1234", "deliveryMedium": "SMS"}}})
        )
    );
    mock.0.now_millis.set(1_795_000_000_000.0);
    mock.expect(
        "RespondToAuthChallenge",
        200,
        tokens(1_795_000_000, 3600, Some("r")),
    );
    assert_eq!(
        run(
            &auth,
            "confirmSignIn",
            json!({"challengeResponse": "123456"})
        ),
        Some(json!({"isSignedIn": true, "nextStep": {"signInStep": "DONE"}}))
    );
    assert_eq!(
        mock.body(1)["ChallengeResponses"],
        json!({"USERNAME": "u-1", "SMS_MFA_CODE": "123456"})
    );
    let session = run(&auth, "getSession", json!(null)).unwrap();
    let members: Vec<&str> = session
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        [
            "accessToken",
            "expiresAt",
            "idToken",
            "idTokenClaims",
            "username"
        ]
    );
    assert_eq!(session["username"], "u-1");
    assert_eq!(session["expiresAt"], 1_795_003_600);
    assert_eq!(session["idTokenClaims"]["email"], "alice@example.com");
    mock.done();
}

#[test]
fn every_other_step_has_its_members() {
    let cases = [
        (
            json!({"ChallengeName": "SELECT_MFA_TYPE", "ChallengeParameters": {"MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"}}),
            json!({"signInStep": "CONTINUE_SIGN_IN_WITH_MFA_SELECTION", "allowedMFATypes": ["SMS", "TOTP", "EMAIL"]}),
        ),
        (
            json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "ChallengeParameters": {"requiredAttributes": "[\"userAttributes.name\"]", "userAttributes": "{}"}}),
            json!({"signInStep": "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED", "missingAttributes": ["name"]}),
        ),
        (
            json!({"ChallengeName": "CUSTOM_CHALLENGE", "ChallengeParameters": {"question": "6×7?", "USERNAME": "u"}}),
            json!({"signInStep": "CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE", "additionalInfo": {"USERNAME": "u", "question": "6×7?"}}),
        ),
        (
            json!({"ChallengeName": "SELECT_CHALLENGE", "AvailableChallenges": ["PASSWORD_SRP", "EMAIL_OTP"]}),
            json!({"signInStep": "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION", "availableChallenges": ["PASSWORD_SRP", "EMAIL_OTP"]}),
        ),
        (
            json!({"ChallengeName": "EMAIL_OTP", "ChallengeParameters": {"CODE_DELIVERY_DESTINATION": "a***@e***", "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL"}}),
            json!({"signInStep": "CONFIRM_SIGN_IN_WITH_EMAIL_CODE", "codeDeliveryDetails": {"destination": "a***@e***", "deliveryMedium": "EMAIL"}}),
        ),
    ];
    for (reply, step) in cases {
        let mock = Mock::default();
        let auth = client(&mock, "Pool", None);
        mock.expect("InitiateAuth", 200, reply);
        let out = run(
            &auth,
            "signIn",
            json!({"username": "alice", "password": "pw", "authFlow": "USER_PASSWORD_AUTH"}),
        );
        assert_eq!(out, Some(json!({"isSignedIn": false, "nextStep": step})));
    }
    // Errors that mean "do this next" are steps.
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect(
        "InitiateAuth",
        400,
        json!({"__type": "UserNotConfirmedException", "message": "User is not confirmed."}),
    );
    assert_eq!(
        run(
            &auth,
            "signIn",
            json!({"username": "a", "password": "p", "authFlow": "USER_PASSWORD_AUTH"})
        ),
        Some(json!({"isSignedIn": false, "nextStep": {"signInStep": "CONFIRM_SIGN_UP"}}))
    );
}

#[test]
fn account_results_have_the_packages_shapes() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    mock.expect("SignUp", 200, json!({"UserConfirmed": false, "UserSub": "sub-1",
        "CodeDeliveryDetails": {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}}));
    assert_eq!(
        run(
            &auth,
            "signUp",
            json!({"username": "a@example.com", "password": "P4ssword!", "userAttributes": {"email": "a@example.com", "skipped": 5}})
        ),
        Some(
            json!({"isSignUpComplete": false, "userId": "sub-1", "nextStep": {"signUpStep": "CONFIRM_SIGN_UP",
            "codeDeliveryDetails": {"destination": "a***@e***", "deliveryMedium": "EMAIL", "attributeName": "email"}}})
        )
    );
    assert_eq!(
        mock.body(0)["UserAttributes"],
        json!([{"Name": "email", "Value": "a@example.com"}]),
        "members that are not strings are left out"
    );
    mock.expect("ForgotPassword", 200, json!({}));
    assert_eq!(
        run(&auth, "forgotPassword", json!({"username": "a"})),
        Some(json!({"nextStep": {"resetPasswordStep": "CONFIRM_RESET_PASSWORD_WITH_CODE"}}))
    );
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    mock.expect("GetUser", 200, json!({"Username": "u-1", "UserAttributes": [{"Name": "email", "Value": "a@example.com"}],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]}));
    assert_eq!(
        run(&auth, "getUser", json!(null)),
        Some(
            json!({"username": "u-1", "attributes": {"email": "a@example.com"}, "preferredMfa": "TOTP", "enabledMfa": ["SMS", "TOTP"]})
        )
    );
    mock.expect("ListDevices", 200, json!({"Devices": [{"DeviceKey": "k1", "DeviceAttributes": [{"Name": "device_name", "Value": "laptop"}],
        "DeviceCreateDate": 1_700_000_000.5, "DeviceLastAuthenticatedDate": 1_700_000_100}]}));
    assert_eq!(
        run(&auth, "listDevices", json!(null)),
        Some(
            json!([{"id": "k1", "name": "laptop", "attributes": {"device_name": "laptop"}, "createDate": 1_700_000_000_500_i64, "lastAuthenticatedDate": 1_700_000_100_000_i64}])
        )
    );
    mock.expect(
        "UpdateUserAttributes",
        200,
        json!({"CodeDeliveryDetailsList": [{"AttributeName": "email", "DeliveryMedium": "EMAIL"}]}),
    );
    assert_eq!(
        run(
            &auth,
            "updateUserAttributes",
            json!({"userAttributes": {"email": "b@example.com"}})
        ),
        Some(json!([{"deliveryMedium": "EMAIL", "attributeName": "email"}]))
    );
    mock.expect("SetUserMFAPreference", 200, json!({}));
    assert_eq!(
        run(
            &auth,
            "setMfaPreference",
            json!({"totp": "PREFERRED", "sms": "DISABLED"})
        ),
        None
    );
    assert_eq!(
        mock.body(mock.sent().len() - 1)["SoftwareTokenMfaSettings"],
        json!({"Enabled": true, "PreferredMfa": true})
    );
    mock.done();
}

#[test]
fn bad_inputs_are_invalid_arguments_that_say_what_is_wrong() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    for (method, input, expected) in [
        (
            "signIn",
            "null",
            "InvalidArgument: InvalidArgument: username is required (a string)",
        ),
        (
            "signIn",
            r#"{"username":"a","password":"p","authFlow":"MAGIC"}"#,
            "InvalidArgument: InvalidArgument: unknown authFlow \"MAGIC\"",
        ),
        (
            "signIn",
            "[1]",
            "InvalidArgument: InvalidArgument: the input must be an object",
        ),
        (
            "confirmSignUp",
            r#"{"username":"x","confirmationCode":5}"#,
            "InvalidArgument: InvalidArgument: confirmationCode is required (a string)",
        ),
        (
            "setMfaPreference",
            r#"{"totp":"SOMETIMES"}"#,
            "InvalidArgument: InvalidArgument: unknown MFA setting \"SOMETIMES\" for totp",
        ),
        (
            "signUp",
            r#"{"username":"x","password":"p","userAttributes":"email"}"#,
            "InvalidArgument: InvalidArgument: userAttributes must be an object of strings",
        ),
        (
            "confirmSignIn",
            r#"{"challengeResponse":"1"}"#,
            "InvalidState: InvalidState: no sign-in is waiting for an answer",
        ),
        (
            "launchRocket",
            "null",
            "InvalidArgument: InvalidArgument: unknown method \"launchRocket\"",
        ),
    ] {
        assert_eq!(fails(&auth, method, input), expected, "{method} {input}");
    }
    mock.done();
}

#[test]
fn options_are_read_as_the_package_always_read_them() {
    let o = Options::parse(
        r#"{"userPoolId":"us-east-1_Pool","clientId":"c","clientSecret":"","timeoutMs":0.5,"refreshMarginSeconds":"x","deviceName":7}"#,
    )
    .unwrap();
    assert_eq!(o.timeout_millis, 1, "a fraction of a millisecond rounds up");
    assert!(o.config.client_secret.is_none(), "an empty secret is none");
    assert_eq!(
        o.config.refresh_margin_seconds, 60,
        "a member of the wrong type is the default"
    );
    assert_eq!(o.config.device_name, None);
    assert_eq!(
        Options::parse(r#"{"userPoolId":"us-east-1_Pool","clientId":"c","timeoutMs":1e12}"#)
            .unwrap()
            .timeout_millis,
        2_147_483_647
    );
    assert_eq!(
        Options::parse(r#"{"clientId":"c"}"#).unwrap_err().code(),
        "InvalidArgument"
    );
}

#[test]
fn every_one_request_method_sends_its_exact_request_and_reads_its_reply() {
    let mock = Mock::default();
    let auth = client(&mock, "Pool", None);
    // Without a session: the client id, and no access token.
    for (method, input, operation, body) in [
        (
            "confirmSignUp",
            json!({"username": "a", "confirmationCode": "123456"}),
            "ConfirmSignUp",
            json!({"ClientId": "client123", "Username": "a", "ConfirmationCode": "123456"}),
        ),
        (
            "resendSignUpCode",
            json!({"username": "a"}),
            "ResendConfirmationCode",
            json!({"ClientId": "client123", "Username": "a"}),
        ),
        (
            "confirmForgotPassword",
            json!({"username": "a", "confirmationCode": "654321", "newPassword": "N3w-pass!"}),
            "ConfirmForgotPassword",
            json!({"ClientId": "client123", "Username": "a", "ConfirmationCode": "654321", "Password": "N3w-pass!"}),
        ),
    ] {
        mock.expect(operation, 200, json!({}));
        run(&auth, method, input);
        let sent = mock.sent();
        let (name, sent_body) = sent.last().unwrap();
        assert_eq!((name.as_str(), sent_body), (operation, &body), "{method}");
    }
    signed_in(&mock, &auth, 1_795_000_000, 3600);
    for (method, input, operation, body) in [
        (
            "changePassword",
            json!({"oldPassword": "0ld-pass!", "newPassword": "N3w-pass!"}),
            "ChangePassword",
            json!({"PreviousPassword": "0ld-pass!", "ProposedPassword": "N3w-pass!"}),
        ),
        (
            "verifyUserAttribute",
            json!({"userAttributeKey": "email", "confirmationCode": "111222"}),
            "VerifyUserAttribute",
            json!({"AttributeName": "email", "Code": "111222"}),
        ),
        (
            "sendUserAttributeVerificationCode",
            json!({"userAttributeKey": "phone_number"}),
            "GetUserAttributeVerificationCode",
            json!({"AttributeName": "phone_number"}),
        ),
        (
            "deleteUserAttributes",
            json!({"userAttributeKeys": ["custom:team", "nickname"]}),
            "DeleteUserAttributes",
            json!({"UserAttributeNames": ["custom:team", "nickname"]}),
        ),
        (
            "verifyTotpSetup",
            json!({"code": "123456", "friendlyDeviceName": "phone"}),
            "VerifySoftwareToken",
            json!({"UserCode": "123456", "FriendlyDeviceName": "phone"}),
        ),
    ] {
        mock.expect(operation, 200, json!({}));
        assert_eq!(run(&auth, method, input), None, "{method}");
        let sent = mock.sent();
        let (name, sent_body) = sent.last().unwrap();
        let mut sent_body = sent_body.clone();
        assert!(
            sent_body["AccessToken"]
                .as_str()
                .is_some_and(|t| t.contains('.')),
            "{method} carries the access token"
        );
        sent_body.as_object_mut().unwrap().remove("AccessToken");
        assert_eq!((name.as_str(), &sent_body), (operation, &body), "{method}");
    }
    // A method that returns nothing still reads its reply: a proxy's page answered with 200 is not
    // a success, and a refusal is the service's error.
    mock.expect_raw("ChangePassword", 200, "<html>gateway</html>");
    assert_eq!(
        fails(
            &auth,
            "changePassword",
            r#"{"oldPassword":"a","newPassword":"b"}"#
        )
        .split(':')
        .next(),
        Some("NotJsonReply")
    );
    mock.expect("VerifySoftwareToken", 200, json!({"Status": "ERROR"}));
    assert_eq!(
        fails(&auth, "verifyTotpSetup", r#"{"code":"000000"}"#),
        "EnableSoftwareTokenMFAException: EnableSoftwareTokenMFAException (HTTP 400): verification status ERROR"
    );
    mock.expect(
        "ResendConfirmationCode",
        400,
        json!({"__type": "LimitExceededException", "message": "Attempt limit exceeded"}),
    );
    assert_eq!(
        fails(&auth, "resendSignUpCode", r#"{"username":"a"}"#),
        "LimitExceededException: LimitExceededException (HTTP 400): Attempt limit exceeded"
    );
    mock.done();
}
