package suite

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
)

// newTarget is a run's target for a test, with the embedded plan.
func newTarget(t *testing.T, cfg Config) *Target {
	t.Helper()
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	tg, err := New(cfg, plan)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// serve runs h on 127.0.0.1 for the rest of the test and returns its base URL, ending in /v1.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/v1"
}

// catalogue serves body as GET /v1/models with status, on 127.0.0.1, for the rest of the test.
func catalogue(t *testing.T, status int, body string) string {
	t.Helper()
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
}

// goodAuth is a conformant 401 body.
const goodAuth = `{"error":{"message":"Invalid API key provided","type":"authentication_error","code":null,"param":null}}`

func answer(status int, ct, body string) *exchange.Exchange {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return &exchange.Exchange{Response: &exchange.Response{Status: status, Header: h, Body: []byte(body)}}
}

func authScenario() scenario.Scenario {
	return scenario.Scenario{ID: "s", Requirements: []string{"AUTH-2"},
		Request: scenario.Request{Method: "POST", Path: "/chat/completions", Credential: "invalid"},
		Expect:  scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error", Param: "model"}}
}

func modelList(ids ...string) string {
	var es []string
	for _, id := range ids {
		es = append(es, entry(id))
	}
	return `{"object":"list","data":[` + strings.Join(es, ",") + `]}`
}

// entry is a catalogue entry that takes every parameter the request scenarios vary, so discovery would
// prefer it over any other.
func entry(id string) string {
	return `{"id":"` + id + `","supported_parameters":["temperature","max_tokens","n","stream"]}`
}

// scenarioOf is the plan's scenario with that id.
func scenarioOf(t *testing.T, plan *Plan, id string) scenario.Scenario {
	t.Helper()
	for _, sc := range plan.Scenarios.Scenarios {
		if sc.ID == id {
			return sc
		}
	}
	t.Fatalf("no scenario %s", id)
	return scenario.Scenario{}
}
