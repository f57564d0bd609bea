package gateway

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

func TestDefectList(t *testing.T) {
	all := Defects()
	want := []string{
		"auth-401-as-403", "catalogue-any-credentials", "catalogue-needs-key", "code-param-missing-on-transient", "content-type-ignored", "credits-as-402",
		"deep-nesting-500", "done-before-error", "early-413-and-close", "error-as-string", "error-member-twice", "extra-members", "fault-model-unrouted", "flaky-second-answer",
		"flat-envelope", "gzip-errors", "integer-code", "internal-error-html", "key-accepted-under-basic", "key-accepted-under-token",
		"key-accepted-without-scheme", "key-echoed", "leak-upstream-body", "limiter-counts-on-completion", "listed-model-unavailable",
		"lone-surrogate-500", "lowercase-scheme-rejected", "maintenance-as-502", "malformed-json-500", "malformed-stream-as-done", "message-empty", "message-null", "missing-key-as-400",
		"missing-model-as-not-found", "model-not-found-as-200", "models-list-renamed", "models-list-without-object",
		"models-without-supported-parameters", "no-retry-after", "not-object-500", "openai-style-401",
		"out-of-range-as-upstream-error", "oversized-body-reset", "param-missing", "param-null", "pass-through",
		"plain-404", "plain-404-put-patch", "proxy-html-502", "rate-limit-as-503", "rate-limit-never-clears",
		"receipt-missing", "retrieve-model-200-envelope", "retry-after-http-date", "retry-after-ms", "revoked-key-accepted",
		"role-type-unchecked", "routing-header-required", "should-retry-true", "stream-ends-silently", "stream-errors-as-events", "stream-refusals-as-200", "stream-refusals-labelled-as-events",
		"text-plain-errors", "type-at-top-level", "type-class-name", "type-empty", "type-null", "undocumented-type-names", "unknown-model-404", "unknown-model-503",
		"unknown-model-invalid-request", "unsupported-param-as-upstream-error", "upstream-5xx-as-500",
		"upstream-no-timeout", "upstream-timeout-504", "upstream-timeout-late", "validate-before-auth", "verification-as-502",
		"verification-unreported", "wrong-method-404", "wrong-type-422"}
	if len(all) != len(want) {
		t.Fatalf("%d defects, want %d", len(all), len(want))
	}
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	reqID := regexp.MustCompile(`^[A-Z]+-[0-9]+$`)
	broken, defects := map[string]bool{}, 0
	for i, d := range all {
		if d.Name != want[i] || !kebab.MatchString(d.Name) || d.Summary == "" {
			t.Errorf("defect %d: %+v", i, d)
		}
		if d.Variation != (len(d.Breaks) == 0) || d.Variation != strings.HasPrefix(d.Summary, "conformant: ") {
			t.Errorf("%s: a variation, and only a variation, breaks nothing and says so (%q, breaks %v)", d.Name, d.Summary, d.Breaks)
		}
		if !d.Variation {
			defects++
		}
		if d.Rewrite == nil && d.Encode == nil && d.Tune == nil && d.Before == nil && d.Wrap == nil && d.Serve == nil {
			t.Errorf("%s has no hook", d.Name)
		}
		for _, id := range d.Breaks {
			if !reqID.MatchString(id) {
				t.Errorf("%s breaks %q", d.Name, id)
			}
			broken[id] = true
		}
		for _, id := range d.Blocks {
			if !reqID.MatchString(id) || slices.Contains(d.Breaks, id) {
				t.Errorf("%s blocks %q, which it must not also break", d.Name, id)
			}
		}
		got, ok := LookupDefect(d.Name)
		if !ok || got.Name != d.Name {
			t.Errorf("LookupDefect(%q) = %v, %v", d.Name, got, ok)
		}
	}
	if defects < 40 {
		t.Errorf("%d defects, want at least 40", defects)
	}
	// Together the defects break every requirement the suite checks, except
	// ENV-6, which only a variation can exercise.
	for group, n := range map[string]int{"AUTH": 5, "REQ": 10, "MOD": 4, "ENV": 10, "UP": 6, "LIMIT": 3, "SRV": 3, "CLIENT": 2, "NEG": 1, "SEC": 1} {
		for i := 1; i <= n; i++ {
			if id := fmt.Sprintf("%s-%d", group, i); id != "ENV-6" && !broken[id] {
				t.Errorf("no defect breaks %s", id)
			}
		}
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("not sorted")
	}
	if _, ok := LookupDefect("no-such-defect"); ok {
		t.Error("found a defect that does not exist")
	}
	all[0].Name = "mutated"
	if Defects()[0].Name == "mutated" {
		t.Error("callers can alter the defect list")
	}
}

// probeMaxBody is the probe gateway's body limit, small so that the
// oversized probe is cheap.
const probeMaxBody = 64 << 10

