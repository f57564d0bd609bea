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

// errorMember is error.<name>, or nil when the body has no such member.
func errorMember(body []byte, name string) any {
	obj, ok := errorObject(body)
	if !ok {
		return nil
	}
	return obj[name]
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

func describe(v any) string {
	if v == nil {
		return "absent or null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func list(vs []schema.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}
