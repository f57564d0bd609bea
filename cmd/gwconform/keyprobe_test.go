package main

import (
	"strings"
	"testing"
)

// A key the target refuses is a setup mistake, not a verdict, also where the catalogue is public: the
// reference lists its models to anyone, so only the chat route tells the key is wrong.
func TestAWrongKeyAgainstAPublicCatalogueIsNotAVerdict(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	wrong := gwconform(t, []string{"API_KEY=gwc-not-a-key-of-this-gateway"}, "run", "--target", stack.BaseURL, "--negative", "0")
	line := strings.TrimSpace(wrong.stderr)
	if wrong.code != exitUsage || !strings.Contains(line, "refuses the key in $API_KEY") || strings.Contains(line, "\n") {
		t.Fatalf("a wrong key: exit %d, stderr %q; want 2 and one line naming $API_KEY", wrong.code, wrong.stderr)
	}
	if strings.Contains(wrong.stdout+wrong.stderr, "gwc-not-a-key") {
		t.Error("the key itself was printed")
	}

	// The right key, through the same route, is a run with a verdict.
	right := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL, "--negative", "0", "--label-filter", "req:MOD-2")
	if right.code != exitConformant {
		t.Fatalf("the right key: exit %d, want 0:\n%s", right.code, tail(right.stdout+right.stderr))
	}
}
