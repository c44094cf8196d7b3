//! The one error type of the kit, grouped by who is at fault.
//!
//! - [`Error::Service`]: the user pool answered and said no (`NotAuthorizedException`, …).
//! - [`Error::Transport`]: no usable answer arrived (connection failed, timed out, aborted).
//! - [`Error::Protocol`]: a peer's value was malformed or unsafe (bad hex, base64 or JSON, an SRP value
//!   that would leak the password, a malformed token, an HTML page from a proxy).
//! - [`Error::Misuse`]: the caller used the API wrongly.
//! - [`Error::Passkey`]: the platform or the user did not complete a passkey ceremony.
//!
//! Every variant has a stable [`Error::code`] string, which is what the JavaScript `CognitoError.code`
//! carries.

use crate::text::cat;
use alloc::borrow::Cow;
use alloc::string::String;
use core::fmt;

/// Result with the kit's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong, grouped by who is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error.
    Service(ServiceError),
    /// The request did not get a usable answer.
    Transport(TransportError),
    /// A value from a peer (the service, a proxy, storage) is malformed or unsafe to use.
    Protocol(ProtocolError),
    /// The caller used the API wrongly.
    Misuse(MisuseError),
    /// A passkey could not be created or used: the user declined, the platform has no WebAuthn,
    /// the key exists already, or the relying party does not fit the page.
    Passkey(PasskeyError),
}

impl Error {
    /// A stable, machine-readable code: the service's exception name for [`Error::Service`]
    /// (`NotAuthorizedException`, …), else one of the kit's own codes (`NetworkError`, `InvalidHex`, …).
    pub fn code(&self) -> &str {
        match self {
            Error::Service(e) => &e.code,
            Error::Transport(e) => e.kind.code(),
            Error::Protocol(e) => e.kind.code(),
            Error::Misuse(e) => e.kind.code(),
            Error::Passkey(e) => e.kind.code(),
        }
    }

    /// Whether trying the same request again later may succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Error::Service(e) => e.retryable(),
            Error::Transport(_) => true,
            Error::Protocol(e) => e.retryable(),
            Error::Misuse(_) | Error::Passkey(_) => false,
        }
    }

    pub(crate) fn protocol(
        kind: ProtocolErrorKind,
        field: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Error::Protocol(ProtocolError {
            kind,
            field: field.into(),
            detail: detail.into(),
            status: None,
            raw: None,
        })
    }

    pub(crate) fn misuse(kind: MisuseErrorKind, message: impl Into<String>) -> Self {
        Error::Misuse(MisuseError {
            kind,
            message: message.into(),
        })
    }
}

/// The error's text, as `Display` shows it (written without `core::fmt`: the wasm builds every
/// `CognitoError`'s message from it).
impl crate::text::Piece for Error {
    fn put(&self, out: &mut String) {
        let (code, message) = match self {
            Error::Service(e) => {
                out.push_str(&e.code);
                out.push_str(" (HTTP ");
                crate::text::decimal(u64::from(e.status), out);
                (")", &e.message)
            }
            Error::Protocol(e) => {
                out.push_str(e.kind.code());
                out.push_str(" in ");
                (e.field.as_ref(), &e.detail)
            }
            Error::Transport(e) => (e.kind.code(), &e.message),
            Error::Misuse(e) => (e.kind.code(), &e.message),
            Error::Passkey(e) => (e.kind.code(), &e.message),
        };
        out.push_str(code);
        out.push_str(": ");
        out.push_str(message);
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&cat!(self))
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Service(e) => Some(e),
            Error::Transport(e) => Some(e),
            Error::Protocol(e) => Some(e),
            Error::Misuse(e) => Some(e),
            Error::Passkey(e) => Some(e),
        }
    }
}

/// The service's own error: its exception name, message and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The exception name, e.g. `NotAuthorizedException` (any `prefix#` and `:suffix` removed).
    pub code: String,
    /// The service's message, e.g. `Incorrect username or password.`
    pub message: String,
    /// The HTTP status of the reply.
    pub status: u16,
}

impl ServiceError {
    /// Throttling and server-side failures may succeed later; everything else is a final answer.
    pub fn retryable(&self) -> bool {
        self.status >= 500
            || matches!(
                self.code.as_str(),
                "TooManyRequestsException"
                    | "ThrottlingException"
                    | "InternalErrorException"
                    | "LimitExceededException"
                    | "ServiceUnavailable"
            )
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::Service(self.clone()), f)
    }
}

