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
func (g *Gateway) loadWasm(gen *generation, config string) error {
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
		Interruptible:    true,
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
		return fmt.Errorf("RP_ABI_MISMATCH: %w", err)
	} else if err != nil {
		return fmt.Errorf("RP_PLUGIN_FAILED: %w", err)
	}
	// One instance now: a plugin whose init fails is refused at load, as in process.
	ctx, cancel := context.WithTimeout(context.Background(), g.options.WasmTimeout)
	defer cancel()
	in, err := module.Get(ctx)
	if err != nil {
		_ = module.Close(ctx)
		return fmt.Errorf("RP_PLUGIN_FAILED: %w", err)
	}
	module.Put(in, nil)
	gen.wasm = module
	gen.name, gen.version = module.Info.Name, module.Info.Version+" (wasm)"
	return nil
}

// unloadWasm closes every instance (each after rp_http_close) and frees the module.
func (gen *generation) unloadWasm() {
	ctx, cancel := context.WithTimeout(context.Background(), gen.gateway.options.WasmTimeout)
	defer cancel()
	_ = gen.wasm.Close(ctx)
}

// serveWasm serves one request in an instance of gen's module, within the route's deadline: the
// request is written straight into the instance's input buffer, and the response is read from
// its memory. A plugin error answers 500; a fault (panic, trap, memory limit) 500 and the
// instance is discarded; the deadline 504, likewise.
func (gen *generation) serveWasm(w http.ResponseWriter, request goRequest) {
	ctx, cancel := context.WithTimeout(request.r.Context(), gen.gateway.options.WasmTimeout)
	defer cancel()
	in, err := gen.wasm.Get(ctx)
	if err == nil {
		err = gen.callWasm(ctx, in, w, request)
		gen.wasm.Put(in, err)
	}
	if err == nil {
		return
	}
	status := http.StatusInternalServerError
	if errors.Is(err, wasmplugin.ErrDeadline) {
		status = http.StatusGatewayTimeout
	}
	text := fmt.Sprintf("plugin %s %s failed: %v", gen.name, gen.version, err)
	gen.gateway.logger.Printf("%s: %s", gen.route, text)
	http.Error(w, text, status)
}

func (gen *generation) callWasm(ctx context.Context, in *wasmplugin.Instance, w http.ResponseWriter, request goRequest) error {
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

// encodedRequestSize is the size of request laid out by encodeRequest.
func encodedRequestSize(request goRequest) int {
	r := request.r
	headers, textBytes := 0, len(r.Method)+len(r.URL.Path)
	for name, values := range r.Header {
		headers += len(values)
		textBytes += len(values) * len(name)
		for _, value := range values {
			textBytes += len(value)
		}
	}
	return 4*(4+2*headers) + textBytes + len(request.body)
}

// encodeRequest lays request out into out (encodedRequestSize bytes) as rp_http_plugin's layout
// module says (the Wasm guest's input, the plugin server's request): header count, the lengths,
// the body's length (little-endian u32); the strings, the body.
func encodeRequest(out []byte, request goRequest) []byte {
	r := request.r
	headers := 0
	for _, values := range r.Header {
		headers += len(values)
	}
	words := 4 + 2*headers
	lengths, text := out[:4*words], out[4*words:]
	put := func(i, n int) { binary.LittleEndian.PutUint32(lengths[4*i:], uint32(n)) }
	put(0, headers)
	put(1, len(r.Method))
	put(2, len(r.URL.Path))
	text = text[copy(text, r.Method):]
	text = text[copy(text, r.URL.Path):]
	i := 3
	for name, values := range r.Header {
		for _, value := range values {
			put(i, len(name))
			put(i+1, len(value))
			i += 2
			text = text[copy(text, name):]
			text = text[copy(text, value):]
		}
	}
	put(i, len(request.body))
	copy(text, request.body)
	return out
}
