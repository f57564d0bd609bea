package suite

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/gwconform/gwconform/internal/scenario"
)

// defineScenario registers one container per scenario and one spec per check. The container's text is the
// request ("POST /v1/chat/completions without Authorization") and each spec's the answer it wants ("answers
// status 401"), so a full spec name reads as the requirement.
func defineScenario(t *target, sc scenario.Scenario) {
	Describe(sc.Name(), Label("scenario:"+sc.ID), func() {
		for _, c := range checksFor(sc) {
			It(c.name, Label(t.labels(c)...), func(ctx SpecContext) {
				s := t.send(ctx, sc)
				if s.skip != "" {
					Skip(s.skip)
				}
				e := evidence{sc: sc, exs: s.exs, sent: s.body, schemas: t.schemas, secrets: t.secrets(sc)}
				if err := c.run(e); err != nil {
					Fail(t.redactor.String(err.Error() + "\n\n" + e.transcripts()))
				}
			})
		}
	})
}

// labels are the requirement ids (req:AUTH-1), the level of the strictest decided requirement (must or
// should) and the requirement categories (auth, request, models, envelope), for --label-filter.
func (t *target) labels(c check) []string {
	level := "should"
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	for _, id := range c.reqs {
		if t.reqs[id].Level == "MUST" {
			level = "must"
		}
	}
	add(level)
	for _, id := range append(append([]string{}, c.reqs...), c.also...) {
		add("req:" + id)
		add(t.reqs[id].Category())
	}
	return out
}

// secrets are the values a scenario's answer must not echo: the valid key and the token it presented.
func (t *target) secrets(sc scenario.Scenario) []string {
	out := []string{t.apiKey}
	if v, ok := sc.Request.Credential.Authorization(t.apiKey); ok {
		_, token, found := strings.Cut(v, " ")
		if !found {
			token = v
		}
		out = append(out, token)
	}
	return out
}

func (e evidence) transcripts() string {
	var b strings.Builder
	for i, ex := range e.exs {
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
