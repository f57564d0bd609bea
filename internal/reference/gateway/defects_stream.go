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

// onStreamRefusal buffers a streaming request's answer and, when it is a refusal (a status of 400 or
// more), lets answer write it another way; answer returns false to leave it as the gateway wrote it.
func onStreamRefusal(answer func(w http.ResponseWriter, refusal *bufferedResponse) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath || !asksToStream(r, 1<<20) {
				next.ServeHTTP(w, r)
				return
			}
			buf := &bufferedResponse{header: http.Header{}}
			next.ServeHTTP(buf, r)
			h := w.Header()
			maps.Copy(h, buf.header)
			if buf.status >= 400 {
				h.Del("Content-Length")
				if answer(w, buf) {
					return
				}
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
		})
	}
}

// errorsAsEvents answers a streaming request's refusal as a 200 event stream carrying the error, as
// gateways that commit to the stream before checking anything do.
var errorsAsEvents = onStreamRefusal(func(w http.ResponseWriter, refusal *bufferedResponse) bool {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("data: " + string(bytes.TrimSpace(refusal.body.Bytes())) + "\n\n"))
	return true
})

// streamRefusalsAs200 keeps a streaming request's refusal as JSON, envelope and all, but under 200: the
// status of the stream the gateway had already promised.
var streamRefusalsAs200 = onStreamRefusal(func(w http.ResponseWriter, refusal *bufferedResponse) bool {
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(refusal.body.Bytes())
	return true
})

// streamRefusalsLabelledAsEvents answers a streaming request's refusal rightly, status and envelope, but
// labelled as the event stream it asked for.
var streamRefusalsLabelledAsEvents = onStreamRefusal(func(w http.ResponseWriter, refusal *bufferedResponse) bool {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(refusal.status)
	_, _ = w.Write(refusal.body.Bytes())
	return true
})

// malformedStreamAsDone answers a streaming request whose upstream sent a body that is no event stream as
// a 200 stream holding only [DONE]: the gateway relayed the upstream's 200 and found no event in it.
var malformedStreamAsDone = onStreamRefusal(func(w http.ResponseWriter, refusal *bufferedResponse) bool {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(refusal.body.Bytes(), &e) != nil || e.Error.Code != "upstream_invalid_response" {
		return false
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("data: [DONE]\n\n"))
	return true
})

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

// streamDefects are the defects of streamed answers and their refusals (fixtures/scenarios/stream.yaml).
func streamDefects() []*Defect {
	return []*Defect{
		{
			Name:    "stream-errors-as-events",
			Summary: "A stream: true request refused before the first token is answered 200 text/event-stream, with the error as an event: the client's status-based error handling never runs.",
			Breaks:  []string{"STREAM-1"},
			Wrap:    errorsAsEvents,
		},
		{
			Name:    "stream-refusals-as-200",
			Summary: "A stream: true request refused before the first token gets the JSON envelope, but under 200, the status of the stream it asked for.",
			Breaks:  []string{"ENV-7", "STREAM-1"},
			Wrap:    streamRefusalsAs200,
		},
		{
			Name:    "stream-refusals-labelled-as-events",
			Summary: "A stream: true request refused before the first token gets the right status and envelope, labelled Content-Type: text/event-stream.",
			Breaks:  []string{"ENV-5"},
			Wrap:    streamRefusalsLabelledAsEvents,
		},
		{
			Name:    "malformed-stream-as-done",
			Summary: "A stream: true request whose upstream answers a body that is no event stream gets a 200 event stream holding only data: [DONE]: an empty completion, where the plain request gets 502.",
			Breaks:  []string{"STREAM-1"},
			Wrap:    malformedStreamAsDone,
		},
		{
			Name:    "stream-ends-silently",
			Summary: "An upstream failure mid-stream just ends the stream, with no error event: the client takes a broken answer for a complete one.",
			Breaks:  []string{"STREAM-2"},
			Wrap:    endStreams(true),
		},
		{
			Name:    "done-before-error",
			Summary: "An upstream failure mid-stream is reported after data: [DONE], which clients stop reading at.",
			Breaks:  []string{"STREAM-2"},
			Wrap:    endStreams(false),
		},
	}
}
