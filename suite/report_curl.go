package suite

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gwconform/gwconform/internal/exchange"
)

// maxCurlBody is the largest body a curl line carries inline; a larger one is read from a file.
const maxCurlBody = 8 << 10

// curlLine is a shell command that sends the exchange's request again exactly as the suite did: every
// header it sent (an empty one as curl spells it, "Name;"), none that curl would add on its own, the path
// as is, and the body byte for byte, inline when short and printable, else from bodyFile (the caller writes
// it; "" when there is nowhere to write). The caller redacts keys, which then appear as the variables that
// hold them ($API_KEY), expanded inside the double quotes.
// headerValue hides the secrets the suite put in a header, however short (redact.Redactor.HeaderValue).
func curlLine(ex *exchange.Exchange, bodyFile string, headerValue func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -i --path-as-is -X %s %s", ex.Request.Method, ShellQuote(ex.Request.URL))
	names := make([]string, 0, len(ex.Request.Header))
	for n := range ex.Request.Header {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, v := range ex.Request.Header[n] {
			v = headerValue(v)
			if v == "" {
				fmt.Fprintf(&b, " \\\n  -H %q", n+";")
				continue
			}
			fmt.Fprintf(&b, " \\\n  -H \"%s: %s\"", n, strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`").Replace(v))
		}
	}
	if ex.Request.Source == nil {
		return b.String()
	}
	if ex.Request.Header.Get("Expect") == "" {
		b.WriteString(" \\\n  -H 'Expect:'") // curl would ask before sending a large body; the suite did not
	}
	switch {
	case inline(ex.Request):
		fmt.Fprintf(&b, " \\\n  --data-binary %s", ShellQuote(string(ex.Request.Body)))
	case bodyFile != "":
		fmt.Fprintf(&b, " \\\n  --data-binary @%s", ShellQuote(bodyFile))
	default:
		fmt.Fprintf(&b, " \\\n  --data-binary @body  # the %d-byte body the scenario generates", ex.Request.BodySize)
	}
	return b.String()
}

// inline says whether a request body can be pasted into a shell command as it is: short, and text a
// terminal shows faithfully.
func inline(r exchange.Request) bool {
	if r.BodySize > maxCurlBody || int64(len(r.Body)) != r.BodySize || !utf8.Valid(r.Body) {
		return false
	}
	for _, c := range string(r.Body) {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// ShellQuote wraps s in single quotes, which the shell takes literally.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
