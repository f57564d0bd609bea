package suite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// The CLIENT checks judge the target through the official SDK's eyes: CLIENT-1 holds the error openai-go
// returned to the envelope of the very answer it read, so it fails only where the SDK reads that answer
// otherwise than JSON does; CLIENT-2 counts the attempts the SDK's default retry policy made.

// clientChecks are the scenario's CLIENT specs: none where openai-go cannot send its request.
func clientChecks(sc scenario.Scenario) []check {
	if !sdkExpresses(sc) {
		return nil
	}
	cs := []check{{name: "surfaces through the official SDK (" + sdkOracle + ") as an openai.Error with the status, type, message, code and param of the envelope",
		rule: chargeSDKError, run: checkSDKError, applies: sdkErrorToRead}}
	switch {
	case !sc.SDKRetry:
	case scenario.Transient(sc.Expect.Status.Min()):
		cs = append(cs, check{name: "is retried by the official SDK (" + sdkOracle + ")",
			rule: chargeSDKRetry, run: checkSDKRetried, applies: sdkFirstAnswered(scenario.Transient, "a status the page calls transient")})
	default:
		cs = append(cs, check{name: "is not retried by the official SDK (" + sdkOracle + ")",
			rule: chargeSDKRetry, run: checkSDKNotRetried, applies: sdkFirstAnswered(scenario.NeverRetried, "400 or 401")})
	}
	return cs
}

// first is the call's first attempt, or why there is no answer to judge.
func (c *sdkCall) first() (*exchange.Exchange, string) {
	switch {
	case c == nil:
		return nil, "the request was not sent through " + sdkOracle
	case len(c.attempts) == 0:
		return nil, fmt.Sprintf("%s sent nothing: %v", sdkOracle, c.err)
	case c.attempts[0].Err != nil:
		return nil, fmt.Sprintf("no answer to %s's request (%v); the status spec reports the target's silence", sdkOracle, c.attempts[0].Err)
	}
	return c.attempts[0], ""
}

// sdkErrorToRead lets CLIENT-1 judge only an error answer carrying the error object: a wrong status is the
// status spec's, a missing object ENV-1's, and neither is how the SDK reads an answer.
func sdkErrorToRead(e evidence) string {
	ex, why := e.sdk.first()
	if why != "" {
		return why
	}
	r, x := ex.Response, e.sc.Expect
	switch {
	case len(x.Status) > 0 && !x.Status.Allows(r.Status):
		return fmt.Sprintf("%s's request was answered %d, not %s; the status spec judges the status", sdkOracle, r.Status, x.Status)
	case r.Status < 400:
		return fmt.Sprintf("%s's request was answered %d, not an error: nothing for the SDK to surface; the status spec reports it", sdkOracle, r.Status)
	case !hasErrorObject(r):
		return fmt.Sprintf("the answer to %s's request has no error object to read; ENV-1 reports it", sdkOracle)
	}
	return ""
}

// sdkMember is one member of the error as openai-go surfaced it: the string it gives the application, and
// the raw JSON it read ("" for an absent member, null for a null one).
type sdkMember struct {
	name, value, raw string
}

func sdkMembers(got *openai.Error) []sdkMember {
	return []sdkMember{
		{"type", got.Type, got.JSON.Type.Raw()},
		{"message", got.Message, got.JSON.Message.Raw()},
		{"code", got.Code, got.JSON.Code.Raw()},
		{"param", got.Param, got.JSON.Param.Raw()},
	}
}

// view says what the SDK surfaced as describeMember says what the envelope holds: absent, null, or the
// string in JSON. openai-go gives an absent or null member to the application as "", and tells the two
// apart only in its raw JSON.
func (m sdkMember) view() string {
	switch m.raw {
	case "":
		return "absent"
	case "null":
		return "null"
	}
	b, _ := json.Marshal(m.value)
	return string(b)
}

