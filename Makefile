# Thin entry points; the logic lives in scripts/ and in the sub-projects.
# `make help` lists the targets.

CARGO   ?= cargo
PREFIX  ?= /usr/local
RUST_LIB := target/release
export RUST_LIB

.PHONY: help all deps build build-rust c-host header install \
        test test-rust test-header test-c test-install bench clean

help:
	@echo "make test          install missing tools (make deps), build everything, run every test"
	@echo "make bench         the benchmark report (still being built: see README)"
	@echo "make build         the Rust plugin (.so, .a, rlib, gen-users) and the C hosts"
	@echo "make install       PREFIX=/usr/local [DESTDIR=]: libraries, header, pkg-config files"
	@echo "make header        regenerate rust-plugin/include/rustplugin.h with cbindgen"
	@echo "make deps          install missing apt packages and rustup components"
	@echo "make clean         remove build output"

all: build

deps:
	scripts/deps.sh

build: build-rust c-host

build-rust:
	$(CARGO) build --release --workspace

c-host: build-rust
	$(MAKE) -C c-host RUST_LIB=../$(RUST_LIB)

header:
	UPDATE_HEADER=1 $(CARGO) test -p rust-plugin --test header

install: build-rust
	scripts/install.sh "$(PREFIX)"

test: deps
	$(MAKE) test-rust test-header test-c test-install

test-rust:
	scripts/test-rust.sh

test-header: build-rust
	scripts/check-header.sh

test-c: c-host
	scripts/test-c.sh

test-install: build-rust
	scripts/test-install.sh

bench: deps build
	@echo "make bench: the benchmark harnesses (cpp-bench, go-interop, rust-host) and the report are"
	@echo "still being built; today this builds the plugin and hosts only. See README.md."

clean:
	$(CARGO) clean
	$(MAKE) -C c-host clean
	rm -rf results
