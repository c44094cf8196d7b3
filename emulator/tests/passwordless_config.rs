//! Passwordless configuration (issue #19): UserPoolTier, SignInPolicy, ALLOW_USER_AUTH,
//! WebAuthnConfiguration and EmailMfaConfiguration of SetUserPoolMfaConfig, EmailMfaSettings of
//! (Admin)SetUserMFAPreference, and the pool and MFA configuration refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{json, Value};
use support::*;

const POOL: &str = "us-east-1_Passwordless1";
const DEVELOPER_EMAIL: &str = r#"{"EmailSendingAccount":"DEVELOPER","SourceArn":"arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"}"#;

fn developer_email() -> Value {
    serde_json::from_str(DEVELOPER_EMAIL).unwrap()
}

fn config() -> Value {
    json!({ "Pools": [{
        "Id": POOL,
        "PoolName": "passwordless",
        "UserPoolTier": "ESSENTIALS",
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "EmailConfiguration": developer_email(),
        "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"] } },
        "MfaConfiguration": "OPTIONAL",
        "EmailMfaConfiguration": { "Message": "Your code is {####}", "Subject": "Your code" },
        "WebAuthnConfiguration": { "RelyingPartyId": "localhost", "UserVerification": "preferred" },
        "Clients": [
            { "ClientId": "userauthclient", "ClientName": "passwordless",
              "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }
        ],
        "Users": [
            { "Username": "ann@example.com", "Password": "Passw0rd!", "Attributes": { "email": "ann@example.com", "email_verified": "true" } },
            { "Username": "bob@example.com", "Password": "Passw0rd!", "Attributes": { "email": "bob@example.com" } }
        ]
    }]})
}

async fn describe_pool(server: &RunningServer, pool_id: &str) -> Value {
    admin(server, "DescribeUserPool", json!({ "UserPoolId": pool_id }))
        .await
        .unwrap()["UserPool"]
        .clone()
}

async fn create_pool(server: &RunningServer, extra: Value) -> Result<Value, (String, String)> {
    let mut body = json!({ "PoolName": "p" });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    admin(server, "CreateUserPool", body).await
}

