package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestAuthentication(t *testing.T) {
	g := startGateway(t, Config{})
	for _, tc := range []struct {
		name string
		auth *string
		body string
		want int
		code string
	}{
		{name: "no header", auth: nil, want: 401, code: "missing_api_key"},
		{name: "empty value", auth: ptr(""), want: 401, code: "invalid_authorization_header"},
		{name: "basic scheme", auth: ptr("Basic Z3djOnRlc3Q="), want: 401, code: "invalid_authorization_header"},
		{name: "bearer without token", auth: ptr("Bearer"), want: 401, code: "invalid_authorization_header"},
		{name: "bearer with blank token", auth: ptr("Bearer    "), want: 401, code: "invalid_authorization_header"},
		{name: "key without scheme", auth: ptr(testKey), want: 401, code: "invalid_authorization_header"},
		{name: "unknown key", auth: bearer("gwc-wrong-KEYCANARY-000"), want: 401, code: "invalid_api_key"},
		{name: "valid key with suffix", auth: bearer(testKey + "x"), want: 401, code: "invalid_api_key"},
		{name: "bad key before malformed body", auth: bearer("gwc-wrong-KEYCANARY-000"), body: `{"model":`, want: 401, code: "invalid_api_key"},
		{name: "bad key before unknown model", auth: bearer("gwc-wrong-KEYCANARY-000"), body: `{"model":"nope","messages":[{"role":"user","content":"x"}]}`, want: 401, code: "invalid_api_key"},
		{name: "no key before non-object body", auth: nil, body: `[1,2]`, want: 401, code: "missing_api_key"},
		{name: "revoked key", auth: bearer(revokedKey), want: 401, code: "revoked_api_key"},
		{name: "revoked key before malformed body", auth: bearer(revokedKey), body: `{"model":`, want: 401, code: "revoked_api_key"},
		{name: "valid key", auth: bearer(testKey), want: 200},
		{name: "lower-case scheme", auth: ptr("bearer " + testKey), want: 200},
		{name: "upper-case scheme", auth: ptr("BEARER " + testKey), want: 200},
		{name: "extra spaces", auth: ptr("Bearer   " + testKey), want: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := chat("ref/chat-small", "")
			if tc.body != "" {
				body = jsonBody(tc.body)
			}
			res := g.do(t, request{auth: tc.auth, body: body})
			if res.status != tc.want {
				t.Fatalf("status %d, want %d: %s", res.status, tc.want, res.body)
			}
			if tc.want != 401 {
				return
			}
			e := res.envelope(t)
			if e.Type != TypeAuthentication || strOrNil(e.Code) != tc.code || e.Param != nil {
				t.Fatalf("envelope %s", res.body)
			}
		})
	}
}

func TestModelsListIsPublic(t *testing.T) {
	g := startGateway(t, Config{})
	res := g.do(t, request{method: http.MethodGet, path: "/v1/models"})
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var list struct {
		Object string
		Data   []struct {
			ID, Object string
			OwnedBy    string `json:"owned_by"`
			Created    int64
			Supported  *[]string `json:"supported_parameters"`
		}
	}
	mustUnmarshal(t, res.body, &list)
	if list.Object != "list" || len(list.Data) != 2 {
		t.Fatalf("list %s", res.body)
	}
	for i, m := range testModels() {
		got := list.Data[i]
		if got.ID != m.ID || got.Object != "model" || got.Created == 0 || got.OwnedBy != "gwconform" ||
			got.Supported == nil || len(*got.Supported) != len(m.SupportedParameters) {
			t.Fatalf("entry %d: %+v", i, got)
		}
	}
}

func TestRateLimit(t *testing.T) {
	other := "gwc-other-KEYCANARY-42"
	g := startGateway(t, Config{
		Keys:      []Key{{Secret: testKey, Credits: 100}, {Secret: other, Credits: 100}},
		RateLimit: RateLimit{PerSecond: 0.01, Burst: 2},
	})
	// Invalid bodies keep the upstream out of it; admission happens first.
	for i := range 2 {
		if res := g.do(t, request{auth: bearer(testKey), body: jsonBody(`{}`)}); res.status != 400 {
			t.Fatalf("request %d within burst: status %d", i, res.status)
		}
	}
	res := g.do(t, request{auth: bearer(testKey), body: jsonBody(`{}`)})
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if e := res.envelope(t); e.Type != TypeRateLimit || strOrNil(e.Code) != "rate_limit_exceeded" {
		t.Fatalf("envelope %s", res.body)
	}
	secs, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 100 {
		t.Fatalf("Retry-After %q", res.header.Get("Retry-After"))
	}
	if res := g.do(t, request{auth: bearer(other), body: jsonBody(`{}`)}); res.status != 400 {
		t.Fatalf("buckets are not per key: status %d", res.status)
	}
	// Authentication still comes first for a key-less request.
	if res := g.do(t, request{body: jsonBody(`{}`)}); res.status != 401 {
		t.Fatalf("status %d", res.status)
	}
}

