package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"rustplugin/go-interop/gateway/httpplugin"
)

// MaxBodyBytes bounds a request body: a larger one is answered 413.
const MaxBodyBytes = 16 << 20

// goRequest is a request as handlers see it: the net/http request and its whole body.
type goRequest struct {
	r    *http.Request
	body []byte
}

func (q *goRequest) GetHeader(name string) string { return q.r.Header.Get(name) }
func (q *goRequest) GetBody() []byte              { return q.body }

// readRequest reads the body of r, or answers the client and returns false.
func readRequest(w http.ResponseWriter, r *http.Request) (goRequest, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		http.Error(w, fmt.Sprintf("cannot read the request body: %v", err), http.StatusRequestEntityTooLarge)
		return goRequest{}, false
	}
	return goRequest{r: r, body: body}, true
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
func NativeEcho(w http.ResponseWriter, r *http.Request) {
	request, ok := readRequest(w, r)
	if !ok {
		return
	}
	contentType := r.Header.Get("Content-Type")
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

// ServeHTTP hands the request to the plugin's Handle; an error gives a 500.
func (p *GoPlugin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	request, ok := readRequest(w, r)
	if !ok {
		return
	}
	response := newBufferedResponse()
	if err := p.plugin.Handle(r.Context(), &request, &response); err != nil {
		http.Error(w, "Go plugin failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	response.writeTo(w)
}

// Close closes the plugin (its code stays mapped: Go plugins cannot be unloaded).
func (p *GoPlugin) Close(context.Context) error { return p.plugin.Close() }
