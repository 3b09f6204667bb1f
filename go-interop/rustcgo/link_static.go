//go:build !rustplugin_shared

package rustcgo

// The default: the Rust archive inside the Go binary. The system libraries are what Rust's std needs.

// #cgo LDFLAGS: ${SRCDIR}/../../target/release/librustplugin.a -lutil -lrt -lpthread -lm -ldl
import "C"
