package suite

import (
	"slices"

	"github.com/gwconform/gwconform/internal/scenario"
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
