package report

import (
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// inScenario moves a fixture's spec from scenario s1, which labels() gives every spec, to another exchange.
func inScenario(id string) specOpt {
	return func(s *types.SpecReport) {
		for i, l := range s.LeafNodeLabels {
			if strings.HasPrefix(l, "scenario:") {
				s.LeafNodeLabels[i] = "scenario:" + id
			}
		}
	}
}
