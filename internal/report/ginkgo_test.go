package report

import (
	"flag"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// gtT lets Ginkgo run inside a test without failing it: the report is what the test reads.
type gtT struct{}

func (gtT) Fail() {}

// TestRealGinkgoRun runs a small Ginkgo suite with a label filter and checks what Build makes of the report
// Ginkgo itself hands over: a spec the filter leaves out is disabled, a Skip is skipped with its reason.
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
	want := map[string]Outcome{"AUTH-1": OutcomePass, "AUTH-4": OutcomeSkipped, "REQ-7": OutcomeDisabled, "CLIENT-1": OutcomeNotCovered}
	for id, o := range want {
		if q := requirement(t, res, id); q.Outcome != o {
			t.Errorf("%s: %s %q, want %s", id, q.Outcome, q.Reasons, o)
		}
	}
	if q := requirement(t, res, "AUTH-4"); len(q.Reasons) != 1 || q.Reasons[0] != "needs keys.revoked in the profile" {
		t.Errorf("AUTH-4 reasons %q", q.Reasons)
	}
	if res.Verdict != VerdictConformant || res.Counts.Specs.Disabled != 1 {
		t.Errorf("verdict %s, %d disabled: %s", res.Verdict, res.Counts.Specs.Disabled, res.Summary)
	}
}
