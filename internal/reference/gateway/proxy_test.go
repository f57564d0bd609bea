package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/reference/upstream"
	"github.com/gwconform/gwconform/internal/witness"
)

func TestProxySuccess(t *testing.T) {
	g := startGateway(t, Config{})
	before := balance(t, g, testKey)
	var receipts []string
	for range 2 {
		res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":0.2`)})
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q", ct)
		}
		var c struct {
			ID, Object, Model string
			Choices           []struct{ Message struct{ Content string } }
			Usage             struct {
				Total int64 `json:"total_tokens"`
			}
		}
		mustUnmarshal(t, res.body, &c)
		if c.Model != "ref/chat-small" || c.Object != "chat.completion" || !strings.HasPrefix(c.ID, "chatcmpl-") {
			t.Fatalf("completion %s", res.body)
		}
		// The upstream saw its own model id, not the public one.
		if len(c.Choices) != 1 || c.Choices[0].Message.Content != "Hello from up-chat-small." {
			t.Fatalf("choices %s", res.body)
		}
		// "say hi PROMPTCANARY" is 3 words, the reply 3 more.
		if c.Usage.Total != 6 {
			t.Fatalf("usage %s", res.body)
		}
		receipts = append(receipts, res.header.Get("x-receipt-id"))
	}
	if receipts[0] == "" || receipts[0] == receipts[1] {
		t.Fatalf("receipts %q", receipts)
	}
	if spent := before - balance(t, g, testKey); spent != 12 {
		t.Fatalf("charged %d credits, want 12", spent)
	}
}

func TestProxyForwarding(t *testing.T) {
	var mu sync.Mutex
	var got struct {
		auth string
		body map[string]any
	}
	url := stubUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got.auth = r.Header.Get("Authorization")
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		_ = dec.Decode(&got.body)
		if r.URL.Path != "/v1/chat/completions" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"x","object":"chat.completion","model":"up-chat-small","choices":[]}`)
	})
	g := startGateway(t, Config{UpstreamURL: url + "/"})
	before := balance(t, g, testKey)
	res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":null,"seed":12345678901234567`)})
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.auth != "Bearer "+upstreamKey {
		t.Fatal("upstream did not get the upstream key")
	}
	if got.body["model"] != "up-chat-small" {
		t.Fatalf("upstream model %v", got.body["model"])
	}
	if _, ok := got.body["temperature"]; ok {
		t.Fatal("null member forwarded")
	}
	if seed, _ := json.Marshal(got.body["seed"]); string(seed) != "12345678901234567" {
		t.Fatalf("seed forwarded as %s", seed)
	}
	// No usage still costs a credit.
	if spent := before - balance(t, g, testKey); spent != 1 {
		t.Fatalf("charged %d", spent)
	}
}

const upstreamCanary = "UPSTREAM-CANARY stack trace at db.internal.example:5432 sk-live-123"

func TestUpstreamFailures(t *testing.T) {
	answer := func(status int, contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	for _, tc := range []struct {
		name   string
		url    func(t *testing.T) string
		code   string
		stream bool
	}{
		{name: "connection refused", url: closedURL, code: "upstream_unavailable"},
		{name: "connection refused, streaming", url: closedURL, code: "upstream_unavailable", stream: true},
		{name: "status 500", url: stub(answer(500, "application/json", `{"error":{"message":"`+upstreamCanary+`"}}`)), code: "upstream_failed"},
		{name: "status 503", url: stub(answer(503, "text/plain", upstreamCanary)), code: "upstream_failed"},
		{name: "status 500, streaming", url: stub(answer(500, "text/plain", upstreamCanary)), code: "upstream_failed", stream: true},
		{name: "status 401", url: stub(answer(401, "application/json", upstreamCanary)), code: "upstream_failed"},
		{name: "redirect", url: stub(answer(302, "text/html", upstreamCanary)), code: "upstream_failed"},
		{name: "html body", url: stub(answer(200, "text/html", "<html>"+upstreamCanary+"</html>")), code: "upstream_invalid_response"},
		{name: "truncated json", url: stub(answer(200, "application/json", `{"id":"x","choices":[`)), code: "upstream_invalid_response"},
		{name: "error object with 200", url: stub(answer(200, "application/json", `{"error":{"message":"`+upstreamCanary+`"}}`)), code: "upstream_invalid_response"},
		{name: "wrong object kind", url: stub(answer(200, "application/json", `{"object":"list","choices":[]}`)), code: "upstream_invalid_response"},
		{name: "json for a stream", url: stub(answer(200, "application/json", `{"object":"chat.completion","choices":[]}`)), code: "upstream_invalid_response", stream: true},
		{name: "connection reset", url: stub(reset), code: "upstream_unavailable"},
		{name: "timeout", url: hanging(nil), code: "upstream_timeout"},
		{name: "timeout, streaming", url: hanging(nil), code: "upstream_timeout", stream: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url(t)
			g := startGateway(t, Config{UpstreamURL: url, UpstreamTimeout: proxyTimeout(tc.code)})
			before := balance(t, g, testKey)
			extra := ""
			if tc.stream {
				extra = `"stream":true`
			}
			res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", extra)})
			if res.status != http.StatusBadGateway {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			e := res.envelope(t)
			if e.Type != TypeUpstream || strOrNil(e.Code) != tc.code {
				t.Fatalf("envelope %s", res.body)
			}
			host := strings.TrimPrefix(strings.TrimSuffix(url, "/v1"), "http://")
			for _, leak := range []string{"UPSTREAM-CANARY", "db.internal", "sk-live", host} {
				if bytes.Contains(res.body, []byte(leak)) {
					t.Fatalf("body leaks %q: %s", leak, res.body)
				}
			}
			if balance(t, g, testKey) != before {
				t.Fatal("a failure was charged")
			}
		})
	}
}

func stub(h http.HandlerFunc) func(t *testing.T) string {
	return func(t *testing.T) string { return stubUpstream(t, h) }
}

// hanging serves an upstream that stalls, after writing head if any, until
// the test ends. The release is registered after the server, so it runs
// first: the server's Close waits for the handler.
func hanging(head func(w http.ResponseWriter)) func(t *testing.T) string {
	return func(t *testing.T) string {
		release := make(chan struct{})
		url := stubUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			if head != nil {
				head(w)
			}
			<-release
		})
		t.Cleanup(func() { close(release) })
		return url
	}
}

