package negative

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

// wrongTypes are the JSON types a schema does not take: "number" stands for a number with a fraction, so
// it is wrong for an integer; null is wrong only where the schema does not list it.
func wrongTypes(s *Schema) []string {
	var out []string
	for _, t := range []string{"string", "number", "integer", "boolean", "array", "object", "null"} {
		switch {
		case t == "number" && slices.Contains(s.Types, "number"):
		case s.Allows(t):
		default:
			out = append(out, t)
		}
	}
	return out
}

// ofType is a value of a JSON type, as a wrong value for a parameter that does not take it.
func ofType(r *rand.Rand, t string) *Node {
	switch t {
	case "string":
		return str(pick(r, []string{"hot", "ten", "1", "0.5", "true", "yes", "null", "[]"}))
	case "number":
		return lit(pick(r, []string{"1.5", "0.5", "2.75", "-0.25"}))
	case "integer":
		return lit(pick(r, []string{"0", "1", "7", "-3", "42"}))
	case "boolean":
		return lit(pick(r, []string{"true", "false"}))
	case "array":
		return pick(r, []func() *Node{
			func() *Node { return arr() },
			func() *Node { return arr(lit("1"), lit("2")) },
		})()
	case "object":
		return pick(r, []func() *Node{
			func() *Node { return obj() },
			func() *Node { return obj(member("value", lit("1"))) },
		})()
	}
	return lit("null")
}

// badValue is a value breaking one rule of kind b for a schema, and how it reads.
func badValue(r *rand.Rand, b Broken, s *Schema) (*Node, string) {
	switch b {
	case WrongType:
		t := pick(r, wrongTypes(s))
		v := ofType(r, t)
		if t == "null" {
			return v, "null"
		}
		return v, fmt.Sprintf("%s, %s", short(v), article(t))
	case DeepNesting:
		return nested(r, s)
	case BelowMinimum:
		return pastBound(r, s, s.Minimum, s.ExclusiveMinimum, -1)
	case AboveMaximum:
		return pastBound(r, s, s.Maximum, s.ExclusiveMaximum, +1)
	case HugeNumber:
		return huge(r, s)
	case NotInEnum:
		var candidates []string
		for _, v := range []string{"wizard", "User", "ASSISTANT", "bot", "", "user ", "human", "model", "System"} {
			if !slices.Contains(s.Enum, v) {
				candidates = append(candidates, v)
			}
		}
		v := pick(r, candidates)
		return str(v), fmt.Sprintf("%q, which is not one of %s", v, strings.Join(s.Enum, ", "))
	}
	panic("negative: no value breaks " + string(b))
}

func article(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	case "number":
		return "a number with a fraction"
	}
	return "a " + t
}

