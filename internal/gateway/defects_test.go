package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestDefectCatalogue(t *testing.T) {
	all := Defects()
	want := []string{"auth-401-as-403", "flat-envelope", "leak-upstream-body", "malformed-json-500", "model-not-found-as-200",
		"no-retry-after", "unknown-model-404", "upstream-5xx-as-500", "upstream-no-timeout", "upstream-timeout-504", "verification-as-502"}
	if len(all) != len(want) {
		t.Fatalf("%d defects, want %d", len(all), len(want))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	reqID := regexp.MustCompile(`^[A-Z]+-[0-9]+$`)
	for i, d := range all {
		if d.Name != want[i] || !kebab.MatchString(d.Name) || d.Summary == "" || len(d.Breaks) == 0 {
			t.Errorf("defect %d: %+v", i, d)
		}
		if d.Rewrite == nil && d.Encode == nil && d.Tune == nil {
			t.Errorf("%s has no hook", d.Name)
		}
		for _, id := range d.Breaks {
			if !reqID.MatchString(id) {
				t.Errorf("%s breaks %q", d.Name, id)
			}
		}
		got, ok := LookupDefect(d.Name)
		if !ok || got.Name != d.Name {
			t.Errorf("LookupDefect(%q) = %v, %v", d.Name, got, ok)
		}
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("not sorted")
	}
	if _, ok := LookupDefect("no-such-defect"); ok {
		t.Error("found a defect that does not exist")
	}
	all[0].Name = "mutated"
	if Defects()[0].Name == "mutated" {
		t.Error("callers can alter the catalogue")
	}
}

// probes cover each reason a defect keys on, plus some it must leave alone.
var probes = []struct {
	name string
	req  func() request
	// warm is how many times the request is sent first, unrecorded.
	warm int
}{
	{name: "no key", req: func() request { return request{body: chat("ref/chat-small", "")} }},
	{name: "bad key", req: func() request { return request{auth: bearer("gwc-wrong-KEYCANARY"), body: chat("ref/chat-small", "")} }},
	{name: "revoked key", req: func() request { return request{auth: bearer(revokedKey), body: chat("ref/chat-small", "")} }},
	{name: "malformed json", req: func() request { return request{auth: bearer(testKey), body: jsonBody(`{"model":`)} }},
	{name: "not an object", req: func() request { return request{auth: bearer(testKey), body: jsonBody(`[]`)} }},
	{name: "wrong type", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":"hot"`)}
	}},
	{name: "unknown model", req: func() request { return request{auth: bearer(testKey), body: chat("ref/nope", "")} }},
	{name: "unsupported parameter", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/reasoning-small", `"max_tokens":5`)}
	}},
	{name: "unknown route", req: func() request { return request{method: http.MethodGet, path: "/v1/nope"} }},
	{name: "no credits", req: func() request { return request{auth: bearer(poorKey), body: chat("ref/chat-small", "")} }},
	{name: "rate limited", warm: 1, req: func() request {
		return request{auth: bearer(limitedKey), body: chat("ref/chat-small", "")}
	}},
	{name: "maintenance", req: func() request { return request{auth: bearer(testKey), body: chat("ref/maintenance", "")} }},
	{name: "misrouted", req: func() request { return request{auth: bearer(testKey), body: chat("ref/misrouted", "")} }},
	{name: "upstream 500", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Status500).ID, "")}
	}},
	{name: "upstream leak", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Leak).ID, "")}
	}},
	{name: "upstream reset", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Reset).ID, "")}
	}},
	{name: "upstream malformed", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Malformed).ID, "")}
	}},
	{name: "upstream timeout", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Timeout).ID, "")}
	}},
	{name: "unverified", req: func() request { return request{auth: bearer(testKey), body: chat("ref/unverified", "")} }},
}

const limitedKey = "gwc-limited-KEYCANARY-77aa"

// probeWait is how long a probe waits for an answer: past probeTimeout,
// which a gateway with a working upstream timeout never reaches.
const (
	probeTimeout = 100 * time.Millisecond
	probeWait    = 600 * time.Millisecond
)

