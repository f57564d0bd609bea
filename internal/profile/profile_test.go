package profile

import (
	"os"
	"path/filepath"
	"reflect"
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

// A profile written by Marshal reads back as the same profile, with its comment at the head; what was left
// empty is not written.
func TestMarshalReadsBack(t *testing.T) {
	for _, f := range []string{"before-release.yaml", "staging.yaml"} {
		p, err := Load(filepath.Join("..", "..", "fixtures", "profiles", f))
		if err != nil {
			t.Fatal(err)
		}
		p.ModelsNeedKey = new(false)
		p.Retry = &Retry{Attempts: 2, Base: Duration(1500 * time.Millisecond)}
		b, err := p.Marshal("written by a test\nsecond line")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "# written by a test\n# second line\n") || p.Upstream == nil && strings.Contains(string(b), "upstream:") {
			t.Errorf("%s marshalled as:\n%s", f, b)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, b)
		}
		if !reflect.DeepEqual(back, p) {
			t.Errorf("%s reads back as %+v, want %+v\n%s", f, back, p, b)
		}
	}
}

func TestParseRefusesMistakes(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown field":             {"keyz: {}", "unknown field keyz: did you mean keys?"},
		"nested field typo":         {"upstream: {timout: 2s}", "unknown field timout: did you mean timeout?"},
		"far from any field":        {"zzzzzzzz: 1", "unknown field zzzzzzzz (want one of target, "},
		"prefix, no faults":         {"upstream: {prefix: openai/}", "upstream.prefix maps the upstream's own fault ids, so it needs upstream.faults: true"},
		"fault is a trigger":        {"upstream: {models: {status_500: gw/f}}\ntriggers: {server_error: {model: gw/f}}", "model gw/f is both upstream fault status_500 and triggers.server_error"},
		"default fault as trigger":  {"upstream: {faults: true, prefix: o/}\ntriggers: {unavailable: {model: o/fault/status-503}}", "model o/fault/status-503 is both upstream fault status_503"},
		"unknown role":              {"keys: {admin: ADMIN_KEY}", "keys.admin is not a role"},
		"a key, not a name":         {"keys: {revoked: 'sk-live 123'}", "must name an environment variable"},
		"unknown fault":             {"upstream: {models: {status_418: x}}", "upstream.models.status_418 is not a fault"},
		"unknown trigger":           {"triggers: {teapot: {model: x}}", "triggers.teapot is not a trigger"},
		"trigger with both":         {"triggers: {server_error: {model: x, header: 'A: b'}}", "exactly one of model and header"},
		"trigger bad header":        {"triggers: {unavailable: {header: 'no colon'}}", "is not a header"},
		"bad duration":              {"upstream: {timeout: soon}", "not a duration"},
		"burst without bound":       {"rate_limit: {burst: 5}", "positive within"},
		"retry attempts":            {"retry: {attempts: 0}", "retry.attempts"},
		"except an unknown fault":   {"upstream: {faults: true, except: [teapot]}", "upstream.except names teapot, which is not a fault"},
		"except without faults":     {"upstream: {except: [unverified]}", "upstream.except leaves faults out of upstream.faults: true, so it needs it"},
		"witness not a URL":         {"upstream: {witness: 127.0.0.1:8081}", "upstream.witness: \"127.0.0.1:8081\" is not an http(s) URL"},
		"witness elsewhere":         {"upstream: {witness: 'http://127.0.0.1:8081/v1/models'}", "is not the upstream's witness"},
		"target not http":           {"target: ftp://gw/v1", "against schemas/profile.json: /target: Does not match pattern '^https?://'"},
		"header sets Authorization": {"headers: {Authorization: x}", "headers cannot set Authorization"},
		"header env not a name":     {"headers: {X-Tenant: {env: 'sk-123'}}", "headers.X-Tenant: env must name an environment variable"},
		"header without a value":    {"headers: {X-Tenant: ''}", "headers.X-Tenant needs a value"},
		"lacks an unknown feature":  {"lacks: [streaming]", "lacks names streaming, which is not a feature (want one of confidential, credits, rate_limit)"},
		"lacks yet bursts":          {"lacks: [rate_limit]\nrate_limit: {burst: 5, within: 5s}", "lacks rate_limit, yet rate_limit or keys.rate_limited is set"},
		"lacks yet has a key":       {"lacks: [credits]\nkeys: {zero_credit: ZC}", "lacks credits, yet keys.zero_credit is set"},
		"empty":                     {"", "the profile is empty"},
		"only whitespace":           {" \n   \n", "the profile is empty"},
		"only comments":             {"# target: http://gw/v1\n  # keys: {}\n", "the profile is empty"},
		"an empty document":         {"---\n# nothing\n", "the profile is empty"},
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
	r, err := p.Resolve(func(k string) string { return env[k] }, nil)
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
	if _, err := p.Resolve(func(string) string { return "" }, nil); err == nil || !strings.Contains(err.Error(), "$ZC, which is empty") {
		t.Fatalf("an empty key variable was accepted: %v", err)
	}
}

