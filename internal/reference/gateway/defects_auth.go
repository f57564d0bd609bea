package gateway

import (
	"net/http"
	"slices"
	"strings"
)

// authDefects are the defects of the keys and schemes a gateway takes or refuses (fixtures/scenarios/auth.yaml).
func authDefects() []*Defect {
	return []*Defect{
		{
			Name:    "auth-401-as-403",
			Summary: "Authentication failures are answered 403 Forbidden instead of 401, body unchanged.",
			Breaks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Status == http.StatusUnauthorized {
					e.Status = http.StatusForbidden
				}
			},
		},
		{
			Name:    "key-accepted-under-basic",
			Summary: "The valid key is accepted under the Basic scheme (\"Basic <key>\"): the gateway takes whatever follows the first space as the key.",
			Breaks:  []string{"AUTH-3"},
			Before:  acceptKeyUnder(func(v string) (string, bool) { return strings.CutPrefix(v, "Basic ") }),
		},
		{
			Name:    "key-accepted-under-token",
			Summary: "The valid key is accepted under the Token scheme (\"Token <key>\"), as some proxies' own auth writes it.",
			Breaks:  []string{"AUTH-3"},
			Before:  acceptKeyUnder(func(v string) (string, bool) { return strings.CutPrefix(v, "Token ") }),
		},
		{
			Name:    "key-accepted-without-scheme",
			Summary: "The valid key is accepted with no scheme at all (\"Authorization: <key>\"): the gateway trims an optional \"Bearer \".",
			Breaks:  []string{"AUTH-3"},
			Before: acceptKeyUnder(func(v string) (string, bool) {
				return v, v != "" && !strings.Contains(v, " ")
			}),
		},

		// Authentication.
		{
			Name:          "catalogue-any-credentials",
			Summary:       "GET /v1/models wants an Authorization header but never checks it: a wrong key or Basic credentials list the catalogue.",
			Breaks:        []string{"AUTH-2", "AUTH-3"},
			ModelsNeedKey: true,
			Before: func(g *Gateway, r *http.Request) *APIError {
				if !catalogueRequest(r) {
					return nil
				}
				if _, present := r.Header["Authorization"]; present {
					return nil
				}
				_, err := g.authenticate(r)
				return err
			},
		}, {
			Name:    "openai-style-401",
			Summary: "Authentication failures are 401 with type invalid_request_error and code invalid_api_key, as OpenAI's own API answers.",
			Breaks:  []string{"AUTH-1", "AUTH-2", "AUTH-3"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Type == TypeAuthentication {
					e.Type = TypeInvalidRequest
					e.withCode("invalid_api_key")
				}
			},
		},
		{
			Name:    "missing-key-as-400",
			Summary: "A request without an Authorization header is answered 400 invalid_request_error, as a missing required header.",
			Breaks:  []string{"AUTH-1", "AUTH-4"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonNoKey {
					e.Status, e.Type = http.StatusBadRequest, TypeInvalidRequest
				}
			},
		},
		{
			Name:    "validate-before-auth",
			Summary: "The body is parsed and validated before the key is checked, so a bad key with a bad body gets the validation error.",
			Breaks:  []string{"AUTH-4"},
			Before: func(g *Gateway, r *http.Request) *APIError {
				if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
					return nil
				}
				if _, err := g.authenticate(r); err == nil {
					return nil
				}
				return g.checkBody(r)
			},
		},
		{
			Name:    "lowercase-scheme-rejected",
			Summary: "The auth scheme is matched case-sensitively: \"bearer <key>\" is refused as a malformed header.",
			Breaks:  []string{"AUTH-5"},
			Before: func(_ *Gateway, r *http.Request) *APIError {
				if r.URL.Path != chatCompletionsPath {
					return nil
				}
				for _, v := range r.Header.Values("Authorization") {
					scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
					if strings.EqualFold(scheme, "Bearer") && scheme != "Bearer" {
						return malformedAuth()
					}
				}
				return nil
			},
		},
		{
			Name:    "revoked-key-accepted",
			Summary: "Revocation is not enforced: a revoked key is served like any other.",
			Breaks:  []string{"AUTH-2", "SEC-1"},
			Tune: func(cfg *Config) {
				keys := slices.Clone(cfg.Keys)
				for i := range keys {
					keys[i].Revoked = false
				}
				cfg.Keys = keys
			},
		},
		{
			Name:          "catalogue-needs-key",
			Summary:       "conformant: GET /v1/models needs a key, as chat completions do, and refuses a missing, wrong or malformed one with 401 (MOD-1 leaves it to the gateway).",
			Variation:     true,
			ModelsNeedKey: true,
			Before: func(g *Gateway, r *http.Request) *APIError {
				if !catalogueRequest(r) {
					return nil
				}
				_, err := g.authenticate(r)
				return err
			},
		},
	}
}
