package gateway

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
)

// limitsClaims are what the limits family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func limitsClaims(map[string]result) []defectClaim {
	return []defectClaim{
		{"no-retry-after", map[string]claimCheck{
			"rate limited": noRetryAfter,
			"maintenance":  noRetryAfter,
		}},
		{"should-retry-true", errorProbes(func(t *testing.T, base, got result) {
			if got.status != base.status || got.header.Get("X-Should-Retry") != "true" || base.header.Get("X-Should-Retry") != "" {
				t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("X-Should-Retry"), got.status, got.header.Get("X-Should-Retry"))
			}
			sameBody(t, base, got)
		})},
		{"internal-error-html", map[string]claimCheck{
			"misrouted": func(t *testing.T, base, got result) {
				if base.status != 500 || got.status != 500 || got.header.Get("Content-Type") != htmlContentType ||
					!bytes.Contains(got.body, []byte("<pre>TypeError")) {
					t.Fatalf("%d -> %d %q %s", base.status, got.status, got.header.Get("Content-Type"), got.body)
				}
			},
		}},
		{"rate-limit-as-503", map[string]claimCheck{
			"rate limited": func(t *testing.T, base, got result) {
				if base.status != 429 || got.status != 503 || got.header.Get("Retry-After") == "" {
					t.Fatalf("%d -> %d %q", base.status, got.status, got.header.Get("Retry-After"))
				}
				sameBody(t, base, got)
			},
		}},
		{"rate-limit-never-clears", map[string]claimCheck{
			"rate limited": func(t *testing.T, base, got result) {
				b, _ := strconv.Atoi(base.header.Get("Retry-After"))
				g, _ := strconv.Atoi(got.header.Get("Retry-After"))
				if base.status != 429 || got.status != 429 || b > 2 || g <= 60 {
					t.Fatalf("%d Retry-After %q -> %d Retry-After %q", base.status, base.header.Get("Retry-After"), got.status, got.header.Get("Retry-After"))
				}
				sameBody(t, base, got)
			},
		}},
		{"credits-as-402", map[string]claimCheck{
			"no credits": func(t *testing.T, base, got result) {
				if base.status != 403 || got.status != http.StatusPaymentRequired {
					t.Fatalf("%d -> %d", base.status, got.status)
				}
				sameBody(t, base, got)
			},
		}},
		{"maintenance-as-502", map[string]claimCheck{
			"maintenance": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 503 || got.status != 502 || e.Type != TypeUpstream || got.header.Get("Retry-After") != "" {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"retry-after-http-date", map[string]claimCheck{
			"rate limited": httpDate,
			"maintenance":  httpDate,
		}},
	}
}
