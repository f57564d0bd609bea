package upstream

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type chatRequest struct {
	Model    string    `json:"model"`
	Messages []message `json:"messages"`
	Stream   bool      `json:"stream"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// behaviour answers one chat completion for a model id.
type behaviour func(w http.ResponseWriter, r *http.Request, req *chatRequest)

// faults maps model ids to behaviours that replace the normal answer (an
// upstream 500, 503, reset, hang, malformed body...). Keeping them in one
// table means a fault is one entry, and the gateway reaches it simply by
// mapping a public model to the fault's id.
var faults = map[string]behaviour{}

// complete is the well-behaved answer: deterministic for a given request so
// that specs can compare, streamed when asked.
func complete(w http.ResponseWriter, _ *http.Request, req *chatRequest) {
	reply := "Hello from " + req.Model + "."
	id := completionID(req)
	created := time.Now().Unix()
	if req.Stream {
		stream(w, id, created, req.Model, reply)
		return
	}
	prompt := promptTokens(req.Messages)
	completion := len(strings.Fields(reply))
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      id,
		"object":  "chat.completion",
		"created": created,
		"model":   req.Model,
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
	})
}

func stream(w http.ResponseWriter, id string, created int64, model, reply string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := http.NewResponseController(w).Flush

	head, tail, _ := strings.Cut(reply, " ")
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id":      id,
			"object":  "chat.completion.chunk",
			"created": created,
			"model":   model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}
	}
	events := []map[string]any{
		chunk(map[string]any{"role": "assistant", "content": head}, nil),
		chunk(map[string]any{"content": " " + tail}, nil),
		chunk(map[string]any{}, "stop"),
	}
	for _, ev := range events {
		data, err := json.Marshal(ev)
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return
		}
		_ = flush()
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	_ = flush()
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
