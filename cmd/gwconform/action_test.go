package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// actionScript is the GitHub Action's logic, run by action.yml after installing gwconform.
var actionScript = filepath.Join("..", "..", ".github", "gwconform-action.sh")

// actionRun is one run of the action's script: its exit code, output, the outputs it wrote to
// $GITHUB_OUTPUT, and the step summary.
type actionRun struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	outputLines    int
	summary        string
	dir            string // the workspace it ran in
}

// runAction runs the script with bash the way action.yml does, in a workspace of its own, with this test
// binary as gwconform (through a wrapper that sets GWCONFORM_TEST_AS_MAIN) and env on top of a minimal
// environment.
func runAction(t *testing.T, env ...string) actionRun {
	t.Helper()
	return runActionScript(t, actionScript, env...)
}

// runActionScript is runAction with the script at path, a copy of the action's elsewhere.
func runActionScript(t *testing.T, path string, env ...string) actionRun {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	self, err := filepath.Abs(os.Args[0])
	if err != nil || strings.Contains(self, "'") {
		t.Fatalf("cannot wrap %q: %v", os.Args[0], err)
	}
	tmp := t.TempDir()
	wrapper := filepath.Join(tmp, "gwconform")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nGWCONFORM_TEST_AS_MAIN=1 exec '"+self+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, summary := filepath.Join(tmp, "github_output"), filepath.Join(tmp, "step_summary")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, script)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "GWCONFORM_BIN=" + wrapper,
		"GITHUB_OUTPUT=" + out, "GITHUB_STEP_SUMMARY=" + summary}, env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the action's script did not end within a minute\nstderr:\n%s", tail(stderr.String()))
	}
	r := actionRun{stdout: stdout.String(), stderr: stderr.String(), outputs: map[string]string{}, dir: cmd.Dir}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		r.outputs[k] = v
		r.outputLines++
	}
	s, _ := os.ReadFile(summary)
	r.summary = string(s)
	return r
}

// check fails the test unless the run exited code and wrote exactly the outputs want, and the key appears
// nowhere it wrote.
func (r actionRun) check(t *testing.T, code int, want map[string]string, key string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, tail(r.stdout), tail(r.stderr))
	}
	for k, v := range want {
		if got, ok := r.outputs[k]; !ok || got != v {
			t.Errorf("output %s = %q (written: %t), want %q", k, got, ok, v)
		}
	}
	if r.outputLines != len(want) {
		t.Errorf("%d lines in $GITHUB_OUTPUT, want %d: %v", r.outputLines, len(want), r.outputs)
	}
	for where, s := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "the step summary": r.summary} {
		if strings.Contains(s, key) {
			t.Errorf("the key appears in %s", where)
		}
	}
	for k, v := range r.outputs {
		if strings.Contains(v, key) {
			t.Errorf("the key appears in output %s", k)
		}
	}
}

