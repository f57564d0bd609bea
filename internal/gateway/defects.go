package gateway

import (
	"math"
	"net/http"
	"sort"
	"time"
)

// Defect is a deliberate deviation from the contract, modelled on what real
// gateways do. The suite is run against the reference gateway with a defect
// switched on to prove that it notices; that is the only reason they exist.
//
// Every defect is a set of hooks on the single error writer, or on the
// configuration New starts from, so turning one on never needs a
// conditional elsewhere in the gateway.
type Defect struct {
	// Name is kebab-case and stable: it is how targets select the defect.
	Name string
	// Summary says, in one line, what real gateways do.
	Summary string
	// Breaks lists the requirement ids (REQUIREMENTS.md) the suite should
	// report as failed when the defect is on.
	Breaks []string

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
}

// forever is the timeout of a gateway that has none: nothing it waits on
// outlasts it.
const forever = time.Duration(math.MaxInt64)

// catalogue builds fresh values on every call so that callers cannot alter
// the definitions through the pointers they are given.
func defectCatalogue() []*Defect {
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
			Name:    "flat-envelope",
			Summary: "Errors carry message, type, code and param at the top level, without the error object.",
			Breaks:  []string{"ENV-1", "ENV-2", "ENV-3", "ENV-4", "ENV-7"},
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
			Rewrite: func(_ *http.Request, e *APIError) {
				if e.Reason == ReasonMalformedJSON {
					*e = APIError{
						Status:  http.StatusInternalServerError,
						Type:    TypeServer,
						Message: "Internal server error.",
						Reason:  e.Reason,
						Header:  e.Header,
					}
				}
			},
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
			Breaks:  []string{"UP-1", "UP-2", "UP-3", "UP-4"},
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
	}
}

// Defects returns the whole catalogue, sorted by name.
func Defects() []*Defect {
	all := defectCatalogue()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// LookupDefect finds a defect by name.
func LookupDefect(name string) (*Defect, bool) {
	for _, d := range defectCatalogue() {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}
