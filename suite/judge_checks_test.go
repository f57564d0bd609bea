package suite

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// Every check must be able to fail: each row is an answer that breaks what the check decides, beside one
// that honours it.

func TestChecksPassAConformantAnswerAndFailABrokenOne(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	withParam := strings.Replace(goodAuth, `"param":null`, `"param":"model"`, 1)
	cases := []struct {
		check       func(evidence) error
		good, bad   *exchange.Exchange
		badContains string
	}{
		{checkStatus, answer(401, "application/json", goodAuth), answer(403, "application/json", goodAuth), "answered status 403, want 401"},
		{checkType, answer(401, "application/json", goodAuth), answer(401, "application/json", strings.Replace(goodAuth, "authentication_error", "invalid_request_error", 1)), `error.type is "invalid_request_error", want "authentication_error"`},
		{checkParam, answer(401, "application/json", withParam), answer(401, "application/json", goodAuth), `error.param is null, want "model"`},
		{checkParam, answer(401, "application/json", withParam), answer(401, "application/json", `{"error":{"message":"m","type":"t","code":null}}`), `error.param is absent, want "model"`},
		{areaCodeParam.judge, answer(401, "application/json", goodAuth), answer(401, "application/json", `{"error":{"message":"m","type":"t","code":401,"param":null}}`), "/error/code"},
		{areaObject.judge, answer(401, "application/json", goodAuth), answer(401, "text/html", `<html>401</html>`), "body is not JSON"},
		{areaMessage.judge, answer(401, "application/json", goodAuth), answer(401, "application/json", `{"error":{"message":null,"type":"t","code":null,"param":null}}`), "/error/message"},
		{areaType.judge, answer(401, "application/json", goodAuth), answer(401, "application/json", `{"error":{"message":"m","code":null,"param":null}}`), "/error/type"},
		{checkEnvelopeMatchesStatus, answer(401, "application/json", goodAuth), answer(200, "application/json", goodAuth), "answered status 200 carrying an error envelope"},
		{checkEnvelopeMatchesStatus, answer(401, "application/json", goodAuth), answer(401, "application/json", `{"message":"m","type":"authentication_error"}`), "without an error envelope"},
		{checkContentType, answer(401, "application/json; charset=utf-8", goodAuth), answer(401, "text/plain", goodAuth), `Content-Type is "text/plain"`},
		{checkNoEcho, answer(401, "application/json", goodAuth), answer(401, "application/json", strings.Replace(goodAuth, "Invalid API key provided", "bad key "+scenario.WrongKey, 1)), "echoes a key"},
		{checkNoEcho, answer(401, "application/json", goodAuth), answer(401, "application/json", strings.Replace(goodAuth, "Invalid API key provided", "bad prompt: "+scenario.CanaryPrompt, 1)), "echoes the prompt"},
	}
	sent := []byte(`{"messages":[{"role":"user","content":"` + scenario.CanaryPrompt + `"}]}`)
	for _, c := range cases {
		t.Run(c.badContains, func(t *testing.T) {
			e := evidence{sc: authScenario(), sent: sent, schemas: set, secrets: []string{"gwc-valid-key-123", scenario.WrongKey}}
			e.exs = []*exchange.Exchange{c.good}
			if err := c.check(e); err != nil {
				t.Fatalf("failed a conformant answer: %v", err)
			}
			e.exs = []*exchange.Exchange{c.bad}
			err := c.check(e)
			if err == nil || !strings.Contains(err.Error(), c.badContains) {
				t.Fatalf("want a failure containing %q, got %v", c.badContains, err)
			}
		})
	}
}

func TestDeterministicCheckComparesTheAnswerSentAgain(t *testing.T) {
	e := evidence{sc: authScenario()}
	e.exs = []*exchange.Exchange{answer(401, "application/json", goodAuth)}
	e.repeats = []*exchange.Exchange{answer(401, "application/json", goodAuth)}
	if err := checkDeterministic(e); err != nil {
		t.Fatal(err)
	}
	e.repeats[0] = answer(400, "application/json", strings.Replace(goodAuth, "authentication_error", "invalid_request_error", 1))
	if err := checkDeterministic(e); err == nil || !strings.Contains(err.Error(), `sent again answered 400 with error.type "invalid_request_error"`) {
		t.Fatalf("got %v", err)
	}
	e.repeats = nil
	if err := checkDeterministic(e); err == nil {
		t.Fatal("one answer cannot show determinism")
	}
}

