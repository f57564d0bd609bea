package suite

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gwconform/gwconform/internal/exchange"
)

// maxCurlBody is the largest body a curl line carries inline; a larger one (the 16 MiB REQ-9 body) is
// described, not pasted.
const maxCurlBody = 8 << 10

// curlLine is a shell command that sends the exchange's request again. It is redacted like everything
// else, so keys appear as the variables that hold them ($API_KEY): they expand in the double quotes.
func curlLine(ex *exchange.Exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -i -X %s %s", ex.Request.Method, shellQuote(ex.Request.URL))
	names := make([]string, 0, len(ex.Request.Header))
	for n := range ex.Request.Header {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "User-Agent" || n == "Accept" {
			continue
		}
		for _, v := range ex.Request.Header[n] {
			fmt.Fprintf(&b, " \\\n  -H \"%s: %s\"", n, strings.NewReplacer(`"`, `\"`, "`", "\\`").Replace(v))
		}
	}
	switch {
	case ex.Request.BodySize == 0:
	case ex.Request.BodySize > maxCurlBody:
		fmt.Fprintf(&b, " \\\n  --data-binary @body.json  # the %d-byte body the scenario generates", ex.Request.BodySize)
	default:
		fmt.Fprintf(&b, " \\\n  --data-binary %s", shellQuote(string(ex.Request.Body)))
	}
	return b.String()
}

// shellQuote wraps s in single quotes, which the shell takes literally.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
