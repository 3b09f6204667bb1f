#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test the project: apt packages and
# rustup components. Idempotent and quiet when everything is there; `make deps` and `make test` call it.
set -euo pipefail

# Packages by purpose; each is checked with dpkg and installed only when missing.
APT_PACKAGES=(
  build-essential pkg-config   # C/C++ hosts, pkg-config test of `make install`
  valgrind                     # memcheck run of the C tests
  clang-19                     # the header must also compile with clang; cpp-bench and its LTO flavour
  libbenchmark-dev             # cpp-bench: google benchmark
  binutils                     # objdump, readelf, nm: symbol and machine-code checks
  libclang-19-dev              # rust-host: bindgen reads C headers through libclang
  linux-perf                   # make flamegraph: perf record -e cpu-clock
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
for component in clippy rustfmt; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    echo "deps: adding rustup component $component"
    rustup component add "$component"
  fi
done
