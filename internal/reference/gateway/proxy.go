package gateway

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gwconform/gwconform/internal/witness"
)

const (
	// maxUpstreamBody bounds a non-streamed completion; beyond it the
	// upstream is misbehaving.
	maxUpstreamBody = 16 << 20
	// maxEventLine bounds one line of an upstream event stream.
	maxEventLine = 1 << 20
	// maxUpstreamErrorBody is as much of an upstream's error body as is
	// kept; it is never shown, so a little is plenty.
	maxUpstreamErrorBody = 4 << 10
)

func upstreamClients(timeout time.Duration) (*http.Client, *http.Client) {
	var transport *http.Transport
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		transport = t.Clone()
	} else {
		transport = &http.Transport{}
	}
	// A redirect would send the upstream key somewhere unplanned; it is an
	// upstream failure like any other non-2xx.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: noRedirect},
		&http.Client{Transport: transport, CheckRedirect: noRedirect}
}

// upstreamError is deliberately vague: the upstream's host, status and body
// are its own business and may hold secrets.
func upstreamError(reason Reason) *APIError {
	msg, code := "The upstream provider is unavailable. Retry with backoff.", "upstream_unavailable"
	switch reason {
	case ReasonUpstreamTimeout:
		msg, code = "The upstream provider timed out. Retry with backoff.", "upstream_timeout"
	case ReasonUpstreamStatus:
		msg, code = "The upstream provider returned an error. Retry with backoff.", "upstream_failed"
	case ReasonUpstreamBadResponse:
		msg, code = "The upstream provider returned an invalid response. Retry with backoff.", "upstream_invalid_response"
	}
	return newError(http.StatusBadGateway, TypeUpstream, reason, msg).withCode(code)
}

func upstreamFailure(err error) *APIError {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return upstreamError(ReasonUpstreamTimeout)
	}
	return upstreamError(ReasonUpstreamUnreachable)
}

// upstreamRequest swaps in the upstream's model id and key; nulls are
// dropped because the gateway already read them as "use the default". Of
// the client's headers only the nonce goes along, as pass-through gateways
// forward headers they do not know: the upstream's witness reads it.
func (g *Gateway) upstreamRequest(ctx context.Context, in http.Header, req *chatRequest) (*http.Request, *APIError) {
	base, apiErr := g.route(req.model)
	if apiErr != nil {
		return nil, apiErr
	}
	members := make(map[string]any, len(req.members))
	for k, v := range req.members {
		if v != nil {
			members[k] = v
		}
	}
	members["model"] = req.model.UpstreamID
	body, err := marshal(members)
	if err != nil {
		return nil, internalError()
	}
	up, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, internalError()
	}
	up.Header.Set("Content-Type", "application/json")
	if req.stream {
		up.Header.Set("Accept", "text/event-stream")
	} else {
		up.Header.Set("Accept", "application/json")
	}
	if g.upstreamKey != "" {
		up.Header.Set("Authorization", "Bearer "+g.upstreamKey)
	}
	for _, v := range in.Values(witness.NonceHeader) {
		up.Header.Add(witness.NonceHeader, v)
	}
	return up, nil
}

// route is the provider a model's requests go to. A per-model URL is
// checked here, where it is used, because New leaves it alone (see
// Model.UpstreamURL); a bad one is the gateway's fault, not the client's or
// the upstream's.
func (g *Gateway) route(m *catalogueEntry) (string, *APIError) {
	if m.UpstreamURL == "" {
		return g.upstreamURL, nil
	}
	base, err := upstreamBase(m.UpstreamURL)
	if err != nil {
		return "", internalError()
	}
	return base, nil
}

// upstreamStatusError keeps the upstream's own body beside the error for
// the leak-upstream-body defect only; the envelope never shows it.
func upstreamStatusError(body io.Reader) *APIError {
	e := upstreamError(ReasonUpstreamStatus)
	e.upstreamBody, _ = io.ReadAll(io.LimitReader(body, maxUpstreamErrorBody))
	return e
}

// timeoutFor is how long the model's upstream exchanges may take.
func (g *Gateway) timeoutFor(m *catalogueEntry) time.Duration {
	return cmp.Or(m.UpstreamTimeout, g.timeout)
}

