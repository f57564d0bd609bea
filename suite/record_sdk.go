package suite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/internal/witness"
)

// sdkOracle names the official SDK the CLIENT requirements are judged through, at the version go.mod pins:
// a test holds the two together, so a report never names a version it did not run.
const sdkOracle = "openai-go v3.98.0"

// sdkDefaultRetries and sdkMaxRetryAfter are openai-go's own retry policy: two retries, and a Retry-After
// honoured up to two minutes, past which it gives up at once rather than wait.
const (
	sdkDefaultRetries = 2
	sdkMaxRetryAfter  = 2 * time.Minute
)

// sdkCall is one call of openai-go: every attempt it sent, each an exchange recorded like any other, and
// what the call returned: an *openai.Error, another error, or nil for an answer it took as a success.
type sdkCall struct {
	attempts []*exchange.Exchange
	err      error
	// stopped says why the suite called the SDK off before it was done; "" when it was not.
	stopped string
}

// sdkExpresses says whether openai-go can send the scenario's request as the suite sends it, and the
// scenario expects an error of the documented API for the SDK to surface: a chat completion with any body,
// sent raw, or the model list, either with any Authorization. Not the 16 MiB body, which the SDK would hold
// whole and REQ-9 judges; not the burst, whose key's state one more request would change; not the routes
// and answers the page leaves open.
func sdkExpresses(sc scenario.Scenario) bool {
	x := sc.Expect
	if !x.IsError() || x.PairingOnly || x.LeakOnly || sc.Burst || sc.EachModel || sc.Generated != nil {
		return false
	}
	r := sc.Request
	switch {
	case r.Method == http.MethodPost && r.Path == "/chat/completions":
		return r.HasBody() && r.OversizedBytes == 0
	case r.Method == http.MethodGet && r.Path == "/models":
		return !r.HasBody()
	}
	return false
}

// askSDK sends the scenario's request once more through openai-go, as an application would: with no
// retries, for the error CLIENT-1 judges, and, where the scenario asks (sdk_retry), with the SDK's default
// retry policy, whose attempts CLIENT-2 counts.
func (t *Target) askSDK(ctx context.Context, sc scenario.Scenario, s *sent) {
	if s.skip != "" || s.first == nil || !sdkExpresses(sc) {
		return
	}
	if sc.Expect.WithinUpstreamTimeout && len(s.exs) > 0 && s.exs[0].Err != nil {
		// A gateway that held the request past its deadline would hold the SDK's copy as long, for an
		// answer CLIENT-1 could not read either: the status spec reports the silence once.
		s.sdk = &sdkCall{err: fmt.Errorf("its copy was not sent: the request itself got no answer within its deadline (%v)", s.exs[0].Err)}
		return
	}
	ctx = t.scenarioDeadline(ctx, sc)
	s.sdk = t.viaSDK(ctx, *s.first, false)
	if sc.SDKRetry {
		// Against the reference, whose 503 says Retry-After: 1, the default policy costs two waits of a
		// second, in this worker while the others go on; a 400 or 401 costs nothing more when it is sent once.
		s.sdkRetry = t.viaSDK(ctx, *s.first, true)
	}
}

// viaSDK sends the request through openai-go with a nonce of its own, with the SDK's default retry policy
// or none. The SDK is built from its services' own constructors, not openai.NewClient, which reads
// OPENAI_API_KEY, OPENAI_ORG_ID and OPENAI_CUSTOM_HEADERS from the environment: the runner's own OpenAI
// credentials must never reach the target.
func (t *Target) viaSDK(ctx context.Context, r request, retries bool) *sdkCall {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	call := &sdkCall{}
	nonce := witness.NewNonce()
	h := r.header.Clone()
	h.Set(witness.NonceHeader, nonce)
	tr := &sdkTransport{t: t, sc: r.sc, call: call, retries: retries, cancel: cancel}
	opts := []option.RequestOption{
		option.WithBaseURL(t.client.BaseURL),
		option.WithHTTPClient(&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}),
	}
	if !retries {
		opts = append(opts, option.WithMaxRetries(0))
	}
	opts = append(opts, sdkHeaders(h)...)
	var err error
	if r.sc.Request.Method == http.MethodGet {
		models := openai.NewModelService(opts...)
		_, err = models.List(ctx)
	} else {
		body, _ := t.Scenarios.Body(r.sc, withVar(r.vars, scenario.NonceVar, nonce)) // send has built it once
		raw := option.WithRequestBody(h.Get("Content-Type"), body.Head())
		chat := openai.NewChatCompletionService(opts...)
		_, err = chat.New(ctx, openai.ChatCompletionNewParams{}, raw)
	}
	call.err = err
	return call
}

