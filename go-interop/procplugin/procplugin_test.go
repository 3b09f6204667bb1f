package procplugin

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"rustplugin/go-interop/status"
)

// TestCallCopy: the one-call form copies the answer into the caller's buffer and frees the slot;
// an answer over the buffer is an error that says so, a message is cut to fit.
func TestCallCopy(t *testing.T) {
	client, err := Start(Options{
		Plugin: filepath.Join(filepath.Dir(DefaultServer()), "librustplugin.so"),
		Kind:   UserManager,
		Slots:  2,
	})
	if err != nil {
		t.Fatalf("%v (run `make build-rust` first)", err)
	}
	defer client.Close()
	request := func(a, b string) []byte {
		out := binary.LittleEndian.AppendUint32(nil, uint32(len(a)))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(b)))
		return append(append(out, a...), b...)
	}
	buffer := make([]byte, 8)
	n, err := client.CallCopy(OpGetUserIndex, request("richard", ""), time.Second, buffer)
	if err != nil || n != 4 || binary.LittleEndian.Uint32(buffer) != 2 {
		t.Fatalf("richard: %d bytes %v, %v", n, buffer[:n], err)
	}
	var callError *CallError
	_, err = client.CallCopy(OpGetUser, request("richard", ""), time.Second, buffer)
	if !errors.As(err, &callError) || callError.Status != status.BufferTooSmall {
		t.Fatalf("a record into 8 bytes: %v", err)
	}
	_, err = client.CallCopy(OpGetUserIndex, request("nobody", ""), time.Second, buffer[:4])
	if !errors.As(err, &callError) || callError.Message != "not " {
		t.Fatalf("a message into 4 bytes: %#v", err)
	}
	for range 16 { // more calls than slots: each freed its slot
		if _, err := client.CallCopy(OpUserCount, nil, time.Second, buffer); err != nil {
			t.Fatal(err)
		}
	}
}
