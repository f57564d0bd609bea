package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/validate"
	"github.com/gwconform/gwconform/schemas"
)

// reportSchema is the published shape of report.json (schemas/report.json), as Gateway API publishes its
// report type: what a program reading the report may rely on.
const reportSchema = "report.json"

// Every report.json the writer can make matches the published schema: a failed run, one with a blocked
// requirement and a known failure, a stopped run and an empty one.
func TestReportJSONMatchesItsPublishedSchema(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := contract(t)
	blocked := report(spec("POST /v1/chat/completions without Authorization", "answers error.type authentication_error", types.SpecStateSkipped, must("AUTH-1"), blockedBy("ENV-3", "no error.type"), message("blocked by ENV-3: 1 answer has no error.type")))
	known := report(spec("POST /v1/chat/completions with truncated JSON", "answers status 400", types.SpecStateFailed, must("REQ-1"), message("answered 500, want 400")))
	for name, res := range map[string]*Result{
		"failed":        failedRun(t),
		"blocked":       build(blocked, c, Run{Target: "http://gw/v1", FailOn: "must"}),
		"known failure": buildKnown(known, c, Run{Target: "http://gw/v1", FailOn: "should"}, "POST /v1/chat/completions with truncated JSON answers status 400"),
		"stopped":       build(report(), c, Run{Target: "http://gw/v1", FailOn: "must", Stopped: "interrupted by Ctrl-C or SIGTERM"}),
		"empty":         build(report(), c, Run{FailOn: "must"}),
	} {
		var b bytes.Buffer
		if err := res.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		vs, err := set.Validate(reportSchema, b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("%s: report.json breaks schemas/report.json: %s", name, v)
		}
	}
}

// The schema's enums and version are the code's: a verdict, an outcome or a schema_version the code has is
// one the schema has, and no other.
func TestTheReportSchemaIsTheCodes(t *testing.T) {
	b, err := schemas.FS.ReadFile(reportSchema)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			SchemaVersion struct {
				Const int `json:"const"`
			} `json:"schema_version"`
		} `json:"properties"`
		Definitions map[string]struct {
			Enum []string `json:"enum"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Properties.SchemaVersion.Const != SchemaVersion {
		t.Errorf("schemas/report.json is schema_version %d, the code writes %d", s.Properties.SchemaVersion.Const, SchemaVersion)
	}
	var verdicts, outcomes []string
	for _, v := range Verdicts {
		verdicts = append(verdicts, string(v))
	}
	for _, o := range Outcomes {
		outcomes = append(outcomes, string(o))
	}
	for name, code := range map[string][]string{"verdict": verdicts, "outcome": outcomes} {
		if got := s.Definitions[name].Enum; !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(code))) {
			t.Errorf("schemas/report.json's %s enum is %v, the code's %v", name, got, code)
		}
	}
}
