package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/suite"
)

// One default run, checked several ways: it passes, its JUnit report lists every spec, and its specs'
// labels name every requirement the foundation covers.
func TestDefaultRunAgainstTheEmbeddedReference(t *testing.T) {
	t.Parallel()
	r := gwconformRaced(t, nil, "run")
	if r.code != exitConformant {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	specs := r.specs(t)

	// The embedded reference offers every trigger, so nothing skips but the one of two exclusive scenarios
	// that does not apply to it (its catalogue is public, so "needs a key" does not apply), and the one of two
	// pairing specs for a route it does not serve (it serves GET /v1/models/{id}).
	t.Run("every spec passed", func(t *testing.T) {
		for _, s := range specs {
			notApplicable := s.State == types.SpecStateSkipped && (strings.HasPrefix(s.Failure.Message, "does not apply") ||
				strings.HasPrefix(s.Failure.Message, "the target serves the route"))
			if s.State != types.SpecStatePassed && !notApplicable {
				t.Errorf("%s: %s %s", s.FullText(), s.State, s.Failure.Message)
			}
		}
	})

	t.Run("junit.xml lists every spec", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(r.reportDir, "junit.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var suites struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		}
		if err := xml.Unmarshal(b, &suites); err != nil {
			t.Fatal(err)
		}
		if suites.Tests < 40 || suites.Tests < len(specs) || suites.Failures != 0 {
			t.Fatalf("junit.xml: %d tests, %d failures; the run had %d specs", suites.Tests, suites.Failures, len(specs))
		}
	})

	t.Run("every requirement is checked by a passed spec, NEG-1 by the default generated bodies, ENV-6 by the suite", func(t *testing.T) {
		res := r.report(t)
		if len(res.SuiteGuarantees) != 1 || res.SuiteGuarantees[0].ID != "ENV-6" || !res.SuiteGuarantees[0].Holds {
			t.Errorf("suite guarantees %+v, want ENV-6 holding", res.SuiteGuarantees)
		}
		passed := map[string]bool{}
		for _, s := range specs {
			for _, id := range requirementLabels(s) {
				passed[id] = passed[id] || s.State == types.SpecStatePassed
			}
		}
		for _, id := range contractIDs(t) {
			if id != "ENV-6" && !passed[id] {
				t.Errorf("%s is checked by no passed spec of the default run", id)
			}
		}
		for _, q := range res.Requirements {
			if q.Outcome == report.OutcomeNotCovered {
				t.Errorf("%s is not covered by the default run", q.ID)
			}
		}
		if n := res.Run.Negative; n == nil || n.Count != profile.DefaultNegative || n.Seed != profile.DefaultNegativeSeed {
			t.Errorf("the default run's generated bodies: %+v, want %d of seed %d", n, profile.DefaultNegative, profile.DefaultNegativeSeed)
		}
	})

	t.Run("each spec carries a level and a category", func(t *testing.T) {
		for _, s := range specs {
			l := strings.Join(s.Labels(), " ")
			if !(strings.Contains(l, "must") || strings.Contains(l, "should")) || len(requirementLabels(s)) == 0 {
				t.Errorf("%s: labels %v", s.FullText(), s.Labels())
			}
		}
	})
}

// contractIDs reads the shared contract when it is checked out beside the repository (CI has it), else
// the copy the binary embeds (a test in internal/requirements keeps the two identical).
func contractIDs(t *testing.T) []string {
	t.Helper()
	reqs, err := requirements.Embedded()
	if md, rerr := os.ReadFile(filepath.Join("..", "..", "..", "shared", "contract", "REQUIREMENTS.md")); rerr == nil {
		reqs, err = requirements.Parse(md)
	}
	if err != nil {
		t.Fatal(err)
	}
	return reqs.IDs()
}

// A gateway started on its own, given only its URL and a key in the environment.
func TestRunAgainstASeparateGateway(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL)
	if r.code != exitConformant {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r.noSecret(t, stack.APIKey)

	t.Run("specs without a trigger are skipped with the reason", func(t *testing.T) {
		skipped := map[string]string{}
		for _, s := range r.specs(t) {
			if s.State == types.SpecStateSkipped {
				for _, id := range requirementLabels(s) {
					skipped[id] = s.Failure.Message
				}
			}
		}
		for _, id := range []string{"UP-1", "UP-3", "LIMIT-1", "LIMIT-3", "SRV-1", "SRV-2", "MOD-4"} {
			if !strings.Contains(skipped[id], "needs ") && !strings.Contains(skipped[id], "billable") {
				t.Errorf("%s: skipped with reason %q", id, skipped[id])
			}
		}
	})

	t.Run("a label filter selects by requirement", func(t *testing.T) {
		r := gwconform(t, []string{"GWC_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL, "--api-key-env", "GWC_KEY", "--label-filter", "req:AUTH-1")
		if r.code != exitConformant {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		ran := 0
		for _, s := range r.specs(t) {
			if s.State == types.SpecStateSkipped {
				continue
			}
			ran++
			if !strings.Contains(strings.Join(s.Labels(), " "), "req:AUTH-1") {
				t.Errorf("ran %s", s.FullText())
			}
		}
		if ran == 0 {
			t.Fatal("the filter selected nothing")
		}
	})
}

// unlistedModel is what the warning about a named model the catalogue lacks says.
const unlistedModel = "the target's catalogue (GET /v1/models) does not list model"

// A model named with --model or model: that the catalogue does not list is probably a typo: one warning
// line names it, and the run goes on with it. A listed one gets no warning.
func TestANamedModelTheCatalogueLacksIsWarnedAbout(t *testing.T) {
	t.Parallel()
	target := catalogueGateway(t, 200, `{"object":"list","data":[{"id":"gw/chat"},{"id":"gw/other"}]}`)
	for _, c := range []struct {
		args []string
		warn string // "": no warning
	}{
		{[]string{"--model", "gw/chta"}, "gwconform: warning: " + unlistedModel + " gw/chta"},
		{[]string{"--profile", writeFile(t, "model: gw/from-profile\n")}, "gwconform: warning: " + unlistedModel + " gw/from-profile"},
		{[]string{"--model", "gw/chat"}, ""},
	} {
		r := gwconform(t, []string{"API_KEY=k"}, append([]string{"run", "--target", target, "--label-filter", "scenario:mod-list"}, c.args...)...)
		if r.code == exitUsage {
			t.Fatalf("%v: the run did not go on: exit 2\n%s", c.args, r.stderr)
		}
		switch n := strings.Count(r.stderr, unlistedModel); {
		case c.warn == "" && n > 0:
			t.Errorf("%v: a listed model is warned about:\n%s", c.args, r.stderr)
		case c.warn != "" && (n != 1 || !strings.Contains(r.stderr, c.warn)):
			t.Errorf("%v: stderr does not say %q once:\n%s", c.args, c.warn, r.stderr)
		}
	}
}

// catalogueGateway answers GET /v1/models with status and body, and every other request 401 with the
// envelope, so a spec sent with the suite's key fails and shows its curl line.
func catalogueGateway(t *testing.T, status int, body string) string {
	t.Helper()
	return startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/models" {
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		// It takes the suite's key: a model no one serves is refused for its model, as the pre-flight wants.
		if b, _ := io.ReadAll(r.Body); bytes.Contains(b, []byte(suite.UnknownModel)) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found","param":"model"}}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"no","type":"authentication_error","code":null,"param":null}}`)
	})) + "/v1"
}

// A catalogue that refuses the suite's key stops the run (TestBadInputExitsTwoWithOneLine) unless a model is
// named: then the run goes on and MOD-1 judges the catalogue, as it does a 200 that is not the list.
func TestANamedModelRunsDespiteARefusedCatalogue(t *testing.T) {
	t.Parallel()
	const key = "gwc-named-model-key-0123456789"
	refused := `{"error":{"message":"missing routing header","type":"invalid_request_error","code":null,"param":null}}`
	cases := []struct {
		name    string
		status  int
		body    string
		args    []string
		warning string
	}{
		{name: "--model", status: 400, body: refused, args: []string{"--model", "gw/named"}, warning: "answered 400; going on with model gw/named, and MOD-1 judges the catalogue"},
		{name: "model: in the profile", status: 400, body: refused, args: []string{"--profile", writeFile(t, "model: gw/from-profile\n")}, warning: "going on with model gw/from-profile"},
		{name: "200 that is not the list", status: 200, body: `{"hello":"world"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "--target", catalogueGateway(t, c.status, c.body), "--label-filter", "scenario:mod-list"}, c.args...)
			r := gwconform(t, []string{"API_KEY=" + key}, args...)
			if r.code != exitFailed || !strings.Contains(r.stderr, c.warning) {
				t.Fatalf("exit %d, want 1 with %q\nstdout:\n%s\nstderr:\n%s", r.code, c.warning, tail(r.stdout), r.stderr)
			}
			if strings.Contains(r.stderr, unlistedModel) {
				t.Errorf("a catalogue that was not read is said not to list the model:\n%s", r.stderr)
			}
			failed := false
			for _, s := range r.specs(t) {
				failed = failed || s.State == types.SpecStateFailed && slices.Contains(requirementLabels(s), "MOD-1")
			}
			if !failed {
				t.Fatal("no MOD-1 spec failed")
			}
			r.noSecret(t, key)
		})
	}
}

// A dry run sends nothing, so it needs no key at all: neither the target's nor a profile's, whose absence
// it reports as what a run would stop on.
func TestDryRunNeedsNoKey(t *testing.T) {
	t.Parallel()
	profile := writeFile(t, "keys: {revoked: GWC_UNSET_REVOKED_KEY}\n")
	r := gwconform(t, nil, "run", "--target", closedPort(t), "--dry-run", "--profile", profile, "--label-filter", "scenario:auth-revoked-key || scenario:auth-missing-header")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"keys.revoked names $GWC_UNSET_REVOKED_KEY, which is empty", "a run would stop here", "run   POST /v1/chat/completions without Authorization", "would run once $GWC_UNSET_REVOKED_KEY is set"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
}

// With --label-filter, a profile key that no selected spec sends need not be set; TestBadInputExitsTwoWithOneLine
// shows that one a selected spec sends still must be.
func TestUnusedProfileKeysNeedNotBeSet(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	profile := writeFile(t, "target: "+stack.BaseURL+"\nkeys: {revoked: GWC_UNSET_REVOKED_KEY, zero_credit: GWC_ZERO}\n")
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey, "GWC_ZERO=" + stack.ZeroCreditKey}, "run", "--profile", profile, "--label-filter", "scenario:auth-missing-header || scenario:limit-zero-credit")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, tail(r.stdout), r.stderr)
	}
	passed := 0
	for _, s := range r.specs(t) {
		if s.State == types.SpecStatePassed && strings.Contains(strings.Join(s.Labels(), " "), "scenario:limit-zero-credit") {
			passed++
		}
	}
	if passed == 0 {
		t.Fatal("the key that was set was not used")
	}
}

// Transcripts and curl lines show the key as the variable --api-key-env names, the one the person
// reproducing a failure has set.
func TestTranscriptsNameTheKeyVariable(t *testing.T) {
	t.Parallel()
	const key = "gwc-key-variable-canary-0123456789"
	for _, c := range []struct{ variable, want, notWant string }{
		{"GWC_MY_GATEWAY_KEY", "Bearer $GWC_MY_GATEWAY_KEY", "$API_KEY"},
		{"API_KEY", "Bearer $API_KEY", "$GWC_MY_GATEWAY_KEY"},
	} {
		t.Run(c.variable, func(t *testing.T) {
			t.Parallel()
			target := catalogueGateway(t, 200, `{"data":[{"id":"gw/chat"}]}`)
			r := gwconform(t, []string{c.variable + "=" + key}, "run", "--target", target, "--api-key-env", c.variable, "--label-filter", "scenario:req-truncated-json")
			if r.code != exitFailed {
				t.Fatalf("exit %d, want 1\n%s%s", r.code, tail(r.stdout), r.stderr)
			}
			junit, err := os.ReadFile(filepath.Join(r.reportDir, "junit.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(junit), c.want) || strings.Contains(string(junit), c.notWant) {
				t.Fatalf("junit.xml: want %q and not %q", c.want, c.notWant)
			}
			r.noSecret(t, key)
		})
	}
}
