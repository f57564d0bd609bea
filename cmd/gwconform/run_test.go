package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/requirements"
)

// One default run, checked several ways: it passes, its JUnit report lists every spec, and its specs'
// labels name every requirement the foundation covers.
func TestDefaultRunAgainstTheEmbeddedReference(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "run")
	if r.code != exitConformant {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	specs := r.specs(t)

	// The embedded reference offers every trigger, so nothing skips but the one of two exclusive scenarios
	// that does not apply to it (its catalogue is public, so "needs a key" does not apply).
	t.Run("every spec passed", func(t *testing.T) {
		for _, s := range specs {
			notApplicable := s.State == types.SpecStateSkipped && strings.HasPrefix(s.Failure.Message, "does not apply")
			if s.State != types.SpecStatePassed && !notApplicable {
				t.Errorf("%s: %s %s", s.FullText(), s.State, s.Failure.Message)
			}
		}
	})

	t.Run("junit.xml lists every spec", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(r.reportDir, "junit.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var suites struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		}
		if err := xml.Unmarshal(b, &suites); err != nil {
			t.Fatal(err)
		}
		if suites.Tests < 40 || suites.Tests < len(specs) || suites.Failures != 0 {
			t.Fatalf("junit.xml: %d tests, %d failures; the run had %d specs", suites.Tests, suites.Failures, len(specs))
		}
	})

	t.Run("every requirement but CLIENT, STREAM and RCPT is checked by a passed spec", func(t *testing.T) {
		passed := map[string]bool{}
		for _, s := range specs {
			for _, id := range requirementLabels(s) {
				passed[id] = passed[id] || s.State == types.SpecStatePassed
			}
		}
		for _, id := range contractIDs(t) {
			group, _, _ := strings.Cut(id, "-")
			switch group {
			case "CLIENT", "STREAM", "RCPT":
			default:
				if !passed[id] {
					t.Errorf("%s is checked by no passed spec of the default run", id)
				}
			}
		}
	})

	t.Run("each spec carries a level and a category", func(t *testing.T) {
		for _, s := range specs {
			l := strings.Join(s.Labels(), " ")
			if !(strings.Contains(l, "must") || strings.Contains(l, "should")) || len(requirementLabels(s)) == 0 {
				t.Errorf("%s: labels %v", s.FullText(), s.Labels())
			}
		}
	})
}

// contractIDs reads the shared contract when it is checked out beside the repository (CI has it), else
// the copy the binary embeds (a test in internal/requirements keeps the two identical).
func contractIDs(t *testing.T) []string {
	t.Helper()
	cat, err := requirements.Embedded()
	if md, rerr := os.ReadFile(filepath.Join("..", "..", "..", "shared", "contract", "REQUIREMENTS.md")); rerr == nil {
		cat, err = requirements.Parse(md)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cat.IDs()
}

// A gateway started on its own, given only its URL and a key in the environment.
func TestRunAgainstASeparateGateway(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL)
	if r.code != exitConformant {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r.noSecret(t, stack.APIKey)

	t.Run("specs without a trigger are skipped with the reason", func(t *testing.T) {
		skipped := map[string]string{}
		for _, s := range r.specs(t) {
			if s.State == types.SpecStateSkipped {
				for _, id := range requirementLabels(s) {
					skipped[id] = s.Failure.Message
				}
			}
		}
		for _, id := range []string{"UP-1", "UP-3", "LIMIT-1", "LIMIT-3", "SRV-1", "SRV-2", "MOD-4"} {
			if !strings.Contains(skipped[id], "needs ") && !strings.Contains(skipped[id], "billable") {
				t.Errorf("%s: skipped with reason %q", id, skipped[id])
			}
		}
	})

	t.Run("a label filter selects by requirement", func(t *testing.T) {
		r := gwconform(t, []string{"GWC_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL, "--api-key-env", "GWC_KEY", "--label-filter", "req:AUTH-1")
		if r.code != exitConformant {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		ran := 0
		for _, s := range r.specs(t) {
			if s.State == types.SpecStateSkipped {
				continue
			}
			ran++
			if !strings.Contains(strings.Join(s.Labels(), " "), "req:AUTH-1") {
				t.Errorf("ran %s", s.FullText())
			}
		}
		if ran == 0 {
			t.Fatal("the filter selected nothing")
		}
	})
}
