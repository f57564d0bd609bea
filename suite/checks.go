package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/faults"
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

// checkStatus looks at every answer: a scenario sent once per model must get the status for each of them.
func checkStatus(e evidence) error {
	if _, err := e.answer(); err != nil {
		return err
	}
	for i, ex := range e.exs {
		if ex.Err != nil {
			return fmt.Errorf("request %d: no answer: %v", i+1, ex.Err)
		}
		r := ex.Response
		if e.sc.Expect.NotTransient {
			if r.Status >= 400 && !scenario.Transient(r.Status) {
				continue
			}
			return fmt.Errorf("answered status %d, which clients retry as transient or do not read as an error; a failed verification is a security condition, not a retry loop", r.Status)
		}
		if e.sc.Expect.Status.Allows(r.Status) {
			continue
		}
		msg := fmt.Sprintf("answered status %d, want %s", r.Status, e.sc.Expect.Status)
		if e.note != "" {
			msg += "; " + e.note
		}
		if len(e.exs) > 1 {
			msg = fmt.Sprintf("request %d of %d %s", i+1, len(e.exs), msg)
		}
		if r.Status == 401 && e.sc.Request.Credential == "valid" {
			msg += " (the target refused the suite's key: is it a valid key for this target?)"
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

func checkType(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	name, ok := schema.ForErrorType(e.sc.Expect.Type)
	if !ok {
		return fmt.Errorf("no schema pins error.type %q", e.sc.Expect.Type)
	}
	all, err := e.schemas.Validate(name, r.Body)
	if err != nil {
		return err
	}
	// The pinning schema describes the whole envelope; this check decides only the discriminator and what
	// it hangs from, and leaves a missing code or param to the envelope's own spec.
	var vs []schema.Violation
	for _, v := range all {
		if v.Pointer == "" || v.Pointer == "/error" || v.Pointer == "/error/type" {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return fmt.Errorf("error.type is %s, want %q; against %s:%s", describe(errorMember(r.Body, "type")), e.sc.Expect.Type, name, list(vs))
}

func checkParam(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	got := errorMember(r.Body, "param")
	if s, ok := got.(string); ok && s == e.sc.Expect.Param {
		return nil
	}
	return fmt.Errorf("error.param is %s, want %q", describe(got), e.sc.Expect.Param)
}

func checkEnvelope(e evidence) error {
	return checkSchema(e, schema.ErrorEnvelope)
}

func checkBodySchema(e evidence) error {
	return checkSchema(e, e.sc.Expect.Schema)
}

func checkSchema(e evidence, name string) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	vs, err := e.schemas.Validate(name, r.Body)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return fmt.Errorf("the body breaks %s:%s", name, list(vs))
	}
	return nil
}

func checkEachSchema(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	each := e.sc.Expect.Each
	var doc any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return fmt.Errorf("the body is not JSON: %v", err)
	}
	items, ok := at(doc, each.Pointer).([]any)
	if !ok {
		return fmt.Errorf("%s is not an array", each.Pointer)
	}
	var bad []string
	for i, item := range items {
		vs, err := e.schemas.ValidateValue(each.Schema, item)
		if err != nil {
			return err
		}
		for _, v := range vs {
			v.Pointer = fmt.Sprintf("%s/%d%s", each.Pointer, i, v.Pointer)
			bad = append(bad, v.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("elements of %s break %s:\n  %s", each.Pointer, each.Schema, strings.Join(bad, "\n  "))
	}
	return nil
}

func checkEnvelopeMatchesStatus(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	_, isEnvelope := errorObject(r.Body)
	switch {
	case r.Status >= 400 && !isEnvelope:
		return fmt.Errorf("answered status %d without an error envelope (no \"error\" object at the top level)", r.Status)
	case r.Status < 300 && isEnvelope:
		return fmt.Errorf("answered status %d carrying an error envelope", r.Status)
	}
	return nil
}

func checkContentType(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr == nil && mt == "application/json" {
		return nil
	}
	return fmt.Errorf("Content-Type is %q, want application/json", ct)
}

func checkNoEcho(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	var echoed []string
	for _, s := range e.secrets {
		if len(s) >= 8 && bytes.Contains(r.Body, []byte(s)) {
			echoed = append(echoed, "a key the suite presented")
			break
		}
	}
	if bytes.Contains(e.sent, []byte(scenario.CanaryPrompt)) && bytes.Contains(r.Body, []byte(scenario.CanaryPrompt)) {
		echoed = append(echoed, "the prompt")
	}
	if len(e.sent) >= 16 && bytes.Contains(r.Body, bytes.TrimSpace(e.sent)) {
		echoed = append(echoed, "the request body")
	}
	if len(echoed) > 0 {
		return fmt.Errorf("the answer echoes %s", strings.Join(echoed, " and "))
	}
	return nil
}

func checkDeterministic(e evidence) error {
	if len(e.exs) < 2 {
		return fmt.Errorf("the request was sent %d time(s), want 2", len(e.exs))
	}
	first, err := e.answer()
	if err != nil {
		return err
	}
	for i, ex := range e.exs[1:] {
		if ex.Err != nil {
			return fmt.Errorf("sending %d: no answer: %v", i+2, ex.Err)
		}
		a, b := ex.Response, first
		if a.Status != b.Status || describe(errorMember(a.Body, "type")) != describe(errorMember(b.Body, "type")) {
			return fmt.Errorf("first answer %d %s, answer %d was %d %s", b.Status, describe(errorMember(b.Body, "type")), i+2, a.Status, describe(errorMember(a.Body, "type")))
		}
	}
	return nil
}

func checkWithinUpstreamTimeout(e evidence) error {
	if len(e.exs) == 0 {
		return fmt.Errorf("no request was sent")
	}
	ex := e.exs[0]
	limit := e.upstreamTimeout + grace(e.upstreamTimeout)
	if ex.Err != nil {
		return fmt.Errorf("no answer after %s: the gateway's upstream timeout is %s, so it should have answered 502 within %s", ex.Duration.Round(time.Millisecond), e.upstreamTimeout, limit)
	}
	if ex.Duration > limit {
		return fmt.Errorf("answered after %s; the gateway's upstream timeout is %s, so want at most %s", ex.Duration.Round(time.Millisecond), e.upstreamTimeout, limit)
	}
	return nil
}

func checkNoUpstreamLeak(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	var leaked []string
	for _, canary := range []string{faults.CanarySecret, faults.CanaryHost} {
		if bytes.Contains(r.Body, []byte(canary)) {
			leaked = append(leaked, canary)
		}
	}
	if len(leaked) > 0 {
		return fmt.Errorf("the answer carries the upstream's own error body: %s", strings.Join(leaked, ", "))
	}
	return nil
}

func checkRetryAfter(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	v := r.Header.Get("Retry-After")
	if v == "" {
		return fmt.Errorf("answered %d without Retry-After", r.Status)
	}
	if _, ok := retryAfter(v, time.Now()); !ok {
		return fmt.Errorf("Retry-After %q is neither delta-seconds nor an HTTP-date", v)
	}
	return nil
}

func transientToRecoverFrom(e evidence) string {
	r, err := e.answer()
	if err != nil || !scenario.Transient(r.Status) {
		return "the request got no transient answer to recover from"
	}
	return ""
}

func checkRecovers(e evidence) error {
	if len(e.retries) == 0 {
		return fmt.Errorf("the transient answer was never retried")
	}
	last := e.retries[len(e.retries)-1]
	if last.Err != nil {
		return fmt.Errorf("retry %d: no answer: %v", len(e.retries), last.Err)
	}
	if scenario.Transient(last.Response.Status) {
		return fmt.Errorf("still answered %d after %d retries with back-off", last.Response.Status, len(e.retries))
	}
	return nil
}

// errorObject returns the top-level "error" member when it is an object.
func errorObject(body []byte) (map[string]any, bool) {
	var top map[string]any
	if json.Unmarshal(body, &top) != nil {
		return nil, false
	}
	obj, ok := top["error"].(map[string]any)
	return obj, ok
}

// errorMember is error.<name>, or nil when the body has no such member.
func errorMember(body []byte, name string) any {
	obj, ok := errorObject(body)
	if !ok {
		return nil
	}
	return obj[name]
}

// at resolves a JSON pointer of object members and array indexes.
func at(doc any, pointer string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch v := doc.(type) {
		case map[string]any:
			doc = v[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			doc = v[i]
		default:
			return nil
		}
	}
	return doc
}

func describe(v any) string {
	if v == nil {
		return "absent or null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func list(vs []schema.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}
