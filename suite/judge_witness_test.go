package suite

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// passThrough is a gateway that forwards every request to its upstream, whose witness then remembers the
// nonce; forward false makes it refuse everything itself, as a conformant gateway refuses these requests.
type passThrough struct {
	forward bool
	mu      sync.Mutex
	seen    map[string]bool
}

func (p *passThrough) gateway(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v1/models" {
		w.Write([]byte(modelList("gw/chat")))
		return
	}
	if p.forward {
		p.mu.Lock()
		p.seen[r.Header.Get(witness.NonceHeader)] = true
		p.mu.Unlock()
	}
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte(goodAuth))
}

func (p *passThrough) witness(w http.ResponseWriter, r *http.Request) {
	nonce := strings.TrimPrefix(r.URL.Path, witness.Path)
	p.mu.Lock()
	reached := p.seen[nonce]
	p.mu.Unlock()
	sg := witness.Sighting{Nonce: nonce, Reached: reached}
	if reached {
		sg.Status, sg.Times, sg.Completion = 200, 1, true
	}
	json.NewEncoder(w).Encode(sg)
}

// A request the gateway must refuse itself fails its own requirement when the upstream's witness saw it,
// even though the client got the right answer; without a witness the spec says what it needs.
func TestARefusedRequestThatReachedTheUpstreamFails(t *testing.T) {
	t.Parallel()
	for _, forward := range []bool{false, true} {
		p := &passThrough{forward: forward, seen: map[string]bool{}}
		witnessURL := serve(t, http.HandlerFunc(p.witness))
		witnessURL = strings.TrimSuffix(witnessURL, "/v1") + witness.Path
		tg := newTarget(t, Config{BaseURL: serve(t, http.HandlerFunc(p.gateway)), APIKey: "gwc-forward-test-key", Offers: profile.Offers{Witness: witnessURL}})
		if err := tg.Record(context.Background(), func(sc scenario.Scenario) bool { return sc.ID == "auth-wrong-key" }); err != nil {
			t.Fatal(err)
		}
		s := tg.recorded["auth-wrong-key"]
		e := evidence{sc: scenarioOf(t, tg.Plan, "auth-wrong-key"), exs: s.exs, repeats: s.repeats, seen: s.seen, witness: witnessURL}
		if why := witnessed(e); why != "" {
			t.Fatalf("forward %t: not judged: %s", forward, why)
		}
		err := checkNotForwarded(e)
		if forward != (err != nil) || forward && !strings.Contains(err.Error(), "forwarded to the upstream: this request reached the upstream, which served a completion") {
			t.Errorf("forward %t: %v", forward, err)
		}
		if forward && !strings.Contains(e.transcripts(), "= this request reached the upstream") {
			t.Errorf("the transcript does not say the request reached the upstream:\n%s", e.transcripts())
		}
	}
	e := evidence{exs: []*exchange.Exchange{answer(401, "application/json", goodAuth)}}
	if why := witnessed(e); !strings.Contains(why, "needs upstream.witness in the profile") {
		t.Errorf("without a witness: %q", why)
	}

	// A gateway that drops the nonce's header hides the request from the witness, never the upstream's
	// marker on the answer it passes on: served or refused, that request was forwarded.
	for _, status := range []int{200, 401} {
		marked := answer(status, "application/json", goodAuth)
		marked.Response.Header.Set(witness.MarkerHeader, witness.Marker)
		e := evidence{exs: []*exchange.Exchange{marked}, witness: "http://127.0.0.1:9/gwconform/witness/"}
		if why := witnessed(e); why != "" {
			t.Fatalf("a marked %d without a nonce: not judged: %s", status, why)
		}
		if err := checkNotForwarded(e); err == nil || !strings.Contains(err.Error(), "carries the upstream's own marker") {
			t.Errorf("a marked %d: %v", status, err)
		}
	}
}

// UP-5 sees every way the upstream's own answer can reach the client: its canaries, its marker in the body
// or its headers, its address in the gateway's own words.
func TestUpstreamLeaksOfEveryKind(t *testing.T) {
	t.Parallel()
	up := scenario.Scenario{Expect: scenario.Expect{Status: scenario.Statuses{502}, NoUpstreamLeak: true}}
	envelope := func(msg string) string {
		return `{"error":{"message":"` + msg + `","type":"upstream_error","code":null,"param":null}}`
	}
	const witnessURL = "http://10.1.2.3:18081/gwconform/witness/"
	for msg, wantLeak := range map[string]bool{
		"the upstream failed":                                                     false,
		"upstream said: bad request " + faults.CanaryMessage:                      true,
		"upstream said: x [" + witness.Marker + "]":                               true,
		"Post \\\"http://10.1.2.3:18081/v1/chat/completions\\\": read tcp: reset": true,
	} {
		e := evidence{sc: up, exs: []*exchange.Exchange{answer(502, "application/json", envelope(msg))}, witness: witnessURL}
		if err := checkNoUpstreamLeak(e); (err != nil) != wantLeak {
			t.Errorf("%q: %v", msg, err)
		}
	}
	relayedHeaders := answer(502, "application/json", envelope("the upstream failed"))
	relayedHeaders.Response.Header.Set(witness.MarkerHeader, witness.Marker)
	if err := checkNoUpstreamLeak(evidence{sc: up, exs: []*exchange.Exchange{relayedHeaders}}); err == nil {
		t.Error("the upstream's headers passed on were not caught")
	}
}

// The completions counted as served to requests the gateway should have refused include those the witness
// missed but the upstream's marker on the success shows, and never a refusal.
func TestACompletionTheWitnessMissedIsCountedByItsMarker(t *testing.T) {
	tg := newTarget(t, Config{BaseURL: "http://127.0.0.1:9/v1", APIKey: "gwc-billed-test-key"})
	marked := func(status int) *exchange.Exchange {
		ex := answer(status, "application/json", `{"id":"c","choices":[]}`)
		ex.Response.Header.Set(witness.MarkerHeader, witness.Marker)
		return ex
	}
	served, refused := marked(200), marked(401)
	tg.recorded = map[string]*sent{"auth-wrong-key": {exs: []*exchange.Exchange{served, refused},
		seen: map[*exchange.Exchange]sighting{served: {}, refused: {}}}}
	if n := tg.Billed(); n != 1 {
		t.Errorf("Billed() = %d, want the one marked success", n)
	}
}
