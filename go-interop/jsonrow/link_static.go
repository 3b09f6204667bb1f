//go:build !rustplugin_shared

package jsonrow

// The default: the Rust archive inside the Go binary (its system libraries come from CGO_LDFLAGS,
// set by scripts/go-common.sh). A Go binary can hold one Rust archive: this package and rustcgo
// link into different binaries.

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/librp_json_row.a
import "C"
