# Sourced by scripts/setup.sh (which installs it) and scripts/build-pkg.sh (which builds the
# package's wasm with it, and says why): the pinned nightly Rust, and whether it is ready.
PKG_TOOLCHAIN=nightly-2026-05-19
# Installed, with rust-src (what -Zbuild-std compiles core and alloc from).
pkg_toolchain_ready() {
  rustup run "$PKG_TOOLCHAIN" rustc --version >/dev/null 2>&1 &&
    [ -d "$(rustup run "$PKG_TOOLCHAIN" rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]
}
