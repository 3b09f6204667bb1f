// Package procplugin runs one of the project's C-ABI plugins out of process: it starts
// rp-plugin-server through librp_process (include/rp_process.h, the same client C and Rust hosts
// use), which supervises it and carries calls to it over shared memory.
//
// A fault of the plugin (segfault, abort, stack overflow, out of memory under MemoryLimitBytes)
// kills the server, never this process: the calls in it fail with ErrDied, the server is
// restarted (at once, then with a backoff while crashes follow each other), and calls made
// meanwhile wait for it within their deadline (ErrUnavailable past it). A call past its deadline
// fails with ErrDeadline; a server that has not answered it HangGrace later is killed and
// restarted.
//
// Calls block an OS thread (a cgo call) while they wait: the server answers in microseconds, and
// the slots bound how many wait at once inside the server.
package procplugin

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -lrp_process -Wl,-rpath,${SRCDIR}/../../target/release
#include <stdlib.h>
#include <string.h>
#include "rp_process.h"

// pp_start starts a client and, on failure, copies the thread's message in the same C call (Go
// may move the goroutine to another thread between two calls).
static rp_status pp_start(const rp_process_options *options, rp_process_client **out, char *error,
                          size_t capacity) {
  rp_status status = rp_process_start(options, out);
  if (status != RP_OK) {
    strncpy(error, rp_process_last_error_message(), capacity - 1);
    error[capacity - 1] = 0;
  }
  return status;
}

// The calls neither keep Go pointers nor call back into Go: cgo may leave their arguments on the
// goroutine's stack.
#cgo noescape rp_process_call
#cgo nocallback rp_process_call
#cgo noescape rp_process_reply_release
#cgo nocallback rp_process_reply_release
#cgo noescape rp_process_call_copy
#cgo nocallback rp_process_call_copy
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"rustplugin/go-interop/status"
)

// Kind is what the server loads.
type Kind uint32

const (
	// UserManager: a user manager plugin (rustplugin.h); Options.Config names its users file
	// ("" for the demo users).
	UserManager Kind = C.RP_PROCESS_KIND_USER_MANAGER
	// HTTP: an HTTP plugin of ABI 1.1 (rp_http_plugin.h); Options.Config is what its init gets.
	HTTP Kind = C.RP_PROCESS_KIND_HTTP
)

// The operations (rp_process.h documents each request and response).
const (
	OpAdd            = C.RP_PROCESS_OP_ADD
	OpUserCount      = C.RP_PROCESS_OP_USER_COUNT
	OpGetUser        = C.RP_PROCESS_OP_GET_USER
	OpGetUserByClaim = C.RP_PROCESS_OP_GET_USER_BY_CLAIM
	OpFindUsers      = C.RP_PROCESS_OP_FIND_USERS
	// The user manager's answers by index alone (protocol 1.3): GetUser and GetUserByClaim answer
	// the user's index, OpUser its record.
	OpUser                = C.RP_PROCESS_OP_USER
	OpGetUserIndex        = C.RP_PROCESS_OP_GET_USER_INDEX
	OpGetUserByClaimIndex = C.RP_PROCESS_OP_GET_USER_BY_CLAIM_INDEX
	OpHTTPServe           = C.RP_PROCESS_OP_HTTP_SERVE
)

// Options say how to start and supervise a server; zero fields take rp_process.h's defaults.
type Options struct {
	// Server is the rp-plugin-server executable (DefaultServer() when empty).
	Server string
	// Plugin is the plugin's shared library.
	Plugin string
	Kind   Kind
	Config string
	// Slots bounds the calls in the server at once (4); more wait for a slot.
	Slots int
	// SlotBytes bounds a request and a response (1 MiB).
	SlotBytes int
	// MemoryLimitBytes bounds the address space the server may add beyond its binary and shared
	// memory at start: the plugin's code, heap and stacks (no limit).
	MemoryLimitBytes uint64
	// StartTimeout bounds the start of a server (5 s); HangGrace is the time a server gets past
	// a call's deadline to answer it before it is killed (1 s).
	StartTimeout, HangGrace time.Duration
}

// DefaultServer is target/release/rp-plugin-server of this repository's build tree.
func DefaultServer() string {
	_, file, _, _ := runtime.Caller(0)
	return file[:len(file)-len("go-interop/procplugin/procplugin.go")] + "target/release/rp-plugin-server"
}

// Errors a call can be compared with using errors.Is.
var (
	// ErrDied: the server died with the call in it; what the call did is unknown.
	ErrDied = errors.New("the plugin server died")
	// ErrDeadline: the call did not finish before its deadline.
	ErrDeadline = errors.New("deadline exceeded")
	// ErrUnavailable: no server took the call before its deadline (a restart in progress, or a
	// server that cannot start).
	ErrUnavailable = errors.New("no plugin server available")
	// ErrClosed: the client is closed.
	ErrClosed = errors.New("the plugin server client is closed")
)

// CallError is a call that returned a status other than RP_OK: the plugin's (with its
// message) or the client's (ErrDied, ErrDeadline, ErrUnavailable).
type CallError struct {
	Status  int
	Message string
}

func (e *CallError) Error() string { return e.Message }

