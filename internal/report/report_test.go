package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/requirements"
)

// contract is a small contract: two MUSTs and two SHOULDs that specs name, and a MUST that none does.
const contractMD = `
| id | level | requirement |
|---|---|---|
| ENV-4 | MUST | ` + "`error.code` and `error.param` are present." + ` |
| AUTH-1 | MUST | No Authorization header -> 401 authentication_error. |
| AUTH-4 | SHOULD | Authentication is checked before the body. |
| REQ-7 | SHOULD | When one parameter is at fault, error.param names it. |
| CLIENT-1 | MUST | The official SDK surfaces each error. |
`

// spec builds an It spec the way the suite labels one: scenario, level, then req:ID and categories.
type specOpt func(*types.SpecReport)

// skipped at run time: Skip(reason) puts the reason in Failure.Message.
func skipWhy(why string) specOpt { return message(why) }

// filteredOut is how Ginkgo reports a spec its label filter left out: skipped, never attempted, no failure.
func filteredOut() specOpt {
	return func(s *types.SpecReport) {
		s.State, s.Failure, s.NumAttempts, s.RunTime = types.SpecStateSkipped, types.Failure{}, 0, 0
	}
}

const (
	passed  = types.SpecStatePassed
	failed  = types.SpecStateFailed
	skipped = types.SpecStateSkipped
)

