package suite

import (
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/scenario"
)

// chargeRule is one rule of REQUIREMENTS.md's "How a failure is charged": a kind of check, what it decides,
// and the requirements a failure of it is charged to. Every check names its rule, and nothing else says whom
// a check charges: the plan's specs (and so suite/testdata/conformance.yaml) take their charges from here,
// and docs/coverage.md's table of checks is written from this table (TestReadmeChargingTable), so a change to a
// charging rule is one edit.
type chargeRule struct {
	check   string // the kind of check, as docs/coverage.md's table names it
	decides string // what it decides
	to      string // whom it charges, in words
	of      func(sc scenario.Scenario) []string
}

// fixedTo charges one requirement, whatever the scenario.
func fixedTo(id string) func(scenario.Scenario) []string {
	return func(scenario.Scenario) []string { return []string{id} }
}

// own charges the scenario's own requirements: those its text decides the status by.
func own(sc scenario.Scenario) []string { return sc.Requirements }

// withEnvelope charges ENV-1, and the scenario's own requirement where its text says "with the envelope"
// (LIMIT-1, LIMIT-3, SRV-1, SRV-2, REQ-9, and NEG-1 of the generated bodies whose rule it owns): the members
// inside stay ENV-2..4's.
func withEnvelope(sc scenario.Scenario) []string {
	out := []string{"ENV-1"}
	if sc.Expect.WithEnvelope {
		out = append(out, sc.Requirements...)
	}
	return out
}

// The charging rules, in the order docs/coverage.md's table lists them.
var (
	chargeStatus        = &chargeRule{"status", "the HTTP status (a served request: the body too)", "the scenario's own requirement", own}
	chargeType          = &chargeRule{"`error.type`", "the discriminator the page documents, on the expected status", "the scenario's own requirement, or the one owning its type (AUTH-4's 401 is AUTH-2's)", scenario.Scenario.TypeOwners}
	chargeErrorObject   = &chargeRule{"error object", "JSON whose top level has an `error` object", "ENV-1, and the scenario's own requirement where its text says \"with the envelope\" (LIMIT-1, LIMIT-3, SRV-1, SRV-2, REQ-9; NEG-1 of the generated bodies whose rule it owns)", withEnvelope}
	chargeMessage       = &chargeRule{"`error.message`", "a string", "ENV-2", fixedTo("ENV-2")}
	chargeTypeString    = &chargeRule{"`error.type` a string", "a non-empty string", "ENV-3", fixedTo("ENV-3")}
	chargeWords         = &chargeRule{"`error.message` says something", "not empty, not white space", "ENV-10", fixedTo("ENV-10")}
	chargeCodeParam     = &chargeRule{"`error.code`, `error.param`", "each present, null or a string", "ENV-4", fixedTo("ENV-4")}
	chargePairing       = &chargeRule{"status and envelope together", "no error status without the envelope, no 2xx with it, streamed or not", "ENV-7", fixedTo("ENV-7")}
	chargeContentType   = &chargeRule{"`Content-Type`", "`application/json` on an error, streamed or not", "ENV-5", fixedTo("ENV-5")}
	chargeEcho          = &chargeRule{"no echo", "neither the key nor the prompt in the answer", "ENV-8", fixedTo("ENV-8")}
	chargeParam         = &chargeRule{"`error.param`", "names the parameter at fault", "REQ-7", fixedTo("REQ-7")}
	chargeAgain         = &chargeRule{"sent again", "the same status and `error.type` for the same 400 or 401", "REQ-10", fixedTo("REQ-10")}
	chargeUndocumented  = &chargeRule{"routes and methods beyond the page", "a 4xx with the envelope", "ENV-9 alone", own}
	chargeUnservedRoute = &chargeRule{"a route the target does not serve", "its 404 or 405 with the envelope", "ENV-9", fixedTo("ENV-9")}
	chargeForwarded     = &chargeRule{"never forwarded", "the upstream's witness saw none of the requests the gateway must refuse itself", "SEC-1", fixedTo("SEC-1")}
	chargeTimeout       = &chargeRule{"within the upstream timeout", "an answer within the gateway's upstream timeout", "UP-3", fixedTo("UP-3")}
	chargeLeak          = &chargeRule{"no upstream leak", "nothing of the upstream's own error body or address", "UP-5", fixedTo("UP-5")}
	chargeRetryAfter    = &chargeRule{"`Retry-After`", "delta-seconds or an HTTP-date", "LIMIT-2", fixedTo("LIMIT-2")}
	chargeRecovers      = &chargeRule{"clears up", "after back-off, the answer the request gets outside the rate limit", "SRV-3", fixedTo("SRV-3")}
	chargeEach          = &chargeRule{"each listed model", "every element of the list against its schema", "the requirement the scenario names for them (MOD-3)", func(sc scenario.Scenario) []string { return sc.Expect.Each.Requirements }}
	chargeReceipt       = &chargeRule{"receipt", "`x-receipt-id` on every completion", "RCPT-1", fixedTo("RCPT-1")}
	chargeVerified      = &chargeRule{"verification", "`upstream.verified.result` is `verified`", "RCPT-2", fixedTo("RCPT-2")}
	chargeSDKError      = &chargeRule{"through the official SDK", "openai-go's `openai.Error` carries the status and the envelope's members", "CLIENT-1", fixedTo("CLIENT-1")}
	chargeSDKRetry      = &chargeRule{"retried by the official SDK", "which statuses it retries: a 400 or 401 once, a 503 again (when is the SDK's choice)", "CLIENT-2", fixedTo("CLIENT-2")}
	chargeLikePlain     = &chargeRule{"`stream: true` refused", "the status, the envelope and the `error.type` the same request gets without it", "the scenario's own requirement (STREAM-1)", own}
	chargeStreamEnd     = &chargeRule{"a stream broken mid-way", "a final error event of type `upstream_error`", "the scenario's own requirement (STREAM-2)", own}
	chargeHeldTogether  = &chargeRule{"a generated body", "neither a 5xx, nor a 2xx, nor a dropped connection", "NEG-1, beside its rule's owner", fixedTo("NEG-1")}
)

// chargingRules is the table, in docs/coverage.md's order.
var chargingRules = []*chargeRule{
	chargeStatus, chargeType, chargeErrorObject, chargeMessage, chargeTypeString, chargeWords, chargeCodeParam,
	chargePairing, chargeContentType, chargeEcho, chargeParam, chargeAgain, chargeUndocumented, chargeUnservedRoute,
	chargeForwarded, chargeTimeout, chargeLeak, chargeRetryAfter, chargeRecovers, chargeEach, chargeReceipt,
	chargeVerified, chargeSDKError, chargeSDKRetry, chargeLikePlain, chargeStreamEnd, chargeHeldTogether,
}

// charged fills each check's charges from its rule, for the scenario: the one place they are set.
func charged(sc scenario.Scenario, cs []check) []check {
	for i := range cs {
		if cs[i].rule == nil {
			panic("suite: check " + cs[i].name + " names no charging rule")
		}
		cs[i].charges = cs[i].rule.of(sc)
	}
	return cs
}

// ChargingTable is docs/coverage.md's table of the checks every scenario's exchange goes through, and whom a failure
// of each is charged to, written from the rules.
func ChargingTable() string {
	var b strings.Builder
	b.WriteString("| check | decides | a failure is charged to |\n|---|---|---|\n")
	for _, r := range chargingRules {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.check, r.decides, r.to)
	}
	return b.String()
}