// Is matches ErrDied, ErrDeadline and ErrUnavailable.
func (e *CallError) Is(target error) bool {
	switch e.Status {
	case status.ProcessDied:
		return target == ErrDied
	case status.Deadline:
		return target == ErrDeadline
	case status.Unavailable:
		return target == ErrUnavailable
	}
	return false
}

// Client is a supervised plugin server. Its methods may be called from any goroutine.
type Client struct {
	// mu: calls hold it for reading, Close for writing, so that the C client is never freed
	// under a call.
	mu     sync.RWMutex
	client *C.rp_process_client
	// Name and Version of the loaded plugin.
	Name, Version string
}

const errorCapacity = 1024

// Start starts the server of options and waits until it has loaded its plugin.
func Start(options Options) (*Client, error) {
	if options.Server == "" {
		options.Server = DefaultServer()
	}
	server, plugin, config := C.CString(options.Server), C.CString(options.Plugin), C.CString(options.Config)
	defer C.free(unsafe.Pointer(server))
	defer C.free(unsafe.Pointer(plugin))
	defer C.free(unsafe.Pointer(config))
	c := (*C.rp_process_options)(C.calloc(1, C.sizeof_rp_process_options))
	defer C.free(unsafe.Pointer(c))
	c.struct_size = C.sizeof_rp_process_options
	c.server_path = C.rp_str{ptr: server, len: C.size_t(len(options.Server))}
	c.plugin_path = C.rp_str{ptr: plugin, len: C.size_t(len(options.Plugin))}
	c.config = C.rp_str{ptr: config, len: C.size_t(len(options.Config))}
	c.kind = C.uint32_t(options.Kind)
	c.slots = C.uint32_t(options.Slots)
	c.slot_bytes = C.uint32_t(options.SlotBytes)
	c.memory_limit_bytes = C.uint64_t(options.MemoryLimitBytes)
	c.start_timeout_ms = C.uint64_t(options.StartTimeout.Milliseconds())
	c.hang_grace_ms = C.uint64_t(options.HangGrace.Milliseconds())
	message := (*C.char)(C.malloc(errorCapacity))
	defer C.free(unsafe.Pointer(message))
	var client *C.rp_process_client
	if code := C.pp_start(c, &client, message, errorCapacity); code != C.RP_OK {
		return nil, &CallError{Status: int(code), Message: C.GoString(message)}
	}
	var name, version C.rp_str
	C.rp_process_plugin(client, &name, &version)
	return &Client{
		client:  client,
		Name:    C.GoStringN(name.ptr, C.int(name.len)),
		Version: C.GoStringN(version.ptr, C.int(version.len)),
	}, nil
}

// Call sends request to op and waits at most timeout. On RP_OK it hands the response to read,
// which must not keep it (it lives in the server's slot until Call returns) and returns read's
// error; otherwise a *CallError.
func (c *Client) Call(op uint32, request []byte, timeout time.Duration, read func(response []byte) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.client == nil {
		return ErrClosed
	}
	var reply C.rp_process_reply
	var data *C.uint8_t
	if len(request) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&request[0]))
	}
	code := C.rp_process_call(c.client, C.uint32_t(op), data, C.size_t(len(request)), C.uint64_t(max(timeout, 0)), &reply)
	response := unsafe.Slice((*byte)(unsafe.Pointer(reply.data)), int(reply.len))
	var err error
	if code == C.RP_OK {
		err = read(response)
	} else {
		err = &CallError{Status: int(code), Message: string(response)}
	}
	C.rp_process_reply_release(&reply)
	return err
}

// CallCopy is Call for an answer of a known small size (a user's index): the response, or the
// message cut to len(buffer), is copied into buffer, and its length returned; one cgo call where
// Call makes two. A response larger than buffer is an error (*CallError, RP_BUFFER_TOO_SMALL):
// the call ran, and its answer is lost.
func (c *Client) CallCopy(op uint32, request []byte, timeout time.Duration, buffer []byte) (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.client == nil {
		return 0, ErrClosed
	}
	var data, out *C.uint8_t
	if len(request) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&request[0]))
	}
	if len(buffer) > 0 {
		out = (*C.uint8_t)(unsafe.Pointer(&buffer[0]))
	}
	var n C.size_t
	code := C.rp_process_call_copy(c.client, C.uint32_t(op), data, C.size_t(len(request)), C.uint64_t(max(timeout, 0)),
		out, C.size_t(len(buffer)), &n)
	switch {
	case code == C.RP_OK:
		return int(n), nil
	case code == C.RP_BUFFER_TOO_SMALL:
		return 0, &CallError{Status: int(code), Message: fmt.Sprintf("an answer of %d bytes, over the %d expected", n, len(buffer))}
	default:
		return 0, &CallError{Status: int(code), Message: string(buffer[:min(int(n), len(buffer))])}
	}
}

// Restarts counts the servers started after a crash or a kill.
func (c *Client) Restarts() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return uint64(C.rp_process_restarts(c.client))
}

// PID is the running server's process id (0 while it restarts).
func (c *Client) PID() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return int(C.rp_process_pid(c.client))
}

// Close waits for the calls in flight, then stops the server (its plugin closes; it is killed
// after 2 s). Later calls return ErrClosed. Closing twice is a no-op.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	C.rp_process_free(c.client)
	c.client = nil
}

// String names the plugin and the server.
func (c *Client) String() string {
	return fmt.Sprintf("%s %s (out of process, pid %d)", c.Name, c.Version, c.PID())
}
