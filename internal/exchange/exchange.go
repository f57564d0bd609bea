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
	"net/http"
	"strings"
	"sync"
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
	Status    int
	Proto     string
	Header    http.Header
	Body      []byte // capped at BodyCap
	BodySize  int64  // bytes read, up to the cap plus one when Truncated
	Truncated bool

	decodeOnce sync.Once
	decoded    any
	decodeErr  error
}

// JSON is the body decoded as one JSON value (numbers kept as json.Number), or why it is not JSON. It is
// decoded once however many checks read it: a 1 MiB body is not parsed again by every spec.
func (r *Response) JSON() (any, error) {
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

	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		ex.Err = fmt.Errorf("build request: %w", err)
		return ex
	}
	if body != nil {
		ex.Request.Body, ex.Request.BodySize, ex.Request.Source = shown(body), body.Size(), body
		req.ContentLength = body.Size()
		req.Body = io.NopCloser(body.NewReader())
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body.NewReader()), nil }
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
	defer resp.Body.Close()
	r := &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header.Clone()}
	buf, err := io.ReadAll(io.LimitReader(resp.Body, BodyCap+1))
	r.BodySize = int64(len(buf))
	if len(buf) > BodyCap {
		buf, r.Truncated = buf[:BodyCap], true
	}
	r.Body = buf
	if err != nil {
		ex.Err = fmt.Errorf("read response body: %w", err)
		return ex
	}
	ex.Response = r
	return ex
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
