package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"net/http"
)

// The hooks of the conformant variations in how an answer goes over the wire.

// earlyRefusalRead is how much of an oversized body earlyRefusal reads before it answers: what a
// framework's body-size limit reads before it stops.
const earlyRefusalRead = 1 << 20

// earlyRefusal answers a body declared larger than earlyRefusalRead with 413 and the envelope once it has
// read that much, and closes the connection with the rest unread, as body-size limits in HTTP frameworks
// do: the kernel then resets the connection while the client may still be writing (REQ-9 allows it).
func earlyRefusal(g *Gateway, r *http.Request) *APIError {
	if r.Method != http.MethodPost || r.ContentLength <= earlyRefusalRead {
		return nil
	}
	_, _ = io.CopyN(io.Discard, r.Body, earlyRefusalRead)
	return g.tooLarge().withHeader("Connection", "close")
}

// gzipErrors codes every error body with gzip, as gateways behind a compressing proxy do whatever the
// request accepts: RFC 9110 lets a request without Accept-Encoding take any coding.
func gzipErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		h := w.Header()
		maps.Copy(h, buf.header)
		body := buf.body.Bytes()
		if buf.status >= 400 && len(body) > 0 {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = z.Bytes()
			h.Set("Content-Encoding", "gzip")
			h.Del("Content-Length")
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(body)
	})
}
