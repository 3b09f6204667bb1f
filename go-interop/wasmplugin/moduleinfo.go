package wasmplugin

// What is read from a module's bytes before any of it compiles: its rp_wasm_abi section (Info)
// and its shape (no more memories, tables and table entries than an instance may hold).

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"rustplugin/go-interop/internal/wasmbin"
)

// Info is what a module's rp_wasm_abi section says.
type Info struct {
	Major, Minor  int
	Kind          string
	Name, Version string
}

// ReadInfo reads a module's rp_wasm_abi section without compiling or running anything.
func ReadInfo(module []byte) (Info, error) {
	var text []byte
	err := sections(module, func(id byte, body []byte) error {
		if id != 0 {
			return nil
		}
		nameLen, m := wasmbin.U32(body)
		if m == 0 || nameLen > uint64(len(body)-m) {
			return fmt.Errorf("%w: a custom section's name is past its end", ErrRefused)
		}
		if string(body[m:m+int(nameLen)]) == Section {
			text = body[m+int(nameLen):]
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	if text == nil {
		return Info{}, fmt.Errorf("%w: no %s section: not a plugin of this project (build it with export_http_plugin! or rustplugin for wasm32)", ErrRefused, Section)
	}
	if len(text) > MaxQuoteBytes {
		return Info{}, fmt.Errorf("%w: the %s section is %d bytes, over %d", ErrRefused, Section, len(text), MaxQuoteBytes)
	}
	fields := strings.Fields(string(text))
	var info Info
	if len(fields) == 4 {
		major, minor, found := strings.Cut(fields[0], ".")
		var errMajor, errMinor error
		info.Major, errMajor = strconv.Atoi(major)
		info.Minor, errMinor = strconv.Atoi(minor)
		if found && errMajor == nil && errMinor == nil {
			info.Kind, info.Name, info.Version = fields[1], fields[2], fields[3]
			return info, nil
		}
	}
	return Info{}, fmt.Errorf("%w: the %s section %q is not \"MAJOR.MINOR KIND NAME VERSION\"", ErrRefused, Section, Quote(text))
}

// sections calls visit with each section of module (its id and contents), after the header.
func sections(module []byte, visit func(id byte, body []byte) error) error {
	err := wasmbin.Sections(module, visit)
	if errors.Is(err, wasmbin.ErrNoHeader) || errors.Is(err, wasmbin.ErrSectionPastEnd) {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}

// Section ids checkShape looks at.
const (
	tableSection  = 4
	memorySection = 5
	startSection  = 8
)

// checkShape refuses what a module could use to escape its limits before any of its code runs:
// a start function (code run at instantiation, outside the guest ABI's rp_wasm_start and its
// deadline), more than one memory, or tables that may hold more than maxTableEntries elements in
// all (a table without a maximum grows outside the memory limit).
func checkShape(module []byte, maxTableEntries uint64) error {
	return sections(module, func(id byte, body []byte) error {
		switch id {
		case startSection:
			return fmt.Errorf("%w: a start function: code that would run before rp_wasm_start, outside the guest ABI", ErrRefused)
		case memorySection:
			if count, _ := wasmbin.U32(body); count > 1 {
				return fmt.Errorf("%w: %d memories: the guest ABI has one", ErrRefused, count)
			}
		case tableSection:
			count, n := wasmbin.U32(body)
			rest, entries := body[n:], uint64(0)
			for range count {
				// A reference type, then limits: 0x00 min, or 0x01 min max.
				if len(rest) < 2 || rest[1] != 0x01 {
					return fmt.Errorf("%w: a table without a maximum size: its growth would escape the memory limit", ErrRefused)
				}
				_, a := wasmbin.U32(rest[2:])
				max, b := wasmbin.U32(rest[2+a:])
				if a == 0 || b == 0 {
					return fmt.Errorf("%w: a malformed table", ErrRefused)
				}
				entries += max
				rest = rest[2+a+b:]
			}
			if entries > maxTableEntries {
				return fmt.Errorf("%w: tables of up to %d elements, over the %d its memory limit allows", ErrRefused, entries, maxTableEntries)
			}
		}
		return nil
	})
}
