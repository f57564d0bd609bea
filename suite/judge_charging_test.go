package suite

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// failedCharges runs every check of the scenario on the evidence as a spec would (skipped when it does not
// apply) and returns the requirements charged by the checks that failed.
func failedCharges(t *testing.T, e evidence) []string {
	t.Helper()
	set := map[string]bool{}
	for _, c := range checksFor(e.sc) {
		if why, _ := c.unjudged(e); why != "" {
			continue
		}
		if err := c.run(e); err != nil {
			for _, id := range c.charges {
				set[id] = true
			}
		}
	}
	out := []string{}
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

const (
	jsonCT       = "application/json"
	invalidReq   = `{"error":{"message":"messages must be an array","type":"invalid_request_error","code":null,"param":"messages"}}`
	modelMissing = `{"error":{"message":"no such model","type":"model_not_found","code":null,"param":"model"}}`
	noCodeParam  = `{"error":{"message":"slow down","type":"rate_limit_exceeded"}}`
	plain404     = "404 page not found"
)

func sc(id string, reqs []string, x scenario.Expect) scenario.Scenario {
	return scenario.Scenario{ID: id, Requirements: reqs, Expect: x,
		Request: scenario.Request{Method: "POST", Path: "/chat/completions", Credential: "valid"}}
}

// The charging rules of REQUIREMENTS.md, both ways: each broken answer is charged to exactly the
// requirements whose text states what broke, and a conformant variation is charged to none.
func TestEachFailureIsChargedToTheRequirementItBreaks(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	auth2 := sc("auth-wrong-key", []string{"AUTH-2"}, scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"})
	auth4 := sc("auth-wrong-key-unknown-model", []string{"AUTH-4"}, scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"})
	auth4.TypeRequirements = []string{"AUTH-2"}
	limit1 := sc("limit", []string{"LIMIT-1"}, scenario.Expect{Status: scenario.Statuses{429}, WithEnvelope: true})
	srv1 := sc("srv", []string{"SRV-1"}, scenario.Expect{Status: scenario.Statuses{500}, WithEnvelope: true})
	route := sc("env-put", []string{"ENV-9"}, scenario.Expect{Status: scenario.Statuses{405, 404}})
	listed := sc("mod-retrieve-listed", []string{"ENV-7"}, scenario.Expect{PairingOnly: true})
	unknown := sc("mod-retrieve-unknown", []string{"ENV-7"}, scenario.Expect{PairingOnly: true})
	unknown.Controls = map[string]scenario.Request{scenario.ControlListed: {Path: "/models/{{model}}"}}
	auth3 := sc("auth-basic-valid-key", []string{"AUTH-3"}, scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"})
	auth3.Controls = map[string]scenario.Request{scenario.ControlRefused: {Credential: "invalid"}}
	auth5 := sc("auth-lowercase-scheme", []string{"AUTH-5"}, scenario.Expect{Like: scenario.ControlProper})
	auth5.Controls = map[string]scenario.Request{scenario.ControlProper: {Credential: "valid"}, scenario.ControlRefused: {Credential: "invalid"}}
	up6 := sc("up-unverified", []string{"UP-6"}, scenario.Expect{NotTransient: true})
	req3 := sc("req-missing-model", []string{"REQ-3"}, scenario.Expect{Status: scenario.Statuses{400}, Type: "invalid_request_error", Param: "model"})

	unauth := goodAuth
	wrongType := strings.Replace(goodAuth, "authentication_error", "invalid_request_error", 1)
	a := func(status int, ct, body string) *exchange.Exchange { return answer(status, ct, body) }
	for _, tc := range []struct {
		name     string
		sc       scenario.Scenario
		exs      []*exchange.Exchange
		repeats  []*exchange.Exchange
		controls map[string]*exchange.Exchange
		want     []string
	}{
		{"a conformant 401", auth2, []*exchange.Exchange{a(401, jsonCT, unauth)}, []*exchange.Exchange{a(401, jsonCT, unauth)}, nil, []string{}},
		{"code and param missing are ENV-4's alone", auth2, []*exchange.Exchange{a(401, jsonCT, `{"error":{"message":"m","type":"authentication_error"}}`)}, nil, nil, []string{"ENV-4"}},
		{"a type that is no string is ENV-3's alone", auth2, []*exchange.Exchange{a(401, jsonCT, `{"error":{"message":"m","type":7,"code":null,"param":null}}`)}, nil, nil, []string{"ENV-3"}},
		{"a null message is ENV-2's alone", auth2, []*exchange.Exchange{a(401, jsonCT, `{"error":{"message":null,"type":"authentication_error","code":null,"param":null}}`)}, nil, nil, []string{"ENV-2"}},
		{"the wrong type of a 401 is the scenario's", auth2, []*exchange.Exchange{a(401, jsonCT, wrongType)}, nil, nil, []string{"AUTH-2"}},
		{"no envelope at all is ENV-1's and ENV-7's", auth2, []*exchange.Exchange{a(401, "text/plain", "Unauthorized")}, nil, nil, []string{"ENV-1", "ENV-5", "ENV-7"}},
		{"AUTH-4 is decided by the status alone", auth4, []*exchange.Exchange{a(401, jsonCT, wrongType)}, nil, nil, []string{"AUTH-2"}},
		{"AUTH-4 fails on a 400", auth4, []*exchange.Exchange{a(400, jsonCT, modelMissing)}, nil, nil, []string{"AUTH-4"}},
		{"a 2nd answer that differs is REQ-10's alone", auth2, []*exchange.Exchange{a(401, jsonCT, unauth)}, []*exchange.Exchange{a(500, jsonCT, unauth)}, nil, []string{"REQ-10"}},
		{"a 429 without code and param is ENV-4's, not LIMIT-1's", limit1, []*exchange.Exchange{a(429, jsonCT, noCodeParam)}, nil, nil, []string{"ENV-4"}},
		{"a 500 without the envelope is SRV-1's too", srv1, []*exchange.Exchange{a(500, "text/html", "<h1>oops</h1>")}, nil, nil, []string{"ENV-1", "ENV-5", "ENV-7", "SRV-1"}},
		{"a plain 404 on a wrong method is ENV-9's alone", route, []*exchange.Exchange{a(404, "text/plain", plain404)}, nil, nil, []string{"ENV-9"}},
		{"a conformant 405", route, []*exchange.Exchange{a(405, jsonCT, invalidReq)}, nil, nil, []string{}},
		{"a wrong method answered 404 with the envelope is conformant", route, []*exchange.Exchange{a(404, jsonCT, invalidReq)}, nil, nil, []string{}},
		{"a wrong method served 200 is ENV-9's alone", route, []*exchange.Exchange{a(200, jsonCT, `{"choices":[]}`)}, nil, nil, []string{"ENV-9"}},
		{"200 with an error envelope on a listed id is ENV-7's", listed, []*exchange.Exchange{a(200, jsonCT, modelMissing)}, nil, nil, []string{"ENV-7"}},
		{"a plain 404 for a listed id is judged by the unknown id's twin", listed, []*exchange.Exchange{a(404, "text/plain", plain404)}, nil, nil, []string{}},
		{"a plain 404 for an unknown id on a served route is ENV-7's", unknown, []*exchange.Exchange{a(404, "text/plain", plain404)}, nil,
			map[string]*exchange.Exchange{scenario.ControlListed: a(200, jsonCT, `{"id":"m"}`)}, []string{"ENV-7"}},
		{"a plain 404 for an unknown id without the route is ENV-9's", unknown, []*exchange.Exchange{a(404, "text/plain", plain404)}, nil,
			map[string]*exchange.Exchange{scenario.ControlListed: a(404, "text/plain", plain404)}, []string{"ENV-9"}},
		{"the key accepted under Basic", auth3, []*exchange.Exchange{a(400, jsonCT, modelMissing)}, []*exchange.Exchange{a(400, jsonCT, modelMissing)},
			map[string]*exchange.Exchange{scenario.ControlRefused: a(401, jsonCT, unauth)}, []string{"AUTH-3"}},
		{"Basic cannot be judged when the body is read before the key", auth3, []*exchange.Exchange{a(400, jsonCT, modelMissing)}, []*exchange.Exchange{a(400, jsonCT, modelMissing)},
			map[string]*exchange.Exchange{scenario.ControlRefused: a(400, jsonCT, modelMissing)}, []string{}},
		{"bearer refused where Bearer is taken", auth5, []*exchange.Exchange{a(401, jsonCT, unauth)}, nil,
			map[string]*exchange.Exchange{scenario.ControlProper: a(400, jsonCT, invalidReq), scenario.ControlRefused: a(401, jsonCT, unauth)}, []string{"AUTH-5"}},
		{"bearer taken as Bearer is", auth5, []*exchange.Exchange{a(400, jsonCT, invalidReq)}, nil,
			map[string]*exchange.Exchange{scenario.ControlProper: a(400, jsonCT, invalidReq), scenario.ControlRefused: a(401, jsonCT, unauth)}, []string{}},
		{"bearer cannot be judged on a body-first gateway", auth5, []*exchange.Exchange{a(400, jsonCT, invalidReq)}, nil,
			map[string]*exchange.Exchange{scenario.ControlProper: a(400, jsonCT, invalidReq), scenario.ControlRefused: a(400, jsonCT, invalidReq)}, []string{}},
		{"a verification failure served 200 is UP-6's alone", up6, []*exchange.Exchange{a(200, jsonCT, `{"choices":[]}`)}, nil, nil, []string{"UP-6"}},
		{"param missing breaks ENV-4 and REQ-7", req3, []*exchange.Exchange{a(400, jsonCT, `{"error":{"message":"m","type":"invalid_request_error","code":null}}`)},
			[]*exchange.Exchange{a(400, jsonCT, invalidReq)}, nil, []string{"ENV-4", "REQ-7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.repeats == nil && tc.sc.Deterministic() {
				tc.repeats = tc.exs // sent again, answered the same
			}
			e := evidence{sc: tc.sc, exs: tc.exs, repeats: tc.repeats, controls: tc.controls, schemas: set}
			if got := failedCharges(t, e); !slices.Equal(got, tc.want) {
				t.Errorf("charged %v, want %v", got, tc.want)
			}
		})
	}
}

// The oversized body asks first ("Expect: 100-continue"), so an early refusal is read, not reset; no other
// request waits for the server's go-ahead.
func TestOnlyTheOversizedBodyAsksBeforeSending(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{keys: map[string]string{profile.RoleValid: "gwc-key"}, Plan: plan}
	asked := 0
	for _, s := range plan.Scenarios.Scenarios {
		if tg.header(s, s.Request.Credential).Get("Expect") == "100-continue" {
			asked++
			if s.Request.OversizedBytes == 0 {
				t.Errorf("%s asks before sending an ordinary body", s.ID)
			}
		}
	}
	if asked != 1 {
		t.Errorf("%d scenarios ask before sending, want the oversized one", asked)
	}
}

// blockedCharges are the requirements the scenario's checks leave blocked on this evidence, each as
// "REQ<-BLOCKER", in the order the checks come.
func blockedCharges(e evidence) []string {
	out := []string{}
	for _, c := range checksFor(e.sc) {
		if _, b := c.unjudged(e); b != nil {
			for _, id := range c.charges {
				out = append(out, id+"<-"+b.By)
			}
		}
	}
	return out
}

// An answer that lacks what a check reads blocks the check's requirement on the requirement the lack
// breaks, both ways: the lack fails its owner alone, the requirements that read it are blocked (never passed,
// never charged), and an answer that has what they read blocks nothing.
func TestAnAnswerLackingWhatACheckReadsBlocksItsRequirement(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	auth2 := sc("auth-wrong-key", []string{"AUTH-2"}, scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"})
	req3 := sc("req-missing-model", []string{"REQ-3"}, scenario.Expect{Status: scenario.Statuses{400}, Type: "invalid_request_error", Param: "model"})
	for _, tc := range []struct {
		name            string
		sc              scenario.Scenario
		body            string
		failed, blocked []string
	}{
		{"a conformant 401 blocks nothing", auth2, goodAuth, []string{}, []string{}},
		{"the type at the top level", auth2, `{"error":{"message":"m","code":null,"param":null},"type":"authentication_error"}`,
			[]string{"ENV-3"}, []string{"AUTH-2<-ENV-3"}},
		{"a type that is a number", auth2, `{"error":{"message":"m","type":401,"code":null,"param":null}}`,
			[]string{"ENV-3"}, []string{"AUTH-2<-ENV-3"}},
		{"an empty type is no discriminator, as a missing one", auth2, `{"error":{"message":"m","type":"","code":null,"param":null}}`,
			[]string{"ENV-3"}, []string{"AUTH-2<-ENV-3"}},
		{"no error object", auth2, `{"message":"m","type":"authentication_error","code":null,"param":null}`,
			[]string{"ENV-1", "ENV-7"}, []string{"AUTH-2<-ENV-1", "ENV-2<-ENV-1", "ENV-3<-ENV-1", "ENV-10<-ENV-1", "ENV-4<-ENV-1"}},
		{"no error object for a parameter at fault", req3, `{"message":"m","type":"invalid_request_error","code":null,"param":"model"}`,
			[]string{"ENV-1", "ENV-7"}, []string{"REQ-3<-ENV-1", "REQ-7<-ENV-1", "ENV-2<-ENV-1", "ENV-3<-ENV-1", "ENV-10<-ENV-1", "ENV-4<-ENV-1"}},
		{"a null message is ENV-2's, and leaves nothing for ENV-10 to read", auth2, `{"error":{"message":null,"type":"authentication_error","code":null,"param":null}}`,
			[]string{"ENV-2"}, []string{"ENV-10<-ENV-2"}},
		{"an empty message says nothing: ENV-10's alone", auth2, `{"error":{"message":" ","type":"authentication_error","code":null,"param":null}}`,
			[]string{"ENV-10"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := answer(tc.sc.Expect.Status.Min(), jsonCT, tc.body)
			e := evidence{sc: tc.sc, exs: []*exchange.Exchange{ex}, repeats: []*exchange.Exchange{ex}, schemas: set}
			if got := failedCharges(t, e); !slices.Equal(got, tc.failed) {
				t.Errorf("failed %v, want %v", got, tc.failed)
			}
			if got := blockedCharges(e); !slices.Equal(got, tc.blocked) {
				t.Errorf("blocked %v, want %v", got, tc.blocked)
			}
		})
	}
}

// A body in a coding the suite does not decode cannot be read by a client that accepted none: that is ENV-1's,
// with the coding as the reason, and what the other checks read is blocked by it.
func TestABodyInACodingNoClientAskedForIsENV1s(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	auth2 := sc("auth-wrong-key", []string{"AUTH-2"}, scenario.Expect{Status: scenario.Statuses{401}, Type: "authentication_error"})
	ex := answer(401, jsonCT, "\x1b\x2a\x00coded")
	ex.Response.Header.Set("Content-Encoding", "br")
	ex.Response.Coding, ex.Response.CodingErr = "br", &exchange.CodingError{Coding: "br"}
	e := evidence{sc: auth2, exs: []*exchange.Exchange{ex}, repeats: []*exchange.Exchange{ex}, schemas: set}
	if got, want := failedCharges(t, e), []string{"ENV-1", "ENV-7"}; !slices.Equal(got, want) {
		t.Errorf("failed %v, want %v", got, want)
	}
	err = areaObject.judge(e)
	if err == nil || !strings.Contains(err.Error(), `the body cannot be read: Content-Encoding "br" is not a coding the suite decodes`) {
		t.Errorf("ENV-1's reason: %v", err)
	}
	if got := blockedCharges(e); !slices.Contains(got, "AUTH-2<-ENV-1") {
		t.Errorf("blocked %v, want AUTH-2 blocked by ENV-1", got)
	}
}

// Every rule of the table is one some check of the plan follows, and every check follows one: the table is
// the whole of the charging rules, and docs/coverage.md's table (written from it) holds nothing the suite does not do.
func TestEveryChargingRuleIsFollowedByACheck(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	scs := plan.Scenarios.Scenarios
	scs = append(scs, generatedScenario(t, negative.WrongType, "messages[].role"), generatedScenario(t, negative.DuplicateKey, ""))
	followed := map[*chargeRule]bool{}
	for _, sc := range scs {
		for _, c := range checksFor(sc) {
			followed[c.rule] = true
			if !slices.Equal(c.charges, c.rule.of(sc)) {
				t.Errorf("%s %s: charges %v, its rule says %v", sc.ID, c.name, c.charges, c.rule.of(sc))
			}
		}
	}
	for _, r := range chargingRules {
		if !followed[r] {
			t.Errorf("no check of the plan follows the rule %q", r.check)
		}
	}
}
