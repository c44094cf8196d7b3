//! `Engine`: the crate's client ([`CognitoAuth`]) as the npm package runs it. One entry point,
//! `call(method, inputJson)`, takes Amplify-v6-shaped inputs as JSON and resolves to the result as
//! JSON; the package's `CognitoAuth` class only forwards its methods here and carries out the I/O
//! the engine asks for ([`super::host`]). Every input check, request, reply check, stored record,
//! retry, refresh and error code is this crate's, the same code Rust apps run.

use super::host::{Host, HostRuntime, HostStorage};
use super::to_js_error;
use crate::client::{CognitoAuth, Event};
use crate::error::Result;
use crate::methods::Options;
use alloc::rc::Rc;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

type Auth = CognitoAuth<HostRuntime, HostStorage>;

/// The engine behind the package's `CognitoAuth` (one per pool client, storage and page).
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    auth: Rc<Auth>,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// `new Engine(optionsJson, host)`: the options of `new CognitoAuth(…)` but `storage` (the host
    /// carries out storage), as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, host: Host) -> Result<JsEngine, JsValue> {
        Self::create(options, host).map_err(|e| to_js_error(&e))
    }

    fn create(options: &str, host: Host) -> Result<JsEngine> {
        let Options {
            config,
            timeout_millis,
        } = Options::parse(options)?;
        let host = Rc::new(host);
        let runtime = HostRuntime {
            host: host.clone(),
            timeout_millis,
        };
        let auth = CognitoAuth::new(config, runtime, HostStorage { host: host.clone() })?;
        auth.on(move |event| {
            let (name, error) = match event {
                Event::SignedIn => ("signedIn", JsValue::UNDEFINED),
                Event::SignedOut => ("signedOut", JsValue::UNDEFINED),
                Event::TokenRefresh => ("tokenRefresh", JsValue::UNDEFINED),
                Event::TokenRefreshFailure(e) => ("tokenRefreshFailure", to_js_error(e)),
            };
            host.emit(name, &error);
        });
        Ok(JsEngine {
            auth: Rc::new(auth),
        })
    }

    /// Runs `method` (a method name of the package's `CognitoAuth`) with its input as JSON; resolves
    /// to the result as JSON text, or undefined; rejects with a `CognitoError`.
    #[wasm_bindgen(unchecked_return_type = "Promise<string | undefined>")]
    pub fn call(&self, method: String, input: String) -> Promise {
        let auth = self.auth.clone();
        let input = Zeroizing::new(input);
        wasm_bindgen_futures::future_to_promise(async move {
            match crate::methods::call(&*auth, &method, &input).await {
                Ok(Some(text)) => Ok(JsValue::from_str(&text)),
                Ok(None) => Ok(JsValue::UNDEFINED),
                Err(e) => Err(to_js_error(&e)),
            }
        })
    }
}
