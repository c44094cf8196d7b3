//! The seam between the kit and the platform: sending a request, the clock, random bytes, waiting.
//!
//! [`Runtime`] is what the client needs from its platform. `FetchRuntime` is the real one for
//! WebAssembly: it calls the *global* `fetch` (so it works in windows, workers and Node >= 18), the
//! global `crypto.getRandomValues`, `Date.now` and `setTimeout`. Tests use their own runtime that
//! answers from a script and checks exact requests.

use crate::api::ApiRequest;
use crate::error::Result;
use alloc::string::String;
use alloc::vec::Vec;
use core::future::Future;

/// What came back from the service: the status, the `x-amzn-errortype` header and the body.
/// The body (tokens, often) is zeroized when dropped and left out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The HTTP status.
    pub status: u16,
    /// The `x-amzn-errortype` header, when present.
    pub error_type: Option<String>,
    /// The body.
    pub body: zeroize::Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for HttpReply {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpReply")
            .field("status", &self.status)
            .field("error_type", &self.error_type)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// What the client needs from its platform.
pub trait Runtime {
    /// POSTs `request` to `endpoint` with the service's headers and returns the reply, or a
    /// transport error (network failure, timeout, abort).
    fn send(&self, endpoint: &str, request: &ApiRequest)
        -> impl Future<Output = Result<HttpReply>>;
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> f64;
    /// Fills `buffer` from a cryptographically secure generator.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()>;
    /// Waits `millis` milliseconds.
    fn sleep(&self, millis: u32) -> impl Future<Output = ()>;
    /// Runs `work` while holding the exclusive lock `name`, shared by every page of the origin where
    /// the platform has one (the Web Locks API), so that tabs take turns. Without such a lock it
    /// simply runs `work`.
    fn exclusive<T>(&self, name: &str, work: impl Future<Output = T>) -> impl Future<Output = T> {
        let _ = name;
        work
    }
    /// Sends a request to one of the pool domain's OAuth endpoints (`method` `GET` or `POST`, with
    /// an `Authorization` header and an `application/x-www-form-urlencoded` body when given). The
    /// default sends nothing: a network error.
    fn request(
        &self,
        method: &str,
        url: &str,
        authorization: Option<&str>,
        form: Option<&str>,
    ) -> impl Future<Output = Result<HttpReply>> {
        let _ = (method, url, authorization, form);
        core::future::ready(Err(crate::error::Error::Transport(
            crate::error::TransportError {
                kind: crate::error::TransportErrorKind::Network,
                message: "this runtime sends only the user pool's API operations".into(),
            },
        )))
    }
    /// Sends the browser to `url` (`replace`: only replaces the address shown). The default has no
    /// browser: `InvalidState`.
    fn navigate(&self, url: &str, replace: bool) -> Result<()> {
        let _ = (url, replace);
        Err(crate::error::Error::misuse(
            crate::error::MisuseErrorKind::InvalidState,
            "this runtime has no browser to navigate",
        ))
    }
    /// Carries out a passkey ceremony (WebAuthn) with the platform's authenticator: registers a
    /// passkey with `options` (`PublicKeyCredentialCreationOptionsJSON`) when `create`, else signs
    /// in with them (`PublicKeyCredentialRequestOptionsJSON`); returns the credential as WebAuthn's
    /// JSON (`RegistrationResponseJSON` / `AuthenticationResponseJSON`). The default has no
    /// authenticator: `PasskeyNotSupported`.
    fn passkey(&self, create: bool, options: &str) -> impl Future<Output = Result<String>> {
        let _ = (create, options);
        core::future::ready(Err(crate::error::Error::Passkey(
            crate::error::PasskeyError {
                kind: crate::error::PasskeyErrorKind::NotSupported,
                message: "this runtime has no passkey authenticator".into(),
            },
        )))
    }
}

#[cfg(all(target_arch = "wasm32", feature = "std"))]
pub use fetch::FetchRuntime;

#[cfg(all(target_arch = "wasm32", feature = "std"))]
/// Gives a Web Lock back when dropped, however the wait for it or the work under it ends
/// (completed, failed, or its future dropped by a cancelled task): the release function if the lock
/// was granted; else the grant, should it come later, releases at once (`cancelled`).
pub(crate) struct Release {
    pub(crate) slot: alloc::rc::Rc<core::cell::Cell<Option<js_sys::Function>>>,
    pub(crate) cancelled: alloc::rc::Rc<core::cell::Cell<bool>>,
}

#[cfg(all(target_arch = "wasm32", feature = "std"))]
impl Drop for Release {
    fn drop(&mut self) {
        self.cancelled.set(true);
        if let Some(release) = self.slot.take() {
            let _ = release.call0(&wasm_bindgen::JsValue::NULL);
        }
    }
}

#[cfg(all(target_arch = "wasm32", feature = "std"))]
mod fetch {
    use super::{HttpReply, Runtime};
    use crate::api::{ApiRequest, CONTENT_TYPE};
    use crate::error::{
        Error, MisuseErrorKind, PasskeyError, PasskeyErrorKind, Result, TransportError,
        TransportErrorKind,
    };
    use crate::text::cat;
    use alloc::string::{String, ToString};
    use core::cell::Cell;
    use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    /// The browser/worker/Node runtime: global `fetch`, `crypto`, `Date` and `setTimeout`.
    #[derive(Debug, Clone)]
    pub struct FetchRuntime {
        /// Abort a request after this many milliseconds (0: never).
        pub timeout_millis: u32,
        /// `X-Amz-User-Agent` to send.
        pub user_agent: String,
    }

    impl Default for FetchRuntime {
        fn default() -> Self {
            FetchRuntime {
                timeout_millis: 30_000,
                user_agent: cat!("cognito-kit/", env!("CARGO_PKG_VERSION")),
            }
        }
    }

    fn global_fn(name: &str) -> Result<Function> {
        Reflect::get(&js_sys::global(), &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| {
                Error::misuse(
                    MisuseErrorKind::InvalidState,
                    cat!("this platform has no global ", name, "()"),
                )
            })
    }

    fn set(target: &JsValue, key: &str, value: &JsValue) {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(target, &key.into(), value);
    }

    fn transport(kind: TransportErrorKind, err: &JsValue) -> Error {
        let message = Reflect::get(err, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| {
                err.as_string()
                    .unwrap_or_else(|| "fetch failed".to_string())
            });
        Error::Transport(TransportError { kind, message })
    }

    impl Runtime for FetchRuntime {
        async fn send(&self, endpoint: &str, request: &ApiRequest) -> Result<HttpReply> {
            let fetch = global_fn("fetch")?;
            let headers = Object::new();
            set(&headers, "content-type", &CONTENT_TYPE.into());
            set(&headers, "x-amz-target", &request.target().into());
            set(
                &headers,
                "x-amz-user-agent",
                &self.user_agent.as_str().into(),
            );
            set(&headers, "cache-control", &"no-store".into());
            let init = Object::new();
            set(&init, "method", &"POST".into());
            set(&init, "headers", &headers);
            set(&init, "body", &request.body.as_str().into());
            set(&init, "cache", &"no-store".into());
            set(&init, "credentials", &"omit".into());

            // A timeout aborts through an AbortController; `timed_out` tells it from other aborts.
            let timed_out = alloc::rc::Rc::new(Cell::new(false));
            let mut timer = None;
            if self.timeout_millis > 0 {
                if let (Ok(ctor), Ok(set_timeout)) = (
                    Reflect::get(&js_sys::global(), &"AbortController".into())
                        .and_then(|c| c.dyn_into::<Function>()),
                    global_fn("setTimeout"),
                ) {
                    if let Ok(controller) = Reflect::construct(&ctor, &js_sys::Array::new()) {
                        if let Ok(signal) = Reflect::get(&controller, &"signal".into()) {
                            set(&init, "signal", &signal);
                            let flag = timed_out.clone();
                            let abort = Closure::once_into_js(move || {
                                flag.set(true);
                                if let Ok(f) = Reflect::get(&controller, &"abort".into())
                                    .and_then(|f| f.dyn_into::<Function>())
                                {
                                    let _ = f.call0(&controller);
                                }
                            });
                            timer = set_timeout
                                .call2(&JsValue::NULL, &abort, &self.timeout_millis.into())
                                .ok();
                        }
                    }
                }
            }
            let clear = || {
                if let (Some(id), Ok(clear)) = (&timer, global_fn("clearTimeout")) {
                    let _ = clear.call1(&JsValue::NULL, id);
                }
            };

            let promise = fetch
                .call2(&JsValue::NULL, &endpoint.into(), &init)
                .map_err(|e| {
                    clear();
                    transport(TransportErrorKind::Network, &e)
                })?;
            let response = match JsFuture::from(Promise::from(promise)).await {
                Ok(r) => r,
                Err(e) => {
                    clear();
                    let aborted = Reflect::get(&e, &"name".into())
                        .ok()
                        .and_then(|n| n.as_string())
                        .as_deref()
                        == Some("AbortError");
                    let kind = match (aborted, timed_out.get()) {
                        (true, true) => TransportErrorKind::Timeout,
                        (true, false) => TransportErrorKind::Aborted,
                        _ => TransportErrorKind::Network,
                    };
                    return Err(transport(kind, &e));
                }
            };
            let status = Reflect::get(&response, &"status".into())
                .ok()
                .and_then(|s| s.as_f64())
                .unwrap_or(0.0) as u16;
            let error_type = Reflect::get(&response, &"headers".into())
                .ok()
                .and_then(|h| {
                    let get = Reflect::get(&h, &"get".into())
                        .ok()?
                        .dyn_into::<Function>()
                        .ok()?;
                    get.call1(&h, &"x-amzn-errortype".into()).ok()
                })
                .and_then(|v| v.as_string());
            let body_promise = Reflect::get(&response, &"arrayBuffer".into())
                .and_then(|f| f.dyn_into::<Function>())
                .and_then(|f| f.call0(&response));
            let body = match body_promise {
                Ok(p) => JsFuture::from(Promise::from(p)).await,
                Err(e) => Err(e),
            };
            clear();
            let body = body.map_err(|e| {
                // The connection dropped while the body was arriving.
                let kind = if timed_out.get() {
                    TransportErrorKind::Timeout
                } else {
                    TransportErrorKind::Network
                };
                transport(kind, &e)
            })?;
            let body = Uint8Array::new(&body);
            // The service's replies are a few kilobytes. A larger body is not copied into the
            // wasm's memory (it could exhaust it): a 2xx one is refused, any other keeps its
            // status (and so its retry rule) with a placeholder body.
            let too_large = body.length() > crate::api::MAX_REPLY_BYTES;
            if too_large && (200..300).contains(&status) {
                return Err(Error::Protocol(crate::error::ProtocolError {
                    kind: crate::error::ProtocolErrorKind::UnexpectedResponse,
                    field: "reply body".into(),
                    detail: cat!(
                        "HTTP ",
                        status,
                        ": ",
                        body.length(),
                        " bytes, more than a reply can be"
                    ),
                    status: Some(status),
                    raw: None,
                }));
            }
            let copy = if too_large {
                crate::api::OVERSIZED_BODY.to_vec()
            } else {
                body.to_vec()
            };
            // A reply may hold tokens: the JavaScript copy is cleared once the wasm has its own.
            body.fill(0, 0, body.length());
            Ok(HttpReply {
                status,
                error_type,
                body: copy.into(),
            })
        }

        fn now_millis(&self) -> f64 {
            js_sys::Date::now()
        }

        fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
            crate::js::fill_random(buffer)
        }

        async fn exclusive<T>(&self, name: &str, work: impl core::future::Future<Output = T>) -> T {
            // navigator.locks.request(name, callback): the callback runs when the lock is granted and
            // the lock is held until the promise it returns settles. `granted` tells us when to start;
            // `release` is resolved once our work is done.
            let locks = Reflect::get(&js_sys::global(), &"navigator".into())
                .ok()
                .filter(|n| n.is_object())
                .and_then(|n| Reflect::get(&n, &"locks".into()).ok())
                .filter(|l| l.is_object());
            let request = locks
                .as_ref()
                .and_then(|l| Reflect::get(l, &"request".into()).ok())
                .and_then(|f| f.dyn_into::<Function>().ok());
            let (Some(locks), Some(request)) = (locks, request) else {
                return work.await;
            };
            // From here on the lock is given back however this future ends, dropped while it
            // waits included (a grant after that releases at once).
            let release = super::Release {
                slot: alloc::rc::Rc::new(Cell::new(None)),
                cancelled: alloc::rc::Rc::new(Cell::new(false)),
            };
            let mut granted_resolve: Option<Function> = None;
            let granted = Promise::new(&mut |resolve, _| granted_resolve = Some(resolve));
            let refused_resolve = granted_resolve.clone();
            let (slot, cancelled) = (release.slot.clone(), release.cancelled.clone());
            let on_grant = Closure::once_into_js(move || -> JsValue {
                if cancelled.get() {
                    return Promise::resolve(&JsValue::UNDEFINED).into();
                }
                if let Some(r) = granted_resolve {
                    let _ = r.call0(&JsValue::NULL);
                }
                Promise::new(&mut |resolve, _| slot.set(Some(resolve))).into()
            });
            let Ok(held) = request.call2(&locks, &name.into(), &on_grant) else {
                return work.await;
            };
            // Where Web Locks refuse (an opaque origin) the request rejects without ever granting:
            // the work then runs unlocked instead of waiting forever.
            let on_refused = Closure::once_into_js(move |_: JsValue| {
                if let Some(r) = refused_resolve {
                    let _ = r.call0(&JsValue::NULL);
                }
            });
            if let Ok(catch) =
                Reflect::get(&held, &"catch".into()).and_then(|f| f.dyn_into::<Function>())
            {
                let _ = catch.call1(&held, &on_refused);
            }
            if JsFuture::from(granted).await.is_err() {
                return work.await;
            }
            let result = work.await;
            drop(release);
            result
        }

        async fn sleep(&self, millis: u32) {
            let promise = Promise::new(&mut |resolve, _reject| {
                if let Ok(set_timeout) = global_fn("setTimeout") {
                    let _ = set_timeout.call2(&JsValue::NULL, &resolve, &millis.into());
                } else {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            });
            let _ = JsFuture::from(promise).await;
        }

        async fn passkey(&self, create: bool, options: &str) -> Result<String> {
            passkey(create, options).await
        }
    }

    /// A WebAuthn failure: the `DOMException`'s name picks the kind, its message is kept.
    fn passkey_failure(e: &JsValue) -> Error {
        let text = |key: &str| {
            Reflect::get(e, &key.into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        };
        let name = text("name");
        Error::Passkey(PasskeyError {
            kind: PasskeyErrorKind::from_dom_exception(&name),
            message: text("message"),
        })
    }

    /// `value[key]`.
    fn get(value: &JsValue, key: &str) -> JsValue {
        Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    /// `value[key]` as a function, called on `value` with `args`.
    fn call(
        value: &JsValue,
        key: &str,
        args: &[&JsValue],
    ) -> Option<core::result::Result<JsValue, JsValue>> {
        let f = get(value, key).dyn_into::<Function>().ok()?;
        Some(match args {
            [] => f.call0(value),
            [a] => f.call1(value, a),
            _ => f.call2(value, args[0], args[1]),
        })
    }

    /// A WebAuthn ceremony with the platform's authenticator (`navigator.credentials`), options and
    /// credential in WebAuthn's JSON form, as the package's loop carries it out. The platform's own
    /// JSON readers and writers (`parseRequestOptionsFromJSON`, `toJSON`) are used where it has
    /// them; elsewhere the base64url members are converted here.
    async fn passkey(create: bool, options: &str) -> Result<String> {
        let global = js_sys::global();
        let class = get(&global, "PublicKeyCredential");
        let credentials = get(&get(&global, "navigator"), "credentials");
        if !class.is_function() || !credentials.is_object() {
            return Err(Error::Passkey(PasskeyError {
                kind: PasskeyErrorKind::NotSupported,
                message: "this platform has no WebAuthn".into(),
            }));
        }
        let bad_options = |_| {
            Error::Passkey(PasskeyError {
                kind: PasskeyErrorKind::Failed,
                message: "the service's passkey options are not JSON".into(),
            })
        };
        let parsed = js_sys::JSON::parse(options).map_err(bad_options)?;
        let reader = if create {
            "parseCreationOptionsFromJSON"
        } else {
            "parseRequestOptionsFromJSON"
        };
        let public_key = match call(&class, reader, &[&parsed]) {
            Some(read) => read.map_err(|e| passkey_failure(&e))?,
            None => {
                decode_options(&parsed, create)?;
                parsed
            }
        };
        let init = Object::new();
        set(&init, "publicKey", &public_key);
        let ceremony = if create { "create" } else { "get" };
        let promise = call(&credentials, ceremony, &[&init])
            .unwrap_or_else(|| Err(JsValue::UNDEFINED))
            .map_err(|e| passkey_failure(&e))?;
        let credential = JsFuture::from(Promise::from(promise))
            .await
            .map_err(|e| passkey_failure(&e))?;
        let json = match call(&credential, "toJSON", &[]) {
            Some(json) => json.map_err(|e| passkey_failure(&e))?,
            None => encode_credential(&credential),
        };
        js_sys::JSON::stringify(&json)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                Error::Passkey(PasskeyError {
                    kind: PasskeyErrorKind::Failed,
                    message: "the platform's credential has no JSON form".into(),
                })
            })
    }

    /// The base64url members of WebAuthn's JSON options as bytes, in place.
    fn decode_options(options: &JsValue, create: bool) -> Result<()> {
        let bytes = |holder: &JsValue, key: &'static str| -> Result<()> {
            if let Some(text) = get(holder, key).as_string() {
                let decoded = crate::encoding::base64url_decode(&text, key)?;
                set(holder, key, &Uint8Array::from(decoded.as_slice()));
            }
            Ok(())
        };
        bytes(options, "challenge")?;
        if create {
            bytes(&get(options, "user"), "id")?;
        }
        let list = if create {
            "excludeCredentials"
        } else {
            "allowCredentials"
        };
        if let Ok(items) = get(options, list).dyn_into::<js_sys::Array>() {
            for item in items.iter() {
                bytes(&item, "id")?;
            }
        }
        Ok(())
    }

    /// WebAuthn's JSON form of a credential, for a platform without `toJSON()`.
    fn encode_credential(credential: &JsValue) -> JsValue {
        let b64 = |value: &JsValue| -> JsValue {
            if value.is_undefined() || value.is_null() {
                return JsValue::UNDEFINED;
            }
            let bytes = Uint8Array::new(value).to_vec();
            crate::encoding::base64url_encode(&bytes).into()
        };
        let response = get(credential, "response");
        let out = Object::new();
        let json = Object::new();
        set(
            &json,
            "clientDataJSON",
            &b64(&get(&response, "clientDataJSON")),
        );
        let attestation = get(&response, "attestationObject");
        if attestation.is_undefined() {
            for key in ["authenticatorData", "signature", "userHandle"] {
                set(&json, key, &b64(&get(&response, key)));
            }
        } else {
            set(&json, "attestationObject", &b64(&attestation));
            let transports = call(&response, "getTransports", &[])
                .and_then(core::result::Result::ok)
                .unwrap_or_else(|| js_sys::Array::new().into());
            set(&json, "transports", &transports);
            for (key, getter) in [
                ("authenticatorData", "getAuthenticatorData"),
                ("publicKey", "getPublicKey"),
            ] {
                let value = call(&response, getter, &[]).and_then(core::result::Result::ok);
                set(&json, key, &b64(&value.unwrap_or(JsValue::UNDEFINED)));
            }
            if let Some(Ok(algorithm)) = call(&response, "getPublicKeyAlgorithm", &[]) {
                set(&json, "publicKeyAlgorithm", &algorithm);
            }
        }
        set(&out, "id", &get(credential, "id"));
        set(&out, "rawId", &b64(&get(credential, "rawId")));
        set(&out, "type", &get(credential, "type"));
        let attachment = get(credential, "authenticatorAttachment");
        if !attachment.is_null() {
            set(&out, "authenticatorAttachment", &attachment);
        }
        let extensions = call(credential, "getClientExtensionResults", &[])
            .and_then(core::result::Result::ok)
            .unwrap_or_else(|| Object::new().into());
        set(&out, "clientExtensionResults", &extensions);
        set(&out, "response", &json);
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::HttpReply;

    #[test]
    fn debug_leaves_the_body_out() {
        let reply = HttpReply {
            status: 200,
            error_type: None,
            body: br#"{"AuthenticationResult":{"AccessToken":"eyJsecret"}}"#
                .to_vec()
                .into(),
        };
        let shown = alloc::format!("{reply:?}");
        assert_eq!(
            shown,
            "HttpReply { status: 200, error_type: None, body: <52 bytes> }"
        );
        assert!(!shown.contains("secret"));
    }
}
