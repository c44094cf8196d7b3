#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_kit_fuzz::emulator_upstream_token(data));
