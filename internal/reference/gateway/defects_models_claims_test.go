package gateway

import (
	"net/http"
	"testing"
)

// modelsClaims are what the models family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func modelsClaims(map[string]result) []defectClaim {
	return []defectClaim{
		{"unknown-model-404", unknownModelProbes(func(t *testing.T, base, got result) {
			if got.status != http.StatusNotFound || got.envelope(t).Type != TypeModelNotFound {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			sameBody(t, base, got)
		})},
		{"model-not-found-as-200", unknownModelProbes(func(t *testing.T, base, got result) {
			if got.status != http.StatusOK || got.envelope(t).Type != TypeModelNotFound {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			sameBody(t, base, got)
		})},
		{"unknown-model-invalid-request", unknownModelProbes(bent(0, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }))},
		{"models-list-renamed", map[string]claimCheck{
			"models list": modelList(func(list map[string]any) {
				list["models"] = list["data"]
				delete(list, "data")
			}),
		}},
		{"models-without-supported-parameters", map[string]claimCheck{
			"models list": modelList(func(list map[string]any) {
				for _, m := range list["data"].([]any) {
					delete(m.(map[string]any), "supported_parameters")
				}
			}),
		}},
		{"models-list-without-object", map[string]claimCheck{
			"models list": modelList(func(list map[string]any) {
				delete(list, "object")
				for _, m := range list["data"].([]any) {
					delete(m.(map[string]any), "object")
				}
			}),
		}},
		{"listed-model-unavailable", map[string]claimCheck{
			"listed model": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 200 || got.status != 400 || e.Type != TypeModelNotFound {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
	}
}