func (g *Gateway) proxy(w http.ResponseWriter, r *http.Request, acct *account, req *chatRequest) {
	ctx, client := r.Context(), g.client
	if req.model.UpstreamTimeout > 0 {
		// The model's own bound, in place of the one g.client carries.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.model.UpstreamTimeout)
		defer cancel()
		client = g.streamClient
	}
	up, apiErr := g.upstreamRequest(ctx, r.Header, req)
	if apiErr != nil {
		g.writeError(w, r, apiErr)
		return
	}
	resp, err := client.Do(up)
	if err != nil {
		g.writeError(w, r, upstreamFailure(err))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		g.writeError(w, r, upstreamStatusError(resp.Body))
		return
	}
	if apiErr := verify(req.model, resp.Header); apiErr != nil {
		g.writeError(w, r, apiErr)
		return
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	if err != nil {
		g.writeError(w, r, upstreamFailure(err))
		return
	}
	completion, ok := parseCompletion(data)
	if len(data) > maxUpstreamBody || !ok {
		g.writeError(w, r, upstreamError(ReasonUpstreamBadResponse))
		return
	}
	completion["model"] = req.model.ID
	if req.model.Confidential {
		// verify has let the answer through only on the upstream's proof: the client is told so.
		completion["upstream"] = map[string]any{"verified": map[string]any{"result": attestationVerified}}
	}
	acct.charge(totalTokens(completion))
	w.Header().Set("x-receipt-id", newReceiptID())
	writeJSON(w, http.StatusOK, completion)
}

// parseCompletion accepts what an OpenAI client could read as a chat
// completion; an error object or stray HTML wearing a 2xx is refused.
func parseCompletion(data []byte) (map[string]any, bool) {
	obj, err := parseObject(data)
	if err != nil {
		return nil, false
	}
	if _, ok := obj["choices"].([]any); !ok {
		return nil, false
	}
	if kind, present := obj["object"]; present && kind != "chat.completion" {
		return nil, false
	}
	return obj, true
}

func totalTokens(obj map[string]any) int64 {
	usage, _ := obj["usage"].(map[string]any)
	n, _ := usage["total_tokens"].(json.Number)
	total, _ := n.Int64()
	return total
}

func newReceiptID() string { return "rcpt-" + rand.Text() }

// proxyStream relays the upstream's events as they arrive. The 200 is sent
// only with the upstream's first line: until then a failure is still an
// ordinary JSON error with its own status (STREAM-1), after it only a final
// error event (STREAM-2).
func (g *Gateway) proxyStream(w http.ResponseWriter, r *http.Request, acct *account, req *chatRequest) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var timedOut atomic.Bool
	timeout := g.timeoutFor(req.model)
	watchdog := time.AfterFunc(timeout, func() {
		timedOut.Store(true)
		cancel()
	})
	defer watchdog.Stop()
	fail := func(err error) *APIError {
		if timedOut.Load() {
			return upstreamError(ReasonUpstreamTimeout)
		}
		return upstreamFailure(err)
	}

	up, apiErr := g.upstreamRequest(ctx, r.Header, req)
	if apiErr != nil {
		g.writeError(w, r, apiErr)
		return
	}
	resp, err := g.streamClient.Do(up)
	if err != nil {
		g.writeError(w, r, fail(err))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		g.writeError(w, r, upstreamStatusError(resp.Body))
		return
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		g.writeError(w, r, upstreamError(ReasonUpstreamBadResponse))
		return
	}
	if apiErr := verify(req.model, resp.Header); apiErr != nil {
		g.writeError(w, r, apiErr)
		return
	}
	watchdog.Reset(timeout)

	flush := http.NewResponseController(w).Flush
	committed := false
	commit := func() {
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		h.Set("x-receipt-id", newReceiptID())
		w.WriteHeader(http.StatusOK)
		committed = true
	}

	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	var tokens int64
	done, openEvent := false, false
	for lines.Scan() {
		watchdog.Reset(timeout)
		if !committed {
			commit()
		}
		line := lines.Bytes()
		if payload, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			payload = bytes.TrimSpace(payload)
			if string(payload) == "[DONE]" {
				done = true
			} else if chunk, n, ok := rewriteChunk(payload, req.model.ID); ok {
				line = append([]byte("data: "), chunk...)
				tokens = max(tokens, n)
			}
		}
		out := make([]byte, 0, len(line)+1)
		if _, err := w.Write(append(append(out, line...), '\n')); err != nil {
			return
		}
		openEvent = len(line) > 0
		if !openEvent {
			_ = flush()
			if done {
				break
			}
		}
	}
	if openEvent {
		// Events end with a blank line; an upstream that forgot it must not
		// leave the client's parser waiting for more.
		_, _ = w.Write([]byte("\n"))
	}
	if !done {
		apiErr := upstreamError(ReasonUpstreamBadResponse)
		if err := lines.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
			apiErr = fail(err)
		}
		g.writeError(w, r, apiErr)
		return
	}
	_ = flush()
	acct.charge(tokens)
}

// rewriteChunk gives a chunk the public model id, so that a stream names
// the same model as a non-streamed answer, and reads usage when present.
func rewriteChunk(payload []byte, model string) ([]byte, int64, bool) {
	chunk, err := parseObject(payload)
	if err != nil {
		return nil, 0, false
	}
	if _, ok := chunk["model"]; ok {
		chunk["model"] = model
	}
	out, mErr := marshal(chunk)
	if mErr != nil {
		return nil, 0, false
	}
	return out, totalTokens(chunk), true
}
