package gateway

// The host callbacks ABI 1.0 plugins call during handle (through the C trampolines of host.c).
// The request and response "pointers" are the call's id in the calls registry: a plugin that
// passes anything else gets RP_INVALID_ARGUMENT, never a crash. Views returned to the plugin point
// into Go memory pinned until handle returns; what the plugin sets is copied.

/*
#include "rp_http_plugin.h"
*/
import "C"

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// call is one request being served by a Rust plugin.
type call struct {
	request  goRequest
	pinner   runtime.Pinner
	response bufferedResponse
}

var (
	calls      sync.Map // uintptr id -> *call
	lastCallID atomic.Uintptr
)

// register makes c reachable from the callbacks; the id is what the plugin sees as its request
// and response pointers. The caller must unregister it when handle returns.
func register(c *call) uintptr {
	id := lastCallID.Add(1)
	calls.Store(id, c)
	return id
}

func unregister(id uintptr) {
	if c, ok := calls.LoadAndDelete(id); ok {
		c.(*call).pinner.Unpin()
	}
}

// callbacks counts the callbacks 1.0 plugins made (read by the tests: 1.1 plugins make none).
var callbacks atomic.Int64

// lookup finds the call whose id a plugin passed as its request or response pointer.
func lookup(pointer unsafe.Pointer) *call {
	callbacks.Add(1)
	c, ok := calls.Load(uintptr(pointer))
	if !ok {
		return nil
	}
	return c.(*call)
}

// export points out at s (pinned until handle returns).
func (c *call) export(s string, out *C.rp_str) C.rp_status {
	if out == nil {
		return C.RP_INVALID_ARGUMENT
	}
	if len(s) == 0 {
		*out = C.rp_str{}
		return C.RP_OK
	}
	data := unsafe.StringData(s)
	c.pinner.Pin(data)
	*out = C.rp_str{ptr: (*C.char)(unsafe.Pointer(data)), len: C.size_t(len(s))}
	return C.RP_OK
}

// goString views a plugin's rp_str as a string for the duration of the callback (no copy).
func goString(s C.rp_str) (string, bool) {
	if s.len > math.MaxInt32 || (s.ptr == nil && s.len != 0) {
		return "", false
	}
	return unsafe.String((*byte)(unsafe.Pointer(s.ptr)), int(s.len)), true
}

//export gwGetMethod
func gwGetMethod(request *C.rp_http_request, method *C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(request))
	if c == nil {
		return C.RP_INVALID_ARGUMENT
	}
	return c.export(c.request.r.Method, method)
}

//export gwGetPath
func gwGetPath(request *C.rp_http_request, path *C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(request))
	if c == nil {
		return C.RP_INVALID_ARGUMENT
	}
	return c.export(c.request.r.URL.Path, path)
}

//export gwGetHeader
func gwGetHeader(request *C.rp_http_request, name C.rp_str, value *C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(request))
	key, ok := goString(name)
	if c == nil || !ok {
		return C.RP_INVALID_ARGUMENT
	}
	values := c.request.r.Header.Values(key)
	if len(values) == 0 {
		return C.RP_NOT_FOUND
	}
	return c.export(values[0], value)
}

//export gwGetBody
func gwGetBody(request *C.rp_http_request, body *C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(request))
	if c == nil {
		return C.RP_INVALID_ARGUMENT
	}
	return c.export(unsafe.String(unsafe.SliceData(c.request.body), len(c.request.body)), body)
}

//export gwSetStatus
func gwSetStatus(response *C.rp_http_response, code C.int32_t) C.rp_status {
	c := lookup(unsafe.Pointer(response))
	if c == nil || code < 100 || code > 999 {
		return C.RP_INVALID_ARGUMENT
	}
	c.response.SetStatus(int(code))
	return C.RP_OK
}

//export gwSetHeader
func gwSetHeader(response *C.rp_http_response, name C.rp_str, value C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(response))
	key, ok1 := goString(name)
	text, ok2 := goString(value)
	if c == nil || !ok1 || !ok2 || !validHeader(key, text) {
		return C.RP_INVALID_ARGUMENT
	}
	// Both copied: the plugin's strings may live in its .so, unmapped once it is unloaded.
	c.response.SetHeader(strings.Clone(key), strings.Clone(text))
	return C.RP_OK
}

//export gwSetBody
func gwSetBody(response *C.rp_http_response, body C.rp_str) C.rp_status {
	c := lookup(unsafe.Pointer(response))
	data, ok := goString(body)
	if c == nil || !ok {
		return C.RP_INVALID_ARGUMENT
	}
	c.response.SetBody([]byte(data)) // a copy
	return C.RP_OK
}
