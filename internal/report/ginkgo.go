package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// specsOf translates Ginkgo's spec reports: the It specs in the order Ginkgo ran them, and a line for each other node that
// failed (a BeforeSuite, an AfterEach), which no requirement can be charged with.
//
// Ginkgo reports a spec that the label filter left out as SpecStateSkipped with an empty Failure (no message,
// no location) and NumAttempts 0: it never started. Specs skipped at run time (Skip) carry their reason in
// Failure.Message. A spec that never started is not selected when the label filter rejects its labels (or a
// focus/skip filter was set); otherwise the suite stopped before it (interrupted, aborted, past its deadline)
// and it is skipped.
func specsOf(r types.Report, sel selection, info map[string]SpecInfo, knownFailing map[string]bool) (specs []*Spec, nodeFailures []string) {
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				nodeFailures = append(nodeFailures, nodeFailure(sr))
			}
			continue
		}
		s := newSpec(sr, sel, info[sr.FullText()])
		if KnownFailure(sr, knownFailing) {
			s.State = StateKnownFailure
		}
		specs = append(specs, s)
	}
	return specs, nodeFailures
}

// KnownFailure says the --known-failing list excuses the spec: it failed, and the list names it. A harness
// error is never excused: it says nothing of the target. The console's marks ask it as each spec ends; the
// report, of every spec.
func KnownFailure(sr types.SpecReport, knownFailing map[string]bool) bool {
	return sr.State == types.SpecStateFailed && knownFailing[sr.FullText()]
}

func newSpec(sr types.SpecReport, sel selection, info SpecInfo) *Spec {
	s := &Spec{Name: sr.FullText(), Scenario: info.Scenario, Level: info.Level, Labels: sr.Labels(),
		Requirements: append([]string{}, info.Requirements...), Duration: sr.RunTime, Seconds: sr.RunTime.Seconds(),
		container: strings.Join(sr.ContainerHierarchyTexts, " "), leaf: sr.LeafNodeText}
	for _, e := range sr.ReportEntries {
		if e.Name == BlockEntry {
			s.Blocked = blockOf(e)
			continue
		}
		if e.Name == TranscriptEntry {
			s.Transcript = strings.Trim(entryValue(e), "\n")
			continue
		}
		s.Entries = append(s.Entries, Entry{Name: e.Name, Value: entryValue(e)})
	}

	msg := strings.TrimSpace(strings.ReplaceAll(sr.Failure.Message, "\r\n", "\n"))
	switch sr.State {
	case types.SpecStatePassed:
		s.State = StatePassed
	case types.SpecStatePending:
		s.State, s.SkipReason = StatePending, "pending: marked pending in the suite"
	case types.SpecStateSkipped:
		if s.Blocked != nil {
			s.State, s.SkipReason = StateBlocked, msg
		} else if !sr.Failure.IsZero() {
			s.State, s.SkipReason = StateSkipped, msg
			if s.SkipReason == "" {
				s.SkipReason = "skipped, without a reason"
			}
		} else if sel.leftOut(filterLabels(sr, sel)) {
			s.State, s.SkipReason = StateNotSelected, sel.notSelectedReason()
		} else {
			s.State, s.SkipReason = StateSkipped, "not run: the suite stopped before this spec started (interrupted, aborted or past its deadline)"
		}
	case types.SpecStateFailed:
		s.State, s.Reason = StateFailed, msg
	default:
		s.State = sr.State.String()
		if sr.State == types.SpecStateInvalid {
			s.State = "invalid"
		}
		s.Reason = msg
		if sr.Failure.ForwardedPanic != "" {
			s.Reason = strings.TrimSpace(s.Reason + "\npanic: " + sr.Failure.ForwardedPanic)
		}
		if s.Reason == "" {
			s.Reason = "the spec " + s.State
		}
	}
	return s
}

