#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test the project: apt packages and
# rustup components. Idempotent and quiet when everything is there; `make deps` and `make test` call it.
# `deps.sh cargo-c` installs only cargo-c, which `make install` needs (scripts/install.sh calls it):
# Debian's cargo-c 0.9.14 is built on cargo 0.66 and cannot read this workspace's dependencies
# (edition 2024 manifests, the sparse index), so it comes from crates.io, pinned, built once, in
# the dev profile without debug info: 2m42s on 2 cores, against 8 minutes in release (measured
# 2026-12-07). Its own speed does not matter: the install it runs takes it 2.5 s either way, the
# time is rustc's.
set -euo pipefail

CARGO_C_VERSION=0.10.24   # the newest cargo-c that builds with Rust 1.95
# `deps.sh fuzz`: what `make fuzz` needs: the nightly toolchain (libFuzzer's sanitizer flags) and
# cargo-fuzz, pinned.
CARGO_FUZZ_VERSION=0.13.2
if [[ ${1:-} == fuzz ]]; then
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    echo "deps: building cargo-fuzz $CARGO_FUZZ_VERSION from crates.io for make fuzz (once, ~2 min)"
    cargo install -q --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
  exit 0
fi
has_cargo_c() { cargo cinstall --version 2>/dev/null | grep -q "^cargo-c $CARGO_C_VERSION"; }
# One build of cargo-c at a time: `make test` starts one in the background (cargo-c-background),
# and `deps.sh cargo-c` (scripts/install.sh, in make test-install) waits for it before it checks
# again. The lock lives with the cargo that installs cargo-c; its first line names the background
# build's log, its second the build's process group. Only this script holds descriptor 9: the
# commands it runs get it closed (9>&-), so no process of theirs can keep the lock.
cargo_c_lock=${CARGO_HOME:-$HOME/.cargo}/rp-deps-cargo-c.lock
# `deps.sh cargo-c-background LOG`: when cargo-c is missing, builds it at the lowest CPU priority in
# the background, in a session of its own, its output in LOG: `make test` overlaps it with its
# build and tests, which leave a CPU idle now and then (single-threaded tests, cranelift's long
# last crate), and its test-install step finds cargo-c built, or waits for the rest.
# `deps.sh cargo-c-stop`: stops that build if it still runs (make test does, as it ends).
case ${1:-} in
cargo-c-background)
  log=${2:?deps.sh cargo-c-background LOG}
  has_cargo_c && exit 0
  mkdir -p "$(dirname "$cargo_c_lock")"
  exec 9>>"$cargo_c_lock"
  flock -n 9 || exit 0 # another one builds it
  echo "deps: building cargo-c $CARGO_C_VERSION in the background at the lowest priority, for make test-install (log: $log)"
  # setsid: the build is a process group of its own (cargo-c-stop kills the group), and Ctrl-C at
  # the terminal does not reach it. The shell it runs keeps descriptor 9, so the lock, to its end.
  setsid nice -n 19 "$0" cargo-c-locked >"$log" 2>&1 </dev/null &
  printf '%s\n%s\n' "$log" "$!" >"$cargo_c_lock"
  exit 0
  ;;
cargo-c-stop)
  [[ -e $cargo_c_lock ]] || exit 0
  exec 9>>"$cargo_c_lock"
  flock -n 9 && exit 0 # nothing builds
  group=$(sed -n 2p "$cargo_c_lock")
  [[ $group =~ ^[0-9]+$ ]] && kill -TERM -- "-$group" 2>/dev/null
  exit 0
  ;;
cargo-c | cargo-c-locked)
  if [[ $1 == cargo-c ]]; then
    exec 9>>"$cargo_c_lock"
    if ! flock -n 9; then
      echo "deps: waiting for the background build of cargo-c to end (log: $(head -n 1 "$cargo_c_lock"))" >&2
      flock -w 1800 9 || { echo "deps: the background build of cargo-c still runs after 30 minutes: see its log" >&2; exit 1; }
    fi
  fi
  if ! has_cargo_c 9>&-; then
    # On stderr: scripts/test-install.sh discards install.sh's standard output.
    echo "deps: building cargo-c $CARGO_C_VERSION from crates.io for make install (once, ~3 min on 2 cores)" >&2
    # A line every 25 crates (not silent for minutes, nor a line per crate), and everything from the
    # first error on; pipefail keeps cargo's exit status.
    CARGO_PROFILE_DEV_DEBUG=0 cargo install --locked --debug cargo-c --version "$CARGO_C_VERSION" 2>&1 9>&- |
      awk '/^ *Compiling / && !failed { if (++n % 25 == 0) { print "deps: cargo-c: " n " crates compiled"; fflush() } next }
           /^error/ { failed = 1 } failed { print }' >&2 9>&-
  fi
  exit 0
  ;;
esac

# Packages by purpose; each is checked with dpkg and installed only when missing.
APT_PACKAGES=(
  build-essential pkg-config   # C/C++ hosts, pkg-config test of `make install`
  valgrind                     # memcheck run of the C tests
  clang-19                     # the header must also compile with clang; cpp-bench and its LTO flavour
  libbenchmark-dev             # cpp-bench: google benchmark
  libsimdjson-dev              # cpp-bench: the native C++ baseline of GetJsonRow
  binutils                     # objdump, readelf, nm: symbol and machine-code checks
  libclang-19-dev              # rust-host: bindgen reads C headers through libclang
  linux-perf                   # make flamegraph: perf record -e cpu-clock
  cmake                        # make test-install: a CMake project built against the installed package
  libssl-dev                   # building cargo-c (scripts/deps.sh cargo-c)
)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Commands that may come from outside Debian's packages (pyenv's python3): checked by name.
command -v python3 >/dev/null || missing+=(python3)   # cpp-bench's summary of google benchmark JSON
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "deps: cargo is missing: install Rust with rustup (https://rustup.rs), then run make again" >&2
  exit 1
fi
# The Wasm sandbox tier: the plugins compiled to wasm32 (scripts/build-wasm.sh).
if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  echo "deps: adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# Go is optional; when it is here, its modules (wazero, hashicorp go-plugin, gRPC, go-cs3apis; reva
# v1.7.0 for the reva module) come from the module proxy now, not halfway through a test.
if command -v go >/dev/null; then
  # reva's module graph holds 550 modules (reva v1.7.0 predates graph pruning): fetch only the
  # packages the reva module builds, not every module of the graph.
  (cd "$(dirname "$0")/../go-interop" && go mod download && cd reva && go list -deps -test ./... >/dev/null)
fi
for component in clippy rustfmt; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    echo "deps: adding rustup component $component"
    rustup component add "$component"
  fi
done
