// Package scenario reads the scenarios (fixtures/scenarios/*.yaml): each scenario is one request the
// suite sends to a target and what the contract says the answer must be.
package scenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gwconform/gwconform/internal/negative"
)

// Scenario is one documented error situation.
type Scenario struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"` // what makes the request special, e.g. "without Authorization"
	// Requirements are the scenario's own: they decide the status, and the error.type where the page
	// documents one (see "How a failure is charged").
	Requirements []string `yaml:"requirements"`
	// TypeRequirements own the error.type when the scenario's requirements do not: AUTH-4 is about order,
	// so the type of its 401 is AUTH-2's (a wrong key) or AUTH-1's (no key).
	TypeRequirements []string `yaml:"type_requirements"`
	// Controls are twins of the request that differ only in the element under test, sent beside it so the
	// verdict rests on the difference: "proper" does the element right, "refused" shows whether the key is
	// checked before this body at all, "listed" asks for a listed model where the request asks for another.
	Controls map[string]Request `yaml:"controls"`
	// EachModel sends the request once for every model the target lists, {{model}} bound to each.
	EachModel bool `yaml:"each_model"`
	// Billable scenarios cost the target's owner money (a real completion) and run only when asked.
	Billable bool `yaml:"billable"`
	// Trigger names the profile's way to provoke the condition (server_error, unavailable): a model id
	// bound to {{trigger_model}}, or a header added to the request.
	Trigger string `yaml:"trigger"`
	// Fault names the upstream fault the scenario provokes, one of faults.Keys() (status_500, reset, ...): its
	// body says {{fault_model}}, the model the profile names for it (upstream.models.<fault>).
	Fault string `yaml:"fault"`
	// Burst sends the request repeatedly, within the profile's bounds, until the first 429 (LIMIT-1).
	Burst bool `yaml:"burst"`
	// Recovers retries a transient answer with the page's policy and expects it to clear up (SRV-3).
	Recovers bool `yaml:"recovers"`
	// Streaming marks a request that asks for a stream (stream: true) and fails before the first token: the
	// answer must be the JSON envelope with its status, not a 200 event stream, and everything about it is
	// STREAM-1's (the scenario's own requirements), never the envelope requirements the plain request has.
	Streaming bool `yaml:"streaming"`
	// SDKRetry sends the request once more through the official SDK with its default retry policy, and
	// counts the attempts the target sees (CLIENT-2): a 400 or 401 must be sent once, a transient status
	// retried.
	SDKRetry bool `yaml:"sdk_retry"`
	// When names a fact about the target the profile must state for the scenario to apply:
	// models_public (GET /v1/models needs no key) or models_need_key.
	When    string  `yaml:"when"`
	Request Request `yaml:"request"`
	Expect  Expect  `yaml:"expect"`
	// Generated is set on a scenario --negative made rather than a fixture: its body breaks one rule of the
	// request schema (NEG-1). Nil for every scenario of fixtures/scenarios.
	Generated *Generated `yaml:"-"`
}

// Generated is what made a generated scenario, so that a failure can be shrunk and replayed. Case's Body
// is not kept: a deeply nested body's tree is large, and the case is made again to shrink it.
type Generated struct {
	Case negative.Case
}

// Control names a scenario may use, each with the meaning checks give it.
const (
	ControlProper  = "proper"
	ControlRefused = "refused"
	ControlListed  = "listed"
	// ControlUnlimited is the burst's request outside the rate limit (the suite's own key): the answer the
	// request gets once the transient condition has cleared (SRV-3).
	ControlUnlimited = "unlimited"
)

// ControlNames are the controls a scenario may name.
var ControlNames = []string{ControlProper, ControlRefused, ControlListed, ControlUnlimited}

// Facts a scenario's When may name.
var Facts = []string{"models_public", "models_need_key"}

// Request is what the suite sends. Path is relative to the target's base URL (which ends in /v1).
type Request struct {
	Method      string            `yaml:"method"`
	Path        string            `yaml:"path"`
	Credential  Credential        `yaml:"credential"`
	Headers     map[string]string `yaml:"headers"`
	ContentType string            `yaml:"content_type"` // defaults to application/json when there is a body
	Body        *string           `yaml:"body"`         // inline, may use {{placeholders}}
	BodyFile    string            `yaml:"body_file"`    // a file under fixtures/bodies/
	// OversizedBytes generates a well-formed chat request of about this many bytes (REQ-9), rather than
	// keeping megabytes of fixture in the repository.
	OversizedBytes int64 `yaml:"oversized_bytes"`
}

// HasBody says whether the request carries a body (an empty inline body counts: it is the point of REQ-1).
func (r Request) HasBody() bool {
	return r.Body != nil || r.BodyFile != "" || r.OversizedBytes > 0
}

