package suite

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Generate adds the run's generated bodies to the plan as scenarios. It comes after discovery, because the
// bodies are made for the model the run chose and break only the parameters that model lists; and before
// the selection, so that a label filter selects among them like any other.
func (t *Target) Generate() error {
	if !t.negative.On() {
		return nil
	}
	desc, err := negative.Describe()
	if err != nil {
		return fmt.Errorf("the request schema: %w", err)
	}
	g := negative.New(desc, scenario.Ref(scenario.ModelVar), t.disc.params)
	t.generator = g
	for _, i := range t.negative.indexes() {
		t.Scenarios.Scenarios = append(t.Scenarios.Scenarios, negativeScenario(g.Case(t.negative.Seed, i)))
	}
	return nil
}

// shrunk is what minimising a generated body the target mishandled found.
type shrunk struct {
	symptom string // how the target mishandled it, which every smaller body must repeat
	body    []byte // the smallest body found that fails the same way, as sent; nil when none was tried
	tried   int    // how many bodies were sent to find it
	// sameAs is the case already minimised for the same rule failing the same way; over says the run had
	// minimised as many failures as it may.
	sameAs int
	over   bool
}

// minimiseNegatives shrinks the generated bodies the target mishandled: the first case of each rule that
// fails each way, the worst ways first (no answer or a 5xx, then a success), up to MaxMinimised of them,
// each with at most MinimiseBudget requests. The others point to the case that stands for them.
func (t *Target) minimiseNegatives(ctx context.Context) {
	type kind struct {
		rule    negative.Rule
		symptom string
	}
	first := map[kind]int{}
	var failed, jobs []scenario.Scenario
	for _, sc := range t.Scenarios.Scenarios {
		s := t.recorded[sc.ID]
		if sc.Generated == nil || s == nil || s.skip != "" || len(s.exs) == 0 || s.first == nil {
			continue
		}
		if sym := symptom(sc, s.exs[0]); sym != "" {
			s.shrunk = &shrunk{symptom: sym, sameAs: -1}
			failed = append(failed, sc)
		}
	}
	slices.SortStableFunc(failed, func(a, b scenario.Scenario) int {
		return severity(t.recorded[a.ID].shrunk.symptom) - severity(t.recorded[b.ID].shrunk.symptom)
	})
	for _, sc := range failed {
		c, s := sc.Generated.Case, t.recorded[sc.ID]
		k := kind{c.Rule, s.shrunk.symptom}
		if i, ok := first[k]; ok {
			s.shrunk.sameAs = i
			continue
		}
		if len(first) == MaxMinimised {
			s.shrunk.over = true
			continue
		}
		first[k] = c.Index
		jobs = append(jobs, sc)
	}
	var wg sync.WaitGroup
	for _, sc := range jobs {
		wg.Go(func() { t.minimise(ctx, sc, t.recorded[sc.ID]) })
	}
	wg.Wait()
}

// minimise sends ever smaller variants of the scenario's body, keeping each that the target mishandles
// the same way.
func (t *Target) minimise(ctx context.Context, sc scenario.Scenario, s *sent) {
	try := func(n *negative.Node) (scenario.Scenario, request) {
		body := string(n.Encode())
		v := sc
		v.Request.Body = &body
		r := *s.first
		r.sc = v
		return v, r
	}
	c := sc.Generated.Case
	min, tried := negative.Minimise(t.generator.Case(c.Seed, c.Index).Body, func(n *negative.Node) bool {
		if ctx.Err() != nil {
			return false
		}
		v, r := try(n)
		ex, ok := t.do(ctx, &sent{}, r)
		return ok && symptom(v, ex) == s.shrunk.symptom
	}, MinimiseBudget)
	v, r := try(min)
	if p, err := t.Scenarios.Body(v, r.vars); err == nil && p != nil {
		s.shrunk.body = p.Head()
	}
	s.shrunk.tried = tried
}
