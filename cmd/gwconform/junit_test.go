package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
)

// Every report of a run names gwconform's version and the contract's: report.json, summary.md,
// report.html and, as testsuite properties, junit.xml.
func checkVersionsInReports(t *testing.T, r result) {
	t.Helper()
	res := r.report(t)
	v, c := res.Run.Version, res.Run.Contract
	if v == "" || c == "" {
		t.Fatalf("report.json: version %q, contract_version %q", v, c)
	}
	var raw struct {
		Run map[string]any `json:"run"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(r.reportDir, "report.json"))), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Run["version"] != v || raw.Run["contract_version"] != c {
		t.Errorf("report.json's run: version %v, contract_version %v", raw.Run["version"], raw.Run["contract_version"])
	}
	summary := readFile(t, filepath.Join(r.reportDir, "summary.md"))
	if !strings.Contains(summary, "gwconform "+v) || !strings.Contains(summary, "contract "+c) {
		t.Errorf("summary.md does not name gwconform %s and contract %s", v, c)
	}
	html := readFile(t, filepath.Join(r.reportDir, "report.html"))
	if !strings.Contains(html, "<dt>gwconform</dt><dd>"+v+"</dd>") || !strings.Contains(html, "<dt>contract</dt><dd>"+c+"</dd>") {
		t.Errorf("report.html does not name gwconform %s and contract %s", v, c)
	}
}

// A failing run's junit.xml is for a CI tool's reader: it names the run's versions, its test cases by
// request and answer, and each failure by its reason, transcript and curl line, never by the suite's source
// lines.
func TestJUnitOfAFailingRun(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "flat-envelope")
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	checkVersionsInReports(t, r)

	res := r.report(t)
	b, err := os.ReadFile(filepath.Join(r.reportDir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal(b, &suites); err != nil || len(suites.TestSuites) != 1 {
		t.Fatalf("junit.xml: %v, %d suites", err, len(suites.TestSuites))
	}
	ts := suites.TestSuites[0]
	for prop, want := range map[string]string{"gwconform.version": res.Run.Version, "contract.version": res.Run.Contract} {
		if got := ts.Properties.WithName(prop); got != want {
			t.Errorf("junit.xml's property %s is %q; report.json says %q", prop, got, want)
		}
	}
	failures := 0
	for _, tc := range ts.TestCases {
		if strings.HasPrefix(tc.Name, "[It] ") {
			t.Errorf("test case named with Ginkgo's node type: %s", tc.Name)
		}
		if tc.Failure == nil {
			continue
		}
		failures++
		for _, text := range []string{tc.Failure.Message, tc.Failure.Description, tc.SystemErr} {
			if strings.Contains(text, "suite/") || strings.Contains(text, ".go:") || strings.Contains(text, "[FAILED]") {
				t.Errorf("%s: the failure names the suite's source:\n%s", tc.Name, text)
			}
		}
		if !strings.HasPrefix(tc.Failure.Description, tc.Failure.Message) || tc.Failure.Message == "" {
			t.Errorf("%s: the failure text does not start with its reason %q", tc.Name, tc.Failure.Message)
		}
		desc := strings.TrimSpace(tc.Failure.Description)
		_, last, _ := strings.Cut(desc, "\nReproduce:\ncurl ")
		if last == "" || strings.Contains(last, "\n\n") {
			t.Errorf("%s: the failure text does not end with its curl line:\n%s", tc.Name, desc)
		}
	}
	if failures == 0 || failures != suites.Failures {
		t.Errorf("%d failed test cases; junit.xml counts %d", failures, suites.Failures)
	}
}

// Under GitHub Actions the workflow's annotations are the suite's own, one per failed requirement, with and
// without -v; none points at a file of the suite.
func TestGithubAnnotationsNameRequirementsNotFiles(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "flat-envelope")
	env := []string{"API_KEY=" + stack.APIKey, "GITHUB_ACTIONS=true"}
	for _, args := range [][]string{{"run", "--target", stack.BaseURL}, {"run", "--target", stack.BaseURL, "-v"}} {
		t.Run(strings.Join(args[3:], " "), func(t *testing.T) {
			t.Parallel()
			r := gwconform(t, env, args...)
			if r.code != exitFailed {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, tail(r.stdout), r.stderr)
			}
			failed := 0
			for _, q := range r.report(t).Requirements {
				if q.Outcome == "fail" {
					failed++
					command := "warning" // the default --fail-on must: a SHOULD failure does not fail the step
					if q.Level == "MUST" {
						command = "error"
					}
					if !strings.Contains(r.stdout, "\n::"+command+" title=gwconform "+q.ID+"::") {
						t.Errorf("no %s annotation for %s %s", command, q.Level, q.ID)
					}
				}
			}
			if got := strings.Count(r.stdout, " title=gwconform "); got != failed || failed == 0 {
				t.Errorf("%d annotations for %d failed requirements", got, failed)
			}
			if strings.Contains(r.stdout+r.stderr, "::error file=") {
				t.Errorf("an annotation names a file of the suite:\n%s", tail(r.stdout))
			}
		})
	}
}

// itSpec is a judged It spec as Ginkgo reports it; a failure's message is its reason.
func itSpec(container, leaf string, state types.SpecState, reason string, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, ContainerHierarchyTexts: []string{container}, LeafNodeText: leaf,
		State: state, NumAttempts: 1, Failure: types.Failure{Message: reason}, ReportEntries: entries}
}

// A known failure (--known-failing) fails nothing, so a CI's JUnit reader must not fail the build on it: it
// is a skipped test case saying "known failure" and the reason, its reproduction in system-out. A failure
// the list does not name stays a <failure>.
func TestJUnitTellsAKnownFailureFromAFailure(t *testing.T) {
	c, err := requirements.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	const known, unlisted = "POST /v1/chat/completions with an unknown model answers status 400", "POST /v1/chat/completions without Authorization answers status 401"
	rep := types.Report{SuiteSucceeded: true, SpecReports: []types.SpecReport{
		itSpec("POST /v1/chat/completions with an unknown model", "answers status 400", types.SpecStateFailed, "answered status 404, want 400\nsecond line",
			types.ReportEntry{Name: "transcript", Value: types.WrapEntryValue("> POST /v1/chat/completions")},
			types.ReportEntry{Name: "curl", Value: types.WrapEntryValue("curl -sS -X POST http://gw/v1/chat/completions")}),
		itSpec("POST /v1/chat/completions without Authorization", "answers status 401", types.SpecStateFailed, "answered status 403, want 401"),
		itSpec("GET /v1/models", "answers status 200", types.SpecStatePassed, ""),
	}}
	res := report.Build(rep, report.Inputs{Requirements: c, KnownFailing: map[string]bool{known: true}}, report.Run{FailOn: "must"})
	dst := filepath.Join(t.TempDir(), "junit.xml")
	if err := writeJUnit(rep, res, dst); err != nil {
		t.Fatal(err)
	}
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal([]byte(readFile(t, dst)), &suites); err != nil || len(suites.TestSuites) != 1 {
		t.Fatalf("junit.xml: %v, %d suites", err, len(suites.TestSuites))
	}
	ts := suites.TestSuites[0]
	cases := map[string]reporters.JUnitTestCase{}
	for _, tc := range ts.TestCases {
		cases[tc.Name] = tc
	}
	k := cases[known]
	if k.Failure != nil || k.Skipped == nil || k.Skipped.Message != "known failure: answered status 404, want 400" {
		t.Errorf("the known failure is failure %+v, skipped %+v", k.Failure, k.Skipped)
	}
	if !strings.HasPrefix(k.SystemOut, "answered status 404, want 400\nsecond line") || !strings.Contains(k.SystemOut, "> POST /v1/chat/completions") ||
		!strings.HasSuffix(k.SystemOut, "Reproduce:\ncurl -sS -X POST http://gw/v1/chat/completions") {
		t.Errorf("the known failure's system-out is not its reason, transcript and curl line:\n%s", k.SystemOut)
	}
	if f := cases[unlisted]; f.Failure == nil || f.Skipped != nil || f.Failure.Message != "answered status 403, want 401" {
		t.Errorf("the unlisted failure is failure %+v, skipped %+v", f.Failure, f.Skipped)
	}
	if ts.Failures != 1 || ts.Skipped != 1 || suites.Failures != 1 || suites.Disabled != 1 {
		t.Errorf("junit.xml counts %d failures and %d skipped (%d and %d disabled over the suites), want 1 and 1",
			ts.Failures, ts.Skipped, suites.Failures, suites.Disabled)
	}
}
