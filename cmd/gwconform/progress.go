package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/suite"
)

// progress prints, for a person watching a slow target, each scenario as its exchanges are recorded and how
// far along the run is: "[12/54] POST /v1/chat/completions without Authorization (212ms)".
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	sent  map[string]bool // scenario names that go out; the others are skipped before a request
	done  int
	total int
	start time.Time
}

// newProgress counts the scenarios that will be sent: those the label filter keeps and the profile can
// trigger. A scenario skipped for a missing trigger is never listed, so the count ends where the run does.
func newProgress(w io.Writer, sel selection, offers profile.Offers, billable bool) *progress {
	p := &progress{w: w, start: time.Now()}
	p.count(sel, offers, billable)
	return p
}

// count lists the scenarios to tell of, again once the generated bodies have joined the plan.
func (p *progress) count(sel selection, offers profile.Offers, billable bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = map[string]bool{}
	for _, sc := range sel.plan.Scenarios.Scenarios {
		if sel.scenarios[sc.ID] && suite.Unmet(sc, sel.plan.Scenarios, offers, billable) == "" {
			p.sent[sc.Name()] = true
		}
	}
	p.total = len(p.sent)
}

func (p *progress) report(scenario string, done bool, took time.Duration) {
	if !p.sent[scenario] {
		return
	}
	if !done {
		return // several scenarios are in flight at once: each is told once, as it ends, in the order they end
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	fmt.Fprintf(p.w, "gwconform: [%d/%d] %s (%s)\n", p.done, p.total, scenario, took.Round(time.Millisecond))
}
