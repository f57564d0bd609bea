package gateway

import (
	"testing"
)

// authClaims are what the auth family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func authClaims(baseline map[string]result) []defectClaim {
	return []defectClaim{
		{"auth-401-as-403", map[string]claimCheck{
			"no key":               same403,
			"no key not an object": same403,
			"bad key":              same403,
			"bad key bad body":     same403,
			"revoked key":          same403,
		}},
		{"openai-style-401", map[string]claimCheck{
			"no key":               openAI401,
			"no key not an object": openAI401,
			"bad key":              openAI401,
			"bad key bad body":     openAI401,
			"revoked key":          openAI401,
		}},
		{"missing-key-as-400", map[string]claimCheck{
			"no key":               bent(400, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }),
			"no key not an object": bent(400, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }),
		}},
		{"validate-before-auth", map[string]claimCheck{
			"bad key bad body":     sameAs(baseline, "malformed json"),
			"no key not an object": sameAs(baseline, "not an object"),
		}},
		{"lowercase-scheme-rejected", map[string]claimCheck{
			"lowercase scheme": func(t *testing.T, base, got result) {
				e := got.envelope(t)
				if base.status != 400 || got.status != 401 || e.Type != TypeAuthentication || strOrNil(e.Code) != "invalid_authorization_header" {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"revoked-key-accepted", map[string]claimCheck{"revoked key": served}},
	}
}
