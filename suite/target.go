package suite

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/scenario"
)

// target is one run's view of the gateway under test. It is created by Define and reached only through the
// closures of that run's specs: nothing here is package state.
type target struct {
	client   *exchange.Client
	keys     map[string]string // by credential role; RoleValid is the main key
	billable bool
	offers   profile.Resolved
	progress func(scenario string, done bool, took time.Duration)
	headers  http.Header // sent with every request
	redactor *redact.Redactor
	*Plan

	mu   sync.Mutex
	memo map[string]*sent // by scenario id
	disc discoveryOnce
}

// sent is a scenario's exchanges, made once however many specs check them.
type sent struct {
	once     sync.Once
	body     []byte
	exs      []*exchange.Exchange          // the answers judged
	repeats  []*exchange.Exchange          // the same requests sent again (REQ-10)
	controls map[string]*exchange.Exchange // the twins, by control name
	retries  []*exchange.Exchange          // the page's retry policy applied to a transient answer (SRV-3)
	note     string                        // how the exchanges came about, when that is not obvious (a burst)
	skip     string                        // why the scenario could not be sent on this target
}

// send makes the scenario's exchanges the first time any of its specs asks, and hands every later spec the
// same record. Whichever spec runs first pays for the request; none depends on another having run.
func (t *target) send(ctx context.Context, sc scenario.Scenario) *sent {
	t.mu.Lock()
	s, ok := t.memo[sc.ID]
	if !ok {
		s = &sent{}
		t.memo[sc.ID] = s
	}
	t.mu.Unlock()
	s.once.Do(func() {
		start := time.Now()
		if t.progress != nil {
			t.progress(sc.Name(), false, 0)
		}
		s.skip = t.sendOnce(ctx, sc, s)
		if t.progress != nil {
			t.progress(sc.Name(), true, time.Since(start))
		}
	})
	return s
}

// sendOnce fills s with the scenario's exchanges, or says why it cannot be sent here.
func (t *target) sendOnce(ctx context.Context, sc scenario.Scenario, s *sent) (skip string) {
	if why := Unmet(sc, t.Scenarios, t.offers, t.billable); why != "" {
		return why
	}
	h := t.header(sc, sc.Request.Credential)
	vars, skip := t.vars(ctx, t.Scenarios.Needs(sc))
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
		vars = withVar(vars, "trigger_model", trig.Model)
		if trig.Header != "" {
			name, value, _ := trig.SplitHeader()
			h.Set(name, value)
			if m, ok := vars["model"]; ok {
				vars["trigger_model"] = m
			}
		}
	}
	if sc.Expect.WithinUpstreamTimeout {
		// Wait a little past the gateway's own deadline, not the run's: a gateway that hangs is caught in
		// seconds, and its answer, if any, still arrives.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.offers.UpstreamTimeout+2*grace(t.offers.UpstreamTimeout))
		defer cancel()
	}
	bindings := []map[string]string{vars}
	if sc.EachModel {
		bindings = bindings[:0]
		for _, m := range t.disc.models {
			bindings = append(bindings, withVar(vars, "model", m))
		}
	}
	for _, b := range bindings {
		body, err := t.Scenarios.Body(sc, b)
		if err != nil {
			return "cannot build the request: " + err.Error()
		}
		path, err := scenario.Path(sc.Request.Path, b)
		if err != nil {
			return "cannot build the request: " + err.Error()
		}
		if s.body == nil {
			s.body = body
		}
		switch {
		case sc.Burst:
			t.burst(ctx, sc, path, h, body, s)
		default:
			s.exs = append(s.exs, t.client.Do(ctx, sc.Request.Method, path, h, body))
			for range sc.Sends() - 1 {
				s.repeats = append(s.repeats, t.client.Do(ctx, sc.Request.Method, path, h, body))
			}
		}
		if sc.Recovers {
			t.retry(ctx, sc, path, h, body, s)
		}
	}
	return t.sendControls(ctx, sc, vars, s)
}

// sendControls sends each twin once: the request with only its element under test changed.
func (t *target) sendControls(ctx context.Context, sc scenario.Scenario, vars map[string]string, s *sent) (skip string) {
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
		s.controls[name] = t.client.Do(ctx, sc.Request.Method, path, t.header(sc, cred), s.body)
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
func (t *target) header(sc scenario.Scenario, cred scenario.Credential) http.Header {
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
