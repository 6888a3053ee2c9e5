#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tlscheck::fuzzing::target_explain(data));
