//! The JavaScript facade (`#[wasm_bindgen]`): the SRP core with camelCase names — `SrpClient`,
//! `secretHash`, `cognitoTimestamp`, `version` — and the engine ([`engine`]: `Engine` and `Task`)
//! whose flows the npm package's `CognitoAuth` (`pkg-template/client.js`) drives with one loop.
//! What the package's entries do not export is not here: every export is glue and wasm in the
//! package (a device's verifier, which only the engine makes, was 350 B of both).
//! Nothing here may panic: a panic in wasm kills the instance for every caller on the page.
//! Errors reach JavaScript as `CognitoError` objects (see `to_js_error`) with a stable `code`.

// wasm-bindgen's generated glue contains `unsafe` blocks; this module holds no hand-written unsafe.
#![allow(unsafe_code)]

use crate::error::{Error, MisuseErrorKind};
use crate::secret::{ClientSecret, DevicePassword};
use crate::srp::{PasswordClaim, SrpClient, VerifierChallenge, SMALL_A_BYTES};
use crate::text::cat;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

pub mod engine;
#[cfg(all(target_arch = "wasm32", feature = "std"))]
pub mod storage;

type ErrorClass = core::cell::RefCell<Option<js_sys::Function>>;

#[cfg(feature = "std")]
std::thread_local! {
    static ERROR_CLASS: ErrorClass = const { core::cell::RefCell::new(None) };
}

/// The package's error class, once registered (the package's wasm runs one thread).
#[cfg(not(feature = "std"))]
static ERROR_CLASS: crate::single::Single<ErrorClass> =
    crate::single::Single(core::cell::RefCell::new(None));

fn error_class<R>(f: impl FnOnce(&ErrorClass) -> R) -> R {
    #[cfg(feature = "std")]
    return ERROR_CLASS.with(f);
    #[cfg(not(feature = "std"))]
    return f(&ERROR_CLASS.0);
}

/// Registers the package's `CognitoError` class (a subclass of `Error`), so that every error the
/// kit throws is an instance of it. The package's entry module calls this once.
#[wasm_bindgen(js_name = __setErrorClass)]
pub fn set_error_class(class: js_sys::Function) {
    error_class(|c| *c.borrow_mut() = Some(class));
}

/// Turns the kit's error into a JavaScript error (a `CognitoError` once registered) with `name` and
/// `code` = the service's exception name or the kit's code, `retryable`, and `status` for the
/// service's errors.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    let message = cat!(error);
    let constructed = error_class(|c| {
        c.borrow().as_ref().and_then(|class| {
            let args = js_sys::Array::of1(&message.as_str().into());
            Reflect::construct(class, &args).ok()
        })
    });
    let js: JsValue = constructed.unwrap_or_else(|| js_sys::Error::new(&message).into());
    let obj: &JsValue = &js;
    let _ = Reflect::set(obj, &"name".into(), &error.code().into());
    // Reflect::set fails only on frozen or proxied objects; a fresh Error is neither.
    let _ = Reflect::set(obj, &"code".into(), &error.code().into());
    let _ = Reflect::set(obj, &"retryable".into(), &error.retryable().into());
    let status = match error {
        Error::Service(s) => Some(s.status),
        Error::Protocol(p) => p.status,
        _ => None,
    };
    if let Some(status) = status {
        let _ = Reflect::set(obj, &"status".into(), &status.into());
    }
    js
}

fn js_err(error: Error) -> JsValue {
    to_js_error(&error)
}

/// Fills `buffer` from the platform's `crypto.getRandomValues` (windows, workers, Node >= 19); the
/// JavaScript copy is overwritten before it is released.
pub(crate) fn fill_random(buffer: &mut [u8]) -> Result<(), Error> {
    let no_crypto = || {
        Error::misuse(
            MisuseErrorKind::InvalidState,
            "no crypto.getRandomValues on this platform",
        )
    };
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| no_crypto())?;
    let get = Reflect::get(&crypto, &"getRandomValues".into()).map_err(|_| no_crypto())?;
    let get: js_sys::Function = get.dyn_into().map_err(|_| no_crypto())?;
    // getRandomValues fills at most 65536 bytes per call.
    for chunk in buffer.chunks_mut(65_536) {
        let array = Uint8Array::new_with_length(chunk.len() as u32);
        get.call1(&crypto, &array).map_err(|_| no_crypto())?;
        array.copy_to(chunk);
        array.fill(0, 0, chunk.len() as u32);
    }
    Ok(())
}

/// The kit's version (the crate version).
#[wasm_bindgen]
pub fn version() -> String {
    String::from(env!("CARGO_PKG_VERSION"))
}

