package suite

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

func TestRetryAfterTakesSecondsOrAnHTTPDate(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		want time.Duration
		ok   bool
	}{
		"1":                             {time.Second, true},
		"120":                           {2 * time.Minute, true},
		"Tue, 24 Nov 2026 12:00:30 GMT": {30 * time.Second, true},
		"Tue, 24 Nov 2026 11:00:00 GMT": {0, true}, // in the past: retry now
		"":                              {0, false},
		"-1":                            {0, false},
		"1.5":                           {0, false},
		"soon":                          {0, false},
	}
	for v, c := range cases {
		got, ok := retryAfter(v, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", v, got, ok, c.want, c.ok)
		}
	}
}

func limited(status int, retryAfter string) *exchange.Exchange {
	ex := answer(status, "application/json", `{"error":{"message":"slow down","type":"rate_limit_error","code":null,"param":null}}`)
	if retryAfter != "" {
		ex.Response.Header.Set("Retry-After", retryAfter)
	}
	return ex
}

func TestTransientChecksFailWhatTheyDecide(t *testing.T) {
	burst := scenario.Scenario{Burst: true, Recovers: true, Expect: scenario.Expect{Status: scenario.Statuses{429}, RetryAfter: true}}
	e := evidence{sc: burst, exs: []*exchange.Exchange{limited(429, "1")}}
	if err := checkRetryAfter(e); err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]string{"": "without Retry-After", "later": "neither delta-seconds nor an HTTP-date"} {
		e.exs = []*exchange.Exchange{limited(429, v)}
		if err := checkRetryAfter(e); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Retry-After %q: got %v", v, err)
		}
	}

	// SRV-3 clears up to the answer the unlimited twin got: both ways.
	modelMissing := answer(400, "application/json", `{"error":{"message":"no such model","type":"model_not_found","code":null,"param":"model"}}`)
	e.exs = []*exchange.Exchange{limited(429, "1")}
	e.controls = map[string]*exchange.Exchange{scenario.ControlUnlimited: modelMissing}
	e.retries = []*exchange.Exchange{limited(429, "1"), modelMissing}
	if err := checkRecovers(e); err != nil {
		t.Fatal(err)
	}
	e.retries = []*exchange.Exchange{limited(429, "1"), limited(429, "1")}
	if err := checkRecovers(e); err == nil || !strings.Contains(err.Error(), "answered 429 with error.type \"rate_limit_error\" after 2 retries") {
		t.Errorf("still limited: got %v", err)
	}
	e.retries = []*exchange.Exchange{answer(400, "application/json", goodAuth)}
	if err := checkRecovers(e); err == nil || !strings.Contains(err.Error(), "where the same request outside the rate limit answered 400 with error.type \"model_not_found\"") {
		t.Errorf("cleared to another answer: got %v", err)
	}
	// A request answered 503 even outside the rate limit has nothing to clear up to: SRV-3 cannot be told.
	e.controls[scenario.ControlUnlimited] = answer(503, "application/json", `{"error":{"message":"no channel","type":"server_error","code":null,"param":null}}`)
	if why := clearsToSomething(e); !strings.Contains(why, "cannot tell: the burst's request is answered 503 even without a rate limit") {
		t.Errorf("a transient twin: %q", why)
	}
	e.exs = []*exchange.Exchange{answer(400, "application/json", goodAuth)}
	if why := transientToRecoverFrom(e); why == "" {
		t.Error("a non-transient answer was taken as something to recover from")
	}
}

