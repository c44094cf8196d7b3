#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_kit_fuzz::kit::kit_engine(data));
