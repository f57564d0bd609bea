package suite

import (
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/scenario"
)

// negativeEntry says, for a failure of a generated body, which case it is, what smaller body fails the
// same way, and the command that replays the case alone.
func (t *Target) negativeEntry(sc scenario.Scenario, s *sent) string {
	c := sc.Generated.Case
	var b strings.Builder
	fmt.Fprintf(&b, "generated body %d of seed %d breaks one rule, %s: %s\n", c.Index, c.Seed, c.Rule.Owner+"'s", c.What)
	switch sh := s.shrunk; {
	case sh == nil:
		b.WriteString("not minimised: its status, error.type and error.param are what the contract wants; only the envelope failed\n")
	case sh.sameAs >= 0:
		fmt.Fprintf(&b, "not minimised: generated body %d breaks the same rule and gets the same answer (%s); its report shows the smallest body\n", sh.sameAs, sh.symptom)
	case sh.over:
		fmt.Fprintf(&b, "not minimised: a run minimises at most %d failures, the first of each rule and answer, the worst answers first\n", MaxMinimised)
	case sh.body == nil:
		fmt.Fprintf(&b, "not minimised: the run stopped first\n")
	case sh.tried == 0:
		fmt.Fprintf(&b, "already minimal: no smaller body breaks the same rule (%s):\n%s\n", sh.symptom, negative.Display(sh.body))
	default:
		fmt.Fprintf(&b, "minimised with %s to the smallest body found that gets the same answer (%s):\n%s\n", report.Plural(sh.tried, "request"), sh.symptom, negative.Display(sh.body))
	}
	b.WriteString("replay: " + t.replay(c.Seed, c.Index))
	return b.String()
}

func (t *Target) replay(seed uint64, index int) string {
	if t.replayCommand != nil {
		return t.replayCommand(seed, index)
	}
	return fmt.Sprintf("gwconform run --negative-replay %d:%d (with this run's other flags)", seed, index)
}