func TestOutcomePerRequirement(t *testing.T) {
	for _, tc := range []struct {
		name        string
		specs       []types.SpecReport
		filter      string
		known       string // a spec name listed in --known-failing
		id          string
		want        Outcome
		wantReasons []string
	}{
		{name: "a passed spec passes", id: "AUTH-1",
			specs: []types.SpecReport{spec("POST x", "answers status 401", passed, must("AUTH-1"))}},
		{name: "a skipped sibling does not undo a pass", id: "AUTH-1",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", passed, must("AUTH-1")),
				spec("POST y", "answers status 401", skipped, must("AUTH-1"), skipWhy("needs keys.revoked in the profile")),
			}},
		{name: "a failed spec fails", id: "AUTH-1", want: OutcomeFail,
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", passed, must("AUTH-1")),
				spec("POST y", "answers status 401", failed, must("AUTH-1")),
			}},
		{name: "a failed should spec fails its SHOULD requirement", id: "REQ-7", want: OutcomeFail,
			specs: []types.SpecReport{spec("POST x", "names temperature in error.param", failed, should("REQ-7"))}},
		{name: "a failure is charged to its own requirements only", id: "ENV-4", want: OutcomePass,
			specs: []types.SpecReport{
				spec("POST x", "answers the envelope", passed, must("ENV-4")),
				spec("POST x", "names temperature in error.param", failed, should("REQ-7")),
			}},
		{name: "a listed failure is a known failure", id: "AUTH-1", want: OutcomeKnownFailure, known: "POST x answers status 401",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
				spec("POST y", "answers status 401", passed, must("AUTH-1")),
			}},
		{name: "an unlisted failure outranks a known one", id: "AUTH-1", want: OutcomeFail, known: "POST x answers status 401",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
				spec("POST y", "answers status 401", failed, must("AUTH-1")),
			}},
		{name: "skipped at run time keeps the distinct reasons", id: "AUTH-4", want: OutcomeSkipped,
			wantReasons: []string{"needs keys.revoked in the profile", "no answer to judge"},
			specs: []types.SpecReport{
				spec("POST x", "answers 401", skipped, should("AUTH-4"), skipWhy("needs keys.revoked in the profile")),
				spec("POST y", "answers 401", skipped, should("AUTH-4"), skipWhy("no answer to judge")),
				spec("POST z", "answers 401", skipped, should("AUTH-4"), skipWhy("needs keys.revoked in the profile")),
			}},
		{name: "a feature the profile says is absent is not applicable", id: "AUTH-1", want: OutcomeNotApplicable,
			wantReasons: []string{"not applicable (the profile says the gateway has no rate limit)"},
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", skipped, must("AUTH-1"), skipWhy("not applicable (the profile says the gateway has no rate limit)")),
				spec("POST x", "answers the envelope", skipped, must("AUTH-1"), skipWhy("not applicable (the profile says the gateway has no rate limit)")),
			}},
		{name: "not applicable beside another skip is skipped", id: "AUTH-1", want: OutcomeSkipped,
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", skipped, must("AUTH-1"), skipWhy("not applicable (the profile says the gateway has no rate limit)")),
				spec("POST y", "answers status 401", skipped, must("AUTH-1"), skipWhy("needs keys.rate_limited in the profile")),
			}},
		{name: "filtered out by the label filter is not selected", id: "AUTH-1", want: OutcomeNotSelected, filter: "req:AUTH-4",
			wantReasons: []string{`not selected by the label filter "req:AUTH-4"`},
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", skipped, must("AUTH-1"), filteredOut()),
				spec("POST y", "answers 401", passed, should("AUTH-4")),
			}},
		{name: "a filtered-out spec beside a run-time skip is skipped", id: "AUTH-1", want: OutcomeSkipped, filter: "!envelope",
			wantReasons: []string{"needs keys.revoked in the profile"},
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", skipped, append(must("AUTH-1"), "envelope"), filteredOut()),
				spec("POST y", "answers status 401", skipped, must("AUTH-1"), skipWhy("needs keys.revoked in the profile")),
			}},
		{name: "never started although the filter selects it: the suite stopped", id: "AUTH-1", want: OutcomeSkipped,
			wantReasons: []string{"not run: the suite stopped before this spec started (interrupted, aborted or past its deadline)"},
			specs:       []types.SpecReport{spec("POST x", "answers status 401", skipped, must("AUTH-1"), filteredOut())}},
		{name: "panicked is a harness error", id: "AUTH-1", want: OutcomeHarnessError,
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
				spec("POST y", "answers status 401", types.SpecStatePanicked, must("AUTH-1")),
			}},
		{name: "timed out is a harness error", id: "AUTH-1", want: OutcomeHarnessError,
			specs: []types.SpecReport{spec("POST x", "answers status 401", types.SpecStateTimedout, must("AUTH-1"))}},
		{name: "interrupted is a harness error", id: "AUTH-4", want: OutcomeHarnessError,
			specs: []types.SpecReport{spec("POST x", "answers 401", types.SpecStateInterrupted, should("AUTH-4"))}},
		{name: "aborted is a harness error", id: "AUTH-4", want: OutcomeHarnessError,
			specs: []types.SpecReport{spec("POST x", "answers 401", types.SpecStateAborted, should("AUTH-4"))}},
		{name: "a blocked spec beside a passed one is blocked, never pass", id: "AUTH-1", want: OutcomeBlocked,
			wantReasons: []string{"blocked by ENV-3: 2 answers have no error.type", "blocked by ENV-3: 1 answer has an error.type that is not a string"},
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", passed, must("AUTH-1")),
				spec("POST x", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-3", "no error.type")),
				spec("POST y", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-3", "no error.type")),
				spec("POST z", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-3", "an error.type that is not a string")),
			}},
		{name: "a failure outranks a block", id: "AUTH-1", want: OutcomeFail,
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
				spec("POST y", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-1", "no error object")),
			}},
		{name: "an ordinary skip beside a pass still passes", id: "REQ-7",
			specs: []types.SpecReport{
				spec("POST x", "names model in error.param", passed, should("REQ-7")),
				spec("POST y", "names model in error.param", skipped, should("REQ-7"), skipWhy("answered 200, not an error")),
			}},
		{name: "no spec names it", id: "CLIENT-1", want: OutcomeNotCovered,
			wantReasons: []string{"no spec of the suite names CLIENT-1"},
			specs:       []types.SpecReport{spec("POST x", "answers status 401", passed, must("AUTH-1"))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = OutcomePass
			}
			res := buildKnown(report(tc.specs...), contract(t), Run{FailOn: "must", LabelFilter: tc.filter}, tc.known)
			q := requirement(t, res, tc.id)
			if q.Outcome != want {
				t.Errorf("%s: outcome %s, want %s", tc.id, q.Outcome, want)
			}
			if tc.wantReasons != nil && !slices.Equal(q.Reasons, tc.wantReasons) {
				t.Errorf("%s: reasons %q, want %q", tc.id, q.Reasons, tc.wantReasons)
			}
			if q.Level != string(contract(t)[tc.id].Level) {
				t.Errorf("%s: level %s, want the contract's", tc.id, q.Level)
			}
		})
	}
}

func TestRequirementsInContractOrder(t *testing.T) {
	res := build(report(), contract(t), Run{})
	var ids []string
	for _, q := range res.Requirements {
		ids = append(ids, q.ID)
	}
	if want := contract(t).IDs(); !slices.Equal(ids, want) {
		t.Errorf("requirements %v, want %v", ids, want)
	}
}

