//! Self-service account operations: sign-up, confirmation, password reset and change, profile
//! attributes, deletion and global sign-out.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::lifecycle::common::{self, Owner};
use crate::lifecycle::messages::{LONG_CODE_TTL, RESET_CODE_TTL};
use crate::lifecycle::{events, hooks, messages, sessions, tokens, users};
use crate::model::{status, AppClient, Pool};
use crate::params::Params;
use crate::srp;
use crate::triggers;

fn unknown_user_for_client() -> ApiError {
    ApiError::new(
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
}

fn unauthorized_attribute() -> ApiError {
    ApiError::not_authorized("A client attempted to write unauthorized attribute")
}

/// Refuses attributes a client may not write (verification flags, sub, developer-only
/// `dev:custom:` attributes, WriteAttributes).
fn check_writable(client: &AppClient, attributes: &[(String, String)]) -> ApiResult<()> {
    for (name, _) in attributes {
        if name.ends_with("_verified") || name == "sub" || name.starts_with("dev:") {
            return Err(unauthorized_attribute());
        }
        if let Some(list) = &client.write_attributes {
            if !list.iter().any(|allowed| allowed == name) {
                return Err(unauthorized_attribute());
            }
        }
    }
    Ok(())
}

/// The auto-verified attribute a sign-up code goes to, if any.
fn sign_up_channel(pool: &Pool, username: &str) -> Option<String> {
    let user = pool.users.get(username)?;
    ["email", "phone_number"]
        .into_iter()
        .find(|attribute| {
            pool.settings
                .auto_verified_attributes
                .iter()
                .any(|a| a == attribute)
                && user.attributes.contains_key(*attribute)
        })
        .map(String::from)
}

/// Resolves the pool id and a copy of the client for a client id.
fn client_of(app: &App, client_id: &str) -> ApiResult<(String, AppClient)> {
    app.read(|db| {
        let (pool, client) = common::client(db, client_id)?;
        Ok((pool.id.clone(), client.clone()))
    })
}

/// SignUp.
pub fn sign_up(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let client_id = params.req_str("ClientId")?;
    let typed = params.req_str("Username")?;
    let given_password = params.opt_str("Password")?;
    let secret_hash = params.opt_str("SecretHash")?;
    let attributes = params.opt_attributes("UserAttributes")?.unwrap_or_default();
    // Without a password the user signs in with a code or a passkey only (passwordless
    // sign-up), where the pool's sign-in policy offers such a first factor; the record still
    // holds a random verifier nobody knows.
    let random_password;
    let password = match given_password {
        Some(password) => password,
        None => {
            random_password = crypto::b64url(&crypto::random_bytes(32));
            &random_password
        }
    };
    let validation: BTreeMap<String, String> = params
        .opt_attributes("ValidationData")?
        .unwrap_or_default()
        .into_iter()
        .collect();
    let metadata = params.opt_str_map("ClientMetadata")?;
    let context = events::context_data(&params, false)?;
    let now = app.now();
    let (pool_id, client) = client_of(app, client_id)?;
    common::check_secret_hash(&client, secret_hash, &[typed])?;
    check_writable(&client, &attributes)?;
    // The request is checked before PreSignUp runs, so a sign-up the pool refuses anyway never
    // reaches the function; the same checks run again under the lock.
    let sub = uuid::Uuid::new_v4().to_string();
    let user_name = app.read(|db| {
        let pool = db.pool(&pool_id)?;
        if given_password.is_none() && !allows_passwordless(pool) {
            return Err(ApiError::invalid_parameter(
                "Password is required: this user pool's sign-in policy offers no passwordless first factor.",
            ));
        }
        check_sign_up(pool, given_password, &attributes)?;
        Ok(users::future_username(pool, &sub, typed))
    })?;
    let decision = hooks::pre_sign_up(
        app,
        &pool_id,
        Some(client_id),
        false,
        &user_name,
        &attributes,
        Some(&validation),
        Some(&metadata),
    )?;
    let mut attributes = attributes;
    for (wanted, name) in [
        (decision.auto_verify_email, "email_verified"),
        (decision.auto_verify_phone, "phone_number_verified"),
    ] {
        if wanted {
            attributes.retain(|(n, _)| n != name);
            attributes.push((name.to_string(), "true".to_string()));
        }
    }
    let user_status = if decision.auto_confirm {
        status::CONFIRMED
    } else {
        status::UNCONFIRMED
    };
    // CustomMessage_SignUp runs before the user exists, on the attributes it will have.
    let texts = if decision.auto_confirm {
        None
    } else {
        let mut future = serde_json::Map::new();
        future.insert("sub".into(), json!(sub));
        for (name, value) in &attributes {
            future.insert(name.clone(), json!(value));
        }
        let username_attribute = app.read(|db| {
            let pool = db.pool(&pool_id)?;
            Ok(pool.uses_username_attributes().then(|| {
                if common::looks_like_email(typed) {
                    "email"
                } else {
                    "phone_number"
                }
            }))
        })?;
        if let Some(attribute) = username_attribute {
            future.insert(attribute.into(), json!(typed));
        }
        future.insert("cognito:user_status".into(), json!(user_status));
        hooks::custom_message(
            app,
            &pool_id,
            Some(client_id),
            "CustomMessage_SignUp",
            &user_name,
            Value::Object(future),
            false,
            Some(&metadata),
        )?
    };
    let (username, out) = app.write(|db| {
        let pool = db.pool_mut(&pool_id)?;
        check_sign_up(pool, given_password, &attributes)?;
        let username = users::create_user_as(
            pool,
            &sub,
            typed,
            password,
            &attributes,
            user_status,
            users::Creation::SignUp,
            now,
        )?;
        if given_password.is_none() {
            pool.user_mut(&username)?.passwordless = true;
        }
        events::add_event(
            pool,
            events::NewEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                username: &username,
                client_id,
                event_type: "SignUp",
                response: "Pass",
                challenge: None,
                context,
            },
            now,
        );
        let mut out =
            json!({ "UserConfirmed": decision.auto_confirm, "UserSub": pool.user(&username)?.sub });
        if !decision.auto_confirm {
            if let Some(channel) = sign_up_channel(pool, &username) {
                out["CodeDeliveryDetails"] =
                    send_sign_up_code(pool, &username, &channel, texts.as_ref(), now)?;
            }
        }
        Ok((username, out))
    })?;
    if decision.auto_confirm {
        hooks::post_confirmation(
            app,
            &pool_id,
            &username,
            Some(client_id),
            false,
            Some(&metadata),
        )?;
    }
    Ok(out)
}

