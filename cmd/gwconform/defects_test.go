package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gwconform/gwconform/internal/reference/gateway"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
)

// mutant is what one run against a defective reference gateway showed.
type mutant struct {
	defect   *gateway.Defect
	code     int
	failed   []string            // the requirements the run failed, in contract order
	blocked  []string            // the requirements the run reported blocked, in contract order
	evidence map[string][]string // requirement id -> the reasons of its failed specs
	specs    int                 // failed specs
}

// caught is the suite's credit for a defect, exact both ways: the run failed, every requirement the defect
// breaks failed and no other did, and exactly the requirements it blocks were blocked. A variation (no
// Breaks) is caught when the run passes with nothing blocked: the suite must not fail a conformant gateway.
func (m mutant) caught() bool {
	if !slices.Equal(m.blocked, sorted(m.defect.Blocks)) {
		return false
	}
	if len(m.defect.Breaks) == 0 {
		return m.code == exitConformant && len(m.failed) == 0
	}
	return m.code == exitFailed && slices.Equal(m.failed, sorted(m.defect.Breaks))
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int {
		switch {
		case requirements.Less(a, b):
			return -1
		case requirements.Less(b, a):
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// The mutation score: the suite is run against the reference gateway with each deviation of the defect list
// switched on, through a profile that describes the gateway, and must catch every one for the right reason.
// `make mutation` runs this test alone and prints the table.
func TestMutationScore(t *testing.T) {
	t.Parallel()
	defects := gateway.Defects()
	if len(defects) < 5 {
		t.Fatalf("%d defects, want at least 5", len(defects))
	}
	var mu sync.Mutex
	results := map[string]mutant{}
	t.Run("defects", func(t *testing.T) {
		for _, d := range defects {
			t.Run(d.Name, func(t *testing.T) {
				t.Parallel()
				m := runMutant(t, d)
				mu.Lock()
				results[d.Name] = m
				mu.Unlock()
				if !m.caught() {
					t.Errorf("not caught exactly: exit %d, failed %v, want %v; blocked %v, want %v", m.code, m.failed, sorted(d.Breaks), m.blocked, sorted(d.Blocks))
					for _, id := range m.failed {
						if !slices.Contains(d.Breaks, id) {
							t.Errorf("%s failed, which %s does not break: %s", id, d.Name, strings.Join(m.evidence[id], " | "))
						}
					}
				}
			})
		}
	})
	t.Log("\n" + scoreTable(defects, results))
}

func runMutant(t *testing.T, d *gateway.Defect) mutant {
	t.Helper()
	stack := startReference(t, d.Name)
	path, env := profileFor(t, stack)
	// The generated bodies go with every defect: a defect caught only by them, and one that breaks them too,
	// must each be charged exactly.
	args := []string{"run", "--profile", path, "--fail-on", "should", "--billable", "--negative", "64", "--seed", "1"}
	if d.Requires != "" {
		args = append(args, "--header", d.Requires)
	}
	r := gwconform(t, env, args...)
	for _, key := range []string{stack.APIKey, stack.ZeroCreditKey, stack.RevokedKey, stack.RateLimitedKey} {
		r.noSecret(t, key)
	}
	if r.code == exitUsage {
		t.Fatalf("harness error, no verdict:\n%s%s", r.stdout, r.stderr)
	}
	m := mutant{defect: d, code: r.code, evidence: map[string][]string{}}
	res := r.report(t)
	m.specs = res.Counts.Specs.Failed
	for _, q := range res.Requirements {
		if q.Outcome == report.OutcomeBlocked {
			m.blocked = append(m.blocked, q.ID)
		}
		if q.Outcome != report.OutcomeFail {
			continue
		}
		m.failed = append(m.failed, q.ID)
		for _, s := range q.FailingSpecs() {
			m.evidence[q.ID] = append(m.evidence[q.ID], s.Name+": "+s.Reason)
		}
	}
	return m
}

// scoreTable is the published table: defect, what it breaks, how many specs caught it, and the score.
func scoreTable(defects []*gateway.Defect, results map[string]mutant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-38s %-34s %-7s %s\n", "defect", "breaks", "caught", "failed specs, failed requirements")
	caught, total := 0, 0
	for _, d := range defects {
		m, ok := results[d.Name]
		if !ok {
			continue
		}
		total++
		verdict := "no"
		if m.caught() {
			verdict, caught = "yes", caught+1
		}
		breaks := strings.Join(d.Breaks, ",")
		if breaks == "" {
			breaks = "(conformant variation)"
		}
		if len(d.Blocks) > 0 {
			breaks += " (blocks " + strings.Join(d.Blocks, ",") + ")"
		}
		fmt.Fprintf(&b, "%-38s %-34s %-7s %d %s\n", d.Name, breaks, verdict, m.specs, strings.Join(m.failed, ","))
	}
	fmt.Fprintf(&b, "mutation score: %d/%d caught (%.0f%%)\n", caught, total, 100*float64(caught)/float64(max(total, 1)))
	return b.String()
}

// A defect that breaks only a SHOULD warns without failing the run at --fail-on must, and fails it at
// --fail-on should: the level of what failed, not the count, decides the exit code. The level is read in
// any case, as the contract writes it (SHOULD) or not.
func TestShouldOnlyDefectFailsOnlyWhenAskedTo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		failOn string
		code   int
	}{{"must", exitConformant}, {"should", exitFailed}, {"SHOULD", exitFailed}, {"Must", exitConformant}} {
		t.Run(c.failOn, func(t *testing.T) {
			t.Parallel()
			stack := startReference(t, "plain-404")
			path, env := profileFor(t, stack)
			r := gwconform(t, env, "run", "--profile", path, "--fail-on", c.failOn, "--label-filter", "envelope")
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, c.code, tail(r.stdout))
			}
			res := r.report(t)
			var failed []string
			for _, q := range res.Requirements {
				if q.Outcome == report.OutcomeFail {
					failed = append(failed, q.ID)
				}
			}
			if !slices.Equal(failed, []string{"ENV-9"}) {
				t.Fatalf("failed %v, want [ENV-9]", failed)
			}
		})
	}
}

