package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/gateway"
)

// mutant is what one run against a defective reference gateway showed.
type mutant struct {
	defect    *gateway.Defect
	code      int
	caughtBy  map[string]int // requirement id -> failed specs naming it
	misblamed []string       // failed specs naming none of the defect's requirements
	failed    int
}

// caught is the suite's credit for a defect: the run failed, every requirement the defect breaks has a failed
// spec naming it, and no spec failed for a requirement the defect leaves alone. A variation (no Breaks) is
// caught when the run passes: the suite must not fail a conformant gateway.
func (m mutant) caught() bool {
	if len(m.defect.Breaks) == 0 {
		return m.code == exitConformant && m.failed == 0
	}
	if m.code != exitFailed || len(m.misblamed) > 0 {
		return false
	}
	for _, id := range m.defect.Breaks {
		if m.caughtBy[id] == 0 {
			return false
		}
	}
	return true
}

// The mutation score: the suite is run against the reference gateway with each deviation of the catalogue
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
					t.Errorf("not caught: exit %d, failed specs %d, requirements caught %v, want %v", m.code, m.failed, m.caughtBy, d.Breaks)
					for _, s := range m.misblamed {
						t.Errorf("failed for a requirement %s does not break: %s", d.Name, s)
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
	r := gwconform(t, env, "run", "--profile", path, "--fail-on", "should", "--billable")
	for _, key := range []string{stack.APIKey, stack.ZeroCreditKey, stack.RevokedKey, stack.RateLimitedKey} {
		r.noSecret(t, key)
	}
	m := mutant{defect: d, code: r.code, caughtBy: map[string]int{}}
	if r.code == exitUsage {
		t.Fatalf("harness error, no verdict:\n%s%s", r.stdout, r.stderr)
	}
	for _, s := range r.specs(t) {
		if s.State != types.SpecStateFailed {
			continue
		}
		m.failed++
		hit := false
		for _, id := range requirementLabels(s) {
			if slices.Contains(d.Breaks, id) {
				m.caughtBy[id]++
				hit = true
			}
		}
		if !hit {
			m.misblamed = append(m.misblamed, fmt.Sprintf("%s %v\n%s", s.FullText(), requirementLabels(s), s.Failure.Message))
		}
	}
	return m
}

// scoreTable is the published table: defect, what it breaks, how many specs caught it, and the score.
func scoreTable(defects []*gateway.Defect, results map[string]mutant) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-38s %-34s %-7s %s\n", "defect", "breaks", "caught", "failed specs")
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
		var by []string
		for id, n := range m.caughtBy {
			by = append(by, fmt.Sprintf("%s:%d", id, n))
		}
		sort.Strings(by)
		fmt.Fprintf(&b, "%-38s %-34s %-7s %d %s\n", d.Name, breaks, verdict, m.failed, strings.Join(by, " "))
	}
	fmt.Fprintf(&b, "mutation score: %d/%d caught (%.0f%%)\n", caught, total, 100*float64(caught)/float64(max(total, 1)))
	return b.String()
}
