//! Bench-only code for the criterion benchmarks in `benches/paths.rs` and the instruction counter
//! in `examples/rust_count.rs`: the foreign `add`s the plugin's `Add` is compared with, and the
//! user manager as the harnesses call it ([`users`]). Nothing here ships.

pub mod users;

/// A C `native_add` (`cpp-bench/src/native_add.c`, built with `cc`), bindings by bindgen.
#[allow(non_camel_case_types, clippy::all)]
pub mod c_add {
    include!(concat!(env!("OUT_DIR"), "/native_add_sys.rs"));
}

/// The Go c-archive's `GoAdd` (`go-interop/add/carchive`), bindings by bindgen from the header Go writes.
#[cfg(has_go)]
#[allow(non_camel_case_types, non_snake_case, clippy::all)]
pub mod go_add {
    include!(concat!(env!("OUT_DIR"), "/goadd_sys.rs"));
}
