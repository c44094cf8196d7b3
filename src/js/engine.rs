//! `Engine`: the crate's flows as the npm package runs them. `engine.start(method, inputJson)` makes
//! a `Method` flow (Amplify-v6-shaped input in, the result as JSON out); `task.resume(ok, a, b,
//! c)` feeds it the outcome of the last thing it asked for and returns the next one, as a small
//! array the package's one loop (`pkg-template/client.js`) carries out:
//!
//! | returned                                      | the loop                                  | resumes with            |
//! |-----------------------------------------------|-------------------------------------------|-------------------------|
//! | `[0, resultJson?]`                            | returns the result                        | —                       |
//! | `[1, url, target, body, timeoutMs, maxBytes]` | POSTs (a fetch with a timeout)            | `status, errorType, body` or `false, "timeout" \| "network", message` |
//! | `[2, key]`                                    | reads the storage                         | `value` or `false, message` |
//! | `[3, key, value]` / `[4, key]`                | writes / removes                          | nothing or `false, message` |
//! | `[5, event, error?]`                          | calls the app's listeners                 | nothing                 |
//! | `[6, name]` / `[7]`                           | takes / releases a Web Lock               | nothing                 |
//! | `[8, ms]`                                     | waits                                     | nothing                 |
//! | `[9, id]` / `[10, id]`                        | waits for / wakes the tasks of refresh `id` | nothing               |
//! | `[12, key]` / `[13, key, value]` / `[14, key]` | reads / writes / removes the tab's own storage (session storage) | as 2, 3, 4 |
//! | `[15, url, replace]`                          | sends the browser to `url` (`replace` 1: only the address shown) | nothing or `false, message` |
//! | `[16, url, authorization?, form?, timeoutMs, maxBytes]` | a request to the domain (POST with a form body, else GET) | as 1 |
//! | `[11, create, optionsJson]`                   | a passkey ceremony (WebAuthn `create` when `create` is 1, else `get`) | `credentialJson` or `false, domExceptionName, message` |
//!
//! A failed flow throws its `CognitoError` from `resume`. Every decision — what to send, how to
//! read the reply, what to store, when to retry or refresh, which error a failure is — is the
//! flow's; the loop only carries out I/O, the same code Rust apps run through `CognitoAuth`.

use super::to_js_error;
use crate::client::machine::{Ctx, Env, Flow, Input, Io, Step};
use crate::client::{Core, Event, Session};
use crate::error::{
    Error, MisuseErrorKind, PasskeyError, PasskeyErrorKind, Result, TransportError,
    TransportErrorKind,
};
use crate::methods::{Method, Options};
use crate::text::cat;
use crate::transport::HttpReply;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

/// The refreshes of one engine: the one running, and the result of the last one settled (read by
/// the tasks that waited for it).
#[derive(Default)]
struct Flights {
    running: Option<u32>,
    next: u32,
    settled: Option<(u32, Result<Session>)>,
}

/// The clock and random bytes of the page.
struct PageEnv;

impl Env for PageEnv {
    fn now_millis(&self) -> f64 {
        js_sys::Date::now()
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        super::fill_random(buffer)
    }
}

struct Shared {
    core: Core,
    timeout_millis: u32,
    flights: RefCell<Flights>,
}

/// The engine behind the package's `CognitoAuth` (one per pool client, storage and page).
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    shared: Rc<Shared>,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// `new Engine(optionsJson)`: the options of `new CognitoAuth(…)` but `storage` (the package
    /// carries out storage), as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> core::result::Result<JsEngine, JsValue> {
        let create = || -> Result<JsEngine> {
            let Options {
                config,
                timeout_millis,
            } = Options::parse(options)?;
            Ok(JsEngine {
                shared: Rc::new(Shared {
                    core: Core::new(config)?,
                    timeout_millis,
                    flights: RefCell::new(Flights::default()),
                }),
            })
        };
        create().map_err(|e| to_js_error(&e))
    }

    /// A task running `method` (a method name of the package's `CognitoAuth`) with its input as
    /// JSON; `resume(true)` starts it.
    pub fn start(&self, method: &str, input: &str) -> core::result::Result<JsTask, JsValue> {
        let input = zeroize::Zeroizing::new(String::from(input));
        let flow = Method::new(&self.shared.core, method, &input).map_err(|e| to_js_error(&e))?;
        Ok(JsTask {
            shared: self.shared.clone(),
            flow,
            asked: Asked::Start,
            leading: None,
        })
    }
}

