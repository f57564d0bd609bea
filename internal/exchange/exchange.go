// Package exchange sends one request to a target and records what happened: the request, the response
// (status, headers, body capped), how long it took, or the transport error. An Exchange is immutable once
// made, so any number of checks may read it at once, from any goroutine.
package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BodyCap is how much of a response body is kept; the rest is read and counted but not stored.
const BodyCap = 1 << 20

// Body is a request body that can be sent any number of times without being held whole: the 16 MiB REQ-9
// body is generated as it goes out.
type Body interface {
	Size() int64
	NewReader() io.Reader
}

// Bytes is a body held in memory.
type Bytes []byte

func (b Bytes) Size() int64          { return int64(len(b)) }
func (b Bytes) NewReader() io.Reader { return bytes.NewReader(b) }

// Request is what was sent. Header holds every header, the Authorization value included: render it only
// through a redactor.
type Request struct {
	Method string
	URL    string
	Header http.Header
	// Body is what was sent, whole up to BodyCap; of a larger body, only what a transcript shows.
	Body     []byte
	BodySize int64
	// Source is the body as it was given, to write out whole for a person reproducing the exchange; nil
	// when there was no body.
	Source Body
}

// Response is what came back.
type Response struct {
	Status int
	Proto  string
	Header http.Header // as received: a decoded body's Content-Encoding and Content-Length stay
	// Body is the body decoded from its Coding when it has one the suite decodes, else as received;
	// capped at BodyCap either way.
	Body      []byte
	BodySize  int64 // bytes of Body read, up to the cap plus one when Truncated
	Truncated bool

	// Coding is the content coding the target declared (Content-Encoding, lowercased, "identity" left
	// out), e.g. "gzip", or "gzip, br" when it stacked several; empty when the body is not coded.
	Coding string
	// WireSize is, of a body decoded from its Coding, the coded bytes read off the connection: all of
	// them unless Truncated, when reading stopped with the decoded cap. Zero when nothing was decoded.
	WireSize int64
	// CodingErr, a *CodingError, says why a coded body was kept as received: a coding the suite does not
	// decode, or a body that does not decode as its coding says. JSON returns it.
	CodingErr error

	// BodyUnsent is how much of the request body was never sent because the target answered first, and
	// the transport then stopped sending: a target that refuses a body by its size without reading it
	// all (REQ-9). Zero when the whole body went out.
	BodyUnsent int64

	decodeOnce sync.Once
	decoded    any
	decodeErr  error
}

// JSON is the body decoded as one JSON value (numbers kept as json.Number), or why it is not JSON. It is
// decoded once however many checks read it: a 1 MiB body is not parsed again by every spec. A body still
// in a coding the suite could not undo is not parsed at all: its CodingErr is the reason.
func (r *Response) JSON() (any, error) {
	if r.CodingErr != nil {
		return nil, r.CodingErr
	}
	r.decodeOnce.Do(func() {
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		if err := dec.Decode(&r.decoded); err != nil {
			r.decoded, r.decodeErr = nil, err
			return
		}
		if dec.More() {
			r.decoded, r.decodeErr = nil, errors.New("data after the top-level value")
		}
	})
	return r.decoded, r.decodeErr
}

// Exchange is one request and its outcome. Exactly one of Response and Err is set.
type Exchange struct {
	Request  Request
	Response *Response
	Err      error
	Started  time.Time
	Duration time.Duration
}

// Client sends requests to one target.
type Client struct {
	HTTP    *http.Client
	BaseURL string        // e.g. http://127.0.0.1:8080/v1, without a trailing slash
	Timeout time.Duration // per exchange, reading the body included
}

