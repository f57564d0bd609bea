package suite

import (
	"encoding/json"
	"fmt"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/validate"
)

// The checks of the scenario's own requirement: status, discriminator, the parameter at fault, determinism,
// and the body of a success.

// checkStatus looks at every answer judged: a scenario sent once per model must get the status for each.
// Repeats are REQ-10's, not the status's.
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
			switch {
			case r.Status < 400:
				return fmt.Errorf("answered status %d, a success: a failed verification must be answered as an error (a status of 400 or more other than 429, 500, 502 and 503)", r.Status)
			case scenario.Transient(r.Status):
				return fmt.Errorf("answered status %d, which clients retry as transient: a failed verification is a security condition, not a retry loop", r.Status)
			}
			continue
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

// checkClientErrorStatus is ENV-9's status: any 4xx, the one answered shown in the report's answer entry.
func checkClientErrorStatus(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	if r.Status < 400 || r.Status > 499 {
		return fmt.Errorf("answered status %d, want a 4xx (%s is usual)", r.Status, e.sc.Expect.Status)
	}
	return nil
}

// checkLikeControl judges the difference from the proper twin: the element under test must change nothing.
func checkLikeControl(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	name := e.sc.Expect.Like
	c := e.controls[name].Response
	got, want := statusAndType(r), statusAndType(c)
	if got == want {
		return nil
	}
	return fmt.Errorf("answered %s where the same request %s answered %s", got, e.sc.Controls[name].Credential.Describe(), want)
}

func statusAndType(r *exchange.Response) string {
	return fmt.Sprintf("%d with error.type %s", r.Status, describeMember(r, "type"))
}

func checkType(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	got, _ := member(r, "type")
	if got == e.sc.Expect.Type {
		return nil
	}
	return fmt.Errorf("error.type is %s, want %q", describeMember(r, "type"), e.sc.Expect.Type)
}

func checkParam(e evidence) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	if got, _ := member(r, "param"); namesParam(got, e.sc.Expect.Param) {
		return nil
	}
	return fmt.Errorf("error.param is %s, want %q or a path inside it", describeMember(r, "param"), e.sc.Expect.Param)
}

// checkDeterministic compares the first answer with the same request's second answer (REQ-10).
func checkDeterministic(e evidence) error {
	if len(e.repeats) == 0 {
		return fmt.Errorf("the request was not sent again")
	}
	first, err := e.answer()
	if err != nil {
		return err
	}
	again := e.repeats[0]
	if again.Err != nil {
		return fmt.Errorf("first answer %s; sent again, no answer: %v", statusAndType(first), again.Err)
	}
	a, b := statusAndType(first), statusAndType(again.Response)
	if a != b {
		return fmt.Errorf("first answer %s; the same request sent again answered %s", a, b)
	}
	return nil
}

func checkBodySchema(e evidence) error {
	return checkSchema(e, e.sc.Expect.Schema)
}

func checkSchema(e evidence, name string) error {
	r, err := e.answer()
	if err != nil {
		return err
	}
	vs, err := validateBody(e.schemas, name, r)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return breaks("the body breaks "+name, vs)
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
	var bad []validate.Violation
	for i, item := range items {
		vs, err := e.schemas.ValidateValue(each.Schema, item)
		if err != nil {
			return err
		}
		for _, v := range vs {
			v.Pointer = fmt.Sprintf("%s/%d%s", each.Pointer, i, v.Pointer)
			bad = append(bad, v)
		}
	}
	if len(bad) > 0 {
		return breaks(fmt.Sprintf("elements of %s break %s", each.Pointer, each.Schema), bad)
	}
	return nil
}
