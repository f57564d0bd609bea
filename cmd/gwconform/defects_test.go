package main

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/gateway"
	"github.com/gwconform/gwconform/internal/reference"
)

// The checks bite: against the reference gateway with one deliberate deviation, the run exits 1, the
// requirements the deviation breaks each have a failed spec, and every failed spec names one of them (a
// failure for an unrelated reason would mean the suite blames the wrong requirement).
func TestEachDefectFailsExactlyTheRequirementsItBreaks(t *testing.T) {
	t.Parallel()
	defects := gateway.Defects()
	if len(defects) < 5 {
		t.Fatalf("%d defects, want at least 5", len(defects))
	}
	for _, d := range defects {
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			stack, err := reference.Start(reference.Options{Defects: []string{d.Name}})
			if err != nil {
				t.Fatal(err)
			}
			defer stack.Close()
			path, env := profileFor(t, stack)
			r := gwconform(t, env, "run", "--target", stack.BaseURL, "--profile", path, "--fail-on", "should")
			if r.code != exitFailed {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			r.noSecret(t, stack.APIKey)

			caught := map[string]bool{}
			for _, s := range r.specs(t) {
				if s.State != types.SpecStateFailed {
					continue
				}
				ids := requirementLabels(s)
				hit := false
				for _, id := range ids {
					if slices.Contains(d.Breaks, id) {
						caught[id], hit = true, true
					}
				}
				if !hit {
					t.Errorf("failed for a requirement %s does not break: %s %v\n%s", d.Name, s.FullText(), ids, s.Failure.Message)
				}
			}
			var missed []string
			for _, id := range d.Breaks {
				if !caught[id] {
					missed = append(missed, id)
				}
			}
			sort.Strings(missed)
			if len(missed) > 0 {
				t.Errorf("no failed spec names %s", strings.Join(missed, ", "))
			}
		})
	}
}
