package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/suite"
)

// The bar: against the reference, --negative 500 --seed 1 is clean, and takes about what a run
// without it takes (printed, never asserted: the machine may be busy).
func TestFiveHundredGeneratedBodiesAgainstTheReferenceAreAllRefused(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "run", "--negative", "500", "--seed", "1", "--fail-on", "should")
	if r.code != exitConformant {
		t.Fatalf("exit %d, want 0:\n%s", r.code, tail(r.stdout+r.stderr))
	}
	if !strings.Contains(r.stdout, "negative inputs: 500 generated invalid bodies of seed 1") {
		t.Errorf("the seed is not printed:\n%s", r.stdout)
	}
	res := r.report(t)
	if n := res.Run.Negative; n == nil || n.Count != 500 || n.Seed != 1 {
		t.Errorf("report.json says %+v of the generated bodies", n)
	}
	generated := map[string]bool{}
	for _, q := range res.Requirements {
		for _, s := range q.Specs {
			if strings.HasPrefix(s.Scenario, "negative-") {
				generated[s.Scenario] = true
				if s.State != report.StatePassed {
					t.Errorf("%s: %s %s", s.Name, s.State, s.Reason+s.SkipReason)
				}
			}
		}
		if q.ID == "NEG-1" && q.Outcome != report.OutcomePass {
			t.Errorf("NEG-1 %s, want pass", q.Outcome)
		}
	}
	if len(generated) != 500 {
		t.Errorf("%d generated bodies judged, want 500", len(generated))
	}
	t.Logf("500 generated bodies and the catalogue: %s by the run's own clock", res.Finished.Sub(res.Run.Started).Round(1e6))
}

// recorder is a gateway that lists one model and refuses every chat completion, keeping each body.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		io.WriteString(w, `{"data":[{"id":"m","supported_parameters":["temperature","top_p","n","max_tokens","presence_penalty","frequency_penalty","stream","stop","seed","user"]}]}`)
		return
	}
	b, _ := io.ReadAll(r.Body)
	if bytes.Contains(b, []byte(suite.UnknownModel)) {
		w.WriteHeader(http.StatusBadRequest) // the pre-flight's question about the key, not a generated body
		return
	}
	rec.mu.Lock()
	rec.bodies = append(rec.bodies, b)
	rec.mu.Unlock()
	w.WriteHeader(http.StatusBadRequest)
	io.WriteString(w, `{"error":{"message":"no","type":"invalid_request_error","code":null,"param":null}}`)
}

// sentBodies runs gwconform against a fresh recorder with args and returns the first n bodies it was sent,
// sorted: the generated cases, as minimising the failures (the recorder names no param) comes after them.
func sentBodies(t *testing.T, n int, args ...string) [][]byte {
	t.Helper()
	rec := &recorder{}
	base := startServer(t, rec) + "/v1"
	r := gwconform(t, []string{"API_KEY=k"}, append([]string{"run", "--target", base, "--label-filter", "/^scenario:negative-/"}, args...)...)
	if r.code == exitUsage || len(rec.bodies) < n {
		t.Fatalf("exit %d, %d bodies sent:\n%s", r.code, len(rec.bodies), tail(r.stdout+r.stderr))
	}
	cases := rec.bodies[:n]
	slices.SortFunc(cases, bytes.Compare)
	return cases
}

func TestTheSameSeedSendsTheSameBytesAtAnyConcurrency(t *testing.T) {
	t.Parallel()
	one := sentBodies(t, 64, "--negative", "64", "--seed", "9", "--concurrency", "1")
	many := sentBodies(t, 64, "--negative", "64", "--seed", "9", "--concurrency", "16")
	for i := range one {
		if !bytes.Equal(one[i], many[i]) {
			t.Fatalf("seed 9 sent different bytes at concurrency 1 and 16:\n%q\n%q", one[i], many[i])
		}
	}
	if other := sentBodies(t, 64, "--negative", "64", "--seed", "10"); slices.EqualFunc(one, other, bytes.Equal) {
		t.Error("seeds 9 and 10 sent the same bodies")
	}
	replayed := sentBodies(t, 1, "--negative-replay", "9:42")
	if !slices.ContainsFunc(one, func(b []byte) bool { return bytes.Equal(b, replayed[0]) }) {
		t.Errorf("--negative-replay 9:42 sent %q, none of seed 9's", replayed[0])
	}
}

