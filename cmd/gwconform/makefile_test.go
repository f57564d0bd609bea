package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make mutation` fails when the mutation score is below 100%: its status is go test's, not that of the
// filter that prints the table. A stand-in for go prints a table and exits as a passing or failing run would.
func TestMakeMutationFailsBelowAFullScore(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	for _, c := range []struct {
		name  string
		exit  string
		score string
	}{
		{"every defect caught", "0", "mutation score: 1/1 caught (100%)"},
		{"a defect missed", "1", "mutation score: 0/1 caught (0%)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fakeGo := filepath.Join(t.TempDir(), "go")
			script := "#!/bin/sh\nprintf '    defects_test.go:70: \\n%s\\n' '" + c.score + "'\nexit " + c.exit + "\n"
			if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("make", "-s", "-C", filepath.Join("..", ".."), "mutation", "GO="+fakeGo).CombinedOutput()
			if failed := err != nil; failed != (c.exit != "0") || !strings.Contains(string(out), c.score) {
				t.Fatalf("make mutation: %v, want failure %t\n%s", err, c.exit != "0", out)
			}
		})
	}
}
