package suite

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// The checks that need a trigger: upstream timing and leaks, Retry-After, recovery after back-off.

func checkWithinUpstreamTimeout(e evidence) error {
	if len(e.exs) == 0 {
		return fmt.Errorf("no request was sent")
	}
	ex := e.exs[0]
	// Where the upstream's witness timed the gateway's wait, no busy client side counts: the gateway hung up
	// on the upstream after this long, and only the timeout and its grace are allowed.
	if held := e.seen[ex].HungUpAfter(); held > e.upstreamTimeout+grace(e.upstreamTimeout) {
		return fmt.Errorf("the gateway held its upstream request for %s before it gave up on it, as gwconform's upstream timed it: the gateway's upstream timeout is %s, so want at most %s",
			held.Round(time.Millisecond), e.upstreamTimeout, (e.upstreamTimeout + grace(e.upstreamTimeout)).Round(time.Millisecond))
	}
	// Beyond the timeout and a grace, the time the target takes to answer anything on this run: a busy
	// machine, or a distant target, makes every answer slower, and UP-3 is about the timeout, not the speed.
	limit := e.upstreamTimeout + grace(e.upstreamTimeout) + e.slowest
	allowed := fmt.Sprintf("the gateway's upstream timeout is %s and its slowest other answer took %s", e.upstreamTimeout, e.slowest.Round(time.Millisecond))
	if ex.Err != nil {
		return fmt.Errorf("no answer after %s: %s, so it should have answered 502 within %s", ex.Duration.Round(time.Millisecond), allowed, limit.Round(time.Millisecond))
	}
	if ex.Duration > limit {
		return fmt.Errorf("answered after %s; %s, so want at most %s", ex.Duration.Round(time.Millisecond), allowed, limit.Round(time.Millisecond))
	}
	return nil
}

func checkNoUpstreamLeak(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	var leaked []string
	for _, canary := range []string{faults.CanarySecret, faults.CanaryHost, faults.CanaryMessage, witness.Marker} {
		if bytes.Contains(r.Body, []byte(canary)) {
			leaked = append(leaked, canary)
		}
	}
	if len(leaked) > 0 {
		return fmt.Errorf("the answer carries the upstream's own error body: %s", strings.Join(leaked, ", "))
	}
	if r.Header.Get(witness.MarkerHeader) != "" {
		return fmt.Errorf("the answer carries the upstream's own headers: %s", witness.MarkerHeader)
	}
	// The upstream's address, as a gateway's own error text puts it ("Post http://10.0.0.7:8081/v1/...: read
	// tcp ..."), tells a client where the provider is: the witness URL gives it.
	if host := upstreamHost(e.witness); host != "" && bytes.Contains(r.Body, []byte(host)) {
		return fmt.Errorf("the answer names the upstream's address, %s", host)
	}
	return nil
}

// upstreamHost is the host:port of the upstream whose witness is at witnessURL; "" without one.
func upstreamHost(witnessURL string) string {
	u, err := url.Parse(witnessURL)
	if err != nil {
		return ""
	}
	return u.Host
}

func checkRetryAfter(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	v := r.Header.Get("Retry-After")
	if v == "" {
		return fmt.Errorf("answered %d without Retry-After", r.Status)
	}
	if _, ok := retryAfter(v, time.Now()); !ok {
		return fmt.Errorf("Retry-After %q is neither delta-seconds nor an HTTP-date", v)
	}
	return nil
}

// checkRecovers is SRV-3: after back-off the request gets what its unlimited twin got, the answer outside
// the transient condition.
func checkRecovers(e evidence) error {
	if len(e.retries) == 0 {
		return fmt.Errorf("the transient answer was never retried")
	}
	last := e.retries[len(e.retries)-1]
	if last.Err != nil {
		return fmt.Errorf("retry %d: no answer: %v", len(e.retries), last.Err)
	}
	want := statusAndType(e.controls[scenario.ControlUnlimited].Response)
	if got := statusAndType(last.Response); got != want {
		return fmt.Errorf("answered %s after %d retries with back-off, where the same request outside the rate limit answered %s", got, len(e.retries), want)
	}
	return nil
}

// clearsToSomething: when the request is answered transiently even outside the rate limit, there is no
// clearing up to see, and that answer is its own requirement's (MOD-2, for the burst's unknown model).
func clearsToSomething(e evidence) string {
	if r := e.controls[scenario.ControlUnlimited].Response; scenario.Transient(r.Status) {
		return fmt.Sprintf("cannot tell: the burst's request is answered %d even without a rate limit (its twin with the suite's own key), so nothing can clear up; the requirement of that answer reports it (MOD-2, for an unknown model)", r.Status)
	}
	return ""
}
