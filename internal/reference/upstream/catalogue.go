package upstream

import "net/http"

// chatParameters are what the healthy chat models and the fault models
// take: the reference gateway's catalogue promises no more than this, as a
// gateway's list should never outgrow its provider's.
var chatParameters = []string{
	"max_tokens", "temperature", "top_p", "n", "stream", "stop",
	"presence_penalty", "frequency_penalty", "seed", "user",
}

// reasoningModel takes max_completion_tokens in place of max_tokens, as
// OpenAI's reasoning models do.
const reasoningModel = "upstream-reasoning-small"

var reasoningParameters = []string{"max_completion_tokens", "stream", "seed", "user"}

// supportedParameters is a model's list: a model the upstream knows nothing
// special about, one given with --models included, is a chat model.
func supportedParameters(model string) []string {
	if model == reasoningModel {
		return reasoningParameters
	}
	return chatParameters
}

func (h *handler) listModels(w http.ResponseWriter) {
	type entry struct {
		ID                  string   `json:"id"`
		Object              string   `json:"object"`
		OwnedBy             string   `json:"owned_by"`
		SupportedParameters []string `json:"supported_parameters"`
	}
	data := make([]entry, 0, len(h.list))
	for _, id := range h.list {
		data = append(data, entry{ID: id, Object: "model", OwnedBy: "gwconform-upstream", SupportedParameters: supportedParameters(id)})
	}
	_ = writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}
