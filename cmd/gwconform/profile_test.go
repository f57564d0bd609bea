package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/reference"
)

// referenceProfile writes the profile a vendor would write for a reference stack started on its own: keys
// by environment variable name, the fault models it exposes, its upstream timeout and its triggers. It
// returns the profile's path and the environment that holds the keys.
func referenceProfile(t *testing.T, s *reference.Stack) (string, []string) {
	t.Helper()
	var models strings.Builder
	for key, model := range s.FaultModels {
		if key != "internal" && key != "maintenance" {
			fmt.Fprintf(&models, "    %s: %s\n", key, model)
		}
	}
	yaml := fmt.Sprintf(`api_key_env: REF_KEY
keys:
  zero_credit: REF_ZERO_CREDIT_KEY
  revoked: REF_REVOKED_KEY
  rate_limited: REF_RATE_LIMITED_KEY
rate_limit: {burst: 20, within: 5s}
upstream:
  timeout: %s
  models:
%striggers:
  server_error: {model: %s}
  unavailable: {model: %s}
`, s.UpstreamTimeout, models.String(), s.FaultModels["internal"], s.FaultModels["maintenance"])
	path := filepath.Join(t.TempDir(), "reference.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, []string{
		"REF_KEY=" + s.APIKey,
		"REF_ZERO_CREDIT_KEY=" + s.ZeroCreditKey,
		"REF_REVOKED_KEY=" + s.RevokedKey,
		"REF_RATE_LIMITED_KEY=" + s.RateLimitedKey,
	}
}

// The vendor's path: a gateway started on its own, described by a profile, passes every spec, and the run
// prints its effective profile without a single key in it.
func TestRunWithAProfileRunsEveryTrigger(t *testing.T) {
	t.Parallel()
	stack, err := reference.Start(reference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	path, env := referenceProfile(t, stack)
	r := gwconform(t, env, "run", "--target", stack.BaseURL, "--profile", path)
	if r.code != exitConformant {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, key := range []string{stack.APIKey, stack.ZeroCreditKey, stack.RevokedKey, stack.RateLimitedKey} {
		r.noSecret(t, key)
	}
	if !strings.Contains(r.stdout, "zero_credit=$REF_ZERO_CREDIT_KEY") {
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