/// Whether the pool's sign-in policy offers a first factor without a password (EMAIL_OTP,
/// SMS_OTP, WEB_AUTHN), so users may sign up without one.
fn allows_passwordless(pool: &Pool) -> bool {
    pool.settings
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .is_some_and(|p| {
            p.allowed_first_auth_factors
                .iter()
                .any(|f| f == "EMAIL_OTP" || f == "SMS_OTP" || f == "WEB_AUTHN")
        })
}

/// What SignUp checks of a pool before a user is created: sign-up allowed, the password
/// policy, the required attributes.
fn check_sign_up(
    pool: &Pool,
    password: Option<&str>,
    attributes: &[(String, String)],
) -> ApiResult<()> {
    {
        if pool
            .settings
            .admin_create_user_config
            .as_ref()
            .is_some_and(|c| c.allow_admin_create_user_only)
        {
            return Err(ApiError::not_authorized(
                "SignUp is not permitted for this user pool",
            ));
        }
        if let Some(password) = password {
            common::check_password(&pool.password_policy(), password)?;
        }
        let names: Vec<&str> = attributes.iter().map(|(name, _)| name.as_str()).collect();
        common::check_declared(pool, &names)?;
        for required in common::required_attributes(pool) {
            let given = attributes.iter().any(|(name, _)| *name == required);
            let from_username = pool.settings.username_attributes.contains(&required);
            if !given && !from_username && required != "sub" {
                return Err(ApiError::invalid_parameter(format!(
                    "Attributes did not conform to the schema: {required}: The attribute is required"
                )));
            }
        }
        Ok(())
    }
}

