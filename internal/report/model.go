package report

import (
	"fmt"
	"time"

	"github.com/gwconform/gwconform/internal/requirements"
)

// SchemaVersion is the version of report.json's layout. It changes when a member is renamed or removed or
// its meaning changes; members may be added without a change. Version 2 counts findings: the summary leads
// with the deviations, not the failed specs. Version 3 names what the label filter left out "not_selected"
// (a requirement's outcome, a spec's state, and counts.specs.not_selected), where version 2 said "disabled".
// Version 4 adds "blocked": a requirement's outcome and a spec's state (with the spec's blocked member, the
// requirement's blocked_by and counts.specs.blocked), where version 3 reported such a spec as skipped and its
// requirement, with another spec passed, as pass.
const SchemaVersion = 4

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
	// Negative is what the run sent of generated invalid bodies (NEG-1); nil when none.
	Negative *Negative `json:"negative,omitempty"`
	// Stopped says why the run ended before judging every spec it selected (Ctrl-C, --run-timeout); empty
	// for a run that ended. A stopped run has no verdict, whatever it had judged.
	Stopped string `json:"stopped,omitempty"`
}

// Fails says whether a failed requirement of this level ("MUST", "SHOULD") fails the run: a MUST always, a
// SHOULD only with --fail-on should. The verdict and the console's annotations both ask it.
func (r Run) Fails(level requirements.Level) bool {
	switch level {
	case requirements.Must:
		return true
	case requirements.Should:
		return r.FailOn == "should"
	}
	return false
}

// Negative is a run's generated bodies: how many, from which seed, or the one case replayed.
type Negative struct {
	Count       int    `json:"count"`
	Seed        uint64 `json:"seed"`
	ReplayIndex *int   `json:"replay_index,omitempty"`
}

func (n *Negative) String() string {
	if n.ReplayIndex != nil {
		return fmt.Sprintf("generated body %d of seed %d, replayed alone", *n.ReplayIndex, n.Seed)
	}
	return fmt.Sprintf("%d generated bodies of seed %d", n.Count, n.Seed)
}

// Verdict is what the run concludes about the target.
type Verdict string

const (
	VerdictConformant             Verdict = "conformant"
	VerdictConformantWithWarnings Verdict = "conformant_with_warnings" // only SHOULD requirements failed
	VerdictNonConformant          Verdict = "non_conformant"           // a MUST failed (or a SHOULD, with FailOn "should")
	VerdictHarnessError           Verdict = "harness_error"            // a spec panicked, timed out, was interrupted or aborted
	VerdictKnownFailingStale      Verdict = "known_failing_stale"      // a spec listed as known to fail passed
	VerdictInterrupted            Verdict = "interrupted"              // stopped before its end (Run.Stopped): no verdict
)

// Verdicts lists every verdict, for what must handle each (report.html styles every one).
var Verdicts = []Verdict{VerdictConformant, VerdictConformantWithWarnings, VerdictNonConformant, VerdictHarnessError, VerdictKnownFailingStale, VerdictInterrupted}

// Outcome is what the run found about one requirement.
type Outcome string

const (
	OutcomePass         Outcome = "pass"          // at least one spec naming it ran, and none failed it
	OutcomeFail         Outcome = "fail"          // a spec naming it failed
	OutcomeKnownFailure Outcome = "known_failure" // its only failures are listed in --known-failing
	// OutcomeBlocked: a spec deciding it could not be made because the answer lacks what it reads, which
	// another requirement's failure explains (BlockedBy). Not met, and not charged again.
	OutcomeBlocked Outcome = "blocked"
	OutcomeSkipped Outcome = "skipped" // the specs naming it were skipped at run time (Reasons says why)
	// OutcomeNotApplicable: every spec naming it was skipped because the profile says the gateway lacks
	// what it is about (no rate limit, no credits): not a gap in the run, so never an uncovered MUST.
	OutcomeNotApplicable Outcome = "not_applicable"
	OutcomeNotSelected   Outcome = "not_selected"  // every spec naming it was left out by the label filter
	OutcomeHarnessError  Outcome = "harness_error" // a spec naming it panicked, timed out, was interrupted or aborted
	OutcomeNotCovered    Outcome = "not_covered"   // no spec names it
)

// Outcomes lists every outcome, in the order reports show their counts.
var Outcomes = []Outcome{OutcomeFail, OutcomeHarnessError, OutcomeKnownFailure, OutcomeBlocked, OutcomePass, OutcomeSkipped, OutcomeNotApplicable, OutcomeNotSelected, OutcomeNotCovered}

// NotApplicable starts the skip reason of a spec about a feature the profile says the gateway lacks.
const NotApplicable = "not applicable"

// Spec states as reports show them: Ginkgo's names, except that a spec the label filter left out is
// StateNotSelected rather than Ginkgo's "skipped".
const (
	StatePassed      = "passed"
	StateFailed      = "failed"
	StateSkipped     = "skipped"
	StatePending     = "pending"
	StateNotSelected = "not_selected"
	// StateKnownFailure is a failed spec listed in --known-failing: reported, failing nothing.
	StateKnownFailure = "known_failure"
	// StateBlocked is a spec that could not be made because the answer lacks what it reads (Spec.Blocked).
	StateBlocked = "blocked"
	// Harness states are Ginkgo's own names: panicked, timedout, interrupted, aborted.
)

