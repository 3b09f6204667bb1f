//! Bench-only bindings for the criterion benchmarks in `benches/paths.rs`: the foreign `add`s the
//! plugin's `Add` is compared with. Nothing here ships.

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