// Expect is the contract's answer.
type Expect struct {
	Status Statuses `yaml:"status"`
	Type   string   `yaml:"type"`   // a documented error.type; empty where the page documents none
	Param  string   `yaml:"param"`  // error.param naming the member at fault (REQ-7)
	Schema string   `yaml:"schema"` // for a success: the schema of the whole body
	Each   *Each    `yaml:"each"`   // for a success: a schema for every element of an array in the body
	// NotTransient takes any error status but 429, 500, 502 and 503 (UP-6: not presented as transient).
	NotTransient bool `yaml:"not_transient"`
	// RetryAfter wants a Retry-After header, delta-seconds or an HTTP-date (LIMIT-2).
	RetryAfter bool `yaml:"retry_after"`
	// WithinUpstreamTimeout wants the answer within the gateway's upstream timeout, plus grace (UP-3).
	WithinUpstreamTimeout bool `yaml:"within_upstream_timeout"`
	// NoUpstreamLeak wants none of the upstream's own error body in the answer (UP-5).
	NoUpstreamLeak bool `yaml:"no_upstream_leak"`
	// WithEnvelope marks a requirement whose own text says "with the envelope" (LIMIT-1, LIMIT-3, SRV-1,
	// SRV-2, REQ-9): ENV-1's evidence is that requirement's too; the members inside stay ENV-2..4's.
	WithEnvelope bool `yaml:"with_envelope"`
	// Like names a control the answer must match in status and error.type, where no status is fixed: the
	// scheme "bearer <key>" must be taken as "Bearer <key>" is (AUTH-5).
	Like string `yaml:"like"`
	// PairingOnly fixes no status: only whether an error envelope comes with an error status is judged
	// (ENV-7 on routes beyond the page's tables, such as GET /v1/models/{id}).
	PairingOnly bool `yaml:"pairing_only"`
	// LeakOnly fixes no status either: the page says nothing of how to answer the condition (an upstream's
	// own 4xx), so only what the gateway passes on of the upstream's answer is judged (UP-5), and the
	// envelope of whatever error it answers.
	LeakOnly bool `yaml:"leak_only"`
	// StreamError wants a 200 event stream that the gateway ends with a data: {"error": ...} event of this
	// type, after an upstream failure mid-stream (STREAM-2).
	StreamError string `yaml:"stream_error"`
	// Receipt wants every successful completion to carry x-receipt-id (RCPT-1).
	Receipt bool `yaml:"receipt"`
	// Verified wants a confidential model's completion to report upstream.verified.result "verified"
	// (RCPT-2).
	Verified bool `yaml:"verified"`
}

// Each applies a schema to every element of the array at Pointer.
type Each struct {
	Pointer      string   `yaml:"pointer"`
	Schema       string   `yaml:"schema"`
	Requirements []string `yaml:"requirements"`
}

// IsError says whether the expected answer is an error (so the envelope checks apply).
func (e Expect) IsError() bool {
	return e.NotTransient || e.Like != "" || e.LeakOnly || e.Status.Min() >= 400
}

// Transient reports whether the page's retry policy retries this status.
func Transient(status int) bool {
	return status == 429 || status == 500 || status == 502 || status == 503
}

// NeverRetried reports whether the page forbids retrying this status: a refusal that the same request
// will get again.
func NeverRetried(status int) bool {
	return status == 400 || status == 401
}

// Statuses is one status or several acceptable ones (REQ-9 allows 400 or 413).
type Statuses []int

// UnmarshalYAML takes `status: 401` as well as `status: [400, 413]`.
func (s *Statuses) UnmarshalYAML(unmarshal func(any) error) error {
	var one int
	if err := unmarshal(&one); err == nil {
		*s = Statuses{one}
		return nil
	}
	var many []int
	if err := unmarshal(&many); err != nil {
		return fmt.Errorf("status: want a number or a list of numbers")
	}
	*s = many
	return nil
}

// Allows reports whether got is one of the statuses.
func (s Statuses) Allows(got int) bool { return slices.Contains(s, got) }

// Min is the smallest acceptable status.
func (s Statuses) Min() int {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func (s Statuses) String() string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " or ")
}

// Name reads as the situation: "POST /v1/chat/completions without Authorization".
func (s Scenario) Name() string {
	// A placeholder in the path reads as the parameter it stands for: /v1/models/{model}.
	n := s.Request.Method + " /v1" + strings.NewReplacer("{{", "{", "}}", "}").Replace(s.Request.Path)
	if s.Title != "" {
		n += " " + s.Title
	}
	return n
}

// Sends reports how many times the request is sent: twice for every scenario that expects a 400 or a 401,
// whose answers must be deterministic (REQ-10); only the first answer counts for the other checks.
func (s Scenario) Sends() int {
	if s.Deterministic() {
		return 2
	}
	return 1
}

