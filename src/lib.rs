//! # cognito-kit
//!
//! Every client-side part of signing in to an Amazon Cognito user pool, for browsers (as
//! WebAssembly) and for Rust.
//!
//! The protocol core is sans-IO: nothing in [`srp`], [`encoding`], [`secret_hash`] or [`tokens`]
//! calls the network, storage, the clock or a random generator. Time and randomness come in as
//! arguments, so every formula is tested with fixed known-answer vectors, natively and in a browser.
//!
//! - [`srp`]: Cognito's SRP-6a for users and remembered devices, and the device verifier.
//! - [`secret_hash`]: SECRET_HASH for app clients with a secret.
//! - [`tokens`]: JWT decoding (no signature verification — see the module docs).
//!
//! The client is one engine: [`client::CognitoAuth`] makes every protocol decision; [`methods`]
//! offers its methods as JSON (what the npm package calls through `js::package`).
//! - [`encoding`]: padHex, hex, base64/base64url, the SRP TIMESTAMP.
//! - [`error`]: the one error type, grouped by who is at fault.
//! - [`secret`]: redacted, zeroizing newtypes for passwords, tokens and keys.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// A panic in the package's wasm (none is reachable: see the fuzz targets) traps, as `panic =
/// "abort"` did with std, without std's panic machinery and the message formatting it carries.
#[cfg(all(target_arch = "wasm32", not(feature = "std"), not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The wasm's allocator: power-of-two blocks with a free list per size (`alloc_wasm`), smaller
/// than any allocator crate measured. The wasm this crate builds runs on one thread.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc_wasm::Blocks = alloc_wasm::Blocks::new();

#[cfg(any(target_arch = "wasm32", test))]
mod alloc_wasm;

pub mod api;
pub mod client;
pub mod encoding;
pub mod error;
pub mod flow;
pub mod hash;
pub mod js;
pub mod json;
pub mod methods;
pub mod secret;
pub mod secret_hash;
mod single;
pub mod srp;
pub mod storage;
mod text;
pub mod tokens;
pub mod transport;

pub use error::{Error, Result};
