package suite

import (
	"context"
	"net/http"
	"sync"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/schema"
)

// target is one run's view of the gateway under test. It is created by Define and reached only through the
// closures of that run's specs: nothing here is package state.
type target struct {
	client    *exchange.Client
	apiKey    string
	redactor  *redact.Redactor
	catalogue *scenario.Catalogue
	reqs      requirements.Catalogue
	schemas   *schema.Set

	mu   sync.Mutex
	memo map[string]*sent // by scenario id
	disc discoveryOnce
}

// sent is a scenario's exchanges, made once however many specs check them.
type sent struct {
	once sync.Once
	body []byte
	exs  []*exchange.Exchange
	skip string // why the scenario could not be sent on this target
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
		vars, skip := t.vars(ctx, t.catalogue.Needs(sc))
		if skip != "" {
			s.skip = skip
			return
		}
		body, err := t.catalogue.Body(sc, vars)
		if err != nil {
			s.skip = "cannot build the request: " + err.Error()
			return
		}
		s.body = body
		h := t.header(sc)
		for range sc.Sends() {
			s.exs = append(s.exs, t.client.Do(ctx, sc.Request.Method, sc.Request.Path, h, body))
		}
	})
	return s
}

func (t *target) header(sc scenario.Scenario) http.Header {
	h := http.Header{}
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "gwconform")
	if v, ok := sc.Request.Credential.Authorization(t.apiKey); ok {
		// Set would canonicalise nothing here, but an empty value must still be sent: assign directly.
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
	return h
}
