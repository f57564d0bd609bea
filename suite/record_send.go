package suite

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// send fills s with the scenario's exchanges, or says why it cannot be sent here.
func (t *Target) send(ctx context.Context, sc scenario.Scenario, s *sent) (skip string) {
	if why := Unmet(sc, t.Scenarios, t.offers, t.billable); why != "" {
		return why
	}
	h := t.header(sc, sc.Request.Credential)
	vars, skip := t.vars(t.Scenarios.Needs(sc))
	if skip != "" {
		return skip
	}
	if sc.EachModel {
		if why := t.eachModelUnmet(); why != "" {
			return why
		}
	}
	if sc.Trigger != "" {
		trig := t.offers.Triggers[sc.Trigger]
		vars = withVar(vars, scenario.TriggerModelVar, trig.Model)
		if trig.Header != "" {
			name, value, _ := trig.SplitHeader()
			h.Set(name, value)
			if m, ok := vars[scenario.ModelVar]; ok {
				vars[scenario.TriggerModelVar] = m
			}
		}
	}
	ctx = t.scenarioDeadline(ctx, sc)
	bindings := []map[string]string{vars}
	if sc.EachModel {
		bindings = bindings[:0]
		for _, m := range t.disc.models {
			bindings = append(bindings, withVar(vars, scenario.ModelVar, m))
		}
	}
	for _, b := range bindings {
		// Rendered once here so that a body that cannot be built is a skip, not a failed exchange; each
		// sending renders it again, with its own nonce.
		if _, err := t.Scenarios.Body(sc, b); err != nil {
			return "cannot build the request: " + err.Error()
		}
		path, err := scenario.Path(sc.Request.Path, b)
		if err != nil {
			return "cannot build the request: " + err.Error()
		}
		r := request{sc: sc, path: path, header: h, vars: b}
		if s.first == nil {
			s.first = &r
		}
		switch {
		case sc.Burst:
			if skip := t.burst(ctx, r, s); skip != "" {
				return skip
			}
		default:
			ex, ok := t.do(ctx, s, r)
			if !ok {
				return throttledSkip(s)
			}
			s.exs = append(s.exs, ex)
			for range sc.Sends() - 1 {
				ex, ok := t.do(ctx, s, r)
				if !ok {
					return throttledSkip(s)
				}
				s.repeats = append(s.repeats, ex)
			}
		}
		if sc.Recovers {
			t.retry(ctx, r, s)
		}
	}
	if sc.Streaming {
		// The same request without stream: true: what the gateway answers it is what STREAM-1 holds the
		// streaming request to.
		plain := *s.first
		plain.unstream = true
		ex, ok := t.do(ctx, s, plain)
		if !ok {
			return throttledSkip(s)
		}
		if s.controls == nil {
			s.controls = map[string]*exchange.Exchange{}
		}
		s.controls[plainTwin] = ex
	}
	return t.sendControls(ctx, sc, vars, s)
}

// plainTwin names the twin of a streaming request sent without stream: true.
const plainTwin = "plain"

// scenarioDeadline gives each request of a scenario that waits on the gateway's upstream timeout a deadline
// past it, not the run's: a gateway that hangs is caught in seconds, and the answer of one that meets its
// timeout still arrives on a machine however busy (UP-3 then judges it, allowing what every answer took).
func (t *Target) scenarioDeadline(ctx context.Context, sc scenario.Scenario) context.Context {
	if !sc.Expect.WithinUpstreamTimeout {
		return ctx
	}
	return withRequestTimeout(ctx, t.offers.UpstreamTimeout+2*grace(t.offers.UpstreamTimeout)+busyMachine)
}

// busyMachine is what a request that waits on the gateway's upstream timeout is given beyond it and its
// grace: what a starved machine may add to an answer. A gateway with no timeout costs a run this once.
const busyMachine = 10 * time.Second

// sendControls sends each twin once: the request with only its element under test changed.
func (t *Target) sendControls(ctx context.Context, sc scenario.Scenario, vars map[string]string, s *sent) (skip string) {
	for name, ctl := range sc.Controls {
		cred, path := sc.Request.Credential, sc.Request.Path
		if ctl.Credential != "" {
			cred = ctl.Credential
		}
		if ctl.Path != "" {
			path = ctl.Path
		}
		path, err := scenario.Path(path, vars)
		if err != nil {
			return "cannot build the " + name + " twin: " + err.Error()
		}
		if s.controls == nil {
			s.controls = map[string]*exchange.Exchange{}
		}
		ex, ok := t.do(ctx, s, request{sc: sc, path: path, header: t.header(sc, cred), vars: s.first.vars})
		if !ok {
			return throttledSkip(s)
		}
		s.controls[name] = ex
	}
	return ""
}