/// The sign-up confirmation code (SignUp, ResendConfirmationCode) to `channel`.
fn send_sign_up_code(
    pool: &mut Pool,
    username: &str,
    channel: &str,
    texts: Option<&hooks::CustomTexts>,
    now: i64,
) -> ApiResult<Value> {
    messages::send_code(
        pool,
        username,
        "signup",
        "SIGN_UP",
        channel,
        LONG_CODE_TTL,
        texts,
        now,
    )
}

/// Finds the user of a public call by the name typed, checking SECRET_HASH.
fn public_user(
    pool: &Pool,
    client: &AppClient,
    typed: &str,
    secret_hash: Option<&str>,
) -> ApiResult<Option<String>> {
    let found = pool.find_username(typed);
    let mut candidates = vec![typed];
    if let Some(found) = &found {
        candidates.push(found);
    }
    common::check_secret_hash(client, secret_hash, &candidates)?;
    Ok(found)
}

/// ConfirmSignUp.
pub fn confirm_sign_up(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let force_alias = params.opt_bool("ForceAliasCreation")?.unwrap_or(false);
    let client_id = params.req_str("ClientId")?;
    let typed = params.req_str("Username")?;
    let code = params.req_str("ConfirmationCode")?;
    let secret_hash = params.opt_str("SecretHash")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let (pool_id, client) = client_of(app, client_id)?;
    let hide = client.hides_user_existence();
    let confirmed = app.write(|db| {
        let pool = db.pool(&pool_id)?;
        let found = public_user(pool, &client, typed, secret_hash)?;
        let Some(username) = found.filter(|name| {
            // With existence hidden, a user past confirmation answers like an unknown one.
            !hide
                || pool
                    .user(name)
                    .is_ok_and(|u| u.status == status::UNCONFIRMED)
        }) else {
            if !hide {
                return Err(unknown_user_for_client());
            }
            // The same in-memory bookkeeping as for a real user with a wrong code.
            let key = format!("{pool_id}/{}/signup", typed.to_lowercase());
            return messages::code_attempt(app, &key, None, code, now, true).map(|_| None);
        };
        let user = pool.user(&username)?;
        if user.status != status::UNCONFIRMED {
            return Err(ApiError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status
            )));
        }
        let key = format!("{pool_id}/{username}/signup");
        messages::code_attempt(app, &key, user.codes.get("signup"), code, now, hide)?;
        let channel = sign_up_channel(pool, &username);
        if let Some(channel) = &channel {
            users::claim_alias(db.pool_mut(&pool_id)?, &username, channel, force_alias)?;
        }
        users::confirm_user(
            db.pool_mut(&pool_id)?,
            &username,
            users::Confirmation::SignUp { verified: channel },
            now,
        )?;
        Ok(Some(username))
    })?;
    let Some(username) = confirmed else {
        return Ok(json!({}));
    };
    hooks::post_confirmation(
        app,
        &pool_id,
        &username,
        Some(client_id),
        false,
        Some(&metadata),
    )?;
    // A client with choice-based sign-in gets a session that signs the user in once through
    // USER_AUTH: the confirmation code was the first factor.
    if !client.allows("ALLOW_USER_AUTH") {
        return Ok(json!({}));
    }
    let session = sessions::confirmed_sign_up(
        app,
        &pool_id,
        client_id,
        &username,
        client.auth_session_validity * 60,
    );
    Ok(json!({ "Session": session }))
}

