package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// Bad input is one line on stderr and exit 2, before anything listens.
func TestUpstreamBadInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty key variable", []string{"--api-key-env", "GWCONFORM_TEST_UNSET_UPSTREAM_KEY_7f3a"}, "$GWCONFORM_TEST_UNSET_UPSTREAM_KEY_7f3a is empty"},
		{"hold not positive", []string{"--hold", "0s"}, "--hold must be positive"},
		{"no models", []string{"--models", " , "}, "--models lists no model id"},
		// A fault id among the healthy models would be listed as a model to route completions to.
		{"a fault as a healthy model", []string{"--listen", "127.0.0.1:0", "--models", "m-one," + faults.Status500.Model}, `--models: "fault/status-500" is a fault model's id`},
		{"a fault under a prefix", []string{"--listen", "127.0.0.1:0", "--models", "openai/" + faults.Close.Model}, `--models: "openai/fault/close" is a fault model's id`},
		{"bad address", []string{"--listen", "256.0.0.1:1"}, "upstream:"},
		{"stray argument", []string{"now"}, "unexpected argument"},
		{"unknown flag", []string{"--hodl", "1s"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := upstreamCommand(tc.args, &stdout, &stderr); code != exitUsage {
				t.Fatalf("exit %d, want 2\nstderr: %s", code, stderr.String())
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, "gwconform: ") || !strings.Contains(first, tc.want) || rest != "" {
				t.Fatalf("stderr %q, want one line with %q", stderr.String(), tc.want)
			}
		})
	}
}

// upstream prints its URL and every fault model, serves them with the key it was given, and on SIGINT stops
// at once even with a fault holding a request, exiting 0.
func TestUpstreamServesFaultsAndStopsOnInterrupt(t *testing.T) {
	t.Parallel()
	var probe bytes.Buffer
	if Main([]string{"upstream", "-h"}, os.Getenv, &probe, &probe) != exitConformant {
		t.Skip("main.go does not dispatch \"upstream\" yet: add case \"upstream\": return upstreamCommand(args[1:], stdout, stderr)")
	}
	const key = "gwc-upstream-test-KEYCANARY"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// --strict: only a strict upstream checks the key it was given.
	cmd := exec.CommandContext(ctx, os.Args[0], "upstream", "--listen", "127.0.0.1:0", "--hold", "1m",
		"--models", "m-one,m-two", "--api-key-env", "UPSTREAM_KEY", "--strict")
	// The race runtime otherwise sleeps a second at exit, which would hide a slow stop.
	cmd.Env = []string{"GWCONFORM_TEST_AS_MAIN=1", "UPSTREAM_KEY=" + key, "GORACE=atexit_sleep_ms=0"}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var base, witnessURL string
	var printed strings.Builder
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		printed.WriteString(lines.Text() + "\n")
		if f := strings.Fields(lines.Text()); len(f) == 3 && f[0] == "base" && f[1] == "URL:" {
			base = f[2]
		}
		if f := strings.Fields(lines.Text()); len(f) > 1 && f[0] == "witness:" {
			witnessURL = f[1]
		}
		if strings.HasPrefix(lines.Text(), "Ctrl-C") {
			break
		}
	}
	go io.Copy(io.Discard, out) // Wait closes the pipe; it must not find the writer blocked
	if base == "" {
		t.Fatalf("no base URL in:\n%s", printed.String())
	}
	if strings.Contains(printed.String(), key) {
		t.Fatal("the key was printed")
	}
	if !strings.Contains(printed.String(), "mode:     strict") {
		t.Errorf("the mode is not printed:\n%s", printed.String())
	}
	for _, f := range faults.All() {
		if !strings.Contains(printed.String(), f.Model) || !strings.Contains(printed.String(), f.Does) {
			t.Errorf("%s is not in the table:\n%s", f.Model, printed.String())
		}
	}

	do := func(method, path, auth, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := do(http.MethodGet, "/models", "", "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no key: status %d", resp.StatusCode)
	}
	resp = do(http.MethodGet, "/models", key, "")
	var list struct{ Data []struct{ ID string } }
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Data) != 2+len(faults.All()) || list.Data[0].ID != "m-one" {
		t.Fatalf("models: %v %+v", err, list)
	}
	const nonce = witness.NoncePrefix + "0123456789abcdef"
	resp = do(http.MethodPost, "/chat/completions", key, `{"model":"`+faults.Status500.Model+`","messages":[{"role":"user","content":"`+nonce+`"}]}`)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("%s: status %d", faults.Status500.Model, resp.StatusCode)
	}
	// The printed witness answers without a key, even on a strict upstream.
	if !strings.HasSuffix(witnessURL, witness.Path) {
		t.Fatalf("no witness URL in:\n%s", printed.String())
	}
	resp, err = http.Get(witnessURL + nonce)
	if err != nil {
		t.Fatal(err)
	}
	var seen witness.Sighting
	err = json.NewDecoder(resp.Body).Decode(&seen)
	resp.Body.Close()
	if err != nil || !seen.Reached || seen.Status != 500 {
		t.Fatalf("witness: %+v, %v", seen, err)
	}

	// Headers in hand, the fault is holding: the interrupt must not wait the minute out.
	held := do(http.MethodPost, "/chat/completions", key, `{"model":"`+faults.SlowFirstByte.Model+`","messages":[]}`)
	defer held.Body.Close()
	begin := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("upstream did not exit 0 on SIGINT: %v", err)
	}
	// Far short of the minute the held request would take, far past what a busy machine needs to stop.
	if elapsed := time.Since(begin); elapsed > 20*time.Second {
		t.Fatalf("stopping took %v", elapsed)
	}
	if _, err := io.ReadAll(held.Body); err == nil {
		t.Fatal("the held answer completed after the interrupt")
	}
}

// By default the upstream checks no key, and says so rather than name a key it ignores.
func TestPrintUpstreamSaysTheMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		strict    bool
		mode, key string
	}{
		{false, "mode:     permissive", "key:      not checked (--strict requires Bearer $UPSTREAM_KEY)"},
		{true, "mode:     strict", "key:      Bearer $UPSTREAM_KEY"},
	} {
		var b bytes.Buffer
		printUpstream(&b, upstreamInfo{url: "http://127.0.0.1:8081/v1", keyEnv: "UPSTREAM_KEY", hold: time.Minute, healthy: []string{"m"}, strict: tc.strict})
		if !strings.Contains(b.String(), tc.mode) || !strings.Contains(b.String(), tc.key+"\n") {
			t.Errorf("strict %v:\n%s", tc.strict, b.String())
		}
	}
}