func TestVerdict(t *testing.T) {
	beforeSuite := types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "could not reach the target"}}
	for _, tc := range []struct {
		name      string
		failOn    string
		rep       types.Report
		want      Verdict
		code      int
		summary   string
		harnessed string // a line HarnessErrors must hold
		known     string
	}{
		{name: "everything passed", rep: report(spec("a", "b", passed, must("AUTH-1")), spec("a", "c", skipped, should("AUTH-4"), skipWhy("why"))),
			want: VerdictConformant, code: 0, summary: "CONFORMANT (1 passed, 0 failed, 1 skipped)"},
		{name: "only a SHOULD failed", rep: report(spec("a", "b", passed, must("AUTH-1")), spec("a", "c", failed, should("AUTH-4"))),
			want: VerdictConformantWithWarnings, code: 0, summary: "CONFORMANT WITH WARNINGS: 1 deviation (1 failed spec), 1 SHOULD spec(s) failed (1 passed, 1 failed, 0 skipped)"},
		{name: "a known failure fails nothing", known: "a b", rep: report(spec("a", "b", failed, must("AUTH-1")), spec("a", "c", passed, should("AUTH-4"))),
			want: VerdictConformant, code: 0, summary: "CONFORMANT (1 passed, 0 failed, 0 skipped, 1 known failure(s))"},
		{name: "a listed spec that passes makes the list stale", known: "a b", rep: report(spec("a", "b", passed, must("AUTH-1"))),
			want: VerdictKnownFailingStale, code: 1, summary: "KNOWN-FAILING LIST STALE: 1 spec(s) listed in known.txt now pass; remove them (1 passed, 0 failed, 0 skipped)"},
		{name: "a MUST failure outranks a stale list", known: "a c", rep: report(spec("a", "b", failed, must("AUTH-1")), spec("a", "c", passed, must("AUTH-1"))),
			want: VerdictNonConformant, code: 1},
		{name: "a SHOULD failed with fail-on should", failOn: "should", rep: report(spec("a", "c", failed, should("AUTH-4"))),
			want: VerdictNonConformant, code: 1, summary: "NON-CONFORMANT with --fail-on should: 1 deviation (1 failed spec), 1 SHOULD spec(s) failed (0 passed, 1 failed, 0 skipped)"},
		{name: "a MUST failed", rep: report(spec("a", "b", failed, must("AUTH-1")), spec("a", "c", failed, should("AUTH-4"))),
			want: VerdictNonConformant, code: 1, summary: "NON-CONFORMANT: 1 deviation (2 failed specs), 1 MUST and 1 SHOULD spec(s) failed (0 passed, 2 failed, 0 skipped)"},
		{name: "the failures of two scenarios are two deviations", rep: report(spec("a", "b", failed, must("AUTH-1")), spec("d", "c", failed, should("AUTH-4"), inScenario("s2"))),
			want: VerdictNonConformant, code: 1, summary: "NON-CONFORMANT: 2 deviations (2 failed specs), 1 MUST and 1 SHOULD spec(s) failed (0 passed, 2 failed, 0 skipped)"},
		{name: "a panic outranks failures", rep: report(spec("a", "b", failed, must("AUTH-1")), spec("a", "c", types.SpecStatePanicked, should("AUTH-4"))),
			want: VerdictHarnessError, code: 2, summary: "harness error: 1 spec(s) or checks of the suite itself failed to run; no verdict (0 passed, 1 failed, 0 skipped)"},
		{name: "a failed BeforeSuite is a harness error", rep: func() types.Report {
			r := report(spec("a", "b", passed, must("AUTH-1")), beforeSuite)
			r.SuiteSucceeded = false
			return r
		}(), want: VerdictHarnessError, code: 2, harnessed: "BeforeSuite failed: could not reach the target"},
		{name: "a suite that did not run", rep: func() types.Report {
			r := report()
			r.SuiteSucceeded, r.SpecialSuiteFailureReasons = false, []string{"Interrupted by User"}
			return r
		}(), want: VerdictHarnessError, code: 2, summary: "harness error: the suite did not run: Interrupted by User", harnessed: "Interrupted by User"},
		{name: "an interrupted run has no verdict, whatever ran", rep: func() types.Report {
			r := report(spec("a", "b", passed, must("AUTH-1")))
			r.SuiteSucceeded, r.SpecialSuiteFailureReasons = false, []string{"Interrupted by User"}
			return r
		}(), want: VerdictHarnessError, code: 2},
		{name: "a blocked requirement is not charged again: the blocker alone decides the exit code", rep: report(
			spec("a", "answers status 401", passed, must("AUTH-1")),
			spec("a", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-4", "no error object")),
			spec("a", "answers the envelope", failed, should("ENV-4"))),
			want: VerdictConformantWithWarnings, code: 0, summary: "CONFORMANT WITH WARNINGS: 1 deviation (1 failed spec), 1 SHOULD spec(s) failed (1 passed, 1 failed, 1 blocked, 0 skipped)"},
		{name: "specs the filter left out are counted apart", rep: report(spec("a", "b", passed, must("AUTH-1")), spec("a", "c", skipped, should("AUTH-4"), filteredOut())),
			want: VerdictConformant, code: 0, summary: "CONFORMANT (1 passed, 0 failed, 0 skipped, 1 not selected)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failOn := tc.failOn
			if failOn == "" {
				failOn = "must"
			}
			res := buildKnown(tc.rep, contract(t), Run{FailOn: failOn, LabelFilter: "req:AUTH-1", KnownFailing: "known.txt"}, tc.known)
			if res.Verdict != tc.want || res.ExitCode != tc.code {
				t.Errorf("verdict %s (exit %d), want %s (exit %d): %s", res.Verdict, res.ExitCode, tc.want, tc.code, res.Summary)
			}
			if tc.summary != "" && res.Summary != tc.summary {
				t.Errorf("summary %q,\n want %q", res.Summary, tc.summary)
			}
			if tc.harnessed != "" && !slices.Contains(res.HarnessErrors, tc.harnessed) {
				t.Errorf("harness errors %q, want one %q", res.HarnessErrors, tc.harnessed)
			}
		})
	}
}

