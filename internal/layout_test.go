package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gwconform/gwconform/"

// The two programs share only the fault vocabulary and the witness's protocol: the suite judges a gateway
// through HTTP alone, and the reference gateway must not pass because it was built from the suite's own
// parts. Only cmd/ joins them.
func TestTheSuiteAndTheReferenceNeverImportEachOther(t *testing.T) {
	for _, tc := range []struct {
		pkgs      []string
		forbidden []string
	}{
		{pkgs: []string{"suite/...", "internal/exchange", "internal/profile", "internal/report", "internal/scenario", "internal/validate", "internal/requirements", "internal/redact"},
			forbidden: []string{"internal/reference/", "internal/testkit/"}},
		{pkgs: []string{"internal/reference/..."},
			forbidden: []string{"suite", "internal/exchange", "internal/profile", "internal/report", "internal/scenario", "internal/validate", "internal/requirements", "internal/redact", "internal/testkit/"}},
	} {
		args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
		for _, p := range tc.pkgs {
			args = append(args, module+p)
		}
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(dep, module)
			if !ok {
				continue
			}
			for _, f := range tc.forbidden {
				if rel == strings.TrimSuffix(f, "/") || strings.HasPrefix(rel, f) {
					t.Errorf("%v import %s, which belongs to the other program", tc.pkgs, dep)
				}
			}
		}
	}
}
