//! The user pool's public JSON API, sans-IO: for each operation a request type that builds the
//! exact body, and a reply type that parses it. [`parse_reply`] turns an HTTP status, the
//! `x-amzn-errortype` header and the body into a typed result or the kit's [`Error`].
//!
//! Nothing here performs I/O; [`crate::transport`] sends what [`ApiRequest`] describes.

pub mod operations;

use crate::error::{Error, ProtocolError, ProtocolErrorKind, Result, ServiceError};
use crate::json::{self, FromJson, Json, ObjectWriter, WriteJson};
use crate::text::{cat, cut};
use alloc::string::String;
use zeroize::Zeroizing;

/// `Content-Type` of every request.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// Prefix of the `X-Amz-Target` header.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// How much of an unparsable body an error keeps.
const RAW_KEEP: usize = 512;

/// One request to the user pool's JSON API.
pub struct ApiRequest {
    /// The operation, e.g. `InitiateAuth`.
    pub operation: &'static str,
    /// The JSON body. It may hold passwords and tokens, so it is zeroed on drop.
    pub body: Zeroizing<String>,
}

impl core::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("body", &"<redacted>")
            .finish()
    }
}

impl ApiRequest {
    /// Writes `body` as the request of `operation`. Never fails; the `Result` is kept for callers.
    pub fn new(operation: &'static str, body: &dyn WriteJson) -> Result<ApiRequest> {
        let mut w = ObjectWriter::new();
        body.write_json(&mut w);
        Ok(ApiRequest {
            operation,
            body: Zeroizing::new(w.finish()),
        })
    }

    /// The `X-Amz-Target` header value.
    pub fn target(&self) -> String {
        cat!(TARGET_PREFIX, self.operation)
    }
}

/// The service endpoint of a user pool: `https://cognito-idp.{region}.amazonaws.com/`, with the
/// region taken from the pool id (`us-east-1_AbC…`), and `amazonaws.com.cn` for China regions.
pub fn endpoint_for_pool(user_pool_id: &str) -> Result<String> {
    let (region, name) = split_pool_id(user_pool_id)?;
    let _ = name;
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Ok(cat!("https://cognito-idp.", region, ".", domain, "/"))
}

/// Splits `region_name` and checks both parts: the region is lowercase letters, digits and `-`; the
/// name is letters and digits.
pub fn split_pool_id(user_pool_id: &str) -> Result<(&str, &str)> {
    let bad = || {
        Error::misuse(
            crate::error::MisuseErrorKind::InvalidArgument,
            cat!(
                "userPoolId ",
                crate::error::quoted(user_pool_id),
                " is not of the form region_name (e.g. us-east-1_AbCdEf123)"
            ),
        )
    };
    let (region, Some(name)) = cut(user_pool_id, b'_') else {
        return Err(bad());
    };
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric());
    if region_ok && name_ok {
        Ok((region, name))
    } else {
        Err(bad())
    }
}

/// Strips the decorations the service may put around an error code: anything up to `#` and
/// anything after `:` (e.g. `aws.protocoljson#NotAuthorizedException:http://…`).
pub fn clean_error_code(raw: &str) -> &str {
    // Bytewise (the separators are ASCII): str's split and trim bring pattern searchers and
    // Unicode tables into the wasm.
    let b = raw.as_bytes();
    let mut start = b.iter().rposition(|&c| c == b'#').map_or(0, |i| i + 1);
    let mut end = b
        .iter()
        .skip(start)
        .position(|&c| c == b':')
        .map_or(b.len(), |i| start + i);
    while start < end && b[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    raw.get(start..end).unwrap_or("")
}

/// The service's text with control characters escaped (`\u000a`), so that a code or message
/// cannot forge lines in a log or a console.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::text::escape_into(text, &mut out, crate::text::Escape::Printable);
    out
}

/// The start of a body, for diagnosis: ASCII as it is, any other byte as U+FFFD (a proxy's page is
/// readable; `from_utf8_lossy` would cost a UTF-8 chunker in the wasm).
fn raw_start(body: &[u8]) -> String {
    let mut out = String::with_capacity(RAW_KEEP);
    for &b in body.iter().take(RAW_KEEP) {
        out.push(if b.is_ascii() {
            char::from(b)
        } else {
            '\u{fffd}'
        });
    }
    out
}

/// The error of a reply whose body is not what it should be; `raw` keeps the start of the body for
/// diagnosis (a proxy's page), except for a 2xx reply.
pub(crate) fn reply_error(
    kind: ProtocolErrorKind,
    field: &'static str,
    detail: String,
    status: u16,
    body: &[u8],
) -> Error {
    Error::Protocol(ProtocolError {
        kind,
        field: field.into(),
        detail,
        status: Some(status),
        // A successful reply can hold tokens (a truncated token reply): keep no part of it.
        raw: (!(200..300).contains(&status)).then(|| raw_start(body)),
    })
}

