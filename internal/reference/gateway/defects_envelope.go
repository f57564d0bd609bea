package gateway

import (
	"net/http"
	"strings"
)

// envelopeDefects are the defects of what an error says and how it is encoded: the envelope, its members, its Content-Type (fixtures/scenarios/envelope.yaml).
func envelopeDefects() []*Defect {
	return []*Defect{
		{
			Name:    "flat-envelope",
			Summary: "Errors carry message, type, code and param at the top level, without the error object.",
			Breaks:  []string{"ENV-1", "ENV-7", "ENV-9", "LIMIT-1", "LIMIT-3", "NEG-1", "SRV-1", "SRV-2", "STREAM-2", "REQ-9"},
			Blocks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "ENV-2", "ENV-3", "ENV-4", "ENV-10", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-7", "REQ-8", "UP-1", "UP-2", "UP-3", "UP-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				body, err := marshal(envelopeBody{Message: e.Message, Type: e.Type, Code: e.Code, Param: e.Param})
				if err != nil {
					return encodeEnvelope(e)
				}
				return e.Status, jsonContentType, body
			},
		},

		// The envelope's shape.
		{
			Name:    "error-as-string",
			Summary: "The error is a bare string, {\"error\": \"<message>\"}, with no type, code or param: no error object, so ENV-1 and every requirement that says \"with the envelope\" fail; the members inside are not judged.",
			Breaks:  []string{"ENV-1", "ENV-7", "ENV-9", "LIMIT-1", "LIMIT-3", "NEG-1", "SRV-1", "SRV-2", "STREAM-2", "REQ-9"},
			Blocks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "ENV-2", "ENV-3", "ENV-4", "ENV-10", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-7", "REQ-8", "UP-1", "UP-2", "UP-3", "UP-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				return encodeAs(e, jsonContentType, map[string]any{"error": e.Message})
			},
		},
		{
			Name:    "integer-code",
			Summary: "error.code is the numeric HTTP status instead of null or a string.",
			Breaks:  []string{"ENV-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				m["code"] = e.Status
				return encodeAs(e, jsonContentType, map[string]any{"error": m})
			},
		},
		{
			Name:    "type-class-name",
			Summary: "error.type is the SDK's exception class for the status (BadRequestError, AuthenticationError, NotFoundError...) instead of the contract's type.",
			Breaks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "UP-1", "UP-2", "UP-3", "UP-4", "STREAM-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				e.Type = sdkClassName(e.Status)
			},
		},
		{
			Name:    "param-missing",
			Summary: "The envelope has no param member at all, instead of param: null.",
			Breaks:  []string{"ENV-4", "REQ-7"},
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				delete(m, "param")
				return encodeAs(e, jsonContentType, map[string]any{"error": m})
			},
		},
		{
			Name:    "message-null",
			Summary: "error.message is null; the status and type carry all there is.",
			Breaks:  []string{"ENV-2"},
			Blocks:  []string{"ENV-10"},
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				m["message"] = nil
				return encodeAs(e, jsonContentType, map[string]any{"error": m})
			},
		},
		{
			Name:    "proxy-html-502",
			Summary: "Upstream failures reach the client as the fronting proxy's own HTML 502 page (text/html), not the gateway's envelope.",
			Breaks:  []string{"ENV-1", "ENV-5", "ENV-7", "STREAM-2"},
			Blocks:  []string{"ENV-2", "ENV-3", "ENV-4", "ENV-10", "UP-1", "UP-2", "UP-3", "UP-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				if e.Type != TypeUpstream {
					return encodeEnvelope(e)
				}
				return http.StatusBadGateway, htmlContentType, []byte(proxyBadGatewayPage)
			},
		},
		{
			Name:    "text-plain-errors",
			Summary: "The JSON envelope is labelled Content-Type: text/plain.",
			Breaks:  []string{"ENV-5"},
			Encode: func(e *APIError) (int, string, []byte) {
				status, _, body := encodeEnvelope(e)
				return status, textContentType, body
			},
		},
		{
			Name:    "key-echoed",
			Summary: "A refused key is quoted back in error.message (\"Incorrect API key provided: <key>\").",
			Breaks:  []string{"ENV-8"},
			Rewrite: func(r *http.Request, e *APIError) {
				if e.Reason != ReasonBadKey && e.Reason != ReasonRevokedKey {
					return
				}
				_, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
				e.Message = "Incorrect API key provided: " + strings.TrimSpace(token) + ". Check the key and try again."
			},
		},
		{
			Name:    "plain-404",
			Summary: "Unknown routes and wrong methods get the router's plain-text \"404 page not found\" and \"405 method not allowed\".",
			Breaks:  []string{"ENV-9"},
			Encode: func(e *APIError) (int, string, []byte) {
				switch e.Reason {
				case ReasonUnknownRoute:
					return e.Status, textContentType, []byte("404 page not found\n")
				case ReasonMethodNotAllowed:
					return e.Status, textContentType, []byte("405 method not allowed\n")
				}
				return encodeEnvelope(e)
			},
		},

		// Seen on real gateways: each breaks one requirement of the charging rules.
		{
			Name:    "plain-404-put-patch",
			Summary: "PUT and PATCH on /v1/chat/completions fall through to the router's plain-text \"404 page not found\"; GET and DELETE still get the envelope.",
			Breaks:  []string{"ENV-9"},
			Before: func(_ *Gateway, r *http.Request) *APIError {
				if r.URL.Path == chatCompletionsPath && (r.Method == http.MethodPut || r.Method == http.MethodPatch) {
					return newError(http.StatusNotFound, TypeInvalidRequest, ReasonPlainNotFound, "404 page not found")
				}
				return nil
			},
			Encode: func(e *APIError) (int, string, []byte) {
				if e.Reason == ReasonPlainNotFound {
					return e.Status, textContentType, []byte("404 page not found\n")
				}
				return encodeEnvelope(e)
			},
		},
		{
			Name:    "code-param-missing-on-transient",
			Summary: "429, 500 and 503 answers, written by another layer than the validation errors, carry message and type but no code or param.",
			Breaks:  []string{"ENV-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				switch e.Status {
				case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
					m := envelopeMembers(e)
					delete(m, "code")
					delete(m, "param")
					return encodeAs(e, jsonContentType, map[string]any{"error": m})
				}
				return encodeEnvelope(e)
			},
		},
		{
			Name:    "type-null",
			Summary: "error.type is null on every error: clients that branch on it find nothing.",
			Breaks:  []string{"ENV-3", "STREAM-2"},
			Blocks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "UP-1", "UP-2", "UP-3", "UP-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				m["type"] = nil
				return encodeAs(e, jsonContentType, map[string]any{"error": m})
			},
		},
		{
			Name:    "type-at-top-level",
			Summary: "error.type sits beside the error object, at the top level: the error object has message, code and param only.",
			Breaks:  []string{"ENV-3", "STREAM-2"},
			Blocks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "UP-1", "UP-2", "UP-3", "UP-4"},
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				delete(m, "type")
				return encodeAs(e, jsonContentType, map[string]any{"error": m, "type": e.Type})
			},
		},
		{
			Name:    "type-empty",
			Summary: "error.type is the empty string on every error: a string, but no discriminator.",
			Breaks:  []string{"ENV-3", "STREAM-2"},
			Blocks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "MOD-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "UP-1", "UP-2", "UP-3", "UP-4"},
			Rewrite: func(_ *http.Request, e *APIError) { e.Type = "" },
		},
		{
			Name:    "message-empty",
			Summary: "error.message is the empty string on every error: the client learns what kind of error, never what went wrong.",
			Breaks:  []string{"ENV-10"},
			Rewrite: func(_ *http.Request, e *APIError) { e.Message = "" },
		},
		{
			// A JSON object may name a member twice; RFC 8259 leaves which one counts to the reader. The
			// suite's own reading (Go's encoding/json) keeps the last, so every raw check passes; only the
			// official SDK, which finds "error" with gjson, keeps the first.
			Name:    "error-member-twice",
			Summary: `A proxy stamps a request id on every error by splicing "error":{"request_id":...} in after the body's opening brace, not into the gateway's error object, so "error" is named twice: JSON readers that keep the last (Go's encoding/json, JavaScript's JSON.parse, Python's json) see the envelope, but openai-go keeps the first and surfaces an error without type or message.`,
			Breaks:  []string{"CLIENT-1"},
			Encode: func(e *APIError) (int, string, []byte) {
				status, contentType, body := encodeEnvelope(e)
				spliced := append([]byte(`{"error":{"request_id":"req_`+newTraceID()+`"},`), body[1:]...)
				return status, contentType, spliced
			},
		},

		// Conformant variations: the suite must pass them.
		{
			Name:      "extra-members",
			Summary:   "conformant: every error envelope carries extra members, request_id inside error and trace_id at the top level (ENV-6).",
			Variation: true,
			Encode: func(e *APIError) (int, string, []byte) {
				m := envelopeMembers(e)
				m["request_id"] = "req_" + newTraceID()
				return encodeAs(e, jsonContentType, map[string]any{"error": m, "trace_id": newTraceID()})
			},
		},
		{
			Name:      "wrong-method-404",
			Summary:   "conformant: a wrong method on a POST route is answered 404 with the envelope, as routers that match path and method together do (ENV-9 reports the status).",
			Variation: true,
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonMethodNotAllowed {
					e.Status = http.StatusNotFound
					e.Header.Del("Allow")
				}
			},
		},
		{
			Name:      "gzip-errors",
			Summary:   "conformant: every error body is sent gzip-coded (Content-Encoding: gzip), as behind a compressing proxy; a request without Accept-Encoding accepts any coding (RFC 9110, ENV-1).",
			Variation: true,
			Wrap:      gzipErrors,
		},
		{
			Name:      "undocumented-type-names",
			Summary:   "conformant: where the page documents no error.type, other names are used: insufficient_quota (403), rate_limit_exceeded (429), api_error (500), overloaded_error (503).",
			Variation: true,
			Rewrite: func(_ *http.Request, e *APIError) {
				switch e.Reason {
				case ReasonInsufficientCredits:
					e.Type = "insufficient_quota"
				case ReasonRateLimited:
					e.Type = "rate_limit_exceeded"
				case ReasonInternal:
					e.Type = "api_error"
				case ReasonMaintenance:
					e.Type = "overloaded_error"
				}
			},
		},
	}
}
