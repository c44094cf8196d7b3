//! Statics the kit keeps (the SRP group's tables, the package's error class): `std`'s `OnceLock`
//! and `thread_local!` with std; without it (the npm package's wasm) cells that only a
//! single-threaded wasm may share.

#[cfg(feature = "std")]
pub(crate) use std::sync::OnceLock;

#[cfg(not(feature = "std"))]
pub(crate) use single_threaded::OnceLock;

#[cfg(not(feature = "std"))]
pub(crate) use single_threaded::Single;

#[cfg(not(feature = "std"))]
mod single_threaded {
    #[cfg(not(all(target_arch = "wasm32", not(target_feature = "atomics"))))]
    compile_error!("cognito-kit without its `std` feature is for the single-threaded wasm only");

    /// A value shared by the one thread of the wasm.
    pub(crate) struct Single<T>(pub(crate) T);

    #[allow(unsafe_code)]
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread (checked above).
    unsafe impl<T> Sync for Single<T> {}

    /// `OnceLock` for the single-threaded wasm.
    pub(crate) struct OnceLock<T>(Single<core::cell::OnceCell<T>>);

    impl<T> OnceLock<T> {
        pub(crate) const fn new() -> Self {
            OnceLock(Single(core::cell::OnceCell::new()))
        }

        pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
            self.0 .0.get_or_init(init)
        }
    }
}
