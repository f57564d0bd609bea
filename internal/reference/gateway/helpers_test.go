package gateway

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/reference/upstream"
	"github.com/gwconform/gwconform/internal/witness"
)

const (
	testKey     = "gwc-test-KEYCANARY-1f2e3d"
	poorKey     = "gwc-poor-KEYCANARY-9a8b7c"
	revokedKey  = "gwc-revoked-KEYCANARY-4d5e"
	upstreamKey = "up-KEYCANARY-5566"
	// promptCanary sits in every request's messages: no error may echo it.
	promptCanary = "PROMPTCANARY"
)

var chatParams = []string{"temperature", "top_p", "n", "max_tokens", "stream", "stop",
	"presence_penalty", "frequency_penalty", "seed", "user"}

func testModels() []Model {
	return []Model{
		{ID: "ref/chat-small", UpstreamID: "up-chat-small", SupportedParameters: chatParams},
		{ID: "ref/reasoning-small", UpstreamID: "up-reasoning-small",
			SupportedParameters: []string{"max_completion_tokens", "stream", "seed", "user"}},
	}
}

// faultModel exposes a fault of the built-in provider, as a gateway wires it.
func faultModel(f faults.Fault) Model {
	return Model{ID: "ref/" + strings.TrimPrefix(f.Model, "fault/"), UpstreamID: f.Model, SupportedParameters: chatParams}
}

// upstreamHold outlasts every timeout the tests set; the provider's Close
// cuts it short.
const upstreamHold = 3 * time.Second

// startUpstream runs the real built-in provider serving testModels and
// every fault.
func startUpstream(t *testing.T) string {
	t.Helper()
	up, err := upstream.Start(upstream.Config{Models: []string{"up-chat-small", "up-reasoning-small"}, APIKey: upstreamKey, Hold: upstreamHold})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = up.Close() })
	return up.URL
}

// stubUpstream serves h as the provider; it returns the base URL.
func stubUpstream(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

type testGateway struct {
	*Gateway
	URL string
}

// startGateway fills in keys and models unless cfg sets them.
func startGateway(t *testing.T, cfg Config) *testGateway {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = []Key{
			{Secret: testKey, Credits: 1_000_000, Name: "test"},
			{Secret: poorKey, Credits: 0, Name: "poor"},
			{Secret: revokedKey, Credits: 1_000_000, Name: "revoked", Revoked: true},
		}
	}
	if cfg.Models == nil {
		cfg.Models = testModels()
	}
	if cfg.UpstreamURL == "" {
		cfg.UpstreamURL = startUpstream(t)
	}
	if cfg.UpstreamKey == "" {
		cfg.UpstreamKey = upstreamKey
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return &testGateway{Gateway: g, URL: srv.URL}
}

type request struct {
	method, path string
	auth         *string // nil: no Authorization header
	contentType  *string // nil: application/json
	body         io.Reader
}

func bearer(key string) *string { s := "Bearer " + key; return &s }
func ptr(s string) *string      { return &s }

type result struct {
	status int
	header http.Header
	body   []byte
}

// envelope decodes the contract's error body, failing the test if the
// shape is wrong.
func (r result) envelope(t *testing.T) envelopeBody {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %q", r.status, r.body)
	}
	var e struct {
		Error *struct {
			Message *string
			Type    *string
			Code    json.RawMessage
			Param   json.RawMessage
		}
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == nil || e.Error.Message == nil || e.Error.Type == nil {
		t.Fatalf("status %d: not an error envelope: %s", r.status, r.body)
	}
	out := envelopeBody{Message: *e.Error.Message, Type: *e.Error.Type}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  **string
	}{{"code", e.Error.Code, &out.Code}, {"param", e.Error.Param, &out.Param}} {
		if f.raw == nil {
			t.Fatalf("%s missing: %s", f.name, r.body)
		}
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			t.Fatalf("%s is neither null nor a string: %s", f.name, r.body)
		}
	}
	if ct := r.header.Get("Content-Type"); ct != jsonContentType {
		t.Fatalf("Content-Type %q", ct)
	}
	if *e.Error.Message == "" {
		t.Fatalf("empty message: %s", r.body)
	}
	return out
}

