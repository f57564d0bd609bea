package suite

import (
	"fmt"
	"slices"
)

// witnessed applies a check only when the upstream's witness said something of every answer judged, or an
// answer carries the upstream's marker, which tells by itself.
func witnessed(e evidence) string {
	if e.witness == "" {
		return "needs upstream.witness in the profile: only the upstream can tell whether a request reached it"
	}
	if slices.ContainsFunc(e.exs, markedByTheUpstream) {
		return ""
	}
	for _, ex := range e.exs {
		sg, ok := e.seen[ex]
		if !ok {
			return "cannot tell: the request carried no nonce, and the answer no marker of the upstream's"
		}
		if sg.err != nil {
			return "cannot tell: " + sg.String()
		}
	}
	return ""
}

// checkNotForwarded fails a request the witness saw reach the upstream, or whose answer is the upstream's
// own: a gateway that drops the nonce's header, or rewrites the prompt, hides a request from the witness,
// never the upstream's marker it passes on.
func checkNotForwarded(e evidence) error {
	for _, ex := range e.exs {
		if sg := e.seen[ex]; sg.Reached {
			return fmt.Errorf("forwarded to the upstream: %s", sg)
		}
		if markedByTheUpstream(ex) {
			return fmt.Errorf("forwarded to the upstream: the answer (%d) carries the upstream's own marker, so the request reached it, though its witness did not see the request's nonce (the gateway dropped or rewrote it)", ex.Response.Status)
		}
	}
	return nil
}
