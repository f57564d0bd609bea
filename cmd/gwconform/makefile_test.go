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

// `make build` stamps the binary with the checkout's git describe, so that `gwconform version` and every
// report name the commit also when Go records no VCS information: built here with -buildvcs=false, the
// binary says exactly that.
func TestMakeBuildStampsTheVersion(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s on PATH", tool)
		}
	}
	describe, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "gwconform")
	build := exec.Command("make", "-s", "-C", filepath.Join("..", ".."), "build", "BIN="+bin)
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "gwconform "+strings.TrimSpace(string(describe)) {
		t.Errorf("%s version printed %q; want gwconform and the checkout's git describe %q", bin, first, strings.TrimSpace(string(describe)))
	}
}

// Where git or .git is missing, `make build` still builds, stamping nothing: the binary then names what Go
// recorded, or says that nothing was. A stand-in for go records the build's arguments.
func TestMakeBuildWithoutGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	args := filepath.Join(t.TempDir(), "args")
	fakeGo := filepath.Join(t.TempDir(), "go")
	if err := os.WriteFile(fakeGo, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" >'"+args+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("make", "-s", "-C", filepath.Join("..", ".."), "build", "GO="+fakeGo, "GIT="+filepath.Join(t.TempDir(), "no-git")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("make build without git: %v\n%s", err, out)
	}
	got, err := os.ReadFile(args)
	if err != nil {
		t.Fatal(err)
	}
	if want := "build\n-ldflags\n-X main.version=\n-o\nbin/gwconform\n./cmd/gwconform\n"; string(got) != want {
		t.Errorf("go was run with\n%s\nwant\n%s", got, want)
	}
}
