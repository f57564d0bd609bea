package gateway

import (
	"net/http"
	"strings"
)

// modelsDefects are the defects of the catalogue, unknown models and what a completion carries (fixtures/scenarios/models.yaml).
func modelsDefects() []*Defect {
	return []*Defect{
		{
			Name:    "unknown-model-404",
			Summary: "An unknown model id is answered 404, as for a missing resource, instead of 400 model_not_found.",
			Breaks:  []string{"MOD-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUnknownModel {
					e.Status = http.StatusNotFound
				}
			},
		},
		{
			Name:    "unknown-model-503",
			Summary: "An unknown model id is answered 503 \"no channel available for this model\", as when every route to it were down, instead of 400 model_not_found: clients retry it forever.",
			Breaks:  []string{"MOD-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUnknownModel {
					e.Status, e.Type, e.Code = http.StatusServiceUnavailable, TypeServer, nil
					e.Message = "No channel is available for this model."
				}
			},
		},
		{
			Name:    "model-not-found-as-200",
			Summary: "An unknown model id is answered 200 OK with the error envelope as the body.",
			Breaks:  []string{"MOD-2", "ENV-7"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUnknownModel {
					e.Status = http.StatusOK
				}
			},
		},
		{
			Name:    "retrieve-model-200-envelope",
			Summary: "GET /v1/models/{id} for an id it does not list answers 200 OK carrying the error envelope.",
			Breaks:  []string{"ENV-7"},
			Rewrite: func(r *http.Request, e *APIError) {
				if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, modelsPath+"/") && e.Reason == ReasonUnknownModel {
					e.Status = http.StatusOK
				}
			},
		},

		// The model catalogue.
		{
			Name:    "unknown-model-invalid-request",
			Summary: "An unknown model is answered 400 invalid_request_error (code model_not_found), as OpenAI's own API answers, instead of type model_not_found.",
			Breaks:  []string{"MOD-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUnknownModel {
					e.Type = TypeInvalidRequest
				}
			},
		},
		{
			Name:    "models-list-renamed",
			Summary: "GET /v1/models answers {\"models\": [...]} instead of {\"data\": [...]}.",
			Breaks:  []string{"MOD-1", "MOD-3"},
			Wrap: rewriteModelList(func(list map[string]any) {
				list["models"] = list["data"]
				delete(list, "data")
			}),
		},
		{
			Name:    "models-without-supported-parameters",
			Summary: "GET /v1/models lists ids without supported_parameters.",
			Breaks:  []string{"MOD-3"},
			Wrap: rewriteModelList(func(list map[string]any) {
				entries, _ := list["data"].([]any)
				for _, entry := range entries {
					if m, ok := entry.(map[string]any); ok {
						delete(m, "supported_parameters")
					}
				}
			}),
		},
		{
			Name:    "listed-model-unavailable",
			Summary: "A model the catalogue lists (ref/chat-xl) is missing from the routing table: requests for it are answered 400 model_not_found.",
			Breaks:  []string{"MOD-4"},
			Before: func(g *Gateway, r *http.Request) *APIError {
				if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
					return nil
				}
				// The key is checked first, as the routing table is consulted
				// only for a request that would be served.
				if _, err := g.authenticate(r); err != nil {
					return nil
				}
				if requestedModel(r, g.maxBody) == unroutedModel {
					return unknownModel()
				}
				return nil
			},
		},
		{
			Name:      "models-list-without-object",
			Summary:   "conformant: GET /v1/models omits \"object\": \"list\" and each entry's \"object\", as the provider's own example does (MOD-1).",
			Variation: true,
			Wrap: rewriteModelList(func(list map[string]any) {
				delete(list, "object")
				entries, _ := list["data"].([]any)
				for _, entry := range entries {
					if m, ok := entry.(map[string]any); ok {
						delete(m, "object")
					}
				}
			}),
		},
		{
			Name:    "receipt-missing",
			Summary: "Successful completions carry no x-receipt-id.",
			Breaks:  []string{"RCPT-1"},
			Wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(&withoutReceipt{w}, r) })
			},
		},
	}
}
