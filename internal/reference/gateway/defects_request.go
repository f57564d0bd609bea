package gateway

import "net/http"

// requestDefects are the defects of how a gateway reads and refuses a request body (fixtures/scenarios/request.yaml).
func requestDefects() []*Defect {
	return []*Defect{
		{
			Name:    "malformed-json-500",
			Summary: "A body that is not JSON escapes as an unhandled parse failure: 500 server_error.",
			Breaks:  []string{"REQ-1"},
			Rewrite: unhandled(ReasonMalformedJSON),
		},
		{
			Name:    "param-null",
			Summary: "error.param is always null, even when one parameter is at fault.",
			Breaks:  []string{"REQ-7"},
			Rewrite: func(_ *http.Request, e *APIError) {
				e.Param = nil
			},
		},

		// Request validation.
		{
			Name:    "not-object-500",
			Summary: "JSON that is not an object (an array, a string, a number, null) escapes as an unhandled type assertion: 500 server_error.",
			Breaks:  []string{"NEG-1", "REQ-2"},
			Rewrite: unhandled(ReasonNotObject),
		},
		{
			Name:    "missing-model-as-not-found",
			Summary: "A body without model is answered as an unknown model: 400 model_not_found.",
			Breaks:  []string{"REQ-3"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonMissingParam && e.Param != nil && *e.Param == "model" {
					e.Type = TypeModelNotFound
					e.withCode("model_not_found")
				}
			},
		},
		{
			Name:    "wrong-type-422",
			Summary: "A parameter of the wrong JSON type is answered 422 Unprocessable Entity, as web frameworks' schema validation does.",
			Breaks:  []string{"REQ-4", "NEG-1"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonWrongType {
					e.Status = http.StatusUnprocessableEntity
				}
			},
		},
		{
			Name:    "out-of-range-as-upstream-error",
			Summary: "Out-of-range values are not checked but forwarded, and the upstream's refusal is answered 502 upstream_error.",
			Breaks:  []string{"NEG-1", "REQ-5"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonOutOfRange {
					*e = *upstreamError(ReasonUpstreamStatus)
				}
			},
		},
		{
			Name:    "unsupported-param-as-upstream-error",
			Summary: "Parameters the model does not support are forwarded, and the upstream's refusal is answered 502 upstream_error.",
			Breaks:  []string{"REQ-6"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUnsupportedParam {
					*e = *upstreamError(ReasonUpstreamStatus)
				}
			},
		},
		// Found only by generated invalid bodies: no hand-written scenario
		// has a lone surrogate, deep nesting or a role that is not a string.
		{
			Name:    "lone-surrogate-500",
			Summary: "A string with a lone UTF-16 surrogate escape (\\ud800 with no low half after it) escapes as an unhandled encoding failure when the body is re-encoded for the upstream: 500 server_error.",
			Breaks:  []string{"NEG-1"},
			Rewrite: unhandled(ReasonLoneSurrogate),
		},
		{
			Name:    "deep-nesting-500",
			Summary: "A body nested more than 64 levels deep (arrays and objects inside each other) overflows the JSON parser's depth limit, an exception nothing catches: 500 server_error, before any validation.",
			Breaks:  []string{"NEG-1"},
			Before:  failDeepNesting,
		},
		{
			Name:    "role-type-unchecked",
			Summary: "A message whose role is not a string (1, true, null, an object) is not refused: the role is read leniently, as the default, user, and the request is served.",
			Breaks:  []string{"REQ-4", "NEG-1", "SEC-1"},
			Before:  readRolesLeniently,
		},
		{
			Name:    "content-type-ignored",
			Summary: "The Content-Type header is ignored: a text/plain body is parsed as JSON anyway.",
			Breaks:  []string{"REQ-8", "SEC-1"},
			Before: func(_ *Gateway, r *http.Request) *APIError {
				if r.URL.Path == chatCompletionsPath && checkContentType(r) != nil {
					r.Header.Del("Content-Type")
				}
				return nil
			},
		},
		{
			Name:    "oversized-body-reset",
			Summary: "An oversized body is refused by resetting the connection, with no answer at all.",
			Breaks:  []string{"REQ-9"},
			Wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(&dropOnStatus{ResponseWriter: w, status: http.StatusRequestEntityTooLarge}, r)
				})
			},
		},
		flakySecondAnswer(),
		{
			Name:      "early-413-and-close",
			Summary:   "conformant: an oversized body is read for its first MiB, then refused 413 with the envelope, and the connection closed with the rest unread, as body-size limits in HTTP frameworks do: the client may see a reset while it still writes (REQ-9 allows it).",
			Variation: true,
			Before:    earlyRefusal,
		},
		{
			Name:      "routing-header-required",
			Summary:   "conformant: every request must carry the routing header " + routingHeader + ": " + routingTenant + ", as gateways behind a tenant router want; without it every request is refused 400 (serve --profile-out's profile carries it; a bare run needs --header).",
			Variation: true,
			Requires:  routingHeader + ": " + routingTenant,
			Before: func(_ *Gateway, r *http.Request) *APIError {
				switch got := r.Header.Get(routingHeader); {
				case got == "":
					return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonMissingRoute,
						"Missing "+routingHeader+" header: this gateway serves several tenants.").withCode("missing_tenant")
				case got != routingTenant:
					return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonMissingRoute,
						routingHeader+" names no tenant of this gateway: it serves "+routingTenant+".").withCode("unknown_tenant")
				}
				return nil
			},
		},
	}
}
