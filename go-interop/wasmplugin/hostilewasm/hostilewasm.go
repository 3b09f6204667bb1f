// Package hostilewasm assembles Wasm modules that attack their host, for the tests of the Wasm
// hosts (package wasmplugin, the gateway's fault matrix, the Wasm user manager). Never used by
// what ships.
package hostilewasm

import "rustplugin/go-interop/internal/wasmbin"

// Header is the first 8 bytes of every module.
const Header = wasmbin.Header

// Section ids.
const (
	CustomSection = 0
	TypeSection   = 1
	FuncSection   = 3
	TableSection  = 4
	MemorySection = 5
	ExportSection = 7
	StartSection  = 8
	CodeSection   = 10
)

// Uleb appends v as an unsigned LEB128.
func Uleb(out []byte, v uint64) []byte {
	for {
		b := byte(v & 0x7f)
		if v >>= 7; v == 0 {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// Sleb appends v as a signed LEB128 (the immediate of i32.const and i64.const).
func Sleb(out []byte, v int64) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

// Section appends a section: its id, its size, its content.
func Section(out []byte, id byte, content []byte) []byte {
	return append(Uleb(append(out, id), uint64(len(content))), content...)
}

// Vector is items as a Wasm vector: their count, then each.
func Vector(items ...[]byte) []byte {
	out := Uleb(nil, uint64(len(items)))
	for _, item := range items {
		out = append(out, item...)
	}
	return out
}

// Name is s as a Wasm name: its length, then its bytes.
func Name(s string) []byte { return append(Uleb(nil, uint64(len(s))), s...) }

// Custom is the content of a custom section called name holding text.
func Custom(name, text string) []byte { return append(Name(name), text...) }

// Function is a function body of no locals: code, then end.
func Function(code []byte) []byte {
	code = append(append([]byte{0}, code...), 0x0b)
	return append(Uleb(nil, uint64(len(code))), code...)
}

// Replacement is what an edit of Rewrite puts in a section's place.
type Replacement struct {
	ID      byte
	Content []byte
}

// Rewrite rebuilds module with each section passed through edit, which returns the sections to
// put in its place (none drops it).
func Rewrite(module []byte, edit func(id byte, content []byte) []Replacement) ([]byte, error) {
	out := []byte(Header)
	err := wasmbin.Sections(module, func(id byte, content []byte) error {
		for _, r := range edit(id, content) {
			out = Section(out, r.ID, r.Content)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Keep is the edit that keeps a section as it is.
func Keep(id byte, content []byte) []Replacement { return []Replacement{{id, content}} }

// CompileBomb is a module of one function of depth blocks nested in each other, with the custom
// section abi (the rp_wasm_abi text, so that hosts get as far as compiling it): a few bytes a
// level, compile work that grows faster than its size (50,000 levels: 9 s in wazero here).
func CompileBomb(depth int, abiSection []byte) []byte {
	body := []byte{}
	for range depth {
		body = append(body, 0x02, 0x40) // block (no result)
	}
	for range depth {
		body = append(body, 0x0b) // end
	}
	out := []byte(Header)
	out = Section(out, TypeSection, Vector([]byte{0x60, 0, 0})) // () -> ()
	out = Section(out, FuncSection, Vector([]byte{0}))
	out = Section(out, CodeSection, Vector(Function(body)))
	return Section(out, CustomSection, abiSection)
}

// UnboundedTable replaces a module's table section by one funcref table of 1 element and no
// maximum: table.grow would take memory outside any limit.
func UnboundedTable(id byte, content []byte) []Replacement {
	if id == TableSection {
		return []Replacement{{id, []byte{1, 0x70, 0x00, 1}}}
	}
	return Keep(id, content)
}
