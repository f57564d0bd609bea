package upstream

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// Every answer carries the marker in its header and in its body, where a
// gateway relaying the body would carry it along: an error's message ends
// with it, a completion (and each streamed chunk) names it as its
// system_fingerprint.
func TestEveryAnswerIsMarked(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}, Hold: 10 * time.Millisecond})
	strict := start(t, Config{Models: []string{"m"}, Strict: true})
	suffix := " [" + witness.Marker + "]"
	errorMessage := func(t *testing.T, body []byte) {
		t.Helper()
		var e struct{ Error struct{ Message string } }
		if err := json.Unmarshal(body, &e); err != nil || !strings.HasSuffix(e.Error.Message, suffix) {
			t.Fatalf("message does not end with the marker: %s", body)
		}
	}
	fingerprint := func(t *testing.T, body []byte) {
		t.Helper()
		var c struct {
			Object      string
			Fingerprint string `json:"system_fingerprint"`
		}
		if err := json.Unmarshal(body, &c); err != nil || c.Object != "chat.completion" || c.Fingerprint != witness.Marker {
			t.Fatalf("completion without the marker: %s", body)
		}
	}
	everyChunk := func(t *testing.T, body []byte) {
		t.Helper()
		events := 0
		for line := range strings.Lines(string(body)) {
			data, ok := strings.CutPrefix(strings.TrimSpace(line), "data: ")
			if !ok || data == "[DONE]" {
				continue
			}
			events++
			var c struct {
				Fingerprint string `json:"system_fingerprint"`
			}
			if err := json.Unmarshal([]byte(data), &c); err != nil || c.Fingerprint != witness.Marker {
				t.Fatalf("chunk without the marker: %s", data)
			}
		}
		if events == 0 {
			t.Fatalf("no chunks: %s", body)
		}
	}
	for _, tc := range []struct {
		name, method, path, body string
		strict                   bool
		status                   int
		check                    func(*testing.T, []byte)
	}{
		{"completion", http.MethodPost, "/chat/completions", `{"model":"m"}`, false, 200, fingerprint},
		{"streamed completion", http.MethodPost, "/chat/completions", `{"model":"m","stream":true}`, false, 200, everyChunk},
		{"held completion", http.MethodPost, "/chat/completions", `{"model":"` + faults.SlowFirstByte.Model + `"}`, false, 200, fingerprint},
		{"unknown model", http.MethodPost, "/chat/completions", `{"model":"nope"}`, false, 404, errorMessage},
		{"unknown path", http.MethodGet, "/nope", ``, false, 404, errorMessage},
		{"strict refusal", http.MethodPost, "/chat/completions", `{`, true, 400, errorMessage},
		{"status 500", http.MethodPost, "/chat/completions", `{"model":"` + faults.Status500.Model + `"}`, false, 500, errorMessage},
		{"status 400", http.MethodPost, "/chat/completions", `{"model":"` + faults.Status400.Model + `"}`, false, 400, errorMessage},
		{"leak", http.MethodPost, "/chat/completions", `{"model":"` + faults.Leak.Model + `"}`, false, 500, errorMessage},
		{"malformed", http.MethodPost, "/chat/completions", `{"model":"` + faults.Malformed.Model + `"}`, false, 200, func(t *testing.T, body []byte) {
			if json.Valid(body) || !strings.Contains(string(body), witness.Marker) {
				t.Fatalf("malformed answer %s", body)
			}
		}},
		{"models", http.MethodGet, "/models", ``, false, 200, func(*testing.T, []byte) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := s.URL
			if tc.strict {
				base = strict.URL
			}
			resp, body := send(t, tc.method, base+tc.path, "", tc.body)
			if resp.StatusCode != tc.status || resp.Header.Get(witness.MarkerHeader) != witness.Marker {
				t.Fatalf("status %d, %s %q: %s", resp.StatusCode, witness.MarkerHeader, resp.Header.Get(witness.MarkerHeader), body)
			}
			tc.check(t, body)
		})
	}
}
