package gateway

import (
	"net/http"

	"github.com/gwconform/gwconform/internal/faults"
)

// upstreamDefects are the defects of how a gateway passes on its upstream's failures (fixtures/scenarios/upstream.yaml).
func upstreamDefects() []*Defect {
	return []*Defect{
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
			Name:    "upstream-timeout-late",
			Summary: "The gateway's upstream timeout is six times the one its profile declares: a stalled upstream is given up on, and answered 502, but late.",
			Breaks:  []string{"UP-3"},
			Tune: func(cfg *Config) {
				cfg.UpstreamTimeout *= 6
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
		{
			Name:    "pass-through",
			Summary: "Chat completions are forwarded as they came, with no key checked, no body validated and the upstream's answer relayed as it comes: every refusal is left to the upstream, invalid requests are served (and billed), and a stalled or malformed upstream answer reaches the client as a 200.",
			Breaks:  []string{"AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4", "LIMIT-1", "LIMIT-3", "MOD-2", "NEG-1", "RCPT-1", "RCPT-2", "REQ-1", "REQ-2", "REQ-3", "REQ-4", "REQ-5", "REQ-6", "REQ-8", "REQ-9", "SRV-1", "SRV-2", "STREAM-2", "UP-3", "UP-4", "UP-6", "SEC-1"},
			Serve:   passThrough,
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
		{
			Name:    "verification-unreported",
			Summary: "A confidential model's completion no longer reports upstream.verified: the client cannot tell a verified answer from any other.",
			Breaks:  []string{"RCPT-2"},
			Wrap:    withoutVerification,
		},
	}
}
