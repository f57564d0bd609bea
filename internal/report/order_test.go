package report

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// Ginkgo shuffles the scenarios on every run, so the same target's spec reports come in another order each
// time. The reports must not follow it: the first failed spec of a requirement, the deviations and every
// byte of report.json, summary.md and report.html are the same for the same results.
func TestReportsDoNotDependOnTheRunOrder(t *testing.T) {
	planned := []types.SpecReport{
		spec("POST /v1/chat/completions with a revoked key", "answers status 401", failed, must("AUTH-1"), message("answered 403, want 401"),
			entry("curl", "curl -sS -H 'Authorization: Bearer $GWC_REVOKED_KEY' http://gw/v1/chat/completions")),
		spec("POST /v1/chat/completions with a revoked key", "answers error.type authentication_error", failed, must("AUTH-1"), message("type permission_error")),
		spec("POST /v1/chat/completions with a bad parameter", "names temperature in error.param", failed, should("REQ-7"), inScenario("s2"), message("error.param is null"),
			entry("curl", "curl -sS -H 'Authorization: Bearer $API_KEY' http://gw/v1/chat/completions")),
		spec("POST /v1/chat/completions without Authorization", "answers status 401", failed, must("AUTH-1"), inScenario("s3"), message("answered 400, want 401")),
		spec("POST /v1/chat/completions with an unknown parameter", "names foo in error.param", failed, should("REQ-7"), inScenario("s4"), message("error.param is \"bar\"")),
		spec("GET /v1/models", "answers the envelope", passed, must("ENV-4"), inScenario("s5")),
	}
	in := inputsFor(report(planned...), contract(t)) // the plan lists the specs in this order
	render := func(specs []types.SpecReport) (*Result, map[string][]byte) {
		res := Build(report(specs...), in, Run{FailOn: "must"})
		out := map[string][]byte{}
		for name, write := range map[string]func(*bytes.Buffer) error{
			JSONFile:     func(b *bytes.Buffer) error { return res.WriteJSON(b) },
			MarkdownFile: func(b *bytes.Buffer) error { return res.WriteMarkdown(b) },
			HTMLFile:     func(b *bytes.Buffer) error { return res.WriteHTML(b) },
		} {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				t.Fatal(err)
			}
			out[name] = b.Bytes()
		}
		return res, out
	}
	want, wantFiles := render(planned)
	if s := requirement(t, want, "AUTH-1").FailingSpecs()[0]; s.Name != "POST /v1/chat/completions with a revoked key answers status 401" {
		t.Errorf("AUTH-1's first failed spec is %q: not the plan's first", s.Name)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 8 {
		ran := slices.Clone(planned)
		if round == 0 {
			slices.Reverse(ran)
		} else {
			rng.Shuffle(len(ran), func(i, j int) { ran[i], ran[j] = ran[j], ran[i] })
		}
		got, gotFiles := render(ran)
		for _, id := range []string{"AUTH-1", "REQ-7"} {
			w, g := requirement(t, want, id), requirement(t, got, id)
			if w.FailingSpecs()[0].Name != g.FailingSpecs()[0].Name || firstFailure(w).Name != firstFailure(g).Name {
				t.Errorf("round %d: %s's first failed spec is %q, in the plan's order %q", round, id, g.FailingSpecs()[0].Name, w.FailingSpecs()[0].Name)
			}
		}
		for name, b := range wantFiles {
			if !bytes.Equal(gotFiles[name], b) {
				t.Errorf("round %d: %s differs when Ginkgo ran the specs in another order", round, name)
			}
		}
	}
}
