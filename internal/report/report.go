// Package report turns a run's Ginkgo report into reports a person and a CI can act on: an outcome per
// requirement of the contract, a verdict and its exit code, and three renderings of them (report.json,
// report.html, summary.md).
//
// Each spec is charged to exactly the requirements its SpecInfo names, so a requirement fails only on
// evidence of its own. The verdict follows the specs' levels: a failed must spec makes the target
// non-conformant; a failed should spec is a warning unless FailOn is "should"; a spec that panicked, timed
// out, was interrupted or aborted is the harness's fault, and then no verdict can be trusted. Known failures
// (--known-failing) fail nothing, and a listed spec that passes makes the list stale, which fails the run.
package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/requirements"
)

// SchemaVersion is the version of report.json's layout. It changes when a member is renamed or removed or
// its meaning changes; members may be added without a change.
const SchemaVersion = 1

// Exit codes, as gwconform documents them.
const (
	ExitConformant = 0 // every check that decides the verdict passed
	ExitFailed     = 1 // the target broke a requirement
	ExitHarness    = 2 // a harness error: no verdict can be trusted
)

// Run describes the run a report is about. Everything in it ends up in the reports, so it must be free of
// secrets: the profile lines name key variables, never keys.
type Run struct {
	Target   string   `json:"target"`
	Contract string   `json:"contract_version,omitempty"` // the version REQUIREMENTS.md states
	Profile  []string `json:"profile,omitempty"`          // the effective profile, one line each, secret-free
	// KnownFailing is the --known-failing file, if any.
	KnownFailing string    `json:"known_failing,omitempty"`
	FailOn       string    `json:"fail_on"` // "must" or "should"
	LabelFilter  string    `json:"label_filter,omitempty"`
	Started      time.Time `json:"started,omitzero"`
	Version      string    `json:"version,omitempty"`
}

// Verdict is what the run concludes about the target.
type Verdict string

const (
	VerdictConformant             Verdict = "conformant"
	VerdictConformantWithWarnings Verdict = "conformant_with_warnings" // only SHOULD requirements failed
	VerdictNonConformant          Verdict = "non_conformant"           // a MUST failed (or a SHOULD, with FailOn "should")
	VerdictHarnessError           Verdict = "harness_error"            // a spec panicked, timed out, was interrupted or aborted
	VerdictKnownFailingStale      Verdict = "known_failing_stale"      // a spec listed as known to fail passed
)

// Outcome is what the run found about one requirement.
type Outcome string

const (
	OutcomePass         Outcome = "pass"          // at least one spec naming it ran, and none failed it
	OutcomeFail         Outcome = "fail"          // a spec naming it failed
	OutcomeKnownFailure Outcome = "known_failure" // its only failures are listed in --known-failing
	OutcomeSkipped      Outcome = "skipped"       // the specs naming it were skipped at run time (Reasons says why)
	OutcomeDisabled     Outcome = "disabled"      // every spec naming it was left out by the label filter
	OutcomeHarnessError Outcome = "harness_error" // a spec naming it panicked, timed out, was interrupted or aborted
	OutcomeNotCovered   Outcome = "not_covered"   // no spec names it
)

// Outcomes lists every outcome, in the order reports show their counts.
var Outcomes = []Outcome{OutcomeFail, OutcomeHarnessError, OutcomeKnownFailure, OutcomePass, OutcomeSkipped, OutcomeDisabled, OutcomeNotCovered}

// Spec states as reports show them: Ginkgo's names, except that a spec the label filter left out is
// StateDisabled rather than Ginkgo's "skipped".
const (
	StatePassed   = "passed"
	StateFailed   = "failed"
	StateSkipped  = "skipped"
	StatePending  = "pending"
	StateDisabled = "disabled"
	// StateKnownFailure is a failed spec listed in --known-failing: reported, failing nothing.
	StateKnownFailure = "known_failure"
	// Harness states are Ginkgo's own names: panicked, timedout, interrupted, aborted.
)

// SpecInfo is what the suite's plan says of a spec: the requirements its failure is charged to and its
// level. The report reads it, never the spec's labels.
type SpecInfo struct {
	Scenario     string
	Level        string   // "must" or "should"
	Requirements []string // charged: exactly the requirements whose text states what the spec decides
}

