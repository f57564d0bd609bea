package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// The witness finds a nonce in the header, or anywhere in the first MiB of
// the body, JSON or not; it never invents one.
func TestWitnessFindsNonces(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}})
	prompt := func(n string) string {
		return `{"model":"m","messages":[{"role":"user","content":"` + n + `: say hello"}]}`
	}
	for _, tc := range []struct {
		name string
		// header and body build the request from the nonce under test.
		header, body func(n string) string
		want         witness.Sighting
	}{
		{"header only", func(n string) string { return n }, func(string) string { return `{"model":"m"}` },
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"prompt only", func(string) string { return "" }, prompt,
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"both, counted once", func(n string) string { return n }, prompt,
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"never sent", func(string) string { return witness.NewNonce() }, func(string) string { return prompt(witness.NewNonce()) },
			witness.Sighting{}},
		{"malformed body", func(string) string { return "" }, func(n string) string { return `{"model":"m","x":"` + n },
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"body not JSON at all", func(string) string { return "" }, func(n string) string { return "text " + n + "\n" },
			witness.Sighting{Reached: true, Status: 200, Times: 1, Completion: true}},
		{"past the first MiB", func(string) string { return "" }, func(n string) string {
			return `{"model":"m","user":"` + strings.Repeat("x", scanLimit) + n + `"}`
		}, witness.Sighting{}},
		{"inside a longer hex run", func(string) string { return "" }, func(n string) string { return prompt(n + "0") },
			witness.Sighting{}},
		{"upper case", func(n string) string { return strings.ToUpper(n) }, func(n string) string { return prompt(strings.ToUpper(n)) },
			witness.Sighting{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := witness.NewNonce()
			if _, err := post(t.Context(), s, tc.header(n), tc.body(n)); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Nonce = n
			if got := askSettled(t, s, n); got != want {
				t.Fatalf("sighting %+v, want %+v", got, want)
			}
		})
	}
}

// The witness records what each request was answered, completions apart:
// an aborted answer is status 0, and only a whole 200 completion counts as
// one served.
func TestWitnessRecordsTheAnswer(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}, Hold: 10 * time.Millisecond})
	strict := start(t, Config{Models: []string{"m"}, Strict: true})
	for _, tc := range []struct {
		name   string
		s      *Server
		body   string
		status int
		// completion is whether a completion was served.
		completion bool
	}{
		{"completion", s, `{"model":"m"}`, 200, true},
		{"streamed completion", s, `{"model":"m","stream":true}`, 200, true},
		{"held, then answered", s, `{"model":"` + faults.Timeout.Model + `"}`, 200, true},
		{"slow first byte, streamed", s, `{"model":"` + faults.SlowFirstByte.Model + `","stream":true}`, 200, true},
		{"unverified", s, `{"model":"` + faults.Unverified.Model + `"}`, 200, true},
		{"unknown model", s, `{"model":"nope"}`, 404, false},
		{"strict refusal", strict, `{"model":"m","max_tokens":"ten"}`, 400, false},
		{"status 500", s, `{"model":"` + faults.Status500.Model + `"}`, 500, false},
		{"status 400", s, `{"model":"` + faults.Status400.Model + `"}`, 400, false},
		{"malformed", s, `{"model":"` + faults.Malformed.Model + `"}`, 200, false},
		{"reset", s, `{"model":"` + faults.Reset.Model + `"}`, 0, false},
		{"close", s, `{"model":"` + faults.Close.Model + `"}`, 0, false},
		{"stream broken", s, `{"model":"` + faults.StreamBreak.Model + `","stream":true}`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := witness.NewNonce()
			// Connection faults get no answer: the error is the fault.
			_, _ = post(t.Context(), tc.s, n, tc.body)
			want := witness.Sighting{Nonce: n, Reached: true, Times: 1, Status: tc.status, Completion: tc.completion}
			if got := askSettled(t, tc.s, n); got != want {
				t.Fatalf("sighting %+v, want %+v", got, want)
			}
		})
	}
}

// A request a fault holds has reached the upstream before it is answered:
// that is how the suite tells a gateway that forwarded it from one that
// never did.
func TestWitnessSeesAHeldRequest(t *testing.T) {
	s := start(t, Config{Hold: time.Minute})
	n := witness.NewNonce()
	begin := time.Now()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = post(ctx, s, n, `{"model":"`+faults.Timeout.Model+`"}`)
	}()
	deadline := time.Now().Add(5 * time.Second)
	got := ask(t, s, n)
	for !got.Reached && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		got = ask(t, s, n)
	}
	if want := (witness.Sighting{Nonce: n, Reached: true, Times: 1, InFlight: 1}); got != want {
		t.Fatalf("while held: %+v, want %+v", got, want)
	}
	// Asked to wait until the request is settled, the witness answers once the client has hung up on it,
	// and says after how long.
	go func() {
		time.Sleep(100 * time.Millisecond) // how long the client holds on: the witness must time at least that
		cancel()
	}()
	after := askSettled(t, s, n)
	<-done
	if after.InFlight != 0 || after.Status != 0 || after.HungUpAfter() < 100*time.Millisecond || after.HungUpAfter() > time.Since(begin) {
		t.Fatalf("settled: %+v, want no request in flight, hung up on after at least 100ms", after)
	}
}

