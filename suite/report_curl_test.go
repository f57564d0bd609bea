package suite

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/redact"
	"github.com/gwconform/gwconform/internal/scenario"
)

// seen is a request as it reached the server, with nothing of the client's own left out.
type seen struct {
	method, uri string
	header      http.Header
	length      int64 // Content-Length, -1 when none was sent
	body        []byte
}

// recorder serves 400 to everything and keeps each request as it arrived.
func recorder(t *testing.T) (baseURL string, got func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var all []seen
	base := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		length := int64(-1)
		if _, sent := r.Header["Content-Length"]; sent || r.ContentLength > 0 {
			length = r.ContentLength
		}
		h := r.Header.Clone()
		h.Del("Content-Length")
		mu.Lock()
		all = append(all, seen{r.Method, r.RequestURI, h, length, body})
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
	}))
	return base, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(all)
	}
}

// A failure's curl line, run as printed with the variables it names exported, sends the request exactly as
// the suite did: method, path, every header (an empty Authorization included) and the body byte for byte,
// inline or from the file written beside the reports.
func TestCurlLineSendsTheRequestExactlyAsTheSuiteDid(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: .ci/run installs it")
	}
	const key = "gwc-curl-test-key-0123456789"
	base, got := recorder(t)
	tg := newTarget(t, Config{BaseURL: base, APIKey: key, ReproDir: filepath.Join(t.TempDir(), "bodies")})
	generated, err := tg.Scenarios.Body(scenario.Scenario{Request: scenario.Request{Method: "POST", OversizedBytes: 64 << 10}}, map[string]string{"model": "gw/chat"})
	if err != nil {
		t.Fatal(err)
	}
	large, err := tg.Scenarios.Body(scenario.Scenario{Request: scenario.Request{Method: "POST", OversizedBytes: 3 << 20 / 2}}, map[string]string{"model": "gw/chat"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		sc     scenario.Scenario
		cred   scenario.Credential
		body   exchange.Body
		header map[string]string
	}{
		{"a JSON body with a quote and a prompt", post("/chat/completions"), scenario.Credential("valid"), exchange.Bytes(`{"model": "it's", "messages": [{"role": "user", "content": "` + scenario.CanaryPrompt + `"}]}`), nil},
		{"an empty Authorization and an empty body", post("/chat/completions"), scenario.Credential("empty"), exchange.Bytes(""), nil},
		{"no body at all", scenario.Scenario{ID: "get", Request: scenario.Request{Method: "GET", Path: "/models"}}, scenario.Credential("none"), nil, nil},
		{"a body that is not text", post("/chat/completions"), scenario.Credential("valid"), exchange.Bytes("{\"model\": \"\xff\x00\"}"), nil},
		{"a generated body too long to paste", post("/chat/completions"), scenario.Credential("valid"), generated, map[string]string{"Expect": "100-continue"}},
		{"over a mebibyte, sent without asking first (curl would ask)", post("/chat/completions"), scenario.Credential("valid"), large, nil},
		{"a path the shell and curl must not touch", post("/chat/../completions?x=$HOME"), scenario.Credential("valid"), exchange.Bytes("{}"), nil},
	}
	for i, c := range cases {
		c.sc.ID = c.sc.ID + strconv.Itoa(i)
		h := tg.header(c.sc, c.cred)
		for k, v := range c.header {
			h.Set(k, v)
		}
		ex := tg.client.Do(context.Background(), c.sc.Request.Method, c.sc.Request.Path, h, c.body)
		if ex.Err != nil {
			t.Fatalf("%s: %v", c.name, ex.Err)
		}
		line := tg.redactor.String(curlLine(ex, tg.bodyFile(c.sc, ex), tg.redactor.HeaderValue))
		if strings.Contains(line, key) {
			t.Fatalf("%s: the key is in the curl line", c.name)
		}
		cmd := exec.Command("bash", "-c", line)
		cmd.Env = append(os.Environ(), "API_KEY="+key)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", c.name, err, line, out)
		}
		all := got()
		if len(all) != 2*(i+1) {
			t.Fatalf("%s: the server saw %d requests, want %d", c.name, len(all), 2*(i+1))
		}
		suite, curl := all[2*i], all[2*i+1]
		if suite.method != curl.method || suite.uri != curl.uri || suite.length != curl.length || !bytes.Equal(suite.body, curl.body) || !sameHeaders(suite.header, curl.header) {
			t.Errorf("%s: curl sent another request.\nsuite: %s %s %v length %d %q\ncurl:  %s %s %v length %d %q\n%s", c.name,
				suite.method, suite.uri, suite.header, suite.length, short(suite.body), curl.method, curl.uri, curl.header, curl.length, short(curl.body), line)
		}
	}
}

func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func short(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

func post(path string) scenario.Scenario {
	return scenario.Scenario{ID: "post", Request: scenario.Request{Method: "POST", Path: path, Body: new(string)}}
}

// The oversized body is described, not pasted, when there is nowhere to write it.
func TestCurlLineDescribesABodyItCannotPaste(t *testing.T) {
	ex := &exchange.Exchange{Request: exchange.Request{Method: "POST", URL: "http://127.0.0.1:1/v1/chat/completions",
		Header: http.Header{"Authorization": {"Bearer gwc-secret-key-123"}}, Body: []byte("{"), BodySize: 16 << 20, Source: exchange.Bytes("{")}}
	r := redact.New().Add("gwc-secret-key-123", "$API_KEY")
	line := r.String(curlLine(ex, "", r.HeaderValue))
	if !strings.Contains(line, "16777216-byte body") || !strings.Contains(line, `-H "Authorization: Bearer $API_KEY"`) {
		t.Errorf("curl line:\n%s", line)
	}
}
