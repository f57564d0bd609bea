package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input gets one line on stderr and exit 2, before any spec runs.
func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	readonly := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(readonly, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	key := "API_KEY=gwc-usage-test-key-0123456789"
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no command", nil, nil, "usage: gwconform"},
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", nil, []string{"run", "--targt", "x"}, "flag provided but not defined: -targt"},
		{"stray argument", nil, []string{"run", "http://127.0.0.1:1/v1"}, "unexpected argument"},
		{"target without scheme", []string{key}, []string{"run", "--target", "127.0.0.1:8080/v1"}, "no scheme: want an http:// or https:// URL"},
		{"target not a URL", []string{key}, []string{"run", "--target", "http://[::1"}, "not a URL"},
		{"key variable unset", nil, []string{"run", "--target", "http://127.0.0.1:1/v1"}, "$API_KEY is empty"},
		{"named key variable empty", []string{"MY_KEY="}, []string{"run", "--target", "http://127.0.0.1:1/v1", "--api-key-env", "MY_KEY"}, "$MY_KEY is empty"},
		{"unreachable target", []string{key}, []string{"run", "--target", closed}, "the target does not answer"},
		{"invalid label filter", []string{key}, []string{"run", "--target", closed, "--label-filter", "auth &&"}, "not a valid Ginkgo label filter"},
		{"bad fail-on", nil, []string{"run", "--fail-on", "may"}, "--fail-on"},
		{"bad timeout", nil, []string{"run", "--timeout", "-1s"}, "--timeout must be positive"},
		{"report dir is a file", []string{key}, []string{"run", "--target", closed, "--report-dir", filepath.Join(readonly, "sub")}, "cannot be written"},
		{"unknown defect", nil, []string{"serve", "--defect", "no-such-defect"}, "no-such-defect"},
		{"profile missing", []string{key}, []string{"run", "--target", closed, "--profile", filepath.Join(t.TempDir(), "nope.yaml")}, "no such file"},
		{"profile invalid", []string{key}, []string{"run", "--target", closed, "--profile", writeFile(t, "keys: {admin: X}")}, "keys.admin is not a role"},
		{"profile not YAML", []string{key}, []string{"run", "--target", closed, "--profile", writeFile(t, "keys: [")}, "--profile"},
		{"profile key unset", []string{key}, []string{"run", "--target", closed, "--profile", writeFile(t, "keys: {revoked: GWC_UNSET_KEY}")}, "$GWC_UNSET_KEY, which is empty"},
		{"profile without target", nil, []string{"run", "--profile", writeFile(t, "keys: {}")}, "names none"},
		{"ca-cert missing", []string{key}, []string{"run", "--target", closed, "--ca-cert", filepath.Join(t.TempDir(), "ca.pem")}, "--ca-cert"},
		{"ca-cert not PEM", []string{key}, []string{"run", "--target", closed, "--ca-cert", writeFile(t, "not a certificate")}, "no PEM certificate"},
		{"client cert without key", []string{key}, []string{"run", "--target", closed, "--client-cert", writeFile(t, "x")}, "go together"},
		{"client cert unreadable", []string{key}, []string{"run", "--target", closed, "--client-cert", writeFile(t, "x"), "--client-key", writeFile(t, "y")}, "--client-cert/--client-key"},
		{"header without colon", []string{key}, []string{"run", "--target", closed, "--header", "X-Token gwc-usage-test-key-0123456789"}, "want 'Name: value'"},
		{"header sets Authorization", []string{key}, []string{"run", "--target", closed, "--header", "Authorization: Bearer x"}, "cannot set Authorization"},
		{"bad run timeout", nil, []string{"run", "--run-timeout", "0s"}, "--run-timeout must be positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := gwconform(t, c.env, c.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if !strings.Contains(first, c.want) {
				t.Fatalf("first stderr line %q lacks %q", first, c.want)
			}
			if strings.Contains(r.stdout+r.stderr, "gwc-usage-test-key") {
				t.Fatal("the key was printed")
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("crashed:\n%s", r.stderr)
			}
		})
	}
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