func TestUpstreamChecksFailWhatTheyDecide(t *testing.T) {
	up := scenario.Scenario{Expect: scenario.Expect{Status: scenario.Statuses{502}, WithinUpstreamTimeout: true, NoUpstreamLeak: true}}
	ok := answer(502, "application/json", `{"error":{"message":"upstream failed","type":"upstream_error","code":null,"param":null}}`)
	ok.Duration = 600 * time.Millisecond
	e := evidence{sc: up, exs: []*exchange.Exchange{ok}, upstreamTimeout: 500 * time.Millisecond}
	if err := checkWithinUpstreamTimeout(e); err != nil {
		t.Fatal(err)
	}
	if err := checkNoUpstreamLeak(e); err != nil {
		t.Fatal(err)
	}
	slow := *ok
	slow.Duration = 3 * time.Second
	e.exs = []*exchange.Exchange{&slow}
	if err := checkWithinUpstreamTimeout(e); err == nil || !strings.Contains(err.Error(), "answered after 3s") {
		t.Errorf("got %v", err)
	}
	e.exs = []*exchange.Exchange{{Err: http.ErrHandlerTimeout, Duration: 2500 * time.Millisecond}}
	if err := checkWithinUpstreamTimeout(e); err == nil || !strings.Contains(err.Error(), "no answer after") {
		t.Errorf("got %v", err)
	}
	e.exs = []*exchange.Exchange{answer(502, "application/json", `{"error":{"message":"upstream said: connect `+faults.CanaryHost+`","type":"upstream_error","code":null,"param":null}}`)}
	if err := checkNoUpstreamLeak(e); err == nil || !strings.Contains(err.Error(), faults.CanaryHost) {
		t.Errorf("got %v", err)
	}

	unverified := evidence{sc: scenario.Scenario{Expect: scenario.Expect{NotTransient: true}}}
	for status, pass := range map[int]bool{403: true, 400: true, 502: false, 503: false, 429: false, 500: false, 200: false} {
		unverified.exs = []*exchange.Exchange{answer(status, "application/json", goodAuth)}
		if err := checkStatus(unverified); (err == nil) != pass {
			t.Errorf("UP-6 status %d: got %v", status, err)
		}
	}
}

// UP-3 allows, beyond the timeout and its grace, the slowest answer the run had otherwise: on a machine busy
// enough to slow every answer, a gateway that meets its timeout still passes, and one without a timeout, or
// one far past it, still fails.
func TestUpstreamTimeoutAllowsWhatEveryAnswerTakes(t *testing.T) {
	up := scenario.Scenario{Expect: scenario.Expect{Status: scenario.Statuses{502}, WithinUpstreamTimeout: true}}
	at := func(d time.Duration) *exchange.Exchange {
		ex := answer(502, "application/json", `{"error":{"message":"upstream timed out","type":"upstream_error","code":null,"param":null}}`)
		ex.Duration = d
		return ex
	}
	for _, c := range []struct {
		name     string
		took     time.Duration
		slowest  time.Duration
		failWith string
	}{
		{"on time, on an idle machine", 600 * time.Millisecond, 20 * time.Millisecond, ""},
		{"late, on an idle machine", 2200 * time.Millisecond, 20 * time.Millisecond, "want at most 1.52s"},
		{"as late, on a machine that slowed every answer", 2200 * time.Millisecond, 900 * time.Millisecond, ""},
		{"far past it, however busy the machine", 30 * time.Second, 900 * time.Millisecond, "want at most 2.4s"},
	} {
		e := evidence{sc: up, exs: []*exchange.Exchange{at(c.took)}, upstreamTimeout: 500 * time.Millisecond, slowest: c.slowest}
		err := checkWithinUpstreamTimeout(e)
		if c.failWith == "" && err != nil || c.failWith != "" && (err == nil || !strings.Contains(err.Error(), c.failWith)) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.failWith)
		}
	}
}

// Where gwconform's upstream timed how long the gateway held it before hanging up, that wait is judged
// against the timeout and its grace alone: a gateway whose timeout is longer than it declares fails however
// much a busy machine slowed every answer, and one that meets it passes.
func TestUpstreamTimeoutIsJudgedWhereTheUpstreamTimedIt(t *testing.T) {
	up := scenario.Scenario{Expect: scenario.Expect{Status: scenario.Statuses{502}, WithinUpstreamTimeout: true}}
	for _, c := range []struct {
		name     string
		held     time.Duration
		failWith string
	}{
		{"hung up at its timeout", 520 * time.Millisecond, ""},
		{"hung up late, but within the grace", 1400 * time.Millisecond, ""},
		{"hung up after a timeout six times the declared one", 3 * time.Second, "the gateway held its upstream request for 3s before it gave up on it"},
		{"never timed: the witness saw no hang-up", 0, ""},
	} {
		ex := answer(502, "application/json", `{"error":{"message":"upstream timed out","type":"upstream_error","code":null,"param":null}}`)
		ex.Duration = 3200 * time.Millisecond
		e := evidence{sc: up, exs: []*exchange.Exchange{ex}, upstreamTimeout: 500 * time.Millisecond, slowest: 4 * time.Second,
			seen: map[*exchange.Exchange]sighting{ex: {Sighting: witness.Sighting{Reached: true, Times: 1, HungUpAfterMS: c.held.Milliseconds()}}}}
		err := checkWithinUpstreamTimeout(e)
		if c.failWith == "" && err != nil || c.failWith != "" && (err == nil || !strings.Contains(err.Error(), c.failWith)) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.failWith)
		}
	}
}
