package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gwconform/gwconform/suite"
)

// progress prints, for a person watching a slow target, which scenario is being sent and how far along the
// run is: "[12/54] POST /v1/chat/completions without Authorization".
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	done  int
	total int
	start time.Time
}

// newProgress counts the scenarios the label filter keeps: those are the ones that will be sent.
func newProgress(w io.Writer, plan *suite.Plan, labelFilter string) *progress {
	keep := labelFilterOf(labelFilter)
	kept := map[string]bool{}
	for _, s := range plan.Specs() {
		if keep(s.Labels) {
			kept[s.Scenario] = true
		}
	}
	return &progress{w: w, total: len(kept), start: time.Now()}
}

func (p *progress) report(scenario string, done bool, took time.Duration) {
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