// The report entries a spec carries its evidence in, by name: the suite adds them, and the report and the
// JUnit writer read them back. The names are in the JSON report's entries.
const (
	// AnswerEntry is the first answer's status and error.type, on every scenario's first spec: what the
	// target chose where the contract leaves it open.
	AnswerEntry = "answer"
	// TranscriptEntry is the exchanges behind a failure, redacted: the report holds it as Spec.Transcript.
	TranscriptEntry = "transcript"
	// NegativeEntry is a failed generated body's case, the smaller body that fails the same way and the
	// command that replays it.
	NegativeEntry = "negative"
	// CurlEntry is the curl line that sends a failure's first request again, by hand.
	CurlEntry = "curl"
	// BlockEntry carries a spec's Block: the suite adds it before skipping the spec, and the report reads it
	// back as the typed value.
	BlockEntry = "blocked"
)

// Block is why a spec could not be made: the answer lacks what the check reads, and that lack is another
// requirement's failure (By). The spec's own requirements are then blocked by By, never met and never
// charged again.
type Block struct {
	By   string `json:"by"`   // the requirement the lack breaks: ENV-1 (no error object) or ENV-3 (no error.type)
	Lack string `json:"lack"` // what the answer lacks, as "no error.type"
}

// String is the blocked spec's reason: "blocked by ENV-3: the answer has no error.type".
func (b Block) String() string { return "blocked by " + b.By + ": the answer has " + b.Lack }

// SpecInfo is what the suite's plan says of a spec: the requirements its failure is charged to and its
// level. The report reads it, never the spec's labels.
type SpecInfo struct {
	Scenario     string
	Level        string   // "must" or "should"
	Requirements []string // charged: exactly the requirements whose text states what the spec decides
	Labels       []string // as Ginkgo filters on them, for a spec a stopped run never handed to Ginkgo
	// Order is the spec's place in the plan. The reports list specs in this order, not in the one Ginkgo
	// ran them in, which it shuffles on every run.
	Order int
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
	Requirements requirements.List
	Specs        map[string]SpecInfo // by full spec name
	KnownFailing map[string]bool     // full spec names that may fail (--known-failing)
	Guarantees   []Guarantee
	// Billed counts the completions the upstream's witness says it served to requests the gateway should
	// have refused itself.
	Billed int
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
	SkipReason   string        `json:"skip_reason,omitempty"` // why it was skipped, blocked or not selected
	Blocked      *Block        `json:"blocked,omitempty"`     // set when the state is StateBlocked
	Entries      []Entry       `json:"entries,omitempty"`     // its report entries, in the order they were added

	container, leaf string // the name's two parts, for a finding's title and its reasons
}

// Entry is one report entry of a spec: an AnswerEntry, a CurlEntry, ...
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
	case StatePassed, StateFailed, StateSkipped, StatePending, StateNotSelected, StateKnownFailure, StateBlocked:
		return false
	}
	return true
}

// Ran says the spec ran to a verdict of its own (passed or failed, known or not).
func (s *Spec) Ran() bool {
	return s.State == StatePassed || s.State == StateFailed || s.State == StateKnownFailure
}

// Requirement is one requirement of the contract with what the run found about it.
type Requirement struct {
	ID      string  `json:"id"`
	Level   string  `json:"level"` // MUST, SHOULD or INFO
	Text    string  `json:"text"`
	Outcome Outcome `json:"outcome"`
	// Reasons explain an outcome other than pass and fail: what blocked it ("blocked by ENV-3: 4 answers
	// have no error.type"), the distinct skip reasons, the label filter, or that no spec names the requirement.
	Reasons []string `json:"reasons,omitempty"`
	// BlockedBy are the requirements whose failures blocked it, in contract order; set when blocked.
	BlockedBy []string `json:"blocked_by,omitempty"`
	// Specs are the evidence: every spec naming the requirement, in the plan's order.
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

// Uncovered is a MUST requirement the run did not check: not covered, skipped or not selected.
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
	Skipped      int `json:"skipped"`      // at run time, and pending
	Blocked      int `json:"blocked"`      // could not be made: the answer lacks what they read
	NotSelected  int `json:"not_selected"` // left out by the label filter
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
	HarnessErrors []string `json:"harness_errors,omitempty"`
	// Findings are the deviations: the failed specs grouped by the exchange they judged (known failures
	// apart), musts first.
	Findings       []*Finding  `json:"findings"`
	UncoveredMusts []Uncovered `json:"uncovered_musts"`
	// Billed counts the completions the upstream served to requests the gateway should have refused
	// itself (the witness saw them): each is billed on a paid upstream.
	Billed       int            `json:"completions_served_to_refusable_requests"`
	Requirements []*Requirement `json:"requirements"` // every id that binds the target, in contract order
	// SuiteGuarantees bind the suite, not the target (ENV-6): proven by the run of itself, never charged.
	SuiteGuarantees []Guarantee `json:"suite_guarantees,omitempty"`
	// Unattributed are specs that name no requirement of the contract.
	Unattributed []*Spec `json:"unattributed_specs,omitempty"`
	// Specs are every It spec, in the plan's order (report.json carries them as the requirements' evidence).
	Specs []*Spec `json:"-"`
}

// BilledLine says how many completions were served to requests the gateway should have refused; "" when
// none was.
func (r *Result) BilledLine() string {
	switch r.Billed {
	case 0:
		return ""
	case 1:
		return "1 completion was served to a request the gateway should have refused (billable on a paid upstream)"
	}
	return fmt.Sprintf("%d completions were served to requests the gateway should have refused (billable on a paid upstream)", r.Billed)
}
