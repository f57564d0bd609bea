package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func TestFindings(t *testing.T) {
	const tr = "POST /v1/chat/completions HTTP/1.1\n\nHTTP/1.1 200 OK"
	for _, tc := range []struct {
		name      string
		specs     []types.SpecReport
		known     string // a spec name listed in --known-failing
		scenarios []string
		levels    []string
		summary   string // the summary's start
		// of the first finding
		requirements []string
		reasons      int
		transcript   string
	}{
		{name: "one scenario's failed specs are one finding, whatever requirements they are charged to",
			specs: []types.SpecReport{
				spec("POST x", "answers the envelope", failed, must("ENV-4"), entry("curl", "curl -sS http://gw/x")),
				spec("POST x", "answers status 401", failed, must("AUTH-1"), entry("transcript", tr)),
				spec("POST x", "answers error.type authentication_error", failed, must("AUTH-1"), entry("transcript", tr+"\nlater")),
				spec("POST x", "answers application/json", passed, must("ENV-4")),
				spec("POST y", "names temperature in error.param", failed, should("REQ-7"), inScenario("s2"), entry("transcript", "other")),
			},
			scenarios: []string{"s1", "s2"}, levels: []string{"must", "should"}, summary: "NON-CONFORMANT: 2 deviations (4 failed specs), ",
			requirements: []string{"AUTH-1", "ENV-4"}, reasons: 3, transcript: tr},
		{name: "a known failure is not a finding", known: "POST x answers status 401",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1"), entry("transcript", tr)),
				spec("POST y", "names temperature in error.param", failed, should("REQ-7"), inScenario("s2")),
			},
			scenarios: []string{"s2"}, levels: []string{"should"}, summary: "CONFORMANT WITH WARNINGS: 1 deviation (1 failed spec), ",
			requirements: []string{"REQ-7"}, reasons: 1},
		{name: "a known failure beside a failure of its scenario is left out of the finding", known: "POST x answers status 401",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1"), entry("transcript", "known")),
				spec("POST x", "answers the envelope", failed, should("AUTH-4"), entry("transcript", tr)),
			},
			scenarios: []string{"s1"}, levels: []string{"should"}, summary: "CONFORMANT WITH WARNINGS: 1 deviation (1 failed spec), ",
			requirements: []string{"AUTH-4"}, reasons: 1, transcript: tr},
		{name: "only known failures: no finding", known: "POST x answers status 401",
			specs:     []types.SpecReport{spec("POST x", "answers status 401", failed, must("AUTH-1"))},
			scenarios: []string{}, summary: "CONFORMANT ("},
		{name: "a must finding comes before a should one found earlier",
			specs: []types.SpecReport{
				spec("POST y", "names temperature in error.param", failed, should("REQ-7"), inScenario("s2")),
				spec("POST x", "answers 401 before the body", failed, should("AUTH-4")),
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
			},
			scenarios: []string{"s1", "s2"}, levels: []string{"must", "should"}, summary: "NON-CONFORMANT: 2 deviations (3 failed specs), ",
			requirements: []string{"AUTH-1", "AUTH-4"}, reasons: 2},
		{name: "findings of one level keep the order their scenarios first ran in",
			specs: []types.SpecReport{
				spec("POST y", "answers the envelope", passed, must("ENV-4"), inScenario("s2")),
				spec("POST x", "answers status 401", failed, must("AUTH-1")),
				spec("POST y", "answers status 401", failed, must("AUTH-1"), inScenario("s2")),
			},
			scenarios: []string{"s2", "s1"}, levels: []string{"must", "must"}, summary: "NON-CONFORMANT: 2 deviations (2 failed specs), ",
			requirements: []string{"AUTH-1"}, reasons: 1},
		{name: "failed specs without a scenario are a finding each",
			specs: []types.SpecReport{
				spec("POST x", "answers status 401", failed, must("AUTH-1"), inScenario("")),
				spec("POST x", "answers the envelope", failed, must("ENV-4"), inScenario("")),
			},
			scenarios: []string{"", ""}, levels: []string{"must", "must"}, summary: "NON-CONFORMANT: 2 deviations (2 failed specs), ",
			requirements: []string{"AUTH-1"}, reasons: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := buildKnown(report(tc.specs...), contract(t), Run{FailOn: "must"}, tc.known)
			var scenarios, levels []string
			for _, f := range res.Findings {
				scenarios, levels = append(scenarios, f.Scenario), append(levels, f.Level)
			}
			if !slices.Equal(scenarios, tc.scenarios) || (tc.levels != nil && !slices.Equal(levels, tc.levels)) {
				t.Fatalf("findings of scenarios %q, levels %q; want %q, %q", scenarios, levels, tc.scenarios, tc.levels)
			}
			if !strings.HasPrefix(res.Summary, tc.summary) {
				t.Errorf("summary %q, want it to start %q", res.Summary, tc.summary)
			}
			if len(res.Findings) == 0 {
				return
			}
			f := res.Findings[0]
			if !slices.Equal(f.Requirements, tc.requirements) {
				t.Errorf("requirements %q, want %q", f.Requirements, tc.requirements)
			}
			if len(f.Reasons) != tc.reasons {
				t.Errorf("%d reasons, want %d: %+v", len(f.Reasons), tc.reasons, f.Reasons)
			}
			if f.Transcript != tc.transcript {
				t.Errorf("transcript %q, want %q", f.Transcript, tc.transcript)
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	res := build(report(
		spec("POST x", "answers status 401", failed, must("AUTH-1"), message("answered 200")),
		spec("POST x", "answers the envelope", failed, should("REQ-7", "ENV-4"), message("no error object"),
			entry("transcript", "GET /"), entry("curl", `curl -H "Authorization: Bearer $API_KEY"`)),
	), contract(t), Run{FailOn: "must"})
	if len(res.Findings) != 1 {
		t.Fatalf("%d findings, want 1", len(res.Findings))
	}
	f := res.Findings[0]
	if f.Title != "POST x" || f.Scenario != "s1" || f.Level != "must" {
		t.Errorf("title %q scenario %q level %q", f.Title, f.Scenario, f.Level)
	}
	want := []FindingReason{
		{Spec: "answers status 401", Requirements: []string{"AUTH-1"}, Reason: "answered 200"},
		{Spec: "answers the envelope", Requirements: []string{"REQ-7", "ENV-4"}, Reason: "no error object"},
	}
	if !slices.EqualFunc(f.Reasons, want, func(a, b FindingReason) bool {
		return a.Spec == b.Spec && a.Reason == b.Reason && slices.Equal(a.Requirements, b.Requirements)
	}) {
		t.Errorf("reasons %+v,\n want %+v", f.Reasons, want)
	}
	if f.Transcript != "GET /" || f.Curl != `curl -H "Authorization: Bearer $API_KEY"` || !slices.Equal(f.Variables, []string{"API_KEY"}) {
		t.Errorf("transcript %q curl %q variables %q", f.Transcript, f.Curl, f.Variables)
	}
}

// A finding shows its exchange once, however many of its specs failed and requirements they are charged to;
// a known failure of the same exchange refers to it.
func TestFindingTranscriptOnce(t *testing.T) {
	const tr = "POST /v1/chat/completions HTTP/1.1\nAuthorization: Bearer $API_KEY\n\nHTTP/1.1 500 Internal Server Error\nContent-Type: text/plain\n\nupstream exploded"
	const curl = `curl -sS -i -X POST 'http://gw/v1/chat/completions' -H "Authorization: Bearer $API_KEY" -H "X-A: $GWC_HEADER_X_A"`
	reproduce := []specOpt{entry("transcript", tr), entry("curl", curl)}
	res := buildKnown(report(
		spec("POST x", "answers status 401", failed, must("AUTH-1"), reproduce...),
		spec("POST x", "answers the envelope", failed, must("ENV-4"), reproduce...),
		spec("POST x", "answers error.type authentication_error", failed, must("AUTH-1"), reproduce...),
		spec("POST x", "answers 401 before the body", failed, should("AUTH-4"), reproduce...),
	), contract(t), Run{FailOn: "must"}, "POST x answers 401 before the body")
	if len(res.Findings) != 1 || len(res.Findings[0].Reasons) != 3 {
		t.Fatalf("findings %+v, want one of 3 specs", res.Findings)
	}
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer) error
		also  []string // each exactly once too
	}{
		{file: "report.html", write: func(b *bytes.Buffer) error { return res.WriteHTML(b) }},
		{file: "summary.md", write: func(b *bytes.Buffer) error { return res.WriteMarkdown(b) },
			also: []string{curl, "export API_KEY=…\nexport GWC_HEADER_X_A=…\n" + curl}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			if err := balanced(b.String()); tc.file == "report.html" && err != nil {
				t.Errorf("unbalanced HTML: %v", err)
			}
			for _, want := range append([]string{tr}, tc.also...) {
				if n := strings.Count(b.String(), want); n != 1 {
					t.Errorf("%s holds %q %d times, want once:\n%s", tc.file, want, n, b.String())
				}
			}
		})
	}
}

func TestCurlVariables(t *testing.T) {
	for _, tc := range []struct {
		curl string
		want []string
	}{
		{curl: `curl -sS -X POST 'http://gw/v1/chat/completions' \` + "\n" + `  -H "X-A: "$GWC_HEADER_X_A"" \` + "\n" + `  -H "Authorization: Bearer $API_KEY"`,
			want: []string{"API_KEY", "GWC_HEADER_X_A"}},
		{curl: `curl -H "Authorization: Bearer $API_KEY" -H "X-Key: ${API_KEY}" -H "X-B: $B$A"`, want: []string{"A", "API_KEY", "B"}},
		{curl: `curl -d "{\"price\":\"\$HOME\"}" -d "$1" -d "$" -d "${UNCLOSED"`, want: []string{}},
		{curl: "", want: []string{}},
	} {
		if got := curlVariables(tc.curl); !slices.Equal(got, tc.want) || got == nil {
			t.Errorf("curlVariables(%q) = %#v, want %#v", tc.curl, got, tc.want)
		}
	}
}
