package gateway

// The byte layouts of an HTTP request and response between the gateway and a plugin, each written
// once: the request for ABI 1.1's serve (exchange: strings and their lengths as size_t, for C), the
// request for a Wasm guest or a plugin server (encodeRequest: little-endian u32 lengths, the
// layout of rust-plugin/rp-http-plugin/src/layout.rs), and the response all three answer with
// (writeResponse: 64-bit words, native order from C, little-endian from Wasm and the server).

// #include <stddef.h>
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"sync"
)

// exchange is the pooled memory of one ABI 1.1 call: the request encoded for gw_serve, and the
// buffer the response comes back in (larger responses come back in C memory).
type exchange struct {
	text    []byte
	lengths []C.size_t
	out     []byte
}

// exchangeOut is the response buffer of an exchange: most responses fit.
const exchangeOut = 16 << 10

var exchanges = sync.Pool{New: func() any { return &exchange{out: make([]byte, exchangeOut)} }}

// encode lays r's method, path and headers out for gw_serve and returns the number of headers
// (one per value).
func (x *exchange) encode(r *http.Request) int {
	x.text = append(append(x.text[:0], r.Method...), r.URL.Path...)
	x.lengths = append(x.lengths[:0], C.size_t(len(r.Method)), C.size_t(len(r.URL.Path)))
	count := 0
	for name, values := range r.Header {
		for _, value := range values {
			x.text = append(append(x.text, name...), value...)
			x.lengths = append(x.lengths, C.size_t(len(name)), C.size_t(len(value)))
			count++
		}
	}
	return count
}

// errBadResponse: what a 1.1 plugin returned cannot be sent.
var errBadResponse = errors.New("invalid response")

// writeResponse sends a response laid out by gw_serve or a Wasm plugin (64-bit words in order:
// status, header count, body length, the header lengths; then the header bytes and the body),
// after checking all of it: nothing is sent when a part is invalid, so the caller can still
// answer 500.
func writeResponse(w http.ResponseWriter, out []byte, order binary.ByteOrder) error {
	word := func(i int) uint64 { return order.Uint64(out[8*i:]) }
	if len(out) < 24 {
		return fmt.Errorf("%w: %d bytes", errBadResponse, len(out))
	}
	status, count, bodyLen := int64(word(0)), word(1), word(2)
	if status < 100 || status > 999 {
		return fmt.Errorf("%w: status %d", errBadResponse, status)
	}
	if count > uint64(len(out))/16 {
		return fmt.Errorf("%w: %d headers", errBadResponse, count)
	}
	// One string holds every header name and value; each is a substring of it (one allocation).
	// Each length is checked against the response's own size before it is added: lengths from
	// the plugin that wrap around when summed would otherwise pass the total's check.
	start := 24 + 16*int(count)
	headerBytes := uint64(0)
	for i := range int(count) {
		name, value := word(3+2*i), word(4+2*i)
		if name > uint64(len(out)) || value > uint64(len(out)) {
			return fmt.Errorf("%w: a header of %d + %d bytes in a response of %d", errBadResponse, name, value, len(out))
		}
		headerBytes += name + value
	}
	if bodyLen > uint64(len(out)) || uint64(start)+headerBytes+bodyLen != uint64(len(out)) {
		return fmt.Errorf("%w: its lengths do not add up", errBadResponse)
	}
	text := string(out[start : start+int(headerBytes)])
	// each calls visit with every header, stopping at the first error.
	each := func(visit func(name, value string) error) error {
		at := 0
		for i := range int(count) {
			nameLen, valueLen := int(word(3+2*i)), int(word(4+2*i))
			if err := visit(text[at:at+nameLen], text[at+nameLen:at+nameLen+valueLen]); err != nil {
				return err
			}
			at += nameLen + valueLen
		}
		return nil
	}
	if err := each(func(name, value string) error {
		if !validHeader(name, value) {
			return fmt.Errorf("%w: header %q: %q", errBadResponse, name, value)
		}
		return nil
	}); err != nil {
		return err
	}
	// One backing array for every header's value list: one allocation, not one per header.
	values := make([]string, count)
	header := w.Header()
	i := 0
	_ = each(func(name, value string) error {
		key := textproto.CanonicalMIMEHeaderKey(name)
		values[i] = value
		if existing := header[key]; existing != nil {
			header[key] = append(existing, value) // a repeated name: one header per value
		} else {
			header[key] = values[i : i+1 : i+1]
		}
		i++
		return nil
	})
	body := out[start+int(headerBytes):]
	header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(int(status))
	_, _ = w.Write(body)
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