fn message(result: Result<Value, (String, String)>) -> (String, String) {
    match result {
        Ok(body) => panic!("expected an error, got {body}"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn config_file_pool_is_described_with_tier_factors_and_mfa_settings() {
    let server = start_with(config()).await;
    let pool = describe_pool(&server, POOL).await;
    assert_eq!(pool["UserPoolTier"], "ESSENTIALS");
    assert_eq!(
        pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"])
    );
    let mfa = admin(
        &server,
        "GetUserPoolMfaConfig",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    assert_eq!(
        mfa["WebAuthnConfiguration"],
        json!({ "RelyingPartyId": "localhost", "UserVerification": "preferred" })
    );
    assert_eq!(
        mfa["EmailMfaConfiguration"],
        json!({ "Message": "Your code is {####}", "Subject": "Your code" })
    );
    let client = admin(
        &server,
        "DescribeUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientId": "userauthclient" }),
    )
    .await
    .unwrap();
    assert_eq!(
        client["UserPoolClient"]["ExplicitAuthFlows"],
        json!(["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    );
}

#[tokio::test]
async fn tier_defaults_to_essentials_and_is_validated() {
    let server = start_with(json!({})).await;
    let pool = create_pool(&server, json!({})).await.unwrap()["UserPool"].clone();
    assert_eq!(pool["UserPoolTier"], "ESSENTIALS");
    assert_eq!(
        pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD"])
    );
    let plus = create_pool(&server, json!({ "UserPoolTier": "PLUS" }))
        .await
        .unwrap();
    assert_eq!(plus["UserPool"]["UserPoolTier"], "PLUS");
    let (kind, text) = message(create_pool(&server, json!({ "UserPoolTier": "GOLD" })).await);
    assert_eq!(kind, "InvalidParameterException");
    assert!(text.contains("'GOLD' at 'userPoolTier'"), "{text}");
    assert!(text.ends_with("[LITE, ESSENTIALS, PLUS]"), "{text}");
    // UpdateUserPool keeps the tier when none is named, and changes it when one is.
    let id = plus["UserPool"]["Id"].as_str().unwrap().to_string();
    admin(&server, "UpdateUserPool", json!({ "UserPoolId": id }))
        .await
        .unwrap();
    assert_eq!(describe_pool(&server, &id).await["UserPoolTier"], "PLUS");
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": id, "UserPoolTier": "LITE" }),
    )
    .await
    .unwrap();
    assert_eq!(describe_pool(&server, &id).await["UserPoolTier"], "LITE");
}

#[tokio::test]
async fn sign_in_policy_is_stored_and_checked() {
    let server = start_with(json!({})).await;
    let policy = |factors: Value| json!({ "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": factors } } });
    let pool = create_pool(&server, policy(json!(["PASSWORD", "SMS_OTP"])))
        .await
        .unwrap();
    let id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    assert_eq!(
        describe_pool(&server, &id).await["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "SMS_OTP"])
    );
    let (kind, text) =
        message(create_pool(&server, policy(json!(["PASSWORD", "SOFTWARE_TOKEN"]))).await);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        text,
        "SOFTWARE_TOKEN is not currently supported as a first auth factor."
    );
    let (_, text) = message(create_pool(&server, policy(json!(["PASSWORD", "SMS"]))).await);
    assert!(
        text.contains("Value '[SMS]' at 'policies.signInPolicy.allowedFirstAuthFactors'"),
        "{text}"
    );
    let (_, text) = message(create_pool(&server, policy(json!(["EMAIL_OTP"]))).await);
    assert_eq!(text, "AllowedFirstAuthFactors must include PASSWORD.");
    let six = json!([
        "PASSWORD",
        "EMAIL_OTP",
        "SMS_OTP",
        "WEB_AUTHN",
        "PASSWORD",
        "EMAIL_OTP"
    ]);
    let (_, text) = message(create_pool(&server, policy(six)).await);
    assert!(text.contains("length less than or equal to 5"), "{text}");
    // UpdateUserPool sets it too.
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": id, "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"] } } }),
    )
    .await
    .unwrap();
    assert_eq!(
        describe_pool(&server, &id).await["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"],
        json!(["PASSWORD", "WEB_AUTHN"])
    );
}

#[tokio::test]
async fn lite_tier_refuses_the_essentials_features() {
    let server = start_with(config()).await;
    let (kind, text) = message(
        create_pool(
            &server,
            json!({ "UserPoolTier": "LITE", "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"] } } }),
        )
        .await,
    );
    assert_eq!(kind, "FeatureUnavailableInTierException");
    assert_eq!(
        text,
        "The following features need to be disabled for the LITE pricing tier configured: Passwordless sign-in"
    );
    // PASSWORD alone is fine in LITE.
    let lite = create_pool(
        &server,
        json!({ "UserPoolTier": "LITE", "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD"] } } }),
    )
    .await
    .unwrap();
    let lite_id = lite["UserPool"]["Id"].as_str().unwrap().to_string();
    assert_eq!(
        code(
            admin(
                &server,
                "CreateUserPoolClient",
                json!({ "UserPoolId": lite_id, "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_USER_AUTH"] }),
            )
            .await
        ),
        "FeatureUnavailableInTierException"
    );
    assert_eq!(
        code(
            admin(
                &server,
                "SetUserPoolMfaConfig",
                json!({ "UserPoolId": lite_id, "WebAuthnConfiguration": { "RelyingPartyId": "localhost" } }),
            )
            .await
        ),
        "FeatureUnavailableInTierException"
    );
    // Nothing was stored.
    let mfa = admin(
        &server,
        "GetUserPoolMfaConfig",
        json!({ "UserPoolId": lite_id }),
    )
    .await
    .unwrap();
    assert!(mfa.get("WebAuthnConfiguration").is_none(), "{mfa}");
    // Down-grading a pool that uses the features is refused, and the pool keeps its tier.
    let (kind, text) = message(
        admin(
            &server,
            "UpdateUserPool",
            json!({ "UserPoolId": POOL, "UserPoolTier": "LITE", "EmailConfiguration": developer_email(),
                    "Policies": { "SignInPolicy": { "AllowedFirstAuthFactors": ["PASSWORD"] } } }),
        )
        .await,
    );
    assert_eq!(kind, "FeatureUnavailableInTierException");
    assert!(text.contains("ALLOW_USER_AUTH"), "{text}");
    assert!(text.contains("Email MFA"), "{text}");
    assert_eq!(
        describe_pool(&server, POOL).await["UserPoolTier"],
        "ESSENTIALS"
    );
}