// Deterministic says the scenario expects a 400 or a 401, and nothing else, which REQ-10 wants the same when
// asked again. The oversized body, which may also be refused 413, is not sent twice.
func (s Scenario) Deterministic() bool {
	// A generated body is sent once: hundreds of them are about what the target answers, not whether it
	// answers the same twice.
	if s.Burst || s.EachModel || s.Streaming || s.Generated != nil || len(s.Expect.Status) == 0 {
		return false
	}
	for _, st := range s.Expect.Status {
		if st != 400 && st != 401 {
			return false
		}
	}
	return true
}

// Undocumented says the scenario asks a route or method the page does not document: its answers are
// ENV-9's alone, and never fail a MUST.
func (s Scenario) Undocumented() bool { return slices.Equal(s.Requirements, []string{"ENV-9"}) }

// TypeOwners are the requirements that own the answer's error.type.
func (s Scenario) TypeOwners() []string {
	if len(s.TypeRequirements) > 0 {
		return s.TypeRequirements
	}
	return s.Requirements
}

// validate checks what schemas/scenario.json cannot say, the file having passed it: the references (a
// requirement of REQUIREMENTS.md, a schema of schemas/, a file of fixtures/bodies) and the rules between
// fields. Draft-07 could state some of those rules with if/then or not, but a violation would then read "Must
// not validate the schema (not)"; here each says which fields do not combine, and why.
func (s Scenario) validate(knownReq func(string) bool, knownSchema func(string) bool, bodyExists func(string) bool) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, id := range s.Requirements {
		if !knownReq(id) {
			bad("requirement %s is not in REQUIREMENTS.md", id)
		}
	}
	r := s.Request
	sources := 0
	for _, set := range []bool{r.Body != nil, r.BodyFile != "", r.OversizedBytes > 0} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		bad("request has more than one of body, body_file and oversized_bytes")
	}
	if r.BodyFile != "" && !bodyExists(r.BodyFile) {
		bad("request.body_file %q is not in fixtures/bodies", r.BodyFile)
	}
	for _, id := range s.TypeRequirements {
		if !knownReq(id) {
			bad("type_requirements %s is not in REQUIREMENTS.md", id)
		}
	}
	if l := s.Expect.Like; l != "" {
		if _, ok := s.Controls[l]; !ok {
			bad("expect.like names control %q, which the scenario does not send", l)
		}
		if len(s.Expect.Status) > 0 {
			bad("expect.like and expect.status do not combine")
		}
	}
	if s.Expect.PairingOnly && (len(s.Expect.Status) > 0 || s.Expect.Type != "") {
		bad("expect.pairing_only fixes no status or type")
	}
	if s.Expect.LeakOnly && (len(s.Expect.Status) > 0 || s.Expect.Type != "" || !s.Expect.NoUpstreamLeak) {
		bad("expect.leak_only fixes no status or type, and judges only no_upstream_leak, which it needs")
	}
	if s.Expect.StreamError != "" && (len(s.Expect.Status) > 0 || s.Expect.Type != "") {
		bad("expect.stream_error fixes the stream's end, not a status or type")
	}
	if s.Streaming && !s.Expect.IsError() {
		bad("streaming marks a request refused before the stream: it needs an error status")
	}
	if len(s.Expect.Status) == 0 && !s.Expect.NotTransient && s.Expect.Like == "" && !s.Expect.PairingOnly && !s.Expect.LeakOnly && s.Expect.StreamError == "" {
		bad("expect.status is missing")
	}
	if len(s.Expect.Status) > 0 && s.Expect.NotTransient {
		bad("expect.status and expect.not_transient do not combine")
	}
	if s.Burst && s.EachModel {
		bad("burst does not combine with each_model")
	}
	if s.Recovers && !s.Burst {
		bad("recovers needs burst: it retries the transient answer the burst provoked")
	}
	if _, ok := s.Controls[ControlUnlimited]; s.Recovers && !ok {
		bad("recovers needs controls.unlimited: the answer it must clear up to is that twin's")
	}
	if s.SDKRetry && (s.Burst || len(s.Expect.Status) != 1 || !NeverRetried(s.Expect.Status[0]) && !Transient(s.Expect.Status[0])) {
		bad("sdk_retry needs one expected status, 400 or 401 (never retried) or 429, 500, 502 or 503 (retried), and no burst")
	}
	if s.Expect.Type != "" && !s.Expect.IsError() {
		bad("expect.type is set but the expected status is not an error")
	}
	for _, name := range []string{s.Expect.Schema, eachSchema(s.Expect.Each)} {
		if name != "" && !knownSchema(name) {
			bad("schema %q is not in schemas/", name)
		}
	}
	if e := s.Expect.Each; e != nil {
		for _, id := range e.Requirements {
			if !knownReq(id) {
				bad("expect.each requirement %s is not in REQUIREMENTS.md", id)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %s", s.ID, strings.Join(errs, "; "))
	}
	return nil
}

func eachSchema(e *Each) string {
	if e == nil {
		return ""
	}
	return e.Schema
}