// checkSDKError is CLIENT-1: the status and every member the envelope holds as a string or null, as
// openai-go surfaced them. A member of another JSON type is ENV-2..4's, and the SDK's stringification of it
// is not compared.
func checkSDKError(e evidence) error {
	ex, _ := e.sdk.first()
	r := ex.Response
	var got *openai.Error
	if !errors.As(e.sdk.err, &got) {
		return fmt.Errorf("%s returned %s, not an *openai.Error, for a %d answer carrying the envelope\n  the envelope: %s", sdkOracle, describeSDKErr(e.sdk.err), r.Status, envelopeView(r))
	}
	var diffs []string
	if got.StatusCode != r.Status {
		diffs = append(diffs, fmt.Sprintf("StatusCode is %d where the answer's status is %d", got.StatusCode, r.Status))
	}
	for _, m := range sdkMembers(got) {
		if v, _ := member(r, m.name); v != nil && !isString(v) {
			continue
		}
		if want := describeMember(r, m.name); m.view() != want {
			diffs = append(diffs, fmt.Sprintf("error.%s is %s where the envelope has %s", m.name, m.view(), want))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%s surfaces the answer otherwise than its envelope: %s\n  %s's view: %s\n  the envelope: %s",
		sdkOracle, strings.Join(diffs, "; "), sdkOracle, sdkView(got), envelopeView(r))
}

func sdkView(got *openai.Error) string {
	parts := []string{fmt.Sprintf("StatusCode %d", got.StatusCode)}
	for _, m := range sdkMembers(got) {
		parts = append(parts, m.name+" "+m.view())
	}
	return fmt.Sprintf("%s, read from the error member %s", strings.Join(parts, ", "), exchange.Shown([]byte(got.RawJSON()), int64(len(got.RawJSON()))))
}

func envelopeView(r *exchange.Response) string {
	parts := []string{fmt.Sprintf("status %d", r.Status)}
	for _, name := range []string{"type", "message", "code", "param"} {
		parts = append(parts, name+" "+describeMember(r, name))
	}
	return strings.Join(parts, ", ") + ", read from the body as JSON (of members named twice, the last)"
}

func describeSDKErr(err error) string {
	if err == nil {
		return "no error (it took the answer for a success)"
	}
	return fmt.Sprintf("%q", err.Error())
}

// sdkFirstAnswered lets a CLIENT-2 spec judge only the statuses it is about: the first attempt's answer must
// be one of them (want), and the whole call the SDK's own, not called off by the suite.
func sdkFirstAnswered(want func(int) bool, what string) func(evidence) string {
	return func(e evidence) string {
		ex, why := e.sdkRetry.first()
		switch {
		case why != "":
			return why
		case e.sdkRetry.stopped != "":
			return "cannot tell: " + e.sdkRetry.stopped
		case !want(ex.Response.Status):
			return fmt.Sprintf("%s's first attempt was answered %d, not %s: this spec is about those; the status spec reports the status", sdkOracle, ex.Response.Status, what)
		}
		return ""
	}
}

// checkSDKNotRetried is CLIENT-2's "never 400/401": the SDK sent the request once.
func checkSDKNotRetried(e evidence) error {
	atts := e.sdkRetry.attempts
	if len(atts) == 1 {
		return nil
	}
	r := atts[0].Response
	return fmt.Errorf("%s sent the request %d times: it retried the %d answer, which the page never retries%s", sdkOracle, len(atts), r.Status, shouldRetryHint(r))
}

// checkSDKRetried is CLIENT-2's transient half: the SDK retried. When it sent the retry (Retry-After,
// Retry-After-Ms, its own back-off) is the SDK's choice, and not judged; the transcript shows the waits.
func checkSDKRetried(e evidence) error {
	atts := e.sdkRetry.attempts
	first := atts[0].Response
	if len(atts) > 1 {
		return nil
	}
	why := shouldRetryHint(first)
	if ra, ok := retryAfter(first.Header.Get("Retry-After"), time.Now()); ok && ra > sdkMaxRetryAfter {
		why = fmt.Sprintf(": its Retry-After %s is past the SDK's bound of %s, beyond which it gives up rather than wait", ra.Round(time.Second), sdkMaxRetryAfter)
	}
	return fmt.Errorf("%s did not retry the %d answer%s; it returned %s", sdkOracle, first.Status, why, describeSDKErr(e.sdkRetry.err))
}

// shouldRetryHint names the header by which an answer overrides the SDK's reading of its status.
func shouldRetryHint(r *exchange.Response) string {
	if v := r.Header.Get("X-Should-Retry"); v != "" {
		return fmt.Sprintf(" (the answer says x-should-retry: %s, which the SDK obeys over the status)", v)
	}
	return ""
}

// sdkTranscripts are the SDK's exchanges, each headed by the call it belongs to and, for a retry, how long
// the SDK waited after the answer before it.
func (e evidence) sdkTranscripts(add func(head string, ex *exchange.Exchange)) {
	if e.sdk != nil {
		for _, ex := range e.sdk.attempts {
			add("sent through "+sdkOracle+" with no retries (CLIENT-1)", ex)
		}
	}
	if e.sdkRetry == nil {
		return
	}
	for i, ex := range e.sdkRetry.attempts {
		head := fmt.Sprintf("sent through %s with its default retry policy (CLIENT-2): attempt %d", sdkOracle, i+1)
		if i > 0 {
			prev := e.sdkRetry.attempts[i-1]
			head += fmt.Sprintf(", %s after the answer before it", ex.Started.Sub(prev.Started.Add(prev.Duration)).Round(time.Millisecond))
		}
		if i == len(e.sdkRetry.attempts)-1 && e.sdkRetry.stopped != "" {
			head += "; " + e.sdkRetry.stopped
		}
		add(head, ex)
	}
}