func TestEachSchemaNamesTheElementThatBroke(t *testing.T) {
	set, _ := validate.Load()
	sc := scenario.Scenario{Expect: scenario.Expect{Status: scenario.Statuses{200}, Each: &scenario.Each{Pointer: "/data", Schema: validate.ModelEntry}}}
	e := evidence{sc: sc, schemas: set, exs: []*exchange.Exchange{answer(200, "application/json", `{"data":[{"id":"a","supported_parameters":[]},{"id":"b"}]}`)}}
	err := checkEachSchema(e)
	if err == nil || !strings.Contains(err.Error(), "/data/1/supported_parameters") {
		t.Fatalf("got %v", err)
	}
	e.exs[0] = answer(200, "application/json", `{"data":[{"id":"a","supported_parameters":["n"]}]}`)
	if err := checkEachSchema(e); err != nil {
		t.Fatal(err)
	}
}

// No answer at all fails the checks that judge silence and skips those that judge an answer's content, so
// a hanging gateway is blamed for the status it never sent, not for an envelope it never sent either.
func TestNoAnswerFailsTheStatusAndSkipsTheRest(t *testing.T) {
	set, _ := validate.Load()
	e := evidence{sc: authScenario(), schemas: set, exs: []*exchange.Exchange{{Err: errors.New("connection reset by peer")}}, repeats: []*exchange.Exchange{{Err: errors.New("connection reset by peer")}}}
	failed := 0
	for _, c := range checksFor(e.sc) {
		if why, _ := c.unjudged(e); why != "" {
			continue
		}
		failed++
		if err := c.run(e); err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("%s: got %v", c.name, err)
		}
	}
	if failed != 1 {
		t.Errorf("%d checks judged the silence, want the status alone", failed)
	}
}

func TestChecksForChargesEachCheckToItsOwnRequirements(t *testing.T) {
	sc := authScenario()
	sc.Expect.Status = scenario.Statuses{401}
	var names []string
	for _, c := range checksFor(sc) {
		names = append(names, c.name+" "+strings.Join(c.charges, ","))
	}
	want := []string{
		"answers status 401 AUTH-2",
		"answers error.type authentication_error AUTH-2",
		"is refused by the gateway itself, never forwarded to the upstream SEC-1",
		"names model in error.param REQ-7",
		"answers a JSON object whose error member is an object ENV-1",
		"answers error.message as a string ENV-2",
		"answers error.type as a non-empty string ENV-3",
		"answers an error.message that says something ENV-10",
		"answers error.code and error.param, each null or a string ENV-4",
		"pairs its error status with the envelope ENV-7",
		"answers Content-Type application/json ENV-5",
		"echoes neither the key nor the prompt ENV-8",
		"answers the same status and error.type when sent again REQ-10",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("checks:\n%s", strings.Join(names, "\n"))
	}
	for _, c := range checksFor(sc) {
		if slices.Contains(c.charges, "ENV-6") {
			t.Errorf("%s is charged to ENV-6, which binds the suite", c.name)
		}
	}
}

// A check of an error's content has nothing to judge when the target served the request instead, and a
// check of what the expected status means has nothing to judge when the status is already wrong: both skip,
// so the one failure is the status spec's.
func TestContentChecksSkipWhenThereIsNoErrorToJudge(t *testing.T) {
	served := evidence{sc: authScenario(), exs: []*exchange.Exchange{answer(200, "application/json", `{"choices":[]}`)}}
	if why := errorAnswered(served); !strings.Contains(why, "answered 200, not an error") {
		t.Errorf("errorAnswered on a 200: %q", why)
	}
	wrong := evidence{sc: authScenario(), exs: []*exchange.Exchange{answer(403, "application/json", goodAuth)}}
	if why := expectedStatus(wrong); !strings.Contains(why, "answered 403, not 401") {
		t.Errorf("expectedStatus on a 403: %q", why)
	}
	right := evidence{sc: authScenario(), exs: []*exchange.Exchange{answer(401, "application/json", goodAuth)}}
	if errorAnswered(right) != "" || expectedStatus(right) != "" {
		t.Error("a check skipped the answer it exists to judge")
	}
}

// The type check decides the discriminator only: an envelope missing param still has the right type.
func TestTypeCheckIgnoresTheRestOfTheEnvelope(t *testing.T) {
	set, _ := validate.Load()
	e := evidence{sc: authScenario(), schemas: set, exs: []*exchange.Exchange{answer(401, "application/json", `{"error":{"message":"m","type":"authentication_error","code":7}}`)}}
	if err := checkType(e); err != nil {
		t.Fatalf("type check failed on a right type: %v", err)
	}
}