func TestUncoveredMusts(t *testing.T) {
	c, err := requirements.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	res := build(report(
		spec("POST x", "answers status 401", passed, must("AUTH-1")),
		spec("POST y", "answers 502 within the timeout", skipped, must("UP-3"), skipWhy("needs upstream.timeout in the profile")),
		spec("POST z", "answers 401", skipped, should("AUTH-4"), skipWhy("needs keys.revoked in the profile")),
		spec("POST w", "answers 403", skipped, must("LIMIT-3"), filteredOut()),
		spec("POST v", "answers 429", skipped, must("LIMIT-1"), skipWhy("not applicable (the profile says the gateway has no rate limit)")),
	), c, Run{FailOn: "must", LabelFilter: "req:AUTH-1 || req:UP-3 || req:AUTH-4 || req:LIMIT-1"})

	got := map[string]Uncovered{}
	for _, u := range res.UncoveredMusts {
		got[u.ID] = u
		if c[u.ID].Level != requirements.Must {
			t.Errorf("%s is %s, yet listed among the uncovered MUSTs", u.ID, c[u.ID].Level)
		}
	}
	for id, want := range map[string]Outcome{"CLIENT-1": OutcomeNotCovered, "UP-3": OutcomeSkipped, "LIMIT-3": OutcomeNotSelected, "ENV-1": OutcomeNotCovered} {
		if got[id].Outcome != want {
			t.Errorf("uncovered %s: %q, want %s", id, got[id].Outcome, want)
		}
	}
	if !slices.Contains(got["UP-3"].Reasons, "needs upstream.timeout in the profile") {
		t.Errorf("UP-3 reasons %q lack the skip reason", got["UP-3"].Reasons)
	}
	for _, id := range []string{"AUTH-1", "AUTH-4", "STREAM-1", "RCPT-1", "LIMIT-1"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s listed among the uncovered MUSTs", id)
		}
	}
	for _, id := range []string{"STREAM-1", "RCPT-1", "CLIENT-2"} {
		if q := requirement(t, res, id); q.Outcome != OutcomeNotCovered {
			t.Errorf("%s: %s, want not_covered", id, q.Outcome)
		}
	}
	if n := res.Counts.Requirements[OutcomeNotCovered]; n != len(c)-5 {
		t.Errorf("%d requirements not covered, want %d", n, len(c)-5)
	}
	if q := requirement(t, res, "LIMIT-1"); q.Outcome != OutcomeNotApplicable {
		t.Errorf("LIMIT-1: %s, want not_applicable", q.Outcome)
	}
}

const transcript = `POST /v1/chat/completions HTTP/1.1
Authorization: Bearer $API_KEY

{"model":"<script>alert(1)</script>"}

HTTP/1.1 200 OK
Content-Type: text/html

<script>alert(1)</script>`

func failedRun(t testing.TB) *Result {
	rep := report(
		spec("POST /v1/chat/completions without Authorization", "answers status 401", failed, must("AUTH-1"),
			message("answered status 200, want 401"), entry("transcript", transcript),
			entry("answer", `200 "absent or null"`),
			entry("curl", `curl -sS -X POST 'http://gw/v1/chat/completions' -H 'Authorization: Bearer $API_KEY' -d '{"a":"b|c"}'`)),
		spec("POST /v1/chat/completions with a bad parameter", "names temperature in error.param", failed, should("REQ-7"), inScenario("s2"),
			message("error.param is \"x|y\", want \"temperature\"\nsecond line"), entry("transcript", transcript)),
		spec("POST /v1/chat/completions with a bad key", "answers 401 before the body", skipped, should("AUTH-4"), skipWhy("needs keys.revoked in the profile")),
		spec("GET /v1/models", "answers the envelope", passed, must("ENV-4")),
	)
	c, err := requirements.Parse([]byte(contractMD))
	if err != nil {
		t.Fatal(err)
	}
	return build(rep, c, Run{Target: "http://gw/v1", FailOn: "must", Started: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		Version: "v0.test", Profile: []string{"keys.zero_credit: $GWC_ZERO_CREDIT_KEY", "upstream.timeout: 2s"}})
}

