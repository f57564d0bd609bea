package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// upstreamClaims are what the upstream family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func upstreamClaims(map[string]result) []defectClaim {
	return []defectClaim{
		{"upstream-5xx-as-500", map[string]claimCheck{
			"upstream 500":       as500,
			"upstream leak":      as500,
			"upstream reset":     as500,
			"upstream malformed": as500,
			"upstream timeout":   as500,
		}},
		{"leak-upstream-body", map[string]claimCheck{
			"upstream 500": func(t *testing.T, base, got result) {
				if e := got.envelope(t); got.status != base.status || e.Type != TypeUpstream || !strings.Contains(e.Message, "The server had an error") {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
			"upstream leak": func(t *testing.T, base, got result) {
				e := got.envelope(t)
				if got.status != base.status || e.Type != TypeUpstream ||
					!strings.Contains(e.Message, faults.CanarySecret) || !strings.Contains(e.Message, faults.CanaryHost) ||
					!strings.Contains(e.Message, witness.Marker) {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"upstream-no-timeout", map[string]claimCheck{
			"upstream timeout": func(t *testing.T, _, got result) {
				if got.status != 0 {
					t.Fatalf("answered within %v: %d %s", timeoutProbeWait, got.status, got.body)
				}
			},
		}},
		{"upstream-timeout-504", map[string]claimCheck{
			"upstream timeout": func(t *testing.T, base, got result) {
				if e := got.envelope(t); got.status != http.StatusGatewayTimeout || e.Type != "timeout_error" || e.Message != base.envelope(t).Message {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"verification-as-502", map[string]claimCheck{
			"unverified": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 403 || got.status != http.StatusBadGateway || e.Type != TypeUpstream {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
	}
}
