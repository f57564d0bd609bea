package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
)

// chatRequest is what the upstream could read of a request, however little.
type chatRequest struct {
	Model    string
	Messages []message
	Stream   bool
	// members are the body's top-level members; nil when the body is not a
	// JSON object.
	members map[string]json.RawMessage
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// Bounds on what is read, by mode. Strict refuses past maxRequestBytes as a
// provider does. Permissive refuses nothing, so it reads every byte, but
// keeps only parseLimit of them: a body larger than that is answered for
// the default model, rather than held whole in memory.
const (
	maxRequestBytes = 8 << 20
	parseLimit      = 16 << 20
)

// readBody reads the whole body: reading to the end lets net/http notice a
// client that hangs up, which is what ends a holding fault early.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	if !h.strict {
		body, _ := io.ReadAll(io.LimitReader(r.Body, parseLimit))
		_, _ = io.Copy(io.Discard, r.Body)
		return body, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		return nil, &refusal{http.StatusRequestEntityTooLarge, "invalid_request_error", "request_too_large", "",
			"The request body is larger than the provider accepts."}
	}
	return body, nil
}

// parseRequest reads whatever a body gives, leniently: a member of the wrong
// type is as good as absent. Only strict mode looks at what it skipped.
func parseRequest(body []byte) *chatRequest {
	req := &chatRequest{}
	if json.Unmarshal(body, &req.members) != nil {
		req.members = nil
		return req
	}
	if s, ok := asString(req.members["model"]); ok {
		req.Model = s
	}
	_ = json.Unmarshal(req.members["stream"], &req.Stream)
	var msgs []json.RawMessage
	_ = json.Unmarshal(req.members["messages"], &msgs)
	for _, raw := range msgs {
		var m message
		// A role of the wrong type still leaves the content: Unmarshal
		// completes what it can.
		_ = json.Unmarshal(raw, &m)
		req.Messages = append(req.Messages, m)
	}
	return req
}

func asString(raw json.RawMessage) (string, bool) {
	var s string
	return s, kindOf(raw) == "string" && json.Unmarshal(raw, &s) == nil
}

// refusal is an error the upstream answers in OpenAI's style.
type refusal struct {
	status                    int
	typ, code, param, message string
}

// kinds are the JSON types strict mode wants of the members it knows; null
// is always allowed, as "use the default".
var kinds = map[string]string{
	"model": "string", "messages": "array", "stream": "boolean", "user": "string",
	"max_tokens": "number", "max_completion_tokens": "number", "n": "number", "seed": "number",
	"temperature": "number", "top_p": "number", "presence_penalty": "number", "frequency_penalty": "number",
}

// strictRefusal is what a provider checks before serving: the body is a
// JSON object, its members have their types, and messages are objects with
// a string role.
func strictRefusal(body []byte, req *chatRequest) *refusal {
	if req.members == nil {
		if !json.Valid(body) {
			return invalid("invalid_json", "", "The request body is not valid JSON.")
		}
		return invalid("invalid_request", "", "The request body must be a JSON object.")
	}
	// In a fixed order, so that a body wrong in two ways always gets the
	// same answer.
	for _, member := range slices.Sorted(maps.Keys(kinds)) {
		want := kinds[member]
		if raw, ok := req.members[member]; ok && kindOf(raw) != want && kindOf(raw) != "null" {
			return invalid("invalid_type", member, "Invalid type for '"+member+"': expected a "+want+".")
		}
	}
	if raw, ok := req.members["stop"]; ok && !slices.Contains([]string{"null", "string", "array"}, kindOf(raw)) {
		return invalid("invalid_type", "stop", "Invalid type for 'stop': expected a string or an array.")
	}
	var msgs []json.RawMessage
	_ = json.Unmarshal(req.members["messages"], &msgs)
	for _, raw := range msgs {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || m == nil {
			return invalid("invalid_type", "messages", "Invalid type for 'messages': expected an array of objects.")
		}
		if role, ok := m["role"]; ok && kindOf(role) != "string" {
			return invalid("invalid_type", "messages", "Invalid type for 'messages[].role': expected a string.")
		}
	}
	return nil
}

func invalid(code, param, message string) *refusal {
	return &refusal{http.StatusBadRequest, "invalid_request_error", code, param, message}
}

// kindOf names a valid JSON value's type by its first byte.
func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
