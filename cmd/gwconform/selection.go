package main

import (
	"github.com/gwconform/gwconform/suite"
)

// selection is what a --label-filter keeps of the plan: the specs that will run, and the scenarios they
// send. A run needs only what these need.
type selection struct {
	plan        *suite.Plan
	labelFilter string
	specs       []suite.Spec
	scenarios   map[string]bool // by scenario id
}

func selectSpecs(plan *suite.Plan, labelFilter string) selection {
	keep := labelFilterOf(labelFilter)
	s := selection{plan: plan, labelFilter: labelFilter, scenarios: map[string]bool{}}
	for _, spec := range plan.Specs() {
		if keep(spec.Labels) {
			s.specs = append(s.specs, spec)
			s.scenarios[spec.Scenario] = true
		}
	}
	return s
}

// needsRole says whether a selected scenario sends the key of role: a profile key no selected spec uses
// need not be set.
func (s selection) needsRole(role string) bool {
	for _, sc := range s.plan.Scenarios.Scenarios {
		if s.scenarios[sc.ID] && sc.Request.Credential.Role() == role {
			return true
		}
	}
	return false
}

// specsOf are the selected specs of one scenario, in the plan's order.
func (s selection) specsOf(scenario string) []suite.Spec {
	var out []suite.Spec
	for _, spec := range s.specs {
		if spec.Scenario == scenario {
			out = append(out, spec)
		}
	}
	return out
}
