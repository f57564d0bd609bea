package suite

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/gwconform/gwconform/internal/redact"
)

// honour is a Gomega matcher for "the evidence satisfies this check". Its failure message is the check's own
// reason, redacted, rather than Gomega's dump of an error value; the evidence goes in report entries. onFail
// runs when the check fails, before Gomega fails the spec: the moment to attach that evidence.
func honour(c check, r *redact.Redactor, onFail func()) types.GomegaMatcher {
	return &honourMatcher{check: c, redactor: r, onFail: onFail}
}

type honourMatcher struct {
	check    check
	redactor *redact.Redactor
	onFail   func()
	err      error
}

func (m *honourMatcher) Match(actual any) (bool, error) {
	e, ok := actual.(evidence)
	if !ok {
		return false, fmt.Errorf("honour matches suite evidence, not %T", actual)
	}
	m.err = m.check.run(e)
	if m.err != nil && m.onFail != nil {
		m.onFail()
	}
	return m.err == nil, nil
}

func (m *honourMatcher) FailureMessage(any) string {
	return m.redactor.String(m.err.Error())
}

func (m *honourMatcher) NegatedFailureMessage(any) string {
	return "the check passed, and was expected not to: " + m.check.name
}
