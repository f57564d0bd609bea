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

// Every kind of mistake in a scenario file is refused with a message that says where and what: the
// schema's by the JSON pointer of the value and the scenario's id, the loader's own by the fields at fault.
func TestLoadRefusesABrokenScenarioSet(t *testing.T) {
	good := "- id: a\n  requirements: [AUTH-1]\n  request: {method: POST, path: /chat/completions, credential: none, body_file: b.json}\n  expect: {status: 401, type: authentication_error}\n"
	with := func(lines string) string { return strings.Replace(good, "id: a", "id: a\n  "+lines, 1) }
	canary := `body: '{"messages": [{"role": "user", "content": "` + CanaryPrompt + `"}]}'`
	const schema = `scenarios/x.yaml: against schemas/scenario.json: scenario "a": `
	cases := map[string]struct{ yaml, body, want string }{
		// What schemas/scenario.json owns: fields, types, values, required members.
		"unknown field":              {with("retries: 3"), "", schema + "/0: Additional property retries is not allowed"},
		"unknown field in request":   {strings.Replace(good, "credential: none", "credential: none, timeout: 2s", 1), "", schema + "/0/request: Additional property timeout is not allowed"},
		"unknown field in expect":    {strings.Replace(good, "status: 401", "status: 401, code: x", 1), "", schema + "/0/expect: Additional property code is not allowed"},
		"wrong type":                 {with("billable: yes please"), "", schema + `/0/billable: Invalid type. Expected: boolean, given: string (got "yes please")`},
		"status as a string":         {strings.Replace(good, "status: 401", `status: "401"`, 1), "", schema + `/0/expect/status: Invalid type. Expected: [integer,array], given: string (got "401")`},
		"status not an HTTP status":  {strings.Replace(good, "status: 401", "status: 4010", 1), "", schema + "/0/expect/status: Must be less than or equal to 599 (got 4010)"},
		"status list empty":          {strings.Replace(good, "status: 401", "status: []", 1), "", schema + "/0/expect/status: Array must have at least 1 items"},
		"no id":                      {strings.Replace(good, "id: a", "title: t", 1), "", "scenarios/x.yaml: against schemas/scenario.json: /0/id: id is required"},
		"no expect":                  {strings.Replace(good, "  expect: {status: 401, type: authentication_error}\n", "", 1), "", schema + "/0/expect: expect is required"},
		"no credential":              {strings.Replace(good, ", credential: none", "", 1), "", schema + "/0/request/credential: credential is required"},
		"no requirement named":       {strings.Replace(good, "[AUTH-1]", "[]", 1), "", schema + "/0/requirements: Array must have at least 1 items"},
		"bad method":                 {strings.Replace(good, "method: POST", "method: FETCH", 1), "", schema + `/0/request/method: 0.request.method must be one of the following: "GET", `},
		"unknown credential":         {strings.Replace(good, "credential: none", "credential: bearer", 1), "", schema + `/0/request/credential: 0.request.credential must be one of the following: "basic", `},
		"relative path":              {strings.Replace(good, "path: /chat", "path: chat", 1), "", schema + `/0/request/path: Does not match pattern '^/' (got "chat/completions")`},
		"unknown trigger":            {with("trigger: teapot"), "", schema + `/0/trigger: 0.trigger must be one of the following: "server_error", "unavailable" (got "teapot")`},
		"unknown fault":              {with("fault: teapot"), `{"model": "{{fault_model}}"}`, schema + `/0/fault: 0.fault must be one of the following: "status_500", `},
		"unknown fact":               {with("when: sometimes"), "", schema + `/0/when: 0.when must be one of the following: "models_public", "models_need_key" (got "sometimes")`},
		"unknown control":            {with("controls: {twin: {credential: valid}}"), "", schema + "/0/controls: Additional property twin is not allowed"},
		"unknown control credential": {with("controls: {proper: {credential: root}}"), "", schema + `/0/controls/proper/credential: 0.controls.proper.credential must be one of the following: "basic", `},
		"control changes the body":   {with("controls: {proper: {body: 'x'}}"), "", schema + "/0/controls/proper: Additional property body is not allowed"},
		"like names no control":      {strings.Replace(good, "status: 401, type: authentication_error", "like: twin", 1), "", schema + `/0/expect/like: 0.expect.like must be one of the following: "proper", `},
		"each pointer not a pointer": {strings.Replace(good, "status: 401, type: authentication_error", "status: 200, each: {pointer: data, schema: model-entry.json}", 1), "", schema + `/0/expect/each/pointer: Does not match pattern '^/' (got "data")`},
		"oversized bytes not a size": {strings.Replace(good, "body_file: b.json", "oversized_bytes: -1", 1), "", schema + "/0/request/oversized_bytes: Must be greater than or equal to 1 (got -1)"},
		"a file that is not a list":  {"id: a\n", "", "scenarios/x.yaml: against schemas/scenario.json: (document): Invalid type. Expected: array, given: object"},
		"the pointer names the id":   {good + strings.Replace(with("burst: 1"), "id: a", "id: b", 1), "", `scenario "b": /1/burst: Invalid type. Expected: boolean, given: integer (got 1)`},
		// What the loader checks after the schema: references, and rules between fields.
		"duplicate id":               {good + good, "", `scenarios/x.yaml: scenario "a" is already defined in scenarios/x.yaml`},
		"unknown requirement":        {strings.Replace(good, "AUTH-1", "AUTH-99", 1), "", "requirement AUTH-99 is not in REQUIREMENTS.md"},
		"unknown type requirement":   {with("type_requirements: [AUTH-98]"), "", "type_requirements AUTH-98 is not in REQUIREMENTS.md"},
		"unknown each requirement":   {strings.Replace(good, "status: 401, type: authentication_error", "status: 200, each: {pointer: /data, schema: model-entry.json, requirements: [MOD-97]}", 1), "", "expect.each requirement MOD-97 is not in REQUIREMENTS.md"},
		"missing body file":          {strings.Replace(good, "b.json", "nope.json", 1), "", `request.body_file "nope.json" is not in fixtures/bodies`},
		"unknown schema":             {strings.Replace(good, "type: authentication_error", "schema: nope.json", 1), "", `schema "nope.json" is not in schemas/`},
		"two body sources":           {strings.Replace(good, "body_file: b.json", "body_file: b.json, body: x", 1), "", "request has more than one of body, body_file and oversized_bytes"},
		"no status":                  {strings.Replace(good, "status: 401, ", "", 1), "", "expect.status is missing"},
		"like without the control":   {strings.Replace(good, "status: 401, type: authentication_error", "like: proper", 1), "", `expect.like names control "proper", which the scenario does not send`},
		"like and a status":          {strings.Replace(with("controls: {proper: {credential: valid}}"), "type: authentication_error", "like: proper", 1), "", "expect.like and expect.status do not combine"},
		"pairing only, yet a status": {strings.Replace(good, "type: authentication_error", "pairing_only: true", 1), "", "expect.pairing_only fixes no status or type"},
		"leak only, yet a status":    {strings.Replace(good, "type: authentication_error", "leak_only: true, no_upstream_leak: true", 1), "", "expect.leak_only fixes no status or type"},
		"stream error, yet a status": {strings.Replace(good, "type: authentication_error", "stream_error: upstream_error", 1), "", "expect.stream_error fixes the stream's end, not a status or type"},
		"streaming a success":        {strings.Replace(with("streaming: true"), "status: 401, type: authentication_error", "status: 200", 1), "", "streaming marks a request refused before the stream: it needs an error status"},
		"type on success":            {strings.Replace(good, "status: 401", "status: 200", 1), "", "expect.type is set but the expected status is not an error"},
		"status and not transient":   {strings.Replace(good, "status: 401,", "status: 401, not_transient: true,", 1), "", "expect.status and expect.not_transient do not combine"},
		"each model in a burst":      {with("each_model: true\n  burst: true"), "", "burst does not combine with each_model"},
		"recovers without burst":     {with("recovers: true"), "", "recovers needs burst"},
		"recovers without its twin":  {with("recovers: true\n  burst: true"), "", "recovers needs controls.unlimited"},
		"sdk retry on a 403":         {strings.Replace(with("sdk_retry: true"), "status: 401", "status: 403", 1), "", "sdk_retry needs one expected status"},
		"unknown placeholder":        {strings.Replace(good, "body_file: b.json", `body: '{{modle}}'`, 1), "", "unknown placeholder {{modle}}"},
		"each model, no model":       {with("each_model: true"), "", "each_model needs a body that uses {{model}}"},
		"canary written out":         {strings.Replace(good, "body_file: b.json", canary, 1), "", "scenarios/x.yaml: holds the canary prompt"},
		"canary in a comment":        {"# " + CanaryPrompt + "\n" + good, "", "scenarios/x.yaml: holds the canary prompt"},
		"canary spelt with escapes":  {strings.Replace(good, "body_file: b.json", `body: "`+strings.ReplaceAll(CanaryPrompt, " ", `\x20`)+`"`, 1), "", `request.body: holds the canary prompt`},
		"canary in a body file":      {good, `{"content": "` + CanaryPrompt + `: hi"}`, "bodies/b.json: holds the canary prompt"},
		"fault without its model":    {with("fault: reset"), "", "fault needs a body that uses {{fault_model}}"},
		"fault model without fault":  {good, `{"model": "{{fault_model}}"}`, "{{fault_model}} needs fault:"},
		"fault model named directly": {good, `{"model": "{{fault_reset}}"}`, "write {{fault_model}} and fault: reset, not {{fault_reset}}"},
		"fault model in a path":      {strings.Replace(with("fault: reset"), "path: /chat/completions", "path: '/models/{{fault_model}}'", 1), `{"model": "{{fault_model}}"}`, "{{fault_model}} is filled in a body only"},
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
