// Package status holds the status codes of the project's C ABI (include/rp_common.h), for the Go
// code that reads them without cgo: the Wasm host (a guest returns them negated) and the
// out-of-process client. The package's test checks every number against the header.
package status

// The status codes of rp_common.h.
const (
	OK              = 0
	NotFound        = 1
	InvalidArgument = 2
	InvalidUTF8     = 3
	UnknownClaim    = 4
	IO              = 5
	Parse           = 6
	BufferTooSmall  = 7
	Panic           = 8
	ABIMismatch     = 9
	PluginFailed    = 10
	NotAFile        = 11
	TooLarge        = 12
	// ProcessDied: the plugin's server process died with the call in it (rp_process.h).
	ProcessDied = 13
	// Deadline: the call did not finish before its deadline (rp_process.h).
	Deadline = 14
	// Unavailable: no plugin server took the call before its deadline (rp_process.h).
	Unavailable = 15
)
