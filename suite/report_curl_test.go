package suite

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/redact"
)

func TestCurlLineReproducesTheRequestWithoutTheKey(t *testing.T) {
	ex := &exchange.Exchange{Request: exchange.Request{
		Method: "POST", URL: "http://127.0.0.1:1/v1/chat/completions",
		Header: http.Header{"Authorization": {"Bearer gwc-secret-key-123"}, "Content-Type": {"application/json"}, "User-Agent": {"gwconform"}},
		Body:   []byte(`{"messages": "it's"}`), BodySize: 20,
	}}
	line := redact.New().Add("gwc-secret-key-123", "$API_KEY").String(curlLine(ex))
	for _, want := range []string{`-X POST 'http://127.0.0.1:1/v1/chat/completions'`, `-H "Authorization: Bearer $API_KEY"`, `--data-binary '{"messages": "it'\''s"}'`} {
		if !strings.Contains(line, want) {
			t.Errorf("curl line lacks %s:\n%s", want, line)
		}
	}
	if strings.Contains(line, "gwc-secret-key-123") || strings.Contains(line, "User-Agent") {
		t.Errorf("curl line:\n%s", line)
	}
	// The shell must read the line as one command: bash -n parses without running it.
	if _, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command("bash", "-n", "-c", line).CombinedOutput(); err != nil {
			t.Errorf("bash cannot parse the curl line: %v %s\n%s", err, out, line)
		}
	}
	ex.Request.BodySize = 16 << 20
	if line := curlLine(ex); !strings.Contains(line, "16777216-byte body") {
		t.Errorf("a large body is pasted:\n%s", line)
	}
}
