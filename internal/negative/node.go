package negative

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Kind is a node's JSON kind.
type Kind int

const (
	Object Kind = iota
	Array
	String
	Literal // a number, true, false or null, written as its text
)

// Node is a JSON value as the generator writes it, able to hold what encoding/json cannot: an object with
// a member twice, a string with bytes that are not UTF-8 or a lone surrogate escape, a number past any
// float64.
type Node struct {
	Kind    Kind
	Members []Member // Object, in order; a name may repeat
	Items   []*Node  // Array
	Text    []Piece  // String
	Raw     string   // Literal
	// Site marks the value the rule is broken at: the shrinker never deletes it, only shortens it.
	Site bool
	// Kept marks a value that is never deleted though it is not what is broken: the object a required
	// member is missing from, or that names a member twice.
	Kept bool
	// Fixed marks a string that is never shortened: the model id, as another id would be another model.
	Fixed bool
}

// Member is one name and value of an object. Kept members are never deleted: a duplicate pair.
type Member struct {
	Name  string
	Value *Node
	Kept  bool
}

// Piece is part of a string: text, escaped as JSON wants, or raw bytes written as they are (an escape such
// as \ud800, or bytes that are not UTF-8).
type Piece struct {
	Text string
	Raw  bool
}

func obj(members ...Member) *Node        { return &Node{Kind: Object, Members: members} }
func arr(items ...*Node) *Node           { return &Node{Kind: Array, Items: items} }
func str(s string) *Node                 { return &Node{Kind: String, Text: []Piece{{Text: s}}} }
func lit(raw string) *Node               { return &Node{Kind: Literal, Raw: raw} }
func member(name string, v *Node) Member { return Member{Name: name, Value: v} }

// Encode writes the node as compact JSON, byte for byte what is sent.
func (n *Node) Encode() []byte {
	var b bytes.Buffer
	n.encode(&b)
	return b.Bytes()
}

func (n *Node) encode(b *bytes.Buffer) {
	switch n.Kind {
	case Object:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.Name)
			b.WriteByte(':')
			m.Value.encode(b)
		}
		b.WriteByte('}')
	case Array:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.encode(b)
		}
		b.WriteByte(']')
	case String:
		b.WriteByte('"')
		for _, p := range n.Text {
			if p.Raw {
				b.WriteString(p.Text)
				continue
			}
			escape(b, p.Text)
		}
		b.WriteByte('"')
	case Literal:
		b.WriteString(n.Raw)
	}
}

func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	escape(b, s)
	b.WriteByte('"')
}

// escape writes s as the inside of a JSON string: quotes, backslashes and control characters escaped,
// everything else as it is.
func escape(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
}

// Clone copies the node deeply.
func (n *Node) Clone() *Node {
	c := *n
	if n.Members != nil {
		c.Members = make([]Member, len(n.Members))
		for i, m := range n.Members {
			c.Members[i] = Member{Name: m.Name, Value: m.Value.Clone(), Kept: m.Kept}
		}
	}
	if n.Items != nil {
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.Clone()
		}
	}
	if n.Text != nil {
		c.Text = append([]Piece{}, n.Text...)
	}
	return &c
}

// get is the value of the object's last member of that name (the one a last-wins parser keeps), or nil.
func (n *Node) get(name string) *Node {
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Name == name {
			return n.Members[i].Value
		}
	}
	return nil
}

// set replaces the value of the object's member of that name, or appends it.
func (n *Node) set(name string, v *Node) {
	for i := range n.Members {
		if n.Members[i].Name == name {
			n.Members[i].Value = v
			return
		}
	}
	n.Members = append(n.Members, member(name, v))
}

// remove deletes the object's members of that name.
func (n *Node) remove(name string) {
	out := n.Members[:0]
	for _, m := range n.Members {
		if m.Name != name {
			out = append(out, m)
		}
	}
	n.Members = out
}

// Count is how many values the node holds, itself included: the size the shrinker makes smaller.
func (n *Node) Count() int {
	c := 1
	for _, m := range n.Members {
		c += m.Value.Count()
	}
	for _, it := range n.Items {
		c += it.Count()
	}
	return c
}

// Display is the body for a person to read: bytes that are not UTF-8 shown as \xNN, the rest as sent.
func Display(body []byte) string {
	if utf8.Valid(body) {
		return string(body)
	}
	var b bytes.Buffer
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		if r == utf8.RuneError && size <= 1 {
			b.WriteString(`\x` + strconv.FormatUint(uint64(body[0])|0x100, 16)[1:])
			body = body[1:]
			continue
		}
		b.Write(body[:size])
		body = body[size:]
	}
	return b.String()
}