#[tokio::test]
async fn allow_user_auth_client_on_an_essentials_pool() {
    let server = start_with(config()).await;
    let client = admin(
        &server,
        "CreateUserPoolClient",
        json!({ "UserPoolId": POOL, "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_USER_AUTH"] }),
    )
    .await
    .unwrap();
    assert_eq!(
        client["UserPoolClient"]["ExplicitAuthFlows"],
        json!(["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    );
}

#[tokio::test]
async fn web_authn_configuration_is_stored_or_refused() {
    let server = start_with(config()).await;
    let set = |config: Value| {
        admin(
            &server,
            "SetUserPoolMfaConfig",
            json!({ "UserPoolId": POOL, "WebAuthnConfiguration": config }),
        )
    };
    let out = set(json!({ "RelyingPartyId": "auth.example.com" }))
        .await
        .unwrap();
    assert_eq!(
        out["WebAuthnConfiguration"],
        json!({ "RelyingPartyId": "auth.example.com", "UserVerification": "preferred" })
    );
    let out = set(json!({ "RelyingPartyId": "example.com", "UserVerification": "required", "FactorConfiguration": "SINGLE_FACTOR" }))
        .await
        .unwrap();
    assert_eq!(out["WebAuthnConfiguration"]["UserVerification"], "required");
    assert_eq!(
        out["WebAuthnConfiguration"]["FactorConfiguration"],
        "SINGLE_FACTOR"
    );
    for (config, expected) in [
        (json!({ "RelyingPartyId": "" }), "length between 1 and 127"),
        (
            json!({ "RelyingPartyId": "a".repeat(128) }),
            "length between 1 and 127",
        ),
        (
            json!({ "RelyingPartyId": "https://example.com" }),
            "must be a domain name or localhost",
        ),
        (
            json!({ "RelyingPartyId": "example.com:8443" }),
            "must be a domain name or localhost",
        ),
        (
            json!({ "RelyingPartyId": "intranet" }),
            "must be a domain name or localhost",
        ),
        (
            json!({ "RelyingPartyId": "localhost", "UserVerification": "discouraged" }),
            "enum value set: [required, preferred]",
        ),
        (
            json!({ "RelyingPartyId": "localhost", "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION" }),
            "not supported",
        ),
        (
            json!({ "RelyingPartyId": "localhost", "FactorConfiguration": "BOTH" }),
            "[SINGLE_FACTOR, MULTI_FACTOR_WITH_USER_VERIFICATION]",
        ),
    ] {
        let (kind, text) = message(set(config.clone()).await);
        assert_eq!(kind, "InvalidParameterException", "{config}");
        assert!(text.contains(expected), "{config}: {text}");
    }
    // The last good setting stands.
    let mfa = admin(
        &server,
        "GetUserPoolMfaConfig",
        json!({ "UserPoolId": POOL }),
    )
    .await
    .unwrap();
    assert_eq!(
        mfa["WebAuthnConfiguration"]["RelyingPartyId"],
        "example.com"
    );
}

#[tokio::test]
async fn email_mfa_configuration_needs_developer_email_and_a_code() {
    let server = start_with(config()).await;
    let pool = create_pool(&server, json!({})).await.unwrap();
    let id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    let set = |pool: String, email: Value| {
        admin(
            &server,
            "SetUserPoolMfaConfig",
            json!({ "UserPoolId": pool, "MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": email }),
        )
    };
    let (kind, text) = message(set(id.clone(), json!({})).await);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        text,
        "Email MFA needs EmailConfiguration.EmailSendingAccount DEVELOPER."
    );
    let (_, text) = message(set(POOL.into(), json!({ "Message": "no code here" })).await);
    assert!(text.contains("{####}"), "{text}");
    let (_, text) = message(set(POOL.into(), json!({ "Message": "abc" })).await);
    assert!(text.contains("length between 6 and 20000"), "{text}");
    let (_, text) = message(
        set(
            POOL.into(),
            json!({ "Message": "Code {####}", "Subject": "" }),
        )
        .await,
    );
    assert!(text.contains("emailMfaConfiguration.subject"), "{text}");
    let out = set(POOL.into(), json!({ "Message": "Code: {####}" }))
        .await
        .unwrap();
    assert_eq!(
        out["EmailMfaConfiguration"],
        json!({ "Message": "Code: {####}" })
    );
    assert_eq!(out["MfaConfiguration"], "OPTIONAL");
    // Email MFA alone is a factor for ON.
    admin(
        &server,
        "UpdateUserPool",
        json!({ "UserPoolId": id, "EmailConfiguration": developer_email() }),
    )
    .await
    .unwrap();
    let out = admin(
        &server,
        "SetUserPoolMfaConfig",
        json!({ "UserPoolId": id, "MfaConfiguration": "ON", "EmailMfaConfiguration": {} }),
    )
    .await
    .unwrap();
    assert_eq!(out["EmailMfaConfiguration"], json!({}));
    // Going back to the Cognito email account is refused while email MFA is on.
    assert_eq!(
        code(
            admin(
                &server,
                "UpdateUserPool",
                json!({ "UserPoolId": id, "MfaConfiguration": "ON" }),
            )
            .await
        ),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn mfa_mode_and_factors_must_agree() {
    let server = start_with(json!({})).await;
    let pool = create_pool(&server, json!({})).await.unwrap();
    let id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
    let set = |extra: Value| {
        let mut body = json!({ "UserPoolId": id });
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        admin(&server, "SetUserPoolMfaConfig", body)
    };
    let none = "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.";
    let (kind, text) = message(set(json!({ "MfaConfiguration": "ON" })).await);
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("InvalidParameterException", none)
    );
    let (_, text) =
        message(set(json!({ "MfaConfiguration": "OPTIONAL", "SmsMfaConfiguration": {} })).await);
    assert_eq!(text, none);
    let (_, text) = message(
        set(json!({ "MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": { "Enabled": false } })).await,
    );
    assert_eq!(text, none);
    let (_, text) = message(
        set(json!({ "MfaConfiguration": "OFF", "SoftwareTokenMfaConfiguration": { "Enabled": true } })).await,
    );
    assert_eq!(
        text,
        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
    );
    let (_, text) = message(
        set(json!({ "MfaConfiguration": "OFF", "SmsMfaConfiguration": { "SmsConfiguration": { "SnsCallerArn": "arn:aws:iam::123456789012:role/sns" } } })).await,
    );
    assert!(text.contains("can't turn off MFA"), "{text}");
    let (_, text) = message(
        set(json!({ "MfaConfiguration": "OPTIONAL", "SmsMfaConfiguration": { "SmsConfiguration": { "SnsCallerArn": "not-an-arn" } } })).await,
    );
    assert!(
        text.contains("Value 'not-an-arn' at 'smsMfaConfiguration.smsConfiguration.snsCallerArn'"),
        "{text}"
    );
    let (_, text) = message(set(json!({ "MfaConfiguration": "SOMETIMES" })).await);
    assert!(
        text.ends_with("Member must satisfy enum value set: [OPTIONAL, OFF, ON]"),
        "{text}"
    );
    let (_, text) = message(create_pool(&server, json!({ "MfaConfiguration": "SOMETIMES" })).await);
    assert!(
        text.ends_with("Member must satisfy enum value set: [OPTIONAL, OFF, ON]"),
        "{text}"
    );
    // None of the refusals changed the pool.
    let mfa = admin(&server, "GetUserPoolMfaConfig", json!({ "UserPoolId": id }))
        .await
        .unwrap();
    assert_eq!(mfa["MfaConfiguration"], "OFF");
    assert!(mfa.get("SmsMfaConfiguration").is_none(), "{mfa}");
    let out = set(json!({ "MfaConfiguration": "OPTIONAL", "SmsMfaConfiguration": { "SmsAuthenticationMessage": "Code {####}", "SmsConfiguration": { "SnsCallerArn": "arn:aws:iam::123456789012:role/sns", "ExternalId": "x" } } }))
        .await
        .unwrap();
    assert_eq!(out["MfaConfiguration"], "OPTIONAL");
    assert_eq!(
        out["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"],
        "arn:aws:iam::123456789012:role/sns"
    );
}

#[tokio::test]
async fn email_mfa_preference_sets_email_otp() {
    let server = start_with(config()).await;
    let set = |user: &str, settings: Value| {
        admin(
            &server,
            "AdminSetUserMFAPreference",
            json!({ "UserPoolId": POOL, "Username": user, "EmailMfaSettings": settings }),
        )
    };
    set(
        "ann@example.com",
        json!({ "Enabled": true, "PreferredMfa": true }),
    )
    .await
    .unwrap();
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "ann@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserMFASettingList"], json!(["EMAIL_OTP"]));
    assert_eq!(user["PreferredMfaSetting"], "EMAIL_OTP");
    set("ann@example.com", json!({ "Enabled": false }))
        .await
        .unwrap();
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "ann@example.com" }),
    )
    .await
    .unwrap();
    assert!(user.get("UserMFASettingList").is_none(), "{user}");
    assert!(user.get("PreferredMfaSetting").is_none(), "{user}");
    // A user without a verified email is refused, and nothing changes.
    let (kind, text) = message(set("bob@example.com", json!({ "Enabled": true })).await);
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        text,
        "User does not have a verified email address for email MFA."
    );
    // Turning it off needs nothing.
    set("bob@example.com", json!({ "Enabled": false }))
        .await
        .unwrap();
}

