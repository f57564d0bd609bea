package upstream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// behaviour answers one chat completion for a model id.
type behaviour func(w http.ResponseWriter, r *http.Request, req *chatRequest)

// Attestation results, as gateways serving confidential models read them.
const (
	attestVerified = "verified"
	attestFailed   = "failed"
)

// complete is the well-behaved answer: deterministic for a given request so
// that specs can compare, streamed when asked.
func complete(w http.ResponseWriter, _ *http.Request, req *chatRequest) {
	answer(w, req, attestVerified)
}

// answer is a completion carrying the given attestation result, so that a
// failed verification differs from a healthy answer in nothing else.
func answer(w http.ResponseWriter, req *chatRequest, attestation string) {
	w.Header().Set(faults.AttestationHeader, attestation)
	var whole bool
	if req.Stream {
		startStream(w)
		whole = sendEvents(w, streamEvents(req))
	} else {
		whole = writeJSON(w, http.StatusOK, completion(req)) == nil
	}
	if whole {
		markCompleted(w)
	}
}

func completion(req *chatRequest) map[string]any {
	reply := replyTo(req)
	prompt := promptTokens(req.Messages)
	completion := len(strings.Fields(reply))
	return map[string]any{
		"id":      completionID(req),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		// Where OpenAI names its backend configuration: the marker shows
		// what a gateway relays of the upstream's completion.
		"system_fingerprint": witness.Marker,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": reply},
			"finish_reason": "stop",
		}},
		"usage": map[string]any{
			"prompt_tokens":     prompt,
			"completion_tokens": completion,
			"total_tokens":      prompt + completion,
		},
	}
}

func replyTo(req *chatRequest) string { return "Hello from " + req.Model + "." }

func startStream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_ = http.NewResponseController(w).Flush()
}

// streamEvents are the payloads of a streamed completion, [DONE] included.
func streamEvents(req *chatRequest) []string {
	id, created := completionID(req), time.Now().Unix()
	head, tail, _ := strings.Cut(replyTo(req), " ")
	chunk := func(delta map[string]any, finish any) string {
		data, err := json.Marshal(map[string]any{
			"id":                 id,
			"object":             "chat.completion.chunk",
			"created":            created,
			"model":              req.Model,
			"system_fingerprint": witness.Marker,
			"choices":            []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		if err != nil {
			panic(err) // maps of strings and numbers always encode
		}
		return string(data)
	}
	return []string{
		chunk(map[string]any{"role": "assistant", "content": head}, nil),
		chunk(map[string]any{"content": " " + tail}, nil),
		chunk(map[string]any{}, "stop"),
		"[DONE]",
	}
}

// sendEvents flushes each event, so that a client sees a stream, not one
// buffered answer. It reports whether every event was written.
func sendEvents(w http.ResponseWriter, events []string) bool {
	flush := http.NewResponseController(w).Flush
	for _, ev := range events {
		if _, err := fmt.Fprintf(w, "data: %s\n\n", ev); err != nil {
			return false
		}
		_ = flush()
	}
	return true
}

func completionID(req *chatRequest) string {
	h := sha256.New()
	h.Write([]byte(req.Model))
	for _, m := range req.Messages {
		h.Write([]byte{0})
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write(m.Content)
	}
	return "chatcmpl-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// promptTokens approximates tokens by words: enough for usage to vary with
// the prompt, which is all the gateway's billing needs.
func promptTokens(msgs []message) int {
	n := 0
	for _, m := range msgs {
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			n += len(strings.Fields(s))
			continue
		}
		var parts []struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(m.Content, &parts) == nil {
			for _, p := range parts {
				n += len(strings.Fields(p.Text))
			}
		}
	}
	return n
}