// The action's script against the reference gateway: the verdict and exit code as outputs, the summary
// once in the step summary, and the script's exit code is gwconform's.
func TestActionScript(t *testing.T) {
	t.Parallel()
	t.Run("conformant", func(t *testing.T) {
		t.Parallel()
		stack := startReference(t)
		r := runAction(t, "API_KEY="+stack.APIKey, "INPUT_TARGET="+stack.BaseURL)
		r.check(t, exitConformant, map[string]string{"verdict": "conformant", "exit-code": "0", "report-dir": "gwconform-reports"}, stack.APIKey)
		if n := strings.Count(r.summary, "## gwconform: "); n != 1 {
			t.Errorf("the verdict heading is %d times in the step summary:\n%s", n, r.summary)
		}
		if !strings.Contains(r.summary, "CONFORMANT") {
			t.Errorf("the step summary has no verdict:\n%s", r.summary)
		}
		for _, f := range []string{"report.json", "junit.xml", "summary.md"} {
			if _, err := os.Stat(filepath.Join(r.dir, "gwconform-reports", f)); err != nil {
				t.Errorf("no %s in the default report directory: %v", f, err)
			}
		}
	})
	t.Run("defect", func(t *testing.T) {
		t.Parallel()
		stack := startReference(t, "flat-envelope")
		r := runAction(t, "API_KEY="+stack.APIKey, "INPUT_TARGET="+stack.BaseURL, "INPUT_REPORT_DIR=out",
			"INPUT_LABEL_FILTER=envelope", "INPUT_FAIL_ON=must", "INPUT_PROFILE=")
		r.check(t, exitFailed, map[string]string{"verdict": "non_conformant", "exit-code": "1", "report-dir": "out"}, stack.APIKey)
		if n := strings.Count(r.summary, "## gwconform: "); n != 1 {
			t.Errorf("the verdict heading is %d times in the step summary:\n%s", n, r.summary)
		}
	})
	// No target anywhere would test gwconform's own embedded gateway and pass: the script refuses.
	t.Run("no target", func(t *testing.T) {
		t.Parallel()
		r := runAction(t, "API_KEY=sk-never-sent", "INPUT_TARGET=")
		r.check(t, exitUsage, map[string]string{"verdict": "", "exit-code": "2", "report-dir": "gwconform-reports"}, "sk-never-sent")
		if !strings.Contains(r.stderr, "::error") || !strings.Contains(r.stderr, "no target") {
			t.Errorf("no clear error:\n%s", r.stderr)
		}
	})
	// gwconform refused to test and wrote no report: its own last gwconform: line is the summary's reason,
	// and the log still shows everything it printed.
	t.Run("no report", func(t *testing.T) {
		t.Parallel()
		bin := writeScript(t, "gwconform", "echo 'gwconform: an earlier line' >&2\necho 'not a gwconform line' >&2\n"+
			"echo 'gwconform: run: --target \"ftp://gw/v1\" is not an http(s) URL' >&2\necho 'after the reason' >&2\nexit 2\n")
		r := runAction(t, "API_KEY=sk-never-sent", "INPUT_TARGET=ftp://gw/v1", "GWCONFORM_BIN="+bin)
		r.check(t, exitUsage, map[string]string{"verdict": "", "exit-code": "2", "report-dir": "gwconform-reports"}, "sk-never-sent")
		reason := `gwconform exited 2 without writing a report: gwconform: run: --target "ftp://gw/v1" is not an http(s) URL`
		if !strings.Contains(r.summary, reason) {
			t.Errorf("the step summary does not give gwconform's reason %q:\n%s", reason, r.summary)
		}
		if !strings.Contains(r.stderr, "::error title=gwconform::"+reason+"\n") {
			t.Errorf("no annotation with the reason:\n%s", r.stderr)
		}
		for _, line := range []string{"gwconform: an earlier line", "not a gwconform line", "after the reason"} {
			if !strings.Contains(r.stderr, line+"\n") {
				t.Errorf("the log lost gwconform's stderr line %q:\n%s", line, r.stderr)
			}
		}
	})
	// Without GWCONFORM_BIN the script installs gwconform itself; when go install fails, the outputs are
	// still set and the summary says why.
	t.Run("install fails", func(t *testing.T) {
		t.Parallel()
		goDir := filepath.Dir(writeScript(t, "go", "echo 'go: downloading github.com/gwconform/gwconform v9.9.9' >&2\n"+
			"echo 'go: github.com/gwconform/gwconform/cmd/gwconform@v9.9.9: invalid version: unknown revision v9.9.9' >&2\nexit 1\n"))
		r := runAction(t, "API_KEY=sk-never-sent", "INPUT_TARGET=http://127.0.0.1:1/v1", "INPUT_VERSION=v9.9.9", "GWCONFORM_BIN=",
			"PATH="+goDir+string(os.PathListSeparator)+os.Getenv("PATH"))
		r.check(t, exitUsage, map[string]string{"verdict": "", "exit-code": "2", "report-dir": "gwconform-reports"}, "sk-never-sent")
		reason := "could not install gwconform v9.9.9: go: github.com/gwconform/gwconform/cmd/gwconform@v9.9.9: invalid version: unknown revision v9.9.9"
		if !strings.Contains(r.summary, reason) {
			t.Errorf("the step summary does not say %q:\n%s", reason, r.summary)
		}
		if !strings.Contains(r.stderr, "::error title=gwconform::"+reason+"\n") {
			t.Errorf("no annotation with the reason:\n%s", r.stderr)
		}
	})
	t.Run("profile without a target", func(t *testing.T) {
		t.Parallel()
		profile := writeFile(t, "model: m\n# target: https://commented.out/v1\n")
		r := runAction(t, "API_KEY=sk-never-sent", "INPUT_PROFILE="+profile)
		r.check(t, exitUsage, map[string]string{"verdict": "", "exit-code": "2", "report-dir": "gwconform-reports"}, "sk-never-sent")
		if !strings.Contains(r.stderr, "has no top-level target") {
			t.Errorf("no clear error:\n%s", r.stderr)
		}
	})
}

