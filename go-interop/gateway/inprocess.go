package gateway

// Serving a plugin in process: loaded with the C loader (c-host/loader, through host.c), each
// request one cgo call into ABI 1.1's serve, or ABI 1.0's handle and its callbacks (callbacks.go).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -I${SRCDIR}/../../c-host/loader
// The C host's loader library; `make loader` (or `make c-host`) builds it.
#cgo LDFLAGS: ${SRCDIR}/../../c-host/build/librp_loader.a
#cgo LDFLAGS: -ldl
// gw_serve_ints neither keeps Go pointers nor calls back into Go: its out-params stay on the stack.
#cgo noescape gw_serve_ints
#cgo nocallback gw_serve_ints
#include <stdlib.h>
#include "rp_loader.h"

rp_status gw_load(const char *path, const char *config, rp_http_plugin_handle *plugin,
                  char *error, size_t capacity);
rp_status gw_handle(const rp_http_plugin_handle *plugin, uintptr_t call, char **error);
rp_status gw_serve(const rp_http_plugin_handle *plugin, const char *text, const size_t *lengths,
                   size_t header_count, const char *body, size_t body_len, char *out,
                   size_t capacity, size_t *size, char **spill, char **error);

// gw_serve with the handle and the out-params of pointer type as integers: cgo checks every
// argument of pointer type on every call (three a request here), an integer not.
static inline rp_status gw_serve_ints(uintptr_t plugin, const char *text, const size_t *lengths,
                                      size_t header_count, const char *body, size_t body_len,
                                      char *out, size_t capacity, size_t *size, uintptr_t *spill,
                                      uintptr_t *error) {
	return gw_serve((const rp_http_plugin_handle *)plugin, text, lengths, header_count, body, body_len,
	                out, capacity, size, (char **)spill, (char **)error);
}

// gw_chars is C memory whose address crossed as an integer, as a pointer again.
static inline char *gw_chars(uintptr_t address) { return (char *)address; }
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"runtime"
	"unsafe"
)

// ABIVersion is the HTTP plugin ABI this gateway is built against (rp_http_plugin.h): it serves
// plugins of the same major version, 1.0 ones included.
var ABIVersion = fmt.Sprintf("%d.%d", C.RP_HTTP_ABI_VERSION_MAJOR, C.RP_HTTP_ABI_VERSION_MINOR)

// descriptorSize is sizeof(rp_http_plugin_descriptor) in that header.
const descriptorSize = C.sizeof_rp_http_plugin_descriptor

// errorCapacity is the size of the buffers the C side writes messages into.
const errorCapacity = 1024

// inProcess serves a plugin loaded into the gateway's own process.
type inProcess struct {
	plugin *C.rp_http_plugin_handle // C memory
	// serves: the plugin has ABI 1.1's serve (one call per request); else handle and callbacks.
	serves bool
}

// loadInProcess loads gen's copy with the C loader (which checks it before dlopen) and
// initialises an instance.
func loadInProcess(gen *generation, config string) (backend, error) {
	cPath := C.CString(gen.copy)
	defer C.free(unsafe.Pointer(cPath))
	cConfig := C.CString(config)
	defer C.free(unsafe.Pointer(cConfig))
	message := (*C.char)(C.malloc(errorCapacity))
	defer C.free(unsafe.Pointer(message))
	plugin := (*C.rp_http_plugin_handle)(C.calloc(1, C.sizeof_rp_http_plugin_handle))
	if status := C.gw_load(cPath, cConfig, plugin, message, errorCapacity); status != C.RP_OK {
		C.free(unsafe.Pointer(plugin))
		return nil, fmt.Errorf("%s: %s", C.GoString(C.rp_status_str(status)), C.GoString(message))
	}
	gen.name = C.GoString(plugin.api.plugin_name)
	gen.version = C.GoString(plugin.api.plugin_version)
	return &inProcess{plugin: plugin, serves: C.rp_http_plugin_serves(plugin.api) != 0}, nil
}

// serve hands the request to the plugin: ABI 1.1's serve, or 1.0's handle and its callbacks.
func (s *inProcess) serve(gen *generation, w http.ResponseWriter, request goRequest) {
	if s.serves {
		s.serveWhole(gen, w, request)
		return
	}
	c := &call{request: request, response: newBufferedResponse()}
	id := register(c)
	var message *C.char
	status := C.gw_handle(s.plugin, C.uintptr_t(id), &message)
	unregister(id)
	if status != C.RP_OK {
		fail(gen, w, status, message)
		return
	}
	c.response.writeTo(w)
}

// close runs the plugin's close and destroy, dlcloses it and frees the handle.
func (s *inProcess) close(gen *generation) {
	message := (*C.char)(C.malloc(errorCapacity))
	defer C.free(unsafe.Pointer(message))
	if status := C.rp_http_plugin_unload(s.plugin, message, errorCapacity); status != C.RP_OK {
		gen.gateway.logger.Printf("%s: generation %d: %s", gen.route, gen.id, C.GoString(message))
	}
	C.free(unsafe.Pointer(s.plugin))
	s.plugin = nil
}

// fail answers 500 with the plugin's status and message (C memory, freed here).
func fail(gen *generation, w http.ResponseWriter, status C.rp_status, message *C.char) {
	defer C.free(unsafe.Pointer(message))
	gen.answerFailure(w, http.StatusInternalServerError, "failed: %s: %s",
		C.GoString(C.rp_status_str(status)), C.GoString(message))
}

// serveWhole serves one request through ABI 1.1's serve: the request goes to C in one pooled,
// pointer-free buffer and the response comes back in another, in one cgo call.
func (s *inProcess) serveWhole(gen *generation, w http.ResponseWriter, request goRequest) {
	x := exchanges.Get().(*exchange)
	defer exchanges.Put(x)
	headerCount := x.encode(request.r)
	var body *C.char
	if len(request.body) > 0 {
		body = (*C.char)(unsafe.Pointer(&request.body[0]))
	}
	var size C.size_t
	var spill, message C.uintptr_t
	status := C.gw_serve_ints(C.uintptr_t(uintptr(unsafe.Pointer(s.plugin))), (*C.char)(unsafe.Pointer(unsafe.SliceData(x.text))), &x.lengths[0],
		C.size_t(headerCount), body, C.size_t(len(request.body)),
		(*C.char)(unsafe.Pointer(&x.out[0])), C.size_t(len(x.out)), &size, &spill, &message)
	runtime.KeepAlive(request.body)
	if status != C.RP_OK {
		fail(gen, w, status, C.gw_chars(message))
		return
	}
	var out []byte
	if spill != 0 {
		spilled := C.gw_chars(spill)
		defer C.free(unsafe.Pointer(spilled))
		out = unsafe.Slice((*byte)(unsafe.Pointer(spilled)), int(size))
	} else {
		out = x.out[:size]
	}
	if err := writeResponse(w, out, binary.NativeEndian); err != nil {
		gen.answerFailure(w, http.StatusInternalServerError, "returned an unusable response: %v", err)
	}
}
