package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

type verdict struct {
	code    int
	summary string
}

// judge reads the run's report: a failed MUST spec is non-conformance (exit 1); a failed SHOULD spec is a
// warning unless failOn is "should"; a spec that panicked or was interrupted is the harness's fault, not the
// target's (exit 2), because no verdict can be trusted then.
func judge(r types.Report, failOn string) verdict {
	var must, should, harness, passed, skipped int
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				harness++
			}
			continue
		}
		labels := s.Labels()
		switch {
		case s.State == types.SpecStatePassed:
			passed++
		case s.State.Is(types.SpecStateSkipped | types.SpecStatePending):
			skipped++
		case s.State == types.SpecStateFailed && slices.Contains(labels, "must"):
			must++
		case s.State == types.SpecStateFailed:
			should++
		default:
			harness++
		}
	}
	counts := fmt.Sprintf("%d passed, %d failed, %d skipped", passed, must+should, skipped)
	switch {
	case harness > 0:
		return verdict{exitUsage, fmt.Sprintf("harness error: %d spec(s) panicked, timed out or were interrupted; no verdict (%s)", harness, counts)}
	case must > 0:
		return verdict{exitFailed, fmt.Sprintf("NON-CONFORMANT: %d MUST and %d SHOULD spec(s) failed (%s)", must, should, counts)}
	case should > 0 && failOn == "should":
		return verdict{exitFailed, fmt.Sprintf("NON-CONFORMANT with --fail-on should: %d SHOULD spec(s) failed (%s)", should, counts)}
	case should > 0:
		return verdict{exitConformant, fmt.Sprintf("CONFORMANT WITH WARNINGS: %d SHOULD spec(s) failed (%s)", should, counts)}
	case !r.SuiteSucceeded && passed == 0:
		return verdict{exitUsage, "harness error: the suite did not run: " + strings.Join(r.SpecialSuiteFailureReasons, "; ")}
	}
	return verdict{exitConformant, "CONFORMANT (" + counts + ")"}
}