/// What a task asked for last: how to read what the loop resumes it with.
enum Asked {
    Start,
    Send(&'static str),
    Get,
    Set,
    Remove,
    Told,
    Joined(u32),
    Settled,
    Locked,
    Unlocked,
    Slept,
    Credential,
    Navigated,
    Http,
}

/// One method running: resumed by the package's loop until it is done.
#[wasm_bindgen(js_name = Task)]
pub struct JsTask {
    shared: Rc<Shared>,
    flow: Method,
    asked: Asked,
    /// The refresh this task leads.
    leading: Option<u32>,
}

fn storage_error(method: &str, message: &JsValue) -> Error {
    let message = message
        .as_string()
        .unwrap_or_else(|| String::from("failed"));
    Error::misuse(
        MisuseErrorKind::InvalidState,
        cat!("storage ", method, "(): ", message),
    )
}

/// The loop's failure to send a request: a timeout or a network failure (with its message).
fn transport_failure(kind: &JsValue, message: &JsValue, what: &str, timeout_millis: u32) -> Error {
    let kind = match kind.as_string().as_deref() {
        Some("timeout") => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Network,
    };
    let detail = match kind {
        TransportErrorKind::Timeout => cat!("no reply within ", timeout_millis, " ms"),
        _ => message
            .as_string()
            .unwrap_or_else(|| String::from("failed")),
    };
    Error::Transport(TransportError {
        kind,
        message: cat!(what, ": ", detail),
    })
}

fn array(items: &[JsValue]) -> Array {
    let out = Array::new();
    for item in items {
        out.push(item);
    }
    out
}

#[wasm_bindgen(js_class = Task)]
impl JsTask {
    /// Feeds the outcome of what the task asked for last (`ok` false: it failed, `a` the kind or
    /// message) and returns the next thing to do; throws the `CognitoError` of a failed method.
    #[wasm_bindgen(unchecked_return_type = "[number, ...unknown[]]")]
    pub fn resume(
        &mut self,
        ok: bool,
        a: JsValue,
        b: JsValue,
        c: JsValue,
    ) -> core::result::Result<Array, JsValue> {
        let mut input = self.input(ok, &a, &b, &c);
        loop {
            let cx = Ctx {
                core: &self.shared.core,
                env: &PageEnv,
            };
            let io = match self.flow.resume(&cx, input) {
                Step::Done(Ok(text)) => {
                    let text = text.map_or(JsValue::UNDEFINED, |t| JsValue::from_str(&t));
                    return Ok(array(&[0.into(), text]));
                }
                Step::Done(Err(e)) => return Err(to_js_error(&e)),
                Step::Io(io) => io,
            };
            let (asked, out) = match io {
                Io::Send(request) => (
                    Asked::Send(request.operation),
                    array(&[
                        1.into(),
                        self.shared.core.endpoint.as_str().into(),
                        request.target().into(),
                        request.body.as_str().into(),
                        self.shared.timeout_millis.into(),
                        crate::api::MAX_REPLY_BYTES.into(),
                    ]),
                ),
                Io::Get(key) => (Asked::Get, array(&[2.into(), key.into()])),
                Io::Set(key, value) => (
                    Asked::Set,
                    array(&[3.into(), key.into(), value.as_str().into()]),
                ),
                Io::Remove(key) => (Asked::Remove, array(&[4.into(), key.into()])),
                Io::Emit(event) => {
                    let (name, error) = match &event {
                        Event::SignedIn => ("signedIn", JsValue::UNDEFINED),
                        Event::SignedOut => ("signedOut", JsValue::UNDEFINED),
                        Event::TokenRefresh => ("tokenRefresh", JsValue::UNDEFINED),
                        Event::TokenRefreshFailure(e) => ("tokenRefreshFailure", to_js_error(e)),
                    };
                    (Asked::Told, array(&[5.into(), name.into(), error]))
                }
                Io::Flight => {
                    let mut flights = self.shared.flights.borrow_mut();
                    match flights.running {
                        Some(id) => (Asked::Joined(id), array(&[9.into(), id.into()])),
                        None => {
                            // Leading needs no I/O: the flow goes on at once.
                            let id = flights.next;
                            flights.next = id.wrapping_add(1);
                            flights.running = Some(id);
                            self.leading = Some(id);
                            input = Input::Leading;
                            continue;
                        }
                    }
                }
                Io::Settle(result) => {
                    let Some(id) = self.leading.take() else {
                        input = Input::Settled;
                        continue;
                    };
                    let mut flights = self.shared.flights.borrow_mut();
                    flights.running = None;
                    flights.settled = Some((id, result));
                    (Asked::Settled, array(&[10.into(), id.into()]))
                }
                Io::Lock(name) => (Asked::Locked, array(&[6.into(), name.into()])),
                Io::Unlock => (Asked::Unlocked, array(&[7.into()])),
                Io::Sleep(millis) => (Asked::Slept, array(&[8.into(), millis.into()])),
                Io::GetTransient(key) => (Asked::Get, array(&[12.into(), key.into()])),
                Io::SetTransient(key, value) => (
                    Asked::Set,
                    array(&[13.into(), key.into(), value.as_str().into()]),
                ),
                Io::RemoveTransient(key) => (Asked::Remove, array(&[14.into(), key.into()])),
                Io::Navigate { url, replace } => (
                    Asked::Navigated,
                    array(&[15.into(), url.into(), u32::from(replace).into()]),
                ),
                Io::Http(request) => {
                    let text = |v: &Option<zeroize::Zeroizing<String>>| {
                        v.as_ref()
                            .map_or(JsValue::NULL, |t| JsValue::from_str(t.as_str()))
                    };
                    (
                        Asked::Http,
                        array(&[
                            16.into(),
                            request.url.into(),
                            text(&request.authorization),
                            text(&request.form),
                            self.shared.timeout_millis.into(),
                            crate::api::MAX_REPLY_BYTES.into(),
                        ]),
                    )
                }
                Io::Credential { create, options } => (
                    Asked::Credential,
                    array(&[11.into(), u32::from(create).into(), options.into()]),
                ),
            };
            self.asked = asked;
            return Ok(out);
        }
    }
}

impl JsTask {
    /// What the loop's answer means for the flow.
    fn input(&mut self, ok: bool, a: &JsValue, b: &JsValue, c: &JsValue) -> Input {
        match core::mem::replace(&mut self.asked, Asked::Start) {
            Asked::Start => Input::Start,
            Asked::Navigated if ok => Input::Navigated(Ok(())),
            Asked::Navigated => Input::Navigated(Err(Error::misuse(
                MisuseErrorKind::InvalidState,
                cat!(
                    "the page cannot navigate: ",
                    a.as_string().unwrap_or_default()
                ),
            ))),
            Asked::Send(_) | Asked::Http if ok => {
                // A status outside 0..=65535 (never sent by a real fetch) reads as 0: not a success.
                let status = a.as_f64().filter(|s| (0.0..65536.0).contains(s));
                let Some(body) = c.dyn_ref::<Uint8Array>() else {
                    return Input::Reply(Err(Error::misuse(
                        MisuseErrorKind::InvalidState,
                        "the package sent no body",
                    )));
                };
                let copy = zeroize::Zeroizing::new(body.to_vec());
                // The reply may hold tokens: the JavaScript copy is overwritten once read.
                body.fill(0, 0, body.length());
                Input::Reply(Ok(HttpReply {
                    status: status.unwrap_or(0.0) as u16,
                    error_type: b.as_string(),
                    body: copy,
                }))
            }
            Asked::Http => Input::Reply(Err(transport_failure(
                a,
                b,
                "the domain",
                self.shared.timeout_millis,
            ))),
            Asked::Send(operation) => Input::Reply(Err(transport_failure(
                a,
                b,
                operation,
                self.shared.timeout_millis,
            ))),
            Asked::Get if ok => Input::Value(Ok(a.as_string())),
            Asked::Get => Input::Value(Err(storage_error("getItem", a))),
            Asked::Set if ok => Input::Stored(Ok(())),
            Asked::Set => Input::Stored(Err(storage_error("setItem", a))),
            Asked::Remove if ok => Input::Stored(Ok(())),
            Asked::Remove => Input::Stored(Err(storage_error("removeItem", a))),
            Asked::Told => Input::Told,
            Asked::Joined(id) => Input::Joined(match &self.shared.flights.borrow().settled {
                Some((settled, result)) if *settled == id => result.clone(),
                _ => Err(Error::Transport(TransportError {
                    kind: TransportErrorKind::Aborted,
                    message: "the refresh was cancelled".into(),
                })),
            }),
            Asked::Settled => Input::Settled,
            Asked::Locked => Input::Locked,
            Asked::Unlocked => Input::Unlocked,
            Asked::Slept => Input::Slept,
            Asked::Credential => Input::Credential(match a.as_string() {
                Some(json) if ok => Ok(json),
                _ => {
                    let name = a.as_string().unwrap_or_default();
                    Err(Error::Passkey(PasskeyError {
                        kind: PasskeyErrorKind::from_dom_exception(&name),
                        message: b.as_string().unwrap_or(name),
                    }))
                }
            }),
        }
    }
}

#[wasm_bindgen(js_class = Task)]
impl JsTask {
    /// Ends a task its loop gave up on (the loop itself failed): the refresh it led, if any, is
    /// over, and its id is returned so that the tasks waiting on it are woken (they read it as
    /// cancelled); the next caller starts a new refresh.
    pub fn abandon(&mut self) -> Option<u32> {
        let id = self.leading.take()?;
        let mut flights = self.shared.flights.borrow_mut();
        if flights.running == Some(id) {
            flights.running = None;
        }
        Some(id)
    }
}
