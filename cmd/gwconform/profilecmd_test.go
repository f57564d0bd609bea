package main

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/reference/upstream"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/testkit/hostile"
	"github.com/gwconform/gwconform/suite"
)

// profile draft against the reference stack, given its upstream, writes a profile that enables every UP-*
// requirement, learnt from the catalogues and a timed timeout fault; the keys and triggers only a person
// can give are left commented; profile check reads it back and says so.
func TestProfileDraftEnablesTheUpstreamFaults(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	out := filepath.Join(t.TempDir(), "draft.yaml")
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "profile", "draft", "--target", stack.BaseURL, "--upstream", stack.UpstreamURL, "--out", out)
	if r.code != exitConformant {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	draft := string(b)
	for _, want := range []string{"models_need_key: false", "witness: " + stack.WitnessURL, "timeout: ref/timeout", "#   zero_credit: GWC_ZERO_CREDIT_KEY", "#   server_error:"} {
		if !strings.Contains(draft, want) {
			t.Errorf("the draft lacks %q:\n%s", want, draft)
		}
	}
	if strings.Contains(draft, stack.APIKey) {
		t.Error("the draft holds the key")
	}
	check := gwconform(t, nil, "profile", "check", out)
	if check.code != exitConformant {
		t.Fatalf("check: exit %d: %s", check.code, check.stderr)
	}
	enables, _, _ := strings.Cut(strings.SplitN(check.stdout, "enables", 2)[1], "\n")
	for _, id := range []string{"UP-1", "UP-2", "UP-3", "UP-4", "UP-5", "UP-6"} {
		if !strings.Contains(enables, id+",") && !strings.HasSuffix(enables, id) {
			t.Errorf("the draft does not enable %s:\n%s", id, check.stdout)
		}
	}
	for _, skipped := range []string{"LIMIT-3   MUST   needs keys.zero_credit in the profile", "SRV-1     MUST   needs triggers.server_error in the profile"} {
		if !strings.Contains(check.stdout, skipped) {
			t.Errorf("check does not say %q:\n%s", skipped, check.stdout)
		}
	}
}

// profile draft takes its target from $GWCONFORM_TARGET when --target is not given, as run does.
func TestProfileDraftReadsTheTargetFromTheEnvironment(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey, "GWCONFORM_TARGET=" + stack.BaseURL}, "profile", "draft")
	if r.code != exitConformant || !strings.Contains(r.stdout, "\ntarget: "+stack.BaseURL+"\n") {
		t.Fatalf("exit %d, stderr %q; the draft does not name the target %s:\n%s", r.code, r.stderr, stack.BaseURL, r.stdout)
	}
}

// A profile that does not load is one line and exit 2, as every bad input.
func TestProfileCheckRefusesABadProfile(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("upstream: {timout: 2s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, nil, "profile", "check", bad)
	if r.code != exitUsage || !strings.Contains(r.stderr, "did you mean timeout?") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("exit %d: %q", r.code, r.stderr)
	}
}

// An empty profile (nothing but comments and blank lines) says nothing of the target: profile check refuses it
// with one line rather than call it valid.
func TestProfileCheckRefusesAnEmptyProfile(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "profile", "check", writeFile(t, "# a profile to fill in\n\n   \n"))
	if r.code != exitUsage || !strings.HasPrefix(r.stderr, "gwconform: profile check: ") || !strings.Contains(r.stderr, "the profile is empty") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and one line saying the profile is empty", r.code, r.stdout, r.stderr)
	}
}

