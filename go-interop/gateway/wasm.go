package gateway

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"

	"rustplugin/go-interop/wasmplugin"
)

// The exports of an "http" Wasm module, in the order of the constants below.
var wasmHTTPExports = []wasmplugin.Export{
	wasmplugin.I32("rp_http_init", 1),
	wasmplugin.I32("rp_http_handle", 1),
	wasmplugin.I32("rp_http_close", 0),
}

const (
	wasmInit = iota
	wasmHandle
	wasmClose
)

// isWasm reports whether the file at path starts as a Wasm module does.
func isWasm(path string) bool {
	file, err := os.Open(path)
	if err != nil {
		return false
	}
	defer file.Close()
	var magic [4]byte
	_, err = file.Read(magic[:])
	return err == nil && bytes.Equal(magic[:], []byte("\x00asm"))
}

// loadWasm compiles gen's copy as an "http" Wasm module, within WasmCompileTimeout (checked in a
// child process first, stopped at that deadline: wasmplugin's compilecheck.go): its instances (up
// to MaxInFlight, made as requests need them) are each initialised with config, and each request
// runs with the route's deadline and memory limit.
func (g *Gateway) loadWasm(gen *generation, config string) (backend, error) {
	init := func(ctx context.Context, in *wasmplugin.Instance) error {
		input, err := in.Input(ctx, len(config))
		if err != nil {
			return err
		}
		copy(input, config)
		_, err = in.Call(ctx, wasmInit, uint64(len(config)))
		return err
	}
	// The compilation has its deadline (WasmCompileTimeout), the first instance the route's.
	module, err := wasmplugin.Load(context.Background(), gen.copy, "http", wasmHTTPExports, wasmplugin.Options{
		MaxModuleBytes:   g.options.MaxPluginBytes,
		MemoryLimitBytes: g.options.WasmMemoryBytes,
		MaxInstances:     g.options.MaxInFlight,
		CallTimeout:      g.options.WasmTimeout, // a request's lease: its wait and its calls
		InitTimeout:      g.options.WasmTimeout,
		ReserveMemory:    true,
		IdleTimeout:      g.options.WasmIdleTimeout,
		CompileTimeout:   g.options.WasmCompileTimeout,
		Init:             init,
		Finish: func(ctx context.Context, in *wasmplugin.Instance) {
			if _, err := in.Call(ctx, wasmClose); err != nil {
				g.logger.Printf("%s: generation %d: close: %v", gen.route, gen.id, err)
			}
		},
	})
	if errors.Is(err, wasmplugin.ErrRefused) {
		return nil, fmt.Errorf("RP_ABI_MISMATCH: %w", err)
	} else if err != nil {
		return nil, fmt.Errorf("RP_PLUGIN_FAILED: %w", err)
	}
	// One instance now: a plugin whose init fails is refused at load, as in process.
	ctx, cancel := context.WithTimeout(context.Background(), g.options.WasmTimeout)
	defer cancel()
	in, err := module.Get(ctx)
	if err != nil {
		_ = module.Close(ctx)
		return nil, fmt.Errorf("RP_PLUGIN_FAILED: %w", err)
	}
	module.Put(in, nil)
	gen.name, gen.version = module.Info.Name, module.Info.Version+" (wasm)"
	return wasmServer{module}, nil
}

// wasmServer serves a plugin's instances of one compiled module.
type wasmServer struct{ module *wasmplugin.Module }

// close closes every instance (each after rp_http_close) and frees the module.
func (s wasmServer) close(gen *generation) {
	ctx, cancel := context.WithTimeout(context.Background(), gen.gateway.options.WasmTimeout)
	defer cancel()
	_ = s.module.Close(ctx)
}

// serve serves one request in an instance of gen's module, within the route's deadline (the
// module's lease of WasmTimeout, from Get to Put: no timer per request) and while its client
// waits (the request's context): the request is written straight into the instance's input
// buffer, and the response is read from its memory. A plugin error answers 500; a fault (panic,
// trap, memory limit) 500 and the instance is discarded; the deadline 504, likewise.
func (s wasmServer) serve(gen *generation, w http.ResponseWriter, request goRequest) {
	ctx := request.r.Context()
	in, err := s.module.Get(ctx)
	if err == nil {
		err = callWasm(ctx, in, w, request)
		s.module.Put(in, err)
	}
	if err == nil {
		return
	}
	status := http.StatusInternalServerError
	if errors.Is(err, wasmplugin.ErrDeadline) {
		status = http.StatusGatewayTimeout
	}
	gen.answerFailure(w, status, "failed: %v", err)
}

// callWasm lays the request out in the instance's input and writes its response.
func callWasm(ctx context.Context, in *wasmplugin.Instance, w http.ResponseWriter, request goRequest) error {
	input, err := in.Input(ctx, encodedRequestSize(request))
	if err != nil {
		return err
	}
	encodeRequest(input, request)
	if _, err := in.Call(ctx, wasmHandle, uint64(len(input))); err != nil {
		return err
	}
	if err := writeResponse(w, in.Result(), binary.LittleEndian); err != nil {
		return fmt.Errorf("an unusable response: %w", err)
	}
	return nil
}