// blockOf is a blocked spec's Block: the value the suite added, or, in a report read back from its JSON,
// that value's JSON; nil when the entry holds no Block.
func blockOf(e types.ReportEntry) *Block {
	if b, ok := e.Value.GetRawValue().(Block); ok {
		return &b
	}
	var b Block
	if err := json.Unmarshal([]byte(e.Value.AsJSON), &b); err != nil || b.By == "" {
		return nil
	}
	return &b
}

func entryValue(e types.ReportEntry) string {
	if v := e.Value.String(); v != "" {
		return v
	}
	if e.Value.Representation != "" {
		return e.Value.Representation
	}
	return e.Value.AsJSON
}

func nodeFailure(sr types.SpecReport) string {
	where := sr.LeafNodeType.String()
	if t := sr.FullText(); t != "" {
		where += " " + t
	}
	msg := strings.TrimSpace(sr.Failure.Message)
	if sr.Failure.ForwardedPanic != "" {
		msg = strings.TrimSpace(msg + "\npanic: " + sr.Failure.ForwardedPanic)
	}
	if msg == "" {
		return fmt.Sprintf("%s %s", where, sr.State)
	}
	return fmt.Sprintf("%s %s: %s", where, sr.State, msg)
}

// selection is how the run chose its specs: the label filter, and whether any other focus was set.
type selection struct {
	filter      string
	match       func([]string) bool // nil when there is no filter, or it does not parse
	otherFocus  bool
	suiteLabels []string
}

func newSelection(r types.Report, filter string) selection {
	c := r.SuiteConfig
	sel := selection{filter: filter, suiteLabels: r.SuiteLabels,
		otherFocus: r.SuiteHasProgrammaticFocus || len(c.FocusStrings)+len(c.SkipStrings)+len(c.FocusFiles)+len(c.SkipFiles) > 0}
	if filter != "" {
		if f, err := types.ParseLabelFilter(filter); err == nil {
			sel.match = f
		}
	}
	return sel
}

// filterLabels are the labels Ginkgo filters a spec on: the suite's and the spec's own.
func filterLabels(sr types.SpecReport, sel selection) []string {
	return append(append([]string{}, sel.suiteLabels...), sr.Labels()...)
}

// leftOut says a spec that never started was left out by the run's selection rather than by a stop.
func (sel selection) leftOut(labels []string) bool {
	switch {
	case sel.filter != "" && sel.match == nil:
		return true // a filter Ginkgo would have refused: nothing it names ran
	case sel.match != nil && !sel.match(labels):
		return true
	}
	return sel.otherFocus
}

func (sel selection) notSelectedReason() string {
	if sel.filter != "" {
		return fmt.Sprintf("not selected by the label filter %q", sel.filter)
	}
	return "not selected: the run focused on other specs"
}

// stopped says the suite was interrupted or ran past its deadline before every spec ran.
func stopped(r types.Report) bool {
	for _, why := range r.SpecialSuiteFailureReasons {
		if strings.Contains(why, "Interrupted") || strings.Contains(why, "Timeout") {
			return true
		}
	}
	return false
}

// notJudged are the planned specs a stopped run never handed to Ginkgo (it stopped while recording), in the
// plan's order: each one skipped because of the stop, or not selected, as Ginkgo would have had it.
func notJudged(judged []*Spec, sel selection, info map[string]SpecInfo, stopped string) []*Spec {
	seen := map[string]bool{}
	for _, s := range judged {
		seen[s.Name] = true
	}
	var out []*Spec
	for name, in := range info {
		if seen[name] {
			continue
		}
		s := &Spec{Name: name, Scenario: in.Scenario, Level: in.Level, Labels: in.Labels, Requirements: append([]string{}, in.Requirements...),
			State: StateSkipped, SkipReason: "not judged: the run stopped before it (" + stopped + ")"}
		if sel.leftOut(append(append([]string{}, sel.suiteLabels...), in.Labels...)) {
			s.State, s.SkipReason = StateNotSelected, sel.notSelectedReason()
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Spec) int { return info[a.Name].Order - info[b.Name].Order })
	return out
}