// sdkHeaders are the request's own headers as the SDK's options: the credential exactly as the scenario
// presents it (none at all, an empty value, another scheme), the run's extra headers, a trigger's header
// and the nonce. The SDK's own Authorization is never sent; it keeps its own User-Agent and Accept, and
// the Content-Type comes with the body.
func sdkHeaders(h http.Header) []option.RequestOption {
	opts := []option.RequestOption{option.WithHeaderDel("Authorization")}
	for _, name := range sortedKeys(h) {
		switch http.CanonicalHeaderKey(name) {
		case "User-Agent", "Accept", "Content-Type":
			continue
		}
		for i, v := range h[name] {
			if i == 0 {
				opts = append(opts, option.WithHeader(name, v))
			} else {
				opts = append(opts, option.WithHeaderAdd(name, v))
			}
		}
	}
	return opts
}

// sdkTransport carries openai-go's attempts, which the SDK makes one after another: each is one exchange
// through the run's own client, in a slot like any other request, under the same deadlines, recorded, and
// answered to the SDK from the record (the first MiB of the body, as every answer is kept).
type sdkTransport struct {
	t       *Target
	sc      scenario.Scenario
	call    *sdkCall
	retries bool
	cancel  context.CancelFunc
}

func (tr *sdkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body exchange.Body
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = exchange.Bytes(b)
	}
	path, ok := strings.CutPrefix(req.URL.String(), tr.t.client.BaseURL)
	if !ok {
		return nil, fmt.Errorf("openai-go asked for %s, outside the target's base URL %s", req.URL, tr.t.client.BaseURL)
	}
	ex := tr.t.exchange(req.Context(), req.Method, path, req.Header, body)
	tr.call.attempts = append(tr.call.attempts, ex)
	if ex.Err != nil {
		return nil, ex.Err
	}
	if tr.retries && len(tr.call.attempts) <= sdkDefaultRetries {
		if why := tr.t.sdkWait(tr.sc, ex); why != "" {
			tr.call.stopped = why
			tr.cancel()
		}
	}
	r := ex.Response
	h := r.Header.Clone()
	if r.CodingErr == nil && r.Coding != "" {
		// The body handed on is the decoded one, as Go's own transport hands it on.
		h.Del("Content-Encoding")
		h.Del("Content-Length")
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)),
		StatusCode:    r.Status,
		Proto:         r.Proto,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(r.Body)),
		ContentLength: int64(len(r.Body)),
		Request:       req,
	}, nil
}

// sdkWait bounds the waits the SDK makes between attempts as the suite bounds its own: one for a
// Retry-After longer than the suite waits (maxRetryAfter), yet within the SDK's bound, calls the SDK off
// and says why; a long one is announced as it starts. Past the SDK's bound there is no wait: it gives up.
func (t *Target) sdkWait(sc scenario.Scenario, ex *exchange.Exchange) (stop string) {
	if !scenario.Transient(ex.Response.Status) {
		return ""
	}
	ra, ok := retryAfter(ex.Response.Header.Get("Retry-After"), time.Now())
	switch {
	case !ok || ra <= LongWait || ra > sdkMaxRetryAfter:
		return ""
	case ra > maxRetryAfter:
		return fmt.Sprintf("openai-go was called off before retrying: it would have waited Retry-After %s, longer than the suite waits (%s)", ra.Round(time.Second), maxRetryAfter)
	}
	if t.announce != nil {
		t.announce(fmt.Sprintf("waiting Retry-After %s, as openai-go does, before it retries %s", ra.Round(time.Second), sc.Name()))
	}
	return ""
}