/// ResendConfirmationCode.
pub fn resend_confirmation_code(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let client_id = params.req_str("ClientId")?;
    let typed = params.req_str("Username")?;
    let secret_hash = params.opt_str("SecretHash")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let (pool_id, client) = client_of(app, client_id)?;
    let unconfirmed = app.read(|db| {
        let pool = db.pool(&pool_id)?;
        let found = public_user(pool, &client, typed, secret_hash)?;
        Ok(found.filter(|name| {
            pool.user(name)
                .is_ok_and(|u| u.status == status::UNCONFIRMED)
        }))
    })?;
    let texts = match &unconfirmed {
        Some(username) => hooks::custom_message_for(
            app,
            &pool_id,
            Some(client_id),
            "CustomMessage_ResendCode",
            username,
            Some(&metadata),
        )?,
        None => None,
    };
    app.write(|db| {
        let pool = db.pool_mut(&pool_id)?;
        let hide = client.hides_user_existence();
        let found = public_user(pool, &client, typed, secret_hash)?;
        let Some(username) = found.filter(|name| {
            // With existence hidden, a confirmed user answers like an unknown one.
            !hide
                || pool
                    .user(name)
                    .is_ok_and(|u| u.status == status::UNCONFIRMED)
        }) else {
            if hide {
                // Pretend a code went out, as for a real unconfirmed user, with a write of the
                // same size so the time taken does not tell either.
                // The key ConfirmSignUp uses for a user it does not confirm: the typed name.
                let key = format!("{pool_id}/{}/signup", typed.to_lowercase());
                messages::pretend_delivery(app, &key, LONG_CODE_TTL, now);
                db.decoy_write();
                return Ok(json!({ "CodeDeliveryDetails": messages::fake_delivery(typed) }));
            }
            return Err(unknown_user_for_client());
        };
        if pool.user(&username)?.status != status::UNCONFIRMED {
            return Err(ApiError::invalid_parameter("User is already confirmed."));
        }
        let channel = sign_up_channel(pool, &username).ok_or_else(|| {
            ApiError::invalid_parameter("No auto-verified email or phone number to send a code to.")
        })?;
        let details = send_sign_up_code(pool, &username, &channel, texts.as_ref(), now)?;
        Ok(json!({ "CodeDeliveryDetails": details }))
    })
}

