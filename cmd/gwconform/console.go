package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
)

// marksPerLine keeps the row of marks within a terminal's width.
const marksPerLine = 100

// A mark is the console's one character for a judged spec, and what README.md's legend says it means.
type mark struct{ char, means string }

var (
	markPassed       = mark{".", "passed"}
	markSkipped      = mark{"S", "skipped"}
	markBlocked      = mark{"B", "blocked"}
	markFailed       = mark{"F", "failed"}
	markKnownFailure = mark{"K", "a known failure"}
	markHarnessError = mark{"!", "a harness error"}
	// everyMark is every mark, in the order README.md's legend lists them.
	everyMark = []mark{markPassed, markSkipped, markBlocked, markFailed, markKnownFailure, markHarnessError}
)

// marks prints one character per judged spec, as Ginkgo's succinct reporter would without its failure
// blocks: the detail of a failure is in the reports, and at the end, one line per requirement.
type marks struct {
	mu sync.Mutex
	w  io.Writer
	n  int
	// knownFailing are the --known-failing list's spec names: their failures fail nothing, and are K.
	knownFailing map[string]bool
}

func (m *marks) spec(r types.SpecReport) {
	if r.LeafNodeType != types.NodeTypeIt || r.State == types.SpecStateSkipped && r.NumAttempts == 0 {
		return // left out by the label filter: not part of this run
	}
	mk := markPassed
	switch {
	case r.State == types.SpecStateSkipped && blocked(r):
		mk = markBlocked // not judged: the answer lacks what it reads, which another spec fails
	case r.State == types.SpecStateSkipped:
		mk = markSkipped
	case report.KnownFailure(r, m.knownFailing):
		mk = markKnownFailure
	case r.State == types.SpecStateFailed:
		mk = markFailed
	case r.State.Is(types.SpecStateFailureStates):
		mk = markHarnessError // panicked, timed out, interrupted or aborted: the harness's fault
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprint(m.w, mk.char)
	if m.n++; m.n%marksPerLine == 0 {
		fmt.Fprintln(m.w)
	}
}

func blocked(r types.SpecReport) bool {
	for _, e := range r.ReportEntries {
		if e.Name == report.BlockEntry {
			return true
		}
	}
	return false
}

func (m *marks) end() {
	if m.n%marksPerLine != 0 {
		fmt.Fprintln(m.w)
	}
}

// printVerdict is the end of a run's console: the verdict, one line per failed requirement with its first
// reason, what to export to reproduce a failure, and what else a person must act on.
func printVerdict(w io.Writer, res *report.Result, githubActions bool) {
	fmt.Fprintf(w, "gwconform: %s\n", res.Summary)
	for _, q := range res.Requirements {
		if q.Outcome != report.OutcomeFail {
			continue
		}
		s := q.FailingSpecs()[0]
		more := ""
		if n := len(q.FailingSpecs()); n > 1 {
			more = fmt.Sprintf(" (and %d more)", n-1)
		}
		line := fmt.Sprintf("%s %s: %s: %s%s", q.Level, q.ID, s.Name, firstLine(s.Reason), more)
		fmt.Fprintf(w, "  FAIL %s\n", line)
		if githubActions {
			// A workflow annotation per failed requirement, not per spec: the same one line.
			fmt.Fprintf(w, "::%s title=gwconform %s::%s\n", annotationCommand(res.Run, q), q.ID, strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(line))
		}
	}
	for _, q := range res.Requirements {
		if q.Outcome == report.OutcomeBlocked {
			// Not met, and charged to its blocker, which has its FAIL line above.
			fmt.Fprintf(w, "  BLOCKED %s %s %s\n", q.Level, q.ID, strings.Join(q.Reasons, "; "))
		}
	}
	if line := res.BilledLine(); line != "" {
		fmt.Fprintf(w, "gwconform: %s\n", line)
	}
	if vars := reproductionVariables(res); len(vars) > 0 {
		fmt.Fprintf(w, "gwconform: to reproduce a deviation, export %s, then run its curl line from summary.md or report.html\n", strings.Join(vars, ", "))
	}
	replay := res.Run.Negative != nil && res.Run.Negative.ReplayIndex != nil
	if res.Run.Stopped != "" {
		// Every MUST it did not reach is uncovered for one reason, said once: the reports list them.
		if n := len(res.UncoveredMusts); n > 0 {
			fmt.Fprintf(w, "gwconform: %d MUST requirements were not judged: the run stopped before their specs (%s)\n", n, res.Run.Stopped)
		}
		return
	}
	// What the filter left out was asked for: one line names them all, not one line each.
	var leftOut []string
	for _, u := range res.UncoveredMusts {
		if u.Outcome == report.OutcomeNotSelected {
			leftOut = append(leftOut, u.ID)
			continue
		}
		fmt.Fprintf(w, "gwconform: MUST %s not covered (%s): %s\n", u.ID, u.Outcome.Title(), shortReasons(u.Reasons))
	}
	switch {
	case len(leftOut) == 0:
	case replay:
		fmt.Fprintf(w, "gwconform: a replay judges its one generated body: %s not selected\n", report.Plural(len(leftOut), "MUST requirement"))
	default:
		fmt.Fprintf(w, "gwconform: %s not selected by --label-filter: %s\n", report.Plural(len(leftOut), "MUST requirement"), strings.Join(leftOut, ", "))
	}
	for _, name := range res.Counts.Specs.NowPassing {
		fmt.Fprintf(w, "gwconform: listed in %s but now passes, remove it: %s\n", res.Run.KnownFailing, name)
	}
}

// annotationCommand is the workflow command for a failed requirement: an error when its failure fails the
// run, else a warning, so that a passing step shows no red error.
func annotationCommand(run report.Run, q *report.Requirement) string {
	if run.Fails(requirements.Level(q.Level)) {
		return "error"
	}
	return "warning"
}

// reproductionVariables are the shell variables any finding's curl line reads.
func reproductionVariables(res *report.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range res.Findings {
		for _, v := range f.Variables {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// reasonsShown is how many of an uncovered MUST's reasons its console line gives: a requirement skipped
// for want of a dozen fault models would otherwise take a screen; the reports give every reason.
const reasonsShown = 2

// shortReasons are the first reasonsShown distinct first lines of reasons, and how many more there are.
func shortReasons(reasons []string) string {
	var distinct []string
	for _, r := range reasons {
		if r = firstLine(r); !slices.Contains(distinct, r) {
			distinct = append(distinct, r)
		}
	}
	if len(distinct) <= reasonsShown {
		return strings.Join(distinct, "; ")
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(distinct[:reasonsShown], "; "), len(distinct)-reasonsShown)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
