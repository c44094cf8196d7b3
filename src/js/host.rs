//! The package's JavaScript as the engine's platform: [`Host`] is an object of the package
//! (`pkg-template/client.js`) that carries out the I/O the engine asks for — a fetch with a
//! timeout, Web Storage or the app's storage, Web Locks, timers and the app's listeners — and
//! nothing else. Every decision (what to send, how to read the reply, what to store, when to retry
//! or refresh, which error a failure is) stays in the crate.

use crate::api::ApiRequest;
use crate::error::{Error, MisuseErrorKind, Result, TransportError, TransportErrorKind};
use crate::storage::Storage;
use crate::transport::{HttpReply, Runtime};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::future::Future;
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The host object the package passes to `new Engine(options, host)`.
    #[wasm_bindgen(typescript_type = "EngineHost")]
    pub type Host;

    /// POSTs `body` to `url` with `X-Amz-Target: target`; resolves to `[status, x-amzn-errortype
    /// or null, the body's first maxBytes + 1 bytes]`, rejects with `[kind, message]` where kind is
    /// `"timeout"` (no reply within timeoutMs; 0 = no limit) or `"network"`.
    #[wasm_bindgen(method)]
    fn send(
        this: &Host,
        url: &str,
        target: &str,
        body: &str,
        timeout_ms: u32,
        max_bytes: u32,
    ) -> Promise;

    /// Resolves to the stored string or null; rejects with what the storage threw.
    #[wasm_bindgen(method)]
    fn get(this: &Host, key: &str) -> Promise;

    /// Stores a string; rejects with what the storage threw.
    #[wasm_bindgen(method)]
    fn set(this: &Host, key: &str, value: &str) -> Promise;

    /// Removes a key; rejects with what the storage threw.
    #[wasm_bindgen(method)]
    fn remove(this: &Host, key: &str) -> Promise;

    /// Resolves once the origin-wide lock `name` is held (Web Locks), to the function that releases
    /// it; resolves to undefined at once where no lock exists or the platform refuses one.
    #[wasm_bindgen(method)]
    fn lock(this: &Host, name: &str) -> Promise;

    /// Resolves after `ms` milliseconds.
    #[wasm_bindgen(method)]
    fn sleep(this: &Host, ms: u32) -> Promise;

    /// Calls the app's listeners of `event` (with the error, for `tokenRefreshFailure`).
    #[wasm_bindgen(method)]
    pub(crate) fn emit(this: &Host, event: &str, error: &JsValue);
}

#[wasm_bindgen(typescript_custom_section)]
const HOST_TYPE: &'static str = r#"
/** The I/O the engine asks the package to carry out (see src/js/host.rs). */
export interface EngineHost {
  send(url: string, target: string, body: string, timeoutMs: number, maxBytes: number): Promise<[number, string | null, Uint8Array]>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
  lock(name: string): Promise<(() => void) | undefined>;
  sleep(ms: number): Promise<void>;
  emit(event: string, error?: unknown): void;
}
"#;

/// The text of what JavaScript threw or rejected with: its `message`, or itself when a string.
fn message_of(value: &JsValue) -> String {
    Reflect::get(value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "failed".to_string())
}

/// The platform of the package's engine: the host's fetch, sleep and locks, `crypto` for
/// randomness and `Date.now` for the clock.
pub(crate) struct HostRuntime {
    pub(crate) host: Rc<Host>,
    /// Abort a request after this many milliseconds (0: never).
    pub(crate) timeout_millis: u32,
}

impl Runtime for HostRuntime {
    async fn send(&self, endpoint: &str, request: &ApiRequest) -> Result<HttpReply> {
        let promise = self.host.send(
            endpoint,
            &request.target(),
            &request.body,
            self.timeout_millis,
            crate::api::MAX_REPLY_BYTES,
        );
        match JsFuture::from(promise).await {
            Ok(reply) => {
                let reply = Array::from(&reply);
                // A status outside 0..=65535 (never sent by a real fetch) reads as 0: not a success.
                let status = reply.get(0).as_f64().filter(|s| (0.0..65536.0).contains(s));
                let body = reply.get(2).dyn_into::<Uint8Array>().map_err(|_| {
                    Error::misuse(MisuseErrorKind::InvalidState, "the host sent no body")
                })?;
                let copy = zeroize::Zeroizing::new(body.to_vec());
                // The reply may hold tokens: the JavaScript copy is overwritten once read.
                body.fill(0, 0, body.length());
                Ok(HttpReply {
                    status: status.unwrap_or(0.0) as u16,
                    error_type: reply.get(1).as_string(),
                    body: copy,
                })
            }
            Err(failure) => {
                let failure = Array::from(&failure);
                let kind = match failure.get(0).as_string().as_deref() {
                    Some("timeout") => TransportErrorKind::Timeout,
                    _ => TransportErrorKind::Network,
                };
                let detail = match kind {
                    TransportErrorKind::Timeout => {
                        format!("no reply within {} ms", self.timeout_millis)
                    }
                    _ => message_of(&failure.get(1)),
                };
                Err(Error::Transport(TransportError {
                    kind,
                    message: format!("{}: {detail}", request.operation),
                }))
            }
        }
    }

    fn now_millis(&self) -> f64 {
        js_sys::Date::now()
    }

    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        super::fill_random(buffer)
    }

    async fn sleep(&self, millis: u32) {
        let _ = JsFuture::from(self.host.sleep(millis)).await;
    }

    async fn exclusive<T>(&self, name: &str, work: impl Future<Output = T>) -> T {
        let release = JsFuture::from(self.host.lock(name)).await.ok();
        let _release =
            crate::transport::Release(release.and_then(|r| r.dyn_into::<Function>().ok()));
        work.await
    }
}

/// The storage the app chose (Web Storage, memory or its own object), through the host.
pub(crate) struct HostStorage {
    pub(crate) host: Rc<Host>,
}

impl HostStorage {
    async fn run(&self, method: &str, promise: Promise) -> Result<JsValue> {
        JsFuture::from(promise).await.map_err(|e| {
            Error::misuse(
                MisuseErrorKind::InvalidState,
                format!("storage {method}(): {}", message_of(&e)),
            )
        })
    }
}

impl Storage for HostStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.run("getItem", self.host.get(key)).await?.as_string())
    }

    async fn set(&self, key: &str, value: &str) -> Result<()> {
        self.run("setItem", self.host.set(key, value))
            .await
            .map(drop)
    }

    async fn remove(&self, key: &str) -> Result<()> {
        self.run("removeItem", self.host.remove(key))
            .await
            .map(drop)
    }
}
