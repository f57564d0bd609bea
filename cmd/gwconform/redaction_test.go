package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Canaries: secrets a run holds, none of which may reach any output; nor may the prompt the suite sends
// (scenario.CanaryPrompt), which the echoing gateway also returns.
const (
	canaryValidKey   = "gwc-canary-valid-key-7f3e9a1c5b2d"
	canaryRevokedKey = "gwc-canary-revoked-key-4d8b2f6a0c9e"
	canaryHeader     = "gwc-canary-header-value-1e5c7a93"
	// literalProvider is a --header value, no secret: shown as it is, in what the suite sent and in what
	// the target echoed.
	literalProvider = "openai"
)

// echoGateway answers every error by echoing back everything it was sent, the Authorization header and
// the body included: the worst a gateway can do to a run's secrets.
func echoGateway(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/models" {
			io.WriteString(w, `{"data":[{"id":"echo-model","supported_parameters":["temperature","max_tokens","n","stream"]}]}`)
			return
		}
		msg, _ := json.Marshal("you sent " + r.Header.Get("Authorization") + ", " + r.Header.Get("X-Gateway-Token") + ", " + r.Header.Get("X-Provider") + " and " + string(body))
		w.Header().Set("X-Echo-Authorization", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":`+string(msg)+`,"type":"invalid_request_error","code":null,"param":null}}`)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/v1"
}

func redactionRun(t *testing.T, env ...string) result {
	t.Helper()
	profile := filepath.Join(t.TempDir(), "echo.yaml")
	// The gateway token is a secret the profile reads from the environment; the provider header is a
	// literal, which the reports must show as the target sent it back.
	prof := "keys: {revoked: CANARY_REVOKED_KEY}\nheaders: {X-Gateway-Token: {env: CANARY_GATEWAY_TOKEN}}\n"
	if err := os.WriteFile(profile, []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	env = append(env, "API_KEY="+canaryValidKey, "CANARY_REVOKED_KEY="+canaryRevokedKey, "CANARY_GATEWAY_TOKEN="+canaryHeader)
	r := gwconformRaced(t, env, "run", "--target", echoGateway(t), "--profile", profile, "--header", "X-Provider: "+literalProvider)
	if r.code != exitFailed {
		t.Fatalf("exit %d against an echoing gateway, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// leaks lists the canaries found in any byte of the run's output or of any file it wrote.
func (r result) leaks() []string {
	var all bytes.Buffer
	all.WriteString(r.stdout + r.stderr)
	filepath.WalkDir(r.reportDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			all.Write(b)
		}
		return nil
	})
	var found []string
	for _, c := range []string{canaryValidKey, canaryRevokedKey, canaryHeader} {
		if bytes.Contains(all.Bytes(), []byte(c)) {
			found = append(found, c)
		}
	}
	// The suite's own prompt is shown as [prompt] wherever the run shows an exchange; only the commands
	// that send the request again (curl lines, and the body files they read) carry it, as they must.
	if strings.Contains(r.stdout+r.stderr, scenario.CanaryPrompt) {
		found = append(found, scenario.CanaryPrompt+" (in the console)")
	}
	if b, err := os.ReadFile(filepath.Join(r.reportDir, "report.json")); err == nil {
		var res report.Result
		if json.Unmarshal(b, &res) == nil {
			for _, f := range res.Findings {
				if strings.Contains(f.Transcript, scenario.CanaryPrompt) {
					found = append(found, scenario.CanaryPrompt+" (in a transcript)")
					break
				}
			}
		}
	}
	return found
}

// Against a gateway that echoes every key and extra header back in its errors, none reaches stdout, stderr
// or a report,
// and the echo itself is reported (ENV-8).
func TestRedactionHoldsAgainstAnEchoingGateway(t *testing.T) {
	t.Parallel()
	r := redactionRun(t)
	if leaked := r.leaks(); len(leaked) > 0 {
		t.Fatalf("canary keys reached the output or the reports: %v", leaked)
	}
	echoCaught := false
	for _, s := range r.specs(t) {
		if strings.Contains(strings.Join(s.Labels(), " "), "req:ENV-8") && s.State.String() == "failed" {
			echoCaught = true
		}
	}
	if !echoCaught {
		t.Error("the echo was not reported as an ENV-8 failure")
	}
	summary, err := os.ReadFile(filepath.Join(r.reportDir, "summary.md"))
	if err != nil || !strings.Contains(string(summary), "Bearer $API_KEY") {
		t.Errorf("transcripts do not show the key as $API_KEY (%v)", err)
	}
	// Redaction never rewrites what the target sent: the literal header's value, echoed in a body, stays.
	for _, name := range []string{"summary.md", "report.json", "report.html", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(r.reportDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "$GWC_HEADER_X_GATEWAY_TOKEN, "+literalProvider+" and ") || strings.Contains(string(b), "GWC_HEADER_X_PROVIDER") {
			t.Errorf("%s does not show the literal header as the target echoed it", name)
		}
	}
}

// The test above can fail: with redaction switched off, the same run leaks every canary.
func TestRedactionTestFailsWithoutRedaction(t *testing.T) {
	t.Parallel()
	r := redactionRun(t, "GWCONFORM_TEST_NO_REDACTION=1")
	if leaked := r.leaks(); len(leaked) != 4 {
		t.Fatalf("without redaction the run leaked %v; the redaction test would prove nothing", leaked)
	}
}