// NEG-1 has no spec until a run generates bodies: every run does, unless the profile says none, and profile
// check says which.
func TestProfileCheckSaysWhetherNegativeInputsAreSent(t *testing.T) {
	t.Parallel()
	with := gwconform(t, nil, "profile", "check", writeFile(t, "target: http://127.0.0.1:9/v1\n"))
	without := gwconform(t, nil, "profile", "check", writeFile(t, "target: http://127.0.0.1:9/v1\nnegative: {count: 0}\n"))
	enables := func(out string) string {
		_, line, _ := strings.Cut(out, "enables (")
		line, _, _ = strings.Cut(line, "\n")
		return line
	}
	if with.code != exitConformant || !strings.Contains(enables(with.stdout), "NEG-1") {
		t.Errorf("with negative: NEG-1 is not enabled:\n%s%s", with.stdout, with.stderr)
	}
	if without.code != exitConformant || strings.Contains(enables(without.stdout), "NEG-1") || !strings.Contains(without.stdout, "NEG-1     SHOULD the profile's negative.count is 0") {
		t.Errorf("without negative: NEG-1 is not said to be skipped:\n%s%s", without.stdout, without.stderr)
	}
}

// --upstream takes the upstream's address as upstream.witness does, with or without /v1 and a trailing
// slash; an address that is not one, or that does not list models, is one line saying so, never a Go <nil>.
func TestProfileDraftTakesTheUpstreamInEveryForm(t *testing.T) {
	t.Parallel()
	stack := startReference(t)
	env := []string{"API_KEY=" + stack.APIKey}
	root := strings.TrimSuffix(stack.UpstreamURL, "/v1")
	for _, form := range []string{root, root + "/", root + "/v1", root + "/v1/"} {
		r := gwconform(t, env, "profile", "draft", "--target", stack.BaseURL, "--upstream", form)
		if r.code != exitConformant || !strings.Contains(r.stdout, "witness: "+stack.WitnessURL) || !strings.Contains(r.stdout, "timeout: ref/timeout") {
			t.Errorf("--upstream %s: exit %d\n%s%s", form, r.code, r.stdout, r.stderr)
		}
	}
	notUpstream := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notUpstream.Close)
	for form, want := range map[string]string{
		root + "/api":    `--upstream: "` + root + `/api" is not the upstream's witness or base`,
		"127.0.0.1:8081": `--upstream: "127.0.0.1:8081" is not an http(s) URL`,
		notUpstream.URL:  "answered GET " + notUpstream.URL + "/v1/models with 404, not its list of models",
		closedPort(t):    "does not answer GET ",
	} {
		r := gwconform(t, env, "profile", "draft", "--target", stack.BaseURL, "--upstream", form)
		first, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != exitUsage || !strings.HasPrefix(first, "gwconform: profile draft: ") || !strings.Contains(first, want) || rest != "" || strings.Contains(r.stderr, "<nil>") {
			t.Errorf("--upstream %s: exit %d, stderr %q, want one line with %q", form, r.code, r.stderr, want)
		}
	}
}

// A gateway without an upstream timeout of its own never answers the timeout fault: the draft writes the
// wait it gave up after as upstream.timeout, saying so, and a run with the draft judges UP-3 and fails it,
// where a commented-out timeout would have skipped it.
func TestProfileDraftTimesOutAGatewayThatNeverDoes(t *testing.T) {
	t.Parallel()
	up, err := upstream.Start(upstream.Config{Hold: time.Hour}) // Close cuts the hold short
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })
	root, _ := url.Parse(strings.TrimSuffix(up.URL, "/v1"))
	// A relay with no timeout: the upstream's own ids, every request forwarded, held as long as it holds.
	gateway := httptest.NewServer(httputil.NewSingleHostReverseProxy(root))
	t.Cleanup(gateway.Close)
	env := []string{"API_KEY=gwc-never-times-out-key-0123"}
	out := filepath.Join(t.TempDir(), "draft.yaml")
	r := gwconform(t, env, "profile", "draft", "--target", gateway.URL+"/v1", "--upstream", up.URL, "--timeout-wait", "300ms", "--out", out)
	if r.code != exitConformant {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if draft := string(b); !strings.Contains(draft, "  timeout: 300ms ") || !strings.Contains(draft, "did not answer the timeout fault within 300ms") {
		t.Fatalf("the draft does not set the wait as the timeout:\n%s", draft)
	}
	run := gwconform(t, env, "run", "--profile", out, "--label-filter", "req:UP-3 && scenario:up-timeout")
	if run.code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s%s", run.code, run.stdout, run.stderr)
	}
	for _, q := range run.report(t).Requirements {
		if q.ID == "UP-3" && q.Outcome != report.OutcomeFail {
			t.Errorf("UP-3 is %s, want fail: %v", q.Outcome, q.Reasons)
		}
	}
}

