package suite

import (
	"slices"
	"testing"
)

// The parser follows the event-stream format: comments, fields without a space, multi-line data, CR, LF
// and CRLF line ends, and an unfinished last event that no client would see.
func TestParseEvents(t *testing.T) {
	for _, c := range []struct {
		name     string
		body     string
		want     []sseEvent
		complete bool
	}{
		{"two events", "data: a\n\ndata: b\n\n", []sseEvent{{data: "a"}, {data: "b"}}, true},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []sseEvent{{data: "{\"a\":\n1}"}}, true},
		{"comments and names", ": keep-alive\nevent: error\ndata:x\n\n", []sseEvent{{name: "error", data: "x"}}, true},
		{"CRLF and CR", "data: a\r\n\r\ndata: b\r\rdata: c\r\n\r\n", []sseEvent{{data: "a"}, {data: "b"}, {data: "c"}}, true},
		{"no data is no event", "event: ping\n\ndata: a\n\n", []sseEvent{{data: "a"}}, true},
		{"unfinished event", "data: a\n\ndata: b\n", []sseEvent{{data: "a"}}, false},
		{"cut mid-line", "data: a\n\ndata: {\"er", []sseEvent{{data: "a"}}, false},
		{"empty", "", nil, true},
	} {
		got, complete := parseEvents([]byte(c.body))
		if !slices.Equal(got, c.want) || complete != c.complete {
			t.Errorf("%s: %+v (complete %t), want %+v (complete %t)", c.name, got, complete, c.want, c.complete)
		}
	}
}