/// SECRET_HASH = base64(HMAC-SHA256(clientSecret, username ‖ clientId)).
#[wasm_bindgen(js_name = secretHash)]
pub fn secret_hash(client_secret: String, username: &str, client_id: &str) -> String {
    crate::secret_hash::secret_hash(&ClientSecret::new(client_secret), username, client_id)
}

/// The SRP claim TIMESTAMP for a time in seconds since the epoch (UTC, English, day not padded).
#[wasm_bindgen(js_name = cognitoTimestamp)]
pub fn cognito_timestamp(unix_seconds: f64) -> String {
    // f64 → i64 saturates and maps NaN to 0: no panic for any JS number.
    crate::encoding::cognito_timestamp(unix_seconds as i64)
}

fn now_timestamp() -> String {
    crate::encoding::cognito_timestamp((js_sys::Date::now() / 1000.0) as i64)
}

fn challenge_from_js(parameters: &JsValue) -> Result<VerifierChallenge, Error> {
    if !parameters.is_object() {
        return Err(Error::misuse(
            MisuseErrorKind::InvalidArgument,
            "challengeParameters must be an object",
        ));
    }
    VerifierChallenge::from_parameters(|name| {
        Reflect::get(parameters, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    })
}

fn claim_to_js(claim: &PasswordClaim, device_key: Option<&str>) -> JsValue {
    let out = Object::new();
    for (k, v) in claim.challenge_responses(device_key, None) {
        let _ = Reflect::set(&out, &k.into(), &v.into());
    }
    out.into()
}

/// One SRP exchange, client side (advanced use: custom flows and benchmarks; `CognitoAuth` does this
/// for you). Create a fresh one per sign-in attempt.
#[wasm_bindgen(js_name = SrpClient)]
pub struct JsSrpClient {
    inner: SrpClient,
}

#[wasm_bindgen(js_class = SrpClient)]
impl JsSrpClient {
    /// Draws a fresh secret `a` from `crypto.getRandomValues` (or takes `random`, 128 bytes, for tests)
    /// and computes `A = g^a mod N`.
    #[wasm_bindgen(constructor)]
    pub fn new(random: Option<Vec<u8>>) -> Result<JsSrpClient, JsValue> {
        let mut a = Zeroizing::new([0u8; SMALL_A_BYTES]);
        match random.map(Zeroizing::new) {
            Some(bytes) if bytes.len() == SMALL_A_BYTES => a.copy_from_slice(&bytes),
            Some(_) => {
                return Err(js_err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    "random must be exactly 128 bytes",
                )))
            }
            None => fill_random(&mut a[..]).map_err(js_err)?,
        }
        Ok(JsSrpClient {
            inner: SrpClient::new(&a).map_err(js_err)?,
        })
    }

    /// `SRP_A`: lowercase hex, no leading zeros.
    #[wasm_bindgen(getter, js_name = srpA)]
    pub fn srp_a(&self) -> String {
        self.inner.srp_a().into()
    }

    /// Answers `PASSWORD_VERIFIER`: returns the `ChallengeResponses` object (USERNAME,
    /// PASSWORD_CLAIM_SECRET_BLOCK, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE). `poolName` is the part of
    /// the pool id after `_`; `timestamp` defaults to now.
    #[wasm_bindgen(js_name = answerPasswordVerifier, unchecked_return_type = "Record<string, string>")]
    pub fn answer_password_verifier(
        &self,
        pool_name: &str,
        password: String,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")]
        challenge_parameters: JsValue,
        timestamp: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let password = crate::secret::Password::new(password);
        let challenge = challenge_from_js(&challenge_parameters).map_err(js_err)?;
        let timestamp = timestamp.unwrap_or_else(now_timestamp);
        let claim = self
            .inner
            .answer_user_challenge(pool_name, password.expose_secret(), &challenge, &timestamp)
            .map_err(js_err)?;
        Ok(claim_to_js(&claim, None))
    }

    /// Answers `DEVICE_PASSWORD_VERIFIER` for a remembered device.
    #[wasm_bindgen(js_name = answerDevicePasswordVerifier, unchecked_return_type = "Record<string, string>")]
    pub fn answer_device_password_verifier(
        &self,
        device_group_key: &str,
        device_key: &str,
        device_password: String,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")]
        challenge_parameters: JsValue,
        timestamp: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let password = DevicePassword::new(device_password);
        let challenge = challenge_from_js(&challenge_parameters).map_err(js_err)?;
        let timestamp = timestamp.unwrap_or_else(now_timestamp);
        let claim = self
            .inner
            .answer_device_challenge(
                device_group_key,
                device_key,
                &password,
                &challenge,
                &timestamp,
            )
            .map_err(js_err)?;
        Ok(claim_to_js(&claim, Some(device_key)))
    }
}
