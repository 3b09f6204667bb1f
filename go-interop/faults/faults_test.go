package faults

import (
	"errors"
	"testing"
)

// The faults that end a process are exercised by the fault matrix (gateway's TestFaultMatrix), in
// child processes; here, what returns.
func TestCauseReturnsOnlyForUnknownNames(t *testing.T) {
	if err := Cause("nap"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Cause(nap) = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Cause(panic) did not panic")
		}
	}()
	_ = Cause("panic")
}
