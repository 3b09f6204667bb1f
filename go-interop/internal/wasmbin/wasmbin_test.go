package wasmbin

import (
	"errors"
	"fmt"
	"testing"
)

func TestU32(t *testing.T) {
	for _, c := range []struct {
		in    []byte
		value uint64
		n     int
	}{
		{[]byte{0}, 0, 1},
		{[]byte{0x7f, 0xff}, 127, 1},
		{[]byte{0xe5, 0x8e, 0x26}, 624485, 3},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1<<32 - 1, 5},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, 0}, // longer than 5 bytes
		{[]byte{0x80}, 0, 0},                               // cut short
		{nil, 0, 0},
	} {
		if value, n := U32(c.in); value != c.value || n != c.n {
			t.Errorf("U32(% x) = %d, %d; want %d, %d", c.in, value, n, c.value, c.n)
		}
	}
}

func TestSections(t *testing.T) {
	module := Header + "\x00\x02ab" + "\x01\x00" + "\x0a\x01z"
	var seen []string
	err := Sections([]byte(module), func(id byte, content []byte) error {
		seen = append(seen, fmt.Sprintf("%d:%s", id, content))
		return nil
	})
	if err != nil || len(seen) != 3 || seen[0] != "0:ab" || seen[1] != "1:" || seen[2] != "10:z" {
		t.Fatalf("Sections = %q, %v", seen, err)
	}
	for module, want := range map[string]error{
		"\x00asm\x02\x00\x00\x00":           ErrNoHeader,
		"":                                  ErrNoHeader,
		Header + "\x00\x03ab":               ErrSectionPastEnd,
		Header + "\x00\x80":                 ErrSectionPastEnd,
		Header + "\x00\xff\xff\xff\xff\x0f": ErrSectionPastEnd,
	} {
		if err := Sections([]byte(module), func(byte, []byte) error { return nil }); !errors.Is(err, want) {
			t.Errorf("Sections(%q) = %v, want %v", module, err, want)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := Sections([]byte(module), func(byte, []byte) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("a visit's error: %v after %d calls", err, calls)
	}
}
