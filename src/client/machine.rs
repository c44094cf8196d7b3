//! The sans-IO shape of the client's flows: a flow is a synchronous state machine that answers each
//! input with the next thing to do — send this request, read, write or remove this record, tell the
//! listeners — or with its result. It performs no I/O and awaits nothing; a driver carries out what
//! it asks for and feeds the outcome back (`CognitoAuth::drive` for Rust apps). The clock and random
//! bytes are read synchronously through [`Env`].

use super::{invalid_state, Core, Event, Session};
use crate::api::ApiRequest;
use crate::error::Result;
use crate::json::{self, FromJson, ObjectWriter, WriteJson};
use crate::transport::{HttpReply, Runtime};
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;
use zeroize::Zeroizing;

/// What a flow asks its driver to do.
pub(crate) enum Io {
    /// Send this request; answered with [`Input::Reply`].
    Send(ApiRequest),
    /// Read this key; answered with [`Input::Value`].
    Get(String),
    /// Write this value under this key; answered with [`Input::Stored`].
    Set(String, Zeroizing<String>),
    /// Remove this key; answered with [`Input::Stored`].
    Remove(String),
    /// Tell the listeners; answered with [`Input::Told`].
    Emit(Event),
    /// Join the refresh running in this client (answered with [`Input::Joined`] once it is
    /// settled) or lead a new one ([`Input::Leading`]).
    Flight,
    /// Settle the refresh this flow leads for the callers that joined it; answered with
    /// [`Input::Settled`].
    Settle(Result<Session>),
    /// Take the lock of this name, shared by every page of the origin where the platform has one;
    /// answered with [`Input::Locked`] once it is held.
    Lock(String),
    /// Release the lock; answered with [`Input::Unlocked`].
    Unlock,
    /// Wait this many milliseconds; answered with [`Input::Slept`].
    Sleep(u32),
    /// Read this key of the tab's own storage (session storage in a browser), which outlives a
    /// navigation but not the tab; answered with [`Input::Value`].
    GetTransient(String),
    /// Write this value there; answered with [`Input::Stored`].
    SetTransient(String, Zeroizing<String>),
    /// Remove this key there; answered with [`Input::Stored`].
    RemoveTransient(String),
    /// Send the browser to this URL (`replace`: only change the address shown, without loading
    /// it); answered with [`Input::Navigated`] where the page stays.
    Navigate {
        /// The URL.
        url: String,
        /// Replace the address in the history instead of loading it.
        replace: bool,
    },
    /// An HTTP request that is not one of the pool's API operations (the domain's OAuth
    /// endpoints); answered with [`Input::Reply`].
    Http(HttpRequest),
    /// Ask the platform's authenticator for a passkey (WebAuthn): with `create`, register one with
    /// these creation options, else sign in with these request options — both the JSON the
    /// service sent, in WebAuthn's JSON form (binary values base64url). Answered with
    /// [`Input::Credential`].
    Credential {
        /// Registration (`navigator.credentials.create`) rather than sign-in (`get`).
        create: bool,
        /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`.
        options: String,
    },
}

/// What the driver feeds a flow: how it starts, then the outcome of each [`Io`].
pub(crate) enum Input {
    /// The first input of every flow.
    Start,
    /// The reply to [`Io::Send`], or the transport's failure.
    Reply(Result<HttpReply>),
    /// The value read by [`Io::Get`].
    Value(Result<Option<String>>),
    /// The outcome of [`Io::Set`] or [`Io::Remove`].
    Stored(Result<()>),
    /// The listeners were told.
    Told,
    /// The result of the refresh this flow joined.
    Joined(Result<Session>),
    /// This flow leads a new refresh.
    Leading,
    /// The refresh was settled.
    Settled,
    /// The lock is held.
    Locked,
    /// The lock was released.
    Unlocked,
    /// The wait is over.
    Slept,
    /// The credential of [`Io::Credential`] as WebAuthn's JSON (`RegistrationResponseJSON` or
    /// `AuthenticationResponseJSON`), or why there is none.
    Credential(Result<String>),
    /// The browser was sent, or the address replaced.
    Navigated(Result<()>),
}

/// A request to one of the domain's OAuth endpoints.
pub(crate) struct HttpRequest {
    /// `GET` or `POST`.
    pub(crate) method: &'static str,
    /// The URL.
    pub(crate) url: String,
    /// The `Authorization` header, if any.
    pub(crate) authorization: Option<Zeroizing<String>>,
    /// An `application/x-www-form-urlencoded` body, if any.
    pub(crate) form: Option<Zeroizing<String>>,
}

/// A flow's answer to an input.
pub(crate) enum Step<T> {
    /// Carry this out and resume the flow with its outcome.
    Io(Io),
    /// The flow is over.
    Done(Result<T>),
}

/// A flow: resumed by its driver until it is [`Step::Done`].
pub(crate) trait Flow {
    /// What it ends with.
    type Output;
    /// Answers `input` with the next step.
    fn resume(&mut self, cx: &Ctx<'_>, input: Input) -> Step<Self::Output>;
}

/// The synchronous parts of the platform a flow reads: the clock and random bytes.
pub(crate) trait Env {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> f64;
    /// Fills `buffer` from a cryptographically secure generator.
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()>;
}

impl<R: Runtime> Env for R {
    fn now_millis(&self) -> f64 {
        Runtime::now_millis(self)
    }
    fn fill_random(&self, buffer: &mut [u8]) -> Result<()> {
        Runtime::fill_random(self, buffer)
    }
}

/// What a flow may read and change of its client between two inputs.
pub(crate) struct Ctx<'a> {
    pub(crate) core: &'a Core,
    pub(crate) env: &'a dyn Env,
}

impl core::ops::Deref for Ctx<'_> {
    type Target = Core;
    fn deref(&self) -> &Core {
        self.core
    }
}

impl Ctx<'_> {
    pub(crate) fn now_seconds(&self) -> i64 {
        (self.env.now_millis() / 1000.0) as i64
    }

    /// Starts a new sign-in generation (a sign-in or a sign-out) and returns it.
    pub(crate) fn next_epoch(&self) -> u64 {
        let epoch = self.epoch.get().wrapping_add(1);
        self.epoch.set(epoch);
        epoch
    }

    /// Marks a change of the stored session (see `Core::stored`) and returns its generation.
    pub(crate) fn session_changes(&self) -> u64 {
        let stored = self.stored.get().wrapping_add(1);
        self.stored.set(stored);
        stored
    }

    /// The stored session's generation now (see `Core::stored`).
    pub(crate) fn session_generation(&self) -> u64 {
        self.stored.get()
    }

    /// Whether the stored session is still of generation `stored`: no sign-out began and no
    /// sign-in wrote its tokens since.
    pub(crate) fn session_unchanged(&self, stored: u64) -> bool {
        self.stored.get() == stored
    }

    /// Fails with `InvalidState` when the sign-in of generation `epoch` was replaced.
    pub(crate) fn still_current(&self, epoch: u64) -> Result<()> {
        if epoch == self.epoch.get() {
            Ok(())
        } else {
            Err(invalid_state(
                "this sign-in was replaced by a newer sign-in or a sign-out",
            ))
        }
    }
}

/// The platform's passkey prompt ([`Io::Credential`]), held by the flow that asked for it until
/// its answer comes (or the flow is dropped). While it is held no other is asked for: the browser
/// would refuse a second one as "a request is already pending", and the first one's answer would
/// then be dropped as a newer sign-in's.
pub(crate) struct Prompt(Rc<Cell<bool>>);

impl Prompt {
    /// Whether a prompt is open: fails with `InvalidState` if so.
    pub(crate) fn check(cx: &Ctx<'_>) -> Result<()> {
        if cx.prompt.get() {
            Err(invalid_state(
                "a passkey prompt is open already: it is answered or cancelled first",
            ))
        } else {
            Ok(())
        }
    }

    /// Holds the prompt, unless one is open already.
    pub(crate) fn open(cx: &Ctx<'_>) -> Result<Prompt> {
        Prompt::check(cx)?;
        cx.prompt.set(true);
        Ok(Prompt(cx.prompt.clone()))
    }
}

impl Drop for Prompt {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// A stored record as the text written: JSON, zeroed when dropped.
pub(crate) fn record_text(value: &dyn WriteJson) -> Zeroizing<String> {
    let mut w = ObjectWriter::new();
    value.write_json(&mut w);
    Zeroizing::new(w.finish())
}

/// A stored record read back. One that no longer parses (an older format, tampering) counts as
/// absent.
pub(crate) fn read_record<T: FromJson>(text: Option<String>) -> Option<T> {
    let text = Zeroizing::new(text?);
    json::parse(text.as_bytes())
        .ok()
        .and_then(|v| T::from_json(v).ok())
}
