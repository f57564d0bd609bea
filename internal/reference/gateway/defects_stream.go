package gateway

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
)

// The hooks of the defects in streaming and in what a completion reports.

// asksToStream says whether a chat request's body asks for a stream, read as a careless gateway reads it:
// by its text, so that a malformed body asking for one counts too.
func asksToStream(r *http.Request, limit int64) bool {
	body := peekBody(r, limit)
	return bytes.Contains(body, []byte(`"stream": true`)) || bytes.Contains(body, []byte(`"stream":true`))
}

// errorsAsEvents answers a streaming request's refusal as a 200 event stream carrying the error, as
// gateways that commit to the stream before checking anything do.
func errorsAsEvents(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath || !asksToStream(r, 1<<20) {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		h := w.Header()
		maps.Copy(h, buf.header)
		if buf.status < 400 {
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
			return
		}
		h.Set("Content-Type", "text/event-stream")
		h.Del("Content-Length")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("data: " + string(bytes.TrimSpace(buf.body.Bytes())) + "\n\n"))
	})
}

// streamEnd rewrites the error event a stream ends with: drop leaves the stream to just end, and done
// sends [DONE] before it.
type streamEnd struct {
	http.ResponseWriter
	drop bool
}

func (s *streamEnd) Write(p []byte) (int, error) {
	if !bytes.HasPrefix(p, []byte(`data: {"error"`)) || s.Header().Get("Content-Type") != "text/event-stream" {
		return s.ResponseWriter.Write(p)
	}
	if s.drop {
		return len(p), nil
	}
	if _, err := s.ResponseWriter.Write([]byte("data: [DONE]\n\n")); err != nil {
		return 0, err
	}
	return s.ResponseWriter.Write(p)
}

func (s *streamEnd) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func endStreams(drop bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&streamEnd{ResponseWriter: w, drop: drop}, r)
		})
	}
}

// withoutReceipt drops x-receipt-id from every answer.
type withoutReceipt struct{ http.ResponseWriter }

func (n *withoutReceipt) WriteHeader(code int) {
	n.Header().Del("x-receipt-id")
	n.ResponseWriter.WriteHeader(code)
}

func (n *withoutReceipt) Write(p []byte) (int, error) {
	n.Header().Del("x-receipt-id")
	return n.ResponseWriter.Write(p)
}

func (n *withoutReceipt) Unwrap() http.ResponseWriter { return n.ResponseWriter }

// withoutVerification removes what a completion reports of its upstream, as gateways that pass
// completions through their own schema do.
func withoutVerification(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath || asksToStream(r, 1<<20) {
			next.ServeHTTP(w, r)
			return
		}
		buf := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(buf, r)
		body := buf.body.Bytes()
		var completion map[string]json.RawMessage
		if buf.status == http.StatusOK && json.Unmarshal(body, &completion) == nil {
			delete(completion, "upstream")
			if edited, err := json.Marshal(completion); err == nil {
				body = edited
			}
		}
		h := w.Header()
		maps.Copy(h, buf.header)
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(buf.status)
		_, _ = w.Write(body)
	})
}
