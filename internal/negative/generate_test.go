package negative

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"

	"github.com/gwconform/gwconform/schemas"
)

// allParams is what a model listing every described parameter supports.
var allParams = []string{"temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty", "stream", "stop", "seed", "user"}

func generator(t testing.TB, supported []string) *Generator {
	t.Helper()
	desc, err := Describe()
	if err != nil {
		t.Fatal(err)
	}
	return New(desc, "ref/chat-small", supported)
}

func TestEveryValidBodyMatchesTheDescription(t *testing.T) {
	g := generator(t, allParams)
	for seed := range uint64(200) {
		body := g.valid(rand.New(rand.NewPCG(seed, 0))).Encode()
		if errs := schemaErrors(t, body); len(errs) > 0 {
			t.Fatalf("seed %d: the valid body %s breaks the description: %v", seed, body, errs)
		}
	}
}

// TestEachCaseBreaksExactlyOneRule reads every case two ways: the draft-07 validator finds exactly one
// violation, where the rule is, for the rules a schema states; the encoding rules, which no schema can see,
// leave a body that decodes (Go's parser is lenient) to a valid one, with exactly the one defect in its bytes.
func TestEachCaseBreaksExactlyOneRule(t *testing.T) {
	for _, supported := range [][]string{allParams, {"max_completion_tokens", "stream"}, nil} {
		g := generator(t, supported)
		for seed := uint64(1); seed <= 2; seed++ {
			for i := range 2 * len(g.Rules()) {
				c := g.Case(seed, i)
				body := c.Body.Encode()
				desc := fmt.Sprintf("supported %v, case %d:%d (%s: %s)", supported, seed, i, c.Rule, c.What)
				defects := encodingDefects(t, body)
				switch c.Rule.Broken {
				case InvalidUTF8, LoneSurrogate, DuplicateKey:
					if want := []Broken{c.Rule.Broken}; !slices.Equal(defects, want) {
						t.Fatalf("%s: encoding defects %v, want %v:\n%s", desc, defects, want, Display(body))
					}
					if errs := schemaErrors(t, body); len(errs) > 0 {
						t.Fatalf("%s: breaks more than its encoding: %v", desc, errs)
					}
					continue
				}
				if len(defects) > 0 {
					t.Fatalf("%s: breaks its encoding too: %v", desc, defects)
				}
				errs := schemaErrors(t, body)
				if len(errs) != 1 {
					t.Fatalf("%s: %d violations, want 1: %v\n%s", desc, len(errs), errs, short(c.Body))
				}
				if want := schemaField(c); errs[0].Field() != want {
					t.Fatalf("%s: the violation is at %s, want %s: %v", desc, errs[0].Field(), want, errs[0])
				}
			}
		}
	}
}

// schemaField is where the validator reports the case's rule: the value, or for a missing member the
// object that lacks it.
func schemaField(c Case) string {
	where := c.What[:strings.Index(c.What, " ")]
	if c.Rule.Broken == NotObject {
		return "(root)"
	}
	if c.Rule.Broken == Missing {
		if i := strings.LastIndex(where, "."); i >= 0 {
			where = where[:i]
		} else {
			where = "(root)"
		}
	}
	field := strings.NewReplacer("[", ".", "]", "").Replace(where)
	if s, _ := schemaAt(mustDescribe(), c.Rule.Path); c.Rule.Broken == DeepNesting && s.Allows("array") {
		field += ".0" // the array is allowed; its first item is what is wrong
	}
	return field
}

func mustDescribe() *Schema {
	d, err := Describe()
	if err != nil {
		panic(err)
	}
	return d
}

func TestEveryRuleIsBrokenByAnyRunOfAtLeastAsManyCases(t *testing.T) {
	g := generator(t, allParams)
	rules := g.Rules()
	seen := map[Rule]bool{}
	for i := range len(rules) {
		seen[g.Case(7, i).Rule] = true
	}
	if len(seen) != len(rules) {
		t.Fatalf("%d cases broke %d of the %d rules", len(rules), len(seen), len(rules))
	}
	for _, want := range []Rule{
		{Broken: WrongType, Path: "messages[].role", Owner: "REQ-4", Param: "messages"},
		{Broken: WrongType, Path: "messages[].content", Owner: "REQ-4", Param: "messages"},
		{Broken: NotInEnum, Path: "messages[].role", Owner: "REQ-5", Param: "messages"},
		{Broken: Missing, Path: "model", Owner: "REQ-3", Param: "model"},
		{Broken: BelowMinimum, Path: "n", Owner: "REQ-5", Param: "n"},
		{Broken: HugeNumber, Path: "temperature", Owner: "REQ-5", Param: "temperature"},
		{Broken: DeepNesting, Path: "messages", Owner: "NEG-1", Param: "messages"},
		{Broken: LoneSurrogate, Path: "messages[].content", Owner: "NEG-1"},
		{Broken: InvalidUTF8, Path: "user", Owner: "NEG-1"},
		{Broken: DuplicateKey, Path: "", Owner: "NEG-1"},
		{Broken: NotObject, Path: "", Owner: "REQ-2"},
	} {
		if !seen[want] {
			t.Errorf("no case breaks %+v", want)
		}
	}
}