/// Largest reply body the kit reads (the service's are a few kilobytes); larger ones are refused
/// with `UnexpectedResponse` before they are copied or parsed.
pub const MAX_REPLY_BYTES: u32 = 1 << 20;

/// What stands for a non-2xx body over [`MAX_REPLY_BYTES`]: not JSON, so the reply reads as a
/// proxy's page would (`NotJsonReply`, retryable on 5xx/429), and the text says why.
pub const OVERSIZED_BODY: &[u8] = b"(reply body over 1 MiB, not read)";

/// Parses a reply of the JSON API: a 2xx body into `T` (an empty body reads as `{}`), anything else
/// into [`Error::Service`] with the code from `x-amzn-errortype`, `__type` or `code`. A body that is
/// not JSON (a proxy's HTML page) is [`ProtocolErrorKind::NotJson`].
pub fn parse_reply<T: FromJson>(
    status: u16,
    error_type_header: Option<&str>,
    body: &[u8],
) -> Result<T> {
    let value = parse_body(status, error_type_header, body)?;
    T::from_json(value).map_err(|e| shape_error(status, &e))
}

/// A 2xx reply of the wrong shape. Not generic and not inlined: one copy serves every reply type.
/// A successful reply can hold tokens: keep no part of it (the error names the member only).
#[inline(never)]
fn shape_error(status: u16, e: &crate::json::ShapeError) -> Error {
    Error::Protocol(ProtocolError {
        kind: ProtocolErrorKind::InvalidJson,
        field: "reply body".into(),
        detail: cat!("HTTP ", status, ": ", e),
        status: Some(status),
        raw: None,
    })
}

/// The error a reply stands for: `None` for any 2xx reply (whatever its body), else what
/// [`parse_reply`] would return.
pub fn reply_failure(status: u16, error_type_header: Option<&str>, body: &[u8]) -> Option<Error> {
    if (200..300).contains(&status) {
        None
    } else {
        parse_body(status, error_type_header, body).err()
    }
}

