//! The service's documented limits on request members (the Cognito API reference: each member's
//! length constraints and patterns), checked before any operation runs, so no oversized or
//! malformed name reaches the database, the outbox or an error message.
//!
//! Messages follow the service's validation wording and never echo the offending value.

use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// What a member must satisfy.
#[derive(Clone, Copy)]
enum Rule {
    /// At most this many characters.
    Max(usize),
    /// A user name: at most 128 characters of letters, marks, symbols, numbers, punctuation
    /// (`[\p{L}\p{M}\p{S}\p{N}\p{P}]+`): no spaces, controls or invisible format characters.
    Name(usize),
    /// Exactly this many ASCII digits (TOTP user codes).
    Digits(usize),
    /// At most this many characters, none of them white space (`[\S]+`: codes).
    Code(usize),
    /// A password: at most this many characters, no white space at either end and no line break
    /// (`^[\S]+.*[\S]+$`, as the service checks Password, ProposedPassword and PreviousPassword).
    Password(usize),
    /// A pagination token: 1 to this many characters, none of them white space (`[\S]+`).
    Token(usize),
}

/// Top-level members by name, with their limits from the API reference. A member keeps the same
/// limit in every operation that has it.
const MEMBERS: &[(&str, Rule)] = &[
    ("ClientId", Rule::Max(128)),
    ("Username", Rule::Name(128)),
    ("Password", Rule::Password(256)),
    ("PreviousPassword", Rule::Password(256)),
    ("ProposedPassword", Rule::Password(256)),
    ("TemporaryPassword", Rule::Max(256)),
    ("SecretHash", Rule::Max(128)),
    ("ConfirmationCode", Rule::Code(2048)),
    ("Code", Rule::Code(2048)),
    ("UserCode", Rule::Digits(6)),
    ("Session", Rule::Max(2048)),
    ("UserPoolId", Rule::Max(55)),
    ("AttributeName", Rule::Max(32)),
    ("DeviceKey", Rule::Max(55)),
    ("DeviceName", Rule::Max(1024)),
    ("EventId", Rule::Max(50)),
    ("FeedbackToken", Rule::Max(131_072)),
    ("FriendlyDeviceName", Rule::Max(131_072)),
    ("ClientName", Rule::Max(128)),
    ("GroupName", Rule::Name(128)),
    ("ClientSecret", Rule::Max(64)),
    ("PoolName", Rule::Max(128)),
    ("PaginationToken", Rule::Token(131_072)),
    ("NextToken", Rule::Token(131_072)),
    ("Filter", Rule::Max(256)),
    ("AuthFlow", Rule::Max(64)),
    ("ChallengeName", Rule::Max(64)),
    ("AccessToken", Rule::Max(131_072)),
    ("Token", Rule::Max(131_072)),
    ("RefreshToken", Rule::Max(131_072)),
];

/// Members of AuthParameters / ChallengeResponses that name a user or carry a password.
const MAP_MEMBERS: &[(&str, Rule)] = &[
    ("USERNAME", Rule::Name(128)),
    ("PASSWORD", Rule::Max(256)),
    ("NEW_PASSWORD", Rule::Max(256)),
    ("SECRET_HASH", Rule::Max(128)),
    ("DEVICE_KEY", Rule::Max(55)),
];

/// Attribute names and values (`AttributeType`).
const ATTRIBUTE_NAME_MAX: usize = 32;
const ATTRIBUTE_VALUE_MAX: usize = 2048;
/// Anything else a map may carry (ClientMetadata values, SRP values, tokens).
const MAP_VALUE_MAX: usize = 131_072;

/// `Username` → `username`, as the service names members in validation messages.
fn camel(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn too_long(path: &str, max: usize) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}"
    ))
}

fn bad_pattern(path: &str, pattern: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "1 validation error detected: Value at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"
    ))
}

/// Unicode format characters (category Cf): bidi controls, zero-width characters, the BOM.
fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Whether `text` fits `[\p{L}\p{M}\p{S}\p{N}\p{P}]+`: visible characters only.
pub fn is_visible_name(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !is_format_char(c)
                && !is_private_or_unassigned(c)
        })
}

/// Surrogates cannot occur in a Rust string; private-use and noncharacters are not L/M/S/N/P.
fn is_private_or_unassigned(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFDD0..=0xFDEF)
        || (c as u32 & 0xFFFE) == 0xFFFE
}

