package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
	"github.com/gwconform/gwconform/internal/report"
)

// Ginkgo runs one suite per process, so every gwconform run in these tests is a child process: this test
// binary re-executed as the real command.
func TestMain(m *testing.M) {
	if os.Getenv("GWCONFORM_TEST_AS_MAIN") == "1" {
		if os.Getenv("GWCONFORM_TEST_NO_REDACTION") == "1" {
			redact.DisableForTest() // only to prove the redaction test can fail
		}
		os.Exit(Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	// Each gwconform child mostly waits on loopback, so more run at once than there are cores. Set here
	// rather than with go test -parallel, which Ginkgo refuses in the packages that run a suite in-process.
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == fmt.Sprint(runtime.GOMAXPROCS(0)) {
		_ = flag.Set("test.parallel", "8")
	}
	code := m.Run()
	if plain.dir != "" {
		os.RemoveAll(plain.dir)
	}
	os.Exit(code)
}

// plain is gwconform built without the race detector, once per test process, for the gwconform runs of
// these tests (gwconform, child): a run mostly waits on loopback, and under -race each costs seconds of CPU,
// which on a busy 2-core machine was most of `make test`.
var plain struct {
	once      sync.Once
	dir, path string
	err       error
}

// plainBinary builds plain's binary on first use; where the build cannot be made (no go command), the
// race-enabled test binary stands in, slower but the same program.
func plainBinary(t testing.TB) string {
	t.Helper()
	plain.once.Do(func() {
		if plain.dir, plain.err = os.MkdirTemp("", "gwconform-plain-"); plain.err != nil {
			return
		}
		path := filepath.Join(plain.dir, "gwconform")
		out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
		if err != nil {
			plain.err = fmt.Errorf("%v: %s", err, out)
			return
		}
		plain.path = path
	})
	if plain.err != nil {
		t.Logf("gwconform without the race detector could not be built (%v): running the test binary", plain.err)
		return os.Args[0]
	}
	return plain.path
}

// result is one finished gwconform process.
type result struct {
	code           int
	stdout, stderr string
	reportDir      string
}

// gwconform runs the command with args and env (on top of a minimal environment, so a developer's own
// API_KEY or GWCONFORM_TARGET cannot leak into a test) and gives it a minute at most. It runs the binary
// built without the race detector: under -race a whole run costs seconds of CPU, and the forty-odd runs of
// these tests were most of make test's time on a busy machine. The race detector watches a whole run in
// gwconformRaced's tests, and the suite's own packages under it everywhere.
func gwconform(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return gwconformAs(t, plainBinary(t), env, args...)
}

// gwconformRaced is gwconform run as this test binary: with the race detector when the tests have it, and
// with the test hooks TestMain reads.
func gwconformRaced(t testing.TB, env []string, args ...string) result {
	t.Helper()
	return gwconformAs(t, os.Args[0], env, args...)
}

// gwconformAs is gwconform with the binary given: this one, or plainBinary's.
func gwconformAs(t testing.TB, bin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, errb := childOf(t, ctx, bin, env, args)
	return finished(t, ctx, cmd, cmd.Run(), out, errb)
}

// gwconformIn is gwconform run in dir rather than a directory of its own, for runs that share one.
func gwconformIn(t testing.TB, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, errb := childOf(t, ctx, plainBinary(t), env, args)
	cmd.Dir = dir
	return finished(t, ctx, cmd, cmd.Run(), out, errb)
}

// child is the command as these tests run it: this binary as gwconform, in a directory of its own, on a
// minimal environment plus env, its output captured.
func child(t testing.TB, ctx context.Context, env, args []string) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	t.Helper()
	return childOf(t, ctx, plainBinary(t), env, args)
}

func childOf(t testing.TB, ctx context.Context, bin string, env, args []string) (cmd *exec.Cmd, stdout, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"GWCONFORM_TEST_AS_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd, stdout, stderr
}

// finished is a child's result once it has ended with err; one still running at ctx's deadline fails the
// test.
func finished(t testing.TB, ctx context.Context, cmd *exec.Cmd, err error, out, errb *bytes.Buffer) result {
	t.Helper()
	if ctx.Err() != nil {
		t.Fatalf("gwconform %v did not end within a minute\nstdout:\n%s\nstderr:\n%s", cmd.Args[1:], out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String(), reportDir: reportDirOf(cmd.Dir, out.String())}
}

// reportDirOf is where a run in dir wrote its reports: where its last line says, else the default.
func reportDirOf(dir, stdout string) string {
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, reportsLinePrefix); ok {
			rel, _, _ := strings.Cut(rest, ": ")
			if filepath.IsAbs(rel) {
				return rel
			}
			return filepath.Join(dir, rel)
		}
	}
	return filepath.Join(dir, "reports")
}