// A key's own limit replaces the gateway's, tighter or looser.
func TestPerKeyRateLimit(t *testing.T) {
	tight, free, shared := "gwc-tight-KEYCANARY", "gwc-free-KEYCANARY", "gwc-shared-KEYCANARY"
	g := startGateway(t, Config{
		Keys: []Key{
			{Secret: tight, Credits: 100, RateLimit: &RateLimit{PerSecond: 0.01, Burst: 1}},
			{Secret: free, Credits: 100, RateLimit: &RateLimit{}},
			{Secret: shared, Credits: 100},
		},
		RateLimit: RateLimit{PerSecond: 0.01, Burst: 3},
	})
	statuses := func(key string) []int {
		var got []int
		for range 4 {
			got = append(got, g.do(t, request{auth: bearer(key), body: jsonBody(`{}`)}).status)
		}
		return got
	}
	for _, tc := range []struct {
		key  string
		want []int
	}{
		{tight, []int{400, 429, 429, 429}},
		{free, []int{400, 400, 400, 400}},
		{shared, []int{400, 400, 400, 429}},
	} {
		if got := statuses(tc.key); !slices.Equal(got, tc.want) {
			t.Errorf("%s: statuses %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestBucketRefills(t *testing.T) {
	b := newBucket(RateLimit{PerSecond: 2, Burst: 1})
	t0 := time.Unix(1000, 0)
	if ok, _ := b.take(t0); !ok {
		t.Fatal("first take refused")
	}
	ok, wait := b.take(t0)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("second take: %v %v", ok, wait)
	}
	if retryAfterSeconds(wait) != "1" {
		t.Fatalf("Retry-After %q", retryAfterSeconds(wait))
	}
	if ok, _ := b.take(t0.Add(500 * time.Millisecond)); !ok {
		t.Fatal("not refilled after 500ms")
	}
	if ok, _ := (*bucket)(nil).take(t0); !ok {
		t.Fatal("unlimited bucket refused")
	}
}

func TestCredits(t *testing.T) {
	g := startGateway(t, Config{Keys: []Key{{Secret: testKey, Credits: 3}, {Secret: poorKey, Credits: 0}}})
	res := g.do(t, request{auth: bearer(poorKey), body: chat("ref/chat-small", "")})
	if res.status != http.StatusForbidden {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if e := res.envelope(t); e.Type != TypePermission || strOrNil(e.Code) != "insufficient_credits" {
		t.Fatalf("envelope %s", res.body)
	}
	// A completion may overdraw; the next request is refused.
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	if res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", "")}); res.status != http.StatusForbidden {
		t.Fatalf("overdrawn key: status %d", res.status)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no upstream", Config{}},
		{"relative upstream", Config{UpstreamURL: "/v1"}},
		{"empty secret", Config{UpstreamURL: "http://x/v1", Keys: []Key{{}}}},
		{"duplicate secret", Config{UpstreamURL: "http://x/v1", Keys: []Key{{Secret: "a"}, {Secret: "a"}}}},
		{"empty model id", Config{UpstreamURL: "http://x/v1", Models: []Model{{}}}},
		{"duplicate model", Config{UpstreamURL: "http://x/v1", Models: []Model{{ID: "m"}, {ID: "m"}}}},
		{"nil defect", Config{UpstreamURL: "http://x/v1", Defects: []*Defect{nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestBucketCooldown(t *testing.T) {
	b := newBucket(RateLimit{PerSecond: 0.1, Burst: 2, Cooldown: time.Second})
	t0 := time.Unix(1000, 0)
	// However far apart the burst's requests are (here 4 s, as on a starved machine), the third meets the
	// limit: the refill alone decides that.
	for i, at := range []time.Duration{0, 4 * time.Second} {
		if ok, _ := b.take(t0.Add(at)); !ok {
			t.Fatalf("take %d refused", i+1)
		}
	}
	ok, wait := b.take(t0.Add(8 * time.Second))
	if ok || wait != time.Second {
		t.Fatalf("third take: %v %v, want refused for the cooldown, 1s", ok, wait)
	}
	if ok, wait := b.take(t0.Add(8*time.Second + 400*time.Millisecond)); ok || wait != 600*time.Millisecond {
		t.Fatalf("take in the cooldown: %v %v, want refused for what is left of it, 600ms", ok, wait)
	}
	// Once the cooldown ends the bucket is full: two requests pass at once, the third starts another.
	end := t0.Add(9 * time.Second)
	for i := range 2 {
		if ok, _ := b.take(end); !ok {
			t.Fatalf("take %d after the cooldown refused", i+1)
		}
	}
	if ok, wait := b.take(end); ok || wait != time.Second {
		t.Fatalf("third take after the cooldown: %v %v, want another cooldown", ok, wait)
	}
}
