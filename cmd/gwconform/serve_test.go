package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve prints a base URL and a key a person can use at once, answers on it, and stops cleanly on SIGINT.
func TestServeAnswersAndStopsOnInterrupt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "serve", "--defect", "flat-envelope")
	cmd.Env = []string{"GWCONFORM_TEST_AS_MAIN=1"}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var base, key string
	lines := bufio.NewScanner(out)
	for (base == "" || key == "") && lines.Scan() {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 3 && f[0] == "base" && f[1] == "URL:":
			base = f[2]
		case len(f) == 3 && f[0] == "demo" && f[1] == "key:":
			key = f[2]
		}
	}
	if base == "" || key == "" {
		t.Fatalf("serve printed no base URL and key")
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", strings.NewReader("{"))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("truncated JSON answered %d, want 400", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out) // Wait closes the pipe; it must not find the writer blocked

	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit 0 on SIGINT: %v", err)
	}
}

// A gateway that routes on a header says which one and which value, and the profile serve --profile-out
// writes for it carries the header: the run that profile's line prints needs no --header, and passes.
func TestARoutingHeaderIsInTheProfileServeWrites(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "routing-header-required")
	if len(stack.Requires) != 1 {
		t.Fatalf("the stack says its defect wants %v, want one header", stack.Requires)
	}
	name, value, _ := strings.Cut(stack.Requires[0], ": ")
	path, env := profileFor(t, stack)
	if b := readFile(t, path); !strings.Contains(b, "headers:") || !strings.Contains(b, value) {
		t.Fatalf("the profile names no %s header:\n%s", name, b)
	}
	if r := gwconform(t, env, "run", "--profile", path); r.code != exitConformant {
		t.Fatalf("run --profile with the profile serve writes: exit %d, want 0:\n%s", r.code, tail(r.stdout+r.stderr))
	}

	// A wrong value is told apart from a missing header, naming the tenant the gateway serves.
	req, _ := http.NewRequest(http.MethodGet, stack.BaseURL+"/models", nil)
	req.Header.Set(name, "tenant-of-someone-else")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "Missing") || !strings.Contains(string(body), value) {
		t.Errorf("a wrong %s answered %d %s; want 400 naming %s, not \"Missing\"", name, resp.StatusCode, body, value)
	}
}
