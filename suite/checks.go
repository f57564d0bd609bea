package suite

import (
	"fmt"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/schema"
)

// check is one spec of a scenario: a single assertion over the scenario's recorded exchanges, so a failing
// check never hides another.
type check struct {
	name string
	reqs []string // the requirements the check decides; their levels make the spec's level
	also []string // further requirements the check is evidence for (labels only)
	run  func(e evidence) error
	// applies, when set, says why the check has nothing to judge on this evidence (the spec is skipped).
	applies func(e evidence) string
	// judgesSilence marks the checks for which no answer at all is itself the failure (status, timing).
	// Every other check judges an answer's content, and with no answer it is skipped, not failed: a
	// gateway that hangs has broken UP-3, not the envelope.
	judgesSilence bool
}

// evidence is what a check may look at: the scenario and its recorded exchanges.
type evidence struct {
	sc      scenario.Scenario
	exs     []*exchange.Exchange
	sent    []byte // the request body
	retries []*exchange.Exchange
	note    string
	schemas *schema.Set
	// upstreamTimeout is the gateway's, from the profile (UP-3).
	upstreamTimeout time.Duration
	// secrets must never come back: the valid key and whatever token the scenario presented.
	secrets []string
}

// checksFor expands a scenario into its checks: the table every scenario of a kind shares.
func checksFor(sc scenario.Scenario) []check {
	x := sc.Expect
	statusName := "answers status " + x.Status.String()
	if x.NotTransient {
		statusName = "answers an error status not presented as transient (not 429, 500, 502 or 503)"
	}
	cs := []check{{name: statusName, reqs: sc.Requirements, run: checkStatus, judgesSilence: true}}
	if !x.IsError() {
		if x.Schema != "" {
			cs = append(cs, check{name: "answers a body matching " + x.Schema, reqs: sc.Requirements, run: checkBodySchema})
		}
		if x.Each != nil {
			cs = append(cs, check{name: "answers every element of " + x.Each.Pointer + " matching " + x.Each.Schema, reqs: x.Each.Requirements, run: checkEachSchema})
		}
		return needAnswers(append(cs, check{name: "does not pair its success status with an error envelope", reqs: []string{"ENV-7"}, run: checkEnvelopeMatchesStatus}))
	}
	// Where the page documents no error.type (403, 429, 500, 503, 404/405 under /v1), the scenario's
	// requirement is "this status, with the envelope": its envelope checks speak for it too.
	var envelopeAlso []string
	if x.Type == "" {
		envelopeAlso = sc.Requirements
	}
	if x.Type != "" {
		cs = append(cs, check{name: "answers error.type " + x.Type, reqs: sc.Requirements, also: []string{"ENV-3"}, run: checkType, applies: errorAnswered})
	}
	if x.WithinUpstreamTimeout {
		cs = append(cs, check{name: "answers within the gateway's upstream timeout", reqs: []string{"UP-3"}, run: checkWithinUpstreamTimeout, judgesSilence: true})
	}
	if x.NoUpstreamLeak {
		cs = append(cs, check{name: "passes nothing of the upstream's error body through", reqs: []string{"UP-5"}, run: checkNoUpstreamLeak, applies: errorAnswered})
	}
	if x.RetryAfter {
		cs = append(cs, check{name: "answers Retry-After as delta-seconds or an HTTP-date", reqs: []string{"LIMIT-2"}, run: checkRetryAfter, applies: expectedStatus})
	}
	if sc.Recovers {
		cs = append(cs, check{name: "clears up when retried with the page's back-off policy", reqs: []string{"SRV-3"}, run: checkRecovers, applies: transientToRecoverFrom, judgesSilence: true})
	}
	if x.Param != "" {
		cs = append(cs, check{name: "names " + x.Param + " in error.param", reqs: []string{"REQ-7"}, also: []string{"ENV-4"}, run: checkParam, applies: expectedStatus})
	}
	cs = append(cs,
		check{name: "answers the error envelope {error: {message, type, code, param}}", reqs: []string{"ENV-1", "ENV-2", "ENV-4", "ENV-6"}, also: envelopeAlso, run: checkEnvelope, applies: errorAnswered},
		check{name: "pairs its error status with the envelope", reqs: []string{"ENV-7"}, also: envelopeAlso, run: checkEnvelopeMatchesStatus},
		check{name: "answers Content-Type application/json", reqs: []string{"ENV-5"}, run: checkContentType, applies: errorAnswered},
		check{name: "echoes neither the key nor the prompt", reqs: []string{"ENV-8"}, run: checkNoEcho, applies: errorAnswered},
	)
	if sc.Sends() > 1 {
		cs = append(cs, check{name: "answers the same status and error.type when sent again", reqs: []string{"REQ-10"}, run: checkDeterministic, judgesSilence: true})
	}
	return needAnswers(cs)
}

func needAnswers(cs []check) []check {
	for i := range cs {
		if !cs[i].judgesSilence && cs[i].applies == nil {
			cs[i].applies = answered
		}
	}
	return cs
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

// expectedStatus skips checks that only mean something for the expected status (error.param of a 400,
// Retry-After of a 429 or 503) when the status spec has already failed.
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

// answer is the first exchange's response, or why there is none.
func (e evidence) answer() (*exchange.Response, error) {
	if len(e.exs) == 0 {
		return nil, fmt.Errorf("no request was sent")
	}
	ex := e.exs[0]
	if ex.Err != nil {
		return nil, fmt.Errorf("no answer after %s: %v", ex.Duration.Round(1e6), ex.Err)
	}
	return ex.Response, nil
}