// short is a value as a person reads it in a case's description, cut when long.
func short(n *Node) string {
	s := Display(n.Encode())
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// nested is a value of a wrong type nested 65 to 2000 levels deep: past the 64 some parsers stop at, and
// within the 10000 Go's allows. Where the schema takes arrays, the arrays' items are what is wrong.
func nested(r *rand.Rand, s *Schema) (*Node, string) {
	depth := 65 + r.IntN(1936)
	leaf, kind := lit("1"), "arrays"
	wrap := func(n *Node) *Node { return arr(n) }
	// Arrays are wrong where the schema takes none, and where it takes arrays of something else (messages,
	// content, stop): there the items are the wrong type.
	if s.Allows("array") && (s.Items == nil || s.Items.Allows("array")) {
		kind = "objects"
		wrap = func(n *Node) *Node { return obj(member("a", n)) }
	}
	v := leaf
	for range depth {
		v = wrap(v)
	}
	return v, fmt.Sprintf("%s nested %d deep", kind, depth)
}

// pastBound is a number at an exclusive bound, or just past an inclusive one, on the side dir says.
func pastBound(r *rand.Rand, s *Schema, inclusive, exclusive *json.Number, dir int) (*Node, string) {
	if exclusive != nil {
		return lit(exclusive.String()), fmt.Sprintf("%s, at its exclusive bound", exclusive)
	}
	if s.numeric() == "integer" {
		b, _ := new(big.Int).SetString(inclusive.String(), 10)
		v := b.Add(b, big.NewInt(int64(dir)))
		return lit(v.String()), fmt.Sprintf("%s, just past its bound %s", v, inclusive)
	}
	f, _ := inclusive.Float64()
	var v float64
	switch r.IntN(4) {
	case 0:
		v = math.Nextafter(f, float64(dir)*math.Inf(1))
	case 1:
		v = f + float64(dir)*0.01
	case 2:
		v = f + float64(dir)*0.5
	default:
		v = f + float64(dir)
	}
	raw := strconv.FormatFloat(v, 'g', -1, 64)
	return lit(raw), fmt.Sprintf("%s, just past its bound %s", raw, inclusive)
}

// huge is a number far past the schema's range and past what int64 (for an integer) or float64 (for a
// number) holds, on a side the range excludes.
func huge(r *rand.Rand, s *Schema) (*Node, string) {
	sign := ""
	if s.Maximum == nil && s.ExclusiveMaximum == nil {
		sign = "-"
	}
	var raw string
	if s.numeric() == "integer" {
		raw = sign + "1" + strings.Repeat("0", 20+r.IntN(21))
	} else {
		raw = fmt.Sprintf("%s1e%d", sign, 309+r.IntN(691))
	}
	if s.numeric() == "integer" {
		return lit(raw), raw + ", an integer no int64 holds"
	}
	return lit(raw), raw + ", a number no float64 holds"
}

// badText is a piece of string that breaks its encoding, and how it reads.
func badText(r *rand.Rand, b Broken) (Piece, string) {
	if b == InvalidUTF8 {
		bytes := pick(r, []string{"\xff", "\xfe", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf8\x88\x80\x80\x80", "\x80"})
		return Piece{Text: bytes, Raw: true}, fmt.Sprintf("the bytes % x, which are not UTF-8", []byte(bytes))
	}
	hex := func(v int) string {
		h := fmt.Sprintf("%04x", v)
		if r.IntN(2) == 0 {
			h = strings.ToUpper(h)
		}
		return `\u` + h
	}
	high, low := hex(0xD800+r.IntN(0x400)), hex(0xDC00+r.IntN(0x400))
	esc := pick(r, []string{high, low, low + high, high + `\u0041`})
	return Piece{Text: esc, Raw: true}, esc + ", a lone UTF-16 surrogate"
}

// notObject is the body as a JSON value that is not an object.
func notObject(r *rand.Rand, body *Node) (*Node, string) {
	v, says := pick(r, []func() (*Node, string){
		func() (*Node, string) { return lit("null"), "null" },
		func() (*Node, string) { return arr(body), "an array holding a valid body" },
		func() (*Node, string) { return str("model messages"), "a string" },
		func() (*Node, string) { return lit("42"), "a number" },
		func() (*Node, string) { return lit("true"), "true" },
	})()
	v.Site = true
	return v, "the body is " + says + ", not an object"
}

// duplicate names a member of the object at path twice, the second time with a value the schema takes.
func duplicate(r *rand.Rand, desc *Schema, body *Node, path string) (*Node, string) {
	owner, where := body, "the body"
	s := desc
	if path != "" {
		at := locate(r, body, path)
		owner, where = at.get(), at.where
		s, _ = schemaAt(desc, path)
	}
	k := r.IntN(len(owner.Members))
	m := owner.Members[k]
	again := m.Value.Clone()
	if p := s.Properties[m.Name]; p != nil && r.IntN(2) == 0 && m.Name != "model" && m.Name != "messages" {
		again = validValue(r, m.Name, p)
	}
	owner.Members[k].Kept = true
	owner.Members = append(owner.Members, Member{Name: m.Name, Value: again, Kept: true})
	owner.Kept = true
	return body, fmt.Sprintf("%s names %q twice", where, m.Name)
}
