package suite

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// arrival is a request as the server received it.
type arrival struct {
	header http.Header
	body   []byte
}

// nonceServer is a loopback server that keeps every request by its nonce and answers with answer, told how
// many requests with that nonce came before.
type nonceServer struct {
	mu      sync.Mutex
	byNonce map[string][]arrival
	answer  func(w http.ResponseWriter, before int)
}

func (g *nonceServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v1/models" {
		io.WriteString(w, modelList("gw/chat"))
		return
	}
	nonce := r.Header.Get(witness.NonceHeader)
	g.mu.Lock()
	before := len(g.byNonce[nonce])
	g.byNonce[nonce] = append(g.byNonce[nonce], arrival{r.Header.Clone(), b})
	g.mu.Unlock()
	g.answer(w, before)
}

func (g *nonceServer) arrived(nonce string) []arrival {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byNonce[nonce]
}

// The SDK sends the scenario's request as the suite sends it: the body byte for byte, with a nonce of its
// own, and the Authorization exactly, absent, empty or valid. With no retries it makes one attempt, even of
// an answer it would retry at once.
func TestTheSDKSendsTheScenariosRequestOnce(t *testing.T) {
	t.Parallel()
	g := &nonceServer{byNonce: map[string][]arrival{}, answer: func(w http.ResponseWriter, _ int) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, goodAuth)
	}}
	tg := newTarget(t, Config{BaseURL: serve(t, g), APIKey: "gwc-record-test-key", Timeout: 5 * time.Second})
	ids := []string{"auth-missing-header", "auth-empty-header", "req-truncated-json"}
	if err := tg.Record(context.Background(), func(sc scenario.Scenario) bool { return slices.Contains(ids, sc.ID) }); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		s := tg.recorded[id]
		if s.sdk == nil || len(s.sdk.attempts) != 1 {
			t.Fatalf("%s: the SDK's call is %+v, want one attempt", id, s.sdk)
		}
		nonce := s.sdk.attempts[0].Request.Header.Get(witness.NonceHeader)
		got := g.arrived(nonce)
		if len(got) != 1 {
			t.Fatalf("%s: the server saw the SDK's request %d times", id, len(got))
		}
		own := g.arrived(s.exs[0].Request.Header.Get(witness.NonceHeader))[0]
		if a, b := got[0].header["Authorization"], own.header["Authorization"]; !slices.Equal(a, b) || a == nil && id != "auth-missing-header" {
			t.Errorf("%s: the SDK sent Authorization %q, the suite %q", id, a, b)
		}
		want, _ := tg.Scenarios.Body(s.first.sc, withVar(s.first.vars, scenario.NonceVar, nonce))
		if !bytes.Equal(got[0].body, want.Head()) || !bytes.Contains(got[0].body, []byte(nonce)) {
			t.Errorf("%s: the SDK sent %q, want %q", id, got[0].body, want.Head())
		}
		if ua := got[0].header.Get("User-Agent"); !strings.HasPrefix(ua, "OpenAI/Go") {
			t.Errorf("%s: sent with User-Agent %q, not by openai-go", id, ua)
		}
		var apiErr *openai.Error
		if !errors.As(s.sdk.err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Type != "authentication_error" {
			t.Errorf("%s: the SDK returned %v", id, s.sdk.err)
		}
	}
}

// With its default policy the SDK retries a 503 after its Retry-After until an answer it takes, and sends a
// 400 once: each attempt the server saw is one exchange of the call.
func TestTheSDKsDefaultRetriesAreCounted(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	g := &nonceServer{byNonce: map[string][]arrival{}, answer: func(w http.ResponseWriter, before int) {
		if before > 0 {
			io.WriteString(w, `{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[]}`)
			return
		}
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, goodAuth)
	}}
	tg := newTarget(t, Config{BaseURL: serve(t, g), APIKey: "gwc-record-test-key", Timeout: 5 * time.Second})
	call := func(id string) *sdkCall {
		sc := scenarioOf(t, tg.Plan, id)
		r := request{sc: sc, path: sc.Request.Path, header: tg.header(sc, sc.Request.Credential), vars: map[string]string{"model": "m", "trigger_model": "m"}}
		return tg.viaSDK(context.Background(), r, true)
	}

	c := call("srv-unavailable")
	if len(c.attempts) != 2 || c.attempts[0].Response.Status != 503 || c.attempts[1].Response.Status != 200 || c.err != nil {
		t.Fatalf("a 503 then a 200: %d attempt(s), error %v", len(c.attempts), c.err)
	}
	if n := len(g.arrived(c.attempts[0].Request.Header.Get(witness.NonceHeader))); n != 2 {
		t.Fatalf("the server saw %d attempts, the call recorded 2", n)
	}
	if err := checkSDKRetried(evidence{sdkRetry: c}); err != nil {
		t.Fatal(err)
	}

	status.Store(http.StatusBadRequest)
	if c := call("req-truncated-json"); len(c.attempts) != 1 {
		t.Fatalf("a 400 was sent %d times", len(c.attempts))
	}
}

