package upstream

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestModels(t *testing.T) {
	s := start(t, Config{Models: []string{"a", reasoningModel}})
	resp, body := send(t, http.MethodGet, s.URL+"/models", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var list struct {
		Object string
		Data   []struct {
			ID, Object string
			OwnedBy    string   `json:"owned_by"`
			Supported  []string `json:"supported_parameters"`
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Object != "list" || len(list.Data) != 2+len(faults.All()) || list.Data[0].ID != "a" || list.Data[1].Object != "model" {
		t.Fatalf("unexpected list %s", body)
	}
	// A vendor wires its gateway from this list, so every fault is on it.
	for i, f := range faults.All() {
		if got := list.Data[2+i].ID; got != f.Model {
			t.Fatalf("entry %d is %q, want %q", 2+i, got, f.Model)
		}
	}
	// A gateway copies what each model takes from here: an entry without
	// the list, or a reasoning model that claims max_tokens, misleads it.
	for _, m := range list.Data {
		if m.OwnedBy == "" || len(m.Supported) == 0 {
			t.Errorf("%s: owned_by %q, supported_parameters %q", m.ID, m.OwnedBy, m.Supported)
		}
		reasoning := m.ID == reasoningModel
		if slices.Contains(m.Supported, "max_tokens") == reasoning || slices.Contains(m.Supported, "max_completion_tokens") != reasoning {
			t.Errorf("%s: supported_parameters %q", m.ID, m.Supported)
		}
	}
}

// A fault id given as a healthy model would be listed as one a gateway may
// route completions to: Start refuses it, bare or under a provider prefix,
// and takes an id that merely mentions a fault's name.
func TestStartRefusesAFaultAsAHealthyModel(t *testing.T) {
	for _, id := range []string{faults.Status500.Model, "fault/anything", "openai/" + faults.Close.Model} {
		s, err := Start(Config{Models: []string{"a", id}})
		var asHealthy *FaultAsHealthyError
		if !errors.As(err, &asHealthy) || asHealthy.Model != id {
			if s != nil {
				s.Close()
			}
			t.Errorf("%s: got %v", id, err)
		}
	}
	start(t, Config{Models: []string{"close-enough", "my/fault-finder"}})
}

// The key is a strict provider's business: by default any key, or none, is
// served, so that only the gateway's own key checks are ever judged.
func TestAuth(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		strict    bool
		want      int
	}{
		{"no key", "", true, http.StatusUnauthorized},
		{"wrong key", "nope", true, http.StatusUnauthorized},
		{"right key", "secret", true, http.StatusOK},
		{"no key, permissive", "", false, http.StatusOK},
		{"wrong key, permissive", "nope", false, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, Config{Models: []string{"m"}, APIKey: "secret", Strict: tc.strict})
			resp, body := send(t, http.MethodGet, s.URL+"/models", tc.key, "")
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want != http.StatusOK && !strings.Contains(string(body), `"error"`) {
				t.Fatalf("not an error object: %s", body)
			}
		})
	}
}

func TestChatCompletion(t *testing.T) {
	s := start(t, Config{Models: []string{"up-model"}})
	body := `{"model":"up-model","messages":[{"role":"user","content":"one two three"},{"role":"user","content":[{"type":"text","text":"four five"}]}]}`
	resp, data := send(t, http.MethodPost, s.URL+"/chat/completions", "", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, data)
	}
	if got := resp.Header.Get(faults.AttestationHeader); got != "verified" {
		t.Fatalf("attestation %q", got)
	}
	var c struct {
		ID, Object, Model string
		Created           int64
		Choices           []struct {
			Message      struct{ Role, Content string }
			FinishReason string `json:"finish_reason"`
		}
		Usage struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
			Total      int `json:"total_tokens"`
		}
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ID, "chatcmpl-") || c.Object != "chat.completion" || c.Model != "up-model" || c.Created == 0 {
		t.Fatalf("unexpected completion %s", data)
	}
	if len(c.Choices) != 1 || c.Choices[0].Message.Content != "Hello from up-model." || c.Choices[0].FinishReason != "stop" {
		t.Fatalf("unexpected choices %s", data)
	}
	if c.Usage.Prompt != 5 || c.Usage.Completion != 3 || c.Usage.Total != 8 {
		t.Fatalf("unexpected usage %+v", c.Usage)
	}
	_, again := send(t, http.MethodPost, s.URL+"/chat/completions", "", body)
	var c2 struct{ ID string }
	if err := json.Unmarshal(again, &c2); err != nil || c2.ID != c.ID {
		t.Fatalf("completion id not deterministic: %q vs %q", c.ID, c2.ID)
	}
}

// Unknown routes and models are no validation: a provider answers them so
// in either mode.
func TestChatErrors(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s := start(t, Config{Models: []string{"m"}, Strict: strict})
		for _, tc := range []struct {
			name, method, path, body string
			want                     int
		}{
			{"unknown model", http.MethodPost, "/chat/completions", `{"model":"x","messages":[]}`, http.StatusNotFound},
			{"unknown path", http.MethodGet, "/nope", ``, http.StatusNotFound},
			{"wrong method", http.MethodGet, "/chat/completions", ``, http.StatusMethodNotAllowed},
		} {
			t.Run(fmt.Sprintf("%s, strict %v", tc.name, strict), func(t *testing.T) {
				resp, data := send(t, tc.method, s.URL+tc.path, "", tc.body)
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
				}
				var e struct {
					Error struct{ Message, Type string }
				}
				if err := json.Unmarshal(data, &e); err != nil || e.Error.Message == "" {
					t.Fatalf("not an OpenAI error: %s", data)
				}
			})
		}
	}
}

func TestStream(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}})
	resp, err := http.Post(s.URL+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	if got := resp.Header.Get(faults.AttestationHeader); got != "verified" {
		t.Fatalf("attestation %q", got)
	}
	var content strings.Builder
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		events = append(events, data)
		if data == "[DONE]" {
			continue
		}
		var chunk struct {
			Object, Model string
			Choices       []struct{ Delta struct{ Content string } }
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatalf("chunk %q: %v", data, err)
		}
		if chunk.Object != "chat.completion.chunk" || chunk.Model != "m" {
			t.Fatalf("unexpected chunk %s", data)
		}
		content.WriteString(chunk.Choices[0].Delta.Content)
	}
	if len(events) < 3 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("events %q", events)
	}
	if content.String() != "Hello from m." {
		t.Fatalf("content %q", content.String())
	}
}

// TestFaultTable shows the seam fault models plug into: a behaviour keyed
// by model id replaces the normal answer, listed or not.
func TestFaultTable(t *testing.T) {
	h := newHandler(Config{Models: []string{"m"}}, nil)
	h.behaviours = map[string]behaviour{
		"fault/teapot": func(w http.ResponseWriter, _ *http.Request, _ *chatRequest) {
			w.WriteHeader(http.StatusTeapot)
		},
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(`{"model":"fault/teapot"}`))
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTeapot {
		t.Fatalf("status %d", rec.Code)
	}
}
