//go:build !rustplugin_shared

package rustcgo

// The default: the Rust archive inside the Go binary. The system libraries it needs come from
// CGO_LDFLAGS, which scripts/go-common.sh sets from scripts/rust-native-libs.sh (the one list every
// consumer of the archive uses); on glibc 2.34+ the link also succeeds without them.

// #cgo LDFLAGS: ${SRCDIR}/../../../target/release/librustplugin.a
import "C"
