package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/schema"
)

// The checks of one answer: status, discriminator, envelope, headers, hygiene, determinism.

// checkStatus looks at every answer: a scenario sent once per model must get the status for each of them.
func checkStatus(e evidence) error {
	if _, err := e.answer(); err != nil {
		return err
	}
	for i, ex := range e.exs {
		if ex.Err != nil {
			return fmt.Errorf("request %d: no answer: %v", i+1, ex.Err)
		}
		r := ex.Response
		if e.sc.Expect.NotTransient {
			if r.Status >= 400 && !scenario.Transient(r.Status) {
				continue
			}
			return fmt.Errorf("answered status %d, which clients retry as transient or do not read as an error; a failed verification is a security condition, not a retry loop", r.Status)
		}
		if e.sc.Expect.Status.Allows(r.Status) {
			continue
		}
		msg := fmt.Sprintf("answered status %d, want %s", r.Status, e.sc.Expect.Status)
		if e.note != "" {
			msg += "; " + e.note
		}
		if len(e.exs) > 1 {
			msg = fmt.Sprintf("request %d of %d %s", i+1, len(e.exs), msg)
		}
		if r.Status == 401 && e.sc.Request.Credential == "valid" {
			msg += " (the target refused the suite's key: is it a valid key for this target?)"
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

func checkType(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	name, ok := schema.ForErrorType(e.sc.Expect.Type)
	if !ok {
		return fmt.Errorf("no schema pins error.type %q", e.sc.Expect.Type)
	}
	all, err := e.schemas.Validate(name, r.Body)
	if err != nil {
		return err
	}
	// The pinning schema describes the whole envelope; this check decides only the discriminator and what
	// it hangs from, and leaves a missing code or param to the envelope's own spec.
	var vs []schema.Violation
	for _, v := range all {
		if v.Pointer == "" || v.Pointer == "/error" || v.Pointer == "/error/type" {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return fmt.Errorf("error.type is %s, want %q; against %s:%s", describe(errorMember(r.Body, "type")), e.sc.Expect.Type, name, list(vs))
}

func checkParam(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	got := errorMember(r.Body, "param")
	if s, ok := got.(string); ok && s == e.sc.Expect.Param {
		return nil
	}
	return fmt.Errorf("error.param is %s, want %q", describe(got), e.sc.Expect.Param)
}

func checkEnvelope(e evidence) error {
	return checkSchema(e, schema.ErrorEnvelope)
}

func checkBodySchema(e evidence) error {
	return checkSchema(e, e.sc.Expect.Schema)
}

func checkSchema(e evidence, name string) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	vs, err := e.schemas.Validate(name, r.Body)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return fmt.Errorf("the body breaks %s:%s", name, list(vs))
	}
	return nil
}

func checkEachSchema(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	each := e.sc.Expect.Each
	var doc any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		return fmt.Errorf("the body is not JSON: %v", err)
	}
	items, ok := at(doc, each.Pointer).([]any)
	if !ok {
		return fmt.Errorf("%s is not an array", each.Pointer)
	}
	var bad []string
	for i, item := range items {
		vs, err := e.schemas.ValidateValue(each.Schema, item)
		if err != nil {
			return err
		}
		for _, v := range vs {
			v.Pointer = fmt.Sprintf("%s/%d%s", each.Pointer, i, v.Pointer)
			bad = append(bad, v.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("elements of %s break %s:\n  %s", each.Pointer, each.Schema, strings.Join(bad, "\n  "))
	}
	return nil
}

func checkEnvelopeMatchesStatus(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	_, isEnvelope := errorObject(r.Body)
	switch {
	case r.Status >= 400 && !isEnvelope:
		return fmt.Errorf("answered status %d without an error envelope (no \"error\" object at the top level)", r.Status)
	case r.Status < 300 && isEnvelope:
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

func checkDeterministic(e evidence) error {
	if len(e.exs) < 2 {
		return fmt.Errorf("the request was sent %d time(s), want 2", len(e.exs))
	}
	first, err := e.answer()
	if err != nil {
		return err
	}
	for i, ex := range e.exs[1:] {
		if ex.Err != nil {
			return fmt.Errorf("sending %d: no answer: %v", i+2, ex.Err)
		}
		a, b := ex.Response, first
		if a.Status != b.Status || describe(errorMember(a.Body, "type")) != describe(errorMember(b.Body, "type")) {
			return fmt.Errorf("first answer %d %s, answer %d was %d %s", b.Status, describe(errorMember(b.Body, "type")), i+2, a.Status, describe(errorMember(a.Body, "type")))
		}
	}
	return nil
}
