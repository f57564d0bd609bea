package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/reference/upstream"
	"github.com/gwconform/gwconform/internal/testkit/latency"
)

// A bare proxy in front of `gwconform upstream`, as the simplest pass-through gateways are: the upstream's
// own catalogue reaches the suite, so REQ-6 runs and MOD-3 passes; the requests the proxy should have
// refused are seen reaching the upstream; and the upstream's 4xx body, passed on, fails UP-5.
func TestABareProxyInFrontOfTheUpstream(t *testing.T) {
	t.Parallel()
	up, err := upstream.Start(upstream.Config{Models: []string{"upstream-chat-small", "upstream-reasoning-small"}, Hold: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })
	proxy, err := latency.Start(strings.TrimSuffix(up.URL, "/v1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	profilePath := filepath.Join(t.TempDir(), "proxy.yaml")
	prof := "upstream: {faults: true, timeout: 1s, witness: '" + up.WitnessURL + "'}\n"
	if err := os.WriteFile(profilePath, []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, []string{"API_KEY=gwc-bare-proxy-key-0123456789"}, "run", "--target", proxy.URL+"/v1", "--profile", profilePath, "--label-filter", "req:REQ-6 || req:MOD-3 || req:REQ-1 || req:UP-5")
	res := r.report(t)
	outcome := map[string]string{}
	for _, q := range res.Requirements {
		outcome[q.ID] = string(q.Outcome)
	}
	if outcome["MOD-3"] != "pass" || outcome["REQ-6"] == "skipped" {
		t.Errorf("MOD-3 %s, REQ-6 %s: the upstream's catalogue did not reach the suite", outcome["MOD-3"], outcome["REQ-6"])
	}
	if outcome["REQ-1"] != "fail" || outcome["UP-5"] != "fail" {
		t.Errorf("REQ-1 %s, UP-5 %s against a proxy that forwards and relays everything", outcome["REQ-1"], outcome["UP-5"])
	}
	if !strings.Contains(r.stdout, "forwarded to the upstream") && !strings.Contains(readFile(t, filepath.Join(r.reportDir, "report.json")), "forwarded to the upstream") {
		t.Error("no request was seen forwarded")
	}
}