#[tokio::test]
async fn email_mfa_preference_needs_email_mfa_in_the_pool() {
    let server = start_with(basic_config()).await;
    let (kind, text) = message(
        admin(
            &server,
            "AdminSetUserMFAPreference",
            json!({ "UserPoolId": "us-east-1_TestPool1", "Username": "alice", "EmailMfaSettings": { "Enabled": true } }),
        )
        .await,
    );
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(text, "Email MFA is not enabled for this user pool.");
    // SetUserMFAPreference with the user's own access token answers the same.
    let tokens = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "publicclient",
                "AuthParameters": { "USERNAME": "alice", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    let access = tokens["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, text) = message(
        call(
            &server,
            "SetUserMFAPreference",
            json!({ "AccessToken": access, "EmailMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
        )
        .await,
    );
    assert_eq!(text, "Email MFA is not enabled for this user pool.");
}

/// The `--config` file gives a user email MFA: `PreferredMfa` EMAIL_OTP (or `EmailMfaEnabled`)
/// under the rules of EmailMfaSettings, and the sign-in then asks for the emailed code.
#[tokio::test]
async fn config_users_may_prefer_email_otp() {
    let mut with_email_mfa = config();
    with_email_mfa["Pools"][0]["Users"][0]["PreferredMfa"] = json!("EMAIL_OTP");
    let server = start_with(with_email_mfa).await;
    let user = admin(
        &server,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "ann@example.com" }),
    )
    .await
    .unwrap();
    assert_eq!(user["UserMFASettingList"], json!(["EMAIL_OTP"]));
    assert_eq!(user["PreferredMfaSetting"], "EMAIL_OTP");
    let started = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_AUTH", "ClientId": "userauthclient",
                "AuthParameters": { "USERNAME": "ann@example.com", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!" } }),
    )
    .await
    .unwrap();
    assert_eq!(started["ChallengeName"], "EMAIL_OTP");
    let code = latest_code(&server, POOL, "ann@example.com").await;
    let done = call(
        &server,
        "RespondToAuthChallenge",
        json!({ "ClientId": "userauthclient", "ChallengeName": "EMAIL_OTP", "Session": started["Session"],
                "ChallengeResponses": { "USERNAME": "ann@example.com", "EMAIL_OTP_CODE": code["code"] } }),
    )
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // Refused: an unknown factor, a user without a verified email, a pool without email MFA.
    let now = 1_800_000_000;
    let refused = |config: Value| {
        let mut db = cognito_kit_emulator::model::Db::default();
        cognito_kit_emulator::config::apply(&mut db, &config, now).unwrap_err()
    };
    let mut unknown = config();
    unknown["Pools"][0]["Users"][0]["PreferredMfa"] = json!("CARRIER_PIGEON");
    assert!(
        refused(unknown).contains("PreferredMfa must be SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP")
    );
    let mut unverified = config();
    unverified["Pools"][0]["Users"][1]["PreferredMfa"] = json!("EMAIL_OTP");
    assert!(refused(unverified).contains("needs a verified email"));
    let mut no_email_mfa = config();
    no_email_mfa["Pools"][0]
        .as_object_mut()
        .unwrap()
        .remove("EmailMfaConfiguration");
    no_email_mfa["Pools"][0]["Users"][0]["EmailMfaEnabled"] = json!(true);
    assert!(refused(no_email_mfa).contains("needs the pool's EmailMfaConfiguration"));
    let mut no_phone = config();
    no_phone["Pools"][0]["Users"][0]["SmsMfaEnabled"] = json!(true);
    assert!(refused(no_phone).contains("SMS_MFA needs a phone_number"));
}

/// A request refused before its answer is looked at (a missing member, another challenge's name,
/// a factor that was not offered) leaves the challenge session as it was: the corrected request
/// still signs in with it. An answer that was checked and wrong is counted as before.
#[tokio::test]
async fn a_refused_request_does_not_use_the_session_up() {
    let server = start_with(config()).await;
    let answer = |session: &Value, name: &str, responses: Value| {
        let mut responses = responses;
        responses["USERNAME"] = json!("ann@example.com");
        json!({ "ClientId": "userauthclient", "ChallengeName": name, "Session": session,
                "ChallengeResponses": responses })
    };
    let respond = |body: Value| call(&server, "RespondToAuthChallenge", body);

    // The emailed code.
    let started = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_AUTH", "ClientId": "userauthclient",
                "AuthParameters": { "USERNAME": "ann@example.com", "PREFERRED_CHALLENGE": "EMAIL_OTP" } }),
    )
    .await
    .unwrap();
    assert_eq!(started["ChallengeName"], "EMAIL_OTP");
    let session = &started["Session"];
    let (kind, text) = message(respond(answer(session, "EMAIL_OTP", json!({}))).await);
    assert_eq!(kind, "InvalidParameterException");
    assert!(text.contains("EMAIL_OTP_CODE"), "{text}");
    let (kind, _) =
        message(respond(answer(session, "SMS_OTP", json!({ "SMS_OTP_CODE": "1" }))).await);
    assert_eq!(kind, "InvalidParameterException");
    let code = latest_code(&server, POOL, "ann@example.com").await;
    let done = respond(answer(
        session,
        "EMAIL_OTP",
        json!({ "EMAIL_OTP_CODE": code["code"] }),
    ))
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // The choice of a factor.
    let started = call(
        &server,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_AUTH", "ClientId": "userauthclient",
                "AuthParameters": { "USERNAME": "ann@example.com" } }),
    )
    .await
    .unwrap();
    assert_eq!(started["ChallengeName"], "SELECT_CHALLENGE");
    let session = &started["Session"];
    for responses in [
        json!({}),
        json!({ "ANSWER": "PASSWORD" }),
        json!({ "ANSWER": "SMS_OTP" }),
    ] {
        let (kind, text) = message(respond(answer(session, "SELECT_CHALLENGE", responses)).await);
        assert_eq!(kind, "InvalidParameterException", "{text}");
    }
    let done = respond(answer(
        session,
        "SELECT_CHALLENGE",
        json!({ "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!" }),
    ))
    .await
    .unwrap();
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    // Used: the session ended with the sign-in.
    let (kind, _) = message(
        respond(answer(
            session,
            "SELECT_CHALLENGE",
            json!({ "ANSWER": "PASSWORD", "PASSWORD": "Passw0rd!" }),
        ))
        .await,
    );
    assert_eq!(kind, "NotAuthorizedException");
}