// specs reads the Ginkgo JSON report of a run.
func (r result) specs(t *testing.T) types.SpecReports {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.reportDir, "ginkgo-report.json"))
	if err != nil {
		t.Fatalf("no JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("JSON report: %v (%d suites)", err, len(reports))
	}
	var its types.SpecReports
	for _, s := range reports[0].SpecReports {
		if s.LeafNodeType == types.NodeTypeIt {
			its = append(its, s)
		}
	}
	return its
}

// report reads the run's report.json.
func (r result) report(t *testing.T) *report.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.reportDir, "report.json"))
	if err != nil {
		t.Fatalf("no report.json: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	var res report.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return &res
}

// noSecret fails the test if secret appears in the run's output or in any report file.
func (r result) noSecret(t *testing.T, secret string) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Errorf("the key appears in the output")
	}
	filepath.WalkDir(r.reportDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(secret)) {
				t.Errorf("the key appears in %s", filepath.Base(path))
			}
		}
		return nil
	})
}

func requirementLabels(s types.SpecReport) []string {
	var ids []string
	for _, l := range s.Labels() {
		if id, ok := strings.CutPrefix(l, "req:"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// startReference starts the reference gateway, with defects if named, for the rest of the test.
func startReference(t testing.TB, defects ...string) *inprocess.Stack {
	t.Helper()
	stack, err := inprocess.Start(inprocess.Options{Defects: defects})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stack.Close() })
	return stack
}

// endGrace is how long past its deadline a run may take to write its reports after stopping.
const endGrace = 2 * time.Second

// endedBy fails the test when the run's own clock, in report.json, says it went on past deadline (and the
// grace to write its reports): measured against the deadline the run was given, not against how long a
// busy machine took to start the process. A run that wrote no report stopped before recording anything.
func (r result) endedBy(t *testing.T, deadline time.Duration) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(r.reportDir, "report.json")); err != nil {
		return
	}
	res := r.report(t)
	if took := res.Finished.Sub(res.Run.Started); took > deadline+endGrace {
		t.Errorf("the run took %s by its own clock, past its %s deadline", took.Round(time.Millisecond), deadline)
	}
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// profileFor writes the stack's profile, as serve --profile-out does, and returns it with the keys' environment.
func profileFor(t *testing.T, s *inprocess.Stack) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reference.yaml")
	if err := writeReferenceProfile(path, s); err != nil {
		t.Fatal(err)
	}
	return path, referenceKeys(s)
}

func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedPort is a base URL on which nothing listens: bound, then released.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// requirementOf is the report's outcome of one requirement.
func requirementOf(t *testing.T, res *report.Result, id string) *report.Requirement {
	t.Helper()
	for _, q := range res.Requirements {
		if q.ID == id {
			return q
		}
	}
	t.Fatalf("the report has no requirement %s", id)
	return nil
}

// shellWords splits a command line into words as a shell does, quotes and escapes removed and a comment
// dropped, without expanding anything: a replay line ('it'\”s'), or a docs' example, whose placeholders
// (<base URL>, a workflow's ${{ secrets.KEY }}) are each one word, spaces and all.
func shellWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, word.String()), false
				word.Reset()
			}
			i++
			continue
		case c == '#' && !inWord:
			return words, nil
		}
		piece, n, err := shellPiece(line[i:])
		if err != nil {
			return nil, err
		}
		word.WriteString(piece)
		i, inWord = i+n, true
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// shellPiece is the part of a word rest starts with, as the word holds it, and how many bytes of rest it
// takes: a quotation, an escaped character, a placeholder, or one character.
func shellPiece(rest string) (piece string, n int, err error) {
	var closing string
	switch {
	case rest[0] == '\'' || rest[0] == '"':
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", 0, fmt.Errorf("unterminated %c quote", rest[0])
		}
		return rest[1 : 1+end], end + 2, nil
	case rest[0] == '\\':
		if len(rest) < 2 {
			return "", 0, errors.New("a backslash ends the line")
		}
		return rest[1:2], 2, nil
	case rest[0] == '<':
		closing = ">"
	case strings.HasPrefix(rest, "${{"):
		closing = "}}"
	default:
		return rest[:1], 1, nil
	}
	end := strings.Index(rest, closing)
	if end < 0 {
		return "", 0, fmt.Errorf("unterminated placeholder %q", rest)
	}
	return rest[:end+len(closing)], end + len(closing), nil
}
