//! The npm package's boundary: the wasm's exports and imports, called by the package's loader
//! (`pkg-template/cognito_kit.js`, hand-written: no generated glue). Measured against the
//! wasm-bindgen facade it replaces, the package is smaller by the glue's JavaScript and the wasm's
//! externref and conversion code (see `CHANGELOG.md`).
//!
//! How values cross:
//! - An argument is UTF-8 (or bytes) the loader copied into a buffer from `kit_alloc`, passed as
//!   address and length; address 0 is "none". The export takes the buffer: it is zeroed and freed
//!   once read.
//! - A result is text left in one buffer (`kit_out` is its address): an export returns its length,
//!   or the length bit-inverted (negative) when the text is an error — `{message, name, code,
//!   retryable, status?}` — which the loader throws as a `CognitoError`. The loader reads the text
//!   at once and zeroes the buffer (`kit_out_clear`).
//! - An object (`Engine`, `Task`, `SrpClient`) is a handle, the address of its box, returned like
//!   a length (an error inverted); the loader frees it once (`*_free`).
//!
//! `task_resume(task, ok, n, a, b)` feeds a task the outcome of the last thing it asked for and
//! returns the next one as a JSON array that the package's one loop (`pkg-template/client.js`)
//! carries out:
//!
//! | returned                                      | the loop                                  | resumes with            |
//! |-----------------------------------------------|-------------------------------------------|-------------------------|
//! | `[0, result?]`                                | returns the result                        | —                       |
//! | `[1, url, target, body, timeoutMs, maxBytes]` | POSTs (a fetch with a timeout)            | `n` status, `a` errorType, `b` body; or not ok, `a` `"timeout"`/`"network"`, `b` message |
//! | `[2, key]`                                    | reads the storage                         | `a` value; or not ok, `a` message |
//! | `[3, key, value]` / `[4, key]`                | writes / removes                          | nothing; or not ok, `a` message |
//! | `[5, event, error?]`                          | calls the app's listeners                 | nothing                 |
//! | `[6, name]` / `[7]`                           | takes / releases a Web Lock               | nothing                 |
//! | `[8, ms]`                                     | waits                                     | nothing                 |
//! | `[9, id]` / `[10, id]`                        | waits for / wakes the tasks of refresh `id` | nothing               |
//! | `[12, key]` / `[13, key, value]` / `[14, key]` | reads / writes / removes the tab's own storage (session storage) | as 2, 3, 4 |
//! | `[15, url, replace]`                          | sends the browser to `url` (`replace` 1: only the address shown) | nothing; or not ok, `a` message |
//! | `[16, url, authorization, form, timeoutMs, maxBytes]` | a request to the domain (POST with a form body, else GET) | as 1 |
//! | `[11, create, optionsJson]`                   | a passkey ceremony (WebAuthn `create` when `create` is 1, else `get`) | `a` credential JSON; or not ok, `a` DOMException name, `b` message |
//!
//! A failed flow is an error result of `task_resume`. Every decision — what to send, how to read
//! the reply, what to store, when to retry or refresh, which error a failure is — is the flow's;
//! the loop only carries out I/O, the same code Rust apps run through `CognitoAuth`.
//!
//! Nothing here may panic: a panic traps and kills the instance for every caller on the page.

// The boundary is raw pointers by nature; every `unsafe` block states what the loader guarantees.
#![allow(unsafe_code)]

use crate::client::machine::{Ctx, Env, Flow, Input, Io, Step};
use crate::client::{Core, Event, Session};
use crate::error::{
    Error, MisuseErrorKind, PasskeyError, PasskeyErrorKind, Result, TransportError,
    TransportErrorKind,
};
use crate::methods::{Method, Options, Out};
use crate::secret::{ClientSecret, DevicePassword, Password};
use crate::srp::{SrpClient, VerifierChallenge, SMALL_A_BYTES};
use crate::text::cat;
use crate::transport::HttpReply;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use zeroize::Zeroizing;

#[link(wasm_import_module = "kit")]
extern "C" {
    /// `crypto.getRandomValues` over `len` (≤ 65536) bytes at `ptr`: 1, or 0 where the platform
    /// has none.
    fn random(ptr: *mut u8, len: usize) -> u32;
    /// `Date.now()`.
    fn now() -> f64;
    /// `parseFloat` of the UTF-8 text at `ptr`.
    fn parse_float(ptr: *const u8, len: usize) -> f64;
}