fn check_rule(path: &str, text: &str, rule: Rule) -> ApiResult<()> {
    let length = text.chars().count();
    match rule {
        Rule::Max(max) if length > max => Err(too_long(path, max)),
        Rule::Max(_) => Ok(()),
        Rule::Name(max) if length > max => Err(too_long(path, max)),
        Rule::Name(_) if !text.is_empty() && !is_visible_name(text) => {
            Err(bad_pattern(path, r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+"))
        }
        Rule::Name(_) => Ok(()),
        Rule::Digits(count)
            if !text.is_empty()
                && (length != count || !text.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Err(bad_pattern(path, "[0-9]+"))
        }
        Rule::Digits(_) => Ok(()),
        Rule::Code(max) if length > max => Err(too_long(path, max)),
        Rule::Code(_) if text.chars().any(char::is_whitespace) => Err(bad_pattern(path, r"[\S]+")),
        Rule::Code(_) => Ok(()),
        Rule::Password(max) if length > max => Err(too_long(path, max)),
        Rule::Password(_) if !text.is_empty() && !fits_password_pattern(text) => {
            Err(bad_pattern(path, r"^[\S]+.*[\S]+$"))
        }
        Rule::Password(_) => Ok(()),
        // The service names both broken constraints of an empty token.
        Rule::Token(_) if text.is_empty() => Err(ApiError::invalid_parameter(format!(
            "2 validation errors detected: Value '' at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+; Value '' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        ))),
        Rule::Token(max) if length > max => Err(too_long(path, max)),
        Rule::Token(_) if text.chars().any(char::is_whitespace) => Err(bad_pattern(path, r"[\S]+")),
        Rule::Token(_) => Ok(()),
    }
}

/// `^[\S]+.*[\S]+$` as the service's (Java) regular expressions read it: `\s` is the six ASCII
/// white-space characters, and `.` matches anything but a line terminator.
fn fits_password_pattern(text: &str) -> bool {
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r');
    let line_end = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let chars: Vec<char> = text.chars().collect();
    match (chars.first(), chars.last()) {
        (Some(&first), Some(&last)) if chars.len() >= 2 && !space(first) && !space(last) => {
            // `[\S]+` takes everything up to the first white space and from the last one on (a
            // line terminator that is not ASCII white space included); only `.` must span the rest.
            match (
                chars.iter().position(|&c| space(c)),
                chars.iter().rposition(|&c| space(c)),
            ) {
                (Some(from), Some(to)) => !chars[from..=to].iter().any(|&c| line_end(c)),
                _ => true,
            }
        }
        _ => false,
    }
}

fn check_attribute_list(member: &str, list: &[Value]) -> ApiResult<()> {
    for (index, item) in list.iter().enumerate() {
        let path = format!("{}.{}", camel(member), index + 1);
        if let Some(Value::String(name)) = item.get("Name") {
            check_rule(
                &format!("{path}.member.name"),
                name,
                Rule::Max(ATTRIBUTE_NAME_MAX),
            )?;
        }
        if let Some(Value::String(value)) = item.get("Value") {
            check_rule(
                &format!("{path}.member.value"),
                value,
                Rule::Max(ATTRIBUTE_VALUE_MAX),
            )?;
        }
    }
    Ok(())
}

/// Checks every member of a request body against the service's limits.
pub fn check(body: &Value) -> ApiResult<()> {
    let Value::Object(members) = body else {
        return Ok(());
    };
    for (member, value) in members {
        match value {
            Value::String(text) => {
                if let Some((_, rule)) = MEMBERS.iter().find(|(name, _)| name == member) {
                    check_rule(&camel(member), text, *rule)?;
                }
            }
            Value::Array(list) if member.ends_with("Attributes") || member == "ValidationData" => {
                check_attribute_list(member, list)?;
            }
            Value::Object(map) => {
                for (key, entry) in map {
                    let Value::String(text) = entry else {
                        continue;
                    };
                    let path = format!("{}.{key}", camel(member));
                    let rule = MAP_MEMBERS
                        .iter()
                        .find(|(name, _)| name == key)
                        .map_or(Rule::Max(MAP_VALUE_MAX), |(_, rule)| *rule);
                    check_rule(&path, text, rule)?;
                    if key.chars().count() > MAP_VALUE_MAX {
                        return Err(too_long(&camel(member), MAP_VALUE_MAX));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_invisible_characters() {
        assert!(is_visible_name("alice@example.com"));
        assert!(is_visible_name("Zoë-ß_1"));
        assert!(!is_visible_name("a\u{0}b"));
        assert!(!is_visible_name("a\u{202E}b"));
        assert!(!is_visible_name("a b"));
        assert!(!is_visible_name("a\u{200B}b"));
    }

    #[test]
    fn passwords_follow_the_services_pattern() {
        for fits in [
            "Passw0rd!",
            "Pass w0rd!",
            "ab",
            "\u{a0}Passw0rd\u{a0}",
            "Zoë-ß_1",
            "ab\u{2028}cd",
            "a\u{85}\u{2028}b",
        ] {
            assert!(fits_password_pattern(fits), "{fits:?}");
        }
        for refused in [
            "Passw0rd! ",
            " Passw0rd!",
            "Passw0rd!\t",
            "Pass\nw0rd",
            "a b\u{2028}c d",
            "a",
            "",
        ] {
            assert!(!fits_password_pattern(refused), "{refused:?}");
        }
        let refused = check(&serde_json::json!({ "Password": "Passw0rd! " }));
        assert_eq!(
            refused.err().map(|e| e.message).unwrap_or_default(),
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        );
        assert!(check(&serde_json::json!({ "ProposedPassword": "x\r\ny" })).is_err());
        assert!(check(&serde_json::json!({ "Password": "" })).is_ok());
    }
}
