package exchange

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// Redactor hides secrets in rendered text; *redact.Redactor is one.
type Redactor interface{ String(string) string }

// HeaderRedactor, when a Redactor is one, hides the secrets of the request's own headers however short:
// only where the suite put them, so that nothing the target sent is rewritten for a short value.
type HeaderRedactor interface{ HeaderValue(string) string }

// ShownBody is how much of a body a transcript prints: enough to read an error, not a 16 MiB prompt.
const ShownBody = 2048

// Transcript renders the exchange for a person: request line, headers and body, then status, headers and
// body, every secret replaced through r.
func (e *Exchange) Transcript(r Redactor) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Request.Method, e.Request.URL)
	sent := e.Request.Header
	if hr, ok := r.(HeaderRedactor); ok {
		sent = make(http.Header, len(e.Request.Header))
		for name, values := range e.Request.Header {
			for _, v := range values {
				sent[name] = append(sent[name], hr.HeaderValue(v))
			}
		}
	}
	writeHeaders(&b, "> ", sent)
	if e.Request.BodySize > 0 {
		fmt.Fprintf(&b, ">\n%s\n", indent("> ", Shown(e.Request.Body, e.Request.BodySize)))
	}
	switch {
	case e.Err != nil:
		fmt.Fprintf(&b, "! no response after %s: %v\n", e.Duration.Round(1e6), e.Err)
	case e.Response != nil:
		fmt.Fprintf(&b, "< %s %d %s (%s)\n", e.Response.Proto, e.Response.Status, http.StatusText(e.Response.Status), e.Duration.Round(1e6))
		writeHeaders(&b, "< ", e.Response.Header)
		if e.Response.BodySize > 0 {
			fmt.Fprintf(&b, "<\n%s\n", indent("< ", Shown(e.Response.Body, e.Response.BodySize)))
		}
		writeNotes(&b, e.Request, e.Response)
	}
	return r.String(b.String())
}

// writeNotes states, after the answer, what the lines above do not show: that the target answered before
// taking the whole body, and how the body shown came from the one on the wire.
func writeNotes(b *strings.Builder, req Request, resp *Response) {
	if unsent := resp.BodyUnsent; unsent > 0 {
		if sent := req.BodySize - unsent; sent > 0 {
			fmt.Fprintf(b, "= answered after %s of the %s body was sent; the rest was not sent\n", size(sent), size(req.BodySize))
		} else {
			fmt.Fprintf(b, "= answered before any of the %s body was sent\n", size(req.BodySize))
		}
	}
	switch {
	case resp.CodingErr != nil:
		fmt.Fprintf(b, "= body shown as received: %v\n", resp.CodingErr)
	case resp.WireSize > 0 && resp.Truncated:
		fmt.Fprintf(b, "= body decoded from %s up to the cap, from the first %d bytes on the wire\n", resp.Coding, resp.WireSize)
	case resp.WireSize > 0:
		fmt.Fprintf(b, "= body decoded from %s (%d bytes on the wire)\n", resp.Coding, resp.WireSize)
	}
}

// size is n bytes as a person reads a body's size: 1.5 MiB, 16 MiB. It rounds down, so that a part is
// never shown as the whole.
func size(n int64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	switch {
	case u == 0 && n == 1:
		return "1 byte"
	case u == 0:
		return fmt.Sprintf("%d bytes", n)
	case v < 10:
		return fmt.Sprintf("%.1f %s", math.Floor(v*10)/10, units[u])
	}
	return fmt.Sprintf("%.0f %s", math.Floor(v), units[u])
}

// Shown is body as a transcript prints it: capped, with invalid UTF-8 escaped, and the true size noted when
// part is left out.
func Shown(body []byte, size int64) string {
	s := body
	if len(s) > ShownBody {
		s = s[:ShownBody]
	}
	out := string(s)
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	if int64(len(s)) < size || len(s) < len(body) {
		out += fmt.Sprintf("… (%d bytes in all)", max(size, int64(len(body))))
	}
	return out
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, v := range h[n] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, n, v)
		}
	}
}

func indent(prefix, s string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
