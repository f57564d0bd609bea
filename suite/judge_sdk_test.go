package suite

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// sdkSaw is a call of openai-go answered status and body, which surfaced the error it read from errorJSON:
// fabricated as the SDK builds it, from the member it found.
func sdkSaw(t *testing.T, status int, body, errorJSON string) *sdkCall {
	t.Helper()
	var e openai.Error
	if err := e.UnmarshalJSON([]byte(errorJSON)); err != nil {
		t.Fatal(err)
	}
	e.StatusCode = status
	return &sdkCall{attempts: []*exchange.Exchange{answer(status, jsonCT, body)}, err: &e}
}

const goodAuthError = `{"message":"Invalid API key provided","type":"authentication_error","code":null,"param":null}`

func TestTheSDKErrorMustMatchTheEnvelopeItRead(t *testing.T) {
	for _, c := range []struct {
		name       string
		sdk        *sdkCall
		wantFailed []string // what the failure names; nil for a pass
	}{
		{"the same error", sdkSaw(t, 401, goodAuth, goodAuthError), nil},
		{"another member found", sdkSaw(t, 401, goodAuth, `{"request_id":"req_1"}`),
			[]string{`error.type is absent where the envelope has "authentication_error"`, `error.message is absent where the envelope has "Invalid API key provided"`,
				"openai-go v3.98.0's view: StatusCode 401, type absent", `the envelope: status 401, type "authentication_error"`}},
		{"null read as absent", sdkSaw(t, 401, goodAuth, `{"message":"Invalid API key provided","type":"authentication_error","param":null}`),
			[]string{"error.code is absent where the envelope has null"}},
		{"another status", func() *sdkCall {
			c := sdkSaw(t, 401, goodAuth, goodAuthError)
			c.err.(*openai.Error).StatusCode = 400
			return c
		}(),
			[]string{"StatusCode is 400 where the answer's status is 401"}},
		{"a member of another type is ENV-4's", sdkSaw(t, 401, strings.Replace(goodAuth, `"code":null`, `"code":401`, 1), strings.Replace(goodAuthError, `"code":null`, `"code":401`, 1)), nil},
		{"not an openai.Error", &sdkCall{attempts: []*exchange.Exchange{answer(401, jsonCT, goodAuth)}, err: errors.New("boom")},
			[]string{`returned "boom", not an *openai.Error`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := evidence{sc: authScenario(), sdk: c.sdk}
			if why := sdkErrorToRead(e); why != "" {
				t.Fatalf("skipped: %s", why)
			}
			err := checkSDKError(e)
			if c.wantFailed == nil {
				if err != nil {
					t.Fatalf("failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("passed")
			}
			for _, want := range c.wantFailed {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the failure does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

// Only an error answer that carries the error object is the SDK's to read: anything else is skipped,
// naming the spec that reports it.
func TestTheSDKErrorIsSkippedWithoutAnErrorToRead(t *testing.T) {
	for want, sdk := range map[string]*sdkCall{
		"not sent through":      nil,
		"no answer to":          {attempts: []*exchange.Exchange{{Err: errors.New("connection reset by peer")}}},
		"sent nothing":          {err: errors.New("bad base URL")},
		"not 401":               sdkSaw(t, 403, goodAuth, goodAuthError),
		"no error object":       sdkSaw(t, 401, `{"message":"m","type":"authentication_error"}`, `{}`),
		"answered 200, not 401": {attempts: []*exchange.Exchange{answer(200, jsonCT, `{"choices":[]}`)}},
		"ENV-1 reports it":      sdkSaw(t, 401, `<html>401</html>`, `{}`),
		"status spec judge":     sdkSaw(t, 400, goodAuth, goodAuthError),
	} {
		e := evidence{sc: authScenario(), sdk: sdk}
		if why := sdkErrorToRead(e); !strings.Contains(why, want) {
			t.Errorf("%s: skipped %q", want, why)
		}
	}
}

// What the raw checks accept, openai-go may read otherwise: a body that names "error" twice is JSON, and
// every JSON reader the suite uses keeps the last, but the SDK keeps the first. That is CLIENT-1's alone.
func TestAnErrorMemberNamedTwiceIsChargedToCLIENT1Alone(t *testing.T) {
	set, err := validate.Load()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"error":{"request_id":"req_1"},` + goodAuth[1:]
	sc := authScenario()
	sc.Expect.Param = ""
	sc.Request.Body = new(`{}`)
	e := evidence{sc: sc, exs: []*exchange.Exchange{answer(401, jsonCT, body)}, schemas: set, sdk: sdkSaw(t, 401, body, `{"request_id":"req_1"}`)}
	e.repeats = e.exs
	if got := failedCharges(t, e); !slices.Equal(got, []string{"CLIENT-1"}) {
		t.Fatalf("charged %v, want CLIENT-1", got)
	}
}

// attempt is an exchange answered status with header h, started at start and taking took.
func attempt(status int, h http.Header, start time.Time, took time.Duration) *exchange.Exchange {
	ex := answer(status, jsonCT, goodAuth)
	for k, v := range h {
		ex.Response.Header[k] = v
	}
	ex.Started, ex.Duration = start, took
	return ex
}

// CLIENT-2 judges which statuses the SDK retries, never when: a retry sooner than Retry-After (the SDK read
// Retry-After-Ms, or its own back-off) is the SDK's choice and passes.
func TestTheSDKRetriesTransientAnswersAndNeverA400(t *testing.T) {
	t0 := time.Now()
	ra := http.Header{"Retry-After": {"1"}}
	retried := func(gap time.Duration) *sdkCall {
		return &sdkCall{attempts: []*exchange.Exchange{attempt(503, ra, t0, 10*time.Millisecond), attempt(200, nil, t0.Add(10*time.Millisecond+gap), time.Millisecond)}}
	}
	once := &sdkCall{attempts: []*exchange.Exchange{attempt(503, ra, t0, time.Millisecond)}}
	unavailable := sc("srv-unavailable", []string{"SRV-2"}, scenario.Expect{Status: scenario.Statuses{503}})
	for _, c := range []struct {
		name string
		sdk  *sdkCall
		want string // in the failure; "" for a pass
	}{
		{"retried after Retry-After", retried(time.Second), ""},
		{"retried sooner than Retry-After: when is the SDK's choice", retried(300 * time.Millisecond), ""},
		{"not retried", once, "did not retry the 503 answer"},
	} {
		e := evidence{sc: unavailable, sdkRetry: c.sdk}
		if why := sdkFirstAnswered(scenario.Transient, "transient")(e); why != "" {
			t.Fatalf("%s: skipped: %s", c.name, why)
		}
		err := checkSDKRetried(e)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}

	refused := sc("req-truncated-json", []string{"REQ-1"}, scenario.Expect{Status: scenario.Statuses{400}})
	e := evidence{sc: refused, sdkRetry: &sdkCall{attempts: []*exchange.Exchange{attempt(400, nil, t0, 0)}}}
	if err := checkSDKNotRetried(e); err != nil {
		t.Errorf("a 400 sent once: %v", err)
	}
	should := http.Header{"X-Should-Retry": {"true"}}
	e.sdkRetry.attempts = []*exchange.Exchange{attempt(400, should, t0, 0), attempt(400, should, t0, 0), attempt(400, should, t0, 0)}
	if err := checkSDKNotRetried(e); err == nil || !strings.Contains(err.Error(), "sent the request 3 times") || !strings.Contains(err.Error(), "x-should-retry: true") {
		t.Errorf("a 400 sent three times: %v", err)
	}
	e.sdkRetry.attempts = []*exchange.Exchange{attempt(500, nil, t0, 0), attempt(500, nil, t0, 0)}
	if why := sdkFirstAnswered(scenario.NeverRetried, "400 or 401")(e); !strings.Contains(why, "answered 500, not 400 or 401") {
		t.Errorf("a 500 is not the never-retried spec's: %q", why)
	}
	e.sdkRetry = &sdkCall{attempts: []*exchange.Exchange{attempt(503, ra, t0, 0)}, stopped: "called off"}
	if why := sdkFirstAnswered(scenario.Transient, "transient")(e); !strings.Contains(why, "cannot tell: called off") {
		t.Errorf("a call the suite stopped: %q", why)
	}
}

// The reports name the SDK's version: it must be the one go.mod pins.
func TestTheOracleIsTheVersionGoModPins(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimPrefix(sdkOracle, "openai-go ")
	if !strings.Contains(string(mod), "github.com/openai/openai-go/v3 "+version+"\n") {
		t.Fatalf("go.mod does not pin github.com/openai/openai-go/v3 %s, which the specs name", version)
	}
}

// The SDK is asked what it can send as the suite does, for an error of the documented API; every scenario
// whose retries CLIENT-2 counts is one of them, so that its spec exists.
func TestTheSDKIsAskedWhatItCanExpress(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{
		"auth-empty-header": true, "req-empty-body": true, "req-text-plain": true, "mod-list-needs-key": true, "up-unverified": true,
		"req-oversized-body": false, "limit-burst": false, "env-put-on-post-route": false, "up-status-400": false, "mod-retrieve-unknown": false, "mod-list": false,
	} {
		if got := sdkExpresses(scenarioOf(t, plan, id)); got != want {
			t.Errorf("%s: sent through the SDK %v, want %v", id, got, want)
		}
	}
	retried := 0
	for _, s := range plan.Scenarios.Scenarios {
		if s.SDKRetry {
			retried++
			if !sdkExpresses(s) {
				t.Errorf("%s asks for sdk_retry, which the SDK cannot send", s.ID)
			}
		}
	}
	if retried != 3 {
		t.Errorf("%d scenarios count the SDK's retries, want a 400, a 401 and a 503", retried)
	}
}
