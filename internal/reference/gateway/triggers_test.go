package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestMaintenance(t *testing.T) {
	g := startGateway(t, Config{Models: triggerModels()})
	for _, tc := range []struct {
		name   string
		auth   *string
		body   string
		status int
		typ    string
	}{
		{"valid request", bearer(testKey), `{"model":"ref/maintenance","messages":[{"role":"user","content":"x"}]}`, 503, TypeServiceUnavailable},
		{"streamed", bearer(testKey), `{"model":"ref/maintenance","stream":true,"messages":[{"role":"user","content":"x"}]}`, 503, TypeServiceUnavailable},
		{"bad key comes first", bearer("gwc-wrong-KEYCANARY"), `{"model":"ref/maintenance","messages":[{"role":"user","content":"x"}]}`, 401, TypeAuthentication},
		{"invalid body comes first", bearer(testKey), `{"model":"ref/maintenance","messages":"x"}`, 400, TypeInvalidRequest},
		{"unsupported parameter comes first", bearer(testKey), `{"model":"ref/maintenance","max_completion_tokens":5,"messages":[{"role":"user","content":"x"}]}`, 400, TypeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := g.do(t, request{auth: tc.auth, body: jsonBody(tc.body)})
			if res.status != tc.status {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			e := res.envelope(t)
			if e.Type != tc.typ {
				t.Fatalf("envelope %s", res.body)
			}
			if tc.status != 503 {
				return
			}
			if strOrNil(e.Code) != "model_maintenance" || res.header.Get("Retry-After") != "1" {
				t.Fatalf("code %s, Retry-After %q", strOrNil(e.Code), res.header.Get("Retry-After"))
			}
		})
	}
}

// A per-model route that is not a URL is accepted by New and found out by
// the request that takes it: a 500, with nothing of the URL in it.
func TestMisroutedModel(t *testing.T) {
	g := startGateway(t, Config{Models: triggerModels()})
	for _, stream := range []bool{false, true} {
		extra := ""
		if stream {
			extra = `"stream":true`
		}
		res := g.do(t, request{auth: bearer(testKey), body: chat("ref/misrouted", extra)})
		if res.status != 500 {
			t.Fatalf("stream %v: status %d: %s", stream, res.status, res.body)
		}
		if e := res.envelope(t); e.Type != TypeServer || strings.Contains(string(res.body), "::1") || strings.Contains(string(res.body), "goroutine") {
			t.Fatalf("stream %v: envelope %s", stream, res.body)
		}
	}
	// The other models are unaffected.
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

// A per-model route sends that model's requests to another provider.
func TestPerModelUpstream(t *testing.T) {
	other := startUpstream(t)
	models := append(testModels(), Model{ID: "ref/elsewhere", UpstreamID: "up-chat-small", SupportedParameters: chatParams, UpstreamURL: other})
	g := startGateway(t, Config{Models: models, UpstreamURL: closedURL(t)})
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/elsewhere", "")}); res.status != 200 {
		t.Fatalf("routed model: status %d: %s", res.status, res.body)
	}
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != http.StatusBadGateway {
		t.Fatalf("default route: status %d: %s", res.status, res.body)
	}
}

func TestConfidential(t *testing.T) {
	// Every one of these is answered at once: none may meet a timeout a busy machine could miss.
	g := startGateway(t, Config{Models: triggerModels(), UpstreamTimeout: healthyTimeout})
	for _, tc := range []struct {
		name, model string
		stream      bool
		status      int
	}{
		{"verified", "ref/confidential", false, 200},
		{"verified, streamed", "ref/confidential", true, 200},
		{"unverified", "ref/unverified", false, http.StatusForbidden},
		{"unverified, streamed", "ref/unverified", true, http.StatusForbidden},
		// The check is on the answer's proof, not on what the model is called.
		{"not confidential", "ref/chat-small", false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := balance(t, g, testKey)
			extra := ""
			if tc.stream {
				extra = `"stream":true`
			}
			res := g.do(t, request{auth: bearer(testKey), body: chat(tc.model, extra)})
			if res.status != tc.status {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if tc.status == 200 {
				return
			}
			e := res.envelope(t)
			if e.Type != TypeVerification || strOrNil(e.Code) != "upstream_verification_failed" || !strings.Contains(e.Message, "not a transient error") {
				t.Fatalf("envelope %s", res.body)
			}
			if res.header.Get("Retry-After") != "" {
				t.Fatal("a verification failure invites a retry")
			}
			if strings.Contains(string(res.body), "Hello from") {
				t.Fatalf("the unverified answer came through: %s", res.body)
			}
			if balance(t, g, testKey) != before {
				t.Fatal("a withheld answer was charged")
			}
		})
	}
}

// The unverified fault upstream still answers a model that is not
// confidential: the header is the gateway's to act on.
func TestUnverifiedNotConfidential(t *testing.T) {
	g := startGateway(t, Config{Models: append(testModels(), faultModel(faults.Unverified))})
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/unverified", "")}); res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}