// Guarantee is a requirement that binds the suite rather than the target (ENV-6: the schemas accept extra
// members). The run proves it of itself and reports it apart from the target's outcomes.
type Guarantee struct {
	ID    string `json:"id"`
	Level string `json:"level"`
	Text  string `json:"text"`
	Holds bool   `json:"holds"`
	Proof string `json:"proof"` // how the run checked it, or why it does not hold
}

// Inputs are what a report is built from besides Ginkgo's report.
type Inputs struct {
	Requirements requirements.Catalogue
	Specs        map[string]SpecInfo // by full spec name
	KnownFailing map[string]bool     // full spec names that may fail (--known-failing)
	Guarantees   []Guarantee
}

// Spec is one It spec of the run.
type Spec struct {
	Name         string        `json:"name"` // container and leaf: "<request> <answer>"
	Scenario     string        `json:"scenario,omitempty"`
	Level        string        `json:"level,omitempty"` // "must" or "should"
	Requirements []string      `json:"requirements"`    // the requirements its failure is charged to
	Labels       []string      `json:"labels"`
	State        string        `json:"state"` // see the State constants; harness states keep Ginkgo's names
	Duration     time.Duration `json:"-"`
	Seconds      float64       `json:"duration_seconds"`
	Reason       string        `json:"reason,omitempty"`      // a failure's reason: the check's message
	Transcript   string        `json:"transcript,omitempty"`  // the exchanges behind a failure, redacted
	SkipReason   string        `json:"skip_reason,omitempty"` // why it was skipped or disabled
	Entries      []Entry       `json:"entries,omitempty"`     // its report entries, in the order they were added
}

