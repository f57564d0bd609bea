package report

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// gtT lets Ginkgo run inside a test without failing it: the report is what the test reads.
type gtT struct{}

func (gtT) Fail() {}

// TestRealGinkgoRun runs a small Ginkgo suite with a label filter and checks what Build makes of the report
// Ginkgo itself hands over: a spec the filter leaves out is not selected, a Skip is skipped with its reason.
func TestRealGinkgoRun(t *testing.T) {
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		t.Skip("Ginkgo runs a suite once per process: only with -count=1")
	}
	ginkgo.Describe("POST /v1/chat/completions without Authorization", func() {
		ginkgo.It("answers status 401", ginkgo.Label(must("AUTH-1")...), func() {})
		ginkgo.It("answers 401 before the body", ginkgo.Label(should("AUTH-4")...), func() {
			ginkgo.Skip("needs keys.revoked in the profile")
		})
		ginkgo.It("names temperature in error.param", ginkgo.Label(should("REQ-7")...), func() {
			ginkgo.Fail("error.param is null\n\nPOST /v1/chat/completions")
		})
	})
	var rep types.Report
	ginkgo.ReportAfterSuite("capture", func(r ginkgo.Report) { rep = r })
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = "!req:REQ-7"
	rc.Succinct, rc.SilenceSkips, rc.NoColor = true, true, true
	ginkgo.RunSpecs(gtT{}, "report", sc, rc)

	for _, s := range rep.SpecReports {
		t.Logf("%s: state %s attempts %d failure zero %v message %q", s.LeafNodeText, s.State, s.NumAttempts, s.Failure.IsZero(), s.Failure.Message)
	}
	res := build(rep, contract(t), Run{FailOn: "must"}) // the filter is read from the report's SuiteConfig
	want := map[string]Outcome{"AUTH-1": OutcomePass, "AUTH-4": OutcomeSkipped, "REQ-7": OutcomeNotSelected, "CLIENT-1": OutcomeNotCovered}
	for id, o := range want {
		if q := requirement(t, res, id); q.Outcome != o {
			t.Errorf("%s: %s %q, want %s", id, q.Outcome, q.Reasons, o)
		}
	}
	if q := requirement(t, res, "AUTH-4"); len(q.Reasons) != 1 || q.Reasons[0] != "needs keys.revoked in the profile" {
		t.Errorf("AUTH-4 reasons %q", q.Reasons)
	}
	if res.Verdict != VerdictConformant || res.Counts.Specs.NotSelected != 1 {
		t.Errorf("verdict %s, %d not selected: %s", res.Verdict, res.Counts.Specs.NotSelected, res.Summary)
	}

	// One name for what the filter left out: not_selected in report.json, "not selected" where a person reads.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if js := string(b); !strings.Contains(js, `"outcome":"not_selected"`) || !strings.Contains(js, `"state":"not_selected"`) ||
		!strings.Contains(js, `"not_selected":1`) || strings.Contains(js, "disabled") {
		t.Errorf("report.json does not name the left-out spec not_selected everywhere:\n%s", js)
	}
	var md, html strings.Builder
	if err := res.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	// report.html's CSS classes keep the value; its text says the words.
	if md, html := md.String(), html.String(); !strings.Contains(md, "not selected") || strings.Contains(md, "not_selected") ||
		!strings.Contains(html, "not selected") || strings.Contains(md+html, "disabled") {
		t.Errorf("summary.md or report.html does not name the left-out spec \"not selected\"")
	}
}