// A request that waits on the gateway's upstream timeout and gets no answer by its deadline is not sent
// again through the SDK: the gateway would hold the copy as long, for nothing CLIENT-1 could read, and the
// status spec already reports the silence. CLIENT-1 says why it has nothing to judge.
func TestTheSDKSendsNoCopyOfARequestThatGotNoAnswer(t *testing.T) {
	t.Parallel()
	hang := func(r *http.Request) { <-r.Context().Done() }
	var chats atomic.Int32
	g := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			io.WriteString(w, modelList("gw/chat"))
			return
		}
		chats.Add(1)
		hang(r)
	})
	offers := profile.Offers{FaultModels: map[string]string{"timeout": "gw/fault-timeout"}, UpstreamTimeout: 10 * time.Millisecond}
	tg := newTarget(t, Config{BaseURL: serve(t, g), APIKey: "gwc-record-test-key", Timeout: 200 * time.Millisecond, Offers: offers})
	if err := tg.Record(context.Background(), func(sc scenario.Scenario) bool { return sc.ID == "up-timeout" }); err != nil {
		t.Fatal(err)
	}
	s := tg.recorded["up-timeout"]
	if s.skip != "" || len(s.exs) != 1 || s.exs[0].Err == nil {
		t.Fatalf("up-timeout: skip %q, %d answers", s.skip, len(s.exs))
	}
	if n := chats.Load(); n != 1 || s.sdk == nil || len(s.sdk.attempts) != 0 {
		t.Fatalf("%d chat requests arrived, the SDK's call %+v: want the suite's own alone", n, s.sdk)
	}
	e := evidence{sc: scenarioOf(t, tg.Plan, "up-timeout"), exs: s.exs, sdk: s.sdk}
	if why := sdkErrorToRead(e); !strings.Contains(why, "its copy was not sent: the request itself got no answer within its deadline") {
		t.Errorf("CLIENT-1 skips with %q", why)
	}
}

// The SDK's waits are bounded as the suite's own: a Retry-After longer than the suite waits calls the SDK
// off, and its spec cannot tell; one past the SDK's own bound makes it give up at once, which fails CLIENT-2.
func TestALongRetryAfterCallsTheSDKOffOrMakesItGiveUp(t *testing.T) {
	t.Parallel()
	var retryAfter atomic.Value
	g := &nonceServer{byNonce: map[string][]arrival{}, answer: func(w http.ResponseWriter, _ int) {
		w.Header().Set("Retry-After", retryAfter.Load().(string))
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, goodAuth)
	}}
	tg := newTarget(t, Config{BaseURL: serve(t, g), APIKey: "gwc-record-test-key", Timeout: 5 * time.Second})
	sc := scenarioOf(t, tg.Plan, "srv-unavailable")
	r := request{sc: sc, path: sc.Request.Path, header: tg.header(sc, sc.Request.Credential), vars: map[string]string{"trigger_model": "m"}}

	retryAfter.Store("90")
	start := time.Now()
	c := tg.viaSDK(context.Background(), r, true)
	e := evidence{sc: sc, sdkRetry: c}
	// 30s: far short of the 90s the SDK would wait, far past what a busy machine takes to call it off.
	if len(c.attempts) != 1 || time.Since(start) > 30*time.Second || !strings.Contains(sdkFirstAnswered(scenario.Transient, "transient")(e), "cannot tell: openai-go was called off") {
		t.Fatalf("Retry-After: 90: %d attempt(s) in %s, stopped %q", len(c.attempts), time.Since(start), c.stopped)
	}

	retryAfter.Store("300")
	c = tg.viaSDK(context.Background(), r, true)
	e.sdkRetry = c
	if err := checkSDKRetried(e); len(c.attempts) != 1 || c.stopped != "" || err == nil || !strings.Contains(err.Error(), "past the SDK's bound of 2m0s") {
		t.Fatalf("Retry-After: 300: %d attempt(s), stopped %q, %v", len(c.attempts), c.stopped, err)
	}
}

// The runner's own OpenAI settings never reach the target: the SDK is built without its environment.
func TestTheSDKSendsNothingFromTheEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-runner-own-key")
	t.Setenv("OPENAI_ORG_ID", "org-runner")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-Runner: own")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	g := &nonceServer{byNonce: map[string][]arrival{}, answer: func(w http.ResponseWriter, _ int) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, goodAuth)
	}}
	tg := newTarget(t, Config{BaseURL: serve(t, g), APIKey: "gwc-record-test-key", Timeout: 5 * time.Second})
	sc := scenarioOf(t, tg.Plan, "auth-missing-header")
	c := tg.viaSDK(context.Background(), request{sc: sc, path: sc.Request.Path, header: tg.header(sc, sc.Request.Credential), vars: map[string]string{"model": "m"}}, false)
	if len(c.attempts) != 1 || c.attempts[0].Response == nil {
		t.Fatalf("the SDK's call: %+v", c)
	}
	got := g.arrived(c.attempts[0].Request.Header.Get(witness.NonceHeader))
	if len(got) != 1 {
		t.Fatalf("the target saw %d requests", len(got))
	}
	for _, name := range []string{"Authorization", "Openai-Organization", "X-Runner"} {
		if v, ok := got[0].header[name]; ok {
			t.Errorf("the SDK sent %s: %q", name, v)
		}
	}
}
