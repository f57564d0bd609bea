package suite

import (
	"slices"
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

// STREAM-1's checks hold a streaming refusal to the plain request's answer: each fails on the one thing it
// decides, and passes when the two agree.
func TestStreamingRefusalIsLikeThePlainOne(t *testing.T) {
	plain := answer(401, "application/json", goodAuth)
	withType := func(typ string) *exchange.Exchange {
		return answer(401, "application/json", strings.Replace(goodAuth, "authentication_error", typ, 1))
	}
	for _, c := range []struct {
		name   string
		stream *exchange.Exchange
		check  func(evidence) error
		want   string
	}{
		{"same status", withType("authentication_error"), checkStatusLikePlain, ""},
		{"an event stream", answer(200, "text/event-stream", "data: "+goodAuth+"\n\n"), checkStatusLikePlain, "answered 200 text/event-stream"},
		{"another status", answer(500, "application/json", goodAuth), checkStatusLikePlain, "answered 500; the same request without stream: true is answered 401"},
		{"same type", withType("authentication_error"), checkTypeLikePlain, ""},
		{"another type", withType("server_error"), checkTypeLikePlain, `error.type is "server_error"; the same request without stream: true gets "authentication_error"`},
		{"an envelope", withType("authentication_error"), checkEnvelopeLikePlain, ""},
		{"the right envelope labelled text/event-stream is ENV-5's, not STREAM-1's", answer(401, "text/event-stream", goodAuth), checkEnvelopeLikePlain, ""},
		{"the right status labelled text/event-stream", answer(401, "text/event-stream", goodAuth), checkStatusLikePlain, ""},
		{"an error as an event", answer(401, "text/event-stream", "data: "+goodAuth+"\n\n"), checkEnvelopeLikePlain, "answered the error as an event stream"},
		{"no error object", answer(401, "application/json", `{"message":"no"}`), checkEnvelopeLikePlain, "no error object"},
	} {
		e := evidence{exs: []*exchange.Exchange{c.stream}, controls: map[string]*exchange.Exchange{plainTwin: plain}}
		err := c.check(e)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	served := evidence{controls: map[string]*exchange.Exchange{plainTwin: answer(200, "application/json", `{"choices":[]}`)}}
	if why := plainAnswered(served); !strings.Contains(why, "not refused") {
		t.Errorf("a served plain twin: %q", why)
	}
}

// A streaming answer is charged as any answer for how it is labelled and for an envelope under a 2xx: a
// 200 carrying the envelope fails ENV-7 beside STREAM-1, and the right answer labelled as an event stream
// fails ENV-5 alone.
func TestAStreamingRefusalIsChargedAsAnyAnswer(t *testing.T) {
	streaming := scenario.Scenario{ID: "stream-wrong-key", Requirements: []string{"STREAM-1"}, Streaming: true,
		Request: scenario.Request{Method: "POST", Path: "/chat/completions", Credential: "invalid"},
		Expect:  scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"}}
	plain := answer(401, "application/json", goodAuth)
	for _, c := range []struct {
		name   string
		stream *exchange.Exchange
		want   []string
	}{
		{"the plain answer", answer(401, "application/json", goodAuth), []string{}},
		{"the envelope under 200", answer(200, "application/json", goodAuth), []string{"ENV-7", "STREAM-1"}},
		{"the right answer labelled as an event stream", answer(401, "text/event-stream", goodAuth), []string{"ENV-5"}},
		{"a 200 event stream holding only [DONE]", answer(200, "text/event-stream", "data: [DONE]\n\n"), []string{"STREAM-1"}},
	} {
		e := evidence{sc: streaming, exs: []*exchange.Exchange{c.stream}, controls: map[string]*exchange.Exchange{plainTwin: plain}}
		if got := failedCharges(t, e); !slices.Equal(got, c.want) {
			t.Errorf("%s: charged %v, want %v", c.name, got, c.want)
		}
	}
}
