package suite

import (
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// What an answer to a generated body is, in words: read by the record phase, which minimises a failing
// body while its symptom holds, and by the judge, which names it. Below both phases, so neither calls the
// other.

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