/// The JSON of a 2xx reply, or the error any other reply stands for. Not generic: one copy serves
/// every operation.
fn parse_body(status: u16, error_type_header: Option<&str>, body: &[u8]) -> Result<Json> {
    // A body beyond any reply of the service (from runtimes that did not refuse it already): its
    // content is not read, but the status still says what happened (and whether to retry).
    let body = if body.len() > MAX_REPLY_BYTES as usize {
        if (200..300).contains(&status) {
            return Err(Error::Protocol(ProtocolError {
                kind: ProtocolErrorKind::UnexpectedResponse,
                field: "reply body".into(),
                detail: cat!("HTTP ", status, ": more than ", MAX_REPLY_BYTES, " bytes"),
                status: Some(status),
                raw: None,
            }));
        }
        OVERSIZED_BODY
    } else {
        body
    };
    let body_or_empty: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if (200..300).contains(&status) {
        return json::parse(body_or_empty).map_err(|e| {
            Error::Protocol(ProtocolError {
                kind: ProtocolErrorKind::NotJson,
                field: "reply body".into(),
                detail: cat!("HTTP ", status, ": ", e),
                status: Some(status),
                raw: None,
            })
        });
    }
    let value = match json::parse(body_or_empty) {
        Ok(v) => v,
        Err(_) => {
            return Err(reply_error(
                ProtocolErrorKind::NotJson,
                "reply body",
                cat!("HTTP ", status, " with a body that is not JSON"),
                status,
                body,
            ))
        }
    };
    let text = |key: &str| value.get(key).and_then(Json::as_str);
    let code = error_type_header
        .filter(|h| !h.bytes().all(|c| c.is_ascii_whitespace()))
        .or_else(|| text("__type"))
        .or_else(|| text("code"))
        .map(clean_error_code)
        .filter(|c| !c.is_empty());
    let message = text("message")
        .or_else(|| text("Message"))
        .unwrap_or_default();
    match code {
        Some(code) => Err(Error::Service(ServiceError {
            code: printable(code),
            message: printable(message),
            status,
        })),
        None => Err(reply_error(
            ProtocolErrorKind::UnexpectedResponse,
            "reply body",
            cat!("HTTP ", status, " without an error code"),
            status,
            body,
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn oversized_bodies_are_not_read_but_keep_their_status() {
        let huge = alloc::vec![b' '; MAX_REPLY_BYTES as usize + 1];
        let e = parse_reply::<operations::Empty>(200, None, &huge).unwrap_err();
        assert_eq!(e.code(), "UnexpectedResponse");
        // A 503 page of any size is still a 503: retryable, with its status.
        let e = parse_reply::<operations::Empty>(503, None, &huge).unwrap_err();
        assert!(e.retryable(), "{e:?}");
        assert_eq!(e.code(), "NotJsonReply");
        let Error::Protocol(p) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(p.status, Some(503));
        assert!(
            p.raw.as_deref().is_some_and(|r| r.contains("over 1 MiB")),
            "{p:?}"
        );
        assert_eq!(
            reply_failure(503, None, &huge).map(|e| e.retryable()),
            Some(true)
        );
    }

    #[test]
    fn requests_do_not_show_their_secrets_in_debug() {
        let request = operations::ChangePassword {
            previous_password: "old-Secret1",
            proposed_password: "new-Secret2",
            access_token: "eyJ.token.sig",
        };
        assert_eq!(alloc::format!("{request:?}"), "ChangePassword { .. }");
    }

    use super::*;
    use crate::json::{Fields, ShapeError};

    #[derive(Debug, PartialEq)]
    struct Reply {
        session: Option<String>,
    }

    impl FromJson for Reply {
        fn from_json(value: Json) -> core::result::Result<Self, ShapeError> {
            Ok(Reply {
                session: Fields::of(value)?.opt_str("Session")?,
            })
        }
    }

    #[test]
    fn endpoints_follow_the_region() {
        assert_eq!(
            endpoint_for_pool("us-east-1_AbC123").unwrap(),
            "https://cognito-idp.us-east-1.amazonaws.com/"
        );
        assert_eq!(
            endpoint_for_pool("cn-north-1_AbC123").unwrap(),
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/"
        );
        for bad in [
            "",
            "us-east-1",
            "_abc",
            "us-east-1_",
            "US-EAST-1_abc",
            "us east_abc",
            "us-east-1_a-b",
            "../x_y",
        ] {
            assert_eq!(
                endpoint_for_pool(bad).unwrap_err().code(),
                "InvalidArgument",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn error_codes_are_cleaned() {
        assert_eq!(
            clean_error_code("NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            clean_error_code("aws.protocoljson#NotAuthorizedException"),
            "NotAuthorizedException"
        );
        assert_eq!(
            clean_error_code("NotAuthorizedException:http://internal.amazon.com/"),
            "NotAuthorizedException"
        );
        assert_eq!(
            clean_error_code("a#b#UserNotFoundException:x:y"),
            "UserNotFoundException"
        );
    }

    #[test]
    fn success_replies_parse() {
        let r: Reply = parse_reply(200, None, br#"{"Session":"s1"}"#).unwrap();
        assert_eq!(r.session.as_deref(), Some("s1"));
        let empty: Reply = parse_reply(200, None, b"").unwrap();
        assert_eq!(empty.session, None);
    }

    #[test]
    fn service_errors_from_header_type_or_code() {
        let e = parse_reply::<Reply>(
            400,
            None,
            br#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "NotAuthorizedException");
        assert!(!e.retryable());
        match &e {
            Error::Service(s) => {
                assert_eq!(s.message, "Incorrect username or password.");
                assert_eq!(s.status, 400);
            }
            other => panic!("{other:?}"),
        }
        let e = parse_reply::<Reply>(
            400,
            Some("aws#CodeMismatchException:x"),
            br#"{"__type":"Other"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "CodeMismatchException", "the header wins");
        let e = parse_reply::<Reply>(
            400,
            None,
            br#"{"code":"UserNotFoundException","Message":"m"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), "UserNotFoundException");
        let e = parse_reply::<Reply>(429, None, br#"{"__type":"TooManyRequestsException"}"#)
            .unwrap_err();
        assert!(e.retryable());
        let e =
            parse_reply::<Reply>(500, None, br#"{"__type":"InternalErrorException"}"#).unwrap_err();
        assert!(e.retryable());
    }

    #[test]
    fn an_html_page_from_a_proxy_is_a_distinct_error() {
        let page = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let e = parse_reply::<Reply>(502, None, page).unwrap_err();
        assert_eq!(e.code(), "NotJsonReply");
        assert!(e.retryable(), "a gateway error page may pass");
        match &e {
            Error::Protocol(p) => {
                assert_eq!(p.status, Some(502));
                assert!(p.raw.as_deref().unwrap().contains("502 Bad Gateway"));
            }
            other => panic!("{other:?}"),
        }
        let e = parse_reply::<Reply>(403, None, b"<html>forbidden</html>").unwrap_err();
        assert_eq!(e.code(), "NotJsonReply");
        assert!(!e.retryable());
        let e = parse_reply::<Reply>(200, None, b"<html>captive portal</html>").unwrap_err();
        assert_eq!(e.code(), "NotJsonReply");
        let e = parse_reply::<Reply>(400, None, br#"{"no":"code"}"#).unwrap_err();
        assert_eq!(e.code(), "UnexpectedResponse");
    }

    #[test]
    fn a_successful_reply_that_fails_to_parse_keeps_no_tokens() {
        let body = br#"{"Session": 5, "AuthenticationResult": {"AccessToken": "eyJsecret"}}"#;
        let e = parse_reply::<Reply>(200, None, body).unwrap_err();
        assert_eq!(e.code(), "InvalidJson");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("eyJsecret"), "{shown}");
    }
}
