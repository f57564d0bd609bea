package inprocess

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

func TestFaultModels(t *testing.T) {
	s := start(t, Options{})
	if s.UpstreamTimeout != DefaultUpstreamTimeout {
		t.Fatalf("UpstreamTimeout %v", s.UpstreamTimeout)
	}
	listed := map[string]bool{}
	for _, m := range Catalogue() {
		listed[m.ID] = true
	}
	want := []string{"internal", "maintenance"}
	for _, f := range faults.All() {
		want = append(want, f.Key)
	}
	var got []string
	for key, model := range s.FaultModels {
		got = append(got, key)
		if !listed[model] {
			t.Errorf("%s: %q is not in the catalogue", key, model)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if s.FaultModels[faults.Status500.Key] != "ref/status-500" {
		t.Fatalf("status_500 is %q", s.FaultModels[faults.Status500.Key])
	}
	s.FaultModels["internal"] = "mutated"
	if FaultModels()["internal"] == "mutated" {
		t.Fatal("callers can alter the fault models")
	}
}

// Each trigger, pulled through the public gateway, gives the error it
// stands for, within the upstream timeout.
func TestTriggers(t *testing.T) {
	s := start(t, Options{})
	const msgs = `"messages":[{"role":"user","content":"hello there"}]`
	for _, tc := range []struct {
		key    string
		status int
		typ    string
	}{
		{"maintenance", 503, "service_unavailable"},
		{"internal", 500, "server_error"},
		{faults.Status500.Key, 502, "upstream_error"},
		{faults.Status503.Key, 502, "upstream_error"},
		{faults.Reset.Key, 502, "upstream_error"},
		{faults.Close.Key, 502, "upstream_error"},
		{faults.Timeout.Key, 502, "upstream_error"},
		{faults.SlowFirstByte.Key, 502, "upstream_error"},
		{faults.Malformed.Key, 502, "upstream_error"},
		{faults.Leak.Key, 502, "upstream_error"},
		{faults.Unverified.Key, 403, "verification_error"},
		{faults.StreamBreak.Key, 200, ""},
		{faults.Status400.Key, 502, "upstream_error"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			status, body := post(t, s, s.APIKey, `{"model":"`+s.FaultModels[tc.key]+`",`+msgs+`}`)
			// Short of the upstream's 30s hold, which a gateway without its timeout would wait out; far past
			// what a busy machine adds to the timeout.
			if elapsed := time.Since(begin); elapsed > s.UpstreamTimeout+10*time.Second {
				t.Fatalf("took %v", elapsed)
			}
			if status != tc.status {
				t.Fatalf("status %d: %s", status, body)
			}
			for _, canary := range []string{faults.CanarySecret, faults.CanaryHost, faults.CanaryMessage} {
				if strings.Contains(string(body), canary) {
					t.Fatalf("leaks %q: %s", canary, body)
				}
			}
			if tc.typ == "" {
				return
			}
			var e struct{ Error struct{ Type string } }
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Type != tc.typ {
				t.Fatalf("body %s", body)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	s := start(t, Options{})
	keys := []string{s.APIKey, s.ZeroCreditKey, s.RevokedKey, s.RateLimitedKey}
	for i, k := range keys {
		if k == "" || slices.Contains(keys[i+1:], k) {
			t.Fatalf("keys %q are not distinct", keys)
		}
	}
	const body = `{"model":"ref/chat-small","messages":[{"role":"user","content":"x"}]}`
	for _, tc := range []struct {
		name, key string
		status    int
		typ       string
	}{
		{"zero credit", s.ZeroCreditKey, 403, "permission_error"},
		{"revoked", s.RevokedKey, 401, "authentication_error"},
	} {
		status, data := post(t, s, tc.key, body)
		var e struct{ Error struct{ Type, Code string } }
		if err := json.Unmarshal(data, &e); status != tc.status || err != nil || e.Error.Type != tc.typ {
			t.Fatalf("%s: status %d: %s", tc.name, status, data)
		}
		if strings.Contains(string(data), tc.key) {
			t.Fatalf("%s: the key is echoed", tc.name)
		}
	}
}

// Three quick requests meet a 429 whose Retry-After, honoured, clears it.
func TestRateLimitedKeyRecovers(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	// An invalid body is admitted, then refused, without costing the upstream.
	const body = `{}`
	var last *http.Response
	for i := range 3 {
		req, _ := http.NewRequest(http.MethodPost, s.BaseURL+"/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.RateLimitedKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 400, false: 429}[i < 2]; resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		last = resp
	}
	secs, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || secs != 1 {
		t.Fatalf("Retry-After %q", last.Header.Get("Retry-After"))
	}
	// Waiting out Retry-After is the behaviour under test, not a guess at
	// when something finishes.
	time.Sleep(time.Duration(secs) * time.Second)
	if status, data := post(t, s, s.RateLimitedKey, body); status != 400 {
		t.Fatalf("after backing off: status %d: %s", status, data)
	}
}