/// ForgotPassword: sends a reset code over the first usable recovery mechanism.
pub fn forgot_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let client_id = params.req_str("ClientId")?;
    let typed = params.req_str("Username")?;
    let secret_hash = params.opt_str("SecretHash")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let (pool_id, client) = client_of(app, client_id)?;
    let mut found = app.read(|db| public_user(db.pool(&pool_id)?, &client, typed, secret_hash))?;
    if found.is_none() {
        // A user the pool does not have may be migrated from an old user store; it then gets
        // the reset code like any other (UserMigration_ForgotPassword).
        if let Some(migration) =
            hooks::migrate_user(app, &pool_id, client_id, typed, None, None, Some(&metadata))?
        {
            let verified = |name: &str| {
                migration
                    .attributes
                    .iter()
                    .any(|(n, v)| n == &format!("{name}_verified") && v == "true")
            };
            if !verified("email") && !verified("phone_number") {
                return Err(triggers::invalid_response(
                    triggers::Trigger::UserMigration,
                    "a user migrated at ForgotPassword needs a verified email or phone_number",
                ));
            }
            let password = crypto::b64url(&crypto::random_bytes(32));
            let username = app.write(|db| {
                users::create_user(
                    db.pool_mut(&pool_id)?,
                    typed,
                    &password,
                    &migration.attributes,
                    status::RESET_REQUIRED,
                    users::Creation::Migration,
                    now,
                )
            })?;
            found = Some(username);
        }
    }
    let texts = match &found {
        Some(username) => hooks::custom_message_for(
            app,
            &pool_id,
            Some(client_id),
            "CustomMessage_ForgotPassword",
            username,
            Some(&metadata),
        )?,
        None => None,
    };
    app.write(|db| {
        let pool = db.pool_mut(&pool_id)?;
        let hide = client.hides_user_existence();
        let admin_only = pool
            .settings
            .account_recovery_setting
            .as_ref()
            .and_then(|s| s.recovery_mechanisms.iter().min_by_key(|m| m.priority))
            .is_some_and(|m| m.name == "admin_only");
        if admin_only && hide {
            // A pool-wide answer: the same for every user name, known or not.
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        let found = public_user(pool, &client, typed, secret_hash)?;
        // With existence hidden, a user who cannot get a code answers like an unknown one
        // (a pretend delivery after a write of the same size), so neither the answer nor the
        // time taken tells whether the user exists.
        let fake = |db: &mut crate::model::Db, name: &str| {
            let key = format!("{pool_id}/{name}/forgot");
            messages::pretend_delivery(app, &key, RESET_CODE_TTL, now);
            db.decoy_write();
            Ok(json!({ "CodeDeliveryDetails": messages::fake_delivery(typed) }))
        };
        let Some(username) = found else {
            if hide {
                return fake(db, &typed.to_lowercase());
            }
            return Err(unknown_user_for_client());
        };
        let user = pool.user(&username)?;
        if user.status == status::FORCE_CHANGE_PASSWORD {
            if hide {
                return fake(db, &username);
            }
            return Err(ApiError::not_authorized(
                "User password cannot be reset in the current state.",
            ));
        }
        let mut mechanisms = pool
            .settings
            .account_recovery_setting
            .as_ref()
            .map(|s| s.recovery_mechanisms.clone())
            .unwrap_or_default();
        mechanisms.sort_by_key(|m| m.priority);
        // Without AccountRecoverySetting the service uses its legacy order: SMS before email.
        // With the setting, SMS does not qualify for a user who has SMS MFA enabled.
        let legacy = mechanisms.is_empty();
        let names: Vec<String> = if legacy {
            vec!["verified_phone_number".into(), "verified_email".into()]
        } else {
            mechanisms.into_iter().map(|m| m.name).collect()
        };
        let sms_allowed = legacy || !user.sms_mfa_enabled;
        let mut channel = None;
        for name in &names {
            match name.as_str() {
                "admin_only" => {
                    return Err(ApiError::not_authorized(
                        "User password cannot be reset in the current state.",
                    ))
                }
                "verified_email" if user.is_verified("email") => {
                    channel = Some("email");
                    break;
                }
                "verified_phone_number" if sms_allowed && user.is_verified("phone_number") => {
                    channel = Some("phone_number");
                    break;
                }
                _ => {}
            }
        }
        let Some(channel) = channel else {
            if hide {
                return fake(db, &username);
            }
            return Err(ApiError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        };
        let details = messages::send_reset_code(pool, &username, channel, texts.as_ref(), now)?;
        Ok(json!({ "CodeDeliveryDetails": details }))
    })
}

/// ConfirmForgotPassword.
pub fn confirm_forgot_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let client_id = params.req_str("ClientId")?;
    let typed = params.req_str("Username")?;
    let code = params.req_str("ConfirmationCode")?;
    let password = params.req_str("Password")?;
    let secret_hash = params.opt_str("SecretHash")?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let (pool_id, client) = client_of(app, client_id)?;
    let hide = client.hides_user_existence();
    let confirmed = app.write(|db| {
        let pool = db.pool(&pool_id)?;
        let Some(username) = public_user(pool, &client, typed, secret_hash)? else {
            if !hide {
                return Err(unknown_user_for_client());
            }
            common::check_password(&pool.password_policy(), password)?;
            // The same in-memory bookkeeping as a real user's wrong code.
            let key = format!("{pool_id}/{}/forgot", typed.to_lowercase());
            return messages::code_attempt(app, &key, None, code, now, true).map(|_| None);
        };
        common::check_password(&pool.password_policy(), password)?;
        let user = pool.user(&username)?;
        let key = format!("{pool_id}/{username}/forgot");
        messages::code_attempt(app, &key, user.codes.get("forgot"), code, now, hide)?;
        let pool = db.pool_mut(&pool_id)?;
        pool.user_mut(&username)?.codes.remove("forgot");
        users::set_password(pool, &username, password, now)?;
        users::confirm_user(pool, &username, users::Confirmation::ForgotPassword, now)?;
        Ok(Some(username))
    })?;
    if let Some(username) = confirmed {
        hooks::post_confirmation(
            app,
            &pool_id,
            &username,
            Some(client_id),
            true,
            Some(&metadata),
        )?;
    }
    Ok(json!({}))
}

