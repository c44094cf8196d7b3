//! The service's error shape: `{"__type": "...", "message": "..."}` plus the `x-amzn-errortype` header.

use std::fmt;

/// One failed operation, already in the form the real service would answer with.
///
/// Every handler returns this instead of panicking, so a bad request can never take the server down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The Cognito exception name that goes into `__type` (e.g. `NotAuthorizedException`).
    pub code: &'static str,
    /// Human readable message; clients show it, so it mirrors the real service's wording.
    pub message: String,
    /// HTTP status: 400 for every client error like the service, 500 for our own failures.
    pub status: u16,
}

impl ApiError {
    /// A client error (HTTP 400) with the given exception name.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 400,
        }
    }

    /// An internal failure (HTTP 500); the message never carries secrets.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "InternalErrorException",
            message: message.into(),
            status: 500,
        }
    }

    /// `NotAuthorizedException` — wrong password, bad token, bad secret hash, …
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new("NotAuthorizedException", message)
    }

    /// The service's answer to a wrong password, also used whenever it must not say more.
    pub fn bad_credentials() -> Self {
        Self::not_authorized("Incorrect username or password.")
    }

    /// `InvalidParameterException`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    /// A value outside an enumeration, in the service's words: the value, the member's camelCase
    /// path, and the values it may take.
    pub fn not_in_enum(value: &str, at: &str, set: &[&str]) -> Self {
        Self::invalid_parameter(format!(
            "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            set.join(", ")
        ))
    }

    /// A number outside `min..=max`, in the service's words: the value, the member's camelCase
    /// name, and the bound it passed.
    pub fn out_of_range(member: &str, value: i64, min: i64, max: i64) -> Self {
        let bound = if value < min {
            format!("greater than or equal to {min}")
        } else {
            format!("less than or equal to {max}")
        };
        Self::invalid_parameter(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value {bound}"
        ))
    }

    /// `ResourceNotFoundException`.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    /// `UserNotFoundException` with the service's message.
    pub fn user_not_found() -> Self {
        Self::new("UserNotFoundException", "User does not exist.")
    }

    /// `SerializationException`: the body is not the JSON the operation expects.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    /// The service's validation error for a missing required member.
    pub fn missing_member(member: &str) -> Self {
        let mut chars = member.chars();
        let camel = match chars.next() {
            Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
            None => String::new(),
        };
        Self::invalid_parameter(format!(
            "1 validation error detected: Value null at '{camel}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// `CodeMismatchException` with the service's message.
    pub fn code_mismatch() -> Self {
        Self::new(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )
    }

    /// `ExpiredCodeException` with the service's message.
    pub fn expired_code() -> Self {
        Self::new(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.",
        )
    }

    /// The error for a challenge session that is unknown, used or expired.
    pub fn invalid_session() -> Self {
        Self::not_authorized("Invalid session for the user, session is expired.")
    }

    /// The JSON body the service sends with this error. The message is cut at
    /// [`MESSAGE_MAX`] characters: messages may quote request values, and an error reply must
    /// never echo unbounded input.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.code, "message": truncate(&self.message, MESSAGE_MAX) })
    }
}

/// Longest error message sent, in characters.
pub const MESSAGE_MAX: usize = 512;

/// `text` cut to `max` characters, marked with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result of an operation handler.
pub type ApiResult<T> = Result<T, ApiError>;
