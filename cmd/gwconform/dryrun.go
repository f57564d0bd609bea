package main

import (
	"fmt"
	"io"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/suite"
)

// dryRun says what a run would do with this configuration, without sending a request: which specs the
// label filter keeps, and which of those the profile cannot trigger, with the reason.
func dryRun(w io.Writer, sel selection, cfg suite.Config) int {
	var run, skip int
	for _, sc := range sel.plan.Scenarios.Scenarios {
		if !sel.scenarios[sc.ID] {
			continue
		}
		why := suite.Unmet(sc, sel.plan.Scenarios, cfg.Offers, cfg.Billable)
		for _, s := range sel.specs {
			switch {
			case s.Scenario != sc.ID:
			case why != "":
				skip++
				fmt.Fprintf(w, "skip  %s %s: %s\n", s.Container, s.Leaf, why)
			default:
				run++
				fmt.Fprintf(w, "run   %s %s\n", s.Container, s.Leaf)
			}
		}
	}
	filtered := len(sel.plan.Specs()) - len(sel.specs)
	fmt.Fprintf(w, "gwconform: dry run: %d spec(s) would run, %d would be skipped, %d filtered out by --label-filter; nothing was sent\n", run, skip, filtered)
	return exitConformant
}

// labelFilterOf is the --label-filter as a predicate on a spec's labels; run has validated it already.
func labelFilterOf(expr string) types.LabelFilter {
	if expr == "" {
		return func([]string) bool { return true }
	}
	keep, _ := types.ParseLabelFilter(expr)
	return keep
}
