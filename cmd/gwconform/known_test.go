package main

import (
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
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
	// Everywhere a person or a CI reads, the excused failure is told apart from a failure.
	if marks := marksOf(r.stdout); strings.Count(marks, markKnownFailure.char) != 1 || strings.Contains(marks, markFailed.char) {
		t.Errorf("the console's marks do not show the one known failure as %s: %q", markKnownFailure.char, marks)
	}
	tc := junitCase(t, r, failing)
	if tc.Failure != nil || tc.Skipped == nil || tc.Skipped.Message != "known failure: answered status 404, want 400" {
		t.Errorf("junit.xml's test case for the known failure: failure %+v, skipped %+v", tc.Failure, tc.Skipped)
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

// marksOf is the console's rows of marks, joined.
func marksOf(stdout string) string {
	return strings.Join(marksRow.FindAllString(stdout, -1), "")
}

// junitCase is the run's junit.xml test case of that name.
func junitCase(t *testing.T, r result, name string) reporters.JUnitTestCase {
	t.Helper()
	var suites reporters.JUnitTestSuites
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(r.reportDir, "junit.xml"))), &suites); err != nil || len(suites.TestSuites) != 1 {
		t.Fatalf("junit.xml: %v, %d suites", err, len(suites.TestSuites))
	}
	for _, tc := range suites.TestSuites[0].TestCases {
		if tc.Name == name || strings.HasPrefix(tc.Name, name+" [") { // the labels follow the name
			return tc
		}
	}
	t.Fatalf("junit.xml has no test case %q", name)
	return reporters.JUnitTestCase{}
}