// A gateway that refuses every request lacking its routing header cannot be tested without it: the run
// stops before any spec with exit 2 and one line naming the fix, instead of a NON-CONFORMANT verdict of a
// hundred refused requests. With the header it passes (TestMutationScore runs it so).
func TestMissingRoutingHeaderCannotBeTested(t *testing.T) {
	t.Parallel()
	d, _ := gateway.LookupDefect("routing-header-required")
	stack := startReference(t, d.Name)
	// Without the profile serve writes, which carries the header: a person who tries the bare URL.
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL)
	first, _, _ := strings.Cut(r.stderr, "\n")
	if r.code != exitUsage || !strings.HasPrefix(first, "gwconform: ") || !strings.Contains(first, "--header") {
		t.Fatalf("exit %d, first stderr line %q, want 2 and a line naming --header\n%s", r.code, first, tail(r.stdout))
	}
	if _, err := os.Stat(filepath.Join(r.reportDir, "report.json")); err == nil {
		t.Error("a report was written for a target that could not be tested")
	}
}

// A gateway that forwards everything is caught from the upstream's side: every requirement of a request it
// must refuse itself fails with "forwarded to the upstream", and the run counts the completions it bought.
func TestPassThroughIsSeenForwarding(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "pass-through")
	profilePath := filepath.Join(t.TempDir(), "reference.yaml")
	if err := writeReferenceProfile(profilePath, stack); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, referenceKeys(stack), "run", "--profile", profilePath, "--target", stack.BaseURL)
	if r.code != exitFailed {
		t.Fatalf("exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	// The forwarded spec is SEC-1's alone; which requirement's request was forwarded, its scenario's other
	// specs tell.
	const forwardedLeaf = "is refused by the gateway itself, never forwarded to the upstream"
	res := r.report(t)
	var specs []*report.Spec        // report.json carries the specs as the requirements' evidence
	owners := map[string][]string{} // scenario -> the requirements its other specs are charged to
	for _, q := range res.Requirements {
		for _, s := range q.Specs {
			if q.ID == s.Requirements[0] {
				specs = append(specs, s)
			}
			if !strings.HasSuffix(s.Name, forwardedLeaf) {
				owners[s.Scenario] = append(owners[s.Scenario], q.ID)
			}
		}
	}
	forwarded := map[string]bool{}
	for _, s := range specs {
		if !s.Failed() || !strings.HasSuffix(s.Name, forwardedLeaf) {
			continue
		}
		if !slices.Equal(s.Requirements, []string{"SEC-1"}) {
			t.Errorf("%s is charged to %v, want SEC-1 alone", s.Name, s.Requirements)
		}
		if strings.HasPrefix(s.Reason, "forwarded to the upstream: this request reached the upstream") {
			for _, id := range owners[s.Scenario] {
				forwarded[id] = true
			}
		}
	}
	for _, id := range []string{"AUTH-1", "AUTH-2", "AUTH-3", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "MOD-2"} {
		if !forwarded[id] {
			t.Errorf("%s has no 'forwarded to the upstream' failure", id)
		}
	}
	if res.Billed < 10 || !strings.Contains(r.stdout, fmt.Sprintf("gwconform: %d completions were served to requests the gateway should have refused (billable on a paid upstream)", res.Billed)) {
		t.Errorf("%d completions bought, and the console says:\n%s", res.Billed, tail(r.stdout))
	}
}

// An upstream fault the gateway answers by itself, without asking the upstream, was never provoked: its
// scenario is skipped with the model and the profile fix, never judged as if the fault had happened (the
// gateway's own 400 "passes nothing of the upstream's body through", vacuously).
func TestAFaultTheGatewayNeverForwardedIsNotJudged(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "fault-model-unrouted")
	path, env := profileFor(t, stack)
	r := gwconform(t, env, "run", "--profile", path, "--label-filter", "scenario:up-status-400 || scenario:up-status-500")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	want := "not provoked: the gateway did not route " + stack.FaultModels["status_400"] + " to the upstream"
	for _, q := range r.report(t).Requirements {
		for _, s := range q.Specs {
			switch {
			case s.Scenario == "up-status-400" && (s.State != report.StateSkipped || !strings.HasPrefix(s.SkipReason, want)):
				t.Errorf("%s: %s %q, want skipped %q", s.Name, s.State, s.SkipReason, want)
			case s.Scenario == "up-status-500" && s.State == report.StateSkipped:
				t.Errorf("%s, a fault the gateway forwards, was skipped: %s", s.Name, s.SkipReason)
			}
		}
	}
}

// SRV-3 is told by the burst request's unlimited twin: a gateway that answers the burst's unknown model 503
// even outside the rate limit leaves nothing to clear up to, and SRV-3 says it cannot tell, charging nothing
// (MOD-2 reports the 503); the conformant reference clears up to its twin's 400.
func TestSRV3ClearsUpToTheAnswerOutsideTheRateLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		defects []string
		outcome report.Outcome
		reason  string
	}{
		{nil, report.OutcomePass, ""},
		{[]string{"unknown-model-503"}, report.OutcomeSkipped, "cannot tell: the burst's request is answered 503 even without a rate limit"},
	} {
		stack := startReference(t, c.defects...)
		path, env := profileFor(t, stack)
		r := gwconform(t, env, "run", "--profile", path, "--label-filter", "scenario:limit-burst")
		q := requirementOf(t, r.report(t), "SRV-3")
		if q.Outcome != c.outcome || c.reason != "" && (len(q.Reasons) != 1 || !strings.HasPrefix(q.Reasons[0], c.reason)) {
			t.Errorf("%v: SRV-3 %s %q, want %s %q", c.defects, q.Outcome, q.Reasons, c.outcome, c.reason)
		}
	}
}
