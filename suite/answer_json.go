package suite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/validate"
)

// errorObject returns the top-level "error" member when it is an object.
func errorObject(r *exchange.Response) (map[string]any, bool) {
	doc, err := r.JSON()
	if err != nil {
		return nil, false
	}
	top, _ := doc.(map[string]any)
	obj, ok := top["error"].(map[string]any)
	return obj, ok
}

func hasErrorObject(r *exchange.Response) bool {
	_, ok := errorObject(r)
	return ok
}

// member is error.<name>, and whether the body has it at all (a null member is present).
func member(r *exchange.Response, name string) (any, bool) {
	obj, ok := errorObject(r)
	if !ok {
		return nil, false
	}
	v, ok := obj[name]
	return v, ok
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// describeMember says what error.<name> is, telling an absent member from a null one.
func describeMember(r *exchange.Response, name string) string {
	if !hasErrorObject(r) {
		return "absent (no error object)"
	}
	v, ok := member(r, name)
	if !ok {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// validateBody checks the answer's body against a schema, decoding it once for every check that asks.
func validateBody(set *validate.Set, name string, r *exchange.Response) ([]validate.Violation, error) {
	doc, err := r.JSON()
	var coded *exchange.CodingError
	switch {
	case errors.As(err, &coded):
		// Not JSON to any client that sent no Accept-Encoding it could decode (ENV-1).
		return []validate.Violation{{Reason: "the body cannot be read: " + err.Error()}}, nil
	case err != nil:
		return []validate.Violation{{Reason: "body is not JSON: " + err.Error()}}, nil
	}
	return set.ValidateValue(name, doc)
}

// at resolves a JSON pointer of object members and array indexes.
func at(doc any, pointer string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch v := doc.(type) {
		case map[string]any:
			doc = v[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			doc = v[i]
		default:
			return nil
		}
	}
	return doc
}

// breaks is a schema check's reason: what broke, with the first violation on the same line, for the
// console prints a reason's first line alone, and every other violation on a line of its own.
func breaks(what string, vs []validate.Violation) error {
	var b strings.Builder
	b.WriteString(what)
	for i, v := range vs {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("\n  ")
		}
		b.WriteString(v.String())
	}
	return errors.New(b.String())
}

// isSuccess says the status is a 2xx.
func isSuccess(status int) bool { return status >= 200 && status < 300 }
