//! Storage adapters for JavaScript: Web Storage (`localStorage`, `sessionStorage`), memory, or an
//! app's own object with `getItem/setItem/removeItem` (sync or returning promises).

use crate::error::{Error, MisuseErrorKind, Result};
use crate::storage::{MemoryStorage, Storage};
use crate::text::cat;
use alloc::string::String;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where a `CognitoAuth` keeps tokens.
pub enum JsStorage {
    /// In memory (lost on reload).
    Memory(MemoryStorage),
    /// An object with `getItem`, `setItem`, `removeItem` (Web Storage or the app's own).
    Object(JsValue),
}

impl JsStorage {
    /// From the `storage` option: `"local"` (default where it works), `"session"`, `"memory"`, or an
    /// object. Web Storage that is missing or throws (Node, some private modes) falls back to memory.
    pub fn from_option(option: &JsValue) -> Result<JsStorage> {
        if option.is_undefined() || option.is_null() {
            return Ok(Self::web("localStorage"));
        }
        if let Some(name) = option.as_string() {
            return match name.as_str() {
                "local" => Ok(Self::web("localStorage")),
                "session" => Ok(Self::web("sessionStorage")),
                "memory" => Ok(JsStorage::Memory(MemoryStorage::new())),
                other => Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    cat!(
                        "storage must be \"local\", \"session\", \"memory\" or an object, not ",
                        crate::error::quoted(other)
                    ),
                )),
            };
        }
        for method in ["getItem", "setItem", "removeItem"] {
            let f = Reflect::get(option, &method.into())
                .ok()
                .filter(|f| f.is_function());
            if f.is_none() {
                return Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    cat!("the storage object has no ", method, "()"),
                ));
            }
        }
        Ok(JsStorage::Object(option.clone()))
    }

    fn web(name: &str) -> JsStorage {
        // Reading localStorage can throw (blocked cookies, sandboxed frames); probe it once.
        let store = Reflect::get(&js_sys::global(), &name.into())
            .ok()
            .filter(|s| s.is_object());
        match store {
            Some(s) if probe(&s) => JsStorage::Object(s),
            _ => JsStorage::Memory(MemoryStorage::new()),
        }
    }

    /// Whether tokens live only in memory.
    pub fn is_memory(&self) -> bool {
        matches!(self, JsStorage::Memory(_))
    }
}

fn probe(store: &JsValue) -> bool {
    let key: JsValue = "cognito-kit.probe".into();
    call(store, "setItem", &[key.clone(), "1".into()]).is_ok()
        && call(store, "removeItem", &[key]).is_ok()
}

fn call(
    target: &JsValue,
    method: &str,
    args: &[JsValue],
) -> core::result::Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &method.into())?.dyn_into()?;
    let array = js_sys::Array::new();
    for a in args {
        array.push(a);
    }
    f.apply(target, &array)
}

async fn call_async(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue> {
    let failed = |e: JsValue| {
        let message = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| String::from("failed"));
        Error::misuse(
            MisuseErrorKind::InvalidState,
            cat!("storage ", method, "(): ", message),
        )
    };
    let value = call(target, method, args).map_err(failed)?;
    if value.has_type::<Promise>() {
        JsFuture::from(Promise::from(value)).await.map_err(failed)
    } else {
        Ok(value)
    }
}

impl Storage for JsStorage {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        match self {
            JsStorage::Memory(m) => m.get(key).await,
            JsStorage::Object(o) => Ok(call_async(o, "getItem", &[key.into()]).await?.as_string()),
        }
    }

    async fn set(&self, key: &str, value: &str) -> Result<()> {
        match self {
            JsStorage::Memory(m) => m.set(key, value).await,
            JsStorage::Object(o) => call_async(o, "setItem", &[key.into(), value.into()])
                .await
                .map(|_| ()),
        }
    }

    async fn remove(&self, key: &str) -> Result<()> {
        match self {
            JsStorage::Memory(m) => m.remove(key).await,
            JsStorage::Object(o) => call_async(o, "removeItem", &[key.into()]).await.map(|_| ()),
        }
    }
}
