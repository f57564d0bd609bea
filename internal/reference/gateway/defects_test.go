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

// claimCheck checks one probe's answer under a defect against its answer without it.
type claimCheck = func(t *testing.T, base, got result)

// defectClaim is what a defect claims to change: the probes it alters, each with its check.
type defectClaim struct {
	defect  string
	changed map[string]claimCheck
}

// sameBody wants the body the probe got without the defect.
func sameBody(t *testing.T, base, got result) {
	t.Helper()
	if !bytes.Equal(base.body, got.body) {
		t.Fatalf("body changed: %s -> %s", base.body, got.body)
	}
}

// sameAs wants the answer another probe got from the gateway without the defect.
func sameAs(baseline map[string]result, probe string) claimCheck {
	return func(t *testing.T, _, got result) {
		t.Helper()
		want := baseline[probe]
		if got.status != want.status || !bytes.Equal(got.body, want.body) {
			t.Fatalf("%d %s, want the %q answer %d %s", got.status, got.body, probe, want.status, want.body)
		}
	}
}

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
	for _, tc := range slices.Concat(
		authClaims(baseline),
		envelopeClaims(baseline),
		requestClaims(baseline),
		modelsClaims(baseline),
		limitsClaims(baseline),
		upstreamClaims(baseline),
	) {
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
