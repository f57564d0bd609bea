package suite

import (
	"fmt"

	"github.com/gwconform/gwconform/fixtures"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// Plan is what the suite is built from: the requirement list, the schemas and the scenarios, loaded and
// checked against each other. It knows no target.
type Plan struct {
	Scenarios    *scenario.Set
	Requirements requirements.List
	// ContractVersion is the version the contract states, read with its requirements.
	ContractVersion string
	Schemas         *validate.Set
}

// LoadPlan loads the embedded plan; a fixture that names an unknown requirement or schema is an error here.
func LoadPlan() (*Plan, error) {
	contract, err := requirements.EmbeddedContract()
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	reqs := contract.Requirements
	schemas, err := validate.Load()
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	known := map[string]bool{}
	for _, n := range schemas.Names() {
		known[n] = true
	}
	scenarios, err := scenario.Load(fixtures.FS, scenario.Checks{
		Requirement: func(id string) bool { _, ok := reqs[id]; return ok },
		Schema:      func(n string) bool { return known[n] },
	})
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return &Plan{Scenarios: scenarios, Requirements: reqs, ContractVersion: contract.Version, Schemas: schemas}, nil
}

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

// Specs lists every spec of the plan, in the scenarios' order.
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
	for i, s := range p.Specs() {
		info := s.Info()
		info.Order = i
		out[s.Name()] = info
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
