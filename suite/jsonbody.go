package suite

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/schema"
)

// errorObject returns the top-level "error" member when it is an object.
func errorObject(body []byte) (map[string]any, bool) {
	var top map[string]any
	if json.Unmarshal(body, &top) != nil {
		return nil, false
	}
	obj, ok := top["error"].(map[string]any)
	return obj, ok
}

func hasErrorObject(body []byte) bool {
	_, ok := errorObject(body)
	return ok
}

// member is error.<name>, and whether the body has it at all (a null member is present).
func member(body []byte, name string) (any, bool) {
	obj, ok := errorObject(body)
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
func describeMember(body []byte, name string) string {
	if !hasErrorObject(body) {
		return "absent (no error object)"
	}
	v, ok := member(body, name)
	if !ok {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
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

func list(vs []schema.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}