// One line refuses a typo without a second look at the docs; the suggestion is offered only when close.
func TestParseErrorIsOneLine(t *testing.T) {
	_, err := Parse([]byte("keyz: {}\nretry: {atempts: 2}\n"))
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "did you mean attempts?") {
		t.Fatalf("got %q", err)
	}
}

// upstream.prefix maps every fault model at once; an explicit upstream.models entry still wins.
func TestUpstreamPrefix(t *testing.T) {
	for _, c := range []struct{ yaml, close, status500 string }{
		{"upstream: {faults: true}", "fault/close", "fault/status-500"},
		{"upstream: {faults: true, prefix: openai/}", "openai/fault/close", "openai/fault/status-500"},
		{"upstream: {faults: true, prefix: openai/, models: {status_500: gw/f500}}", "openai/fault/close", "gw/f500"},
	} {
		p, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Fatal(err)
		}
		r, err := p.Resolve(func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.FaultModels["close"] != c.close || r.FaultModels["status_500"] != c.status500 {
			t.Errorf("%s: close=%s status_500=%s, want %s and %s", c.yaml, r.FaultModels["close"], r.FaultModels["status_500"], c.close, c.status500)
		}
	}
}

// A key or secret header whose variable holds a control character (a key file's line end) cannot be sent:
// a role in use, or a header, is refused naming the variable and never the value; an unused role is left
// out, as an empty one is.
func TestResolveRefusesWhatNoHeaderCanCarry(t *testing.T) {
	p, err := Parse([]byte("keys: {revoked: GWC_REVOKED, zero_credit: GWC_ZERO}\nheaders: {X-Tenant: {env: GWC_TENANT}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"GWC_REVOKED": "gwc-revoked-secret\n", "GWC_ZERO": "gwc-zero-secret", "GWC_TENANT": "gwc-tenant\x00secret"}
	env := func(k string) string { return values[k] }
	_, err = p.Resolve(env, nil)
	for _, want := range []string{"keys.revoked: $GWC_REVOKED holds a newline, which no HTTP header can carry", "headers.X-Tenant: $GWC_TENANT holds a control character (U+0000)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error saying %q, got %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("the error quotes a value: %v", err)
	}
	delete(values, "GWC_TENANT")
	p.Headers = nil
	r, err := p.Resolve(env, func(role string) bool { return role == "zero_credit" })
	if err != nil || r.Keys["revoked"] != "" || r.Keys["zero_credit"] != "gwc-zero-secret" {
		t.Fatalf("an unused role holding a newline: %v, keys %v", err, r.Keys)
	}
}

// A role no selected spec uses need not be set; one that is used still must be, and named keys still resolve.
func TestResolveOnlyNeedsTheRolesInUse(t *testing.T) {
	p, err := Parse([]byte("keys: {revoked: GWC_REVOKED, zero_credit: GWC_ZERO}\nmodel: gw/chat\n"))
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) string { return map[string]string{"GWC_REVOKED": "gwc-revoked-secret"}[k] }
	r, err := p.Resolve(env, func(role string) bool { return role == "revoked" })
	if err != nil {
		t.Fatalf("an unused role's empty variable was refused: %v", err)
	}
	if r.Keys["revoked"] != "gwc-revoked-secret" || r.Keys["zero_credit"] != "" || r.Model != "gw/chat" {
		t.Fatalf("resolved %+v", r)
	}
	if _, err := p.Resolve(env, func(role string) bool { return role == "zero_credit" }); err == nil || !strings.Contains(err.Error(), "keys.zero_credit names $GWC_ZERO, which is empty") {
		t.Fatalf("a needed role's empty variable was accepted: %v", err)
	}
}

func TestLoadOfAMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); !os.IsNotExist(err) {
		t.Fatalf("got %v", err)
	}
}

