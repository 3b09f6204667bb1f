package gateway

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/textproto"
	"strconv"
)

// RefuseAmbiguousFraming wraps a listener of the plugin routes: a request head that carries both
// Content-Length and Transfer-Encoding (a request smuggling attempt: RFC 9112 6.1) is answered
// 400 and its connection closed before net/http reads it. net/http alone would serve it by its
// Transfer-Encoding and drop the Content-Length before any handler could see it
// (golang/go#80942).
//
// Each connection's request heads are read here first, up to their blank line, parsed with
// net/textproto (the parser net/http uses), then handed on unchanged. To find the next head, the
// only framing followed is a single, well-formed Content-Length (what net/http does for such a
// request); at anything else (a Transfer-Encoding request, a head net/http will refuse anyway,
// one over maxHeaderBytes) the connection's bytes pass through unchecked from there on: what it
// carries next is net/http's alone to judge, as without this wrapper, and a Transfer-Encoding
// request closes its connection after its answer (Gateway.ServeHTTP).
func RefuseAmbiguousFraming(l net.Listener, maxHeaderBytes int) net.Listener {
	return &framingListener{Listener: l, max: maxHeaderBytes}
}

type framingListener struct {
	net.Listener
	max int
}

func (l *framingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: conn, max: l.max}, nil
}

// refusedHead stands in for a refused request: a head net/http itself answers 400 (a malformed
// header line) and closes; net/http writes the answer, so that it never interleaves with the
// answer to the request before it.
const refusedHead = "GET / HTTP/1.1\r\nHost: refused\r\n" +
	"Content-Length with Transfer-Encoding (RFC 9112 6.1: request smuggling)\r\n\r\n"

// framingConn is a connection whose request heads are checked before net/http reads them.
type framingConn struct {
	net.Conn
	max     int
	pending []byte // read from the connection, not yet checked (the start of a head)
	ready   []byte // checked: net/http may read it
	body    uint64 // bytes of the current body still to pass
	through bool   // no more checks on this connection
	refused bool   // after ready: the end of the connection
	buffer  [4096]byte
}

func (c *framingConn) Read(p []byte) (int, error) {
	for {
		switch {
		case len(c.ready) > 0:
			n := copy(p, c.ready)
			c.ready = c.ready[n:]
			return n, nil
		case c.refused:
			return 0, io.EOF
		case c.through:
			return c.Conn.Read(p)
		case c.body > 0:
			n, err := c.Conn.Read(p[:min(uint64(len(p)), c.body)])
			c.body -= uint64(n)
			return n, err
		}
		if end := headEnd(c.pending); end > 0 {
			c.check(end)
			continue
		}
		if len(c.pending) > c.max {
			c.pass(c.pending) // net/http answers 431
			continue
		}
		n, err := c.Conn.Read(c.buffer[:])
		c.pending = append(c.pending, c.buffer[:n]...)
		if err != nil {
			if len(c.pending) > 0 && n == 0 && err == io.EOF {
				c.pass(c.pending) // a head cut short: net/http says what it makes of it
				continue
			}
			if n == 0 {
				return 0, err // a deadline, say: what was read stays pending
			}
		}
	}
}

// pass hands bytes to net/http and ends the checks on this connection.
func (c *framingConn) pass(b []byte) {
	c.ready, c.pending, c.through = b, nil, true
}

// headEnd is the length of the head at the start of b, through its blank line ("\n" or "\r\n"
// line ends, as net/textproto reads them), or 0 while it is incomplete.
func headEnd(b []byte) int {
	for at := 0; ; {
		i := bytes.IndexByte(b[at:], '\n')
		if i < 0 {
			return 0
		}
		line := b[at : at+i]
		at += i + 1
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return at
		}
	}
}

// check decides on the head pending[:end].
func (c *framingConn) check(end int) {
	head, rest := c.pending[:end:end], c.pending[end:]
	reader := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	_, errLine := reader.ReadLine()
	header, errHeader := reader.ReadMIMEHeader()
	lengths, encodings := header["Content-Length"], header["Transfer-Encoding"]
	switch {
	case errLine != nil || errHeader != nil:
		c.pass(c.pending) // net/http refuses it too
	case len(lengths) > 0 && len(encodings) > 0:
		c.ready, c.pending, c.refused = []byte(refusedHead), nil, true
	case len(encodings) > 0:
		c.pass(c.pending)
	case len(lengths) > 0:
		n, err := strconv.ParseUint(textproto.TrimString(lengths[0]), 10, 63)
		for _, other := range lengths[1:] {
			if textproto.TrimString(other) != textproto.TrimString(lengths[0]) {
				err = strconv.ErrSyntax // net/http refuses differing lengths
			}
		}
		if err != nil {
			c.pass(c.pending)
			return
		}
		body := min(n, uint64(len(rest)))
		c.ready = append(head, rest[:body]...)
		c.pending, c.body = append([]byte(nil), rest[body:]...), n-body
	default:
		c.ready, c.pending = head, append([]byte(nil), rest...)
	}
}
