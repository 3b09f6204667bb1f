# Thin entry points; the logic lives in scripts/ and in the sub-projects (c-host/Makefile,
# cpp-bench/Makefile, the Cargo workspace, go-interop/). `make help` lists the targets.

CARGO   ?= cargo
PREFIX  ?= /usr/local
RUST_LIB := target/release
QUICK   ?= 0
export RUST_LIB QUICK

.PHONY: help all deps build build-rust build-rust-lto loader c-host cpp-bench generate header instructions install \
        test test-tree test-rust test-header test-c test-install test-cpp test-go bench bench-cpp bench-go bench-rust bench-gateway gateway flamegraph fuzz report compare clean

help:
	@echo "make test          install missing tools (make deps), build everything, run every test"
	@echo "make bench         every harness, the gateway load test, flame graphs, then results/report.{html,md} (~14 min; QUICK=1 ~3 min)"
	@echo "make bench-cpp     C++ -> Rust (static, dynamic, dlopen, LTO) and C++ -> Go, vs native [QUICK=1]"
	@echo "make bench-go      Go -> Rust (cgo, and Wasm in wazero) against Go native and a Go plugin [QUICK=1]"
	@echo "make bench-rust    Rust -> Rust (rlib, static C ABI, libloading, Wasm in wasmtime), Rust -> C, Rust -> Go [QUICK=1]"
	@echo "make bench-gateway the HTTP gateway under load: Go native vs Go plugin vs Rust plugin (cgo, Wasm), 60 hot reloads [QUICK=1]"
	@echo "make gateway       build the gateway and the plugins; docs/http-plugins.md says how to run it"
	@echo "make flamegraph    perf + inferno flame graphs of each path into results/flamegraphs/"
	@echo "make report        the joint report from whatever results/ holds"
	@echo "make compare       OLD=dir [NEW=results] [THRESHOLD=5]: two runs row by row, exit 1 on a significant slowdown"
	@echo "make fuzz          the fuzz targets (store, HTTP plugin boundary, gateway request path), FUZZ_SECONDS each (60)"
	@echo "make build         the Rust libraries (user manager .so/.a, HTTP plugins, gen-users), the C loader and hosts"
	@echo "make loader        the C loader library alone (c-host/build/librp_loader.a), which the hosts and the gateway link"
	@echo "make install       PREFIX=/usr/local [DESTDIR=]: librustplugin.so.1 (SONAME), .a, headers, pkg-config and CMake files (cargo-c)"
	@echo "make generate      rewrite every binding generated from a definition (rp-bindgen), then the headers"
	@echo "make header        regenerate the C headers in include/ with cbindgen"
	@echo "make instructions  take a new baseline of instructions per call (cpp-bench/instructions.json), which make test holds"
	@echo "make deps          install missing apt packages and rustup components"
	@echo "make clean         remove build output"

all: build

deps:
	scripts/deps.sh

build: build-rust c-host cpp-bench

# Every target (tests, benches, examples too) in one release build with one feature set: a plain
# `cargo build` leaves out the dev-dependencies, whose features (cbindgen's indexmap and syn,
# criterion's zerocopy) would then make `cargo test` build wasmtime and 60 other crates again.
build-rust:
	$(CARGO) build --release --workspace --all-targets
	scripts/build-wasm.sh

build-rust-lto:
	scripts/build-rust-lto.sh

# The C loader library (c-host/build/librp_loader.a) that c-host, cpp-bench and the Go gateway link.
loader:
	$(MAKE) -C c-host loader

c-host: build-rust
	$(MAKE) -C c-host RUST_LIB=../$(RUST_LIB)

cpp-bench: build-rust build-rust-lto loader
	$(MAKE) -C cpp-bench RUST_LIB=../$(RUST_LIB)

# The definitions rp-bindgen reads: a WIT file and its binding file each (tools/rp-bindgen/README.md).
BINDINGS := $(wildcard rust-plugin/*/wit/*.toml)

generate:
	$(CARGO) run -q -p rp-bindgen -- $(BINDINGS)
	$(MAKE) header

header:
	UPDATE_HEADER=1 $(CARGO) test --release --workspace --test header

# The instruction gate's baseline: the counts of `scripts/bench-cpp.sh --check`, with the toolchain.
instructions: deps cpp-bench
	UPDATE_INSTRUCTIONS=1 scripts/bench-cpp.sh --check

install: deps build-rust
	scripts/install.sh "$(PREFIX)"

# test-install last: cargo-c, when missing, builds in the background from the start (deps.sh
# cargo-c-background) and uses the CPU that test-cpp's valgrind runs and the Go tests leave idle.
TEST_STEPS := test-tree test-rust test-header test-c test-cpp test-go test-install

# Each step in turn, with the time it took (where make test's minutes go).
test: deps
	@mkdir -p target && scripts/deps.sh cargo-c-background target/deps-cargo-c.log; \
	trap 'scripts/deps.sh cargo-c-stop' EXIT; trap 'exit 130' INT TERM; \
	start=$$(date +%s); for step in $(TEST_STEPS); do \
	  echo "== make $$step"; t=$$(date +%s); \
	  $(MAKE) --no-print-directory $$step || exit 1; \
	  echo "== make $$step: $$(( $$(date +%s) - t )) s"; \
	done; echo "== make test: every step passed in $$(( $$(date +%s) - start )) s"

# The tidy tests (tools/tidy): no build output tracked, every header, script, status code, make
# target and docs page listed where the docs list them, every relative link resolving. First, as
# they need no build.
test-tree:
	$(CARGO) test -q --release -p tidy --lib --test tree --test docs

test-rust: build-rust
	scripts/test-rust.sh

test-header: build-rust
	scripts/check-header.sh
	$(CARGO) test -q --release -p tidy --test exports

test-c: c-host
	scripts/test-c.sh

test-install: build-rust
	scripts/test-install.sh

test-cpp: cpp-bench
	scripts/bench-cpp.sh --check

test-go: build-rust c-host
	scripts/test-go.sh

bench: deps build
	scripts/bench.sh

bench-cpp: deps cpp-bench
	scripts/bench.sh cpp

bench-go: deps build-rust
	scripts/bench.sh go

bench-rust: deps build-rust
	scripts/bench.sh rust

bench-gateway: deps build-rust loader
	scripts/bench.sh gateway

gateway: build-rust loader
	scripts/build-gateway.sh

flamegraph: deps build
	scripts/flamegraph.sh

fuzz: deps build-rust
	scripts/fuzz.sh

report: build-rust
	$(RUST_LIB)/bench-report report results

# make compare OLD=path NEW=path [THRESHOLD=5]: two runs row by row; fails on a significant slowdown.
compare: build-rust
	$(RUST_LIB)/bench-report compare --threshold $(or $(THRESHOLD),5) $(or $(OLD),$(error OLD=results folder)) $(or $(NEW),results)

clean:
	$(CARGO) clean
	$(MAKE) -C c-host clean
	$(MAKE) -C cpp-bench clean
	rm -rf go-interop/build
	rm -rf results
