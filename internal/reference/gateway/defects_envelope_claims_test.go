package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// envelopeClaims are what the envelope family's defects change of the probes, each defect naming the probes it
// alters and how; TestDefectsChangeOnlyWhatTheyClaim holds every other probe unchanged.
func envelopeClaims(map[string]result) []defectClaim {
	return []defectClaim{
		{"flat-envelope", errorProbes(func(t *testing.T, base, got result) {
			if got.status != base.status {
				t.Fatalf("status %d -> %d", base.status, got.status)
			}
			var flat map[string]any
			mustUnmarshal(t, got.body, &flat)
			if _, ok := flat["error"]; ok {
				t.Fatalf("still enveloped: %s", got.body)
			}
			var e struct{ Error map[string]any }
			mustUnmarshal(t, base.body, &e)
			wantJSON, _ := json.Marshal(e.Error)
			gotJSON, _ := json.Marshal(flat)
			if !bytes.Equal(wantJSON, gotJSON) {
				t.Fatalf("members differ: %s vs %s", gotJSON, wantJSON)
			}
		})},
		{"error-as-string", errorProbes(func(t *testing.T, base, got result) {
			var top map[string]any
			mustUnmarshal(t, got.body, &top)
			if got.status != base.status || len(top) != 1 || top["error"] != base.envelope(t).Message {
				t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
			}
		})},
		{"integer-code", errorProbes(bent(0, func(base result, e map[string]any) { e["code"] = float64(base.status) }))},
		{"type-class-name", errorProbes(bent(0, func(base result, e map[string]any) {
			e["type"] = map[int]string{400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
				404: "NotFoundError", 405: "APIStatusError", 413: "APIStatusError", 429: "RateLimitError",
				500: "InternalServerError", 502: "InternalServerError", 503: "InternalServerError"}[base.status]
		}))},
		{"param-missing", errorProbes(bent(0, func(_ result, e map[string]any) { delete(e, "param") }))},
		{"message-null", errorProbes(bent(0, func(_ result, e map[string]any) { e["message"] = nil }))},
		{"extra-members", errorProbes(func(t *testing.T, base, got result) {
			var top map[string]any
			mustUnmarshal(t, got.body, &top)
			e, _ := top["error"].(map[string]any)
			trace, _ := top["trace_id"].(string)
			id, _ := e["request_id"].(string)
			if trace == "" || id == "" {
				t.Fatalf("no trace_id or request_id: %s", got.body)
			}
			delete(top, "trace_id")
			delete(e, "request_id")
			var want map[string]any
			mustUnmarshal(t, base.body, &want)
			if got.status != base.status || !reflect.DeepEqual(top, want) || got.header.Get("Content-Type") != jsonContentType {
				t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
			}
		})},
		{"error-member-twice", errorProbes(func(t *testing.T, base, got result) {
			var last map[string]any
			mustUnmarshal(t, got.body, &last)
			var want map[string]any
			mustUnmarshal(t, base.body, &want)
			if got.status != base.status || !bytes.HasPrefix(got.body, []byte(`{"error":{"request_id":"req_`)) || !reflect.DeepEqual(last, want) {
				t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
			}
		})},
		{"text-plain-errors", errorProbes(func(t *testing.T, base, got result) {
			if got.status != base.status || got.header.Get("Content-Type") != textContentType {
				t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("Content-Type"), got.status, got.header.Get("Content-Type"))
			}
			sameBody(t, base, got)
		})},
		{"proxy-html-502", map[string]claimCheck{
			"upstream 500":       proxyPage,
			"upstream leak":      proxyPage,
			"upstream reset":     proxyPage,
			"upstream malformed": proxyPage,
			"upstream timeout":   proxyPage,
		}},
		{"key-echoed", map[string]claimCheck{
			"bad key":          echoes("gwc-wrong-KEYCANARY"),
			"bad key bad body": echoes("gwc-wrong-KEYCANARY"),
			"revoked key":      echoes(revokedKey),
		}},
		{"plain-404", map[string]claimCheck{
			"unknown route": plainText(http.StatusNotFound, "404 page not found\n"),
			"wrong method":  plainText(http.StatusMethodNotAllowed, "405 method not allowed\n"),
		}},
		{"undocumented-type-names", map[string]claimCheck{
			"no credits":   bent(0, func(_ result, e map[string]any) { e["type"] = "insufficient_quota" }),
			"rate limited": bent(0, func(_ result, e map[string]any) { e["type"] = "rate_limit_exceeded" }),
			"misrouted":    bent(0, func(_ result, e map[string]any) { e["type"] = "api_error" }),
			"maintenance":  bent(0, func(_ result, e map[string]any) { e["type"] = "overloaded_error" }),
		}},
	}
}