// secrets must never appear in any response body.
var secrets = []string{"KEYCANARY", promptCanary, faults.CanarySecret, faults.CanaryHost, faults.CanaryMessage}

func (g *testGateway) do(t *testing.T, req request) result {
	t.Helper()
	return send(t, http.DefaultClient, g.URL, req)
}

func send(t *testing.T, client *http.Client, base string, req request) result {
	t.Helper()
	res, err := trySend(client, base, req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	for _, s := range secrets {
		if bytes.Contains(res.body, []byte(s)) {
			t.Fatalf("response body leaks %q: %s", s, res.body)
		}
	}
	// The upstream marks every body it writes: an error carrying the mark
	// relays the upstream's words, whatever they are.
	if res.status >= 400 && bytes.Contains(res.body, []byte(witness.Marker)) {
		t.Fatalf("status %d relays the upstream's body: %s", res.status, res.body)
	}
	return res
}

// trySend is send for a request that may get no answer, and whose answer
// is not checked for secrets.
func trySend(client *http.Client, base string, req request) (result, error) {
	if req.method == "" {
		req.method = http.MethodPost
	}
	if req.path == "" {
		req.path = "/v1/chat/completions"
	}
	hr, err := http.NewRequest(req.method, base+req.path, req.body)
	if err != nil {
		return result{}, err
	}
	if req.auth != nil {
		hr.Header["Authorization"] = []string{*req.auth}
	}
	switch {
	case req.contentType == nil && req.body != nil:
		hr.Header.Set("Content-Type", "application/json")
	case req.contentType != nil && *req.contentType != "":
		hr.Header.Set("Content-Type", *req.contentType)
	}
	resp, err := client.Do(hr)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }

// chat builds a valid request body with extra members spliced in.
func chat(model, extra string) io.Reader {
	if extra != "" {
		extra = "," + extra
	}
	return jsonBody(`{"model":"` + model + `","messages":[{"role":"user","content":"say hi ` + promptCanary + `"}]` + extra + `}`)
}

func strOrNil(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
}

func faultGateway(t *testing.T, defects ...*Defect) *testGateway {
	t.Helper()
	models := testModels()
	for _, f := range faults.All() {
		models = append(models, faultModel(f))
	}
	return startGateway(t, Config{Models: heldToTheirTimeout(models), UpstreamTimeout: faultTimeout, Defects: defects})
}

// healthyTimeout bounds the upstream exchanges of every model whose upstream answers, or fails, at once: a
// busy machine may take a second to make one, and no test's outcome may depend on how busy it is.
const healthyTimeout = 30 * time.Second

// heldToTheirTimeout gives every model but the two whose upstream holds (the timeout and slow-first-byte
// faults) healthyTimeout: only those are answered by the gateway's own upstream timeout, Config's.
func heldToTheirTimeout(models []Model) []Model {
	held := map[string]bool{faultModel(faults.Timeout).ID: true, faultModel(faults.SlowFirstByte).ID: true}
	for i := range models {
		if !held[models[i].ID] {
			models[i].UpstreamTimeout = healthyTimeout
		}
	}
	return models
}

func balance(t *testing.T, g *testGateway, secret string) int64 {
	t.Helper()
	acct, ok := g.keys[sha256.Sum256([]byte(secret))]
	if !ok {
		t.Fatal("no such key")
	}
	return acct.credits.Load()
}

// closedURL is a base URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/v1"
}

func readEvents(t *testing.T, body []byte) []string {
	t.Helper()
	var events []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, data)
		}
	}
	return events
}

func triggerModels() []Model {
	maint := Model{ID: "ref/maintenance", UpstreamID: "up-chat-small", SupportedParameters: chatParams, Maintenance: true}
	misrouted := Model{ID: "ref/misrouted", UpstreamID: "up-chat-small", SupportedParameters: chatParams, UpstreamURL: "http://[::1"}
	confidential := Model{ID: "ref/confidential", UpstreamID: "up-chat-small", SupportedParameters: chatParams, Confidential: true}
	unverified := faultModel(faults.Unverified)
	unverified.Confidential = true
	return append(testModels(), maint, misrouted, confidential, unverified)
}
