package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

// Defect is a deliberate deviation from the contract, modelled on what real
// gateways do. The suite is run against the reference gateway with a defect
// switched on to prove that it notices; that is the only reason they exist.
//
// Every defect is a set of hooks: on the single error writer (Rewrite,
// Encode), on the request before routing (Before), around the whole gateway
// (Wrap), or on the configuration New starts from (Tune). Turning one on
// never needs a conditional elsewhere in the gateway.
type Defect struct {
	// Name is kebab-case and stable: it is how targets select the defect.
	Name string
	// Summary says, in one line, what real gateways do.
	Summary string
	// Breaks lists the requirement ids (REQUIREMENTS.md) the suite should
	// report as failed when the defect is on. It is empty for a Variation.
	Breaks []string
	// Blocks lists the requirement ids the suite should report blocked: a
	// check deciding them cannot be made because the answer lacks what it
	// reads, a lack one of Breaks is charged with.
	Blocks []string
	// Variation marks a conformant deviation: something real gateways do
	// that the contract allows, which the suite must not fail. Its Summary
	// starts with "conformant:".
	Variation bool
	// Requires is a header ("Name: value") the gateway wants on every
	// request, as gateways behind a router do. Run with it (--header), the
	// gateway is conformant; without it, it cannot be tested at all.
	Requires string
	// ModelsNeedKey says the defect makes GET /v1/models need a key: the
	// gateway's profile says so (models_need_key: true).
	ModelsNeedKey bool

	// Rewrite changes the error (status, type, code, headers...) before
	// it is encoded. Nil leaves it alone.
	Rewrite func(r *http.Request, e *APIError)
	// Encode replaces the envelope's encoding. Nil keeps the contract's;
	// the first non-nil Encode among the configured defects wins.
	Encode func(e *APIError) (status int, contentType string, body []byte)
	// Tune changes New's copy of the configuration, for a deviation in
	// behaviour rather than in what an error says. It may replace fields,
	// not alter the slices they share with the caller.
	Tune func(cfg *Config)
	// Before runs first in ServeHTTP, before routing, for a deviation in
	// what the gateway refuses or how it reads a request. It is given the
	// gateway so that it reuses the gateway's own checks instead of copying
	// them. It may alter r: its headers, or its body if what it reads is put
	// back (see peekBody). A non-nil error is answered through writeError
	// and ends the request.
	Before func(g *Gateway, r *http.Request) *APIError
	// Wrap is middleware around the whole gateway, for a deviation in
	// successful answers or at the connection level. The first configured
	// defect's middleware is the outermost.
	Wrap func(next http.Handler) http.Handler
	// Serve takes a request over entirely, after Before, for a gateway that
	// does none of its own work on it (a pass-through); true when it has
	// answered.
	Serve func(g *Gateway, w http.ResponseWriter, r *http.Request) bool
}

// forever is the timeout of a gateway that has none: nothing it waits on
// outlasts it.
const forever = time.Duration(math.MaxInt64)