/// Fills `buffer` from the platform's `crypto.getRandomValues` (windows, workers, Node >= 19; the
/// package's Node entry provides it on Node 18), written straight into the wasm's memory.
pub(crate) fn fill_random(buffer: &mut [u8]) -> Result<()> {
    for chunk in buffer.chunks_mut(65_536) {
        // SAFETY: the import writes exactly `chunk.len()` bytes at `chunk`'s address.
        if unsafe { random(chunk.as_mut_ptr(), chunk.len()) } != 1 {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidState,
                "no crypto.getRandomValues on this platform",
            ));
        }
    }
    Ok(())
}

/// `parseFloat(text)` (the text is a JSON number): the engine's own float parser keeps core's and
/// its tables out of the wasm.
pub(crate) fn float(text: &str) -> f64 {
    // SAFETY: the import only reads `text.len()` bytes at `text`'s address.
    unsafe { parse_float(text.as_ptr(), text.len()) }
}

fn now_millis() -> f64 {
    // SAFETY: no arguments; returns a number.
    unsafe { now() }
}

/// The text of the last result, until the loader has read it.
static OUT: crate::single::Single<Cell<Option<Zeroizing<String>>>> =
    crate::single::Single(Cell::new(None));

/// A buffer of `len` bytes for an argument (taken back by the export it is passed to).
#[no_mangle]
pub extern "C" fn kit_alloc(len: usize) -> *mut u8 {
    // `with_capacity` allocates exactly `len` (what `take` rebuilds); a failed allocation traps.
    core::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len)).as_mut_ptr()
}

/// The address of the last result's text.
#[no_mangle]
pub extern "C" fn kit_out() -> *const u8 {
    let text = OUT.0.take();
    let ptr = text.as_ref().map_or(core::ptr::null(), |t| t.as_ptr());
    OUT.0.set(text);
    ptr
}

/// Zeroes and frees the last result's text (the loader has read it).
#[no_mangle]
pub extern "C" fn kit_out_clear() {
    drop(OUT.0.take());
}

/// An argument's bytes, taken: zeroed and freed when dropped; `None` for address 0.
///
/// # Safety
/// `ptr` is 0 or a buffer of `kit_alloc(len)` the loader filled and passes once.
unsafe fn take(ptr: *mut u8, len: usize) -> Option<Zeroizing<Vec<u8>>> {
    // SAFETY: see above: the allocation is exactly `len` bytes of u8, all written.
    (!ptr.is_null()).then(|| Zeroizing::new(unsafe { Vec::from_raw_parts(ptr, len, len) }))
}

/// An argument as text (the loader encodes with `TextEncoder`: always UTF-8; anything else reads
/// as none).
///
/// # Safety
/// As `take`.
unsafe fn text(ptr: *mut u8, len: usize) -> Option<Zeroizing<String>> {
    // SAFETY: as `take`.
    utf8(unsafe { take(ptr, len) }).map(Zeroizing::new)
}

/// Bytes as text, moved (not copied); bytes that are not UTF-8 are zeroed and read as none.
fn utf8(bytes: Option<Zeroizing<Vec<u8>>>) -> Option<String> {
    let owned = core::mem::take(&mut *bytes?);
    match String::from_utf8(owned) {
        Ok(s) => Some(s),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            None
        }
    }
}

/// Leaves `text` for the loader; its length.
fn put(text: Zeroizing<String>) -> i32 {
    let len = text.len() as i32;
    OUT.0.set(Some(text));
    len
}

/// An error as the loader throws it: `{message, name, code, retryable, status?}`.
fn error_json(error: &Error) -> Zeroizing<String> {
    let mut out = Out::new();
    out.raw("{")
        .key("message")
        .str(&cat!(error))
        .raw(",")
        .key("name")
        .str(error.code())
        .raw(",")
        .key("code")
        .str(error.code())
        .raw(",")
        .key("retryable")
        .raw(if error.retryable() { "true" } else { "false" });
    let status = match error {
        Error::Service(s) => Some(s.status),
        Error::Protocol(p) => p.status,
        _ => None,
    };
    if let Some(status) = status {
        out.raw(",").key("status").int(i64::from(status));
    }
    out.raw("}");
    out.done().unwrap_or_default()
}

