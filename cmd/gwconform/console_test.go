package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/report"
)

// Without -v, a non-conformant run's console is one mark per spec, then one line per failed requirement and
// what to export to reproduce: no transcript, no source location, so ten failed requirements fit on one
// screen. -v brings the detail back.
func TestConsoleIsOneLinePerFailedRequirement(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "type-class-name", "no-retry-after")
	env := []string{"API_KEY=" + stack.APIKey}
	r := gwconform(t, env, "run", "--target", stack.BaseURL)
	if r.code != exitFailed {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	res := r.report(t)
	failed := 0
	for _, q := range res.Requirements {
		if q.Outcome == "fail" {
			failed++
			if !strings.Contains(r.stdout, "  FAIL "+q.Level+" "+q.ID+": ") {
				t.Errorf("no console line for %s", q.ID)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if got := strings.Count(r.stdout, "\n  FAIL "); got != failed || failed < 5 {
		t.Errorf("%d FAIL lines for %d failed requirements", got, failed)
	}
	// The profile's lines, the generated bodies' line, a row of marks per 100 specs, the verdict, the export
	// line and the report line: everything else is a failed or blocked requirement or an uncovered MUST, one
	// line each.
	blocked := res.Counts.Requirements[report.OutcomeBlocked]
	if fixed := 11 + (res.Counts.Specs.Total+99)/100 + 3; len(lines) > fixed+failed+blocked+len(res.UncoveredMusts) {
		t.Errorf("%d console lines for %d failed requirements:\n%s", len(lines), failed, r.stdout)
	}
	for _, detail := range []string{"> POST ", "< HTTP/1.1", ".go:", "[FAILED]"} {
		if strings.Contains(r.stdout, detail) {
			t.Errorf("the console shows %q without -v:\n%s", detail, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "gwconform: to reproduce a deviation, export API_KEY,") && !strings.Contains(r.stdout, "export API_KEY, then") {
		t.Errorf("the variables to export are not named:\n%s", r.stdout)
	}

	verbose := gwconform(t, env, "run", "--target", stack.BaseURL, "-v")
	if !strings.Contains(verbose.stdout, "> POST ") {
		t.Errorf("-v does not show the transcripts")
	}
}

// Under GitHub Actions a failed requirement's annotation is an error when its failure fails the step, and a
// warning when it does not: a SHOULD failure is a warning unless the run's --fail-on is should.
func TestAnnotationLevelFollowsFailOn(t *testing.T) {
	t.Parallel()
	failing := func(id, level string) *report.Requirement {
		return &report.Requirement{ID: id, Level: level, Outcome: report.OutcomeFail,
			Specs: []*report.Spec{{Name: id + " spec", State: report.StateFailed, Reason: "broke " + id}}}
	}
	for _, c := range []struct {
		failOn       string
		must, should string // the annotation lines
	}{
		{"must", "::error title=gwconform ENV-1::MUST ENV-1: ENV-1 spec: broke ENV-1", "::warning title=gwconform ENV-9::SHOULD ENV-9: ENV-9 spec: broke ENV-9"},
		{"should", "::error title=gwconform ENV-1::MUST ENV-1: ENV-1 spec: broke ENV-1", "::error title=gwconform ENV-9::SHOULD ENV-9: ENV-9 spec: broke ENV-9"},
	} {
		res := &report.Result{Run: report.Run{FailOn: c.failOn},
			Requirements: []*report.Requirement{failing("ENV-1", "MUST"), failing("ENV-9", "SHOULD")}}
		var b strings.Builder
		printVerdict(&b, res, true)
		for _, want := range []string{c.must, c.should} {
			if !strings.Contains(b.String(), "\n"+want+"\n") {
				t.Errorf("--fail-on %s: no line %q:\n%s", c.failOn, want, b.String())
			}
		}
		if got := strings.Count(b.String(), "\n::"); got != 2 {
			t.Errorf("--fail-on %s: %d annotations for 2 failed requirements:\n%s", c.failOn, got, b.String())
		}
		var plain strings.Builder
		printVerdict(&plain, res, false)
		if strings.Contains(plain.String(), "::") {
			t.Errorf("--fail-on %s: annotations outside GitHub Actions:\n%s", c.failOn, plain.String())
		}
	}
}

// The console's marks tell each judged spec's end: a failure --known-failing lists is K, one it does not
// list stays F; a spec the label filter left out has no mark.
func TestMarksTellAKnownFailureFromAFailure(t *testing.T) {
	const known = "POST x answers status 400"
	blockedSpec := itSpec("POST x", "answers error.type", types.SpecStateSkipped, "blocked by ENV-3: the answer has no error.type",
		types.ReportEntry{Name: report.BlockEntry, Value: types.WrapEntryValue(report.Block{By: "ENV-3", Lack: "no error.type"})})
	filtered := itSpec("POST x", "answers the envelope", types.SpecStateSkipped, "")
	filtered.NumAttempts = 0
	var out strings.Builder
	m := &marks{w: &out, knownFailing: map[string]bool{known: true}}
	for _, s := range []types.SpecReport{
		itSpec("POST x", "answers status 400", types.SpecStateFailed, "answered 404"),
		itSpec("POST y", "answers status 400", types.SpecStateFailed, "answered 404"),
		itSpec("POST y", "answers status 401", types.SpecStatePassed, ""),
		itSpec("POST z", "answers status 401", types.SpecStateSkipped, "needs keys.revoked in the profile"),
		blockedSpec,
		itSpec("POST w", "answers status 401", types.SpecStatePanicked, "runtime error"),
		filtered,
	} {
		m.spec(s)
	}
	m.end()
	if want := "KF.SB!\n"; out.String() != want {
		t.Errorf("marks %q, want %q", out.String(), want)
	}
}

// An uncovered MUST is one line with at most two of its reasons, and the MUSTs a label filter left out are
// one line naming them all: a filtered run's console is not a screen of the same "needs ..." reasons. The
// reports keep every reason.
func TestUncoveredMustsAreShortLines(t *testing.T) {
	t.Parallel()
	res := &report.Result{Summary: "CONFORMANT (1 passed, 0 failed, 0 skipped, 30 not selected)"}
	needs := []string{
		"needs upstream.models.status_500 (or upstream.faults: true) in the profile",
		"needs upstream.models.status_503 (or upstream.faults: true) in the profile\n  with a detail on its next line",
		"needs upstream.models.status_503 (or upstream.faults: true) in the profile",
		"needs upstream.models.reset (or upstream.faults: true) in the profile",
		"needs upstream.models.close (or upstream.faults: true) in the profile",
	}
	res.UncoveredMusts = append(res.UncoveredMusts, report.Uncovered{ID: "UP-1", Outcome: report.OutcomeSkipped, Reasons: needs})
	var leftOut []string
	for i := range 22 {
		id := fmt.Sprintf("REQ-%d", 20+i)
		leftOut = append(leftOut, id)
		res.UncoveredMusts = append(res.UncoveredMusts, report.Uncovered{ID: id, Outcome: report.OutcomeNotSelected, Reasons: []string{`not selected by the label filter "req:AUTH-1"`}})
	}
	var b strings.Builder
	printVerdict(&b, res, false)
	want := "gwconform: CONFORMANT (1 passed, 0 failed, 0 skipped, 30 not selected)\n" +
		"gwconform: MUST UP-1 not covered (skipped): " + needs[0] + "; " + firstLine(needs[1]) + " (and 2 more)\n" +
		"gwconform: 22 MUST requirements not selected by --label-filter: " + strings.Join(leftOut, ", ") + "\n"
	if b.String() != want {
		t.Errorf("console:\n%s\nwant:\n%s", b.String(), want)
	}

	res.Run.Negative = &report.Negative{Seed: 1, ReplayIndex: new(int)}
	b.Reset()
	printVerdict(&b, res, false)
	if !strings.Contains(b.String(), "gwconform: a replay judges its one generated body: 22 MUST requirements not selected\n") || strings.Contains(b.String(), "--label-filter") {
		t.Errorf("a replay's console:\n%s", b.String())
	}
}

// Under -v Ginkgo's own summary counts every spec the label filter left out as Skipped; the verdict counts
// skipped and not selected apart. A line between the two says how Ginkgo's number splits into the verdict's.
func TestVerboseSaysWhatGinkgoCountsAsSkipped(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "run", "-v", "--label-filter", "req:AUTH-1")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	c := r.report(t).Counts.Specs
	if c.NotSelected == 0 || c.Skipped == 0 {
		t.Fatalf("the run has %d not selected and %d skipped specs: it cannot show the difference", c.NotSelected, c.Skipped)
	}
	ginkgo := c.NotSelected + c.Blocked + c.Skipped
	if !strings.Contains(r.stdout, fmt.Sprintf(" %d Skipped\n", ginkgo)) {
		t.Fatalf("Ginkgo's summary does not count %d Skipped:\n%s", ginkgo, r.stdout)
	}
	want := fmt.Sprintf("gwconform: Ginkgo's %d Skipped above are gwconform's %d not selected by --label-filter and %d skipped, counted apart below\n", ginkgo, c.NotSelected, c.Skipped)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("no line %q in:\n%s", want, r.stdout)
	}
}