func TestSpecFields(t *testing.T) {
	res := failedRun(t)
	s := res.Specs[0]
	if s.Name != "POST /v1/chat/completions without Authorization answers status 401" {
		t.Errorf("name %q", s.Name)
	}
	if s.Scenario != "s1" || s.Level != "must" || !slices.Equal(s.Requirements, []string{"AUTH-1"}) || s.State != StateFailed {
		t.Errorf("scenario %q level %q requirements %v state %q", s.Scenario, s.Level, s.Requirements, s.State)
	}
	if s.Reason != "answered status 200, want 401" {
		t.Errorf("reason %q", s.Reason)
	}
	if s.Transcript != transcript {
		t.Errorf("transcript %q,\n want %q", s.Transcript, transcript)
	}
	if s.Duration != 12*time.Millisecond {
		t.Errorf("duration %s", s.Duration)
	}
	if v, ok := s.Entry("curl"); !ok || !strings.HasPrefix(v, "curl -sS") {
		t.Errorf("curl entry %q, %v", v, ok)
	}
	if v, _ := s.Entry("answer"); v != `200 "absent or null"` {
		t.Errorf("answer entry %q", v)
	}
	if r := res.Specs[1].Reason; r != "error.param is \"x|y\", want \"temperature\"\nsecond line" {
		t.Errorf("a two-line reason is %q", r)
	}
	if sk := res.Specs[2]; sk.State != StateSkipped || sk.SkipReason != "needs keys.revoked in the profile" || sk.Reason != "" {
		t.Errorf("skipped spec: state %q skip reason %q reason %q", sk.State, sk.SkipReason, sk.Reason)
	}
}

func TestHarnessSpecReason(t *testing.T) {
	res := build(report(spec("a", "b", types.SpecStatePanicked, must("AUTH-1"), func(s *types.SpecReport) {
		s.Failure.Message, s.Failure.ForwardedPanic = "Test Panicked", "runtime error: index out of range"
	})), contract(t), Run{})
	if s := res.Specs[0]; s.State != "panicked" || !strings.Contains(s.Reason, "index out of range") {
		t.Errorf("state %q reason %q", s.State, s.Reason)
	}
}

// A report read back from JSON (ginkgo-report.json, or a parallel run's ReportAfterSuite) keeps its entries.
func TestBuildFromARehydratedReport(t *testing.T) {
	rep := report(spec("a", "b", failed, must("AUTH-1"), message("why"), entry("transcript", "GET /"), entry("curl", "curl -sS http://gw/v1/models")))
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back types.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := build(back, contract(t), Run{}).Specs[0]
	if v, _ := s.Entry("curl"); v != "curl -sS http://gw/v1/models" || s.Reason != "why" || s.Transcript != "GET /" {
		t.Errorf("curl %q reason %q transcript %q", v, s.Reason, s.Transcript)
	}
}