/// GetUser.
pub fn get_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    app.read(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool(&caller.pool_id)?;
        let readable = pool
            .clients
            .get(&caller.client_id)
            .and_then(|c| c.read_attributes.clone());
        let user = pool.user(&caller.username)?;
        let mut out = json!({
            "Username": user.username,
            "UserAttributes": user.attribute_list(readable.as_deref()),
        });
        users::add_mfa_settings(user, &mut out);
        Ok(out)
    })
}

/// UpdateUserAttributes: changed email/phone become unverified and get a code.
pub fn update_user_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let changes = params
        .opt_attributes("UserAttributes")?
        .ok_or_else(|| ApiError::missing_member("UserAttributes"))?;
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let texts = if changes
        .iter()
        .any(|(name, _)| name == "email" || name == "phone_number")
    {
        let caller = app.read(|db| common::authenticate(app, db, token))?;
        hooks::custom_message_for(
            app,
            &caller.pool_id,
            Some(&caller.client_id),
            "CustomMessage_UpdateUserAttribute",
            &caller.username,
            Some(&metadata),
        )?
    } else {
        None
    };
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        if let Some(client) = pool.clients.get(&caller.client_id) {
            check_writable(client, &changes)?;
        }
        let names: Vec<&str> = changes.iter().map(|(name, _)| name.as_str()).collect();
        common::check_declared(pool, &names)?;
        let pending = users::apply_attribute_changes(pool, &caller.username, &changes, now)?;
        let mut deliveries = Vec::new();
        for attribute in pending {
            let purpose = format!("verify:{attribute}");
            deliveries.push(messages::send_code(
                pool,
                &caller.username,
                &purpose,
                "VERIFY_ATTRIBUTE",
                &attribute,
                LONG_CODE_TTL,
                texts.as_ref(),
                now,
            )?);
        }
        Ok(json!({ "CodeDeliveryDetailsList": deliveries }))
    })
}

/// GetUserAttributeVerificationCode.
pub fn get_user_attribute_verification_code(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let attribute = params.req_str("AttributeName")?;
    if attribute != "email" && attribute != "phone_number" {
        return Err(ApiError::invalid_parameter(format!(
            "Cannot verify attribute {attribute}: only email and phone_number can be verified."
        )));
    }
    let metadata = params.opt_str_map("ClientMetadata")?;
    let now = app.now();
    let caller = app.read(|db| common::authenticate(app, db, token))?;
    let texts = hooks::custom_message_for(
        app,
        &caller.pool_id,
        Some(&caller.client_id),
        "CustomMessage_VerifyUserAttribute",
        &caller.username,
        Some(&metadata),
    )?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        let purpose = format!("verify:{attribute}");
        let details = messages::send_code(
            pool,
            &caller.username,
            &purpose,
            "VERIFY_ATTRIBUTE",
            attribute,
            LONG_CODE_TTL,
            texts.as_ref(),
            now,
        )?;
        Ok(json!({ "CodeDeliveryDetails": details }))
    })
}

/// VerifyUserAttribute.
pub fn verify_user_attribute(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let attribute = params.req_str("AttributeName")?;
    let code = params.req_str("Code")?;
    let now = app.now();
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        let pending = pool
            .user(&caller.username)?
            .pending_attributes
            .get(attribute)
            .cloned();
        if let Some(value) = &pending {
            // The new value must still be free when it finally replaces the old one.
            users::check_alias_free(pool, &caller.username, attribute, value)?;
        }
        let purpose = format!("verify:{attribute}");
        let key = format!("{}/{}/{purpose}", caller.pool_id, caller.username);
        let stored = pool.user(&caller.username)?.codes.get(&purpose);
        messages::code_attempt(app, &key, stored, code, now, false)?;
        let user = pool.user_mut(&caller.username)?;
        user.codes.remove(&purpose);
        if let Some(value) = pending {
            user.pending_attributes.remove(attribute);
            user.attributes.insert(attribute.to_string(), value);
        }
        user.attributes
            .insert(format!("{attribute}_verified"), "true".to_string());
        user.last_modified = now;
        Ok(json!({}))
    })
}

