package suite

import (
	"fmt"
	"slices"

	"github.com/gwconform/gwconform/internal/scenario"
)

// negativeChecks judge a generated body as the hand-written scenario of its broken rule's owner is judged:
// the owner (the REQ requirement whose text states the rule: REQ-3 a missing member, REQ-4 a wrong type,
// REQ-5 a value out of range) decides the status and the error.type, so the same answer is charged the
// same whether the body was written by hand or generated. NEG-1 is charged in addition for what its text
// states of every generated body: no 5xx, no 2xx, no dropped connection. Of the rules no REQ text states
// (encoding, duplicate members, nesting) NEG-1 is the owner, and "400 with the envelope" is its own. The
// envelope is ENV-1's, the members ENV-2..4's, error.param REQ-7's, as everywhere.
func negativeChecks(sc scenario.Scenario) []check {
	cs := []check{{name: "answers status 400", rule: chargeStatus, run: checkStatus, judgesSilence: true}}
	if !ownedByNEG1(sc) {
		cs = append(cs,
			check{name: "answers neither a 5xx, nor a 2xx, nor a dropped connection", rule: chargeHeldTogether, run: checkHeldTogether, judgesSilence: true},
			check{name: "answers error.type " + sc.Expect.Type, rule: chargeType, run: checkType, applies: typeToJudge, reads: readsErrorType})
	}
	if p := sc.Expect.Param; p != "" {
		cs = append(cs, check{name: "names " + p + " in error.param", rule: chargeParam, run: checkParam, applies: all(expectedStatus, errorAnswered), reads: readsErrorObject})
	}
	if refusedByTheGateway(sc) {
		// As its hand-written twin is; a generated body carries no nonce (its bytes are the seed's alone), so
		// only the upstream's marker on the answer can tell.
		cs = append(cs, check{name: "is refused by the gateway itself, never forwarded to the upstream", rule: chargeForwarded, run: checkNotForwarded, applies: witnessed})
	}
	return append(cs, envelopeChecks()...)
}

// ownedByNEG1 says the body breaks a rule no REQ text states: NEG-1 alone owns it, its status and its
// envelope ("400 with the envelope").
func ownedByNEG1(sc scenario.Scenario) bool { return slices.Equal(sc.Requirements, []string{"NEG-1"}) }

// checkHeldTogether is what NEG-1 states of every generated body, whichever requirement owns its rule.
func checkHeldTogether(e evidence) error {
	r, err := e.answer()
	switch {
	case err != nil:
		return fmt.Errorf("%v: a generated invalid body must be refused 400, never drop the connection", err)
	case r.Status >= 500:
		return fmt.Errorf("answered status %d: a generated invalid body must be refused 400, never fail the gateway", r.Status)
	case isSuccess(r.Status):
		return fmt.Errorf("answered status %d: a generated invalid body must be refused 400, never served", r.Status)
	}
	return nil
}
