//! Codes and messages: every code or message the service would send lands in the pool's outbox
//! through [`compose_message`] (the text and subject are decided) and [`deliver_message`] (it is
//! sent); codes typed back are checked by [`code_attempt`].

use serde_json::{json, Value};

use super::common::looks_like_phone;
use super::hooks::CustomTexts;
use crate::app::App;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::model::{OutboxMessage, PendingCode, Pool, User};

/// Wrong guesses a code survives before it is discarded.
pub const CODE_ATTEMPTS: u32 = 5;

/// Sign-up and attribute verification codes live 24 hours.
pub const LONG_CODE_TTL: i64 = 24 * 3600;

/// Password reset codes live one hour.
pub const RESET_CODE_TTL: i64 = 3600;

/// Masks a destination the way CodeDeliveryDetails does (`a***@e***`, `+*******1234`).
pub fn mask_destination(medium: &str, destination: &str) -> String {
    if medium == "EMAIL" {
        let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        format!("{}***@{}***", first(local), first(domain))
    } else {
        let digits: String = destination
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("+*******{digits}")
    }
}

/// Sends a code for `attribute` (`email` or `phone_number`) and returns CodeDeliveryDetails.
/// `texts` is what CustomMessage chose for it, if the pool has that trigger.
#[allow(clippy::too_many_arguments)]
pub fn send_code(
    pool: &mut Pool,
    username: &str,
    purpose: &str,
    kind: &str,
    attribute: &str,
    ttl: i64,
    texts: Option<&CustomTexts>,
    now: i64,
) -> ApiResult<Value> {
    let user = pool.user_mut(username)?;
    // A value waiting for verification (UserAttributeUpdateSettings) gets the code, not the old one.
    let pending = if kind == "VERIFY_ATTRIBUTE" {
        user.pending_attributes.get(attribute)
    } else {
        None
    };
    let destination = pending
        .or_else(|| user.attributes.get(attribute))
        .cloned()
        .ok_or_else(|| ApiError::invalid_parameter(format!("User has no {attribute}.")))?;
    let code = crypto::random_code();
    user.codes.insert(
        purpose.to_string(),
        PendingCode {
            code: code.clone(),
            expires_at: now + ttl,
            failed_attempts: 0,
        },
    );
    let medium = if attribute == "phone_number" {
        "SMS"
    } else {
        "EMAIL"
    };
    let message = compose_message(
        pool,
        Draft {
            username,
            destination: &destination,
            medium,
            kind,
            code: &code,
            attribute: Some(attribute),
        },
        texts,
        now,
    );
    deliver_message(pool, message);
    Ok(json!({
        "Destination": mask_destination(medium, &destination),
        "DeliveryMedium": medium,
        "AttributeName": attribute,
    }))
}

/// Checks a code typed for `purpose` against the user's pending one, WITHOUT consuming it (the
/// caller removes it on success, under the write lock). Wrong guesses are counted in memory, for
/// real users and for unknown users hidden by PreventUserExistenceErrors alike, so a wrong code
/// writes nothing either way; after [`CODE_ATTEMPTS`] the code is dead until a new one is sent.
/// No live code answers ExpiredCodeException; with `hide` (PreventUserExistenceErrors ENABLED) a
/// pretend delivery ([`pretend_delivery`]) counts as a live code, so an unknown user answers
/// exactly like a real one at every step.
pub fn code_attempt(
    app: &App,
    key: &str,
    pending: Option<&PendingCode>,
    code: &str,
    now: i64,
    hide: bool,
) -> ApiResult<()> {
    let live = pending.filter(|p| p.expires_at > now);
    let pretend_live = hide
        && live.is_none()
        && app.with_lockout(&format!("pretend/{key}"), |_, until| *until > now);
    // A new code starts a new count (the key lives in memory only).
    let counter = match live {
        Some(p) => format!("code/{key}/{}/{}", p.expires_at, p.code),
        None => format!("code/{key}/none"),
    };
    app.with_lockout(&counter, |failures, _| {
        if *failures >= CODE_ATTEMPTS {
            // The code died with the last wrong guess.
            return Err(ApiError::expired_code());
        }
        match live {
            Some(p) if crypto::ct_eq(p.code.as_bytes(), code.as_bytes()) => {
                *failures = 0;
                Ok(())
            }
            None if !pretend_live => Err(ApiError::expired_code()),
            _ => {
                *failures += 1;
                if *failures >= CODE_ATTEMPTS {
                    Err(ApiError::new(
                        "LimitExceededException",
                        "Attempt limit exceeded, please try after some time.",
                    ))
                } else {
                    Err(ApiError::code_mismatch())
                }
            }
        }
    })
}

