package suite

import (
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// STREAM-2 passes a stream that ends in an upstream_error event, and fails every other end a client could
// mistake for a complete answer; an answer given before the stream began is not its to judge.
func TestStreamEndsWithTheErrorEvent(t *testing.T) {
	sc := scenario.Scenario{Expect: scenario.Expect{StreamError: "upstream_error"}}
	chunk := "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
	errEvent := "data: {\"error\":{\"message\":\"the upstream failed\",\"type\":\"upstream_error\",\"code\":null,\"param\":null}}\n\n"
	for body, want := range map[string]string{
		chunk + errEvent:                      "",
		chunk + ": bye\n" + errEvent:          "",
		chunk:                                 "the stream ended with no error event after 1 event(s)",
		chunk + "data: [DONE]\n\n":            "the stream ended with [DONE] and no error event",
		chunk + "data: [DONE]\n\n" + errEvent: "[DONE] came before the error event",
		chunk + strings.Replace(errEvent, "upstream_error", "server_error", 1): `error.type is "server_error", want "upstream_error"`,
	} {
		e := evidence{sc: sc, exs: []*exchange.Exchange{answer(200, "text/event-stream", body)}}
		err := checkStreamError(e)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", body, err, want)
		}
	}
	if why := streamBegan(evidence{exs: []*exchange.Exchange{answer(502, "application/json", goodAuth)}}); why == "" {
		t.Error("an answer given before streaming was judged as a stream")
	}
}
