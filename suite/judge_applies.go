package suite

import (
	"fmt"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// When a check has nothing to judge: each says why, naming the spec or requirement that reports the cause,
// so a skipped spec is never a silent pass and one cause is never charged twice.

// all applies the conditions in order; the first that says why not wins.
func all(conds ...func(evidence) string) func(evidence) string {
	return func(e evidence) string {
		for _, c := range conds {
			if why := c(e); why != "" {
				return why
			}
		}
		return ""
	}
}

func answered(e evidence) string {
	if _, err := e.answer(); err != nil {
		return "no answer to judge (" + err.Error() + "); the status spec reports it"
	}
	return ""
}

// errorAnswered skips the checks of an error's content when the target did not answer an error at all
// (it served the request, or redirected): the status spec reports that, and a success body is not a
// broken envelope.
func errorAnswered(e evidence) string {
	if why := answered(e); why != "" {
		return why
	}
	if r, _ := e.answer(); r.Status < 400 {
		return fmt.Sprintf("answered %d, not an error: nothing of an error to judge; the status spec reports it", r.Status)
	}
	return ""
}

// typeToJudge lets the discriminator be judged only on the status the scenario expects: a wrong status is
// the status spec's. An error object with a string type is what the check reads (readsErrorType).
func typeToJudge(e evidence) string {
	return all(expectedStatus, errorAnswered)(e)
}

// expectedStatus skips checks that only mean something for the expected status (error.type, error.param of
// a 400, Retry-After of a 429 or 503) when the status spec has already failed.
func expectedStatus(e evidence) string {
	if why := answered(e); why != "" {
		return why
	}
	r, _ := e.answer()
	if !e.sc.Expect.NotTransient && !e.sc.Expect.Status.Allows(r.Status) {
		return fmt.Sprintf("answered %d, not %s; the status spec reports it", r.Status, e.sc.Expect.Status)
	}
	return ""
}

// keyCheckedFirst: a scenario that presents the valid key some wrong way can only be judged on a gateway
// that checks the key before the body it carries. Its refused twin (a wrong key, the same body) tells.
func keyCheckedFirst(e evidence) string {
	ex, ok := e.controls[scenario.ControlRefused]
	if !ok {
		return ""
	}
	switch {
	case ex.Err != nil:
		return fmt.Sprintf("cannot tell: the same body with a wrong Bearer key got no answer (%v)", ex.Err)
	case ex.Response.Status != 401:
		return fmt.Sprintf("cannot tell: the gateway does not check the key before this body (the same body with a wrong Bearer key answered %d, not 401), see AUTH-4", ex.Response.Status)
	}
	return ""
}

// controlAnswered wants the named twin answered, and not refused for the suite's own key.
func controlAnswered(name string) func(evidence) string {
	return func(e evidence) string {
		ex, ok := e.controls[name]
		switch {
		case !ok:
			return "the " + name + " twin was not sent"
		case ex.Err != nil:
			return fmt.Sprintf("cannot tell: the %s twin got no answer (%v)", name, ex.Err)
		case ex.Response.Status == 401:
			return fmt.Sprintf("cannot tell: the %s twin %s was refused 401: is the suite's key valid for this target?", name, e.sc.Controls[name].Credential.Describe())
		}
		return ""
	}
}

// routeServed selects the pairing spec for whether the target serves the route: a 404 or 405 for a listed
// model's id (the listed twin) means no such route.
func routeServed(want bool) func(evidence) string {
	return func(e evidence) string {
		served := !notFound(e.controls[scenario.ControlListed])
		switch {
		case served == want:
			return ""
		case want:
			return "the target has no such route (a listed id answered 404 or 405): the spec for a route it does not serve judges it"
		}
		return "the target serves the route: the spec for a route it serves judges it"
	}
}

func notFound(ex *exchange.Exchange) bool {
	return ex.Err == nil && (ex.Response.Status == 404 || ex.Response.Status == 405)
}

func transientToRecoverFrom(e evidence) string {
	r, err := e.answer()
	if err != nil || !scenario.Transient(r.Status) {
		return "the request got no transient answer to recover from"
	}
	return ""
}

// repeatedRefusal: REQ-10 is about 400 and 401 answers; a pair of answers with neither is another spec's.
func repeatedRefusal(e evidence) string {
	if why := answered(e); why != "" {
		return why
	}
	refusal := func(ex *exchange.Exchange) bool {
		return ex.Err == nil && (ex.Response.Status == 400 || ex.Response.Status == 401)
	}
	if refusal(e.exs[0]) {
		return ""
	}
	for _, ex := range e.repeats {
		if refusal(ex) {
			return ""
		}
	}
	r, _ := e.answer()
	return fmt.Sprintf("answered %d, neither 400 nor 401: REQ-10 is about those; the status spec reports it", r.Status)
}