// probes cover each reason a defect keys on, plus some it must leave alone.
var probes = []struct {
	name string
	req  func() request
	// warm is how many times the request is sent first, unrecorded.
	warm int
	// success marks the probes the contract answers 2xx.
	success bool
}{
	{name: "no key", req: func() request { return request{body: chat("ref/chat-small", "")} }},
	{name: "no key not an object", req: func() request { return request{body: jsonBody(`[1, 2]`)} }},
	{name: "bad key", req: func() request { return request{auth: bearer("gwc-wrong-KEYCANARY"), body: chat("ref/chat-small", "")} }},
	{name: "bad key bad body", req: func() request { return request{auth: bearer("gwc-wrong-KEYCANARY"), body: jsonBody(`{"model":`)} }},
	{name: "revoked key", req: func() request { return request{auth: bearer(revokedKey), body: chat("ref/chat-small", "")} }},
	{name: "lowercase scheme", req: func() request {
		return request{auth: ptr("bearer " + testKey), body: jsonBody(`{"model":"ref/chat-small","messages":"say hi ` + promptCanary + `"}`)}
	}},
	{name: "malformed json", req: func() request { return request{auth: bearer(testKey), body: jsonBody(`{"model":`)} }},
	{name: "not an object", req: func() request { return request{auth: bearer(testKey), body: jsonBody(`[]`)} }},
	{name: "missing model", req: func() request {
		return request{auth: bearer(testKey), body: jsonBody(`{"messages":[{"role":"user","content":"say hi ` + promptCanary + `"}]}`)}
	}},
	{name: "wrong type", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":"hot"`)}
	}},
	{name: "out of range", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":5`)}
	}},
	// What generated bodies break, one rule each.
	{name: "not utf-8", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", "\"user\":\"\xff\"")}
	}},
	{name: "lone surrogate", req: func() request { return request{auth: bearer(testKey), body: chat("ref/chat-small", `"user":"\ud800"`)} }},
	{name: "member twice", req: func() request { return request{auth: bearer(testKey), body: chat("ref/chat-small", `"n":1,"n":1`)} }},
	{name: "role not a string", req: func() request {
		return request{auth: bearer(testKey), body: jsonBody(`{"model":"ref/chat-small","messages":[{"role":1,"content":"say hi ` + promptCanary + `"}]}`)}
	}},
	{name: "nested deep", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"temperature":`+strings.Repeat("[", 100)+strings.Repeat("]", 100))}
	}},
	{name: "text plain", req: func() request {
		return request{auth: bearer(testKey), contentType: ptr("text/plain"), body: chat("ref/chat-small", "")}
	}},
	{name: "oversized", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/chat-small", `"user":"`+strings.Repeat("x", 2*probeMaxBody)+`"`)}
	}},
	{name: "unknown model", req: func() request { return request{auth: bearer(testKey), body: chat("ref/nope", "")} }},
	{name: "unknown model again", warm: 1, req: func() request { return request{auth: bearer(testKey), body: chat("ref/nope-again", "")} }},
	{name: "unsupported parameter", req: func() request {
		return request{auth: bearer(testKey), body: chat("ref/reasoning-small", `"max_tokens":5`)}
	}},
	{name: "unknown route", req: func() request { return request{method: http.MethodGet, path: "/v1/nope"} }},
	{name: "wrong method", req: func() request {
		return request{method: http.MethodDelete, auth: bearer(testKey)}
	}},
	{name: "no credits", req: func() request { return request{auth: bearer(poorKey), body: chat("ref/chat-small", "")} }},
	{name: "rate limited", warm: 2, req: func() request {
		return request{auth: bearer(limitedKey), body: chat("ref/chat-small", "")}
	}},
	{name: "maintenance", req: func() request { return request{auth: bearer(testKey), body: chat("ref/maintenance", "")} }},
	{name: "misrouted", req: func() request { return request{auth: bearer(testKey), body: chat("ref/misrouted", "")} }},
	{name: "upstream 500", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Status500).ID, "")}
	}},
	{name: "upstream leak", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Leak).ID, "")}
	}},
	{name: "upstream reset", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Reset).ID, "")}
	}},
	{name: "upstream malformed", req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Malformed).ID, "")}
	}},
	{name: timeoutProbe, req: func() request {
		return request{auth: bearer(testKey), body: chat(faultModel(faults.Timeout).ID, "")}
	}},
	{name: "unverified", req: func() request { return request{auth: bearer(testKey), body: chat("ref/unverified", "")} }},
	{name: "models list", success: true, req: func() request { return request{method: http.MethodGet, path: "/v1/models"} }},
	{name: "listed model", success: true, req: func() request { return request{auth: bearer(testKey), body: chat("ref/chat-xl", "")} }},
}

const limitedKey = "gwc-limited-KEYCANARY-77aa"

// timeoutProbe is the probe of the timeout fault: the one that waits on the gateway's upstream timeout.
const timeoutProbe = "upstream timeout"

// probeLimit lets the rate-limited probe's first warm-up through and refuses
// the rest with Retry-After: 2, as long as the three take under a second.
var probeLimit = RateLimit{PerSecond: 0.5, Burst: 1}

// probeTimeout is the probe gateway's upstream timeout, which only the
// timeout fault's model is held to (heldToTheirTimeout), so that no probe's
// answer depends on how busy the machine is. timeoutProbeWait is how long the
// timeout fault's probe waits: far past probeTimeout, which a gateway with a
// working upstream timeout meets, and short of upstreamHold, which one
// without outlasts. Every other probe waits probeWait.
const (
	probeTimeout     = 100 * time.Millisecond
	timeoutProbeWait = 2 * time.Second
	probeWait        = 30 * time.Second
)

// TestDefectsChangeOnlyWhatTheyClaim runs every probe with and without each
// defect: the probes a defect names must change as stated, all others must
// be the same (byte for byte for errors; success bodies without their
// timestamps).
func TestDefectsChangeOnlyWhatTheyClaim(t *testing.T) {
	baseline := runProbes(t, nil)
	for _, p := range probes {
		res := baseline[p.name]
		if p.success != (res.status >= 200 && res.status < 300) || !p.success && res.status < 400 {
			t.Fatalf("probe %q answered %d: %s", p.name, res.status, res.body)
		}
		for _, secret := range secrets {
			if bytes.Contains(res.body, []byte(secret)) {
				t.Fatalf("probe %q leaks %q: %s", p.name, secret, res.body)
			}
		}
	}
	sameBody := func(t *testing.T, base, got result) {
		t.Helper()
		if !bytes.Equal(base.body, got.body) {
			t.Fatalf("body changed: %s -> %s", base.body, got.body)
		}
	}
	// sameAs wants the answer another probe got from the gateway without
	// the defect.
	sameAs := func(probe string) func(t *testing.T, base, got result) {
		return func(t *testing.T, _, got result) {
			t.Helper()
			want := baseline[probe]
			if got.status != want.status || !bytes.Equal(got.body, want.body) {
				t.Fatalf("%d %s, want the %q answer %d %s", got.status, got.body, probe, want.status, want.body)
			}
		}
	}
	for _, tc := range []struct {
		defect string
		// changed checks the probes the defect is meant to alter.
		changed map[string]func(t *testing.T, base, got result)
	}{
		{"unknown-model-404", unknownModelProbes(func(t *testing.T, base, got result) {
			if got.status != http.StatusNotFound || got.envelope(t).Type != TypeModelNotFound {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			sameBody(t, base, got)
		})},
		{"malformed-json-500", map[string]func(*testing.T, result, result){
			"malformed json": func(t *testing.T, _, got result) {
				if e := got.envelope(t); got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"auth-401-as-403", map[string]func(*testing.T, result, result){
			"no key":               same403,
			"no key not an object": same403,
			"bad key":              same403,
			"bad key bad body":     same403,
			"revoked key":          same403,
		}},
		{"no-retry-after", map[string]func(*testing.T, result, result){
			"rate limited": noRetryAfter,
			"maintenance":  noRetryAfter,
		}},
		{"upstream-5xx-as-500", map[string]func(*testing.T, result, result){
			"upstream 500":       as500,
			"upstream leak":      as500,
			"upstream reset":     as500,
			"upstream malformed": as500,
			"upstream timeout":   as500,
		}},
		{"leak-upstream-body", map[string]func(*testing.T, result, result){
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
		{"upstream-no-timeout", map[string]func(*testing.T, result, result){
			"upstream timeout": func(t *testing.T, _, got result) {
				if got.status != 0 {
					t.Fatalf("answered within %v: %d %s", timeoutProbeWait, got.status, got.body)
				}
			},
		}},
		{"upstream-timeout-504", map[string]func(*testing.T, result, result){
			"upstream timeout": func(t *testing.T, base, got result) {
				if e := got.envelope(t); got.status != http.StatusGatewayTimeout || e.Type != "timeout_error" || e.Message != base.envelope(t).Message {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"verification-as-502", map[string]func(*testing.T, result, result){
			"unverified": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 403 || got.status != http.StatusBadGateway || e.Type != TypeUpstream {
					t.Fatalf("status %d: %s", got.status, got.body)
				}
			},
		}},
		{"model-not-found-as-200", unknownModelProbes(func(t *testing.T, base, got result) {
			if got.status != http.StatusOK || got.envelope(t).Type != TypeModelNotFound {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			sameBody(t, base, got)
		})},
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
		{"param-null", errorProbes(bent(0, func(_ result, e map[string]any) { e["param"] = nil }))},
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
		{"should-retry-true", errorProbes(func(t *testing.T, base, got result) {
			if got.status != base.status || got.header.Get("X-Should-Retry") != "true" || base.header.Get("X-Should-Retry") != "" {
				t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("X-Should-Retry"), got.status, got.header.Get("X-Should-Retry"))
			}
			sameBody(t, base, got)
		})},
		{"text-plain-errors", errorProbes(func(t *testing.T, base, got result) {
			if got.status != base.status || got.header.Get("Content-Type") != textContentType {
				t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("Content-Type"), got.status, got.header.Get("Content-Type"))
			}
			sameBody(t, base, got)
		})},
		{"proxy-html-502", map[string]func(*testing.T, result, result){
			"upstream 500":       proxyPage,
			"upstream leak":      proxyPage,
			"upstream reset":     proxyPage,
			"upstream malformed": proxyPage,
			"upstream timeout":   proxyPage,
		}},
		{"internal-error-html", map[string]func(*testing.T, result, result){
			"misrouted": func(t *testing.T, base, got result) {
				if base.status != 500 || got.status != 500 || got.header.Get("Content-Type") != htmlContentType ||
					!bytes.Contains(got.body, []byte("<pre>TypeError")) {
					t.Fatalf("%d -> %d %q %s", base.status, got.status, got.header.Get("Content-Type"), got.body)
				}
			},
		}},
		{"key-echoed", map[string]func(*testing.T, result, result){
			"bad key":          echoes("gwc-wrong-KEYCANARY"),
			"bad key bad body": echoes("gwc-wrong-KEYCANARY"),
			"revoked key":      echoes(revokedKey),
		}},
		{"plain-404", map[string]func(*testing.T, result, result){
			"unknown route": plainText(http.StatusNotFound, "404 page not found\n"),
			"wrong method":  plainText(http.StatusMethodNotAllowed, "405 method not allowed\n"),
		}},
		{"openai-style-401", map[string]func(*testing.T, result, result){
			"no key":               openAI401,
			"no key not an object": openAI401,
			"bad key":              openAI401,
			"bad key bad body":     openAI401,
			"revoked key":          openAI401,
		}},
		{"missing-key-as-400", map[string]func(*testing.T, result, result){
			"no key":               bent(400, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }),
			"no key not an object": bent(400, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }),
		}},
		{"validate-before-auth", map[string]func(*testing.T, result, result){
			"bad key bad body":     sameAs("malformed json"),
			"no key not an object": sameAs("not an object"),
		}},
		{"lowercase-scheme-rejected", map[string]func(*testing.T, result, result){
			"lowercase scheme": func(t *testing.T, base, got result) {
				e := got.envelope(t)
				if base.status != 400 || got.status != 401 || e.Type != TypeAuthentication || strOrNil(e.Code) != "invalid_authorization_header" {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"revoked-key-accepted", map[string]func(*testing.T, result, result){"revoked key": served}},
		{"not-object-500", map[string]func(*testing.T, result, result){
			"not an object": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 400 || got.status != 500 || e.Type != TypeServer || e.Param != nil {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"missing-model-as-not-found", map[string]func(*testing.T, result, result){
			"missing model": bent(0, func(_ result, e map[string]any) {
				e["type"], e["code"] = TypeModelNotFound, "model_not_found"
			}),
		}},
		{"wrong-type-422", map[string]func(*testing.T, result, result){
			"wrong type":        as422,
			"lowercase scheme":  as422,
			"role not a string": as422,
			"nested deep":       as422,
		}},
		{"lone-surrogate-500", map[string]func(*testing.T, result, result){"lone surrogate": as500Unhandled}},
		{"deep-nesting-500", map[string]func(*testing.T, result, result){"nested deep": as500Unhandled}},
		{"role-type-unchecked", map[string]func(*testing.T, result, result){"role not a string": served}},
		{"out-of-range-as-upstream-error", map[string]func(*testing.T, result, result){"out of range": as502}},
		{"unsupported-param-as-upstream-error", map[string]func(*testing.T, result, result){"unsupported parameter": as502}},
		{"content-type-ignored", map[string]func(*testing.T, result, result){"text plain": served}},
		{"oversized-body-reset", map[string]func(*testing.T, result, result){
			"oversized": func(t *testing.T, base, got result) {
				if base.status != http.StatusRequestEntityTooLarge || got.status != 0 {
					t.Fatalf("%d -> %d %s: want no answer", base.status, got.status, got.body)
				}
			},
		}},
		{"flaky-second-answer", map[string]func(*testing.T, result, result){
			"unknown model again": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 400 || got.status != 500 || e.Type != TypeServer {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"unknown-model-invalid-request", unknownModelProbes(bent(0, func(_ result, e map[string]any) { e["type"] = TypeInvalidRequest }))},
		{"models-list-renamed", map[string]func(*testing.T, result, result){
			"models list": modelList(func(list map[string]any) {
				list["models"] = list["data"]
				delete(list, "data")
			}),
		}},
		{"models-without-supported-parameters", map[string]func(*testing.T, result, result){
			"models list": modelList(func(list map[string]any) {
				for _, m := range list["data"].([]any) {
					delete(m.(map[string]any), "supported_parameters")
				}
			}),
		}},
		{"models-list-without-object", map[string]func(*testing.T, result, result){
			"models list": modelList(func(list map[string]any) {
				delete(list, "object")
				for _, m := range list["data"].([]any) {
					delete(m.(map[string]any), "object")
				}
			}),
		}},
		{"listed-model-unavailable", map[string]func(*testing.T, result, result){
			"listed model": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 200 || got.status != 400 || e.Type != TypeModelNotFound {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"rate-limit-as-503", map[string]func(*testing.T, result, result){
			"rate limited": func(t *testing.T, base, got result) {
				if base.status != 429 || got.status != 503 || got.header.Get("Retry-After") == "" {
					t.Fatalf("%d -> %d %q", base.status, got.status, got.header.Get("Retry-After"))
				}
				sameBody(t, base, got)
			},
		}},
		{"rate-limit-never-clears", map[string]func(*testing.T, result, result){
			"rate limited": func(t *testing.T, base, got result) {
				b, _ := strconv.Atoi(base.header.Get("Retry-After"))
				g, _ := strconv.Atoi(got.header.Get("Retry-After"))
				if base.status != 429 || got.status != 429 || b > 2 || g <= 60 {
					t.Fatalf("%d Retry-After %q -> %d Retry-After %q", base.status, base.header.Get("Retry-After"), got.status, got.header.Get("Retry-After"))
				}
				sameBody(t, base, got)
			},
		}},
		{"credits-as-402", map[string]func(*testing.T, result, result){
			"no credits": func(t *testing.T, base, got result) {
				if base.status != 403 || got.status != http.StatusPaymentRequired {
					t.Fatalf("%d -> %d", base.status, got.status)
				}
				sameBody(t, base, got)
			},
		}},
		{"maintenance-as-502", map[string]func(*testing.T, result, result){
			"maintenance": func(t *testing.T, base, got result) {
				if e := got.envelope(t); base.status != 503 || got.status != 502 || e.Type != TypeUpstream || got.header.Get("Retry-After") != "" {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			},
		}},
		{"retry-after-http-date", map[string]func(*testing.T, result, result){
			"rate limited": httpDate,
			"maintenance":  httpDate,
		}},
		{"undocumented-type-names", map[string]func(*testing.T, result, result){
			"no credits":   bent(0, func(_ result, e map[string]any) { e["type"] = "insufficient_quota" }),
			"rate limited": bent(0, func(_ result, e map[string]any) { e["type"] = "rate_limit_exceeded" }),
			"misrouted":    bent(0, func(_ result, e map[string]any) { e["type"] = "api_error" }),
			"maintenance":  bent(0, func(_ result, e map[string]any) { e["type"] = "overloaded_error" }),
		}},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			t.Parallel()
			d, ok := LookupDefect(tc.defect)
			if !ok {
				t.Fatalf("no defect %q", tc.defect)
			}
			got := runProbes(t, []*Defect{d})
			for _, p := range probes {
				t.Run(p.name, func(t *testing.T) {
					if check, ok := tc.changed[p.name]; ok {
						check(t, baseline[p.name], got[p.name])
						return
					}
					base, g := baseline[p.name], got[p.name]
					for _, h := range []string{"Retry-After", "Content-Type", "Allow"} {
						if base.header.Get(h) != g.header.Get(h) {
							t.Fatalf("%s changed: %q -> %q", h, base.header.Get(h), g.header.Get(h))
						}
					}
					if base.status != g.status || !bytes.Equal(stable(t, base.body), stable(t, g.body)) {
						t.Fatalf("changed: %d %s -> %d %s", base.status, base.body, g.status, g.body)
					}
				})
			}
		})
	}
}

// stable is a body without the timestamps that differ between two runs:
// every "created" member of a JSON body.
func stable(t *testing.T, body []byte) []byte {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return body
	}
	var strip func(v any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "created")
			for _, m := range v {
				strip(m)
			}
		case []any:
			for _, m := range v {
				strip(m)
			}
		}
	}
	strip(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bent wants base's answer with the error object's members changed by
// edit, and the status changed to status unless it is 0; headers the same.
func bent(status int, edit func(base result, e map[string]any)) func(t *testing.T, base, got result) {
	return func(t *testing.T, base, got result) {
		t.Helper()
		var want, have map[string]any
		mustUnmarshal(t, base.body, &want)
		mustUnmarshal(t, got.body, &have)
		e, ok := want["error"].(map[string]any)
		if !ok {
			t.Fatalf("baseline is not an envelope: %s", base.body)
		}
		edit(base, e)
		status := cmp.Or(status, base.status)
		if got.status != status || !reflect.DeepEqual(have, want) ||
			got.header.Get("Content-Type") != base.header.Get("Content-Type") ||
			got.header.Get("Retry-After") != base.header.Get("Retry-After") {
			wantJSON, _ := json.Marshal(want)
			t.Fatalf("%d %s, want %d %s", got.status, got.body, status, wantJSON)
		}
	}
}

func proxyPage(t *testing.T, base, got result) {
	t.Helper()
	if base.status != http.StatusBadGateway || got.status != http.StatusBadGateway ||
		got.header.Get("Content-Type") != htmlContentType || !bytes.Contains(got.body, []byte("<h1>502 Bad Gateway</h1>")) {
		t.Fatalf("%d -> %d %q %s", base.status, got.status, got.header.Get("Content-Type"), got.body)
	}
}

func echoes(key string) func(t *testing.T, base, got result) {
	return func(t *testing.T, base, got result) {
		t.Helper()
		if e := got.envelope(t); got.status != base.status || e.Type != TypeAuthentication || !strings.Contains(e.Message, key) {
			t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
		}
	}
}

func plainText(status int, body string) func(t *testing.T, base, got result) {
	return func(t *testing.T, base, got result) {
		t.Helper()
		if base.status != status || got.status != status || string(got.body) != body ||
			got.header.Get("Content-Type") != textContentType || got.header.Get("Allow") != base.header.Get("Allow") {
			t.Fatalf("%d -> %d %q %q", base.status, got.status, got.header.Get("Content-Type"), got.body)
		}
	}
}

func openAI401(t *testing.T, base, got result) {
	t.Helper()
	if base.status != 401 {
		t.Fatalf("baseline %d", base.status)
	}
	bent(401, func(_ result, e map[string]any) {
		e["type"], e["code"] = TypeInvalidRequest, "invalid_api_key"
	})(t, base, got)
}

// served wants a refusal turned into a completion.
func served(t *testing.T, base, got result) {
	t.Helper()
	var c struct{ Choices []any }
	if base.status < 400 || got.status != 200 || json.Unmarshal(got.body, &c) != nil || len(c.Choices) == 0 {
		t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
	}
}

// restatus wants the baseline's body unchanged under another status.
func restatus(from, to int) func(t *testing.T, base, got result) {
	return func(t *testing.T, base, got result) {
		t.Helper()
		if base.status != from || got.status != to || !bytes.Equal(base.body, got.body) {
			t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
		}
	}
}

var (
	as422   = restatus(http.StatusBadRequest, http.StatusUnprocessableEntity)
	same403 = restatus(http.StatusUnauthorized, http.StatusForbidden)
)

func as502(t *testing.T, base, got result) {
	t.Helper()
	if e := got.envelope(t); base.status != 400 || got.status != http.StatusBadGateway || e.Type != TypeUpstream || e.Param != nil {
		t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
	}
}

// modelList wants the baseline's model list changed by edit.
func modelList(edit func(list map[string]any)) func(t *testing.T, base, got result) {
	return func(t *testing.T, base, got result) {
		t.Helper()
		var want, have map[string]any
		mustUnmarshal(t, stable(t, base.body), &want)
		mustUnmarshal(t, stable(t, got.body), &have)
		edit(want)
		if got.status != 200 || !reflect.DeepEqual(have, want) || got.header.Get("Content-Type") != jsonContentType {
			t.Fatalf("%d %s", got.status, got.body)
		}
	}
}

func httpDate(t *testing.T, base, got result) {
	t.Helper()
	secs, err := strconv.Atoi(base.header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("baseline Retry-After %q", base.header.Get("Retry-After"))
	}
	at, err := http.ParseTime(got.header.Get("Retry-After"))
	// The date has whole seconds and the two runs are apart by a little:
	// a second either way.
	if until := time.Until(at); err != nil || until < time.Duration(secs-1)*time.Second || until > time.Duration(secs+2)*time.Second {
		t.Fatalf("Retry-After %q -> %q", base.header.Get("Retry-After"), got.header.Get("Retry-After"))
	}
	if got.status != base.status || !bytes.Equal(base.body, got.body) {
		t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
	}
}

func noRetryAfter(t *testing.T, base, got result) {
	t.Helper()
	if base.header.Get("Retry-After") == "" || got.header.Get("Retry-After") != "" ||
		got.status != base.status || !bytes.Equal(base.body, got.body) {
		t.Fatalf("%d %q -> %d %q", base.status, base.header.Get("Retry-After"), got.status, got.header.Get("Retry-After"))
	}
}

// as500Unhandled wants a 400 turned into the 500 of a check that throws.
func as500Unhandled(t *testing.T, base, got result) {
	t.Helper()
	if e := got.envelope(t); base.status != 400 || got.status != 500 || e.Type != TypeServer || e.Param != nil || e.Code != nil {
		t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
	}
}

func as500(t *testing.T, base, got result) {
	t.Helper()
	if e := got.envelope(t); base.status != http.StatusBadGateway || got.status != 500 || e.Type != TypeServer {
		t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
	}
}

// unknownModelProbes applies check to the probes that name an unknown model.
func unknownModelProbes(check func(t *testing.T, base, got result)) map[string]func(*testing.T, result, result) {
	return map[string]func(*testing.T, result, result){"unknown model": check, "unknown model again": check}
}

// errorProbes applies check to every probe the contract answers with an
// error.
func errorProbes(check func(t *testing.T, base, got result)) map[string]func(*testing.T, result, result) {
	m := make(map[string]func(*testing.T, result, result), len(probes))
	for _, p := range probes {
		if !p.success {
			m[p.name] = check
		}
	}
	return m
}

// runProbes sends every probe to a gateway with defects on. A probe that
// gets no answer within probeWait is recorded with status 0. Secrets are
// checked by the callers, since a defect may leak them on purpose.
func runProbes(t *testing.T, defects []*Defect) map[string]result {
	t.Helper()
	keys := []Key{
		{Secret: testKey, Credits: 1_000_000},
		{Secret: poorKey, Credits: 0},
		{Secret: revokedKey, Credits: 1_000_000, Revoked: true},
		{Secret: limitedKey, Credits: 1_000_000, RateLimit: &probeLimit},
	}
	models := append(triggerModels(), Model{ID: "ref/chat-xl", UpstreamID: "up-chat-small", SupportedParameters: chatParams})
	for _, f := range []faults.Fault{faults.Status500, faults.Leak, faults.Reset, faults.Malformed, faults.Timeout} {
		models = append(models, faultModel(f))
	}
	g := startGateway(t, Config{Keys: keys, Models: heldToTheirTimeout(models), UpstreamTimeout: probeTimeout, MaxBodyBytes: probeMaxBody, Defects: defects})
	client, timeoutClient := &http.Client{Timeout: probeWait}, &http.Client{Timeout: timeoutProbeWait}
	defer client.CloseIdleConnections()
	defer timeoutClient.CloseIdleConnections()
	out := make(map[string]result, len(probes))
	for _, p := range probes {
		for range p.warm {
			if _, err := trySend(client, g.URL, p.req()); err != nil {
				t.Fatalf("%s: warming up: %v", p.name, err)
			}
		}
		c := client
		if p.name == timeoutProbe {
			c = timeoutClient
		}
		res, err := trySend(c, g.URL, p.req())
		if err != nil {
			res = result{header: http.Header{}}
		}
		out[p.name] = res
	}
	return out
}

func TestDefectsCompose(t *testing.T) {
	var defects []*Defect
	for _, name := range []string{"auth-401-as-403", "flat-envelope"} {
		d, _ := LookupDefect(name)
		defects = append(defects, d)
	}
	g := startGateway(t, Config{Defects: defects})
	res := g.do(t, request{body: chat("ref/chat-small", "")})
	var flat struct{ Type string }
	mustUnmarshal(t, res.body, &flat)
	if res.status != http.StatusForbidden || flat.Type != TypeAuthentication {
		t.Fatalf("status %d: %s", res.status, res.body)
	}

	// A Before hook's refusal goes through the same error writer, so the
	// other defects bend it too; a Wrap sees the whole answer.
	defects = defects[:0]
	for _, name := range []string{"lowercase-scheme-rejected", "auth-401-as-403", "models-list-renamed"} {
		d, _ := LookupDefect(name)
		defects = append(defects, d)
	}
	g = startGateway(t, Config{Defects: defects})
	res = g.do(t, request{auth: ptr("bearer " + testKey), body: chat("ref/chat-small", "")})
	if e := res.envelope(t); res.status != http.StatusForbidden || e.Type != TypeAuthentication || strOrNil(e.Code) != "invalid_authorization_header" {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	res = g.do(t, request{method: http.MethodGet, path: "/v1/models"})
	var list map[string]json.RawMessage
	mustUnmarshal(t, res.body, &list)
	if _, ok := list["models"]; res.status != 200 || !ok {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

// Without an upstream timeout the gateway waits as long as its client does,
// and no longer: the handler ends when the client gives up. Healthy
// requests are unaffected.
func TestUpstreamNoTimeout(t *testing.T) {
	d, _ := LookupDefect("upstream-no-timeout")
	g := faultGateway(t, d)
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != 200 {
		t.Fatalf("healthy request: status %d: %s", res.status, res.body)
	}
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"stream":true`)}); res.status != 200 {
		t.Fatalf("healthy stream: status %d: %s", res.status, res.body)
	}

	ended := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { ended <- struct{}{} }()
		g.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, extra := range []string{"", `"stream":true`} {
		client := &http.Client{Timeout: faultTimeout + 100*time.Millisecond}
		if res, err := trySend(client, srv.URL, request{auth: bearer(testKey), body: chat(faultModel(faults.Timeout).ID, extra)}); err == nil {
			t.Fatalf("%s: answered %d %s, past the gateway's configured timeout", extra, res.status, res.body)
		}
		select {
		case <-ended:
		case <-time.After(time.Second):
			t.Fatalf("%s: the handler outlived its client by a second", extra)
		}
	}
}

