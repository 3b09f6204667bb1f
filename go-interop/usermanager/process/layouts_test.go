package process

import (
	"bytes"
	"testing"

	"rustplugin/go-interop/internal/layouts"
)

// TestStringListsAreWrittenByteForByte: the requests of the out-of-process user manager are the
// string lists rp-plugin-server reads (rp_process::strings writes the same).
func TestStringListsAreWrittenByteForByte(t *testing.T) {
	for _, v := range layouts.Vectors(t, "strings") {
		if got := stringsRequest(nil, v.Strings...); !bytes.Equal(got, v.Bytes(t)) {
			t.Errorf("%q: wrote %x, want %s", v.Strings, got, v.Hex)
		}
	}
}
