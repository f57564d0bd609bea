package suite

import (
	"bytes"
	"strings"
)

// sseEvent is one dispatched event of a text/event-stream body.
type sseEvent struct {
	name string // the event field; "" is the default, "message"
	data string // the data lines joined by "\n"
}

// parseEvents reads an event stream as the HTML standard's parser does (§9.2.6): lines end in CRLF, LF or
// CR; a line starting with ":" is a comment; "field: value" loses one leading space; data lines accumulate,
// joined by LF; a blank line dispatches the event, and one with no data is dropped. An event the stream
// never finished with a blank line is never dispatched: a client does not see it, so neither does the
// suite. complete says whether the stream ended on an event boundary.
func parseEvents(body []byte) (events []sseEvent, complete bool) {
	body = bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	var name string
	var data strings.Builder
	hasData := false
	lines := splitLines(string(body))
	for i, line := range lines {
		last := i == len(lines)-1
		if last && line != "" {
			return events, false // the stream stopped mid-line
		}
		if line == "" {
			if last {
				break
			}
			if hasData {
				events = append(events, sseEvent{name: name, data: strings.TrimSuffix(data.String(), "\n")})
			}
			name, hasData = "", false
			data.Reset()
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			name = value
		case "data":
			data.WriteString(value + "\n")
			hasData = true
		}
	}
	return events, !hasData && name == ""
}

// splitLines splits on CRLF, LF or CR; the text after the last line end is the last element ("" when the
// text ends with a line end).
func splitLines(s string) []string {
	var out []string
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
}
