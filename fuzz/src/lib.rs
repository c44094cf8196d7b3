//! Fuzz targets of cognito-kit and its emulator (run with `make fuzz`, nightly + cargo-fuzz).
pub mod kit;

pub use cognito_kit_emulator::fuzzing::{
    authorization as emulator_authorization, passkey as emulator_passkey,
    request as emulator_request, upstream_token as emulator_upstream_token,
};
