package suite

import (
	"fmt"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// check is one spec of a scenario: a single assertion over the scenario's recorded exchanges, so a failing
// check never hides another.
type check struct {
	name string
	// rule is the charging rule the check follows (judge_charging.go); charges are the requirements it
	// names for the scenario, set from it by charged alone.
	rule    *chargeRule
	charges []string
	run     func(e evidence) error
	// applies, when set, says why the check has nothing to judge on this evidence (the spec is skipped).
	applies func(e evidence) string
	// reads is what the check reads of an error answer beyond its status; an answer that lacks it blocks
	// the check's requirements on the requirement the lack breaks (ENV-1, ENV-3). Asked after applies.
	reads reads
	// judgesSilence marks the checks for which no answer at all is itself the failure (status, timing).
	// Every other check judges an answer's content, and with no answer it is skipped, not failed: a
	// gateway that hangs has broken UP-3, not the envelope.
	judgesSilence bool
}

// evidence is what a check may look at: the scenario and its recorded exchanges.
type evidence struct {
	sc  scenario.Scenario
	exs []*exchange.Exchange // the answers judged: one, or one per model for an each-model scenario
	// repeats are the same requests sent again (REQ-10); they count for nothing else.
	repeats []*exchange.Exchange
	// controls are the scenario's twins, by name (scenario.ControlProper, ...).
	controls map[string]*exchange.Exchange
	sent     []byte // the request body
	retries  []*exchange.Exchange
	// throttled are 429s answered to an ordinary scenario and retried: shown, never judged.
	throttled []*exchange.Exchange
	note      string
	schemas   *validate.Set
	// upstreamTimeout is the gateway's, from the profile (UP-3), and slowest the longest any other answer
	// of the run took: what the target takes to answer at all, on this machine.
	upstreamTimeout, slowest time.Duration
	// seen is what the upstream's witness said of each exchange, and witness its URL ("" without one).
	seen    map[*exchange.Exchange]sighting
	witness string
	// headerRedactor renders the request's headers in transcripts, hiding the suite's own secrets.
	headerRedactor exchange.Redactor
	// secrets must never come back: the valid key and whatever token the scenario presented.
	secrets []string
	// sdk and sdkRetry are the request sent through openai-go (CLIENT-1, CLIENT-2); nil where it was not.
	sdk, sdkRetry *sdkCall
}

// checksFor expands a scenario into its checks: the table every scenario of a kind shares.
func checksFor(sc scenario.Scenario) []check {
	x := sc.Expect
	switch {
	case sc.Generated != nil:
		return charged(sc, needAnswers(negativeChecks(sc)))
	case x.PairingOnly:
		return charged(sc, needAnswers(pairingChecks(sc)))
	case x.LeakOnly:
		return charged(sc, needAnswers(leakChecks()))
	case sc.Streaming:
		return charged(sc, needAnswers(streamingChecks(sc)))
	case x.StreamError != "":
		return charged(sc, needAnswers(streamEndChecks(sc)))
	case !x.IsError():
		return charged(sc, needAnswers(successChecks(sc)))
	case sc.Undocumented():
		return charged(sc, needAnswers(undocumentedChecks(sc)))
	}
	cs := []check{statusCheck(sc)}
	if x.Type != "" {
		cs = append(cs, check{name: "answers error.type " + x.Type, rule: chargeType, run: checkType, applies: all(keyCheckedFirst, typeToJudge), reads: readsErrorType})
	}
	if refusedByTheGateway(sc) {
		cs = append(cs, check{name: "is refused by the gateway itself, never forwarded to the upstream", rule: chargeForwarded, run: checkNotForwarded, applies: witnessed})
	}
	if x.WithinUpstreamTimeout {
		cs = append(cs, check{name: "answers within the gateway's upstream timeout", rule: chargeTimeout, run: checkWithinUpstreamTimeout, judgesSilence: true})
	}
	if x.NoUpstreamLeak {
		cs = append(cs, check{name: "passes nothing of the upstream's own error body through", rule: chargeLeak, run: checkNoUpstreamLeak, applies: errorAnswered})
	}
	if x.RetryAfter {
		cs = append(cs, check{name: "answers Retry-After as delta-seconds or an HTTP-date", rule: chargeRetryAfter, run: checkRetryAfter, applies: expectedStatus})
	}
	if sc.Recovers {
		cs = append(cs, check{name: "clears up, when retried with the page's back-off policy, to the answer it gets outside the rate limit", rule: chargeRecovers, run: checkRecovers,
			applies: all(transientToRecoverFrom, controlAnswered(scenario.ControlUnlimited), clearsToSomething), judgesSilence: true})
	}
	if x.Param != "" {
		cs = append(cs, check{name: "names " + x.Param + " in error.param", rule: chargeParam, run: checkParam, applies: all(expectedStatus, errorAnswered), reads: readsErrorObject})
	}
	cs = append(cs, envelopeChecks()...)
	cs = append(cs,
		check{name: "pairs its error status with the envelope", rule: chargePairing, run: checkEnvelopeMatchesStatus},
		check{name: "answers Content-Type application/json", rule: chargeContentType, run: checkContentType, applies: errorAnswered},
		check{name: "echoes neither the key nor the prompt", rule: chargeEcho, run: checkNoEcho, applies: errorAnswered},
	)
	if sc.Deterministic() {
		cs = append(cs, check{name: "answers the same status and error.type when sent again", rule: chargeAgain, run: checkDeterministic, applies: repeatedRefusal, judgesSilence: true})
	}
	cs = append(cs, clientChecks(sc)...)
	return charged(sc, needAnswers(cs))
}

// statusCheck decides the scenario's own requirement: a fixed status, any error but a transient one (UP-6),
// or the answer its proper twin gets (AUTH-5).
func statusCheck(sc scenario.Scenario) check {
	x := sc.Expect
	c := check{name: "answers status " + x.Status.String(), rule: chargeStatus, run: checkStatus, applies: keyCheckedFirst, judgesSilence: true}
	switch {
	case x.NotTransient:
		c.name = "answers an error status not presented as transient (not 429, 500, 502 or 503)"
	case x.Like != "":
		c.name = "answers the status and error.type it gives the same request " + sc.Controls[x.Like].Credential.Describe()
		c.run, c.applies = checkLikeControl, all(keyCheckedFirst, controlAnswered(x.Like))
	}
	return c
}

// envelopeChecks judge the envelope one requirement at a time, by the JSON pointer that broke: ENV-1 the
// error object itself, ENV-2 the message, ENV-3 the type, ENV-4 code and param; ENV-10 the message's words. ENV-6 is the suite's own
// rule for its schemas, never the target's.
func envelopeChecks() []check {
	return []check{
		{name: "answers a JSON object whose error member is an object", rule: chargeErrorObject, run: areaObject.judge, applies: errorAnswered},
		{name: "answers error.message as a string", rule: chargeMessage, run: areaMessage.judge, applies: errorAnswered, reads: readsErrorObject},
		{name: "answers error.type as a non-empty string", rule: chargeTypeString, run: areaType.judge, applies: errorAnswered, reads: readsErrorObject},
		{name: "answers an error.message that says something", rule: chargeWords, run: checkMessageSaysSomething, applies: errorAnswered, reads: readsErrorMessage},
		{name: "answers error.code and error.param, each null or a string", rule: chargeCodeParam, run: areaCodeParam.judge, applies: errorAnswered, reads: readsErrorObject},
	}
}

func successChecks(sc scenario.Scenario) []check {
	x := sc.Expect
	cs := []check{{name: "answers status " + x.Status.String(), rule: chargeStatus, run: checkStatus, judgesSilence: true}}
	if x.Schema != "" {
		cs = append(cs, check{name: "answers a body matching " + x.Schema, rule: chargeStatus, run: checkBodySchema})
	}
	if x.Each != nil {
		cs = append(cs, check{name: "answers every element of " + x.Each.Pointer + " matching " + x.Each.Schema, rule: chargeEach, run: checkEachSchema})
	}
	if x.Receipt {
		cs = append(cs, check{name: "carries x-receipt-id on every completion", rule: chargeReceipt, run: checkReceipt, applies: servedAny})
	}
	if x.Verified {
		cs = append(cs, check{name: "reports upstream.verified.result verified", rule: chargeVerified, run: checkVerified, applies: servedAny})
	}
	return append(cs, check{name: "does not pair its success status with an error envelope", rule: chargePairing, run: checkEnvelopeMatchesStatus})
}

// leakChecks judge an answer whose status the page leaves open: whatever error the gateway answers, it
// passes nothing of the upstream's own on (UP-5), and wears the envelope.
func leakChecks() []check {
	cs := []check{{name: "passes nothing of the upstream's own error body through", rule: chargeLeak, run: checkNoUpstreamLeak, applies: errorAnswered}}
	cs = append(cs, envelopeChecks()...)
	return append(cs,
		check{name: "pairs its error status with the envelope", rule: chargePairing, run: checkEnvelopeMatchesStatus},
		check{name: "answers Content-Type application/json", rule: chargeContentType, run: checkContentType, applies: errorAnswered},
		check{name: "echoes neither the key nor the prompt", rule: chargeEcho, run: checkNoEcho, applies: errorAnswered},
	)
}

// undocumentedChecks are ENV-9's alone: routes and methods the page does not document never fail a MUST.
// Their status is reported and judged only as a client error: which 4xx is the gateway's router's choice.
func undocumentedChecks(sc scenario.Scenario) []check {
	return []check{
		{name: "answers a 4xx status (" + sc.Expect.Status.String() + " is usual)", rule: chargeUndocumented, run: checkClientErrorStatus, judgesSilence: true},
		{name: "answers with the envelope, an error object", rule: chargeUndocumented, run: areaObject.judge, applies: errorAnswered},
	}
}

// pairingChecks judge only whether an error envelope comes with an error status, on a route beyond the
// page's tables. Where a listed twin tells whether the target serves the route at all, an error status
// without the envelope is ENV-7's on a route it serves and ENV-9's on one it does not; exactly one of the
// two specs applies.
func pairingChecks(sc scenario.Scenario) []check {
	cs := []check{{name: "does not pair a success status with an error envelope", rule: chargePairing, run: checkNoEnvelopeOnSuccess}}
	if _, ok := sc.Controls[scenario.ControlListed]; !ok {
		return cs
	}
	return append(cs,
		check{name: "pairs an error status with the envelope, on a route it serves", rule: chargePairing, run: checkEnvelopeMatchesStatus, applies: all(errorAnswered, routeServed(true))},
		check{name: "answers its 404 or 405 with the envelope, on a route it does not serve", rule: chargeUnservedRoute, run: checkEnvelopeMatchesStatus, applies: all(errorAnswered, routeServed(false))},
	)
}

func needAnswers(cs []check) []check {
	for i := range cs {
		if !cs[i].judgesSilence && cs[i].applies == nil {
			cs[i].applies = answered
		}
	}
	return cs
}

// answer is the first exchange's response, or why there is none.
func (e evidence) answer() (*exchange.Response, error) {
	if len(e.exs) == 0 {
		return nil, fmt.Errorf("no request was sent")
	}
	ex := e.exs[0]
	if ex.Err != nil {
		return nil, fmt.Errorf("no answer after %s: %v", ex.Duration.Round(time.Millisecond), ex.Err)
	}
	return ex.Response, nil
}