/// DeleteUserAttributes / AdminDeleteUserAttributes: `sub`, required attributes and the
/// username attributes cannot be deleted; an attribute's `_verified` flag goes with it.
fn delete_attributes(app: &App, body: &Value, admin: bool) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let owner = Owner::from(&params, admin)?;
    let names = params
        .opt_str_list("UserAttributeNames")?
        .ok_or_else(|| ApiError::missing_member("UserAttributeNames"))?;
    let now = app.now();
    owner.write_in_pool(app, |pool, username| {
        // Only names of the pool's schema can be deleted.
        let declared: Vec<&str> = names.iter().map(String::as_str).collect();
        common::check_declared(pool, &declared)?;
        let required = common::required_attributes(pool);
        let username_attributes = pool.settings.username_attributes.clone();
        for name in &names {
            if name == "sub" || required.contains(name) || username_attributes.contains(name) {
                return Err(ApiError::invalid_parameter(format!(
                    "Cannot delete required or username attribute {name}"
                )));
            }
        }
        let user = pool.user_mut(username)?;
        for name in &names {
            user.attributes.remove(name);
            user.attributes.remove(&format!("{name}_verified"));
        }
        user.last_modified = now;
        Ok(json!({}))
    })
}

/// DeleteUserAttributes.
pub fn delete_user_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    delete_attributes(app, body, false)
}

/// AdminDeleteUserAttributes.
pub fn admin_delete_user_attributes(app: &App, body: &Value) -> ApiResult<Value> {
    delete_attributes(app, body, true)
}

/// DeleteUser.
pub fn delete_user(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        users::delete_user(pool, &caller.username);
        Ok(json!({}))
    })
}

/// ChangePassword: the previous password is checked like a sign-in (and counts for lockout).
pub fn change_password(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    let previous = params.req_str("PreviousPassword")?;
    let proposed = params.req_str("ProposedPassword")?;
    let now = app.now();
    let (caller, srp_name, salt_hex, verifier_hex) = app.read(|db| {
        let caller = common::authenticate(app, db, token)?;
        let pool = db.pool(&caller.pool_id)?;
        let user = pool.user(&caller.username)?;
        common::check_lockout(app, &caller.pool_id, &caller.username, now)?;
        common::check_password(&pool.password_policy(), proposed)?;
        let record = user.password.clone();
        Ok((
            caller,
            pool.srp_name().to_string(),
            record.salt_hex,
            record.verifier_hex,
        ))
    })?;
    // The modpow runs outside the lock; its result only counts if, under the write lock, the
    // account is not locked and the password it was checked against is still the current one.
    let matches = srp::password_matches(
        &srp_name,
        &caller.username,
        previous,
        &salt_hex,
        &verifier_hex,
    );
    common::password_attempt(app, &caller.pool_id, &caller.username, matches, now)?;
    app.write(|db| {
        // The token may have been revoked (or the user disabled) meanwhile.
        common::authenticate(app, db, token)?;
        let pool = db.pool_mut(&caller.pool_id)?;
        if pool.user(&caller.username)?.password.verifier_hex != verifier_hex {
            // The password changed while the old one was checked outside the lock.
            return Err(ApiError::bad_credentials());
        }
        users::set_password(pool, &caller.username, proposed, now)?;
        Ok(json!({}))
    })
}

/// GlobalSignOut: every token lineage of the user is revoked.
pub fn global_sign_out(app: &App, body: &Value) -> ApiResult<Value> {
    let params = Params::new(body)?;
    let token = params.req_str("AccessToken")?;
    app.write(|db| {
        let caller = common::authenticate(app, db, token)?;
        tokens::revoke_all(db.pool_mut(&caller.pool_id)?, &caller.username);
        Ok(json!({}))
    })
}
