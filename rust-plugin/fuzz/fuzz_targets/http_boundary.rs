//! Drives the echo plugin through its C ABI with requests made of any bytes and host callbacks
//! that may fail (echo-plugin/tests/support/boundary.rs: the same check `make test` replays).
#![no_main]

#[path = "../../plugins/echo-plugin/tests/support/boundary.rs"]
mod boundary;

libfuzzer_sys::fuzz_target!(|input: &[u8]| boundary::check_boundary(input));
