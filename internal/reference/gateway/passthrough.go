package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// passThrough is the gateway real pass-through proxies are: it forwards a chat completion as it came, with
// no key checked, no body validated and no limit applied. It only swaps a listed model's public id for its
// upstream id, which the upstream needs to serve it at all. A success is relayed; an upstream failure is
// still an upstream_error, as the gateway's own proxy answers it.
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
	forwarded, entry := withUpstreamModel(g, head)
	var body io.Reader = bytes.NewReader(forwarded)
	if len(head) > passThroughParsed {
		body = io.MultiReader(bytes.NewReader(head), r.Body)
	}
	// A listed model's own upstream timeout, as the gateway's proxy has it; any other body (an unknown
	// model, a malformed one) the upstream refuses at once, so it waits for that answer however long a
	// busy machine takes to give it.
	ctx, cancel := r.Context(), context.CancelFunc(func() {})
	if entry != nil && g.timeoutFor(entry) < forever {
		ctx, cancel = context.WithTimeout(ctx, g.timeoutFor(entry))
	}
	defer cancel()
	up, err := http.NewRequestWithContext(ctx, http.MethodPost, g.upstreamURL+"/chat/completions", body)
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

// withUpstreamModel is body with a listed model's public id swapped for its upstream id, and that model's
// entry; any other body, malformed ones included, goes as it came, with no entry.
func withUpstreamModel(g *Gateway, body []byte) ([]byte, *catalogueEntry) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return body, nil
	}
	var id string
	if json.Unmarshal(members["model"], &id) != nil {
		return body, nil
	}
	m, ok := g.models.byID[id]
	if !ok {
		return body, nil
	}
	members["model"], _ = json.Marshal(m.UpstreamID)
	out, err := json.Marshal(members)
	if err != nil {
		return body, nil
	}
	return out, m
}