// Do sends req and records the exchange; body may be nil. It never returns nil and never panics on a
// hostile answer.
func (c *Client) Do(ctx context.Context, method, path string, header http.Header, body Body) *Exchange {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	url := strings.TrimSuffix(c.BaseURL, "/") + path
	ex := &Exchange{
		Request: Request{Method: method, URL: url, Header: header.Clone()},
		Started: time.Now(),
	}
	defer func() { ex.Duration = time.Since(ex.Started) }()

	var sends attempts
	var conn net.Conn
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			conn = info.Conn
			armEarlyAnswers(conn)
			sends.started()
		},
		// The answer's first byte, as HTTP reads it: under TLS the connection's own bytes may be an alert
		// or a session ticket, which is no answer to wait for.
		GotFirstResponseByte: func() { answerBegan(conn) },
		// Only the request's own writes are held: a later one (TLS's close_notify as the transport closes
		// the connection) has no answer to wait for.
		WroteRequest: func(httptrace.WroteRequestInfo) { disarmEarlyAnswers(conn) },
	})
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		ex.Err = fmt.Errorf("build request: %w", err)
		return ex
	}
	if body != nil {
		ex.Request.Body, ex.Request.BodySize, ex.Request.Source = shown(body), body.Size(), body
		req.ContentLength = body.Size()
		req.Body = sends.open(body)
		req.GetBody = func() (io.ReadCloser, error) { return sends.open(body), nil }
		if body.Size() == 0 {
			req.Body, req.GetBody = http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }
		}
	}
	if header != nil {
		req.Header = header.Clone()
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		ex.Err = err
		return ex
	}
	r := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header.Clone()}
	err = r.read(resp.Body)
	// Closed before the request body is waited for: an HTTP/1 transport lets go of the connection, and
	// with it a write held for this answer (ReadEarlyAnswers), only once the response body is done.
	resp.Body.Close()
	if err != nil {
		ex.Err = fmt.Errorf("read response body: %w", err)
		return ex
	}
	if body != nil && body.Size() > 0 {
		r.BodyUnsent = max(body.Size()-sends.sent(ctx), 0)
	}
	ex.Response = r
	return ex
}

// attempts are the request body as each attempt to send it reads it: the transport retries on a fresh
// connection with a body from GetBody, and http.Client makes one for a redirect it may not follow.
type attempts struct {
	mu      sync.Mutex
	latest  *sending // the last made
	current *sending // the one the last attempt took
}

func (a *attempts) open(b Body) io.ReadCloser {
	s := &sending{r: b.NewReader(), closed: make(chan struct{})}
	a.mu.Lock()
	a.latest = s
	if a.current == nil {
		a.current = s // for a RoundTripper that reports no connection
	}
	a.mu.Unlock()
	return s
}

// started marks the body made last as the one an attempt takes: a retry's and a followed redirect's are
// made before their attempt gets a connection, and the body of a redirect not followed only after.
func (a *attempts) started() {
	a.mu.Lock()
	a.current = a.latest
	a.mu.Unlock()
}

// sent is how much of the body the last attempt took to send. The transport may still be writing when
// the answer is read (it answered early), so the count is taken once the transport has closed the body,
// which it does when it stops, however it stops.
func (a *attempts) sent(ctx context.Context) int64 {
	a.mu.Lock()
	s := a.current
	a.mu.Unlock()
	if s == nil {
		return 0
	}
	select {
	case <-s.closed:
	case <-ctx.Done():
	}
	return s.n.Load()
}

// sending is one attempt's body, counted as the transport reads it. Close may come from another goroutine
// than Read (HTTP/2 closes a body it abandons from its own), so the count is atomic.
type sending struct {
	r      io.Reader
	n      atomic.Int64
	once   sync.Once
	closed chan struct{}
}

func (s *sending) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n.Add(int64(n))
	return n, err
}

func (s *sending) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// shown is what the record keeps of a request body: all of it up to BodyCap, else only what a transcript
// shows, read from the start, so that a generated body is never held whole.
func shown(b Body) []byte {
	if bs, ok := b.(Bytes); ok && len(bs) <= BodyCap {
		return bs
	}
	n := int64(BodyCap)
	if b.Size() > BodyCap {
		n = ShownBody
	}
	head, _ := io.ReadAll(io.LimitReader(b.NewReader(), n))
	return head
}
