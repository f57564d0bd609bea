package suite

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// gatewayRefuses are the requirements whose requests the gateway must refuse itself (SEC-1's list): a key it
// does not accept, a body it must not take, a model it does not list. Such a request reaching the upstream
// breaks SEC-1 alone, whatever the client was answered: the answer is the scenario's own requirement's,
// and no MUST says who must refuse. A forwarded request can be billed, and carries the client's input on.
var gatewayRefuses = []string{"AUTH-1", "AUTH-2", "AUTH-3", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "MOD-2"}

// witnessedPath is the one route the upstream's witness logs: the only one a gateway forwards to a provider
// as a completion.
const witnessedPath = "/chat/completions"

// refusedByTheGateway says whether SEC-1 judges the scenario: one of its own requirements is on SEC-1's
// list, and its request is one the witness can see at all.
func refusedByTheGateway(sc scenario.Scenario) bool {
	if sc.Request.Path != witnessedPath {
		return false
	}
	return slices.ContainsFunc(sc.Requirements, func(id string) bool { return slices.Contains(gatewayRefuses, id) })
}

// witnessed applies a check only when the upstream's witness said something of every answer judged, or an
// answer carries the upstream's marker, which tells by itself.
func witnessed(e evidence) string {
	if e.witness == "" {
		return "needs upstream.witness in the profile: only the upstream can tell whether a request reached it"
	}
	if slices.ContainsFunc(e.exs, markedByTheUpstream) {
		return ""
	}
	for _, ex := range e.exs {
		sg, ok := e.seen[ex]
		if !ok {
			return "cannot tell: the request carried no nonce, and the answer no marker of the upstream's"
		}
		if sg.err != nil {
			return "cannot tell: " + sg.String()
		}
	}
	return ""
}

// checkNotForwarded fails a request the witness saw reach the upstream, or whose answer is the upstream's
// own: a gateway that drops the nonce's header, or rewrites the prompt, hides a request from the witness,
// never the upstream's marker it passes on.
func checkNotForwarded(e evidence) error {
	for _, ex := range e.exs {
		if sg := e.seen[ex]; sg.Reached {
			return fmt.Errorf("forwarded to the upstream: %s", sg)
		}
		if markedByTheUpstream(ex) {
			return fmt.Errorf("forwarded to the upstream: the answer (%d) carries the upstream's own marker, so the request reached it, though its witness did not see the request's nonce (the gateway dropped or rewrote it)", ex.Response.Status)
		}
	}
	return nil
}

// markedByTheUpstream says whether an answer carries the upstream's marker, in its headers or its body: it is
// (or holds) the upstream's own answer, so the request reached the upstream.
func markedByTheUpstream(ex *exchange.Exchange) bool {
	r := ex.Response
	if r == nil {
		return false
	}
	return r.Header.Get(witness.MarkerHeader) != "" || bytes.Contains(r.Body, []byte(witness.Marker))
}

// relayed says whether an error answer carries the upstream's marker: the gateway passed on the upstream's
// own answer, body or headers.
func relayed(ex *exchange.Exchange) bool {
	return markedByTheUpstream(ex) && ex.Response.Status >= 400
}
