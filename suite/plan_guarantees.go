package suite

import (
	"fmt"

	"github.com/gwconform/gwconform/internal/report"
)

// Guarantees are the requirements that bind the suite rather than the target, each proven by the run of
// itself: ENV-6, the schemas accept extra members. They are reported apart and never charged to a target.
func (p *Plan) Guarantees() []report.Guarantee {
	q := p.Requirements["ENV-6"]
	g := report.Guarantee{ID: q.ID, Level: string(q.Level), Text: q.Text, Holds: true,
		Proof: fmt.Sprintf("every one of the suite's error schemas accepted an envelope with extra members inside error and at the top level (%d schemas)", len(p.Schemas.ErrorSchemas()))}
	if err := p.Schemas.AcceptsExtraMembers(); err != nil {
		g.Holds, g.Proof = false, err.Error()
	}
	return []report.Guarantee{g}
}