// --timeout-wait is a wait: a zero or negative one is refused before anything is asked.
func TestProfileDraftRefusesANonPositiveTimeoutWait(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "profile", "draft", "--target", closedPort(t), "--timeout-wait", "0s")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--timeout-wait must be positive") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// profile check names the real cause of a skipped upstream fault: the profile's upstream.except when it left
// the fault out of faults: true, upstream.models or faults: true when nothing configures it.
func TestProfileCheckNamesExceptForAFaultItLeavesOut(t *testing.T) {
	t.Parallel()
	for profile, want := range map[string]string{
		"upstream: {faults: true, timeout: 2s, except: [unverified]}\n": "UP-6      SHOULD upstream.except in the profile leaves out unverified\n",
		"upstream: {timeout: 2s}\n":                                     "UP-6      SHOULD needs upstream.models.unverified (or upstream.faults: true) in the profile\n",
	} {
		r := inProcess("profile", "check", writeFile(t, profile))
		if r.code != exitConformant || !strings.Contains(r.stdout, want) {
			t.Errorf("profile check of %q: exit %d, stderr %q; want the line %q in:\n%s", profile, r.code, r.stderr, want, r.stdout)
		}
	}
}

// profile draft reaches the target as a run does: a gateway that routes on a header is drafted with
// --header, and the draft carries it (a secret one by the variable that is to hold it, never its value); a
// target with a private certificate is drafted with --ca-cert.
func TestProfileDraftAsksThroughTheRunsClient(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "routing-header-required")
	header := stack.Requires[0]
	name, value, _ := strings.Cut(header, ": ")
	env := []string{"API_KEY=" + stack.APIKey}
	if r := gwconform(t, env, "profile", "draft", "--target", stack.BaseURL); r.code != exitUsage || !strings.Contains(r.stderr, "answered 400") {
		t.Fatalf("without the routing header: exit %d, stderr %q; want 2 and the 400", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "draft.yaml")
	if r := gwconform(t, env, "profile", "draft", "--target", stack.BaseURL, "--header", header, "--out", out); r.code != exitConformant {
		t.Fatalf("with --header %q: exit %d: %s", header, r.code, r.stderr)
	}
	if draft := readFile(t, out); !strings.Contains(draft, "headers:") || !strings.Contains(draft, name+`: "`+value+`"`) {
		t.Fatalf("the draft does not carry the routing header:\n%s", draft)
	}
	if r := gwconform(t, env, "profile", "check", out); r.code != exitConformant {
		t.Errorf("profile check of the draft: exit %d: %s", r.code, r.stderr)
	}
	r := gwconform(t, env, "profile", "draft", "--target", stack.BaseURL, "--secret-header", header)
	if v := strings.TrimPrefix(suite.HeaderVariable(name), "$"); r.code != exitConformant || !strings.Contains(r.stdout, name+": {env: "+v+"}") || strings.Contains(r.stdout, value) {
		t.Errorf("with --secret-header: exit %d; want %s named by $%s, its value nowhere:\n%s%s", r.code, name, v, r.stdout, r.stderr)
	}

	srv := hostile.Start(hostile.UntrustedTLS)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Certificate[0]}), 0o644); err != nil {
		t.Fatal(err)
	}
	untrusted := gwconform(t, env, "profile", "draft", "--target", srv.URL)
	trusted := gwconform(t, env, "profile", "draft", "--target", srv.URL, "--ca-cert", ca)
	if !strings.Contains(untrusted.stderr, "certificate") || strings.Contains(trusted.stderr, "certificate") {
		t.Errorf("--ca-cert is not the draft's trust: without it %q, with it %q", untrusted.stderr, trusted.stderr)
	}
}
