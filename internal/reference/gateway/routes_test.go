package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	g := startGateway(t, Config{})
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{http.MethodGet, "/", 404, "unknown_route", ""},
		{http.MethodGet, "/v1", 404, "unknown_route", ""},
		{http.MethodGet, "/v1/nope", 404, "unknown_route", ""},
		{http.MethodPost, "/v1/completions", 404, "unknown_route", ""},
		{http.MethodGet, "/v1/models/", 404, "model_not_found", ""},
		{http.MethodGet, "/v1/models/ref/no-such-model", 404, "model_not_found", ""},
		{http.MethodDelete, "/v1/models/ref/chat-small", 405, "method_not_allowed", "GET, HEAD"},
		{http.MethodGet, "/v1/chat/completions/x", 404, "unknown_route", ""},
		{http.MethodPost, "/v1/models", 405, "method_not_allowed", "GET, HEAD"},
		{http.MethodDelete, "/v1/models", 405, "method_not_allowed", "GET, HEAD"},
		{http.MethodGet, "/v1/chat/completions", 405, "method_not_allowed", "POST"},
		{http.MethodPut, "/v1/chat/completions", 405, "method_not_allowed", "POST"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := g.do(t, request{method: tc.method, path: tc.path, auth: bearer(testKey)})
			if res.status != tc.status {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if e := res.envelope(t); e.Type != TypeInvalidRequest || strOrNil(e.Code) != tc.code {
				t.Fatalf("envelope %s", res.body)
			}
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
	// A listed id is served: its catalogue entry, not an error.
	res := g.do(t, request{method: http.MethodGet, path: "/v1/models/ref/chat-small", auth: bearer(testKey)})
	if res.status != 200 || !strings.Contains(string(res.body), `"id":"ref/chat-small"`) {
		t.Fatalf("GET a listed model: %d %s", res.status, res.body)
	}
}

func TestPanicBecomes500(t *testing.T) {
	g := startGateway(t, Config{})
	g.routes["/v1/panic"] = route{methods: []string{http.MethodGet}, handle: func(http.ResponseWriter, *http.Request) {
		panic(errors.New("secret internal detail"))
	}}
	g.routes["/v1/panic-midstream"] = route{methods: []string{http.MethodGet}, handle: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: {}\n\n")
		panic("secret internal detail")
	}}
	g.routes["/v1/panic-midbody"] = route{methods: []string{http.MethodGet}, handle: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"partial":`)
		_ = http.NewResponseController(w).Flush()
		panic("secret internal detail")
	}}

	res := g.do(t, request{method: http.MethodGet, path: "/v1/panic"})
	if res.status != 500 {
		t.Fatalf("status %d", res.status)
	}
	if e := res.envelope(t); e.Type != TypeServer || bytes.Contains(res.body, []byte("secret")) || bytes.Contains(res.body, []byte("goroutine")) {
		t.Fatalf("envelope %s", res.body)
	}

	res = g.do(t, request{method: http.MethodGet, path: "/v1/panic-midstream"})
	events := readEvents(t, res.body)
	if res.status != 200 || len(events) != 2 || !strings.Contains(events[1], `"type":"server_error"`) {
		t.Fatalf("status %d, events %q", res.status, events)
	}

	// A JSON body already under way cannot be completed: the client must
	// see a broken response, not a truncated one that parses.
	resp, err := http.Get(g.URL + "/v1/panic-midbody")
	if err == nil {
		_, err = io.ReadAll(bufio.NewReader(resp.Body))
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("truncated body delivered as complete")
	}
}
