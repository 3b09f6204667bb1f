package gateway

// #include <stddef.h>
import "C"

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"sync"

	"rustplugin/go-interop/gateway/httpplugin"
)

// goRequest is a request as handlers see it: the net/http request and its whole body.
type goRequest struct {
	r    *http.Request
	body []byte
}

func (q *goRequest) GetHeader(name string) string { return q.r.Header.Get(name) }
func (q *goRequest) GetBody() []byte              { return q.body }

// bodyReader reads a request's whole body (at most MaxBodyBytes) and hands it to handle; a body
// that is too large is answered 413, one the server timed out reading 408, and a malformed one
// (a broken chunked encoding, say) 400.
func (g *Gateway) bodyReader(handle func(http.ResponseWriter, goRequest)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.options.MaxBodyBytes))
		var tooLarge *http.MaxBytesError
		var netErr net.Error
		switch {
		case err == nil:
			handle(w, goRequest{r: r, body: body})
		case errors.As(err, &tooLarge):
			http.Error(w, fmt.Sprintf("the request body is over the limit of %d bytes", tooLarge.Limit),
				http.StatusRequestEntityTooLarge)
		case errors.As(err, &netErr) && netErr.Timeout():
			http.Error(w, "the request body was not sent in time", http.StatusRequestTimeout)
		default:
			http.Error(w, fmt.Sprintf("cannot read the request body: %v", err), http.StatusBadRequest)
		}
	})
}

// limited admits at most MaxInFlight requests into serve at once; the others are answered 503 at
// once with Retry-After. In-process plugin calls hold an OS thread each, so this keeps a flood
// from exhausting the gateway's threads, and one route's flood from starving the others. A slot
// is taken only once the body is in (bodyReader runs first): a client that trickles its body
// holds a connection (bounded by the server's connection limit and read timeout), never a slot.
func (g *Gateway) limited(serve func(http.ResponseWriter, goRequest)) func(http.ResponseWriter, goRequest) {
	slots := make(chan struct{}, g.options.MaxInFlight)
	return func(w http.ResponseWriter, request goRequest) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			serve(w, request)
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, fmt.Sprintf("busy: %d requests are in this route already", cap(slots)),
				http.StatusServiceUnavailable)
		}
	}
}

// bufferedResponse collects what a handler sets, so that a failing handler can still be
// answered with a clean 500.
type bufferedResponse struct {
	status int
	header http.Header
	body   []byte
}

func newBufferedResponse() bufferedResponse {
	return bufferedResponse{status: http.StatusOK, header: http.Header{}}
}

func (b *bufferedResponse) SetHeader(name, value string) { b.header.Set(name, value) }
func (b *bufferedResponse) SetBody(body []byte)          { b.body = body }
func (b *bufferedResponse) SetStatus(code int)           { b.status = code }

func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	for name, values := range b.header {
		w.Header()[name] = values
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b.body)))
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body)
}

// validHeader reports whether net/http can send the header name: value (a token name; a value
// without CR, LF or NUL).
func validHeader(name, value string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '(' || c == ')' || c == '<' || c == '>' ||
			c == '@' || c == ',' || c == ';' || c == '\\' || c == '"' || c == '/' || c == '[' ||
			c == ']' || c == '?' || c == '=' || c == '{' || c == '}' {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// NativeEcho is the baseline handler: the echo plugin's answer, written in plain Go.
func NativeEcho(w http.ResponseWriter, request goRequest) {
	contentType := request.r.Header.Get("Content-Type")
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Plugin", "go-native")
	w.Header().Set("Content-Length", strconv.Itoa(len(request.body)))
	_, _ = w.Write(request.body)
}

// GoPlugin serves a Go plugin (the seeds' way): loaded once with plugin.Open, never unloaded.
type GoPlugin struct {
	plugin httpplugin.Plugin
}

// serve hands the request to the plugin's Handle; an error gives a 500.
func (p *GoPlugin) serve(w http.ResponseWriter, request goRequest) {
	response := newBufferedResponse()
	if err := p.plugin.Handle(request.r.Context(), &request, &response); err != nil {
		http.Error(w, "Go plugin failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	response.writeTo(w)
}

// Close closes the plugin (its code stays mapped: Go plugins cannot be unloaded).
func (p *GoPlugin) Close(context.Context) error { return p.plugin.Close() }

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
