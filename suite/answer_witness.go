package suite

import (
	"bytes"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/witness"
)

// What an answer itself says of the upstream: read by the record phase, which asks the witness only of the
// answers that do not tell by themselves, and by the judge.

// markedByTheUpstream says whether an answer carries the upstream's marker, in its headers or its body: it is
// (or holds) the upstream's own answer, so the request reached the upstream.
func markedByTheUpstream(ex *exchange.Exchange) bool {
	r := ex.Response
	if r == nil {
		return false
	}
	return r.Header.Get(witness.MarkerHeader) != "" || bytes.Contains(r.Body, []byte(witness.Marker))
}

// relayed says whether an error answer carries the upstream's marker: the gateway passed on the upstream's
// own answer, body or headers.
func relayed(ex *exchange.Exchange) bool {
	return markedByTheUpstream(ex) && ex.Response.Status >= 400
}