// reset drops the connection with an RST instead of answering.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func TestStreamSuccess(t *testing.T) {
	g := startGateway(t, Config{})
	before := balance(t, g, testKey)
	res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"stream":true`)})
	if res.status != 200 || res.header.Get("Content-Type") != "text/event-stream" || res.header.Get("x-receipt-id") == "" {
		t.Fatalf("status %d, headers %v", res.status, res.header)
	}
	events := readEvents(t, res.body)
	if len(events) < 2 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("events %q", events)
	}
	var text strings.Builder
	for _, ev := range events[:len(events)-1] {
		var chunk struct {
			Model   string
			Choices []struct{ Delta struct{ Content string } }
		}
		mustUnmarshal(t, []byte(ev), &chunk)
		if chunk.Model != "ref/chat-small" {
			t.Fatalf("chunk model %q", chunk.Model)
		}
		text.WriteString(chunk.Choices[0].Delta.Content)
	}
	if text.String() != "Hello from up-chat-small." {
		t.Fatalf("text %q", text.String())
	}
	if balance(t, g, testKey) >= before {
		t.Fatal("stream not charged")
	}
}

func TestStreamFailsBeforeUpstream(t *testing.T) {
	g := startGateway(t, Config{})
	for _, tc := range []struct {
		name   string
		auth   *string
		body   string
		status int
	}{
		{"bad key", bearer("gwc-wrong-KEYCANARY"), `{"model":"ref/chat-small","stream":true,"messages":[{"role":"user","content":"x"}]}`, 401},
		{"unknown model", bearer(testKey), `{"model":"nope","stream":true,"messages":[{"role":"user","content":"x"}]}`, 400},
		{"unsupported parameter", bearer(testKey), `{"model":"ref/reasoning-small","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := g.do(t, request{auth: tc.auth, body: jsonBody(tc.body)})
			if res.status != tc.status {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			res.envelope(t)
		})
	}
}

func TestStreamFailsMidway(t *testing.T) {
	first := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"c","object":"chat.completion.chunk","model":"up","choices":[{"index":0,"delta":{"content":"Hel"}}]}`+"\n\n")
		_ = http.NewResponseController(w).Flush()
	}
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		code string
	}{
		{"upstream closes early", stub(func(w http.ResponseWriter, _ *http.Request) { first(w) }), "upstream_invalid_response"},
		{"upstream resets", stub(func(w http.ResponseWriter, _ *http.Request) {
			first(w)
			panic(http.ErrAbortHandler)
		}), "upstream_unavailable"},
		{"upstream stalls", hanging(first), "upstream_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, Config{UpstreamURL: tc.url(t), UpstreamTimeout: proxyTimeout(tc.code)})
			res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"stream":true`)})
			if res.status != 200 {
				t.Fatalf("status %d", res.status)
			}
			events := readEvents(t, res.body)
			if len(events) != 2 {
				t.Fatalf("events %q", events)
			}
			var e envelope
			mustUnmarshal(t, []byte(events[1]), &e)
			if e.Error.Type != TypeUpstream || strOrNil(e.Error.Code) != tc.code {
				t.Fatalf("error event %s", events[1])
			}
		})
	}
}

// The client's nonce header reaches the upstream, as through a gateway that
// passes unknown headers on: the upstream's witness then sees a request the
// prompt alone would not name.
func TestNonceHeaderReachesTheUpstream(t *testing.T) {
	up, err := upstream.Start(upstream.Config{Models: []string{"up-chat-small"}, APIKey: upstreamKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = up.Close() })
	g := startGateway(t, Config{UpstreamURL: up.URL})
	for i, extra := range []string{"", `"stream":true`} {
		nonce := witness.NoncePrefix + strings.Repeat(strconv.Itoa(i), 16)
		hr, err := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions", chat("ref/chat-small", extra))
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Authorization", "Bearer "+testKey)
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set(witness.NonceHeader, nonce)
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("stream %q: status %d", extra, resp.StatusCode)
		}
		resp, err = http.Get(up.WitnessURL + nonce)
		if err != nil {
			t.Fatal(err)
		}
		var seen witness.Sighting
		err = json.NewDecoder(resp.Body).Decode(&seen)
		resp.Body.Close()
		if err != nil || !seen.Reached || seen.Times != 1 {
			t.Fatalf("stream %q: the upstream did not see the nonce: %+v, %v", extra, seen, err)
		}
	}
}

// proxyTimeout is the upstream timeout of a test gateway in front of a stub: short where the stub hangs and
// the case is the gateway's timeout (upstream_timeout), healthyTimeout where the stub answers at once, so
// that a busy machine's slow answer is never taken for a timeout.
func proxyTimeout(code string) time.Duration {
	if code == "upstream_timeout" {
		return 200 * time.Millisecond
	}
	return healthyTimeout
}
