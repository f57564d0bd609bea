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
	"github.com/gwconform/gwconform/internal/witness"
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
// the contract allows, breaks none: a generated body's answer is charged as the hand-written scenario of its
// rule's owner is, and NEG-1 besides for a 5xx, a 2xx or a dropped connection; of a rule NEG-1 owns, "400
// with the envelope" is NEG-1's too.
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
		{"served", role, answer(200, "application/json", `{"id":"c","choices":[]}`), []string{"NEG-1", "REQ-4"}},
		{"refused 422", role, answer(422, "application/json", invalidRole), []string{"REQ-4"}},
		{"refused with another type", role, answer(400, "application/json", strings.Replace(invalidRole, "invalid_request_error", "model_not_found", 1)), []string{"REQ-4"}},
		{"refused naming another parameter", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `"model"`, 1)), []string{"REQ-7"}},
		{"refused naming none", role, answer(400, "application/json", strings.Replace(invalidRole, `"messages[0].role"`, `null`, 1)), []string{"REQ-7"}},
		{"refused without code", role, answer(400, "application/json", strings.Replace(invalidRole, `"code":null,`, ``, 1)), []string{"ENV-4"}},
		{"a 500 with the envelope", role, answer(500, "application/json", strings.Replace(invalidRole, "invalid_request_error", "server_error", 1)), []string{"NEG-1", "REQ-4"}},
		{"a 502 as a web page", role, answer(502, "text/html", "<html>bad gateway</html>"), []string{"ENV-1", "NEG-1", "REQ-4"}},
		{"refused as a web page", role, answer(400, "text/html", "<html>bad request</html>"), []string{"ENV-1"}},
		{"a dropped connection", role, dropped, []string{"NEG-1", "REQ-4"}},
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

// The same answer is charged the same whether the body was written by hand or generated: the generated
// body without model is judged as the hand-written one (REQ-3), NEG-1 added for what NEG-1 states.
func TestAGeneratedBodyIsChargedAsItsHandWrittenTwin(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	hand := scenarioOf(t, plan, "req-missing-model")
	generated := generatedScenario(t, negative.Missing, "model")
	dropped := &exchange.Exchange{Err: errors.New("connection reset by peer")}
	missingModel := `{"error":{"message":"model is required","type":"invalid_request_error","code":null,"param":"model"}}`
	for _, c := range []struct {
		name string
		ex   *exchange.Exchange
		neg1 bool // NEG-1 is charged besides
	}{
		{"refused as the contract says", answer(400, "application/json", missingModel), false},
		{"a 503 for no model", answer(503, "application/json", strings.Replace(missingModel, "invalid_request_error", "server_error", 1)), true},
		{"served", answer(200, "application/json", `{"id":"c","choices":[]}`), true},
		{"refused as an unknown model", answer(400, "application/json", strings.Replace(missingModel, "invalid_request_error", "model_not_found", 1)), false},
		{"dropped", dropped, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, _ := validate.Load()
			e := evidence{exs: []*exchange.Exchange{c.ex}, repeats: []*exchange.Exchange{c.ex}, schemas: set}
			e.sc = hand
			byHand := failedCharges(t, e)
			e.sc = generated
			gen := failedCharges(t, e)
			want := slices.DeleteFunc(slices.Clone(gen), func(id string) bool { return id == "NEG-1" })
			// A hand-written scenario is also sent again (REQ-10) and through the SDK; those specs are its own.
			byHand = slices.DeleteFunc(byHand, func(id string) bool {
				return id == "REQ-10" || strings.HasPrefix(id, "CLIENT-") || id == "ENV-5" || id == "ENV-7" || id == "ENV-8"
			})
			if !slices.Equal(byHand, want) || slices.Contains(gen, "NEG-1") != c.neg1 {
				t.Errorf("by hand %v, generated %v (NEG-1 besides: %t)", byHand, gen, c.neg1)
			}
		})
	}
}

// A generated body the gateway forwards is SEC-1's, as its hand-written twin is: its answer carrying the
// upstream's marker tells, for the body carries no nonce the witness could be asked about.
func TestAForwardedGeneratedBodyFailsSEC1(t *testing.T) {
	set, _ := validate.Load()
	role := generatedScenario(t, negative.WrongType, "messages[].role")
	served := answer(200, "application/json", `{"id":"c","choices":[]}`)
	served.Response.Header.Set(witness.MarkerHeader, witness.Marker)
	e := evidence{sc: role, exs: []*exchange.Exchange{served}, schemas: set, witness: "http://127.0.0.1:9/gwconform/witness/"}
	if got, want := failedCharges(t, e), []string{"NEG-1", "REQ-4", "SEC-1"}; !slices.Equal(got, want) {
		t.Errorf("failed %v, want %v", got, want)
	}
	e.exs = []*exchange.Exchange{answer(400, "application/json", invalidRole)}
	if got := failedCharges(t, e); len(got) != 0 {
		t.Errorf("refused by the gateway: failed %v", got)
	}
}
