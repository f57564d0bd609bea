package suite

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// generatedScenario is the scenario of the first case of seed 1 that breaks b at path.
func generatedScenario(t *testing.T, b negative.Broken, path string) scenario.Scenario {
	t.Helper()
	desc, err := negative.Describe()
	if err != nil {
		t.Fatal(err)
	}
	g := negative.New(desc, "{{model}}", nil)
	for i := range 1000 {
		if c := g.Case(1, i); c.Rule.Broken == b && c.Rule.Path == path {
			return negativeScenario(c)
		}
	}
	t.Fatalf("no case breaks %s at %s", b, path)
	return scenario.Scenario{}
}

const invalidRole = `{"error":{"message":"messages[0].role must be a string","type":"invalid_request_error","code":null,"param":"messages[0].role"}}`

// Each answer below breaks exactly the requirements it lists, and a conformant answer, in each of the ways
// the contract allows, breaks none: a generated body's failure is charged to the requirement whose text
// states it, a 5xx or a dropped connection to NEG-1 alone.
func TestAGeneratedBodysAnswerIsChargedToWhatItBreaks(t *testing.T) {
	role := generatedScenario(t, negative.WrongType, "messages[].role")
	dup := generatedScenario(t, negative.DuplicateKey, "")
	if role.Requirements[0] != "REQ-4" || role.Expect.Param != "messages" || dup.Requirements[0] != "NEG-1" || dup.Expect.Param != "" {
		t.Fatalf("owners: %v %q, %v %q", role.Requirements, role.Expect.Param, dup.Requirements, dup.Expect.Param)
	}
	dropped := &exchange.Exchange{Err: errors.New("connection reset by peer")}
	for _, c := range []struct {
		name string
		sc   scenario.Scenario
		ex   *exchange.Exchange
		want []string
	}{
		{"refused, naming the member at fault", role, answer(400, "application/json", invalidRole), nil},
		{"refused, naming the parameter", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `"messages"`, 1)), nil},
		{"refused, naming the member OpenAI's way", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `"messages.[0].role"`, 1)), nil},
		{"served", role, answer(200, "application/json", `{"id":"c","choices":[]}`), []string{"REQ-4"}},
		{"refused 422", role, answer(422, "application/json", invalidRole), []string{"REQ-4"}},
		{"refused with another type", role, answer(400, "application/json", strings.Replace(invalidRole, "invalid_request_error", "model_not_found", 1)), []string{"REQ-4"}},
		{"refused naming another parameter", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `"model"`, 1)), []string{"REQ-7"}},
		{"refused naming none", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `null`, 1)), []string{"REQ-7"}},
		{"refused without code", role, answer(400, "application/json", strings.Replace(invalidRole, `"code":null,`, ``, 1)), []string{"ENV-4"}},
		{"a 500 with the envelope", role, answer(500, "application/json", strings.Replace(invalidRole, "invalid_request_error", "server_error", 1)), []string{"NEG-1"}},
		{"a 502 as a web page", role, answer(502, "text/html", "<html>bad gateway</html>"), []string{"ENV-1", "NEG-1"}},
		{"refused as a web page", role, answer(400, "text/html", "<html>bad request</html>"), []string{"ENV-1", "NEG-1"}},
		{"a dropped connection", role, dropped, []string{"NEG-1"}},
		{"a duplicate name refused with a type of the gateway's own", dup, answer(400, "application/json", strings.Replace(strings.Replace(invalidRole, `"messages[0].role"`, `null`, 1), "invalid_request_error", "duplicate_member", 1)), nil},
		{"a duplicate name refused as a web page", dup, answer(400, "text/html", "<html>bad request</html>"), []string{"ENV-1", "NEG-1"}},
		{"a duplicate name refused, naming nothing", dup, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `null`, 1)), nil},
		{"a duplicate name served", dup, answer(200, "application/json", `{"id":"c","choices":[]}`), []string{"NEG-1"}},
		{"a duplicate name failing the gateway", dup, answer(500, "application/json", strings.Replace(invalidRole, "invalid_request_error", "server_error", 1)), []string{"NEG-1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := validate.Load()
			if err != nil {
				t.Fatal(err)
			}
			if got := failedCharges(t, evidence{sc: c.sc, exs: []*exchange.Exchange{c.ex}, schemas: set}); !slices.Equal(got, c.want) {
				t.Errorf("failed %v, want %v", got, c.want)
			}
		})
	}
}

func TestSymptomSaysHowTheAnswerDepartsTheSameWayEachRun(t *testing.T) {
	role := generatedScenario(t, negative.WrongType, "messages[].role")
	for _, c := range []struct {
		ex   *exchange.Exchange
		want string
	}{
		{answer(400, "application/json", invalidRole), ""},
		{answer(200, "application/json", `{}`), "a 2xx"},
		{answer(503, "text/plain", "down"), "status 503"},
		{&exchange.Exchange{Err: errors.New("EOF")}, "no answer"},
		{answer(404, "application/json", invalidRole), "status 404"},
		{answer(400, "text/plain", "bad"), "400 without an error object"},
		{answer(400, "application/json", strings.Replace(invalidRole, "invalid_request_error", "bad_request", 1)), `400 with error.type "bad_request"`},
		{answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `"model"`, 1)), `400 with error.param "model"`},
	} {
		if got := symptom(role, c.ex); got != c.want {
			t.Errorf("symptom %q, want %q", got, c.want)
		}
	}
}
