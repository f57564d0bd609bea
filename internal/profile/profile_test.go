package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestShippedProfilesParse(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "profiles", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no profiles shipped")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestParseRefusesMistakes(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown field":       {"keyz: {}", "keyz"},
		"unknown role":        {"keys: {admin: ADMIN_KEY}", "keys.admin is not a role"},
		"a key, not a name":   {"keys: {revoked: 'sk-live 123'}", "must name an environment variable"},
		"unknown fault":       {"upstream: {models: {status_418: x}}", "upstream.models.status_418 is not a fault"},
		"unknown trigger":     {"triggers: {teapot: {model: x}}", "triggers.teapot is not a trigger"},
		"trigger with both":   {"triggers: {server_error: {model: x, header: 'A: b'}}", "exactly one of model and header"},
		"trigger bad header":  {"triggers: {unavailable: {header: 'no colon'}}", "is not a header"},
		"bad duration":        {"upstream: {timeout: soon}", "not a duration"},
		"burst without bound": {"rate_limit: {burst: 5}", "positive within"},
		"retry attempts":      {"retry: {attempts: 0}", "retry.attempts"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestResolveReadsKeysAndDefaultsFaults(t *testing.T) {
	p, err := Parse([]byte(`
keys: {zero_credit: ZC}
upstream: {faults: true, timeout: 2s, models: {status_500: gw/f500}}
triggers: {server_error: {header: "x-fault: internal"}}
rate_limit: {burst: 5, within: 3s}
`))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ZC": "gwc-zero-credit-secret"}
	r, err := p.Resolve(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if r.Keys["zero_credit"] != "gwc-zero-credit-secret" || r.FaultModels["status_500"] != "gw/f500" || r.FaultModels["reset"] != faults.Reset.Model {
		t.Fatalf("resolved %+v", r)
	}
	if r.UpstreamTimeout != 2*time.Second || r.Burst != 5 || r.RetryAttempts != DefaultRetryAttempts {
		t.Fatalf("resolved %+v", r)
	}
	if name, value, _ := r.Triggers["server_error"].SplitHeader(); name != "X-Fault" || value != "internal" {
		t.Fatalf("header %q %q", name, value)
	}
	summary := strings.Join(r.Summary(), "\n")
	if strings.Contains(summary, "gwc-zero-credit-secret") || !strings.Contains(summary, "zero_credit=$ZC") {
		t.Fatalf("summary:\n%s", summary)
	}
	if _, err := p.Resolve(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "$ZC, which is empty") {
		t.Fatalf("an empty key variable was accepted: %v", err)
	}
}

func TestLoadOfAMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); !os.IsNotExist(err) {
		t.Fatalf("got %v", err)
	}
}
