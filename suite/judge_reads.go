package suite

import (
	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/report"
)

// reads is what a check reads of an error answer beyond its status. An answer that lacks it cannot be
// judged by the check, and the requirement its lack breaks is to blame: the check's own requirements are
// blocked by that requirement (REQUIREMENTS.md, "How a failure is charged"), never met and never charged
// again.
type reads int

const (
	readsStatus      reads = iota // nothing of the body: never blocked
	readsErrorObject              // the error object: blocked by ENV-1 without it
	readsErrorType                // the error object and its string error.type: blocked by ENV-1 or ENV-3
	// readsErrorMessage is the error object and its string error.message (ENV-10 judges its words): blocked
	// by ENV-1 or ENV-2, which owns "is a string".
	readsErrorMessage
)

// unjudged says why the check makes no judgement of this evidence: a skip's reason when it does not apply,
// or the block when the answer lacks what it reads; both empty when it judges. Specs and tests ask it alike.
func (c check) unjudged(e evidence) (string, *report.Block) {
	if c.applies != nil {
		if why := c.applies(e); why != "" {
			return why, nil
		}
	}
	if b := c.reads.lack(e); b != nil {
		return b.String(), b
	}
	return "", nil
}

// lack is what the first answer lacks of what the check reads, with the requirement that lack breaks; nil
// when it has everything, or when there is no answer (the status spec judges silence).
func (rd reads) lack(e evidence) *report.Block {
	if rd == readsStatus {
		return nil
	}
	r, err := e.answer()
	if err != nil {
		return nil
	}
	if !hasErrorObject(r) {
		return &report.Block{By: "ENV-1", Lack: "no error object"}
	}
	switch rd {
	case readsErrorType:
		if b := stringMember(r, "type", "ENV-3"); b != nil {
			return b
		}
		if v, _ := member(r, "type"); v == "" {
			// ENV-3 wants a non-empty string: an empty one discriminates nothing, as no type does, and is
			// charged once, to ENV-3, like a missing one.
			return &report.Block{By: "ENV-3", Lack: "an empty error.type"}
		}
	case readsErrorMessage:
		return stringMember(r, "message", "ENV-2")
	}
	return nil
}

// stringMember blocks on the requirement owning a member of the error object when it is absent or no string.
func stringMember(r *exchange.Response, name, owner string) *report.Block {
	switch v, ok := member(r, name); {
	case !ok:
		return &report.Block{By: owner, Lack: "no error." + name}
	case !isString(v):
		return &report.Block{By: owner, Lack: "an error." + name + " that is not a string"}
	}
	return nil
}
