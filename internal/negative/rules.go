package negative

import (
	"fmt"
	"slices"
	"strings"
)

// Broken is a kind of rule a generated body breaks.
type Broken string

const (
	WrongType     Broken = "wrong_type"     // a JSON type the parameter does not take
	DeepNesting   Broken = "deep_nesting"   // a wrong type, nested far deeper than any parser's comfort
	BelowMinimum  Broken = "below_minimum"  // a number at an exclusive minimum or just below an inclusive one
	AboveMaximum  Broken = "above_maximum"  // a number at an exclusive maximum or just above an inclusive one
	HugeNumber    Broken = "huge_number"    // a number past the parameter's range and past int64 or float64
	NotInEnum     Broken = "not_in_enum"    // a string the parameter's enum does not list (an unknown role)
	Missing       Broken = "missing"        // a required member left out
	NotObject     Broken = "not_object"     // a body that is JSON but not an object (null included)
	DuplicateKey  Broken = "duplicate_key"  // an object naming a member twice
	InvalidUTF8   Broken = "invalid_utf8"   // bytes that are not UTF-8 inside a string
	LoneSurrogate Broken = "lone_surrogate" // a \u escape of half a UTF-16 surrogate pair
)

// Rule is one rule of the description a body can break: what kind, where, and the requirement whose text
// states that breaking it must be refused.
type Rule struct {
	Broken Broken
	// Path is where: "temperature", "messages[]" (an item), "messages[].role"; "" is the body itself.
	Path string
	// Owner is the requirement a success (or another 4xx, or another error.type) to the body breaks: REQ-2..5
	// where the requirement's text states the rule, else NEG-1, whose text states every generated body.
	Owner string
	// Param is the parameter at fault, for REQ-7: the top-level member the path starts with; "" when the
	// fault is the body's encoding or shape rather than one parameter.
	Param string
}

func (r Rule) String() string {
	if r.Path == "" {
		return string(r.Broken) + " (the body)"
	}
	return string(r.Broken) + " at " + r.Path
}

// owners are the requirements whose text states each kind of rule. The body's encoding, duplicate names and
// nesting are stated by no REQ text, only NEG-1's, which owns them alone (REQUIREMENTS.md, NEG-1); an
// unknown role is a value outside the range the API reference gives, REQ-5's.
var owners = map[Broken]string{
	WrongType:     "REQ-4",
	DeepNesting:   "NEG-1",
	BelowMinimum:  "REQ-5",
	AboveMaximum:  "REQ-5",
	HugeNumber:    "REQ-5",
	NotInEnum:     "REQ-5",
	Missing:       "REQ-3",
	NotObject:     "REQ-2",
	DuplicateKey:  "NEG-1",
	InvalidUTF8:   "NEG-1",
	LoneSurrogate: "NEG-1",
}

// atParam are the kinds a single parameter is at fault for: REQ-7 wants error.param to name it.
var atParam = []Broken{WrongType, DeepNesting, BelowMinimum, AboveMaximum, HugeNumber, NotInEnum, Missing}

func rule(b Broken, path string) Rule {
	r := Rule{Broken: b, Path: path, Owner: owners[b]}
	if slices.Contains(atParam, b) {
		r.Param, _, _ = strings.Cut(strings.TrimSuffix(path, "[]"), "[]")
		r.Param, _, _ = strings.Cut(r.Param, ".")
	}
	return r
}

// rules lists every rule of the description that a body for the model can break, in a fixed order: the
// body's own, then each parameter's by name. Optional parameters the model does not support are left out,
// as a body breaking one of them would break two rules.
func rules(desc *Schema, use func(param string) bool) []Rule {
	out := []Rule{rule(NotObject, ""), rule(DuplicateKey, "")}
	for _, name := range desc.names() {
		if !slices.Contains(desc.Required, name) && !use(name) {
			continue
		}
		if slices.Contains(desc.Required, name) {
			out = append(out, rule(Missing, name))
		}
		out = append(out, rulesAt(name, desc.Properties[name])...)
	}
	return out
}

// rulesAt are the rules of the value at path: its type, its range or enum, its text, and for an array of
// objects (messages) the rules of an item and its members.
func rulesAt(path string, s *Schema) []Rule {
	out := []Rule{rule(WrongType, path), rule(DeepNesting, path)}
	if s.numeric() != "" {
		if s.Minimum != nil || s.ExclusiveMinimum != nil {
			out = append(out, rule(BelowMinimum, path))
		}
		if s.Maximum != nil || s.ExclusiveMaximum != nil {
			out = append(out, rule(AboveMaximum, path))
		}
		if s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil {
			out = append(out, rule(HugeNumber, path))
		}
	}
	if len(s.Enum) > 0 {
		out = append(out, rule(NotInEnum, path))
	}
	if s.FreeText && s.Allows("string") {
		out = append(out, rule(InvalidUTF8, path), rule(LoneSurrogate, path))
	}
	if only(s, "object") {
		out = append(out, rule(DuplicateKey, path))
		for _, name := range s.names() {
			if slices.Contains(s.Required, name) {
				out = append(out, rule(Missing, join(path, name)))
			}
			out = append(out, rulesAt(join(path, name), s.Properties[name])...)
		}
	}
	// Only an array the body always holds (messages) has items to break; content and stop are strings there.
	if only(s, "array") && s.Items != nil {
		out = append(out, rulesAt(path+"[]", s.Items)...)
	}
	return out
}

// only says the schema takes that type and no other but null.
func only(s *Schema, t string) bool {
	for _, x := range s.Types {
		if x != t && x != "null" {
			return false
		}
	}
	return slices.Contains(s.Types, t)
}

// schemaAt is the schema of a rule's path.
func schemaAt(desc *Schema, path string) (*Schema, error) {
	s := desc
	for _, seg := range strings.Split(path, ".") {
		if seg == "" {
			continue
		}
		name, items := strings.CutSuffix(seg, "[]")
		s = s.Properties[name]
		if s == nil {
			return nil, fmt.Errorf("no %q in the description", path)
		}
		if items {
			s = s.Items
		}
	}
	return s, nil
}
