package main

import (
	"strings"
	"testing"
)

// --known-failing excuses the listed failures and nothing else, and a listed spec that passes fails the run
// so the list cannot outlive the bugs it names.
func TestKnownFailingExcusesOnlyWhatItLists(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "unknown-model-404")
	env := []string{"API_KEY=" + stack.APIKey}
	failing := "POST /v1/chat/completions with a model id absent from the catalogue answers status 400"
	passing := "POST /v1/chat/completions without Authorization answers status 401"

	r := gwconform(t, env, "run", "--target", stack.BaseURL, "--known-failing", writeFile(t, "# tracked in GW-123\n"+failing+"\n"))
	if r.code != exitConformant {
		t.Fatalf("the listed failure was not excused: exit %d\n%s", r.code, r.stdout)
	}

	r = gwconform(t, env, "run", "--target", stack.BaseURL, "--known-failing", writeFile(t, failing+"\n"+passing+"\n"))
	if r.code != exitFailed || !strings.Contains(r.stdout, "now passes, remove it: "+passing) {
		t.Fatalf("a listed spec that passes did not fail the run: exit %d\n%s", r.code, r.stdout)
	}

	r = gwconform(t, env, "run", "--target", stack.BaseURL, "--known-failing", writeFile(t, "POST /v1/nothing answers status 200\n"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "no spec is named") {
		t.Fatalf("an unknown spec name was accepted: exit %d\n%s", r.code, r.stderr)
	}
}