/// Leaves the error for the loader; its length, inverted.
fn fail(error: &Error) -> i32 {
    !put(error_json(error))
}

/// A text result or an error, for the loader.
fn answer(result: Result<Zeroizing<String>>) -> i32 {
    match result {
        Ok(text) => put(text),
        Err(e) => fail(&e),
    }
}

/// A new object's handle (the address of its box), or an error.
fn handle<T>(result: Result<T>) -> i32 {
    match result {
        Ok(value) => {
            let ptr = Box::into_raw(Box::new(value));
            match i32::try_from(ptr as usize) {
                Ok(h) => h,
                Err(_) => {
                    // An address past 2 GiB cannot be told from an error: refused.
                    // SAFETY: `ptr` came from `Box::into_raw` just above.
                    drop(unsafe { Box::from_raw(ptr) });
                    fail(&Error::misuse(
                        MisuseErrorKind::InvalidState,
                        "out of memory",
                    ))
                }
            }
        }
        Err(e) => fail(&e),
    }
}

/// The object behind a handle; an error for 0 (the loader passes 0 once it freed the object).
///
/// # Safety
/// `h` is 0 or a handle of a live `T` from [`handle`].
unsafe fn object<'a, T>(h: i32) -> Result<&'a mut T> {
    // SAFETY: see above; the loader never uses one object from two calls at once (the wasm calls
    // nothing that could re-enter it).
    unsafe { (h as usize as *mut T).as_mut() }.ok_or_else(|| {
        Error::misuse(
            MisuseErrorKind::InvalidState,
            "the object was freed (free() was called)",
        )
    })
}

/// Frees the object behind a handle (0: nothing).
///
/// # Safety
/// As `object`, and the handle is not used again.
unsafe fn free<T>(h: i32) {
    if h != 0 {
        // SAFETY: see above.
        drop(unsafe { Box::from_raw(h as usize as *mut T) });
    }
}

/// The kit's version (the crate version).
#[no_mangle]
pub extern "C" fn version() -> i32 {
    put(Zeroizing::new(String::from(env!("CARGO_PKG_VERSION"))))
}

/// SECRET_HASH = base64(HMAC-SHA256(clientSecret, username ‖ clientId)).
///
/// # Safety
/// Each (address, length) is an argument as `take` says.
#[no_mangle]
pub unsafe extern "C" fn secret_hash(
    secret: *mut u8,
    secret_len: usize,
    username: *mut u8,
    username_len: usize,
    client_id: *mut u8,
    client_id_len: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let (secret, username, client_id) = unsafe {
        (
            text(secret, secret_len),
            text(username, username_len),
            text(client_id, client_id_len),
        )
    };
    answer((|| {
        let secret = ClientSecret::new(String::from(required(&secret, "clientSecret")?));
        Ok(Zeroizing::new(crate::secret_hash::secret_hash(
            &secret,
            required(&username, "username")?,
            required(&client_id, "clientId")?,
        )))
    })())
}

/// The SRP claim TIMESTAMP for a time in seconds since the epoch (UTC, English, day not padded).
#[no_mangle]
pub extern "C" fn cognito_timestamp(unix_seconds: f64) -> i32 {
    // f64 → i64 saturates and maps NaN to 0: no panic for any JS number.
    put(Zeroizing::new(crate::encoding::cognito_timestamp(
        unix_seconds as i64,
    )))
}

/// `new SrpClient(random?)`: draws a fresh secret `a` from `crypto.getRandomValues` (or takes
/// `random`, 128 bytes, for tests) and computes `A = g^a mod N`.
///
/// # Safety
/// (`random`, `len`) is an argument as `take` says.
#[no_mangle]
pub unsafe extern "C" fn srp_new(random: *mut u8, len: usize) -> i32 {
    // SAFETY: the caller's contract.
    let random = unsafe { take(random, len) };
    handle((|| {
        let mut a = Zeroizing::new([0u8; SMALL_A_BYTES]);
        match random {
            Some(bytes) if bytes.len() == SMALL_A_BYTES => a.copy_from_slice(&bytes),
            Some(_) => {
                return Err(Error::misuse(
                    MisuseErrorKind::InvalidArgument,
                    "random must be exactly 128 bytes",
                ))
            }
            None => fill_random(&mut a[..])?,
        }
        SrpClient::new(&a)
    })())
}

