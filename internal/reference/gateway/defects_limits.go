package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// limitsDefects are the defects of rate limits, credits, server errors and maintenance, and what a client is told about retrying (fixtures/scenarios/limits.yaml).
func limitsDefects() []*Defect {
	return []*Defect{
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
			Name:    "should-retry-true",
			Summary: "Every error carries x-should-retry: true, the header OpenAI's own API steers its SDKs with, as a gateway that relays its provider's headers onto its own errors does: openai-go obeys it over the status, and retries 400 and 401.",
			Breaks:  []string{"CLIENT-2"},
			Rewrite: func(_ *http.Request, e *APIError) {
				e.withHeader("X-Should-Retry", "true")
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
		completionLimiter(),
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
	}
}