// A blocked spec read back from report JSON keeps its Block, and its requirement stays blocked, naming the
// blocker; a blocked MUST is not an uncovered one.
func TestABlockedSpecIsReportedBlockedInEveryForm(t *testing.T) {
	rep := report(spec("POST x", "answers status 401", passed, must("AUTH-1")),
		spec("POST x", "answers error.type authentication_error", skipped, must("AUTH-1"), blockedBy("ENV-4", "no error.type")))
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back types.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]types.Report{"in process": rep, "read back": back} {
		res := build(r, contract(t), Run{FailOn: "must"})
		q := requirement(t, res, "AUTH-1")
		s := res.Specs[1]
		if q.Outcome != OutcomeBlocked || !slices.Equal(q.BlockedBy, []string{"ENV-4"}) || s.State != StateBlocked || s.Blocked == nil || s.Blocked.By != "ENV-4" {
			t.Fatalf("%s: outcome %s blocked by %v; spec %s %+v", name, q.Outcome, q.BlockedBy, s.State, s.Blocked)
		}
		if res.Counts.Specs.Blocked != 1 || res.Counts.Requirements[OutcomeBlocked] != 1 {
			t.Errorf("%s: counts %+v", name, res.Counts)
		}
		for _, u := range res.UncoveredMusts {
			if u.ID == "AUTH-1" {
				t.Errorf("%s: the blocked AUTH-1 is listed as not checked", name)
			}
		}
		var md, page, js bytes.Buffer
		if err := res.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteHTML(&page); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		const why = "blocked by ENV-4: 1 answer has no error.type"
		for form, text := range map[string]string{"summary.md": md.String(), "report.html": page.String(), "report.json": js.String()} {
			if !strings.Contains(text, why) {
				t.Errorf("%s: %s does not say %q", name, form, why)
			}
		}
		if !strings.Contains(js.String(), `"outcome": "blocked"`) || !strings.Contains(js.String(), `"state": "blocked"`) {
			t.Errorf("%s: report.json lacks the blocked outcome or state", name)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	res := failedRun(t)
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int    `json:"schema_version"`
		Verdict       string `json:"verdict"`
		ExitCode      int    `json:"exit_code"`
		Run           struct {
			Target  string   `json:"target"`
			FailOn  string   `json:"fail_on"`
			Profile []string `json:"profile"`
		} `json:"run"`
		Counts struct {
			Specs        map[string]int `json:"specs"`
			Requirements map[string]int `json:"requirements"`
		} `json:"counts"`
		Requirements []struct {
			ID       string `json:"id"`
			Level    string `json:"level"`
			Text     string `json:"text"`
			Outcome  string `json:"outcome"`
			Evidence []struct {
				Name       string `json:"name"`
				State      string `json:"state"`
				Reason     string `json:"reason"`
				Transcript string `json:"transcript"`
				Entries    []struct{ Name, Value string }
			} `json:"evidence"`
		} `json:"requirements"`
		UncoveredMusts []struct{ ID, Outcome string } `json:"uncovered_musts"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("report.json is not JSON: %v\n%s", err, b.String())
	}
	if doc.SchemaVersion != SchemaVersion || doc.Verdict != "non_conformant" || doc.ExitCode != 1 {
		t.Errorf("schema %d verdict %q exit %d", doc.SchemaVersion, doc.Verdict, doc.ExitCode)
	}
	if doc.Run.Target != "http://gw/v1" || doc.Run.FailOn != "must" || len(doc.Run.Profile) != 2 {
		t.Errorf("run %+v", doc.Run)
	}
	if doc.Counts.Specs["failed_must"] != 1 || doc.Counts.Requirements["fail"] != 2 || doc.Counts.Requirements["not_covered"] != 1 {
		t.Errorf("counts %+v", doc.Counts)
	}
	if len(doc.Requirements) != 5 {
		t.Fatalf("%d requirements, want 5", len(doc.Requirements))
	}
	var found bool
	for _, q := range doc.Requirements {
		if q.ID != "AUTH-1" {
			continue
		}
		found = true
		if q.Outcome != "fail" || q.Level != "MUST" || q.Text == "" || len(q.Evidence) != 1 {
			t.Fatalf("AUTH-1: %+v", q)
		}
		e := q.Evidence[0]
		if e.State != "failed" || e.Reason != "answered status 200, want 401" || e.Transcript != transcript {
			t.Errorf("AUTH-1 evidence: %+v", e)
		}
		if len(e.Entries) != 2 || e.Entries[1].Name != "curl" {
			t.Errorf("AUTH-1 entries: %+v", e.Entries)
		}
	}
	if !found {
		t.Error("AUTH-1 missing from report.json")
	}
	if len(doc.UncoveredMusts) != 1 || doc.UncoveredMusts[0].ID != "CLIENT-1" || doc.UncoveredMusts[0].Outcome != "not_covered" {
		t.Errorf("uncovered MUSTs %+v", doc.UncoveredMusts)
	}
}

var (
	tagRE     = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*>`)
	voidElems = map[string]bool{"meta": true, "br": true, "col": true, "hr": true, "img": true, "input": true, "link": true}
)

func TestWriteHTML(t *testing.T) {
	res := failedRun(t)
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Errorf("the page does not start with a doctype: %.40q", page)
	}
	if err := balanced(page); err != nil {
		t.Errorf("unbalanced HTML: %v", err)
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Error("the page carries a <script> tag: a transcript was not escaped")
	}
	for _, want := range []string{
		"NON-CONFORMANT", `class="verdict v-non_conformant"`, "http://gw/v1",
		`id="req-AUTH-1"`, `href="#finding-1"`, // the matrix links the failed requirement to its finding
		"POST /v1/chat/completions without Authorization", "answers status 401", // the finding's title and its spec
		"answered status 200, want 401",
		"&lt;script&gt;alert(1)&lt;/script&gt;", // the transcript, escaped
		"curl -sS -X POST",
		"CLIENT-1", "not covered", // the uncovered MUST
		"needs keys.revoked in the profile", // the skipped requirement's reason
		"keys.zero_credit: $GWC_ZERO_CREDIT_KEY",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, banned := range []string{"http://", "https://"} {
		for _, m := range regexp.MustCompile(`(?:src|href)="`+banned).FindAllString(page, -1) {
			t.Errorf("report.html fetches or links outside itself: %s", m)
		}
	}
	if strings.Contains(page, "@import") || strings.Contains(page, "url(") {
		t.Error("report.html's CSS fetches something")
	}
}

