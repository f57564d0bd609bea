package suite

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Spec is one spec as the plan lays it out, before any target is known. Its charges and level are typed
// fields; the Ginkgo labels --label-filter selects on are generated from them, in Labels, and nothing
// parses them back.
type Spec struct {
	Scenario  string // scenario id
	Container string // the request: "POST /v1/chat/completions without Authorization"
	Leaf      string // the answer it wants: "answers status 401"
	// Charges are the requirements a failure of the spec is charged to, and no other.
	Charges []string
	// Level is "must" when a charged requirement is a MUST, else "should".
	Level  string
	Labels []string // scenario:ID, must|should, req:ID..., categories
	check  check
}

// Name is the spec's full name, as Ginkgo, the reports and --known-failing spell it.
func (s Spec) Name() string { return s.Container + " " + s.Leaf }

// Info is what the reports need to know of the spec.
func (s Spec) Info() report.SpecInfo {
	return report.SpecInfo{Scenario: s.Scenario, Level: s.Level, Requirements: s.Charges}
}

// Specs lists every spec of the plan, in catalogue order.
func (p *Plan) Specs() []Spec {
	var out []Spec
	for _, sc := range p.Scenarios.Scenarios {
		out = append(out, p.specsOf(sc)...)
	}
	return out
}

// SpecInfo is every spec's report information, by full name.
func (p *Plan) SpecInfo() map[string]report.SpecInfo {
	out := map[string]report.SpecInfo{}
	for _, s := range p.Specs() {
		out[s.Name()] = s.Info()
	}
	return out
}

func (p *Plan) specsOf(sc scenario.Scenario) []Spec {
	var out []Spec
	for _, c := range checksFor(sc) {
		s := Spec{Scenario: sc.ID, Container: sc.Name(), Leaf: c.name, Charges: c.charges, Level: p.level(c.charges), check: c}
		s.Labels = p.labels(s)
		out = append(out, s)
	}
	return out
}

func (p *Plan) level(charges []string) string {
	for _, id := range charges {
		if p.Requirements[id].Level == requirements.Must {
			return "must"
		}
	}
	return "should"
}

// labels are the one place Ginkgo labels are made: the scenario, the level, the charged requirement ids
// (req:AUTH-1) and their categories (auth, request, models, envelope), for --label-filter.
func (p *Plan) labels(s Spec) []string {
	out := []string{"scenario:" + s.Scenario, s.Level}
	seen := map[string]bool{}
	for _, id := range s.Charges {
		for _, l := range []string{"req:" + id, p.Requirements[id].Category()} {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// defineScenario registers one container per scenario and one spec per check, so a full spec name reads as
// the requirement: "POST /v1/chat/completions without Authorization answers status 401".
func defineScenario(t *target, sc scenario.Scenario, specs []Spec) {
	Describe(sc.Name(), func() {
		for i, s := range specs {
			It(s.Leaf, Label(s.Labels...), func(ctx SpecContext) {
				got := t.send(ctx, sc)
				if got.skip != "" {
					Skip(got.skip)
				}
				e := evidence{sc: sc, exs: got.exs, repeats: got.repeats, controls: got.controls, retries: got.retries,
					note: got.note, sent: got.body, schemas: t.Schemas, secrets: t.secrets(sc), upstreamTimeout: t.offers.UpstreamTimeout}
				if s.check.applies != nil {
					if why := s.check.applies(e); why != "" {
						Skip(why)
					}
				}
				if i == 0 {
					// The contract leaves 403/429/500/503 types open: what the target chose is reported (INFO).
					AddReportEntry("answer", observed(e), ReportEntryVisibilityFailureOrVerbose)
				}
				Expect(e).To(honour(s.check, t.redactor, func() {
					// A failure carries the exchanges and the command that reproduces it by hand, each key
					// shown as the variable that holds it.
					AddReportEntry("transcript", t.redactor.String(e.transcripts()), ReportEntryVisibilityFailureOrVerbose)
					if len(e.exs) > 0 {
						AddReportEntry("curl", t.redactor.String(curlLine(e.exs[0])), ReportEntryVisibilityNever)
					}
				}))
			})
		}
	})
}

// secrets are the values a scenario's answer must not echo: the valid key and the token it presented.
func (t *target) secrets(sc scenario.Scenario) []string {
	var out []string
	for _, k := range t.keys {
		out = append(out, k)
	}
	for _, values := range t.headers {
		out = append(out, values...)
	}
	if v, ok := sc.Request.Credential.Authorization(t.keys[sc.Request.Credential.Role()]); ok {
		_, token, found := strings.Cut(v, " ")
		if !found {
			token = v
		}
		out = append(out, token)
	}
	return out
}

// observed is the first answer's status and error.type, as a line of the report.
func observed(e evidence) string {
	r, err := e.answer()
	if err != nil {
		return err.Error()
	}
	if !hasErrorObject(r) {
		return fmt.Sprintf("%d, no error object", r.Status)
	}
	return fmt.Sprintf("%d, error.type %s", r.Status, describeMember(r, "type"))
}

// transcripts are every exchange of the scenario, each headed by its part: the answer judged, the same
// request sent again, a twin, a retry.
func (e evidence) transcripts() string {
	var b strings.Builder
	add := func(head string, ex *exchange.Exchange) {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if head != "" {
			b.WriteString("# " + head + "\n")
		}
		b.WriteString(ex.Transcript(noRedaction{}))
	}
	for _, ex := range e.exs {
		add("", ex)
	}
	for _, ex := range e.repeats {
		add("sent again (REQ-10)", ex)
	}
	for _, name := range scenario.ControlNames {
		if ex, ok := e.controls[name]; ok {
			add("the "+name+" twin", ex)
		}
	}
	for i, ex := range e.retries {
		add(fmt.Sprintf("retry %d", i+1), ex)
	}
	return b.String()
}

// noRedaction leaves redaction to the caller, which redacts the whole text at once.
type noRedaction struct{}

func (noRedaction) String(s string) string { return s }