// TestGeneratedInputDefects holds the defects only generated bodies find
// to their triggers: each answers its trigger as claimed, and every other
// body, however near, as the conformant gateway does. Errors must match
// byte for byte; completions by status, their ids and times differ.
func TestGeneratedInputDefects(t *testing.T) {
	const hi = `"say hi ` + promptCanary + `"`
	messages := func(list string) string { return `{"model":"ref/chat-small","messages":[` + list + `]}` }
	content := func(c string) string { return messages(`{"role":"user","content":` + c + `}`) }
	role := func(r string) string { return messages(`{"role":` + r + `,"content":` + hi + `}`) }
	// deep is a body depth levels deep, its own object being the first.
	deep := func(depth int, open, inner, close string) string {
		return `{"model":"ref/chat-small","messages":[{"role":"user","content":` + hi + `}],"temperature":` +
			strings.Repeat(open, depth-1) + inner + strings.Repeat(close, depth-1) + `}`
	}
	deepPart := `[{"type":"text","text":` + hi + `,"x":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}]`
	baseline := startGateway(t, Config{})
	for _, tc := range []struct {
		defect string
		cases  []defectCase
	}{
		{"lone-surrogate-500", []defectCase{
			{"lone high", content(`"hi \ud800"`), nil, as500Unhandled},
			{"lone low in a name", messages(`{"role":"user","content":` + hi + `,"\udc00":1}`), nil, as500Unhandled},
			{"lone in the model", `{"model":"ref/\udbff","messages":[{"role":"user","content":` + hi + `}]}`, nil, as500Unhandled},
			{"pair", content(`"\ud83d\ude00 ` + promptCanary + `"`), nil, nil},
			{"escaped backslash before u", content(`"\\ud800"`), nil, nil},
			{"not utf-8", content(`"` + "\xed\xa0\x80" + `"`), nil, nil},
			{"malformed", content(`"\ud800`), nil, nil},
			{"bad key", content(`"\ud800"`), bearer("gwc-wrong-KEYCANARY"), nil},
		}},
		{"deep-nesting-500", []defectCase{
			{"65 deep", deep(65, "[", "", "]"), nil, as500Unhandled},
			{"2000 deep", deep(2000, "[", "", "]"), nil, as500Unhandled},
			{"objects 65 deep", deep(65, `{"a":`, "1", "}"), nil, as500Unhandled},
			{"a valid request 71 deep", content(deepPart), nil, func(t *testing.T, base, got result) {
				t.Helper()
				if e := got.envelope(t); base.status != 200 || got.status != 500 || e.Type != TypeServer {
					t.Fatalf("%d -> %d %s", base.status, got.status, got.body)
				}
			}},
			{"64 deep", deep(64, "[", "", "]"), nil, nil},
			{"objects 64 deep", deep(64, `{"a":`, "1", "}"), nil, nil},
			{"brackets in a string", content(`"` + strings.Repeat("[", 100) + `"`), nil, nil},
			{"bad key", deep(100, "[", "", "]"), bearer("gwc-wrong-KEYCANARY"), nil},
			{"malformed header", deep(100, "[", "", "]"), ptr("Basic " + testKey), nil},
		}},
		{"role-type-unchecked", []defectCase{
			{"role a number", role(`1`), nil, served},
			{"role null", role(`null`), nil, served},
			{"role true", role(`true`), nil, served},
			{"role an object", role(`{"name":"user"}`), nil, served},
			{"role an array, in a later message", messages(`{"role":"user","content":` + hi + `},{"role":["assistant"],"content":"a"}`), nil, served},
			{"role capitalised", role(`"User"`), nil, nil},
			{"role missing", messages(`{"content":` + hi + `}`), nil, nil},
			{"messages a string", `{"model":"ref/chat-small","messages":` + hi + `}`, nil, nil},
			{"message a string", messages(hi), nil, nil},
			{"temperature a string", `{"model":"ref/chat-small","messages":[{"role":"user","content":` + hi + `}],"temperature":"hot"}`, nil, nil},
			{"valid", role(`"user"`), nil, nil},
			{"bad key", role(`1`), bearer("gwc-wrong-KEYCANARY"), nil},
		}},
	} {
		t.Run(tc.defect, func(t *testing.T) {
			d, ok := LookupDefect(tc.defect)
			if !ok {
				t.Fatalf("no defect %q", tc.defect)
			}
			g := startGateway(t, Config{Defects: []*Defect{d}})
			for _, c := range tc.cases {
				t.Run(c.name, func(t *testing.T) {
					req := func() request {
						return request{auth: cmp.Or(c.auth, bearer(testKey)), body: jsonBody(c.body)}
					}
					base, got := baseline.do(t, req()), g.do(t, req())
					if c.check != nil {
						c.check(t, base, got)
						return
					}
					if got.status != base.status || base.status != 200 && !bytes.Equal(got.body, base.body) {
						t.Fatalf("%d %s -> %d %s", base.status, base.body, got.status, got.body)
					}
				})
			}
		})
	}
}

// defectCase is a body sent to a gateway with and without a defect; check
// judges the two answers, nil wanting them the same.
type defectCase struct {
	name  string
	body  string
	auth  *string // nil: the valid key
	check func(t *testing.T, base, got result)
}