func TestWriteHTMLWithNoFailure(t *testing.T) {
	res := build(report(spec("a", "b", passed, must("AUTH-1"))), contract(t), Run{FailOn: "must"})
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if err := balanced(b.String()); err != nil {
		t.Error(err)
	}
	if !strings.Contains(b.String(), "No spec failed.") || !strings.Contains(b.String(), "v-conformant") {
		t.Error("a passing run's page does not say so")
	}
}

func TestWriteMarkdown(t *testing.T) {
	res := failedRun(t)
	var b bytes.Buffer
	if err := res.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"## gwconform: ❌ NON-CONFORMANT",
		"NON-CONFORMANT: 2 deviations (2 failed specs), 1 MUST and 1 SHOULD spec(s) failed (1 passed, 2 failed, 1 skipped) (exit 1)",
		"| id | level | outcome | deviation | first failing spec | reason |",
		"| AUTH-1 | MUST | fail | deviation 1 (`s1`) | POST /v1/chat/completions without Authorization answers status 401 | answered status 200, want 401 |",
		"| REQ-7 | SHOULD | fail | deviation 2 (`s2`) | POST /v1/chat/completions with a bad parameter names temperature in error.param | error.param is \"x\\|y\", want \"temperature\"<br>second line |",
		"**Requirements:** 5: 2 fail, 1 pass, 1 skipped, 1 not covered",
		"- **CLIENT-1** not covered",
		"<details><summary>Skipped, not applicable or not selected requirements (1)</summary>",
		"- **AUTH-4** (SHOULD, skipped): needs keys.revoked in the profile",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "ENV-4 | MUST | fail") {
		t.Error("ENV-4 is listed as failed: no failed spec is charged to it")
	}
	if blocks, outside, err := codeBlocks(md); err != nil || strings.Contains(outside, "<script") || !slices.Contains(blocks, transcript) {
		t.Error("summary.md carries a transcript's HTML outside its code block")
	}
}

func TestWriteAll(t *testing.T) {
	res := failedRun(t)
	dir := t.TempDir()
	stepSummary := filepath.Join(t.TempDir(), "step_summary.md")
	getenv := func(k string) string {
		if k == StepSummaryEnv {
			return stepSummary
		}
		return ""
	}
	for i := 0; i < 2; i++ {
		if errs := res.WriteAll(filepath.Join(dir, "out"), getenv); len(errs) > 0 {
			t.Fatalf("WriteAll: %v", errs)
		}
	}
	for _, name := range []string{JSONFile, HTMLFile, MarkdownFile} {
		b, err := os.ReadFile(filepath.Join(dir, "out", name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "out", MarkdownFile))
	sum, err := os.ReadFile(stepSummary)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(sum), "## gwconform:"); n != 2 {
		t.Errorf("$GITHUB_STEP_SUMMARY holds %d summaries after two runs, want 2", n)
	}
	if !strings.HasPrefix(string(sum), string(md)) {
		t.Error("$GITHUB_STEP_SUMMARY does not hold summary.md")
	}
}

func TestWriteAllWithoutStepSummary(t *testing.T) {
	dir := t.TempDir()
	if errs := failedRun(t).WriteAll(dir, func(string) string { return "" }); len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := failedRun(t).WriteAll(dir, nil); len(errs) > 0 {
		t.Fatal(errs)
	}
}

func TestWriteAllUnwritable(t *testing.T) {
	res := failedRun(t)
	// A directory below a regular file can be created by nobody, root included.
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	summaryDir := filepath.Join(file, "summary.md")
	errs := res.WriteAll(filepath.Join(file, "reports"), func(string) string { return summaryDir })
	if len(errs) < 4 {
		t.Fatalf("WriteAll into an unwritable directory returned %d error(s), want one per file and the step summary: %v", len(errs), errs)
	}
	if !strings.Contains(fmt.Sprint(errs), StepSummaryEnv) {
		t.Errorf("no error names $%s: %v", StepSummaryEnv, errs)
	}
	if res.Verdict != VerdictNonConformant || res.ExitCode != 1 {
		t.Errorf("a failed write changed the verdict to %s (exit %d)", res.Verdict, res.ExitCode)
	}
}

