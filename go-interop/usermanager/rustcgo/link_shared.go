//go:build rustplugin_shared

package rustcgo

// With -tags rustplugin_shared: librustplugin.so, found through an rpath to the build tree.

// #cgo LDFLAGS: -L${SRCDIR}/../../../target/release -lrustplugin -Wl,-rpath,${SRCDIR}/../../../target/release
import "C"
