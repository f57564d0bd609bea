package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
)

// faultTimeout is the gateway's upstream timeout against the fault
// provider, whose holds (upstreamHold) last far longer.
const faultTimeout = 300 * time.Millisecond

// Every upstream failure is a 502 upstream_error, a held upstream answered by
// the gateway's own timeout, whether or not the client asked to stream (UP-1..5, STREAM-1).
func TestFaultsBecome502(t *testing.T) {
	g := faultGateway(t)
	for _, tc := range []struct {
		fault faults.Fault
		code  string
	}{
		{faults.Status500, "upstream_failed"},
		{faults.Status503, "upstream_failed"},
		{faults.Leak, "upstream_failed"},
		{faults.Status400, "upstream_failed"},
		{faults.Reset, "upstream_unavailable"},
		{faults.Close, "upstream_unavailable"},
		{faults.Timeout, "upstream_timeout"},
		{faults.SlowFirstByte, "upstream_timeout"},
		{faults.Malformed, "upstream_invalid_response"},
	} {
		for _, stream := range []bool{false, true} {
			name := tc.fault.Key
			extra := ""
			if stream {
				name, extra = name+", streamed", `"stream":true`
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				before := balance(t, g, testKey)
				// send fails the test if a canary or the key comes back. The code tells the gateway's own
				// timeout (upstream_timeout) from the upstream's answer, whatever the machine's speed.
				res := g.do(t, request{auth: bearer(testKey), body: chat(faultModel(tc.fault).ID, extra)})
				if res.status != http.StatusBadGateway {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
				if e := res.envelope(t); e.Type != TypeUpstream || strOrNil(e.Code) != tc.code {
					t.Fatalf("envelope %s", res.body)
				}
				// An upstream's own Retry-After is its business, not the client's.
				if res.header.Get("Retry-After") != "" {
					t.Fatalf("Retry-After %q passed through", res.header.Get("Retry-After"))
				}
				if balance(t, g, testKey) != before {
					t.Fatal("a failure was charged")
				}
			})
		}
	}
}

// A stream that breaks after it began can only end with an error event
// (STREAM-2); without stream, the same upstream answers normally.
func TestStreamBreak(t *testing.T) {
	g := faultGateway(t)
	model := faultModel(faults.StreamBreak).ID
	res := g.do(t, request{auth: bearer(testKey), body: chat(model, `"stream":true`)})
	if res.status != 200 || res.header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, %q", res.status, res.header.Get("Content-Type"))
	}
	events := readEvents(t, res.body)
	if len(events) != 2 {
		t.Fatalf("events %q", events)
	}
	var chunk struct{ Model string }
	mustUnmarshal(t, []byte(events[0]), &chunk)
	if chunk.Model != model {
		t.Fatalf("first event %s", events[0])
	}
	var e envelope
	mustUnmarshal(t, []byte(events[1]), &e)
	if e.Error.Type != TypeUpstream || strOrNil(e.Error.Code) != "upstream_unavailable" {
		t.Fatalf("error event %s", events[1])
	}

	if res := g.do(t, request{auth: bearer(testKey), body: chat(model, "")}); res.status != 200 {
		t.Fatalf("without stream: status %d: %s", res.status, res.body)
	}
}
