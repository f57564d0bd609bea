package suite

import (
	"fmt"
	"net/http"

	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Negative is what --negative asks of a run: Count generated invalid bodies from Seed, or, with Replay, the
// one case of that index alone.
type Negative struct {
	Count  int
	Seed   uint64
	Replay bool
	Index  int // the case Replay makes
}

// On says the run sends generated bodies.
func (n Negative) On() bool { return n.Count > 0 || n.Replay }

// indexes are the cases the run makes.
func (n Negative) indexes() []int {
	if n.Replay {
		return []int{n.Index}
	}
	out := make([]int, n.Count)
	for i := range out {
		out[i] = i
	}
	return out
}

// MaxMinimised and MinimiseBudget bound what shrinking failures costs: at most MaxMinimised failures,
// each a different rule failing a different way, are shrunk, each with at most MinimiseBudget requests.
// A gateway that serves invalid bodies is billed for every one it serves, so the bound is also a cost.
const (
	MaxMinimised   = 4
	MinimiseBudget = 50
)

// NegativeRequests is how many requests n sends at most: one per case, and the shrinking of failures.
func NegativeRequests(n Negative) (cases, minimising int) {
	if !n.On() {
		return 0, 0
	}
	cases = len(n.indexes())
	return cases, min(cases, MaxMinimised) * MinimiseBudget
}

// ReplayFilter is the label filter that keeps only the replayed case's specs, within the run's own filter.
func ReplayFilter(n Negative, labelFilter string) string {
	f := "scenario:" + negativeID(n.Index)
	if labelFilter != "" {
		f = "(" + labelFilter + ") && " + f
	}
	return f
}

func negativeID(index int) string { return fmt.Sprintf("negative-%d", index) }

// negativeScenario is a generated case as a scenario: POST the body with the valid key, and expect 400
// invalid_request_error. Its own requirement is the one whose text states the broken rule; error.param is
// checked where one parameter is at fault.
func negativeScenario(c negative.Case) scenario.Scenario {
	body := string(c.Body.Encode())
	c.Body = nil // made again from its seed and index should it need shrinking
	return scenario.Scenario{
		ID:           negativeID(c.Index),
		Title:        fmt.Sprintf("with generated body %d of seed %d, where %s", c.Index, c.Seed, c.What),
		Requirements: []string{c.Rule.Owner},
		Request:      scenario.Request{Method: http.MethodPost, Path: "/chat/completions", Credential: "valid", Body: &body},
		// NEG-1's text says "400 with the envelope": of the rules it owns, ENV-1's evidence is its too.
		Expect: scenario.Expect{Status: scenario.Statuses{http.StatusBadRequest}, Type: "invalid_request_error", Param: c.Rule.Param,
			WithEnvelope: c.Rule.Owner == "NEG-1"},
		Generated: &scenario.Generated{Case: c},
	}
}

// MaySelectGenerated says whether keep selects a spec of any body n could generate, before discovery has
// chosen the model the bodies are made for: for every index, the specs of a body breaking each kind of rule
// are tried, a superset of what the model's own rules make.
func (p *Plan) MaySelectGenerated(n Negative, keep func(labels []string) bool) (bool, error) {
	if !n.On() {
		return false, nil
	}
	desc, err := negative.Describe()
	if err != nil {
		return false, fmt.Errorf("the request schema: %w", err)
	}
	type kind struct{ owner, param string }
	kinds := map[kind]negative.Rule{}
	for _, r := range negative.New(desc, scenario.Ref(scenario.ModelVar), nil).Rules() {
		kinds[kind{r.Owner, r.Param}] = r
	}
	for _, i := range n.indexes() {
		for _, r := range kinds {
			for _, s := range p.specsOf(negativeScenario(negative.Case{Seed: n.Seed, Index: i, Rule: r, Body: &negative.Node{}})) {
				if keep(s.Labels) {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// GeneratedBody is one body a run would generate, told before discovery: the rule it breaks and its specs.
type GeneratedBody struct {
	Rule  negative.Rule
	Specs []Spec
}

// GeneratedBodies are the bodies n generates for a model that lists every parameter, each with its specs:
// what can be told of them before discovery has chosen the run's model (a dry run, gwconform list). The
// run's model may list fewer parameters; its bodies then break only the rules of those it lists.
func (p *Plan) GeneratedBodies(n Negative) ([]GeneratedBody, error) {
	if !n.On() {
		return nil, nil
	}
	desc, err := negative.Describe()
	if err != nil {
		return nil, fmt.Errorf("the request schema: %w", err)
	}
	g := negative.New(desc, scenario.Ref(scenario.ModelVar), nil)
	var out []GeneratedBody
	for _, i := range n.indexes() {
		c := g.Case(n.Seed, i)
		out = append(out, GeneratedBody{Rule: c.Rule, Specs: p.specsOf(negativeScenario(c))})
	}
	return out, nil
}