// A question to settle a nonce waits no longer than its asker does: a request held past it is reported as
// still in flight.
func TestWitnessSettlesNoLongerThanAsked(t *testing.T) {
	wt := newSightings(8)
	n := witness.NewNonce()
	wt.arrived([]string{n})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, witness.Path+n+"?"+witness.SettledQuery, nil)
	if got := wt.settledSighting(r, n); got.InFlight != 1 {
		t.Fatalf("%+v, want the request still in flight", got)
	}
	wt.answered([]string{n}, http.StatusOK, true, 0)
	if got := wt.settledSighting(httptest.NewRequest(http.MethodGet, witness.Path+n, nil), n); got.InFlight != 0 || got.Status != http.StatusOK || got.HungUpAfterMS != 0 {
		t.Fatalf("%+v, want it answered 200 and settled, never hung up on", got)
	}
}

// The log keeps the newest nonces only, so that it cannot grow without end.
func TestWitnessForgetsTheOldest(t *testing.T) {
	h := newHandler(Config{Models: []string{"m"}}, nil)
	if h.witness.limit != witnessLimit {
		t.Fatalf("limit %d, want %d", h.witness.limit, witnessLimit)
	}
	h.witness = newSightings(3)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := &Server{URL: srv.URL + "/v1", WitnessURL: srv.URL + witness.Path}
	var nonces []string
	for i := range 4 {
		n := witness.NewNonce()
		nonces = append(nonces, n)
		if status, err := post(t.Context(), s, n, `{"model":"m"}`); err != nil || status != 200 {
			t.Fatalf("status %d, %v", status, err)
		}
		// Seen again, the oldest stays the oldest: the next newcomer
		// evicts it all the same.
		if i == 2 {
			if _, err := post(t.Context(), s, nonces[0], `{"model":"m"}`); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := ask(t, s, nonces[0]); got.Reached {
		t.Fatalf("the oldest survived: %+v", got)
	}
	for _, n := range nonces[1:] {
		if got := ask(t, s, n); !got.Reached || got.Times != 1 {
			t.Fatalf("%s: %+v", n, got)
		}
	}
	if len(h.witness.seen) != 3 {
		t.Fatalf("%d nonces kept", len(h.witness.seen))
	}
}

// Concurrent requests are all counted, and asking while they run is safe
// (run with -race).
func TestWitnessUnderConcurrency(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}})
	shared := witness.NewNonce()
	const n = 40
	var wg sync.WaitGroup
	own := make([]string, n)
	for i := range n {
		own[i] = witness.NewNonce()
		wg.Go(func() {
			body := fmt.Sprintf(`{"model":"m","stream":%v,"messages":[{"role":"user","content":"%s"}]}`, i%2 == 0, own[i])
			if status, err := post(t.Context(), s, shared, body); err != nil || status != 200 {
				t.Errorf("status %d, %v", status, err)
			}
		})
		wg.Go(func() { ask(t, s, shared) })
	}
	wg.Wait()
	if got := askSettled(t, s, shared); got.Times != n || !got.Completion || got.Status != 200 {
		t.Fatalf("shared nonce: %+v", got)
	}
	for _, o := range own {
		if got := askSettled(t, s, o); got.Times != 1 || !got.Completion {
			t.Fatalf("%s: %+v", o, got)
		}
	}
}

// The witness answers anyone, even on a strict upstream with a key; only a
// well-formed nonce, and only by GET.
func TestWitnessEndpoint(t *testing.T) {
	s := start(t, Config{Models: []string{"m"}, APIKey: "secret", Strict: true})
	if !strings.HasSuffix(s.WitnessURL, witness.Path) || strings.TrimSuffix(s.WitnessURL, witness.Path)+"/v1" != s.URL {
		t.Fatalf("WitnessURL %q beside URL %q", s.WitnessURL, s.URL)
	}
	n := witness.NewNonce()
	resp, body := send(t, http.MethodGet, s.WitnessURL+n, "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		string(body) != `{"nonce":"`+n+`","reached":false}` {
		t.Fatalf("status %d, %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"no nonce", http.MethodGet, "", 400},
		{"upper case", http.MethodGet, strings.ToUpper(n), 400},
		{"too short", http.MethodGet, n[:len(n)-1], 400},
		{"too long", http.MethodGet, n + "0", 400},
		{"no prefix", http.MethodGet, strings.TrimPrefix(n, witness.NoncePrefix), 400},
		{"not hex", http.MethodGet, n[:len(n)-1] + "g", 400},
		{"POST", http.MethodPost, n, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := send(t, tc.method, s.WitnessURL+tc.path, "", "")
			var e struct{ Error struct{ Message string } }
			if resp.StatusCode != tc.status || json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
		})
	}
}
