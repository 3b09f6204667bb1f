package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"rustplugin/go-interop/procplugin"
)

// loadProcess starts rp-plugin-server with gen's copy as an HTTP plugin initialised with config:
// MaxProcessSlots requests in the server at once, each bounded by ProcessTimeout, the server by
// ProcessMemoryBytes; a crash restarts it (procplugin).
func (g *Gateway) loadProcess(gen *generation, config string) (backend, error) {
	client, err := procplugin.Start(procplugin.Options{
		Server:           g.options.PluginServer,
		Plugin:           gen.copy,
		Kind:             procplugin.HTTP,
		Config:           config,
		Slots:            min(g.options.MaxInFlight, MaxProcessSlots),
		SlotBytes:        int(min(g.options.MaxBodyBytes+processHeaderBytes, 1<<31-1)),
		MemoryLimitBytes: g.options.ProcessMemoryBytes,
	})
	if err != nil {
		return nil, err
	}
	gen.name, gen.version = client.Name, client.Version+" (out of process)"
	return processServer{client}, nil
}

// processServer serves a plugin in its rp-plugin-server.
type processServer struct{ client *procplugin.Client }

// close stops the server.
func (s processServer) close(*generation) { s.client.Close() }

// processHeaderBytes is the room a slot keeps beside the largest body, for the request line and
// headers (net/http bounds those at 1 MiB by default).
const processHeaderBytes = 1 << 20

// responses holds the buffers a response is copied into out of the server's slot: the slot is
// free again before the response is written to a client that may be slow.
var responses = sync.Pool{New: func() any { return new([]byte) }}

// serve serves one request in gen's server: the request is laid out (as for a Wasm plugin)
// into the server's slot, and the response copied out of it. A plugin error answers 500; a
// crash of the server 502 (the server is restarted); the deadline 504; no server 503.
func (s processServer) serve(gen *generation, w http.ResponseWriter, request goRequest) {
	buffer := responses.Get().(*[]byte)
	defer responses.Put(buffer)
	size := encodedRequestSize(request)
	if cap(*buffer) < size {
		*buffer = make([]byte, size)
	}
	in := encodeRequest((*buffer)[:size], request)
	var out []byte
	err := s.client.Call(procplugin.OpHTTPServe, in, gen.gateway.options.ProcessTimeout, func(response []byte) error {
		// The request is no longer needed: its buffer takes the response.
		out = append((*buffer)[:0], response...)
		return nil
	})
	if err == nil {
		*buffer = out
		if err = writeResponse(w, out, binary.LittleEndian); err == nil {
			return
		}
		err = fmt.Errorf("an unusable response: %w", err)
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, procplugin.ErrDied):
		status = http.StatusBadGateway
	case errors.Is(err, procplugin.ErrDeadline):
		status = http.StatusGatewayTimeout
	case errors.Is(err, procplugin.ErrUnavailable):
		status = http.StatusServiceUnavailable
	}
	gen.answerFailure(w, status, "failed: %v", err)
}
