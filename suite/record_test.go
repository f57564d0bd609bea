package suite

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
)

// gateway answers GET /v1/models with one model and everything else with answer, holding each request
// for hold so that requests overlap when they can; it counts the most it ever held at once.
type gateway struct {
	hold     time.Duration
	answer   func(w http.ResponseWriter, r *http.Request)
	inFlight atomic.Int32
	most     atomic.Int32
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	io.Copy(io.Discard, r.Body)
	select {
	case <-time.After(g.hold): // the gateway's own latency, so that concurrent requests overlap
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/v1/models" {
		io.WriteString(w, modelList("gw/chat"))
		return
	}
	g.answer(w, r)
}

func refuse(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusBadRequest)
	io.WriteString(w, `{"error":{"message":"no","type":"invalid_request_error","code":null,"param":null}}`)
}

func recordAll(t *testing.T, g *gateway, cfg Config) *Target {
	t.Helper()
	return recordSome(t, g, cfg, func(scenario.Scenario) bool { return true })
}

// recordSome records the scenarios selected: a test whose gateway counts requests by what they carry needs
// no other scenario sending the same.
func recordSome(t *testing.T, g *gateway, cfg Config, selected func(scenario.Scenario) bool) *Target {
	t.Helper()
	cfg.BaseURL, cfg.APIKey = serve(t, g), "gwc-record-test-key"
	tg := newTarget(t, cfg)
	if err := tg.Record(context.Background(), selected); err != nil {
		t.Fatal(err)
	}
	return tg
}

// The pool never has more requests in flight than --concurrency, the burst's waves included, and does run
// that many at once: one is one at a time.
func TestRecordKeepsToItsConcurrency(t *testing.T) {
	t.Parallel()
	burst := profile.Offers{Keys: map[string]string{profile.RoleRateLimited: "gwc-limited-key"}, Burst: 8, BurstWithin: 10 * time.Second}
	for _, c := range []int{1, 3} {
		g := &gateway{hold: 20 * time.Millisecond, answer: refuse}
		tg := recordAll(t, g, Config{Concurrency: c, Offers: burst})
		if most := int(g.most.Load()); most > c || c > 1 && most < 2 {
			t.Errorf("--concurrency %d: at most %d requests in flight", c, most)
		}
		if s := tg.recorded["limit-burst"]; s == nil || s.skip != "" || !strings.Contains(s.note, "the burst sent 8 request(s)") {
			t.Fatalf("--concurrency %d: the burst was not recorded whole: %+v", c, s)
		}
	}
}

// A burst that cannot send rate_limit.burst requests within rate_limit.within, none answered 429, has not
// shown that the target lacks a limit: the scenario is a skip that says so, never a failed LIMIT-1. Here the
// target takes twice the window to answer; TestRecordKeepsToItsConcurrency is the other way, a burst sent
// whole with no 429, which is judged.
func TestABurstTooSlowToFillItsWindowIsNotJudged(t *testing.T) {
	t.Parallel()
	const within = 50 * time.Millisecond
	burst := profile.Offers{Keys: map[string]string{profile.RoleRateLimited: "gwc-limited-key"}, Burst: 8, BurstWithin: within}
	only := func(sc scenario.Scenario) bool { return sc.Burst }
	tg := recordSome(t, &gateway{hold: 2 * within, answer: refuse}, Config{Concurrency: 2, Offers: burst}, only)
	s := tg.recorded["limit-burst"]
	if s == nil || !strings.Contains(s.skip, "could not be tested: the burst sent only 1 of rate_limit.burst's 8 requests within 50ms") || !strings.Contains(s.skip, "raise rate_limit.within") {
		t.Fatalf("skip %q, want the burst's shortfall", s.skip)
	}
}

