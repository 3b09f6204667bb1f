//! Loads any bytes as reva user JSON, then checks the four queries against reva's loops
//! (rustplugin/tests/support/reva.rs: the same check `make test` replays on this corpus).
#![no_main]

#[path = "../../rustplugin/tests/support/reva.rs"]
mod reva;

libfuzzer_sys::fuzz_target!(|input: &[u8]| reva::check_store(input));