/// `SRP_A`: lowercase hex, no leading zeros.
///
/// # Safety
/// `h` is as `object` says.
#[no_mangle]
pub unsafe extern "C" fn srp_a(h: i32) -> i32 {
    // SAFETY: the caller's contract.
    answer(unsafe { object::<SrpClient>(h) }.map(|c| Zeroizing::new(c.srp_a().into())))
}

/// Answers `PASSWORD_VERIFIER` (`device` 0: `a` the pool name, `b` the password) or
/// `DEVICE_PASSWORD_VERIFIER` (`device` 1: `a` the device group key, `b` the device key, `c` the
/// device password) with the challenge's parameters (`params`, a JSON object) at `timestamp` (the
/// loader passes now by default): the `ChallengeResponses` as a JSON object.
///
/// # Safety
/// `h` is as `object` says; each (address, length) is an argument as `take` says.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn srp_answer(
    h: i32,
    device: u32,
    a: *mut u8,
    a_len: usize,
    b: *mut u8,
    b_len: usize,
    c: *mut u8,
    c_len: usize,
    params: *mut u8,
    params_len: usize,
    timestamp: *mut u8,
    timestamp_len: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let (a, b, c, params, timestamp) = unsafe {
        (
            text(a, a_len),
            text(b, b_len),
            text(c, c_len),
            take(params, params_len),
            text(timestamp, timestamp_len),
        )
    };
    answer((|| {
        // The loader reads the clock (the default timestamp) before the call, and its float parser
        // is the page's own as loaded: nothing here runs app code that could free the client.
        let challenge = challenge(params.as_deref().map_or(&[][..], Vec::as_slice))?;
        let timestamp = required(&timestamp, "timestamp")?;
        let device = device == 1;
        let a = required(&a, if device { "deviceGroupKey" } else { "poolName" })?;
        let b = required(&b, if device { "deviceKey" } else { "password" })?;
        // SAFETY: the caller's contract; nothing below calls out of the wasm.
        let client = unsafe { object::<SrpClient>(h) }?;
        let (claim, device_key) = if device {
            let password = DevicePassword::new(String::from(required(&c, "devicePassword")?));
            let claim = client.answer_device_challenge(a, b, &password, &challenge, timestamp)?;
            (claim, Some(b))
        } else {
            let password = Password::new(String::from(b));
            let claim =
                client.answer_user_challenge(a, password.expose_secret(), &challenge, timestamp)?;
            (claim, None)
        };
        let mut out = Out::new();
        out.string_map(&claim.challenge_responses(device_key, None));
        Ok(out.done().unwrap_or_default())
    })())
}

/// A string argument the method needs (the loader passes none for anything but a string).
fn required<'a>(value: &'a Option<Zeroizing<String>>, name: &str) -> Result<&'a str> {
    value
        .as_deref()
        .map(String::as_str)
        .ok_or_else(|| crate::methods::missing_string(name))
}

/// The challenge parameters from their JSON object.
fn challenge(params: &[u8]) -> Result<VerifierChallenge> {
    let mut value = match crate::json::parse(params) {
        Ok(value @ crate::json::Json::Object(_)) => value,
        _ => {
            return Err(Error::misuse(
                MisuseErrorKind::InvalidArgument,
                "challengeParameters must be an object",
            ))
        }
    };
    let challenge = VerifierChallenge::from_parameters(|name| {
        value.get(name).and_then(|v| v.as_str()).map(String::from)
    });
    crate::json::wipe(&mut value);
    challenge
}

/// Frees an `SrpClient`.
///
/// # Safety
/// As `free`.
#[no_mangle]
pub unsafe extern "C" fn srp_free(h: i32) {
    // SAFETY: the caller's contract.
    unsafe { free::<SrpClient>(h) }
}

/// The refreshes of one engine: the one running, and the result of the last one settled (read by
/// the tasks that waited for it).
#[derive(Default)]
struct Flights {
    running: Option<i32>,
    next: i32,
    settled: Option<(i32, Result<Session>)>,
}