/// A pretend code "went out" for `key` (PreventUserExistenceErrors): for `ttl` seconds wrong
/// codes answer like wrong guesses of a real code (a fresh count), then like an expired code.
pub fn pretend_delivery(app: &App, key: &str, ttl: i64, now: i64) {
    app.with_lockout(&format!("code/{key}/none"), |failures, _| *failures = 0);
    app.with_lockout(&format!("pretend/{key}"), |_, until| {
        *until = now.saturating_add(ttl)
    });
}

/// The CodeDeliveryDetails a hidden unknown user gets, shaped like a real delivery.
pub fn fake_delivery(typed: &str) -> Value {
    let (medium, attribute) = if looks_like_phone(typed) {
        ("SMS", "phone_number")
    } else {
        ("EMAIL", "email")
    };
    json!({
        "Destination": mask_destination(medium, typed),
        "DeliveryMedium": medium,
        "AttributeName": attribute,
    })
}

/// AdminCreateUser's invitation (the temporary password) by each of `mediums` the user has an
/// address for. Without `mediums` (the request named none): by SMS, the reference's default, or by
/// email for a user without a phone number.
pub fn send_invitation(
    pool: &mut Pool,
    username: &str,
    password: &str,
    mediums: Option<&[String]>,
    texts: Option<&CustomTexts>,
    now: i64,
) {
    let Ok(user) = pool.user(username) else {
        return;
    };
    let default = [String::from(
        if user.attributes.contains_key("phone_number") {
            "SMS"
        } else {
            "EMAIL"
        },
    )];
    let mut messages = Vec::new();
    for medium in mediums.unwrap_or(&default) {
        let attribute = if medium == "SMS" {
            "phone_number"
        } else {
            "email"
        };
        if let Some(destination) = user.attributes.get(attribute) {
            messages.push(compose_message(
                pool,
                Draft {
                    username,
                    destination,
                    medium,
                    kind: "INVITATION",
                    code: password,
                    attribute: Some(attribute),
                },
                texts,
                now,
            ));
        }
    }
    for message in messages {
        deliver_message(pool, message);
    }
}

/// A sign-in code of `kind`: `SMS_MFA` and `SMS_OTP` (a first factor) to the user's phone
/// number, `EMAIL_OTP` (a first factor or email MFA) to the email address; returns the code
/// and the masked destination.
pub fn send_sign_in_code(
    pool: &mut Pool,
    user: &User,
    kind: &str,
    texts: Option<&CustomTexts>,
    now: i64,
) -> ApiResult<(String, String)> {
    let (attribute, medium) = if kind == "EMAIL_OTP" {
        ("email", "EMAIL")
    } else {
        ("phone_number", "SMS")
    };
    let destination = user
        .attributes
        .get(attribute)
        .cloned()
        .ok_or_else(|| ApiError::invalid_parameter(format!("User has no {attribute}.")))?;
    let code = crypto::random_code();
    let message = compose_message(
        pool,
        Draft {
            username: &user.username,
            destination: &destination,
            medium,
            kind,
            code: &code,
            attribute: Some(attribute),
        },
        texts,
        now,
    );
    deliver_message(pool, message);
    Ok((code, mask_destination(medium, &destination)))
}

/// The code of a password reset (ForgotPassword, AdminResetUserPassword), sent to `attribute`
/// (`email` or `phone_number`); returns CodeDeliveryDetails.
///
/// `texts`: what CustomMessage (`CustomMessage_ForgotPassword`) chose, run before the lock was
/// taken. UserMigration (`UserMigration_ForgotPassword`) runs before that, where ForgotPassword
/// finds no user.
pub fn send_reset_code(
    pool: &mut Pool,
    username: &str,
    attribute: &str,
    texts: Option<&CustomTexts>,
    now: i64,
) -> ApiResult<Value> {
    send_code(
        pool,
        username,
        "forgot",
        "FORGOT_PASSWORD",
        attribute,
        RESET_CODE_TTL,
        texts,
        now,
    )
}

/// What a message is: who gets it, by which medium, of which kind (`SIGN_UP`, `RESEND`,
/// `FORGOT_PASSWORD`, `VERIFY_ATTRIBUTE`, `INVITATION`, `SMS_MFA`, `AUTH_EVENT_NOTIFICATION`), and
/// the code it carries.
pub struct Draft<'a> {
    /// Internal username of the recipient.
    pub username: &'a str,
    /// Email address or phone number.
    pub destination: &'a str,
    /// `EMAIL` or `SMS`.
    pub medium: &'a str,
    /// The kind of message.
    pub kind: &'a str,
    /// The code (or temporary password).
    pub code: &'a str,
    /// The attribute the code verifies.
    pub attribute: Option<&'a str>,
}

