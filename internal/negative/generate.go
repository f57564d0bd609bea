package negative

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Generator makes a run's invalid bodies: the rules of the description that a body for the model can
// break, and a valid body for each case to break one of them in.
type Generator struct {
	desc  *Schema
	model string
	rules []Rule
	// decorations are the optional parameters a valid body may carry: those the model lists as supported.
	decorations []string
}

// New makes the generator for a model. supported are the parameters the model lists; nil means it lists
// none, so every described parameter may be broken but none decorates a valid body.
func New(desc *Schema, model string, supported []string) *Generator {
	use := func(p string) bool { return supported == nil || slices.Contains(supported, p) }
	g := &Generator{desc: desc, model: model, rules: rules(desc, use)}
	if supported != nil {
		for _, name := range desc.names() {
			if !slices.Contains(desc.Required, name) && use(name) {
				g.decorations = append(g.decorations, name)
			}
		}
	}
	return g
}

// Rules are every rule a case may break, in the order cases take them.
func (g *Generator) Rules() []Rule { return slices.Clone(g.rules) }

// Case is one generated body and the one rule it breaks.
type Case struct {
	Seed  uint64
	Index int
	Rule  Rule
	// What says, for a person, how the rule is broken: `messages[1].role is 7, a number`.
	What string
	Body *Node
}

// Case makes case index of seed. It depends on nothing else, so a run makes the same bodies in any order,
// at any concurrency, and --negative-replay SEED:INDEX makes the one it names. Case i breaks rule i modulo
// the number of rules, so any run of at least that many cases breaks every rule.
func (g *Generator) Case(seed uint64, index int) Case {
	r := rand.New(rand.NewPCG(seed, uint64(index)))
	rl := g.rules[index%len(g.rules)]
	body := g.valid(r)
	c := Case{Seed: seed, Index: index, Rule: rl}
	c.Body, c.What = g.breakRule(r, body, rl)
	return c
}

// userTexts and systemTexts are what valid turns say: short, plain, and nothing a gateway would refuse.
var (
	userTexts   = []string{"Say hello.", "What is two plus two?", "Name a colour.", "Reply with one word.", "Count to three."}
	systemTexts = []string{"You are terse.", "Answer in English.", "Be brief."}
)

// valid is a body that breaks no rule: the model, one to three system and user turns, and some of the
// optional parameters the model supports, each with a value in range.
func (g *Generator) valid(r *rand.Rand) *Node {
	msgs := arr()
	if r.IntN(3) == 0 {
		msgs.Items = append(msgs.Items, turn("system", pick(r, systemTexts)))
	}
	for range 1 + r.IntN(2) {
		msgs.Items = append(msgs.Items, turn("user", pick(r, userTexts)))
	}
	model := str(g.model)
	model.Fixed = true // another id would be another model: never shortened
	body := obj(member("model", model), member("messages", msgs))
	for _, name := range g.decorations {
		if r.IntN(4) == 0 {
			body.Members = append(body.Members, member(name, validValue(r, name, g.desc.Properties[name])))
		}
	}
	return body
}

func turn(role, text string) *Node {
	return obj(member("role", str(role)), member("content", str(text)))
}

// validValue is a value the schema takes, kept cheap where it costs: n of 1 or 2, a few tokens, no stream.
func validValue(r *rand.Rand, name string, s *Schema) *Node {
	switch {
	case s.numeric() == "integer":
		lo, hi := int64(0), int64(1_000_000)
		if s.Minimum != nil {
			lo, _ = s.Minimum.Int64()
			hi = lo + 63
		}
		if s.Maximum != nil {
			m, _ := s.Maximum.Int64()
			hi = min(m, lo+1)
		}
		return lit(strconv.FormatInt(lo+r.Int64N(hi-lo+1), 10))
	case s.numeric() == "number":
		lo, hi := 0.0, 1.0
		if s.Minimum != nil {
			lo, _ = s.Minimum.Float64()
		}
		if s.Maximum != nil {
			hi, _ = s.Maximum.Float64()
		}
		return lit(strconv.FormatFloat(math.Round((lo+r.Float64()*(hi-lo))*100)/100, 'f', -1, 64))
	case len(s.Enum) > 0:
		return str(pick(r, []string{"system", "user"})) // the roles a valid body's turns take
	case s.Allows("boolean"):
		return lit("false")
	case s.Allows("string"):
		if name == "stop" {
			return str(pick(r, []string{"END", "STOP", "\n\n"}))
		}
		return str(fmt.Sprintf("gwconform-%d", r.IntN(1000)))
	}
	return lit("null")
}

// breakRule breaks rl in body and says how.
func (g *Generator) breakRule(r *rand.Rand, body *Node, rl Rule) (*Node, string) {
	s, err := schemaAt(g.desc, rl.Path)
	if err != nil {
		panic(err) // rules come from the description: a path it lacks is a bug here
	}
	switch rl.Broken {
	case NotObject:
		return notObject(r, body)
	case DuplicateKey:
		return duplicate(r, g.desc, body, rl.Path)
	}
	at := locate(r, body, rl.Path)
	switch rl.Broken {
	case Missing:
		at.remove()
		at.owner.Kept = true
		return body, at.where + " is missing"
	case InvalidUTF8, LoneSurrogate:
		v := at.get()
		if v == nil || v.Kind != String {
			v = validValue(r, at.name, s)
			at.set(v)
		}
		v.Site = true
		piece, says := badText(r, rl.Broken)
		text := v.Text[0].Text
		cut := r.IntN(len(text) + 1)
		v.Text = []Piece{{Text: text[:cut]}, piece, {Text: text[cut:]}}
		return body, at.where + " holds " + says
	}
	v, says := badValue(r, rl.Broken, s)
	v.Site = true
	at.set(v)
	return body, at.where + " is " + says
}

// slot is where a path leads in a body: a member of an object, or an item of an array.
type slot struct {
	owner *Node
	name  string // of a member
	index int    // of an item
	where string // as a person reads it: messages[1].role
}

func (s slot) get() *Node {
	if s.owner.Kind == Array {
		return s.owner.Items[s.index]
	}
	return s.owner.get(s.name)
}

func (s slot) set(v *Node) {
	if s.owner.Kind == Array {
		s.owner.Items[s.index] = v
		return
	}
	s.owner.set(s.name, v)
}

func (s slot) remove() { s.owner.remove(s.name) }

// locate follows a path in a body, picking one item wherever it crosses an array.
func locate(r *rand.Rand, body *Node, path string) slot {
	at := slot{owner: body}
	var where []string
	for _, seg := range strings.Split(path, ".") {
		if at.owner.Kind == Array {
			at.owner = at.owner.Items[at.index]
		} else if at.name != "" {
			at.owner = at.owner.get(at.name)
		}
		name, items := strings.CutSuffix(seg, "[]")
		at.name = name
		if !items {
			where = append(where, name)
			continue
		}
		list := at.owner.get(name)
		at = slot{owner: list, index: r.IntN(len(list.Items))}
		where = append(where, fmt.Sprintf("%s[%d]", name, at.index))
	}
	at.where = strings.Join(where, ".")
	return at
}