// A run that names no generated bodies sends the default ones, the same bytes every time: NEG-1 is judged in
// every run, and a default run's failure replays as it was.
func TestTwoDefaultRunsSendTheSameGeneratedBodies(t *testing.T) {
	t.Parallel()
	first := sentBodies(t, profile.DefaultNegative)
	second := sentBodies(t, profile.DefaultNegative)
	if !slices.EqualFunc(first, second, bytes.Equal) {
		t.Error("two default runs sent different generated bodies")
	}
	base := startServer(t, &recorder{}) + "/v1"
	r := gwconform(t, []string{"API_KEY=k"}, "run", "--target", base, "--label-filter", "scenario:auth-missing-header", "--negative", "0")
	if n := r.report(t).Run.Negative; r.code == exitUsage || n != nil {
		t.Errorf("--negative 0: exit %d, generated bodies %+v, want none", r.code, n)
	}
}

func TestNegativeFlagsThatCannotWorkAreRefusedWithOneLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--negative", "-1"}, "--negative must be between 0 and 2000"},
		{[]string{"--negative", "2001"}, "--negative must be between 0 and 2000"},
		{[]string{"--seed", "3", "--negative", "0"}, "--negative 0 sends none"},
		{[]string{"--negative-replay", "1-42"}, "want SEED:INDEX"},
		{[]string{"--negative-replay", "1:99999"}, `--negative-replay "1:99999" is written right, but index 99999 is out of range: a seed replays indices 0 to 1999`},
		{[]string{"--negative-replay", "1:-1"}, "index -1 is out of range: a seed replays indices 0 to 1999"},
		{[]string{"--negative-replay", "1:42", "--negative", "5"}, "leave out --negative and --seed"},
		{[]string{"--negative", "ten"}, "invalid value"},
	} {
		r := gwconform(t, nil, append([]string{"run", "--dry-run"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != exitUsage || len(lines) != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line saying %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestADryRunSaysHowManyRequestsTheGeneratedBodiesSend(t *testing.T) {
	t.Parallel()
	r := gwconform(t, []string{"API_KEY=k"}, "run", "--dry-run", "--target", "http://127.0.0.1:9/v1", "--negative", "300", "--seed", "4")
	if r.code != exitConformant || !strings.Contains(r.stdout, "300 generated invalid bodies of seed 4, plus up to 200 requests to minimise failures") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Each defect that only generated bodies find is caught, minimised to a body of a few members, and the
// replay line the report gives sends that one case alone and fails the same requirement.
func TestGeneratedBodiesCatchTheirDefectsMinimisedAndReplayable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ defect, breaks string }{
		{"lone-surrogate-500", "NEG-1"},
		{"role-type-unchecked", "REQ-4"},
		{"deep-nesting-500", "NEG-1"},
	} {
		t.Run(c.defect, func(t *testing.T) {
			t.Parallel()
			stack := startReference(t, c.defect)
			path, env := profileFor(t, stack)
			r := gwconform(t, env, "run", "--profile", path, "--fail-on", "should", "--negative", "64", "--seed", "1", "--label-filter", "/^scenario:negative-/")
			if r.code != exitFailed {
				t.Fatalf("exit %d, want 1:\n%s", r.code, tail(r.stdout+r.stderr))
			}
			var minimised, replay string
			for _, f := range r.report(t).Findings {
				if slices.Contains(f.Requirements, c.breaks) && strings.Contains(f.Negative, "minimised with") {
					lines := strings.Split(f.Negative, "\n")
					minimised, replay = lines[2], strings.TrimPrefix(lines[3], "replay: ")
					break
				}
			}
			if minimised == "" {
				t.Fatalf("no finding of %s shows a minimised body:\n%s", c.breaks, r.stdout)
			}
			if junit := readFile(t, filepath.Join(r.reportDir, "junit.xml")); !strings.Contains(junit, "Generated body:") || !strings.Contains(junit, "replay: gwconform run") {
				t.Error("junit.xml's failures do not show the generated body and its replay line")
			}
			if n := members(t, minimised); n > 4 {
				t.Errorf("minimised to %d members, want a few: %s", n, minimised)
			}
			args, err := shellWords(replay)
			if err != nil || len(args) < 3 || args[0] != "gwconform" || !strings.Contains(replay, "--negative-replay 1:") {
				t.Fatalf("replay line %q", replay)
			}
			again := gwconform(t, env, args[1:]...)
			res := again.report(t)
			if again.code != exitFailed || len(res.Findings) != 1 || !slices.Contains(res.Findings[0].Requirements, c.breaks) {
				t.Errorf("replayed with %q: exit %d, %d findings, want 1 failing %s:\n%s", replay, again.code, len(res.Findings), c.breaks, tail(again.stdout))
			}
			t.Logf("minimised to %s; replay: %s", minimised, replay)
		})
	}
}

// members counts the names of every object in a JSON text.
func members(t *testing.T, body string) int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	n, depthObjects, expectName := 0, []bool{}, false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		switch tok {
		case json.Delim('{'):
			depthObjects, expectName = append(depthObjects, true), true
			continue
		case json.Delim('['):
			depthObjects, expectName = append(depthObjects, false), false
			continue
		case json.Delim('}'), json.Delim(']'):
			depthObjects = depthObjects[:len(depthObjects)-1]
		default:
			if expectName {
				n++
				expectName = false
				continue
			}
		}
		expectName = len(depthObjects) > 0 && depthObjects[len(depthObjects)-1]
	}
}

func TestTheReplayCommandIsThisRunsWithTheOneCase(t *testing.T) {
	fs, _ := runFlags()
	args := []string{"--profile", "gw.yaml", "--negative", "500", "--seed=7", "--secret-header", "X-Auth: s3cr3t-value", "--label-filter", "req:REQ-4 || neg", "-v", "--report-dir=out dir"}
	got := replayCommand(fs, args, "http://gw:8080/v1")(7, 42)
	want := `gwconform run --profile gw.yaml --secret-header "X-Auth: $GWC_HEADER_X_AUTH" --label-filter 'req:REQ-4 || neg' -v --target http://gw:8080/v1 --negative-replay 7:42`
	if got != want {
		t.Errorf("replay command\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "s3cr3t") {
		t.Error("the secret header's value is in the command")
	}
}

// A replay line pasted where the run was made writes its one case's reports beside the run's, never over them.
func TestAReplayWritesBesideTheReportsOfTheRunItReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := gwconformIn(t, dir, nil, "run", "--negative", "3", "--label-filter", "/^scenario:negative-/")
	if run.code != exitConformant {
		t.Fatalf("exit %d, want 0:\n%s", run.code, tail(run.stdout+run.stderr))
	}
	before := readFile(t, filepath.Join(run.reportDir, report.JSONFile))
	replay := gwconformIn(t, dir, nil, "run", "--negative-replay", "1:2")
	if replay.code != exitConformant {
		t.Fatalf("replay: exit %d, want 0:\n%s", replay.code, tail(replay.stdout+replay.stderr))
	}
	if want := filepath.Join(dir, "reports", "replay-1-2"); replay.reportDir != want {
		t.Errorf("the replay wrote its reports in %s, want %s", replay.reportDir, want)
	}
	if after := readFile(t, filepath.Join(run.reportDir, report.JSONFile)); after != before {
		t.Error("the replay overwrote the run's report.json")
	}
	if n := replay.report(t).Run.Negative; n == nil || n.ReplayIndex == nil || *n.ReplayIndex != 2 {
		t.Errorf("the replay's report.json says negative %+v, want the replay of case 2", n)
	}
}