/// A template member of a pool setting (`VerificationMessageTemplate`, `InviteMessageTemplate`).
fn member<'a>(template: Option<&'a Value>, name: &str) -> Option<&'a str> {
    template?.get(name)?.as_str()
}

/// The pool's own text and subject for a message of `kind` by `medium`, with the service's
/// defaults where the pool sets none.
fn pool_text(pool: &Pool, kind: &str, medium: &str) -> Option<(String, Option<String>)> {
    let settings = &pool.settings;
    let email = medium == "EMAIL";
    match kind {
        "INVITATION" => {
            let template = settings
                .admin_create_user_config
                .as_ref()
                .and_then(|c| c.invite_message_template.as_ref());
            let text = if email {
                member(template, "EmailMessage")
            } else {
                member(template, "SMSMessage")
            }
            .unwrap_or("Your username is {username} and temporary password is {####}. ");
            let subject = email.then(|| {
                member(template, "EmailSubject")
                    .unwrap_or("Your temporary password")
                    .to_string()
            });
            Some((text.to_string(), subject))
        }
        "SMS_MFA" | "SMS_OTP" => Some(("Your authentication code is {####}. ".to_string(), None)),
        "EMAIL_OTP" => {
            let template = settings.email_mfa_configuration.as_ref();
            let text =
                member(template, "Message").unwrap_or("Your authentication code is {####}. ");
            let subject = member(template, "Subject").unwrap_or("Your authentication code");
            Some((text.to_string(), Some(subject.to_string())))
        }
        "AUTH_EVENT_NOTIFICATION" => None,
        _ => {
            let template = settings.verification_message_template.as_ref();
            let text = if email {
                member(template, "EmailMessage").or(settings.email_verification_message.as_deref())
            } else {
                member(template, "SmsMessage").or(settings.sms_verification_message.as_deref())
            }
            .unwrap_or("Your verification code is {####}. ");
            let subject = email.then(|| {
                member(template, "EmailSubject")
                    .or(settings.email_verification_subject.as_deref())
                    .unwrap_or("Your verification code")
                    .to_string()
            });
            Some((text.to_string(), subject))
        }
    }
}

/// Composes one message the service would send: its text is the pool's template, or the one
/// CustomMessage returned (`texts`, decided before the state lock was taken), with the code and
/// the username put in their placeholders. Every message goes through here before
/// [`deliver_message`].
pub fn compose_message(
    pool: &Pool,
    draft: Draft<'_>,
    texts: Option<&CustomTexts>,
    now: i64,
) -> OutboxMessage {
    let email = draft.medium == "EMAIL";
    let own = pool_text(pool, draft.kind, draft.medium);
    let custom_text = texts.and_then(|t| {
        if email {
            t.email.clone()
        } else {
            t.sms.clone()
        }
    });
    let custom_subject = texts.and_then(|t| t.subject.clone()).filter(|_| email);
    // `{username}` is the name the user signs in with: in pools whose usernames are emails or
    // phone numbers, that address, not the internal name.
    let sign_in_name = pool
        .users
        .get(draft.username)
        .filter(|_| pool.uses_username_attributes())
        .and_then(|user| user.attr("email").or_else(|| user.attr("phone_number")))
        .unwrap_or(draft.username);
    let fill = |template: String| {
        template
            .replace("{####}", draft.code)
            .replace("{username}", sign_in_name)
    };
    let (message, subject) = match own {
        Some((text, subject)) => (
            Some(fill(custom_text.unwrap_or(text))),
            custom_subject.or(subject),
        ),
        None => (None, None),
    };
    OutboxMessage {
        created: now,
        username: draft.username.to_string(),
        destination: draft.destination.to_string(),
        delivery_medium: draft.medium.to_string(),
        kind: draft.kind.to_string(),
        code: draft.code.to_string(),
        attribute_name: draft.attribute.map(str::to_string),
        message,
        subject,
    }
}

/// Sends a composed message: it lands in the pool's outbox. Every outbox write goes through
/// here.
///
/// Triggers fire here: CustomEmailSender / CustomSMSSender (which replace the delivery).
pub fn deliver_message(pool: &mut Pool, message: OutboxMessage) {
    pool.send(message);
}
