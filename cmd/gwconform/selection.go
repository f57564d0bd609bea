package main

import (
	"fmt"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/suite"
)

// labelFilter is a --label-filter parsed once: its text, which Ginkgo and the reports are given, and what it
// keeps, which every selection of the run asks.
type labelFilter struct {
	text string
	keep types.LabelFilter // nil without a filter: every spec is kept
}

// parseLabelFilter parses text as Ginkgo would, refusing what Ginkgo would refuse.
func parseLabelFilter(text string) (labelFilter, error) {
	if text == "" {
		return labelFilter{}, nil
	}
	keep, err := types.ParseLabelFilter(text)
	if err != nil {
		return labelFilter{}, fmt.Errorf("--label-filter %q is not a valid Ginkgo label filter (e.g. \"req:AUTH-1 || auth\")", text)
	}
	return labelFilter{text: text, keep: keep}, nil
}

// keeps says whether the filter keeps a spec of these labels.
func (f labelFilter) keeps(labels []string) bool { return f.keep == nil || f.keep(labels) }

// selection is what a --label-filter keeps of the plan: the specs that will run, and the scenarios they
// send. A run needs only what these need.
type selection struct {
	plan      *suite.Plan
	filter    labelFilter
	specs     []suite.Spec
	scenarios map[string]bool // by scenario id
}

func selectSpecs(plan *suite.Plan, filter labelFilter) selection {
	s := selection{plan: plan, filter: filter, scenarios: map[string]bool{}}
	for _, spec := range plan.Specs() {
		if filter.keeps(spec.Labels) {
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