impl Flights {
    /// Drops the last refresh's session (after a sign-out: it does not stay in memory).
    #[inline(never)]
    fn forget(&mut self) {
        self.settled = None;
    }
}

/// The clock and random bytes of the page.
struct PageEnv;

impl Env for PageEnv {
    fn now_millis(&self) -> f64 {
        now_millis()
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        fill_random(buffer)
    }
}

struct Shared {
    core: Core,
    timeout_millis: u32,
    flights: RefCell<Flights>,
}

/// The engine behind the package's `CognitoAuth` (one per pool client, storage and page).
struct Engine(Rc<Shared>);

/// `Engine(optionsJson)`: the options of `new CognitoAuth(…)` but `storage` (the package carries
/// out storage), as JSON.
///
/// # Safety
/// (`options`, `len`) is an argument as `take` says.
#[no_mangle]
pub unsafe extern "C" fn engine_new(options: *mut u8, len: usize) -> i32 {
    // SAFETY: the caller's contract.
    let options = unsafe { text(options, len) };
    handle((|| {
        let Options {
            config,
            timeout_millis,
        } = Options::parse(options.as_deref().map_or("", String::as_str))?;
        Ok(Engine(Rc::new(Shared {
            core: Core::new(config)?,
            timeout_millis,
            flights: RefCell::new(Flights::default()),
        })))
    })())
}

/// Frees an engine (its running tasks keep what they share with it).
///
/// # Safety
/// As `free`.
#[no_mangle]
pub unsafe extern "C" fn engine_free(h: i32) {
    // SAFETY: the caller's contract.
    unsafe { free::<Engine>(h) }
}

