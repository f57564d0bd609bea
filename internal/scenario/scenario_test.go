package scenario

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gwconform/gwconform/fixtures"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/internal/validate"
)

func realChecks(t *testing.T) Checks {
	t.Helper()
	reqs, err := requirements.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range set.Names() {
		names[n] = true
	}
	return Checks{
		Requirement: func(id string) bool { _, ok := reqs[id]; return ok },
		Schema:      func(n string) bool { return names[n] },
	}
}

func TestTheShippedScenariosLoad(t *testing.T) {
	c, err := Load(fixtures.FS, realChecks(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Scenarios); n < 30 {
		t.Errorf("%d scenarios, want at least 30", n)
	}
	vars := map[string]string{}
	for name := range Placeholders {
		vars[name] = "value-of-" + name
	}
	prompts := 0
	for _, s := range c.Scenarios {
		body, err := c.Body(s, vars)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
		if s.Request.HasBody() && bytes.Contains(body.Head(), []byte("{{")) {
			t.Errorf("%s: placeholder left in body", s.ID)
		}
		// ENV-8 looks for CanaryPrompt itself in what was sent: escaping must leave it as it is.
		if tmpl, _ := c.template(s.Request); bytes.Contains(tmpl, []byte("{{prompt}}")) {
			prompts++
			if !bytes.Contains(body.Head(), []byte(CanaryPrompt)) {
				t.Errorf("%s: {{prompt}} did not render as %q", s.ID, CanaryPrompt)
			}
		}
		if slices.Contains(c.Needs(s), "prompt") {
			t.Errorf("%s: needs {{prompt}}, which no target provides", s.ID)
		}
	}
	if prompts < 20 {
		t.Errorf("%d scenarios send {{prompt}}, want at least 20", prompts)
	}
}

func TestLoadRefusesABrokenScenarioSet(t *testing.T) {
	good := "- id: a\n  requirements: [AUTH-1]\n  request: {method: POST, path: /chat/completions, credential: none, body_file: b.json}\n  expect: {status: 401, type: authentication_error}\n"
	canary := `body: '{"messages": [{"role": "user", "content": "` + CanaryPrompt + `"}]}'`
	cases := map[string]struct{ yaml, body, want string }{
		"unknown field":              {strings.Replace(good, "expect:", "expext:", 1), "", "expext"},
		"duplicate id":               {good + good, "", "already defined"},
		"unknown requirement":        {strings.Replace(good, "AUTH-1", "AUTH-99", 1), "", "AUTH-99 is not in REQUIREMENTS.md"},
		"unknown credential":         {strings.Replace(good, "credential: none", "credential: bearer", 1), "", `credential "bearer"`},
		"missing body file":          {strings.Replace(good, "b.json", "nope.json", 1), "", "not in fixtures/bodies"},
		"relative path":              {strings.Replace(good, "path: /chat", "path: chat", 1), "", "must start with /"},
		"bad method":                 {strings.Replace(good, "method: POST", "method: FETCH", 1), "", "not an HTTP method"},
		"no status":                  {strings.Replace(good, "status: 401, ", "", 1), "", "expect.status is missing"},
		"leak only, yet a status":    {strings.Replace(good, "type: authentication_error", "leak_only: true, no_upstream_leak: true", 1), "", "expect.leak_only fixes no status or type"},
		"type on success":            {strings.Replace(good, "status: 401", "status: 200", 1), "", "not an error"},
		"unknown schema":             {strings.Replace(good, "type: authentication_error", "schema: nope.json", 1), "", `schema "nope.json"`},
		"two body sources":           {strings.Replace(good, "body_file: b.json", "body_file: b.json, body: x", 1), "", "more than one"},
		"unknown placeholder":        {strings.Replace(good, "body_file: b.json", `body: '{{modle}}'`, 1), "", "{{modle}}"},
		"no requirement named":       {strings.Replace(good, "[AUTH-1]", "[]", 1), "", "names no requirement"},
		"each model, no model":       {strings.Replace(good, "id: a", "id: a\n  each_model: true", 1), "", "each_model needs a body that uses {{model}}"},
		"unknown trigger":            {strings.Replace(good, "id: a", "id: a\n  trigger: teapot", 1), "", `trigger "teapot"`},
		"recovers without burst":     {strings.Replace(good, "id: a", "id: a\n  recovers: true", 1), "", "recovers needs burst"},
		"sdk retry on a 403":         {strings.Replace(strings.Replace(good, "id: a", "id: a\n  sdk_retry: true", 1), "status: 401", "status: 403", 1), "", "sdk_retry needs one expected status"},
		"status and not transient":   {strings.Replace(good, "status: 401,", "status: 401, not_transient: true,", 1), "", "do not combine"},
		"each model in a burst":      {strings.Replace(good, "id: a", "id: a\n  each_model: true\n  burst: true", 1), "", "does not combine"},
		"unknown control":            {strings.Replace(good, "id: a", "id: a\n  controls: {twin: {credential: valid}}", 1), "", "controls.twin is not one of"},
		"control changes the body":   {strings.Replace(good, "id: a", "id: a\n  controls: {proper: {body: 'x'}}", 1), "", "may change only credential and path"},
		"like without the control":   {strings.Replace(good, "status: 401, type: authentication_error", "like: proper", 1), "", `expect.like names control "proper"`},
		"canary written out":         {strings.Replace(good, "body_file: b.json", canary, 1), "", "scenarios/x.yaml: holds the canary prompt"},
		"canary in a comment":        {"# " + CanaryPrompt + "\n" + good, "", "scenarios/x.yaml: holds the canary prompt"},
		"canary spelt with escapes":  {strings.Replace(good, "body_file: b.json", `body: "`+strings.ReplaceAll(CanaryPrompt, " ", `\x20`)+`"`, 1), "", `request.body: holds the canary prompt`},
		"canary in a body file":      {good, `{"content": "` + CanaryPrompt + `: hi"}`, "bodies/b.json: holds the canary prompt"},
		"unknown fault":              {strings.Replace(good, "id: a", "id: a\n  fault: teapot", 1), `{"model": "{{fault_model}}"}`, `fault "teapot" is not one of status_500,`},
		"fault without its model":    {strings.Replace(good, "id: a", "id: a\n  fault: reset", 1), "", "fault needs a body that uses {{fault_model}}"},
		"fault model without fault":  {good, `{"model": "{{fault_model}}"}`, "{{fault_model}} needs fault:"},
		"fault model named directly": {good, `{"model": "{{fault_reset}}"}`, "write {{fault_model}} and fault: reset, not {{fault_reset}}"},
		"fault model in a path":      {strings.Replace(strings.Replace(good, "id: a", "id: a\n  fault: reset", 1), "path: /chat/completions", "path: '/models/{{fault_model}}'", 1), `{"model": "{{fault_model}}"}`, "{{fault_model}} is filled in a body only"},
		"prompt in a path":           {strings.Replace(good, "path: /chat/completions", "path: '/models/{{prompt}}'", 1), "", "{{prompt}} is filled in a body only"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			body := c.body
			if body == "" {
				body = `{}`
			}
			fsys := fstest.MapFS{
				"scenarios/x.yaml": {Data: []byte(c.yaml)},
				"bodies/b.json":    {Data: []byte(body)},
			}
			_, err := Load(fsys, realChecks(t))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestBodyEscapesValuesAndReportsMissingOnes(t *testing.T) {
	fsys := fstest.MapFS{
		"scenarios/x.yaml": {Data: []byte("- id: a\n  requirements: [REQ-3]\n  request: {method: POST, path: /x, credential: valid, body: '{\"model\": \"{{model}}\", \"content\": \"{{prompt}}\"}'}\n  expect: {status: [400, 413]}\n")},
		"bodies/.keep":     {Data: nil},
	}
	c, err := Load(fsys, realChecks(t))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Scenarios[0]
	if got := c.Needs(s); len(got) != 1 || got[0] != "model" {
		t.Errorf("Needs = %v", got)
	}
	if !s.Expect.Status.Allows(413) || s.Expect.Status.Allows(401) || s.Expect.Status.String() != "400 or 413" {
		t.Errorf("statuses %v", s.Expect.Status)
	}
	// {{prompt}} is the set's own: not a need, and CanaryPrompt whatever vars say.
	body, err := c.Body(s, map[string]string{"model": `we"ird`, "prompt": "not the canary"})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal(body.Head(), &v); err != nil || v["model"] != `we"ird` || v["content"] != CanaryPrompt {
		t.Errorf("body %s: %v", body.Head(), err)
	}
	if _, err := c.Body(s, nil); err == nil || !strings.Contains(err.Error(), "{{model}}") {
		t.Errorf("missing value not reported: %v", err)
	}
}

// The upstream scenarios share chat-fault.json and differ in their fault: each needs its own fault's model and
// sends exactly the body each used to spell out.
func TestFaultScenariosShareOneBody(t *testing.T) {
	c, err := Load(fixtures.FS, realChecks(t))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, f := range faults.All() {
		vars["fault_"+f.Key] = f.Model
	}
	n := 0
	for _, s := range c.Scenarios {
		if s.Fault == "" || s.Request.BodyFile != "chat-fault.json" {
			continue // the streaming variants send chat-fault-stream.json
		}
		n++
		if got := c.Needs(s); !slices.Equal(got, []string{"fault_" + s.Fault}) {
			t.Errorf("%s: Needs = %v, want [fault_%s]", s.ID, got, s.Fault)
		}
		body, err := c.Body(s, vars)
		want := `{"model": "` + vars["fault_"+s.Fault] + `", "messages": [{"role": "user", "content": "` + CanaryPrompt + `: say hello"}]}`
		if err != nil || string(body.Head()) != want {
			t.Errorf("%s: body %q (%v), want %q", s.ID, body.Head(), err, want)
		}
		if _, err := c.Body(s, nil); err == nil || !strings.Contains(err.Error(), "{{fault_"+s.Fault+"}}") {
			t.Errorf("%s: a missing fault model is reported as %v", s.ID, err)
		}
	}
	if n < 9 {
		t.Errorf("%d scenarios name a fault, want at least 9", n)
	}
}

func TestCredentials(t *testing.T) {
	cases := map[Credential]struct {
		value string
		send  bool
	}{
		"none":                 {"", false},
		"valid":                {"Bearer K", true},
		"invalid":              {"Bearer " + WrongKey, true},
		"bearer-without-token": {"Bearer", true},
		"empty":                {"", true},
		"key-without-scheme":   {"K", true},
		"lowercase-bearer":     {"bearer K", true},
		"zero-credit":          {"Bearer K", true},
	}
	for c, want := range cases {
		v, send := c.Authorization("K")
		if v != want.value || send != want.send {
			t.Errorf("%s: got (%q, %v), want (%q, %v)", c, v, send, want.value, want.send)
		}
	}
	if v, _ := Credential("basic").Authorization("K"); !strings.HasPrefix(v, "Basic ") || strings.Contains(v, "K") {
		t.Errorf("basic: %q", v)
	}
	for c, role := range map[Credential]string{"valid": profile.RoleValid, "rate-limited": profile.RoleRateLimited, "revoked": profile.RoleRevoked, "invalid": "", "none": ""} {
		if c.Role() != role {
			t.Errorf("%s needs role %q, want %q", c, c.Role(), role)
		}
	}
}
