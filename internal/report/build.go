package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/requirements"
)

// Build reads the report Ginkgo hands to ReportAfterSuite.
func Build(r types.Report, in Inputs, run Run) *Result {
	if run.Started.IsZero() {
		run.Started = r.StartTime
	}
	if run.LabelFilter == "" {
		run.LabelFilter = r.SuiteConfig.LabelFilter
	}
	res := &Result{SchemaVersion: SchemaVersion, Run: run, Finished: r.EndTime, Billed: in.Billed,
		Counts: Counts{Requirements: map[Outcome]int{}}, UncoveredMusts: []Uncovered{}}
	sel := newSelection(r, run.LabelFilter)

	specs, nodeFailures := specsOf(r, sel, in.Specs, in.KnownFailing)
	if run.Stopped != "" {
		specs = append(specs, notJudged(specs, sel, in.Specs, run.Stopped)...)
	}
	inPlanOrder(specs, in.Specs)
	nonIt := len(nodeFailures)
	res.HarnessErrors = append(res.HarnessErrors, nodeFailures...)
	for _, s := range specs {
		if s.State == StatePassed && in.KnownFailing[s.Name] {
			res.Counts.Specs.NowPassing = append(res.Counts.Specs.NowPassing, s.Name)
		}
		res.Specs = append(res.Specs, s)
		c := &res.Counts.Specs
		c.Total++
		switch {
		case s.State == StatePassed:
			c.Passed++
		case s.State == StateFailed:
			c.Failed++
			if s.Level == "must" {
				c.FailedMust++
			} else {
				c.FailedShould++
			}
		case s.State == StateKnownFailure:
			c.KnownFailure++
		case s.State == StateNotSelected:
			c.NotSelected++
		case s.State == StateBlocked:
			c.Blocked++
		case s.State == StateSkipped || s.State == StatePending:
			c.Skipped++
		default:
			c.HarnessError++
		}
	}

	guaranteed := map[string]bool{}
	for _, g := range in.Guarantees {
		guaranteed[g.ID] = true
		res.SuiteGuarantees = append(res.SuiteGuarantees, g)
		if !g.Holds {
			nonIt++ // the suite cannot vouch for its own checks: no verdict
			res.HarnessErrors = append(res.HarnessErrors, fmt.Sprintf("the suite's own guarantee %s does not hold: %s", g.ID, g.Proof))
		}
	}
	byID := map[string]*Requirement{}
	for _, id := range in.Requirements.IDs() {
		if guaranteed[id] {
			continue
		}
		q := in.Requirements[id]
		req := &Requirement{ID: q.ID, Level: string(q.Level), Text: q.Text, Specs: []*Spec{}}
		byID[id] = req
		res.Requirements = append(res.Requirements, req)
	}
	for _, s := range res.Specs {
		attributed := false
		for _, id := range s.Requirements {
			if q, ok := byID[id]; ok {
				q.Specs = append(q.Specs, s)
				attributed = true
			}
		}
		if !attributed {
			res.Unattributed = append(res.Unattributed, s)
		}
	}
	for _, q := range res.Requirements {
		q.Outcome, q.Reasons, q.BlockedBy = outcome(q, sel)
		res.Counts.Requirements[q.Outcome]++
		if q.Level == string(requirements.Must) && (q.Outcome == OutcomeNotCovered || q.Outcome == OutcomeSkipped || q.Outcome == OutcomeNotSelected) {
			res.UncoveredMusts = append(res.UncoveredMusts, Uncovered{ID: q.ID, Text: q.Text, Outcome: q.Outcome, Reasons: q.Reasons})
		}
	}
	for _, o := range Outcomes {
		if _, ok := res.Counts.Requirements[o]; !ok {
			res.Counts.Requirements[o] = 0 // every outcome is counted, so a reader need not guess a missing key
		}
	}

	res.Findings = findings(res.Specs, in.Requirements.IDs())
	res.Verdict, res.ExitCode, res.Summary = judge(r, res.Counts.Specs, len(res.Findings), nonIt, run)
	if res.Verdict == VerdictHarnessError {
		for _, why := range r.SpecialSuiteFailureReasons {
			if !slices.Contains(res.HarnessErrors, why) {
				res.HarnessErrors = append(res.HarnessErrors, why)
			}
		}
	}
	return res
}

