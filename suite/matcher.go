package suite

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/gwconform/gwconform/internal/redact"
)

// honour is a Gomega matcher for "the evidence satisfies this check". Its failure message is the check's own
// reason and the exchanges' transcripts, redacted, rather than Gomega's dump of an error value.
func honour(c check, r *redact.Redactor) types.GomegaMatcher {
	return &honourMatcher{check: c, redactor: r}
}

type honourMatcher struct {
	check    check
	redactor *redact.Redactor
	err      error
}

func (m *honourMatcher) Match(actual any) (bool, error) {
	e, ok := actual.(evidence)
	if !ok {
		return false, fmt.Errorf("honour matches suite evidence, not %T", actual)
	}
	m.err = m.check.run(e)
	return m.err == nil, nil
}

func (m *honourMatcher) FailureMessage(actual any) string {
	e, _ := actual.(evidence)
	return m.redactor.String(m.err.Error() + "\n\n" + e.transcripts())
}

func (m *honourMatcher) NegatedFailureMessage(any) string {
	return "the check passed, and was expected not to: " + m.check.name
}
