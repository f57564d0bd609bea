package upstream

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/faults"
)

// What a provider would refuse, the default upstream serves, so that a
// gateway that passes such a request on is seen to: only the gateway's own
// checks can refuse it. --strict refuses each as a provider does.
func TestPermissiveServesWhatStrictRefuses(t *testing.T) {
	const key = "secret"
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	// Not the default model: an upstream that gave up reading it would
	// answer for that one.
	huge := `{"model":"` + reasoningModel + `",` + msgs + `,"user":"` + strings.Repeat("x", 9<<20) + `"}`
	for _, tc := range []struct {
		name, key, body string
		// served is the model the permissive upstream answers for.
		served string
		// status, code and param are the strict upstream's refusal.
		status      int
		code, param string
	}{
		{"malformed JSON", key, `{"model":"m",` + msgs, "m", 400, "invalid_json", ""},
		{"not an object", key, `[1,2,3]`, "m", 400, "invalid_request", ""},
		{"null", key, `null`, "m", 400, "invalid_request", ""},
		{"wrong type", key, `{"model":"m",` + msgs + `,"max_tokens":"ten"}`, "m", 400, "invalid_type", "max_tokens"},
		{"two wrong types, one answer", key, `{"model":"m",` + msgs + `,"temperature":"hot","max_tokens":"ten","user":1}`, "m", 400, "invalid_type", "max_tokens"},
		{"model not a string", key, `{"model":7,` + msgs + `}`, "m", 400, "invalid_type", "model"},
		{"message not an object", key, `{"model":"m","messages":["hi"]}`, "m", 400, "invalid_type", "messages"},
		{"missing model", key, `{` + msgs + `}`, "m", 400, "missing_model", ""},
		{"9 MiB body", key, huge, reasoningModel, 413, "request_too_large", ""},
		{"no key", "", `{"model":"m",` + msgs + `}`, "m", 401, "invalid_api_key", ""},
		{"wrong key", "nope", `{"model":"m",` + msgs + `}`, "m", 401, "invalid_api_key", ""},
		{"max_tokens for the reasoning model", key, `{"model":"` + reasoningModel + `","max_tokens":5,` + msgs + `}`, reasoningModel, 400, "unsupported_parameter", "max_tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Models: []string{"m", reasoningModel}, APIKey: key}
			resp, data := send(t, http.MethodPost, start(t, cfg).URL+"/chat/completions", tc.key, tc.body)
			var c struct{ Object, Model string }
			if err := json.Unmarshal(data, &c); resp.StatusCode != 200 || err != nil || c.Object != "chat.completion" || c.Model != tc.served {
				t.Fatalf("permissive: status %d: %.300s", resp.StatusCode, data)
			}

			cfg.Strict = true
			resp, data = send(t, http.MethodPost, start(t, cfg).URL+"/chat/completions", tc.key, tc.body)
			var e struct {
				Error struct {
					Type, Code string
					Param      *string
				}
			}
			if err := json.Unmarshal(data, &e); resp.StatusCode != tc.status || err != nil || e.Error.Code != tc.code ||
				e.Error.Type != "invalid_request_error" || tc.param != "" && (e.Error.Param == nil || *e.Error.Param != tc.param) {
				t.Fatalf("strict: status %d: %.300s", resp.StatusCode, data)
			}
		})
	}
}

// The permissive upstream still tells the truths no validation decides: it
// has no such model, and a fault model fails, however the body is
// otherwise wrong.
func TestPermissiveKeepsProviderTruths(t *testing.T) {
	s := start(t, Config{Models: []string{"m", reasoningModel}})
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"unknown model", `{"model":"nope","messages":"hi"}`, 404},
		{"fault model, messages a string", `{"model":"` + faults.Status500.Model + `","messages":"hi"}`, 500},
		{"fault model, wrong types", `{"model":"` + faults.Status400.Model + `","max_tokens":"ten","stream":"yes"}`, 400},
		{"max_completion_tokens for the reasoning model", `{"model":"` + reasoningModel + `","max_completion_tokens":5}`, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := send(t, http.MethodPost, s.URL+"/chat/completions", "", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, data)
			}
		})
	}
}

// Strict answers a well-formed request as the permissive upstream does.
func TestStrictServesValidRequests(t *testing.T) {
	s := start(t, Config{Models: []string{"m", reasoningModel}, Strict: true})
	for _, body := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"temperature":null,"stop":["x"],"stream":false}`,
		`{"model":"` + reasoningModel + `","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":5,"max_tokens":null}`,
	} {
		if resp, data := send(t, http.MethodPost, s.URL+"/chat/completions", "", body); resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", body, resp.StatusCode, data)
		}
	}
}