// upstream.except and lacks: confidential leave faults out of upstream.faults: true; the witness is read
// from the endpoint or from the upstream's bare address; lacks reaches the offers.
func TestExceptLacksAndWitness(t *testing.T) {
	for _, c := range []struct {
		yaml, witness string
		without       []string
		lacks         []string
	}{
		{"upstream: {faults: true, except: [unverified, stream_break]}", "", []string{"unverified", "stream_break"}, nil},
		{"lacks: [confidential]\nupstream: {faults: true}", "", []string{"unverified"}, []string{"confidential"}},
		{"upstream: {faults: true, witness: 'http://127.0.0.1:8081'}", "http://127.0.0.1:8081/gwconform/witness/", nil, nil},
		{"upstream: {witness: 'http://127.0.0.1:8081/gwconform/witness'}", "http://127.0.0.1:8081/gwconform/witness/", nil, nil},
		{"lacks: [rate_limit, credits]", "", nil, []string{"rate_limit", "credits"}},
	} {
		p, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Fatalf("%s: %v", c.yaml, err)
		}
		o, err := p.Resolve(func(string) string { return "" }, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range c.without {
			if _, ok := o.FaultModels[key]; ok {
				t.Errorf("%s: fault %s is still offered", c.yaml, key)
			}
		}
		if strings.Contains(c.yaml, "faults: true") && o.FaultModels["status_500"] == "" {
			t.Errorf("%s: the other faults went too", c.yaml)
		}
		if o.Witness != c.witness {
			t.Errorf("%s: witness %q, want %q", c.yaml, o.Witness, c.witness)
		}
		for _, f := range c.lacks {
			if !o.Lacks[f] {
				t.Errorf("%s: lacks %s not in the offers", c.yaml, f)
			}
		}
		if len(o.Lacks) != len(c.lacks) {
			t.Errorf("%s: lacks %v", c.yaml, o.Lacks)
		}
	}
}

// A literal header is sent and shown as it is; an {env: NAME} header is a secret read from the
// environment, and a missing one is refused like a missing key.
func TestHeadersLiteralAndSecret(t *testing.T) {
	p, err := Parse([]byte("headers:\n  x-portkey-provider: openai\n  X-Tenant-Token: {env: TENANT_TOKEN}\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := p.Resolve(func(k string) string { return map[string]string{"TENANT_TOKEN": "tok-123"}[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Headers.Get("X-Portkey-Provider") != "openai" || o.SecretHeaders["X-Portkey-Provider"] {
		t.Errorf("literal header: %q, secret %t", o.Headers.Get("X-Portkey-Provider"), o.SecretHeaders["X-Portkey-Provider"])
	}
	if o.Headers.Get("X-Tenant-Token") != "tok-123" || !o.SecretHeaders["X-Tenant-Token"] {
		t.Errorf("secret header: %q, secret %t", o.Headers.Get("X-Tenant-Token"), o.SecretHeaders["X-Tenant-Token"])
	}
	summary := strings.Join(o.Summary(), "\n")
	if strings.Contains(summary, "tok-123") || !strings.Contains(summary, "X-Tenant-Token: $TENANT_TOKEN (secret)") || !strings.Contains(summary, "X-Portkey-Provider: openai") {
		t.Errorf("summary:\n%s", summary)
	}
	if _, err := p.Resolve(func(string) string { return "" }, nil); err == nil || !strings.Contains(err.Error(), "headers.X-Tenant-Token names $TENANT_TOKEN, which is empty") {
		t.Errorf("a missing secret header: %v", err)
	}
	out, err := p.Marshal("round trip")
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil || back.Headers["X-Tenant-Token"].Env != "TENANT_TOKEN" || back.Headers["x-portkey-provider"].Literal != "openai" {
		t.Errorf("marshalled headers read back as %+v (%v):\n%s", back, err, out)
	}
}
