package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The vendor's path: a gateway started on its own, described by a profile, passes every spec, and the run
// prints its effective profile without a single key in it.
func TestRunWithAProfileRunsEveryTrigger(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	path, env := profileFor(t, stack)
	r := gwconformRaced(t, env, "run", "--profile", path)
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

// A gateway that checks the model before its rate limit never rate-limits an unknown model; its profile
// bursts with real completions instead, and the burst still finds the 429.
func TestBurstWithCompletions(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	path, env := profileFor(t, stack)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withCompletions := regexp.MustCompile(`(rate_limit: \{burst: \d+, within: \w+)\}`).ReplaceAllString(string(b), "$1, completions: true}")
	if withCompletions == string(b) {
		t.Fatal("the reference profile has no rate_limit line to change")
	}
	if err := os.WriteFile(path, []byte(withCompletions), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, env, "run", "--profile", path, "--label-filter", "scenario:limit-burst")
	if r.code != exitConformant || !strings.Contains(r.stdout, "up to 20 completions (billable)") {
		t.Fatalf("exit %d\n%s", r.code, tail(r.stdout))
	}
	passed := 0
	for _, s := range r.specs(t) {
		if s.State.String() == "passed" {
			passed++
		}
	}
	if passed < 3 {
		t.Fatalf("%d burst specs passed", passed)
	}
}

// The profile's word on whether the catalogue needs a key is held against the target: the reference's is
// public, so a profile that says otherwise fails MOD-1.
func TestModelsNeedKeyIsHeldAgainstTheTarget(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	path, env := profileFor(t, stack)
	b, _ := os.ReadFile(path)
	wrong := strings.Replace(string(b), "models_need_key: false", "models_need_key: true", 1)
	if err := os.WriteFile(path, []byte(wrong), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, env, "run", "--profile", path, "--label-filter", "scenario:mod-list-needs-key || scenario:mod-list-public")
	if r.code != exitFailed || !strings.Contains(r.stdout, "answered status 200, want 401") {
		t.Fatalf("exit %d\n%s", r.code, tail(r.stdout))
	}
}
