package negative

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// caseOf is the first case of seed 1 that breaks b at path.
func caseOf(t *testing.T, g *Generator, b Broken, path string) Case {
	t.Helper()
	for i := range 1000 {
		if c := g.Case(1, i); c.Rule.Broken == b && c.Rule.Path == path {
			return c
		}
	}
	t.Fatalf("no case breaks %s at %q", b, path)
	return Case{}
}

func TestMinimiseKeepsOnlyWhatTheFailureNeeds(t *testing.T) {
	g := generator(t, allParams)
	for _, tc := range []struct {
		name  string
		c     Case
		fails func(body []byte) bool
		check func(t *testing.T, min []byte)
	}{{
		name:  "a lone surrogate anywhere",
		c:     caseOf(t, g, LoneSurrogate, "messages[].content"),
		fails: func(b []byte) bool { return strings.Contains(strings.ToLower(string(b)), `\ud`) },
		check: func(t *testing.T, min []byte) {
			if got := strings.ToLower(string(min)); !strings.HasPrefix(got, `{"messages":[{"content":"\ud`) || strings.Count(got, `"`) > 6 {
				t.Errorf("minimised to %s, want only the content holding the surrogate", min)
			}
		},
	}, {
		name:  "nesting deeper than 64",
		c:     caseOf(t, g, DeepNesting, "temperature"),
		fails: func(b []byte) bool { return depth(b) > 64 },
		check: func(t *testing.T, min []byte) {
			if depth(min) != 65 || len(min) > 200 {
				t.Errorf("minimised to depth %d, %d bytes, want exactly 65 levels and little else: %s", depth(min), len(min), min)
			}
		},
	}, {
		name: "a role that is not a string, when the model is named",
		c:    caseOf(t, g, WrongType, "messages[].role"),
		fails: func(b []byte) bool {
			var v struct {
				Model    *string
				Messages []map[string]any
			}
			if json.Unmarshal(b, &v) != nil || v.Model == nil {
				return false
			}
			for _, m := range v.Messages {
				if _, ok := m["role"].(string); m["role"] != nil && !ok {
					return true
				}
			}
			return false
		},
		check: func(t *testing.T, min []byte) {
			if !bytes.HasPrefix(min, []byte(`{"model":"ref/chat-small","messages":[{"role":`)) || bytes.Contains(min, []byte("content")) {
				t.Errorf("minimised to %s, want the model and one message with only its role", min)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.fails(tc.c.Body.Encode()) {
				t.Fatalf("the case does not fail to begin with: %s", short(tc.c.Body))
			}
			min, tried := Minimise(tc.c.Body, func(n *Node) bool { return tc.fails(n.Encode()) }, 200)
			if !tc.fails(min.Encode()) {
				t.Fatalf("the minimised body no longer fails: %s", min.Encode())
			}
			t.Logf("%d values to %d in %d tries: %s", tc.c.Body.Count(), min.Count(), tried, Display(min.Encode()))
			tc.check(t, min.Encode())
		})
	}
}

func TestMinimiseNeverDeletesTheBrokenRuleNorTriesPastItsBudget(t *testing.T) {
	g := generator(t, allParams)
	c := caseOf(t, g, DuplicateKey, "messages[]")
	calls := 0
	min, tried := Minimise(c.Body, func(*Node) bool { calls++; return true }, 4)
	if tried != 4 || calls != 4 {
		t.Errorf("tried %d bodies (%d calls), want the budget of 4", tried, calls)
	}
	min, _ = Minimise(c.Body, func(*Node) bool { return true }, 1000)
	if !hasDuplicateName(t, min.Encode()) {
		t.Errorf("the duplicate pair was deleted: %s", min.Encode())
	}
	if c.Body.Count() <= min.Count() {
		t.Errorf("nothing was deleted: %s", min.Encode())
	}
	if _, tried := Minimise(c.Body, func(*Node) bool { return false }, 1000); tried == 0 || tried >= 1000 {
		t.Errorf("with nothing failing, tried %d: want every edit once, then stop", tried)
	}
}

// depth is how deeply the body's arrays and objects nest, read from its bytes.
func depth(b []byte) int {
	d, most, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			d++
			most = max(most, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return most
}
