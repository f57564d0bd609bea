package inprocess

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

func TestStack(t *testing.T) {
	s := start(t, Options{})
	if !strings.HasPrefix(s.APIKey, "gwc-") || !strings.HasSuffix(s.BaseURL, "/v1") || !strings.HasSuffix(s.UpstreamURL, "/v1") {
		t.Fatalf("stack %+v", s)
	}
	if other := start(t, Options{}); other.APIKey == s.APIKey {
		t.Fatal("keys are not random")
	}

	resp, err := http.Get(s.BaseURL + "/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			ID        string
			Supported []string `json:"supported_parameters"`
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Data) != len(Catalogue()) || list.Data[0].ID != "ref/chat-small" {
		t.Fatalf("models: %v %+v", err, list)
	}

	const msgs = `"messages":[{"role":"user","content":"hello there"}]`
	for _, tc := range []struct {
		name, key, body string
		status          int
		typ             string
	}{
		{"every listed model works", s.APIKey, `{"model":"ref/chat-small",` + msgs + `}`, 200, ""},
		{"large", s.APIKey, `{"model":"ref/chat-xl","temperature":1,` + msgs + `}`, 200, ""},
		{"reasoning", s.APIKey, `{"model":"ref/reasoning-small","max_completion_tokens":20,` + msgs + `}`, 200, ""},
		{"confidential", s.APIKey, `{"model":"ref/confidential-small",` + msgs + `}`, 200, ""},
		{"reasoning refuses max_tokens", s.APIKey, `{"model":"ref/reasoning-small","max_tokens":20,` + msgs + `}`, 400, "invalid_request_error"},
		{"reasoning refuses temperature", s.APIKey, `{"model":"ref/reasoning-small","temperature":1,` + msgs + `}`, 400, "invalid_request_error"},
		{"unknown model", s.APIKey, `{"model":"ref/nope",` + msgs + `}`, 400, "model_not_found"},
		{"wrong key", "gwc-wrong", `{"model":"ref/chat-small",` + msgs + `}`, 401, "authentication_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s, tc.key, tc.body)
			if status != tc.status {
				t.Fatalf("status %d: %s", status, body)
			}
			if strings.Contains(string(body), s.APIKey) {
				t.Fatal("key leaked")
			}
			if tc.typ == "" {
				return
			}
			var e struct{ Error struct{ Type string } }
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Type != tc.typ {
				t.Fatalf("body %s", body)
			}
		})
	}
}

func TestDefectsAreApplied(t *testing.T) {
	s := start(t, Options{Defects: []string{"unknown-model-404", "flat-envelope"}})
	status, body := post(t, s, s.APIKey, `{"model":"ref/nope","messages":[{"role":"user","content":"x"}]}`)
	var flat map[string]any
	if err := json.Unmarshal(body, &flat); err != nil {
		t.Fatal(err)
	}
	if status != 404 || flat["type"] != "model_not_found" || flat["error"] != nil {
		t.Fatalf("status %d: %s", status, body)
	}
}

func TestUnknownDefect(t *testing.T) {
	_, err := Start(Options{Defects: []string{"flat-envelope", "no-such-thing"}})
	if err == nil {
		t.Fatal("accepted an unknown defect")
	}
	for _, want := range []string{"no-such-thing", "flat-envelope", "unknown-model-404"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCloseIsBounded(t *testing.T) {
	s, err := Start(Options{UpstreamTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// An idle keep-alive connection must not hold shutdown.
	if status, _ := post(t, s, s.APIKey, `{"model":"ref/chat-small","messages":[{"role":"user","content":"x"}]}`); status != 200 {
		t.Fatalf("status %d", status)
	}
	begin := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A stuck shutdown never returns; a busy machine may add seconds to the grace.
	if elapsed := time.Since(begin); elapsed > shutdownGrace+20*time.Second {
		t.Fatalf("close took %v", elapsed)
	}
	if _, err := http.Get(s.BaseURL + "/models"); err == nil {
		t.Fatal("still serving after Close")
	}
}

// The witness shows which requests the gateway passed on: a completion
// reached the upstream, a request the gateway refused did not.
func TestWitness(t *testing.T) {
	s := start(t, Options{})
	if !strings.HasSuffix(s.WitnessURL, witness.Path) || strings.TrimSuffix(s.WitnessURL, witness.Path)+"/v1" != s.UpstreamURL {
		t.Fatalf("WitnessURL %q beside UpstreamURL %q", s.WitnessURL, s.UpstreamURL)
	}
	for _, tc := range []struct {
		name, key, body string
		status          int
		want            witness.Sighting
	}{
		{"completion", s.APIKey, `{"model":"ref/chat-small","messages":[{"role":"user","content":"NONCE: hi"}]}`, 200,
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"upstream fault", s.APIKey, `{"model":"` + s.FaultModels[faults.Status400.Key] + `","messages":[{"role":"user","content":"NONCE: hi"}]}`, 502,
			witness.Sighting{Reached: true, Status: 400, Times: 1}},
		{"refused by the gateway", s.APIKey, `{"model":"ref/chat-small","max_tokens":"ten","messages":[{"role":"user","content":"NONCE: hi"}]}`, 400,
			witness.Sighting{}},
		{"wrong key", "gwc-wrong", `{"model":"ref/chat-small","messages":[{"role":"user","content":"NONCE: hi"}]}`, 401,
			witness.Sighting{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nonce := witness.NoncePrefix + fmt.Sprintf("%016x", rand.Uint64())
			if status, body := post(t, s, tc.key, strings.ReplaceAll(tc.body, "NONCE", nonce)); status != tc.status {
				t.Fatalf("status %d: %s", status, body)
			}
			// Settled: the gateway can have answered before the upstream's handler recorded its own answer.
			resp, err := http.Get(s.WitnessURL + nonce + "?" + witness.SettledQuery)
			if err != nil {
				t.Fatal(err)
			}
			var got witness.Sighting
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			want := tc.want
			want.Nonce = nonce
			if err != nil || got != want {
				t.Fatalf("sighting %+v (%v), want %+v", got, err, want)
			}
		})
	}
}