// The Action's install stamps the version the reports name where Go records none: a build of the action's
// checkout gets the checkout's git describe, or the ref the workflow named the action by (GitHub unpacks an
// action without .git); go install @version records the module version itself.
func TestActionInstallStampsTheVersion(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	describe, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	// Outside git: the script alone in a directory of its own, as GitHub unpacks the action.
	unpacked := filepath.Join(t.TempDir(), ".github", "gwconform-action.sh")
	b, err := os.ReadFile(actionScript)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(unpacked), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unpacked, b, 0o755); err != nil {
		t.Fatal(err)
	}
	ref := []string{"ACTION_REF=v1.2.3-rc1", "ACTION_REPOSITORY=someone/gwconform-fork"}
	for _, c := range []struct {
		name, script string
		env          []string
		want         string // go's arguments, one a line
	}{
		{"a checkout", actionScript, ref, "install\n-ldflags\n-X main.version=" + strings.TrimSpace(string(describe)) + "\n./cmd/gwconform\n"},
		{"unpacked", unpacked, ref, "install\n-ldflags\n-X main.version=someone/gwconform-fork@v1.2.3-rc1\n./cmd/gwconform\n"},
		{"unpacked, no ref", unpacked, nil, "install\n./cmd/gwconform\n"},
		{"a version", unpacked, append([]string{"INPUT_VERSION=v1.2.0"}, ref...), "install\ngithub.com/gwconform/gwconform/cmd/gwconform@v1.2.0\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// A stand-in for go records its arguments and installs a gwconform that refuses to test.
			args := filepath.Join(t.TempDir(), "args")
			goDir := filepath.Dir(writeScript(t, "go", "printf '%s\\n' \"$@\" >'"+args+"'\nmkdir -p \"$GOBIN\"\n"+
				"printf '#!/bin/sh\\necho \"gwconform: installed\" >&2\\nexit 2\\n' >\"$GOBIN/gwconform\"\nchmod +x \"$GOBIN/gwconform\"\n"))
			env := append([]string{"INPUT_TARGET=http://127.0.0.1:1/v1", "GWCONFORM_BIN=", "PATH=" + goDir + string(os.PathListSeparator) + os.Getenv("PATH")}, c.env...)
			r := runActionScript(t, c.script, env...)
			if !strings.Contains(r.summary, "gwconform: installed") {
				t.Fatalf("the installed gwconform did not run (exit %d):\n%s\n%s", r.code, r.stderr, r.summary)
			}
			got, err := os.ReadFile(args)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("go was run with\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// writeScript writes an executable shell script named name into a directory of its own.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// action.yml: a composite action with the inputs and outputs docs/ci.md documents, and no input that
// could carry a key (a key belongs in the job's environment, from the secret store).
func TestActionYAML(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				Name            string            `yaml:"name"`
				Run             string            `yaml:"run"`
				Env             map[string]string `yaml:"env"`
				ContinueOnError bool              `yaml:"continue-on-error"`
			} `yaml:"steps"`
		} `yaml:"runs"`
		Inputs  map[string]struct{ Description, Default string } `yaml:"inputs"`
		Outputs map[string]struct{ Description, Value string }   `yaml:"outputs"`
	}
	if err := yaml.Unmarshal(b, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Errorf("runs.using is %q, want composite", action.Runs.Using)
	}
	wantInputs := map[string]string{"target": "", "profile": "", "label-filter": "", "fail-on": "must", "report-dir": "gwconform-reports", "version": ""}
	for name, def := range wantInputs {
		in, ok := action.Inputs[name]
		if !ok {
			t.Errorf("no input %s", name)
		} else if in.Default != def {
			t.Errorf("input %s defaults to %q, want %q", name, in.Default, def)
		}
	}
	for name := range action.Inputs {
		if _, ok := wantInputs[name]; !ok {
			t.Errorf("unexpected input %s", name)
		}
		for _, bad := range []string{"key", "secret", "token", "password", "credential"} {
			if strings.Contains(strings.ToLower(name), bad) {
				t.Errorf("input %s looks like a secret: the key comes from the job's environment", name)
			}
		}
	}
	for _, name := range []string{"verdict", "exit-code", "report-dir"} {
		if out, ok := action.Outputs[name]; !ok || out.Value == "" {
			t.Errorf("no output %s with a value", name)
		}
	}
	if len(action.Outputs) != 3 {
		t.Errorf("outputs %v, want verdict, exit-code and report-dir", action.Outputs)
	}
	// Inputs reach the shell through env, never pasted into a script, where a quote would run as code. The
	// script writes the outputs on every path, so no step may end the job before it runs.
	calls := false
	for _, s := range action.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("a step interpolates an expression into its script:\n%s", s.Run)
		}
		if !strings.Contains(s.Run, ".github/gwconform-action.sh") {
			if calls {
				t.Errorf("step %q runs after the script that writes the outputs", s.Name)
			} else if !s.ContinueOnError {
				t.Errorf("step %q can fail the job before the outputs are written: it needs continue-on-error", s.Name)
			}
			continue
		}
		calls = true
		for _, v := range []string{"INPUT_TARGET", "INPUT_PROFILE", "INPUT_LABEL_FILTER", "INPUT_FAIL_ON", "INPUT_REPORT_DIR", "INPUT_VERSION", "ACTION_REF", "ACTION_REPOSITORY"} {
			if s.Env[v] == "" {
				t.Errorf("the step running the script does not set %s", v)
			}
		}
	}
	if !calls {
		t.Error("no step runs .github/gwconform-action.sh")
	}
}
