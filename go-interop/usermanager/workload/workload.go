// Package workload is the data and key schedule of the Go user manager benchmarks: the users each
// benchmark asks for, in order, the same for every path, in every module (the reva rows' too) and
// in every harness (gen-users draws them once, for C++, Go and Rust), so that rows of one data
// set can be set beside each other.
package workload

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rustplugin/go-interop/usermanager"
)

// Count keys are drawn per data set; a loop takes them in turn (a power of two: i & Mask).
const (
	Count = 1024
	Mask  = Count - 1
)

// Key is one drawn user's identifiers, as each method asks for them.
type Key struct {
	ID   usermanager.UserID
	Mail string
	// Query is the user's opaque id in upper case: FindUsers matches it ignoring case.
	Query string
}

// Keys reads the key schedule gen-users wrote beside the data file dataPath (users-N.keys beside
// users-N.json): Count lines of tab-separated opaque id, idp, mail and query. The C++ and Rust
// harnesses ask for the same keys (gen-users' draw_keys).
func Keys(dataPath string) (*[Count]Key, error) {
	path := keysPath(dataPath)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != Count {
		return nil, fmt.Errorf("%s: %d keys, want %d (gen-users --keys writes them)", path, len(lines), Count)
	}
	var keys [Count]Key
	for i, line := range lines {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 4 (opaque id, idp, mail, query)", path, i+1, len(f))
		}
		keys[i] = Key{ID: usermanager.UserID{OpaqueID: f[0], Idp: f[1]}, Mail: f[2], Query: f[3]}
	}
	return &keys, nil
}

// Sizes parses a benchmark's -users flag: comma-separated user counts of at least 4 (4 is the
// demo data).
func Sizes(list string) ([]int, error) {
	var sizes []int
	for _, field := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 4 {
			return nil, fmt.Errorf("-users %q: %q is not a user count of at least 4", list, field)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// keysPath is where gen-users writes the key schedule of the data file dataPath.
func keysPath(dataPath string) string { return strings.TrimSuffix(dataPath, ".json") + ".keys" }

// Loaded returns, for each size of a benchmark's -users flag, its data set as load builds it:
// once per size and test binary (loaded keeps them), in the flag's order.
func Loaded[T any](b *testing.B, users string, loaded map[int]T, load func(n int) T) []T {
	b.Helper()
	sizes, err := Sizes(users)
	if err != nil {
		b.Fatal(err)
	}
	all := make([]T, len(sizes))
	for i, n := range sizes {
		if _, ok := loaded[n]; !ok {
			loaded[n] = load(n)
		}
		all[i] = loaded[n]
	}
	return all
}

// DataFileFor is DataFile for a test or benchmark, which it fails on an error.
func DataFileFor(tb testing.TB, genUsers, dir string, n int) string {
	tb.Helper()
	path, err := DataFile(genUsers, dir, n)
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// DataFile returns the file of n generated users in dir, users-N.json (4: the demo users), writing
// it and its key schedule (users-N.keys, see Keys) with the gen-users command at genUsers if they
// are missing. With dir "", the files are temporary ones of this process, which RemoveTemporary
// removes.
func DataFile(genUsers, dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("users-%d.json", n))
	if dir == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-%d-%d.json", n, os.Getpid()))
	}
	keys := keysPath(path)
	if nonEmpty(path) && nonEmpty(keys) {
		return path, nil
	}
	if out, err := exec.Command(genUsers, fmt.Sprint(n), "--output", path, "--keys", keys).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %d: %v\n%s(build it with `make build-rust`)", genUsers, n, err, out)
	}
	return path, nil
}

// RemoveTemporary removes the temporary files DataFile wrote in this process.
func RemoveTemporary() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-*-%d.*", os.Getpid())))
	for _, path := range matches {
		os.Remove(path)
	}
}

func nonEmpty(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Size() > 0
}