// bigReport is a run of about 400 specs over the whole contract, a tenth of them failed with a transcript.
func bigReport(c requirements.List) types.Report {
	ids := c.IDs()
	var specs []types.SpecReport
	for i := 0; i < 400; i++ {
		id := ids[i%len(ids)]
		level := "should"
		if c[id].Level == requirements.Must {
			level = "must"
		}
		var s types.SpecReport
		switch {
		case i%10 == 3:
			s = spec(fmt.Sprintf("POST /v1/chat/completions scenario %d", i/8), "answers status 400", failed, labels(level, id, "ENV-7"),
				message("answered status 500, want 400\n\n"+strings.Repeat(transcript+"\n", 8)),
				entry("answer", `500 "server_error"`), entry("curl", "curl -sS -X POST http://gw/v1/chat/completions"))
		case i%10 == 7:
			s = spec(fmt.Sprintf("POST /v1/chat/completions scenario %d", i/8), "answers Retry-After", skipped, labels(level, id), skipWhy("needs triggers.unavailable in the profile"))
		default:
			s = spec(fmt.Sprintf("POST /v1/chat/completions scenario %d", i/8), "answers the error envelope", passed, labels(level, id), entry("answer", `400 "invalid_request_error"`))
		}
		specs = append(specs, s)
	}
	return report(specs...)
}

func BenchmarkBuildAndWriteHTML(b *testing.B) {
	c, err := requirements.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	rep := bigReport(c)
	run := Run{Target: "http://gw/v1", FailOn: "must", Started: time.Now()}
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := build(rep, c, run).WriteHTML(&out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "html-bytes")
}

func inputsFor(rep types.Report, c requirements.List) Inputs {
	in := Inputs{Requirements: c, Specs: map[string]SpecInfo{}}
	for i, sr := range rep.SpecReports {
		info := SpecInfo{Order: i} // the fixture's order is the plan's
		for _, l := range sr.Labels() {
			switch {
			case strings.HasPrefix(l, "scenario:"):
				info.Scenario = strings.TrimPrefix(l, "scenario:")
			case strings.HasPrefix(l, "req:"):
				info.Requirements = append(info.Requirements, strings.TrimPrefix(l, "req:"))
			case l == "must" || l == "should":
				info.Level = l
			}
		}
		in.Specs[sr.FullText()] = info
	}
	return in
}

// A requirement that binds the suite is reported apart and never charged to the target; when the suite
// cannot vouch for it, no verdict can be trusted.
func TestSuiteGuarantees(t *testing.T) {
	rep := report(spec("a", "b", passed, must("AUTH-1")))
	for _, holds := range []bool{true, false} {
		in := inputsFor(rep, contract(t))
		in.Guarantees = []Guarantee{{ID: "ENV-4", Level: "MUST", Holds: holds, Proof: "checked"}}
		res := Build(rep, in, Run{FailOn: "must"})
		for _, q := range res.Requirements {
			if q.ID == "ENV-4" {
				t.Errorf("holds=%t: ENV-4 is among the target's requirements", holds)
			}
		}
		if len(res.SuiteGuarantees) != 1 {
			t.Errorf("holds=%t: guarantees %v", holds, res.SuiteGuarantees)
		}
		wantCode := map[bool]int{true: ExitConformant, false: ExitHarness}[holds]
		if res.ExitCode != wantCode {
			t.Errorf("holds=%t: exit %d, want %d (%s)", holds, res.ExitCode, wantCode, res.Summary)
		}
	}
}

// The completions the upstream served to requests the gateway should have refused are said in every
// report, and only when there were some.
func TestBilledCompletionsAreSaid(t *testing.T) {
	for billed, want := range map[int]string{0: "", 1: "1 completion was served to a request the gateway should have refused", 7: "7 completions were served to requests the gateway should have refused (billable on a paid upstream)"} {
		rep := report(spec("a", "b", failed, must("AUTH-1")))
		in := inputsFor(rep, contract(t))
		in.Billed = billed
		res := Build(rep, in, Run{FailOn: "must"})
		var md, page, js bytes.Buffer
		if err := res.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteHTML(&page); err != nil {
			t.Fatal(err)
		}
		if err := res.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		for name, out := range map[string]string{"summary.md": md.String(), "report.html": page.String()} {
			if got := strings.Contains(out, "should have refused"); got != (want != "") || want != "" && !strings.Contains(out, want) {
				t.Errorf("%d billed: %s says %v", billed, name, got)
			}
		}
		if !strings.Contains(js.String(), fmt.Sprintf(`"completions_served_to_refusable_requests": %d`, billed)) {
			t.Errorf("%d billed: report.json lacks the count", billed)
		}
	}
}