/// The factors ann is offered at a USER_AUTH sign-in (with `preferred` as PREFERRED_CHALLENGE).
async fn offered(server: &RunningServer, preferred: Option<&str>) -> Value {
    let mut auth = json!({ "USERNAME": "ann@example.com" });
    if let Some(preferred) = preferred {
        auth["PREFERRED_CHALLENGE"] = json!(preferred);
    }
    let body =
        json!({ "AuthFlow": "USER_AUTH", "ClientId": "userauthclient", "AuthParameters": auth });
    let started = call(server, "InitiateAuth", body).await.unwrap();
    assert_eq!(started["ChallengeName"], "SELECT_CHALLENGE", "{started}");
    started["AvailableChallenges"].clone()
}

/// MFA and passwordless sign-in do not go together: a user with an MFA factor on (or any user of a
/// pool that requires MFA) is offered the password factors only, and a preferred passwordless
/// factor falls back to that choice.
#[tokio::test]
async fn users_with_mfa_are_offered_the_password_only() {
    let plain = start_with(config()).await;
    assert_eq!(
        offered(&plain, None).await,
        json!(["EMAIL_OTP", "PASSWORD", "PASSWORD_SRP"])
    );
    let password_only = json!(["PASSWORD", "PASSWORD_SRP"]);

    let mut with_mfa = config();
    with_mfa["Pools"][0]["Users"][0]["PreferredMfa"] = json!("EMAIL_OTP");
    let server = start_with(with_mfa).await;
    assert_eq!(offered(&server, None).await, password_only);
    assert_eq!(offered(&server, Some("EMAIL_OTP")).await, password_only);

    let mut required = config();
    required["Pools"][0]["MfaConfiguration"] = json!("ON");
    let server = start_with(required).await;
    assert_eq!(offered(&server, None).await, password_only);
}