impl core::error::Error for ServiceError {}

/// Why no usable answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection failed (offline, DNS, CORS, connection reset).
    Network,
    /// No answer within the configured time.
    Timeout,
    /// The caller aborted the request.
    Aborted,
}

impl TransportErrorKind {
    fn code(self) -> &'static str {
        match self {
            TransportErrorKind::Network => "NetworkError",
            TransportErrorKind::Timeout => "TimeoutError",
            TransportErrorKind::Aborted => "AbortError",
        }
    }
}

/// The request did not get a usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What happened.
    pub kind: TransportErrorKind,
    /// Details from the platform (the `fetch` error's message).
    pub message: String,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::Transport(self.clone()), f)
    }
}

impl core::error::Error for TransportError {}

/// What was wrong with a peer's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// Not hexadecimal, empty, or too long.
    InvalidHex,
    /// Not base64 (or base64url).
    InvalidBase64,
    /// JSON, but not of the expected shape (a field missing or of the wrong type).
    InvalidJson,
    /// A reply whose body is not JSON at all: typically an HTML page from a proxy or gateway.
    NotJson,
    /// A required field is absent.
    MissingField,
    /// An SRP value that must be rejected before any math (B ≡ 0 mod N, u = 0).
    UnsafeSrpValue,
    /// A JWT that is not three base64url segments of JSON.
    MalformedToken,
    /// The service asked for a challenge the current step cannot answer.
    UnexpectedChallenge,
    /// A reply that parses but makes no sense at this point.
    UnexpectedResponse,
}

impl ProtocolErrorKind {
    fn code(self) -> &'static str {
        match self {
            ProtocolErrorKind::InvalidHex => "InvalidHex",
            ProtocolErrorKind::InvalidBase64 => "InvalidBase64",
            ProtocolErrorKind::InvalidJson => "InvalidJson",
            ProtocolErrorKind::NotJson => "NotJsonReply",
            ProtocolErrorKind::MissingField => "MissingField",
            ProtocolErrorKind::UnsafeSrpValue => "UnsafeSrpValue",
            ProtocolErrorKind::MalformedToken => "MalformedToken",
            ProtocolErrorKind::UnexpectedChallenge => "UnexpectedChallenge",
            ProtocolErrorKind::UnexpectedResponse => "UnexpectedResponse",
        }
    }
}

/// A peer's value was malformed or unsafe.
#[derive(Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// What was wrong.
    pub kind: ProtocolErrorKind,
    /// Which field (e.g. `SRP_B`, `ChallengeParameters.SALT`, `id_token.payload`).
    pub field: Cow<'static, str>,
    /// A human-readable detail; never contains a secret.
    pub detail: String,
    /// The HTTP status, when the error came from a reply.
    pub status: Option<u16>,
    /// The start of the raw reply body, kept for diagnosis (a proxy's page); `None` for a 2xx
    /// reply, whose body can hold tokens. `Debug` shows only its length.
    pub raw: Option<String>,
}

/// `"text"` for error messages, with `"`, `\` and ASCII control characters escaped (the text may
/// come from the peer: no raw newline or quote reaches an app's logs). Debug formatting (`{:?}`)
/// would do the same, but its escaping brings the Unicode tables of `char::escape_debug` into the wasm.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    crate::text::escape_into(text, &mut out, crate::text::Escape::Quoted);
    out.push('"');
    out
}

/// `["a", "b"]` for error messages (see [`quoted`]).
pub(crate) fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&quoted(item.as_ref()));
    }
    out.push(']');
    out
}

impl ProtocolError {
    /// A gateway's or proxy's error page (non-JSON with a 5xx or 429 status) may go away on retry.
    pub fn retryable(&self) -> bool {
        self.kind == ProtocolErrorKind::NotJson && self.status.is_some_and(|s| s >= 500 || s == 429)
    }
}

impl fmt::Debug for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtocolError")
            .field("kind", &self.kind)
            .field("field", &self.field)
            .field("detail", &self.detail)
            .field("status", &self.status)
            .field(
                "raw",
                &self.raw.as_ref().map(|r| cat!("<", r.len(), " bytes>")),
            )
            .finish()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::Protocol(self.clone()), f)
    }
}

impl core::error::Error for ProtocolError {}