// defectList builds fresh values on every call so that callers cannot alter
// the definitions through the pointers they are given.
func defectList() []*Defect {
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
		{
			Name:    "malformed-json-500",
			Summary: "A body that is not JSON escapes as an unhandled parse failure: 500 server_error.",
			Breaks:  []string{"REQ-1"},
			Rewrite: unhandled(ReasonMalformedJSON),
		},
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
			Name:    "upstream-5xx-as-500",
			Summary: "Every upstream failure (5xx, unreachable, timeout, malformed answer) is answered 500 server_error, as the gateway's own, instead of 502 upstream_error.",
			Breaks:  []string{"UP-1", "UP-2", "UP-3", "UP-4", "STREAM-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Type == TypeUpstream {
					*e = *internalError()
				}
			},
		},
		{
			Name:    "no-retry-after",
			Summary: "429 and 503 answers come without Retry-After, leaving clients to guess when to retry.",
			Breaks:  []string{"LIMIT-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
					e.Header.Del("Retry-After")
				}
			},
		},
		{
			Name:    "leak-upstream-body",
			Summary: "The upstream's own error body, hostnames, secrets and stack traces included, becomes error.message.",
			Breaks:  []string{"UP-5"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if len(e.upstreamBody) > 0 {
					e.Message = string(e.upstreamBody)
				}
			},
		},
		{
			Name:    "upstream-no-timeout",
			Summary: "The gateway waits for the upstream without a timeout, so a stalled upstream holds the client until the client gives up.",
			Breaks:  []string{"UP-3"},
			Tune: func(cfg *Config) {
				cfg.UpstreamTimeout = forever
			},
		},
		{
			Name:    "upstream-timeout-504",
			Summary: "An upstream timeout is answered 504 timeout_error instead of 502 upstream_error.",
			Breaks:  []string{"UP-3"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonUpstreamTimeout {
					e.Status, e.Type = http.StatusGatewayTimeout, "timeout_error"
				}
			},
		},
		{
			Name:    "verification-as-502",
			Summary: "A failed confidential-compute verification is answered 502 upstream_error, as if it were transient.",
			Breaks:  []string{"UP-6"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonVerificationFailed {
					e.Status, e.Type = http.StatusBadGateway, TypeUpstream
				}
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
			Name:    "param-null",
			Summary: "error.param is always null, even when one parameter is at fault.",
			Breaks:  []string{"REQ-7"},
			Rewrite: func(_ *http.Request, e *APIError) {
				e.Param = nil
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
			Name:    "retrieve-model-200-envelope",
			Summary: "GET /v1/models/{id} for an id it does not list answers 200 OK carrying the error envelope.",
			Breaks:  []string{"ENV-7"},
			Rewrite: func(r *http.Request, e *APIError) {
				if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, modelsPath+"/") && e.Reason == ReasonUnknownModel {
					e.Status = http.StatusOK
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
			Name:    "pass-through",
			Summary: "Chat completions are forwarded as they came, with no key checked, no body validated and the upstream's answer relayed as it comes: every refusal is left to the upstream, invalid requests are served (and billed), and a stalled or malformed upstream answer reaches the client as a 200.",
			Breaks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", "LIMIT-1", "LIMIT-3", "MOD-2", "NEG-1", "RCPT-1", "RCPT-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "SRV-1", "SRV-2", "STREAM-2", "UP-3", "UP-4", "UP-6", "SEC-1"},
			Serve:   passThrough,
		},
		{
			Name:    "stream-errors-as-events",
			Summary: "A stream: true request refused before the first token is answered 200 text/event-stream, with the error as an event: the client's status-based error handling never runs.",
			Breaks:  []string{"STREAM-1"},
			Wrap:    errorsAsEvents,
		},
		{
			Name:    "stream-refusals-as-200",
			Summary: "A stream: true request refused before the first token gets the JSON envelope, but under 200, the status of the stream it asked for.",
			Breaks:  []string{"ENV-7", "STREAM-1"},
			Wrap:    streamRefusalsAs200,
		},
		{
			Name:    "stream-refusals-labelled-as-events",
			Summary: "A stream: true request refused before the first token gets the right status and envelope, labelled Content-Type: text/event-stream.",
			Breaks:  []string{"ENV-5"},
			Wrap:    streamRefusalsLabelledAsEvents,
		},
		{
			Name:    "malformed-stream-as-done",
			Summary: "A stream: true request whose upstream answers a body that is no event stream gets a 200 event stream holding only data: [DONE]: an empty completion, where the plain request gets 502.",
			Breaks:  []string{"STREAM-1"},
			Wrap:    malformedStreamAsDone,
		},
		{
			Name:    "stream-ends-silently",
			Summary: "An upstream failure mid-stream just ends the stream, with no error event: the client takes a broken answer for a complete one.",
			Breaks:  []string{"STREAM-2"},
			Wrap:    endStreams(true),
		},
		{
			Name:    "done-before-error",
			Summary: "An upstream failure mid-stream is reported after data: [DONE], which clients stop reading at.",
			Breaks:  []string{"STREAM-2"},
			Wrap:    endStreams(false),
		},
		{
			Name:    "receipt-missing",
			Summary: "Successful completions carry no x-receipt-id.",
			Breaks:  []string{"RCPT-1"},
			Wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(&withoutReceipt{w}, r) })
			},
		},
		{
			Name:    "verification-unreported",
			Summary: "A confidential model's completion no longer reports upstream.verified: the client cannot tell a verified answer from any other.",
			Breaks:  []string{"RCPT-2"},
			Wrap:    withoutVerification,
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

		// Transient and forbidden conditions.
		{
			Name:    "rate-limit-as-503",
			Summary: "Rate limiting is answered 503 Service Unavailable instead of 429.",
			Breaks:  []string{"LIMIT-1"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Status == http.StatusTooManyRequests {
					e.Status = http.StatusServiceUnavailable
				}
			},
		},
		{
			Name:    "credits-as-402",
			Summary: "Insufficient credits are answered 402 Payment Required instead of 403.",
			Breaks:  []string{"LIMIT-3"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonInsufficientCredits {
					e.Status = http.StatusPaymentRequired
				}
			},
		},
		{
			Name:    "internal-error-html",
			Summary: "A gateway-internal error reaches the client as the web framework's HTML stack-trace page (500, text/html).",
			Breaks:  []string{"ENV-1", "ENV-5", "ENV-7", "SRV-1"},
			Blocks:  []string{"ENV-2", "ENV-3", "ENV-4", "ENV-10"},
			Encode: func(e *APIError) (int, string, []byte) {
				if e.Reason != ReasonInternal {
					return encodeEnvelope(e)
				}
				return http.StatusInternalServerError, htmlContentType, []byte(stackTracePage)
			},
		},
		{
			Name:    "maintenance-as-502",
			Summary: "A model under maintenance is answered 502 upstream_error, as if its provider had failed, instead of 503.",
			Breaks:  []string{"SRV-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonMaintenance {
					*e = *upstreamError(ReasonUpstreamUnreachable)
				}
			},
		},
		{
			Name:    "rate-limit-never-clears",
			Summary: "A key's own rate limit refills so slowly (one request per 100 s) that retrying with back-off never clears it; Retry-After says so honestly.",
			Breaks:  []string{"SRV-3"},
			Tune: func(cfg *Config) {
				keys := slices.Clone(cfg.Keys)
				for i := range keys {
					if keys[i].RateLimit != nil {
						keys[i].RateLimit = &RateLimit{PerSecond: 0.01, Burst: 2}
					}
				}
				cfg.Keys = keys
			},
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
		{
			Name:    "should-retry-true",
			Summary: "Every error carries x-should-retry: true, the header OpenAI's own API steers its SDKs with, as a gateway that relays its provider's headers onto its own errors does: openai-go obeys it over the status, and retries 400 and 401.",
			Breaks:  []string{"CLIENT-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				e.withHeader("X-Should-Retry", "true")
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
			Name:      "retry-after-ms",
			Summary:   "conformant: a Retry-After answer also carries Retry-After-Ms, the wait to the millisecond that Retry-After rounds up, which openai-go obeys first (CLIENT-2 judges which statuses are retried, not when).",
			Variation: true,
			Rewrite: func(_ *http.Request, e *APIError) {
				secs, err := strconv.Atoi(e.Header.Get("Retry-After"))
				if err != nil || secs < 1 {
					return
				}
				e.Header.Set("Retry-After-Ms", strconv.Itoa(secs*1000-700))
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
		{
			Name:      "fault-model-unrouted",
			Summary:   "conformant: the model that provokes the upstream's own 400 (fault/status-400) is missing from the routing table, so the gateway answers it 400 model_not_found without asking the upstream: the fault is never provoked, and its scenario is not judged.",
			Variation: true,
			Before: func(g *Gateway, r *http.Request) *APIError {
				if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
					return nil
				}
				if _, err := g.authenticate(r); err != nil {
					return nil
				}
				if m, ok := g.models.byID[requestedModel(r, g.maxBody)]; ok && m.UpstreamID == faults.Status400.Model {
					return unknownModel()
				}
				return nil
			},
		},
		completionLimiter(),
		{
			Name:      "early-413-and-close",
			Summary:   "conformant: an oversized body is read for its first MiB, then refused 413 with the envelope, and the connection closed with the rest unread, as body-size limits in HTTP frameworks do: the client may see a reset while it still writes (REQ-9 allows it).",
			Variation: true,
			Before:    earlyRefusal,
		},
		{
			Name:      "gzip-errors",
			Summary:   "conformant: every error body is sent gzip-coded (Content-Encoding: gzip), as behind a compressing proxy; a request without Accept-Encoding accepts any coding (RFC 9110, ENV-1).",
			Variation: true,
			Wrap:      gzipErrors,
		},
		{
			Name:      "retry-after-http-date",
			Summary:   "conformant: Retry-After is an HTTP-date rather than delta-seconds (LIMIT-2 allows both).",
			Variation: true,
			Rewrite: func(_ *http.Request, e *APIError) {
				secs, err := strconv.Atoi(e.Header.Get("Retry-After"))
				if err != nil {
					return
				}
				// An HTTP-date has whole seconds: one more keeps the promise.
				at := time.Now().Add(time.Duration(secs+1) * time.Second)
				e.Header.Set("Retry-After", at.UTC().Format(http.TimeFormat))
			},
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
	}
}

// catalogueRequest says r lists the catalogue.
func catalogueRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == modelsPath
}

// The routing header routing-header-required wants, and the one tenant it serves.
const (
	routingHeader = "X-Gwc-Tenant"
	routingTenant = "tenant-7"
)

// fingerprintHeader carries flaky-second-answer's fingerprint of a request
// from its Before to its Rewrite; Before always overwrites what a client
// sent under that name.
const fingerprintHeader = "X-Gwconform-Fingerprint"

// flakySecondAnswer counts identical requests (method, path, Authorization,
// body) that end in 400 or 401, and answers the second of each 500: the
// kind of flakiness a cache or a racing replica produces. Its count lives in
// the defect, so a gateway should be given a Defect of its own, as
// LookupDefect returns.
func flakySecondAnswer() *Defect {
	var mu sync.Mutex
	seen := map[string]int{}
	return &Defect{
		Name:    "flaky-second-answer",
		Summary: "The same request refused twice gets a different answer the second time: the second of two identical 400 or 401 answers is a 500 server_error.",
		Breaks:  []string{"REQ-10"},
		Before: func(g *Gateway, r *http.Request) *APIError {
			h := sha256.New()
			fmt.Fprintf(h, "%s\x00%s\x00%q\x00", r.Method, r.URL.Path, r.Header.Values("Authorization"))
			h.Write(peekBody(r, g.maxBody+1))
			r.Header.Set(fingerprintHeader, hex.EncodeToString(h.Sum(nil)))
			return nil
		},
		Rewrite: func(r *http.Request, e *APIError) {
			fp := r.Header.Get(fingerprintHeader)
			if fp == "" || e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized {
				return
			}
			mu.Lock()
			seen[fp]++
			n := seen[fp]
			mu.Unlock()
			if n == 2 {
				*e = *internalError()
			}
		},
	}
}

// Defects returns every defect, sorted by name.
func Defects() []*Defect {
	all := defectList()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// LookupDefect finds a defect by name.
func LookupDefect(name string) (*Defect, bool) {
	for _, d := range defectList() {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// acceptKeyUnder is the defect of a gateway that takes the key from a header written some other way than
// "Bearer <key>": token reads the key out of such a value, and the request goes on as if it were Bearer.
func acceptKeyUnder(token func(v string) (string, bool)) func(*Gateway, *http.Request) *APIError {
	return func(_ *Gateway, r *http.Request) *APIError {
		if k, ok := token(r.Header.Get("Authorization")); ok {
			r.Header.Set("Authorization", "Bearer "+k)
		}
		return nil
	}
}