// Entry is one report entry of a spec: "answer", "curl", "violations", ...
type Entry struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Entry returns the value of the spec's first report entry with that name.
func (s *Spec) Entry(name string) (string, bool) {
	for _, e := range s.Entries {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Failed says the spec failed: the target broke what it checks.
func (s *Spec) Failed() bool { return s.State == StateFailed }

// KnownFailure says the spec failed and is listed as known to fail.
func (s *Spec) KnownFailure() bool { return s.State == StateKnownFailure }

// HarnessError says the spec panicked, timed out, was interrupted or aborted.
func (s *Spec) HarnessError() bool {
	switch s.State {
	case StatePassed, StateFailed, StateSkipped, StatePending, StateDisabled, StateKnownFailure:
		return false
	}
	return true
}

// Ran says the spec ran to a verdict of its own (passed or failed, known or not).
func (s *Spec) Ran() bool {
	return s.State == StatePassed || s.State == StateFailed || s.State == StateKnownFailure
}

// Requirement is one requirement of the catalogue with what the run found about it.
type Requirement struct {
	ID      string  `json:"id"`
	Level   string  `json:"level"` // MUST, SHOULD or INFO
	Text    string  `json:"text"`
	Outcome Outcome `json:"outcome"`
	// Reasons explain an outcome other than pass and fail: the distinct skip reasons, the label filter, or
	// that no spec names the requirement.
	Reasons []string `json:"reasons,omitempty"`
	// Specs are the evidence: every spec naming the requirement, in run order.
	Specs []*Spec `json:"evidence"`
}

// FailingSpecs are the specs that failed this requirement; for a known failure, the known ones.
func (q *Requirement) FailingSpecs() []*Spec {
	var out, known []*Spec
	for _, s := range q.Specs {
		switch {
		case s.Failed():
			out = append(out, s)
		case s.KnownFailure():
			known = append(known, s)
		}
	}
	if len(out) == 0 {
		return known
	}
	return out
}

// Tally counts the requirement's specs by state.
func (q *Requirement) Tally() map[string]int {
	t := map[string]int{}
	for _, s := range q.Specs {
		t[s.State]++
	}
	return t
}

// Uncovered is a MUST requirement the run did not check: not covered, skipped or disabled.
type Uncovered struct {
	ID      string   `json:"id"`
	Text    string   `json:"text"`
	Outcome Outcome  `json:"outcome"`
	Reasons []string `json:"reasons,omitempty"`
}

// SpecCounts counts the run's It specs.
type SpecCounts struct {
	Total        int `json:"total"`
	Passed       int `json:"passed"`
	Failed       int `json:"failed"`
	FailedMust   int `json:"failed_must"`
	FailedShould int `json:"failed_should"`
	Skipped      int `json:"skipped"` // at run time, and pending
	Disabled     int `json:"disabled"`
	HarnessError int `json:"harness_error"`
	KnownFailure int `json:"known_failure"` // failed, and listed in --known-failing
	// NowPassing are listed in --known-failing and passed: the list is stale, which fails the run.
	NowPassing []string `json:"now_passing,omitempty"`
}

// Counts are the run's numbers: specs by state, requirements by outcome.
type Counts struct {
	Specs        SpecCounts      `json:"specs"`
	Requirements map[Outcome]int `json:"requirements"` // every outcome, zero included
}

// Result is everything the reports say about a run.
type Result struct {
	SchemaVersion int       `json:"schema_version"`
	Run           Run       `json:"run"`
	Finished      time.Time `json:"finished,omitzero"`
	Verdict       Verdict   `json:"verdict"`
	ExitCode      int       `json:"exit_code"`
	Summary       string    `json:"summary"` // the verdict as one line, as the run prints it
	Counts        Counts    `json:"counts"`
	// HarnessErrors says what went wrong outside the specs, or what kept the suite from running.
	HarnessErrors  []string       `json:"harness_errors,omitempty"`
	UncoveredMusts []Uncovered    `json:"uncovered_musts"`
	Requirements   []*Requirement `json:"requirements"` // every id that binds the target, in catalogue order
	// SuiteGuarantees bind the suite, not the target (ENV-6): proven by the run of itself, never charged.
	SuiteGuarantees []Guarantee `json:"suite_guarantees,omitempty"`
	// Unattributed are specs that name no requirement of the catalogue.
	Unattributed []*Spec `json:"unattributed_specs,omitempty"`
	// Specs are every It spec, in run order (report.json carries them as the requirements' evidence).
	Specs []*Spec `json:"-"`
}

// Build reads the report Ginkgo hands to ReportAfterSuite.
//
// Ginkgo reports a spec that the label filter left out as SpecStateSkipped with an empty Failure (no message,
// no location) and NumAttempts 0: it never started. Specs skipped at run time (Skip) carry their reason in
// Failure.Message. A spec that never started is disabled when the label filter rejects its labels (or a
// focus/skip filter was set); otherwise the suite stopped before it (interrupted, aborted, past its deadline)
// and it is skipped.
func Build(r types.Report, in Inputs, run Run) *Result {
	if run.Started.IsZero() {
		run.Started = r.StartTime
	}
	if run.LabelFilter == "" {
		run.LabelFilter = r.SuiteConfig.LabelFilter
	}
	res := &Result{SchemaVersion: SchemaVersion, Run: run, Finished: r.EndTime,
		Counts: Counts{Requirements: map[Outcome]int{}}, UncoveredMusts: []Uncovered{}}
	sel := newSelection(r, run.LabelFilter)

	var nonIt int
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.State.Is(types.SpecStateFailureStates) {
				nonIt++
				res.HarnessErrors = append(res.HarnessErrors, nodeFailure(sr))
			}
			continue
		}
		s := newSpec(sr, sel, in.Specs[sr.FullText()])
		if in.KnownFailing[s.Name] {
			switch s.State {
			case StateFailed:
				s.State = StateKnownFailure
			case StatePassed:
				res.Counts.Specs.NowPassing = append(res.Counts.Specs.NowPassing, s.Name)
			}
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
		case s.State == StateDisabled:
			c.Disabled++
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
		q.Outcome, q.Reasons = outcome(q, sel)
		res.Counts.Requirements[q.Outcome]++
		if q.Level == string(requirements.Must) && (q.Outcome == OutcomeNotCovered || q.Outcome == OutcomeSkipped || q.Outcome == OutcomeDisabled) {
			res.UncoveredMusts = append(res.UncoveredMusts, Uncovered{ID: q.ID, Text: q.Text, Outcome: q.Outcome, Reasons: q.Reasons})
		}
	}
	for _, o := range Outcomes {
		if _, ok := res.Counts.Requirements[o]; !ok {
			res.Counts.Requirements[o] = 0 // every outcome is counted, so a reader need not guess a missing key
		}
	}

	res.Verdict, res.ExitCode, res.Summary = judge(r, res.Counts.Specs, nonIt, run)
	if res.Verdict == VerdictHarnessError {
		for _, why := range r.SpecialSuiteFailureReasons {
			if !slices.Contains(res.HarnessErrors, why) {
				res.HarnessErrors = append(res.HarnessErrors, why)
			}
		}
	}
	return res
}

// judge is the run's verdict: harness errors first, then a failed must spec, then a failed should spec
// (fatal with FailOn "should"), then a stale --known-failing list, then a suite that did not run.
func judge(r types.Report, c SpecCounts, harnessErrors int, run Run) (Verdict, int, string) {
	counts := fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
	if c.KnownFailure > 0 {
		counts += fmt.Sprintf(", %d known failure(s)", c.KnownFailure)
	}
	if c.Disabled > 0 {
		counts += fmt.Sprintf(", %d not selected", c.Disabled)
	}
	harness := c.HarnessError + harnessErrors
	if stopped(r) && c.Passed+c.Failed+c.KnownFailure > 0 {
		harness++ // specs that did not run could have failed: an interrupted run has no verdict
	}
	switch {
	case harness > 0:
		return VerdictHarnessError, ExitHarness, fmt.Sprintf("harness error: %d spec(s) or checks of the suite itself failed to run; no verdict (%s)", harness, counts)
	case c.FailedMust > 0:
		return VerdictNonConformant, ExitFailed, fmt.Sprintf("NON-CONFORMANT: %d MUST and %d SHOULD spec(s) failed (%s)", c.FailedMust, c.FailedShould, counts)
	case c.FailedShould > 0 && run.FailOn == "should":
		return VerdictNonConformant, ExitFailed, fmt.Sprintf("NON-CONFORMANT with --fail-on should: %d SHOULD spec(s) failed (%s)", c.FailedShould, counts)
	case len(c.NowPassing) > 0:
		return VerdictKnownFailingStale, ExitFailed, fmt.Sprintf("KNOWN-FAILING LIST STALE: %d spec(s) listed in %s now pass; remove them (%s)", len(c.NowPassing), run.KnownFailing, counts)
	case c.FailedShould > 0:
		return VerdictConformantWithWarnings, ExitConformant, fmt.Sprintf("CONFORMANT WITH WARNINGS: %d SHOULD spec(s) failed (%s)", c.FailedShould, counts)
	case !r.SuiteSucceeded && c.Passed == 0 && c.KnownFailure == 0:
		return VerdictHarnessError, ExitHarness, "harness error: the suite did not run: " + strings.Join(r.SpecialSuiteFailureReasons, "; ")
	}
	return VerdictConformant, ExitConformant, "CONFORMANT (" + counts + ")"
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

// outcome decides one requirement from the specs charged to it: a harness error taints it; then a failure;
// then a known failure; then any spec that ran makes it pass; then run-time skips; and last, specs the filter
// left out.
func outcome(q *Requirement, sel selection) (Outcome, []string) {
	if len(q.Specs) == 0 {
		return OutcomeNotCovered, []string{"no spec of the suite names " + q.ID}
	}
	var harness, failed, known, ran bool
	var skips []string
	for _, s := range q.Specs {
		switch {
		case s.HarnessError():
			harness = true
		case s.Failed():
			failed = true
		case s.KnownFailure():
			known = true
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
		return OutcomeHarnessError, nil
	case failed:
		return OutcomeFail, nil
	case known:
		return OutcomeKnownFailure, nil
	case ran:
		return OutcomePass, nil
	case len(skips) > 0:
		return OutcomeSkipped, skips
	}
	return OutcomeDisabled, []string{sel.disabledReason()}
}

func newSpec(sr types.SpecReport, sel selection, info SpecInfo) *Spec {
	s := &Spec{Name: sr.FullText(), Scenario: info.Scenario, Level: info.Level, Labels: sr.Labels(),
		Requirements: append([]string{}, info.Requirements...), Duration: sr.RunTime, Seconds: sr.RunTime.Seconds()}
	for _, e := range sr.ReportEntries {
		if e.Name == "transcript" {
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
		if !sr.Failure.IsZero() {
			s.State, s.SkipReason = StateSkipped, msg
			if s.SkipReason == "" {
				s.SkipReason = "skipped, without a reason"
			}
		} else if sel.leftOut(filterLabels(sr, sel)) {
			s.State, s.SkipReason = StateDisabled, sel.disabledReason()
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

func (sel selection) disabledReason() string {
	if sel.filter != "" {
		return fmt.Sprintf("not selected by the label filter %q", sel.filter)
	}
	return "not selected: the run focused on other specs"
}
