package suite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// negativeChecks judge a generated body. Its own requirement (the one whose text states the broken rule)
// decides the status, and the error.type where its text states one: REQ-2..5 say "400
// invalid_request_error", NEG-1 (the owner of the rules no REQ text states) only "400 with the envelope".
// A 5xx or a dropped connection is NEG-1's alone, as its text states it for every generated body; the
// envelope is ENV-1's and NEG-1's, the members ENV-2..4's, error.param REQ-7's, as everywhere.
func negativeChecks(sc scenario.Scenario) []check {
	owner := sc.Requirements
	cs := []check{
		{name: "answers status 400, neither a success nor another refusal", charges: owner, run: checkStatus, applies: heldTogether},
		{name: "answers without a 5xx or a dropped connection", charges: []string{"NEG-1"}, run: checkHeldTogether, judgesSilence: true},
	}
	if !slices.Equal(owner, []string{"NEG-1"}) {
		cs = append(cs, check{name: "answers error.type " + sc.Expect.Type, charges: owner, run: checkType, applies: typeToJudge, reads: readsErrorType})
	}
	if p := sc.Expect.Param; p != "" {
		cs = append(cs, check{name: "names " + p + " in error.param", charges: []string{"REQ-7"}, run: checkParam, applies: all(expectedStatus, errorAnswered), reads: readsErrorObject})
	}
	return append(cs, envelopeChecks([]string{"ENV-1", "NEG-1"})...)
}

// heldTogether leaves a 5xx and a dropped connection to NEG-1's spec, which decides them.
func heldTogether(e evidence) string {
	if err := checkHeldTogether(e); err != nil {
		return err.Error() + "; NEG-1's spec reports it"
	}
	return ""
}

func checkHeldTogether(e evidence) error {
	r, err := e.answer()
	switch {
	case err != nil:
		return fmt.Errorf("%v: a generated invalid body must be refused 400, never drop the connection", err)
	case r.Status >= 500:
		return fmt.Errorf("answered status %d: a generated invalid body must be refused 400, never fail the gateway", r.Status)
	}
	return nil
}

// symptom is how an answer to a generated body departs from 400 invalid_request_error naming the parameter
// at fault, in words that do not change from one run to the next; "" when it does not. Minimising keeps a
// smaller body only when its answer has the same symptom.
func symptom(sc scenario.Scenario, ex *exchange.Exchange) string {
	if ex.Err != nil {
		return "no answer"
	}
	r := ex.Response
	switch {
	case isSuccess(r.Status):
		return "a 2xx"
	case r.Status != 400:
		// The exact status: a 503 for a missing model is not the 500 of a crash.
		return fmt.Sprintf("status %d", r.Status)
	case !hasErrorObject(r):
		return "400 without an error object"
	}
	if got, _ := member(r, "type"); got != sc.Expect.Type {
		return "400 with error.type " + describeMember(r, "type")
	}
	if p := sc.Expect.Param; p != "" {
		if got, _ := member(r, "param"); !namesParam(got, p) {
			return "400 with error.param " + describeMember(r, "param")
		}
	}
	return ""
}

// severity orders symptoms for minimising, worst first: the gateway failed or went silent, then it served
// an invalid body, then it refused it another way than the contract's.
func severity(symptom string) int {
	switch {
	case symptom == "no answer" || strings.HasPrefix(symptom, "status 5"):
		return 0
	case symptom == "a 2xx":
		return 1
	case strings.HasPrefix(symptom, "status "):
		return 2
	}
	return 3
}

// namesParam says whether error.param names the parameter want: as it is, or a member or item of it
// (messages[0].role, messages.0.role names messages).
func namesParam(got any, want string) bool {
	s, ok := got.(string)
	return ok && (s == want || strings.HasPrefix(s, want+".") || strings.HasPrefix(s, want+"["))
}
