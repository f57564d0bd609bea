package suite

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Spec is one spec as the plan lays it out, before any target is known.
type Spec struct {
	Scenario  string   // scenario id
	Container string   // the request: "POST /v1/chat/completions without Authorization"
	Leaf      string   // the answer it wants: "answers status 401"
	Labels    []string // scenario:ID, must|should, req:ID..., categories
	check     check
}

// Specs lists every spec of the plan, in catalogue order.
func (p *Plan) Specs() []Spec {
	var out []Spec
	for _, sc := range p.Scenarios.Scenarios {
		out = append(out, p.specsOf(sc)...)
	}
	return out
}

func (p *Plan) specsOf(sc scenario.Scenario) []Spec {
	var out []Spec
	for _, c := range checksFor(sc) {
		out = append(out, Spec{Scenario: sc.ID, Container: sc.Name(), Leaf: c.name, Labels: p.labels(sc, c), check: c})
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
				e := evidence{sc: sc, exs: got.exs, retries: got.retries, note: got.note, sent: got.body,
					schemas: t.Schemas, secrets: t.secrets(sc), upstreamTimeout: t.offers.UpstreamTimeout}
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
					// A failure carries the command that reproduces it by hand, $API_KEY in place of the key.
					if len(e.exs) > 0 {
						AddReportEntry("curl", t.redactor.String(curlLine(e.exs[0])))
					}
				}))
			})
		}
	})
}

// labels are the scenario, the level of the strictest requirement the check decides (must or should), the
// requirement ids (req:AUTH-1) and their categories (auth, request, models, envelope), for --label-filter.
func (p *Plan) labels(sc scenario.Scenario, c check) []string {
	level := "should"
	for _, id := range c.reqs {
		if p.Requirements[id].Level == "MUST" {
			level = "must"
		}
	}
	out := []string{"scenario:" + sc.ID, level}
	seen := map[string]bool{}
	for _, id := range append(append([]string{}, c.reqs...), c.also...) {
		for _, l := range []string{"req:" + id, p.Requirements[id].Category()} {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
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
	return fmt.Sprintf("%d %s", r.Status, describe(errorMember(r.Body, "type")))
}

func (e evidence) transcripts() string {
	var b strings.Builder
	for i, ex := range append(append([]*exchange.Exchange{}, e.exs...), e.retries...) {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(ex.Transcript(noRedaction{}))
	}
	return b.String()
}

// noRedaction leaves redaction to the caller, which redacts the whole failure message at once.
type noRedaction struct{}

func (noRedaction) String(s string) string { return s }
