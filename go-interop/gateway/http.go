package gateway

// #include <stddef.h>
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

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
