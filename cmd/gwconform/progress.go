package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/suite"
)

// progress prints, for a person watching a slow target, which scenario is being sent and how far along the
// run is: "[12/54] POST /v1/chat/completions without Authorization".
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
func newProgress(w io.Writer, sel selection, offers profile.Resolved, billable bool) *progress {
	p := &progress{w: w, sent: map[string]bool{}, start: time.Now()}
	for _, sc := range sel.plan.Scenarios.Scenarios {
		if sel.scenarios[sc.ID] && suite.Unmet(sc, sel.plan.Scenarios, offers, billable) == "" {
			p.sent[sc.Name()] = true
		}
	}
	p.total = len(p.sent)
	return p
}

func (p *progress) report(scenario string, done bool, took time.Duration) {
	if !p.sent[scenario] {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !done {
		fmt.Fprintf(p.w, "gwconform: [%d/%d] %s ...\n", p.done+1, p.total, scenario)
		return
	}
	p.done++
	if took > 2*time.Second {
		fmt.Fprintf(p.w, "gwconform: [%d/%d] %s took %s\n", p.done, p.total, scenario, took.Round(time.Millisecond))
	}
}
