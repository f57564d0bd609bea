package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/reference"
)

// profileFor writes the stack's profile, as serve --profile-out does, and returns it with the keys' environment.
func profileFor(t *testing.T, s *reference.Stack) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reference.yaml")
	if err := writeReferenceProfile(path, s); err != nil {
		t.Fatal(err)
	}
	return path, referenceKeys(s)
}

// The vendor's path: a gateway started on its own, described by a profile, passes every spec, and the run
// prints its effective profile without a single key in it.
func TestRunWithAProfileRunsEveryTrigger(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	path, env := profileFor(t, stack)
	r := gwconform(t, env, "run", "--profile", path)
	if r.code != exitConformant {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, key := range []string{stack.APIKey, stack.ZeroCreditKey, stack.RevokedKey, stack.RateLimitedKey} {
		r.noSecret(t, key)
	}
	if !strings.Contains(r.stdout, "zero_credit=$GWC_ZERO_CREDIT_KEY") {
		t.Errorf("the effective profile is not printed:\n%s", r.stdout)
	}
	ran := map[string]bool{}
	for _, s := range r.specs(t) {
		if s.State.String() == "passed" {
			for _, id := range requirementLabels(s) {
				ran[id] = true
			}
		}
	}
	for _, id := range []string{"UP-1", "UP-2", "UP-3", "UP-4", "UP-5", "UP-6", "LIMIT-1", "LIMIT-2", "LIMIT-3", "SRV-1", "SRV-2", "SRV-3"} {
		if !ran[id] {
			t.Errorf("no passed spec checks %s", id)
		}
	}
}