func TestAParameterTheModelDoesNotSupportIsNeitherBrokenNorSent(t *testing.T) {
	g := generator(t, []string{"max_completion_tokens"})
	for i := range 200 {
		c := g.Case(1, i)
		if strings.Contains(string(c.Body.Encode()), `"max_tokens"`) || c.Rule.Param == "temperature" {
			t.Fatalf("case %d (%s) uses a parameter the model does not list: %s", i, c.Rule, c.Body.Encode())
		}
	}
}

func TestTheSameSeedMakesTheSameBytesInAnyOrder(t *testing.T) {
	a, b := generator(t, allParams), generator(t, allParams)
	forward := map[int][]byte{}
	for i := range 500 {
		forward[i] = a.Case(42, i).Body.Encode()
	}
	for i := 499; i >= 0; i-- {
		if got := b.Case(42, i).Body.Encode(); !bytes.Equal(got, forward[i]) {
			t.Fatalf("case %d differs when made second time, in another order:\n%s\n%s", i, forward[i], got)
		}
	}
	if bytes.Equal(a.Case(42, 3).Body.Encode(), a.Case(43, 3).Body.Encode()) {
		t.Fatal("seeds 42 and 43 make the same case 3")
	}
}

func TestADescriptionWithAKeywordTheGeneratorIgnoresIsRefused(t *testing.T) {
	for _, doc := range []string{
		`{"type":"object","required":["model","messages"],"properties":{"model":{"type":"string"},"messages":{"type":"array","maxItems":3}}}`,
		`{"type":"object","properties":{"model":{"type":"string"},"messages":{}}}`,
		`{"type":"object","required":["model","prompt"],"properties":{"model":{"type":"string"},"messages":{"type":"array"}}}`,
	} {
		if _, err := ParseDescription([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

// description is the request schema compiled once for every test of the package.
var description = sync.OnceValues(func() (*gojsonschema.Schema, error) {
	raw, err := schemas.FS.ReadFile(DescriptionFile)
	if err != nil {
		return nil, err
	}
	return gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
})

func schemaErrors(t testing.TB, body []byte) []gojsonschema.ResultError {
	t.Helper()
	schema, err := description()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v: %s", err, Display(body))
	}
	res, err := schema.Validate(gojsonschema.NewGoLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return res.Errors()
}

// encodingDefects are what a strict reader finds wrong with the bytes themselves, each kind once.
func encodingDefects(t testing.TB, body []byte) []Broken {
	t.Helper()
	var out []Broken
	if !utf8.Valid(body) {
		out = append(out, InvalidUTF8)
	}
	if hasLoneSurrogate(body) {
		out = append(out, LoneSurrogate)
	}
	if hasDuplicateName(t, body) {
		out = append(out, DuplicateKey)
	}
	return out
}

func hasLoneSurrogate(b []byte) bool {
	s := string(b)
	for i := 0; i+6 <= len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		v := hexValue(s[i+2 : i+6])
		switch {
		case v >= 0xD800 && v < 0xDC00:
			if i+12 > len(s) || s[i+6:i+8] != `\u` || hexValue(s[i+8:i+12]) < 0xDC00 || hexValue(s[i+8:i+12]) > 0xDFFF {
				return true
			}
			i += 11
		case v >= 0xDC00 && v <= 0xDFFF:
			return true
		default:
			i += 5
		}
	}
	return false
}

func hexValue(h string) int {
	var v int
	_, err := fmt.Sscanf(h, "%04x", &v)
	if err != nil {
		return -1
	}
	return v
}

func hasDuplicateName(t testing.TB, body []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		names  map[string]bool
		key    bool // the next string is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if name, ok := tok.(string); ok && top != nil && top.object && top.key {
			if top.names[name] {
				return true
			}
			top.names[name] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, names: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}
