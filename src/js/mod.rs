//! JavaScript: the npm package's boundary (`package`, built into the package's wasm: the crate
//! without its `std` feature) and, for Rust apps in the browser (with `std`), storage adapters and
//! the page's random bytes.
//! Nothing here may panic: a panic in wasm kills the instance for every caller on the page.

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
pub mod package;
#[cfg(all(target_arch = "wasm32", feature = "std"))]
pub mod storage;

/// Fills `buffer` from the platform's `crypto.getRandomValues` (windows, workers, Node >= 19); the
/// JavaScript copy is overwritten before it is released.
#[cfg(all(target_arch = "wasm32", feature = "std"))]
pub(crate) fn fill_random(buffer: &mut [u8]) -> Result<(), crate::error::Error> {
    use crate::error::{Error, MisuseErrorKind};
    use js_sys::{Reflect, Uint8Array};
    use wasm_bindgen::JsCast;
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
