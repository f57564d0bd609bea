package negative

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// Minimise shrinks a body the target mishandles to the smallest it finds that fails still holds for: it
// deletes members and items, lifts deeply nested values up, and shortens strings, keeping each change that
// still fails, until none does or budget bodies have been tried. The value the rule is broken at (Site),
// the object it is broken in and a duplicate pair (Kept) are never deleted, so the smaller body breaks the
// same rule; only the broken value is shortened or lifted, never a valid one. It returns the smallest body and how many bodies it tried.
func Minimise(body *Node, fails func(*Node) bool, budget int) (*Node, int) {
	tried := 0
	for {
		better := false
		for _, e := range edits(body) {
			if tried == budget {
				return body, tried
			}
			c := e.apply(body)
			tried++
			if fails(c) {
				body, better = c, true
				break
			}
		}
		if !better {
			return body, tried
		}
	}
}

type op int

const (
	opDelete op = iota // delete member or item n of the node at path
	opHoist            // replace the node at path by its descendant n levels down
	opEmpty            // drop all of the string's text, keeping its raw pieces
	opHalve            // drop the second half of the string's text
)

// edit is one change to try: an operation on the node that path leads to (member or item indexes).
type edit struct {
	path []int
	op   op
	n    int
	size int // how many values the change removes, roughly: bigger changes are tried first
}

// edits are the changes worth trying on body, most promising first: deletions of big values, then lifts
// of nested values, then shorter strings.
func edits(body *Node) []edit {
	holds := map[*Node]bool{}
	holdsSite(body, holds)
	var dels, hoists, strs []edit
	var walk func(n *Node, path []int, inSite bool)
	walk = func(n *Node, path []int, inSite bool) {
		inSite = inSite || n.Site
		// Only the broken value's own nesting is lifted: lifting anything else would change the body's shape,
		// and with it the rule it breaks.
		if l := chain(n); l >= 2 && inSite && len(path) > 0 {
			for k := l / 2; k >= 1; k /= 2 {
				hoists = append(hoists, edit{path: slices.Clone(path), op: opHoist, n: k, size: k})
			}
			// The levels of a chain are lifted, never deleted one by one: go on from its far end.
			for range l {
				path = append(path, 0)
				n = child(n)
			}
		}
		for i, m := range n.Members {
			if !m.Kept && !holds[m.Value] {
				dels = append(dels, edit{path: slices.Clone(path), op: opDelete, n: i, size: m.Value.Count()})
			}
			walk(m.Value, append(slices.Clone(path), i), inSite)
		}
		for i, it := range n.Items {
			if !holds[it] {
				dels = append(dels, edit{path: slices.Clone(path), op: opDelete, n: i, size: it.Count()})
			}
			walk(it, append(slices.Clone(path), i), inSite)
		}
		// Only the broken value is shortened: a valid string made shorter ("user" to "u") would break
		// another rule.
		if n.Kind == String && !n.Fixed && inSite {
			if l := textLen(n); l > 0 {
				strs = append(strs, edit{path: slices.Clone(path), op: opEmpty, size: l})
				if l > 1 {
					strs = append(strs, edit{path: slices.Clone(path), op: opHalve, size: l / 2})
				}
			}
		}
	}
	walk(body, nil, false)
	bigFirst := func(a, b edit) int { return cmp.Compare(b.size, a.size) }
	slices.SortStableFunc(dels, bigFirst)
	slices.SortStableFunc(strs, bigFirst)
	return append(append(dels, hoists...), strs...)
}

// holdsSite marks every node that is or holds the rule's site, or a value kept for the rule.
func holdsSite(n *Node, holds map[*Node]bool) bool {
	h := n.Site || n.Kept
	for _, m := range n.Members {
		h = holdsSite(m.Value, holds) || h
	}
	for _, it := range n.Items {
		h = holdsSite(it, holds) || h
	}
	holds[n] = h
	return h
}

// chain is how many levels of single-child containers start at n: [[[1]]] is 2, as two levels can be lifted.
func chain(n *Node) int {
	l := 0
	for c := child(n); c != nil && (c.Kind == Array || c.Kind == Object); c = child(c) {
		l++
		n = c
	}
	return l
}

// child is a container's only value, or nil.
func child(n *Node) *Node {
	switch {
	case n.Kind == Array && len(n.Items) == 1:
		return n.Items[0]
	case n.Kind == Object && len(n.Members) == 1:
		return n.Members[0].Value
	}
	return nil
}

func textLen(n *Node) int {
	l := 0
	for _, p := range n.Text {
		if !p.Raw {
			l += len(p.Text)
		}
	}
	return l
}

// apply makes the edited copy of body.
func (e edit) apply(body *Node) *Node {
	c := body.Clone()
	n := c
	for _, i := range e.path {
		if n.Kind == Object {
			n = n.Members[i].Value
		} else {
			n = n.Items[i]
		}
	}
	switch e.op {
	case opDelete:
		if n.Kind == Object {
			n.Members = slices.Delete(n.Members, e.n, e.n+1)
		} else {
			n.Items = slices.Delete(n.Items, e.n, e.n+1)
		}
	case opHoist:
		d := n
		for range e.n {
			d = child(d)
		}
		site := n.Site || d.Site
		*n = *d
		n.Site = site
	case opEmpty, opHalve:
		keep := 0
		if e.op == opHalve {
			keep = textLen(n) / 2
		}
		n.Text = cutText(n.Text, keep)
	}
	return c
}

// cutText keeps the first keep bytes of a string's text, cut at a character's start, and every raw piece.
func cutText(pieces []Piece, keep int) []Piece {
	var out []Piece
	for _, p := range pieces {
		if p.Raw {
			out = append(out, p)
			continue
		}
		t := p.Text
		if len(t) > keep {
			cut := keep
			for cut > 0 && !utf8.RuneStart(t[cut]) {
				cut--
			}
			t = t[:cut]
		}
		keep -= len(t)
		if t != "" {
			out = append(out, Piece{Text: t})
		}
	}
	return out
}