// inPlanOrder orders the specs as the plan lists them, whatever order Ginkgo ran them in: it shuffles the
// scenarios on every run, and a requirement's first failed spec, the deviations' numbers and every report's
// bytes would change with it. A spec the plan does not know comes last, by name.
func inPlanOrder(specs []*Spec, plan map[string]SpecInfo) {
	slices.SortStableFunc(specs, func(a, b *Spec) int {
		pa, aPlanned := plan[a.Name]
		pb, bPlanned := plan[b.Name]
		switch {
		case aPlanned != bPlanned && aPlanned:
			return -1
		case aPlanned != bPlanned:
			return 1
		case aPlanned && pa.Order != pb.Order:
			return cmp.Compare(pa.Order, pb.Order)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// judge is the run's verdict: harness errors first, then a failed must spec, then a failed should spec
// (fatal with FailOn "should"), then a stale --known-failing list, then a suite that did not run. A failure's
// summary leads with the findings: many specs judge each exchange, so the failed specs overstate what to fix.
func judge(r types.Report, c SpecCounts, findings, harnessErrors int, run Run) (Verdict, int, string) {
	counts := fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
	if c.Blocked > 0 {
		counts = fmt.Sprintf("%d passed, %d failed, %d blocked, %d skipped", c.Passed, c.Failed, c.Blocked, c.Skipped)
	}
	if c.KnownFailure > 0 {
		counts += fmt.Sprintf(", %d known failure(s)", c.KnownFailure)
	}
	if c.NotSelected > 0 {
		counts += fmt.Sprintf(", %d not selected", c.NotSelected)
	}
	if run.Stopped != "" {
		return VerdictInterrupted, ExitHarness, fmt.Sprintf("INTERRUPTED: the run stopped before its end (%s), so there is no verdict; what it judged: %s", run.Stopped, counts)
	}
	harness := c.HarnessError + harnessErrors
	if stopped(r) && c.Passed+c.Failed+c.KnownFailure > 0 {
		harness++ // specs that did not run could have failed: an interrupted run has no verdict
	}
	switch {
	case harness > 0:
		return VerdictHarnessError, ExitHarness, fmt.Sprintf("harness error: %d spec(s) or checks of the suite itself failed to run; no verdict (%s)", harness, counts)
	case c.FailedMust > 0:
		return VerdictNonConformant, ExitFailed, fmt.Sprintf("NON-CONFORMANT: %s, %d MUST and %d SHOULD spec(s) failed (%s)", deviations(findings, c.Failed), c.FailedMust, c.FailedShould, counts)
	case c.FailedShould > 0 && run.Fails(requirements.Should):
		return VerdictNonConformant, ExitFailed, fmt.Sprintf("NON-CONFORMANT with --fail-on should: %s, %d SHOULD spec(s) failed (%s)", deviations(findings, c.Failed), c.FailedShould, counts)
	case len(c.NowPassing) > 0:
		return VerdictKnownFailingStale, ExitFailed, fmt.Sprintf("KNOWN-FAILING LIST STALE: %d spec(s) listed in %s now pass; remove them (%s)", len(c.NowPassing), run.KnownFailing, counts)
	case c.FailedShould > 0:
		return VerdictConformantWithWarnings, ExitConformant, fmt.Sprintf("CONFORMANT WITH WARNINGS: %s, %d SHOULD spec(s) failed (%s)", deviations(findings, c.Failed), c.FailedShould, counts)
	case !r.SuiteSucceeded && c.Passed == 0 && c.KnownFailure == 0:
		return VerdictHarnessError, ExitHarness, "harness error: the suite did not run: " + strings.Join(r.SpecialSuiteFailureReasons, "; ")
	}
	return VerdictConformant, ExitConformant, "CONFORMANT (" + counts + ")"
}

// outcome decides one requirement from the specs charged to it: a harness error taints it; then a failure;
// then a known failure; then a blocked spec, for a requirement is met only when every spec deciding it
// passed; then any spec that ran makes it pass; then run-time skips; and last, specs the filter left out.
func outcome(q *Requirement, sel selection) (Outcome, []string, []string) {
	if len(q.Specs) == 0 {
		return OutcomeNotCovered, []string{"no spec of the suite names " + q.ID}, nil
	}
	var harness, failed, known, ran bool
	var skips []string
	var blocks []Block
	for _, s := range q.Specs {
		switch {
		case s.HarnessError():
			harness = true
		case s.Failed():
			failed = true
		case s.KnownFailure():
			known = true
		case s.State == StateBlocked:
			blocks = append(blocks, *s.Blocked)
		case s.Ran():
			ran = true
		case s.State == StateSkipped || s.State == StatePending:
			if !slices.Contains(skips, s.SkipReason) {
				skips = append(skips, s.SkipReason)
			}
		}
	}
	switch {
	case harness:
		return OutcomeHarnessError, nil, nil
	case failed:
		return OutcomeFail, nil, nil
	case known:
		return OutcomeKnownFailure, nil, nil
	case len(blocks) > 0:
		reasons, by := blockedReasons(blocks)
		return OutcomeBlocked, reasons, by
	case ran:
		return OutcomePass, nil, nil
	case len(skips) > 0 && allNotApplicable(skips):
		return OutcomeNotApplicable, skips, nil
	case len(skips) > 0:
		return OutcomeSkipped, skips, nil
	}
	return OutcomeNotSelected, []string{sel.notSelectedReason()}, nil
}

// blockedReasons counts the answers that blocked a requirement, one reason per blocker and lack ("blocked by
// ENV-3: 4 answers have no error.type"), and lists the blockers in contract order.
func blockedReasons(blocks []Block) (reasons, by []string) {
	n := map[Block]int{}
	var order []Block
	for _, b := range blocks {
		if n[b]++; n[b] == 1 {
			order = append(order, b)
		}
	}
	slices.SortStableFunc(order, func(a, b Block) int {
		switch {
		case requirements.Less(a.By, b.By):
			return -1
		case requirements.Less(b.By, a.By):
			return 1
		}
		return 0
	})
	for _, b := range order {
		verb := "have"
		if n[b] == 1 {
			verb = "has"
		}
		reasons = append(reasons, fmt.Sprintf("blocked by %s: %s %s %s", b.By, Plural(n[b], "answer"), verb, b.Lack))
		if !slices.Contains(by, b.By) {
			by = append(by, b.By)
		}
	}
	return reasons, by
}

func allNotApplicable(reasons []string) bool {
	for _, r := range reasons {
		if !strings.HasPrefix(r, NotApplicable) {
			return false
		}
	}
	return true
}
