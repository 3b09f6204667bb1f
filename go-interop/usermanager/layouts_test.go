package usermanager

import (
	"reflect"
	"testing"

	"rustplugin/go-interop/internal/layouts"
)

// TestRecordsAreReadByteForByte: DecodeRecord reads the records rp_ffi_core::record writes.
func TestRecordsAreReadByteForByte(t *testing.T) {
	for _, record := range layouts.Vectors(t, "records") {
		user, err := DecodeRecord(record.Bytes(t))
		if err != nil {
			t.Fatalf("%v: %v", record.Strings, err)
		}
		s := record.Strings
		want := &User{ID: UserID{OpaqueID: s[0], Idp: s[1]}, Username: s[2], Mail: s[3], DisplayName: s[4],
			UID: s[5], GID: s[6], Groups: append([]string{}, s[7:]...)}
		if !reflect.DeepEqual(user, want) {
			t.Errorf("%v: decoded %+v", record.Strings, user)
		}
	}
}