// grace is what UP-3 allows past the gateway's upstream timeout: the gateway's own work and the network.
func grace(upstreamTimeout time.Duration) time.Duration {
	return max(time.Second, upstreamTimeout/2)
}

func withVar(vars map[string]string, name, value string) map[string]string {
	out := maps.Clone(vars)
	out[name] = value
	return out
}

// header is the request's headers presenting cred, the scenario's own credential or a twin's.
func (t *Target) header(sc scenario.Scenario, cred scenario.Credential) http.Header {
	h := t.headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "gwconform")
	if v, ok := cred.Authorization(t.keys[cred.Role()]); ok {
		// An empty value must still be sent (AUTH-3), so the map is written directly.
		h["Authorization"] = []string{v}
	}
	if sc.Request.HasBody() {
		ct := sc.Request.ContentType
		if ct == "" {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
	}
	for k, v := range sc.Request.Headers {
		h.Set(k, v)
	}
	if sc.Request.OversizedBytes > 0 {
		// A gateway may refuse an oversized body early and close the connection: asking first lets its
		// answer be read before the body is sent, so an early refusal never looks like a dropped connection.
		h.Set("Expect", "100-continue")
	}
	return h
}

// throttleAttempts is how often an ordinary scenario's request is sent while the target answers it 429.
const throttleAttempts = 4

// do sends one request of the scenario. A 429 to a scenario that does not expect one is the target pacing
// the suite (a rate-limited staging gateway, a high --concurrency), not its answer: it is kept in the
// transcript and the request is sent again, after Retry-After when the target gives one (within
// maxRetryAfter), else after 1s, 2s, 4s. ok is false when every attempt was answered 429.
func (t *Target) do(ctx context.Context, s *sent, r request) (ex *exchange.Exchange, ok bool) {
	sc := r.sc
	for attempt := range throttleAttempts {
		ex = t.send1(ctx, r)
		if ex.Err != nil || ex.Response.Status != http.StatusTooManyRequests || sc.Expect.Status.Allows(http.StatusTooManyRequests) {
			return ex, true
		}
		s.throttled = append(s.throttled, ex)
		if attempt == throttleAttempts-1 {
			break
		}
		wait, source := time.Second<<attempt, ""
		if ra, ok := retryAfter(ex.Response.Header.Get("Retry-After"), time.Now()); ok && ra <= maxRetryAfter {
			wait, source = ra, "Retry-After"
		}
		if !t.wait(ctx, wait, source, fmt.Sprintf("before sending %s again: it was answered 429", sc.Name())) {
			return ex, false
		}
	}
	return ex, false
}

// throttledSkip is why a scenario the target kept answering 429 could not be judged: no answer of its own
// ever came back.
func throttledSkip(s *sent) string {
	return fmt.Sprintf("could not be tested: the target answered 429 (rate limited) to all %d attempts, with Retry-After honoured; run again with a lower --concurrency", len(s.throttled))
}

// request is one of a scenario's requests before it goes out. Every sending is an exchange of its own, with
// a nonce of its own in a header and in the prompt, so that the upstream's witness can say which of them
// reached it.
type request struct {
	sc     scenario.Scenario
	path   string
	header http.Header
	vars   map[string]string
	// unstream sends the body without its stream member: a streaming request's plain twin.
	unstream bool
}

// send1 sends the request once, with a fresh nonce.
func (t *Target) send1(ctx context.Context, r request) *exchange.Exchange {
	nonce := witness.NewNonce()
	h := r.header.Clone()
	h.Set(witness.NonceHeader, nonce)
	body, _ := t.Scenarios.Body(r.sc, withVar(r.vars, scenario.NonceVar, nonce)) // send has built it once
	var b exchange.Body
	if body != nil {
		b = body
	}
	if r.unstream && body != nil {
		b = exchange.Bytes(withoutStream(body.Head()))
	}
	return t.exchange(ctx, r.sc.Request.Method, r.path, h, b)
}

// withoutStream is a streaming request's body without its stream member, found by its text so that a
// malformed body loses it too.
func withoutStream(body []byte) []byte {
	for _, member := range []string{`"stream": true, `, `"stream":true,`, `, "stream": true`, `"stream": true`} {
		if i := bytes.Index(body, []byte(member)); i >= 0 {
			return append(append([]byte{}, body[:i]...), body[i+len(member):]...)
		}
	}
	return body
}
