// Package wasmbin reads the Wasm binary format as far as this project looks into a module without
// compiling it: the header, the sections, LEB128 numbers. One reader of untrusted bytes, for
// wasmplugin's checks before a module compiles and for the tests' hostile-module builder.
package wasmbin

import (
	"bytes"
	"errors"
)

// Header is the first 8 bytes of every module: the magic number and version 1.
const Header = "\x00asm\x01\x00\x00\x00"

// Errors of Sections.
var (
	ErrNoHeader       = errors.New(`not a Wasm module (no \0asm version 1 header)`)
	ErrSectionPastEnd = errors.New("a section's size is past the end of the file")
)

// U32 decodes the unsigned LEB128 at the start of b, of at most 5 bytes (every size, count and
// index of a module is one); n is the bytes it took, 0 when b does not start with one.
func U32(b []byte) (value uint64, n int) {
	for i := 0; i < len(b) && i < 5; i++ {
		value |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return value, i + 1
		}
	}
	return 0, 0
}

// Sections calls visit with each section of module after the header, its id and its content, and
// stops at visit's first error. A module without the header, or with a section that runs past its
// end, is ErrNoHeader or ErrSectionPastEnd, before or after the sections that came first.
func Sections(module []byte, visit func(id byte, content []byte) error) error {
	if !bytes.HasPrefix(module, []byte(Header)) {
		return ErrNoHeader
	}
	for rest := module[len(Header):]; len(rest) > 0; {
		id := rest[0]
		size, n := U32(rest[1:])
		if n == 0 || size > uint64(len(rest)-1-n) {
			return ErrSectionPastEnd
		}
		if err := visit(id, rest[1+n:1+n+int(size)]); err != nil {
			return err
		}
		rest = rest[1+n+int(size):]
	}
	return nil
}
