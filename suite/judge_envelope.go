package suite

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// The checks of the envelope and of what an error answer must not do: each ENV requirement is judged by the
// part of the envelope it states, so one broken member is charged once.

// envelopeArea is the part of the envelope one requirement states, as the JSON pointers it covers.
type envelopeArea struct {
	what     string
	pointers []string
}

var (
	areaObject    = envelopeArea{"a JSON object whose error member is an object", []string{"", "/error"}}
	areaMessage   = envelopeArea{"error.message", []string{"/error/message"}}
	areaType      = envelopeArea{"error.type", []string{"/error/type"}}
	areaCodeParam = envelopeArea{"error.code and error.param", []string{"/error/code", "/error/param"}}
)

// judge validates the answer against the envelope schema and keeps the violations in the area.
func (a envelopeArea) judge(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	all, err := validateBody(e.schemas, validate.ErrorEnvelope, r)
	if err != nil {
		return err
	}
	var vs []validate.Violation
	for _, v := range all {
		for _, p := range a.pointers {
			if v.Pointer == p {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) > 0 {
		return breaks("the answer breaks the envelope at "+a.what, vs)
	}
	return nil
}

// checkMessageSaysSomething is ENV-10: a message of nothing but white space tells a person nothing.
func checkMessageSaysSomething(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	m, _ := member(r, "message")
	if s, _ := m.(string); strings.TrimSpace(s) == "" {
		return fmt.Errorf("error.message is %s: it must say what went wrong", describeMember(r, "message"))
	}
	return nil
}

// checkEnvelopeMatchesStatus is ENV-7 whole: no error status without the envelope, no success with it.
func checkEnvelopeMatchesStatus(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	if r.Status >= 400 && !hasErrorObject(r) {
		return fmt.Errorf("answered status %d without an error envelope (no \"error\" object at the top level)", r.Status)
	}
	return checkNoEnvelopeOnSuccess(e)
}

// checkNoEnvelopeOnSuccess is ENV-7's half that holds on any route: a 2xx never carries an error envelope.
func checkNoEnvelopeOnSuccess(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	if isSuccess(r.Status) && hasErrorObject(r) {
		return fmt.Errorf("answered status %d carrying an error envelope", r.Status)
	}
	return nil
}

func checkContentType(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if perr == nil && mt == "application/json" {
		return nil
	}
	return fmt.Errorf("Content-Type is %q, want application/json", ct)
}

func checkNoEcho(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	var echoed []string
	for _, s := range e.secrets {
		if len(s) >= 8 && bytes.Contains(r.Body, []byte(s)) {
			echoed = append(echoed, "a key the suite presented")
			break
		}
	}
	if bytes.Contains(e.sent, []byte(scenario.CanaryPrompt)) && bytes.Contains(r.Body, []byte(scenario.CanaryPrompt)) {
		echoed = append(echoed, "the prompt")
	}
	if len(e.sent) >= 16 && bytes.Contains(r.Body, bytes.TrimSpace(e.sent)) {
		echoed = append(echoed, "the request body")
	}
	if len(echoed) > 0 {
		return fmt.Errorf("the answer echoes %s", strings.Join(echoed, " and "))
	}
	return nil
}
