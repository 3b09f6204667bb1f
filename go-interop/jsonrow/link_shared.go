//go:build rustplugin_shared

package jsonrow

// With -tags rustplugin_shared: librp_json_row.so, found through an rpath to the build tree.

// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lrp_json_row -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
