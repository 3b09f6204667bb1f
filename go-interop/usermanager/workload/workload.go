// Package workload is the key schedule of the Go user manager benchmarks: the users each
// benchmark asks for, in order, the same for every path and in every module (the reva rows' too),
// so that rows of one data set can be set beside each other.
package workload

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

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

// Draw returns the keys of a data set of users (every user, in file order): Count users drawn at
// random with a seed fixed by the number of users, so that every run asks for the same users.
func Draw(users []*usermanager.User) *[Count]Key {
	var keys [Count]Key
	random := rand.New(rand.NewPCG(uint64(len(users)), 1))
	for i := range keys {
		u := users[random.IntN(len(users))]
		keys[i] = Key{ID: u.ID, Mail: u.Mail, Query: strings.ToUpper(u.ID.OpaqueID)}
	}
	return &keys
}

// DataFile returns the file of n generated users in dir, users-N.json, writing it with the
// gen-users command at genUsers if it is missing. With dir "", the file is a temporary one of this
// process, which RemoveTemporary removes.
func DataFile(genUsers, dir string, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("users-%d.json", n))
	if dir == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-%d-%d.json", n, os.Getpid()))
	}
	if info, err := os.Stat(path); err == nil && info.Size() > 0 {
		return path, nil
	}
	if out, err := exec.Command(genUsers, fmt.Sprint(n), "--output", path).CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %d: %v\n%s(build it with `make build-rust`)", genUsers, n, err, out)
	}
	return path, nil
}

// RemoveTemporary removes the temporary files DataFile wrote in this process.
func RemoveTemporary() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("go-interop-users-*-%d.json", os.Getpid())))
	for _, path := range matches {
		os.Remove(path)
	}
}