/// How the caller misused the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MisuseErrorKind {
    /// An argument is out of its domain (empty username, malformed pool id, …).
    InvalidArgument,
    /// The call does not fit the current state (no sign-in in progress, …).
    InvalidState,
    /// The call needs a signed-in user and there is none (or the session has ended).
    NotSignedIn,
}

impl MisuseErrorKind {
    fn code(self) -> &'static str {
        match self {
            MisuseErrorKind::InvalidArgument => "InvalidArgument",
            MisuseErrorKind::InvalidState => "InvalidState",
            MisuseErrorKind::NotSignedIn => "NotSignedIn",
        }
    }
}

/// The caller used the API wrongly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisuseError {
    /// What kind of misuse.
    pub kind: MisuseErrorKind,
    /// What was wrong; never contains a secret.
    pub message: String,
}

impl fmt::Display for MisuseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::Misuse(self.clone()), f)
    }
}

impl core::error::Error for MisuseError {}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_escapes_what_could_forge_a_log_line() {
        assert_eq!(
            super::quoted("X\"\n[auth] ok\\\u{7f}é"),
            "\"X\\\"\\x0a[auth] ok\\\\\\x7fé\""
        );
        assert_eq!(super::quoted_list(&["a", "b\r"]), "[\"a\", \"b\\x0d\"]");
    }

    use super::*;
    use alloc::string::ToString;

    #[test]
    fn codes_are_stable_and_group_by_fault() {
        let service = Error::Service(ServiceError {
            code: "NotAuthorizedException".into(),
            message: "Incorrect username or password.".into(),
            status: 400,
        });
        assert_eq!(service.code(), "NotAuthorizedException");
        assert!(!service.retryable());
        let throttled = Error::Service(ServiceError {
            code: "TooManyRequestsException".into(),
            message: String::new(),
            status: 400,
        });
        assert!(throttled.retryable());
        let hex = Error::protocol(ProtocolErrorKind::InvalidHex, "SRP_B", "not hex");
        assert_eq!(hex.code(), "InvalidHex");
        assert_eq!(hex.to_string(), "InvalidHex in SRP_B: not hex");
        assert!(!hex.retryable());
        let net = Error::Transport(TransportError {
            kind: TransportErrorKind::Network,
            message: "offline".into(),
        });
        assert_eq!(net.code(), "NetworkError");
        assert!(net.retryable());
        let misuse = Error::misuse(MisuseErrorKind::InvalidArgument, "empty username");
        assert_eq!(misuse.code(), "InvalidArgument");
        assert!(std::error::Error::source(&misuse).is_some());
    }
}

/// Why a passkey ceremony did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasskeyErrorKind {
    /// The platform has no WebAuthn (or no authenticator that can do this).
    NotSupported,
    /// The user cancelled, or the ceremony timed out (WebAuthn does not tell them apart).
    Canceled,
    /// The authenticator holds a passkey for this user already.
    AlreadyExists,
    /// The relying party id does not fit the page's origin.
    RelyingPartyMismatch,
    /// Anything else the platform reported.
    Failed,
}

impl PasskeyErrorKind {
    fn code(self) -> &'static str {
        match self {
            PasskeyErrorKind::NotSupported => "PasskeyNotSupported",
            PasskeyErrorKind::Canceled => "PasskeyCanceled",
            PasskeyErrorKind::AlreadyExists => "PasskeyAlreadyExists",
            PasskeyErrorKind::RelyingPartyMismatch => "PasskeyRelyingPartyMismatch",
            PasskeyErrorKind::Failed => "PasskeyFailed",
        }
    }

    /// The kind of a WebAuthn failure, from the `DOMException` name the platform threw.
    pub fn from_dom_exception(name: &str) -> PasskeyErrorKind {
        match name {
            "NotSupportedError" => PasskeyErrorKind::NotSupported,
            "NotAllowedError" | "AbortError" => PasskeyErrorKind::Canceled,
            "InvalidStateError" => PasskeyErrorKind::AlreadyExists,
            "SecurityError" => PasskeyErrorKind::RelyingPartyMismatch,
            _ => PasskeyErrorKind::Failed,
        }
    }
}

/// A passkey ceremony that did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyError {
    /// What happened.
    pub kind: PasskeyErrorKind,
    /// The platform's message.
    pub message: String,
}

impl fmt::Display for PasskeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::Passkey(self.clone()), f)
    }
}

impl core::error::Error for PasskeyError {}