/// What a task asked for last: how to read what the loop resumes it with.
enum Asked {
    Start,
    Send(&'static str),
    Get,
    Set,
    Remove,
    Told,
    Joined(i32),
    Settled,
    Locked,
    Unlocked,
    Slept,
    Credential,
    Navigated,
    Http,
}

/// One method running: resumed by the package's loop until it is done.
struct Task {
    shared: Rc<Shared>,
    flow: Method,
    asked: Asked,
    /// The refresh this task leads.
    leading: Option<i32>,
}

/// A task running `method` (a method name of the package's `CognitoAuth`) with its `input` as
/// JSON; resuming it with `ok` starts it.
///
/// # Safety
/// `engine` is as `object` says; each (address, length) is an argument as `take` says.
#[no_mangle]
pub unsafe extern "C" fn engine_start(
    engine: i32,
    method: *mut u8,
    method_len: usize,
    input: *mut u8,
    input_len: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let (engine, method, input) = unsafe {
        (
            object::<Engine>(engine),
            text(method, method_len),
            text(input, input_len),
        )
    };
    handle((|| {
        let shared = engine?.0.clone();
        let flow = Method::new(
            &shared.core,
            method.as_deref().map_or("", String::as_str),
            input.as_deref().map_or("null", String::as_str),
        )?;
        Ok(Task {
            shared,
            flow,
            asked: Asked::Start,
            leading: None,
        })
    })())
}

/// Feeds the task the outcome of what it asked for last (`ok` 0: it failed, `a` the kind or
/// message) and returns the next thing to do, or the method's error.
///
/// # Safety
/// `task` is as `object` says; each (address, length) is an argument as `take` says.
#[no_mangle]
pub unsafe extern "C" fn task_resume(
    task: i32,
    ok: u32,
    n: f64,
    a: *mut u8,
    a_len: usize,
    b: *mut u8,
    b_len: usize,
) -> i32 {
    // SAFETY: the caller's contract.
    let (task, a, b) = unsafe { (object::<Task>(task), take(a, a_len), take(b, b_len)) };
    match task {
        Ok(task) => answer(task.resume(ok == 1, n, a, b)),
        Err(e) => fail(&e),
    }
}

/// Ends a task its loop gave up on (the loop itself failed): the refresh it led, if any, is over,
/// and its id is returned (else -1) so that the tasks waiting on it are woken (they read it as
/// cancelled); the next caller starts a new refresh.
///
/// # Safety
/// `task` is as `object` says.
#[no_mangle]
pub unsafe extern "C" fn task_abandon(task: i32) -> i32 {
    // SAFETY: the caller's contract.
    let Ok(task) = (unsafe { object::<Task>(task) }) else {
        return -1;
    };
    let Some(id) = task.leading.take() else {
        return -1;
    };
    let mut flights = task.shared.flights.borrow_mut();
    if flights.running == Some(id) {
        flights.running = None;
    }
    id
}

/// Frees a task.
///
/// # Safety
/// As `free`.
#[no_mangle]
pub unsafe extern "C" fn task_free(h: i32) {
    // SAFETY: the caller's contract.
    unsafe { free::<Task>(h) }
}

fn storage_error(method: &str, message: Option<String>) -> Error {
    Error::misuse(
        MisuseErrorKind::InvalidState,
        cat!(
            "storage ",
            method,
            "(): ",
            message.as_deref().unwrap_or("failed")
        ),
    )
}

/// The loop's failure to send a request: a timeout or a network failure (with its message).
fn transport_failure(
    kind: Option<String>,
    message: Option<String>,
    what: &str,
    timeout_millis: u32,
) -> Error {
    let timeout = kind.as_deref() == Some("timeout");
    let message = if timeout {
        cat!(what, ": no reply within ", timeout_millis, " ms")
    } else {
        cat!(what, ": ", message.as_deref().unwrap_or("failed"))
    };
    Error::Transport(TransportError {
        kind: if timeout {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Network
        },
        message,
    })
}

/// A step that names a record or a lock (`[code, name, value?`), and what it asks.
#[inline(never)]
fn named(out: &mut Out, code: &str, name: &str, value: Option<&str>, asked: Asked) -> Asked {
    out.raw(code).str(name);
    if let Some(value) = value {
        out.raw(",").str(value);
    }
    asked
}

impl Task {
    fn resume(
        &mut self,
        ok: bool,
        n: f64,
        a: Option<Zeroizing<Vec<u8>>>,
        b: Option<Zeroizing<Vec<u8>>>,
    ) -> Result<Zeroizing<String>> {
        let mut input = self.input(ok, n, a, b);
        loop {
            let cx = Ctx {
                core: &self.shared.core,
                env: &PageEnv,
            };
            let io = match self.flow.resume(&cx, input) {
                Step::Done(result) => {
                    let mut out = Out::new();
                    out.raw("[0");
                    if let Some(text) = result? {
                        out.raw(",").raw(&text);
                    }
                    out.raw("]");
                    return Ok(out.done().unwrap_or_default());
                }
                Step::Io(io) => io,
            };
            let mut out = Out::new();
            let timeout = i64::from(self.shared.timeout_millis);
            let max = i64::from(crate::api::MAX_REPLY_BYTES);
            self.asked = match io {
                Io::Send(request) => {
                    out.raw("[1,")
                        .str(&self.shared.core.endpoint)
                        .raw(",")
                        .str(&request.target())
                        .raw(",")
                        .str(&request.body)
                        .raw(",")
                        .int(timeout)
                        .raw(",")
                        .int(max);
                    Asked::Send(request.operation)
                }
                Io::Get(key) => named(&mut out, "[2,", &key, None, Asked::Get),
                Io::Set(key, value) => named(&mut out, "[3,", &key, Some(&value), Asked::Set),
                Io::Remove(key) => named(&mut out, "[4,", &key, None, Asked::Remove),
                Io::GetTransient(key) => named(&mut out, "[12,", &key, None, Asked::Get),
                Io::SetTransient(key, value) => {
                    named(&mut out, "[13,", &key, Some(&value), Asked::Set)
                }
                Io::RemoveTransient(key) => named(&mut out, "[14,", &key, None, Asked::Remove),
                Io::Lock(name) => named(&mut out, "[6,", &name, None, Asked::Locked),
                Io::Emit(event) => {
                    out.raw("[5,").str(match &event {
                        Event::SignedIn => "signedIn",
                        Event::SignedOut => "signedOut",
                        Event::TokenRefresh => "tokenRefresh",
                        Event::TokenRefreshFailure(_) => "tokenRefreshFailure",
                    });
                    if let Event::TokenRefreshFailure(e) = &event {
                        out.raw(",").raw(&error_json(e));
                    }
                    // The last refresh's session (kept for the callers that joined it) does not
                    // outlive the sign-out in the wasm's memory.
                    if let Event::SignedOut = event {
                        self.shared.flights.borrow_mut().forget();
                    }
                    Asked::Told
                }
                Io::Flight => {
                    let mut flights = self.shared.flights.borrow_mut();
                    match flights.running {
                        Some(id) => {
                            out.raw("[9,").int(i64::from(id));
                            Asked::Joined(id)
                        }
                        None => {
                            // Leading needs no I/O: the flow goes on at once.
                            let id = flights.next;
                            flights.next = (id + 1) & i32::MAX;
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
                    out.raw("[10,").int(i64::from(id));
                    Asked::Settled
                }
                Io::Unlock => {
                    out.raw("[7");
                    Asked::Unlocked
                }
                Io::Sleep(millis) => {
                    out.raw("[8,").int(i64::from(millis));
                    Asked::Slept
                }
                Io::Navigate { url, replace } => {
                    out.raw("[15,")
                        .str(&url)
                        .raw(if replace { ",1" } else { ",0" });
                    Asked::Navigated
                }
                Io::Http(request) => {
                    out.raw("[16,").str(&request.url);
                    for part in [&request.authorization, &request.form] {
                        match part {
                            Some(text) => out.raw(",").str(text),
                            None => out.raw(",null"),
                        };
                    }
                    out.raw(",").int(timeout).raw(",").int(max);
                    Asked::Http
                }
                Io::Credential { create, options } => {
                    out.raw(if create { "[11,1," } else { "[11,0," })
                        .str(&options);
                    Asked::Credential
                }
            };
            out.raw("]");
            return Ok(out.done().unwrap_or_default());
        }
    }

    /// What the loop's answer means for the flow.
    fn input(
        &mut self,
        ok: bool,
        n: f64,
        a: Option<Zeroizing<Vec<u8>>>,
        b: Option<Zeroizing<Vec<u8>>>,
    ) -> Input {
        match core::mem::replace(&mut self.asked, Asked::Start) {
            Asked::Start => Input::Start,
            Asked::Navigated if ok => Input::Navigated(Ok(())),
            Asked::Navigated => Input::Navigated(Err(Error::misuse(
                MisuseErrorKind::InvalidState,
                cat!(
                    "the page cannot navigate: ",
                    utf8(a).as_deref().unwrap_or("")
                ),
            ))),
            Asked::Send(_) | Asked::Http if ok => {
                let Some(body) = b else {
                    return Input::Reply(Err(Error::misuse(
                        MisuseErrorKind::InvalidState,
                        "the package sent no body",
                    )));
                };
                // A status outside 0..=65535 (never sent by a real fetch) reads as 0: not a success.
                let status = if (0.0..65536.0).contains(&n) {
                    n as u16
                } else {
                    0
                };
                Input::Reply(Ok(HttpReply {
                    status,
                    error_type: utf8(a),
                    body,
                }))
            }
            Asked::Http => Input::Reply(Err(transport_failure(
                utf8(a),
                utf8(b),
                "the domain",
                self.shared.timeout_millis,
            ))),
            Asked::Send(operation) => Input::Reply(Err(transport_failure(
                utf8(a),
                utf8(b),
                operation,
                self.shared.timeout_millis,
            ))),
            Asked::Get if ok => Input::Value(Ok(utf8(a))),
            Asked::Get => Input::Value(Err(storage_error("getItem", utf8(a)))),
            Asked::Set | Asked::Remove if ok => Input::Stored(Ok(())),
            Asked::Set => Input::Stored(Err(storage_error("setItem", utf8(a)))),
            Asked::Remove => Input::Stored(Err(storage_error("removeItem", utf8(a)))),
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
            Asked::Credential => match (ok, utf8(a)) {
                (true, Some(json)) => Input::Credential(Ok(json)),
                (_, name) => {
                    let name = name.unwrap_or_default();
                    Input::Credential(Err(Error::Passkey(PasskeyError {
                        kind: PasskeyErrorKind::from_dom_exception(&name),
                        message: utf8(b).unwrap_or(name),
                    })))
                }
            },
        }
    }
}
