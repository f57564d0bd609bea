package suite

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// brokenAnswers break the contract in the ways the reference's defects do: each reaches the reason of
// some check of some scenario.
func brokenAnswers() map[string]func() *exchange.Exchange {
	coded := func(coding string) func() *exchange.Exchange {
		return func() *exchange.Exchange {
			ex := answer(401, "application/json", "\x1f\x8b garbled")
			ex.Response.Header.Set("Content-Encoding", coding)
			ex.Response.CodingErr = &exchange.CodingError{Coding: coding}
			return ex
		}
	}
	return map[string]func() *exchange.Exchange{
		"html page": func() *exchange.Exchange {
			return answer(502, "text/html", "<html><body>502 Bad Gateway</body></html>")
		},
		"undecodable coding": coded("br"),
		"stacked codings":    coded("gzip, br"),
		"flat envelope": func() *exchange.Exchange {
			return answer(400, "application/json", `{"message":"m","type":"invalid_request_error","code":null,"param":null}`)
		},
		"error as a string": func() *exchange.Exchange { return answer(400, "application/json", `{"error":"bad request"}`) },
		"integer code": func() *exchange.Exchange {
			return answer(401, "application/json", `{"error":{"message":"m","type":"authentication_error","code":401,"param":7}}`)
		},
		"null members": func() *exchange.Exchange {
			return answer(400, "application/json", `{"error":{"message":null,"type":null}}`)
		},
		"served":                func() *exchange.Exchange { return answer(200, "application/json", `{"id":"c","choices":[]}`) },
		"envelope under 200":    func() *exchange.Exchange { return answer(200, "application/json", goodAuth) },
		"renamed model list":    func() *exchange.Exchange { return answer(200, "application/json", `{"models":[{"id":"a"}]}`) },
		"entries without lists": func() *exchange.Exchange { return answer(200, "application/json", `{"data":[{"id":"a"},{"id":7}]}`) },
		"plain text 404":        func() *exchange.Exchange { return answer(404, "text/plain", "404 page not found\n") },
		"event stream":          func() *exchange.Exchange { return answer(200, "text/event-stream", "data: [DONE]\n\n") },
		"no answer": func() *exchange.Exchange {
			return &exchange.Exchange{Err: errors.New("read: connection reset by peer")}
		},
	}
}

// The console's FAIL line prints a reason's first line, so every reason's first line is a complete
// sentence: a detail may follow on later lines, never start after a colon that ends the first. Every check
// of every scenario, generated ones included, is held to it against every broken answer.
func TestEveryReasonsFirstLineIsASentence(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	desc, err := negative.Describe()
	if err != nil {
		t.Fatal(err)
	}
	// As many bodies as a model listing every parameter has rules: each rule is broken once.
	g := negative.New(desc, "{{model}}", nil)
	scenarios := append([]scenario.Scenario{}, plan.Scenarios.Scenarios...)
	for i := range g.Rules() {
		scenarios = append(scenarios, negativeScenario(g.Case(1, i)))
	}
	failed, ended := 0, map[string]string{}
	for _, sc := range scenarios {
		for name, broken := range brokenAnswers() {
			for _, c := range checksFor(sc) {
				e := evidence{sc: sc, schemas: set, exs: []*exchange.Exchange{broken()}, repeats: []*exchange.Exchange{broken()}, sent: []byte(`{}`),
					controls: twins(sc), upstreamTimeout: 1, secrets: []string{"gwc-valid-key-123"}}
				if why, _ := c.unjudged(e); why != "" {
					continue
				}
				err := runCheck(c, e)
				var p panicked
				switch {
				case errors.As(err, &p):
					t.Errorf("%s of %s against %s: %v", c.name, sc.ID, name, err)
					continue
				case err == nil:
					continue
				}
				failed++
				if first, _, _ := strings.Cut(err.Error(), "\n"); strings.HasSuffix(strings.TrimSpace(first), ":") {
					ended[c.name+" against "+name] = err.Error()
				}
			}
		}
	}
	if failed < 100 {
		t.Fatalf("only %d reasons were made: the sweep reaches too few", failed)
	}
	for what, reason := range ended {
		t.Errorf("%s: the reason's first line ends at a colon:\n%s", what, reason)
	}
}

// twins answers each of a scenario's twins, and the plain twin of a streaming one, with a conformant error.
func twins(sc scenario.Scenario) map[string]*exchange.Exchange {
	out := map[string]*exchange.Exchange{}
	for name := range sc.Controls {
		out[name] = answer(401, "application/json", goodAuth)
	}
	if sc.Streaming {
		out[plainTwin] = answer(401, "application/json", goodAuth)
	}
	return out
}

// panicked is a check that panicked rather than give a reason.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprintf("panicked: %v", p.value) }

// runCheck runs a check as a spec would, a panic being a failure of its own to report.
func runCheck(c check, e evidence) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{p}
		}
	}()
	return c.run(e)
}
