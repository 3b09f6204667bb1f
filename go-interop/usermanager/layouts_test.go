package usermanager

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
)

// layoutVectors reads the byte-layout vectors the Rust code is held to as well
// (rust-plugin/rp-ffi-core/tests/layouts.json) into v.
func layoutVectors(t *testing.T, v any) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "../../rust-plugin/rp-ffi-core/tests/layouts.json")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRecordsAreReadByteForByte: DecodeRecord reads the records rp_ffi_core::record writes.
func TestRecordsAreReadByteForByte(t *testing.T) {
	var vectors struct {
		Records []struct {
			Strings []string
			Hex     string
		}
	}
	layoutVectors(t, &vectors)
	if len(vectors.Records) == 0 {
		t.Fatal("no record vectors")
	}
	for _, record := range vectors.Records {
		bytes, err := hex.DecodeString(record.Hex)
		if err != nil {
			t.Fatal(err)
		}
		user, err := DecodeRecord(bytes)
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
