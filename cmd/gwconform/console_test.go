package main

import (
	"strings"
	"testing"

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