// TestDefectsChangeOnlyWhatTheyClaim runs every probe with and without each
// defect: the probes a defect names must change as stated, all others must
// be byte-for-byte the same.
func TestDefectsChangeOnlyWhatTheyClaim(t *testing.T) {
	baseline := runProbes(t, nil)
	for name, res := range baseline {
		if res.status < 400 {
			t.Fatalf("probe %q is not an error: %d", name, res.status)
		}
		for _, secret := range secrets {
			if bytes.Contains(res.body, []byte(secret)) {
				t.Fatalf("probe %q leaks %q: %s", name, secret, res.body)
			}
		}
	}
	sameBody := func(t *testing.T, base, got result) {
		t.Helper()
		if !bytes.Equal(base.body, got.body) {
			t.Fatalf("body changed: %s -> %s", base.body, got.body)
		}
	}
	for _, tc := range []struct {
		defect string
		// changed checks the probes the defect is meant to alter.
		changed map[string]func(t *testing.T, base, got result)
	}{
		{"unknown-model-404", map[string]func(*testing.T, result, result){
			"unknown model": func(t *testing.T, base, got result) {
				if got.status != http.StatusNotFound || got.envelope(t).Type != TypeModelNotFound {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
				sameBody(t, base, got)
			},
		}},
		{"malformed-json-500", map[string]func(*testing.T, result, result){
			"malformed json": func(t *testing.T, _, got result) {
				if e := got.envelope(t); got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"auth-401-as-403", map[string]func(*testing.T, result, result){
			"no key":      same403,
			"bad key":     same403,
			"revoked key": same403,
		}},
		{"no-retry-after", map[string]func(*testing.T, result, result){
			"rate limited": noRetryAfter,
			"maintenance":  noRetryAfter,
		}},
		{"upstream-5xx-as-500", map[string]func(*testing.T, result, result){
			"upstream 500":       as500,
			"upstream leak":      as500,
			"upstream reset":     as500,
			"upstream malformed": as500,
			"upstream timeout":   as500,
		}},
		{"leak-upstream-body", map[string]func(*testing.T, result, result){
			"upstream 500": func(t *testing.T, base, got result) {
				if e := got.envelope(t); got.status != base.status || e.Type != TypeUpstream || !strings.Contains(e.Message, "The server had an error") {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
			"upstream leak": func(t *testing.T, base, got result) {
				e := got.envelope(t)
				if got.status != base.status || e.Type != TypeUpstream ||
					!strings.Contains(e.Message, faults.CanarySecret) || !strings.Contains(e.Message, faults.CanaryHost) {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"upstream-no-timeout", map[string]func(*testing.T, result, result){
			"upstream timeout": func(t *testing.T, _, got result) {
				if got.status != 0 {
					t.Fatalf("answered within %v: %d %s", probeWait, got.status, got.body)
				}
			},
		}},
		{"upstream-timeout-504", map[string]func(*testing.T, result, result){
			"upstream timeout": func(t *testing.T, base, got result) {
				if e := got.envelope(t); got.status != http.StatusGatewayTimeout || e.Type != "timeout_error" || e.Message != base.envelope(t).Message {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"verification-as-502", map[string]func(*testing.T, result, result){
			"unverified": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 403 || got.status != http.StatusBadGateway || e.Type != TypeUpstream {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"model-not-found-as-200", map[string]func(*testing.T, result, result){
			"unknown model": func(t *testing.T, base, got result) {
				if got.status != http.StatusOK || got.envelope(t).Type != TypeModelNotFound {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
				sameBody(t, base, got)
			},
		}},
		{"flat-envelope", allProbes(func(t *testing.T, base, got result) {
			if got.status != base.status {
				t.Fatalf("status %d -> %d", base.status, got.status)
			}
			var flat map[string]any
			mustUnmarshal(t, got.body, &flat)
			if _, ok := flat["error"]; ok {
				t.Fatalf("still enveloped: %s", got.body)
			}
			var e struct{ Error map[string]any }
			mustUnmarshal(t, base.body, &e)
			wantJSON, _ := json.Marshal(e.Error)
			gotJSON, _ := json.Marshal(flat)
			if !bytes.Equal(wantJSON, gotJSON) {
				t.Fatalf("members differ: %s vs %s", gotJSON, wantJSON)
			}
		})},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			t.Parallel()
			d, ok := LookupDefect(tc.defect)
			if !ok {
				t.Fatalf("no defect %q", tc.defect)
			}
			got := runProbes(t, []*Defect{d})
			for _, p := range probes {
				t.Run(p.name, func(t *testing.T) {
					if check, ok := tc.changed[p.name]; ok {
						check(t, baseline[p.name], got[p.name])
						return
					}
					base, g := baseline[p.name], got[p.name]
					if base.status != g.status || !bytes.Equal(base.body, g.body) ||
						base.header.Get("Retry-After") != g.header.Get("Retry-After") {
						t.Fatalf("changed: %d %s -> %d %s", base.status, base.body, g.status, g.body)
					}
				})
			}
		})
	}
}

func same403(t *testing.T, base, got result) {
	t.Helper()
	if base.status != 401 || got.status != http.StatusForbidden || !bytes.Equal(base.body, got.body) {
		t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
	}
}

func noRetryAfter(t *testing.T, base, got result) {
	t.Helper()
	if base.header.Get("Retry-After") == "" || got.header.Get("Retry-After") != "" ||
		got.status != base.status || !bytes.Equal(base.body, got.body) {
		t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("Retry-After"), got.status, got.header.Get("Retry-After"))
	}
}

func as500(t *testing.T, base, got result) {
	t.Helper()
	if e := got.envelope(t); base.status != http.StatusBadGateway || got.status != 500 || e.Type != TypeServer {
		t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
	}
}

func allProbes(check func(t *testing.T, base, got result)) map[string]func(*testing.T, result, result) {
	m := make(map[string]func(*testing.T, result, result), len(probes))
	for _, p := range probes {
		m[p.name] = check
	}
	return m
}

// runProbes sends every probe to a gateway with defects on. A probe that
// gets no answer within probeWait is recorded with status 0. Secrets are
// checked by the callers, since a defect may leak them on purpose.
func runProbes(t *testing.T, defects []*Defect) map[string]result {
	t.Helper()
	keys := []Key{
		{Secret: testKey, Credits: 1_000_000},
		{Secret: poorKey, Credits: 0},
		{Secret: revokedKey, Credits: 1_000_000, Revoked: true},
		{Secret: limitedKey, Credits: 1_000_000, RateLimit: &RateLimit{PerSecond: 0.01, Burst: 1}},
	}
	models := triggerModels()
	for _, f := range []faults.Fault{faults.Status500, faults.Leak, faults.Reset, faults.Malformed, faults.Timeout} {
		models = append(models, faultModel(f))
	}
	g := startGateway(t, Config{Keys: keys, Models: models, UpstreamTimeout: probeTimeout, Defects: defects})
	client := &http.Client{Timeout: probeWait}
	defer client.CloseIdleConnections()
	out := make(map[string]result, len(probes))
	for _, p := range probes {
		for range p.warm {
			if _, err := trySend(client, g.URL, p.req()); err != nil {
				t.Fatalf("%s: warming up: %v", p.name, err)
			}
		}
		res, err := trySend(client, g.URL, p.req())
		if err != nil {
			res = result{header: http.Header{}}
		}
		out[p.name] = res
	}
	return out
}

func TestDefectsCompose(t *testing.T) {
	var defects []*Defect
	for _, name := range []string{"auth-401-as-403", "flat-envelope"} {
		d, _ := LookupDefect(name)
		defects = append(defects, d)
	}
	g := startGateway(t, Config{Defects: defects})
	res := g.do(t, request{body: chat("ref/chat-small", "")})
	var flat struct{ Type string }
	mustUnmarshal(t, res.body, &flat)
	if res.status != http.StatusForbidden || flat.Type != TypeAuthentication {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

// Without an upstream timeout the gateway waits as long as its client does,
// and no longer: the handler ends when the client gives up. Healthy
// requests are unaffected.
func TestUpstreamNoTimeout(t *testing.T) {
	d, _ := LookupDefect("upstream-no-timeout")
	g := faultGateway(t, d)
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != 200 {
		t.Fatalf("healthy request: status %d: %s", res.status, res.body)
	}
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"stream":true`)}); res.status != 200 {
		t.Fatalf("healthy stream: status %d: %s", res.status, res.body)
	}

	ended := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { ended <- struct{}{} }()
		g.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, extra := range []string{"", `"stream":true`} {
		client := &http.Client{Timeout: faultTimeout + 100*time.Millisecond}
		if res, err := trySend(client, srv.URL, request{auth: bearer(testKey), body: chat(faultModel(faults.Timeout).ID, extra)}); err == nil {
			t.Fatalf("%s: answered %d %s, past the gateway's configured timeout", extra, res.status, res.body)
		}
		select {
		case <-ended:
		case <-time.After(time.Second):
			t.Fatalf("%s: the handler outlived its client by a second", extra)
		}
	}
}