// A 429 to a scenario that does not expect one is the target pacing the suite: the request is sent again
// after Retry-After, and the answer judged is the one that came after it. A target that never stops
// answering 429 leaves the scenario untested, with the reason, never failed.
func TestA429ToAnOrdinaryScenarioIsRetriedNeverJudged(t *testing.T) {
	t.Parallel()
	paced := func(times int) func(w http.ResponseWriter, r *http.Request) {
		var mu sync.Mutex
		seen := map[string]int{}
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[r.Method+r.URL.Path+r.Header.Get("Authorization")]++
			n := seen[r.Method+r.URL.Path+r.Header.Get("Authorization")]
			mu.Unlock()
			if n <= times {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"error":{"message":"slow down","type":"rate_limit_error","code":null,"param":null}}`)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, goodAuth)
		}
	}
	// Alone: every scenario without a key shares the pacer's count, and would take the 429 in its place.
	only := func(sc scenario.Scenario) bool { return sc.ID == "auth-missing-header" }
	tg := recordSome(t, &gateway{answer: paced(1)}, Config{Concurrency: 4}, only)
	s := tg.recorded["auth-missing-header"]
	if s.skip != "" || len(s.exs) != 1 || s.exs[0].Response.Status != 401 || len(s.throttled) != 1 || s.throttled[0].Response.Status != 429 {
		t.Fatalf("skip %q, %d answers, %d throttled", s.skip, len(s.exs), len(s.throttled))
	}
	e := evidence{sc: scenarioOf(t, tg.Plan, "auth-missing-header"), exs: s.exs, repeats: s.repeats, throttled: s.throttled}
	if !strings.Contains(e.transcripts(), "answered 429 and sent again") {
		t.Error("the 429 is not shown in the transcript")
	}

	tg = recordSome(t, &gateway{answer: paced(1 << 30)}, Config{Concurrency: 4}, only)
	if s := tg.recorded["auth-missing-header"]; !strings.Contains(s.skip, "could not be tested: the target answered 429") || len(s.throttled) != throttleAttempts {
		t.Fatalf("skip %q after %d 429s", s.skip, len(s.throttled))
	}
}

// A wait longer than LongWait is announced as it starts, with where it came from.
func TestALongWaitIsAnnouncedAsItStarts(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var heard []string
	tg := &Target{announce: func(line string) { heard = append(heard, line); cancel() }}
	if tg.wait(ctx, 13*time.Second, "Retry-After", "before retrying it") {
		t.Fatal("the wait outlived its run")
	}
	if len(heard) != 1 || heard[0] != "waiting Retry-After 13s before retrying it" {
		t.Fatalf("heard %q", heard)
	}
	if tg.wait(context.Background(), LongWait/100, "", "briefly"); len(heard) != 1 {
		t.Errorf("a short wait was announced: %q", heard)
	}
}

// The burst goes one request at a time: a limiter that counts a request when its answer completes sees every
// one of them. A profile may ask for more in flight, and never gets more than it asked for.
func TestTheBurstSendsOneRequestAtATimeUnlessAsked(t *testing.T) {
	t.Parallel()
	const limitedKey = "gwc-limited-key"
	for _, asked := range []int{0, 3} {
		var inFlight, most atomic.Int32
		g := &gateway{hold: 5 * time.Millisecond, answer: func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "Bearer "+limitedKey {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond) // the gateway's latency, so that requests sent at once overlap
			}
			refuse(w, r)
		}}
		burst := profile.Offers{Keys: map[string]string{profile.RoleRateLimited: limitedKey}, Burst: 12, BurstWithin: time.Minute, BurstConcurrency: asked}
		only := func(sc scenario.Scenario) bool { return sc.Burst }
		tg := recordSome(t, g, Config{Concurrency: 8, Offers: burst}, only)
		if s := tg.recorded["limit-burst"]; s == nil || !strings.Contains(s.note, "the burst sent 12 request(s)") {
			t.Fatalf("rate_limit.concurrency %d: the burst was not sent whole: %+v", asked, s)
		}
		if got := int(most.Load()); got > max(asked, 1) {
			t.Errorf("rate_limit.concurrency %d: %d burst requests were in flight at once", asked, got)
		}
	}
}
