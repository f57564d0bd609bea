package suite

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// burst sends the request until the first 429, within the profile's bounds in count and time, and keeps
// only the exchange that ended it: the 429 when there was one (LIMIT-1). The requests go one at a time in
// the burst's own lane, or as many at once as the profile's rate_limit.concurrency: a limiter that counts
// a request when it completes lets a whole wave of concurrent requests through before it counts any.
//
// A burst whose window ends before it sent rate_limit.burst requests, none answered 429, is a skip: the
// profile says the limit is met within that many requests in that time, and a target (or a machine) too
// slow to be sent them all has not been shown to lack it.
func (t *Target) burst(ctx context.Context, r request, s *sent) (skip string) {
	start := time.Now()
	deadline := start.Add(t.offers.BurstWithin)
	inFlight := min(max(t.offers.BurstConcurrency, 1), max(t.workers, 1))
	n, refused, ended := 0, 0, false
	for n < t.offers.Burst && time.Now().Before(deadline) && !ended {
		var answered, wasRefused int
		answered, wasRefused, ended = t.wave(ctx, r, min(inFlight, t.offers.Burst-n), s)
		n, refused = n+answered, refused+wasRefused
	}
	took := time.Since(start).Round(time.Millisecond)
	s.note = fmt.Sprintf("the burst sent %d request(s) in %s (at most %d within %s)", n, took, t.offers.Burst, t.offers.BurstWithin)
	if refused == n && !t.offers.BurstBillable {
		s.note += ", and every one was answered 400: the gateway seems to check the model before its rate limit; set rate_limit.completions: true in the profile to burst with real completions (billable)"
	}
	if !ended && n < t.offers.Burst && ctx.Err() == nil {
		return fmt.Sprintf("could not be tested: the burst sent only %d of rate_limit.burst's %d requests within %s (took %s), none answered 429, so whether the limit is met within %d is not known; raise rate_limit.within in the profile", n, t.offers.Burst, t.offers.BurstWithin, took, t.offers.Burst)
	}
	return ""
}

// wave sends size requests at once and reads the answers as they arrive. The first 429, or a request that
// gets no answer, ends the burst at once: the wave's requests still waiting for a slot are called off, so
// the lane is not held up by requests whose answers would be thrown away.
func (t *Target) wave(ctx context.Context, r request, size int, s *sent) (answered, refused int, ended bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make(chan *exchange.Exchange, size)
	for range size {
		go func() { answers <- t.send1(ctx, r) }()
	}
	for range size {
		ex := <-answers
		if ended {
			continue // called off, or answered after the burst ended: not part of it
		}
		answered++
		s.exs = []*exchange.Exchange{ex}
		switch {
		case ex.Err != nil || ex.Response.Status == http.StatusTooManyRequests:
			ended = true
			cancel()
		case ex.Response.Status == http.StatusBadRequest:
			refused++
		}
	}
	return answered, refused, ended
}

// maxRetryAfter is the longest Retry-After the policy honours; beyond it the back-off applies, as the
// OpenAI SDKs do, so a hostile value cannot stall the run.
const maxRetryAfter = 60 * time.Second

// retry applies the page's policy to a transient answer: retry 429/500/502/503 only, waiting Retry-After
// when the target gives one and base·2^attempt otherwise, for the profile's number of attempts (the first
// one included, as in the page's with_retry).
func (t *Target) retry(ctx context.Context, r request, s *sent) {
	sc := r.sc
	last := s.exs[len(s.exs)-1]
	for attempt := 0; attempt < t.offers.RetryAttempts-1; attempt++ {
		if last.Err != nil || !scenario.Transient(last.Response.Status) {
			return
		}
		wait, source := t.offers.RetryBase<<attempt, ""
		if ra, ok := retryAfter(last.Response.Header.Get("Retry-After"), time.Now()); ok && ra <= maxRetryAfter {
			wait, source = ra, "Retry-After"
		}
		if !t.wait(ctx, wait, source, fmt.Sprintf("before retrying %s, as the page's retry policy says (SRV-3)", sc.Name())) {
			return
		}
		last = t.send1(ctx, r)
		s.retries = append(s.retries, last)
	}
}

// retryAfter reads Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
