package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// passThrough is the gateway real pass-through proxies are: it forwards a chat completion as it came, with
// no key checked, no body validated and no limit applied, not even a timeout. It only swaps a listed
// model's public id for its upstream id, which the upstream needs to serve it at all. A success is
// relayed; an upstream failure is still an upstream_error, as the gateway's own proxy answers it.
func passThrough(g *Gateway, w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
		return false
	}
	// A body too long to be an ordinary request streams through untouched, as a proxy sends it on.
	head, err := io.ReadAll(io.LimitReader(r.Body, passThroughParsed+1))
	if err != nil {
		g.writeError(w, r, newError(http.StatusBadRequest, TypeInvalidRequest, ReasonUnreadableBody, "The request body could not be read."))
		return true
	}
	forwarded := withUpstreamModel(g, head)
	var body io.Reader = bytes.NewReader(forwarded)
	if len(head) > passThroughParsed {
		body = io.MultiReader(bytes.NewReader(head), r.Body)
	}
	// No upstream timeout either, as a bare proxy has none: a stalled upstream holds the client until it
	// gives up. With one, whether a stalled upstream's 200 headers beat it would decide UP-3, and a busy
	// machine would decide that.
	up, err := http.NewRequestWithContext(r.Context(), http.MethodPost, g.upstreamURL+"/chat/completions", body)
	if err != nil {
		g.writeError(w, r, internalError())
		return true
	}
	up.Header = r.Header.Clone()
	up.Header.Del("Authorization")
	if g.upstreamKey != "" {
		up.Header.Set("Authorization", "Bearer "+g.upstreamKey)
	}
	resp, err := g.streamClient.Do(up)
	if err != nil {
		g.writeError(w, r, upstreamFailure(err))
		return true
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		g.writeError(w, r, upstreamStatusError(resp.Body))
		return true
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
	return true
}

// passThroughParsed is the most of a body the pass-through reads to swap its model id.
const passThroughParsed = 1 << 20

// withUpstreamModel is body with a listed model's public id swapped for its upstream id; any other body,
// malformed ones included, goes as it came.
func withUpstreamModel(g *Gateway, body []byte) []byte {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return body
	}
	var id string
	if json.Unmarshal(members["model"], &id) != nil {
		return body
	}
	m, ok := g.models.byID[id]
	if !ok {
		return body
	}
	members["model"], _ = json.Marshal(m.UpstreamID)
	out, err := json.Marshal(members)
	if err != nil {
		return body
	}
	return out
}
