package gateway

import (
	"net/http"
	"testing"
)

// requestClaims are what the request family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func requestClaims(map[string]result) []defectClaim {
	return []defectClaim{
		{"malformed-json-500", map[string]claimCheck{
			"malformed json": func(t *testing.T, _, got result) {
				if e := got.envelope(t); got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"param-null", errorProbes(bent(0, func(_ result, e map[string]any) { e["param"] = nil }))},
		{"not-object-500", map[string]claimCheck{
			"not an object": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 400 || got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"missing-model-as-not-found", map[string]claimCheck{
			"missing model": bent(0, func(_ result, e map[string]any) {
				e["type"], e["code"] = TypeModelNotFound, "model_not_found"
			}),
		}},
		{"wrong-type-422", map[string]claimCheck{
			"wrong type":        as422,
			"lowercase scheme":  as422,
			"role not a string": as422,
			"nested deep":       as422,
		}},
		{"lone-surrogate-500", map[string]claimCheck{"lone surrogate": as500Unhandled}},
		{"deep-nesting-500", map[string]claimCheck{"nested deep": as500Unhandled}},
		{"role-type-unchecked", map[string]claimCheck{"role not a string": served}},
		{"out-of-range-as-upstream-error", map[string]claimCheck{"out of range": as502}},
		{"unsupported-param-as-upstream-error", map[string]claimCheck{"unsupported parameter": as502}},
		{"content-type-ignored", map[string]claimCheck{"text plain": served}},
		{"oversized-body-reset", map[string]claimCheck{
			"oversized": func(t *testing.T, base, got result) {
				if base.status != http.StatusRequestEntityTooLarge || got.status != 0 {
					t.Fatalf("%d -> %d %s: want no answer", base.status, got.status, got.body)
				}
			},
		}},
		{"flaky-second-answer", map[string]claimCheck{
			"unknown model again": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 400 || got.status != 500 || e.Type != TypeServer {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
	}
}
