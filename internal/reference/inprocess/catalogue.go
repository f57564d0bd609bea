package inprocess

import (
	"slices"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/reference/gateway"
)

var chatParameters = []string{
	"temperature", "top_p", "n", "max_tokens", "stream", "stop",
	"presence_penalty", "frequency_penalty", "seed", "user",
}

// Catalogue is the reference target's public models and the upstream ids
// they map to. ref/reasoning-small is the model that takes
// max_completion_tokens and refuses max_tokens and temperature. The healthy
// models come first, so that a client picking the first suitable model
// picks one that answers; the trigger models of FaultModels follow.
func Catalogue() []gateway.Model {
	return slices.Concat(healthyModels(), triggerModels())
}

func healthyModels() []gateway.Model {
	models := []gateway.Model{
		chatModel("ref/chat-small", "upstream-chat-small"),
		chatModel("ref/chat-xl", "upstream-chat-large"),
		{ID: "ref/reasoning-small", UpstreamID: "upstream-reasoning-small",
			SupportedParameters: []string{"max_completion_tokens", "stream", "seed", "user"}, OwnedBy: "gwconform"},
		withConfidential(chatModel(ConfidentialModel, "upstream-confidential-small")),
	}
	for i := range models {
		models[i].UpstreamTimeout = healthyUpstreamTimeout
	}
	return models
}

// healthyUpstreamTimeout bounds the upstream exchanges of every model but the two whose upstream holds its
// answer. The gateway's own timeout (the profile's upstream.timeout, short so that the timeout faults answer
// quickly) is theirs; a completion or a fault answered at once, which a machine starved of CPU may take a
// second or more to make, is not held to it, so no verdict of the reference depends on how busy the machine
// is.
const healthyUpstreamTimeout = 30 * time.Second

// ConfidentialModel is served only from verified confidential compute: its completions report the
// verification (RCPT-2).
const ConfidentialModel = "ref/confidential-small"

// triggerModels are the models FaultModels names: each pulls one trigger.
func triggerModels() []gateway.Model {
	maint := chatModel(maintenanceModel, "upstream-chat-small")
	maint.Maintenance = true
	misrouted := chatModel(misroutedModel, "upstream-chat-small")
	// Not a URL (an unclosed IPv6 literal): the gateway finds out only when
	// a request takes this route.
	misrouted.UpstreamURL = "http://[::1"
	models := []gateway.Model{maint, misrouted}
	for _, f := range faults.All() {
		m := chatModel(faultModel(f), f.Model)
		if f == faults.Unverified {
			m = withConfidential(m)
		}
		if !holds(f) {
			m.UpstreamTimeout = healthyUpstreamTimeout // it answers (or fails) at once: no timeout to meet
		}
		models = append(models, m)
	}
	return models
}

// holds says the fault is the upstream holding its answer: only those meet the gateway's own (short)
// upstream timeout, the one the profile states for UP-3.
func holds(f faults.Fault) bool { return f == faults.Timeout || f == faults.SlowFirstByte }

const (
	maintenanceModel = "ref/maintenance"
	misroutedModel   = "ref/misrouted"
)

// faultModel is the public id of a fault: its upstream id under ref/.
func faultModel(f faults.Fault) string {
	return "ref/" + strings.TrimPrefix(f.Model, "fault/")
}

// FaultModels maps each trigger key to the public model that pulls it: see
// Stack.FaultModels.
func FaultModels() map[string]string {
	m := map[string]string{"maintenance": maintenanceModel, "internal": misroutedModel}
	for _, f := range faults.All() {
		m[f.Key] = faultModel(f)
	}
	return m
}

func chatModel(id, upstreamID string) gateway.Model {
	return gateway.Model{ID: id, UpstreamID: upstreamID, SupportedParameters: chatParameters, OwnedBy: "gwconform"}
}

func withConfidential(m gateway.Model) gateway.Model {
	m.Confidential = true
	return m
}
