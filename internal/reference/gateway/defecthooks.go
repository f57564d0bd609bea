package gateway

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
)

// This file holds what the defects of the defects_*.go files share: encoders, body
// peeking, and the writers their middleware needs. Nothing here is reached
// except through a defect's hook.

const (
	htmlContentType = "text/html; charset=utf-8"
	textContentType = "text/plain; charset=utf-8"
)

// envelopeMembers is the contract's error object as a map, for defects that
// add, drop or retype a member.
func envelopeMembers(e *APIError) map[string]any {
	return map[string]any{"message": e.Message, "type": e.Type, "code": e.Code, "param": e.Param}
}

// encodeAs encodes v as the error body with e's status, keeping the
// contract's envelope should v not encode.
func encodeAs(e *APIError, contentType string, v any) (int, string, []byte) {
	body, err := marshal(v)
	if err != nil {
		return encodeEnvelope(e)
	}
	return e.Status, contentType, body
}

// unhandled is the Rewrite of a gateway in which the check that finds
// reason throws, and nothing catches it: a 500 server_error that says
// nothing of the cause, with whatever headers the refusal had.
func unhandled(reason Reason) func(*http.Request, *APIError) {
	return func(_ *http.Request, e *APIError) {
		if e.Reason == reason {
			*e = APIError{
				Status:  http.StatusInternalServerError,
				Type:    TypeServer,
				Message: "Internal server error.",
				Reason:  e.Reason,
				Header:  e.Header,
			}
		}
	}
}

// sdkClassName is the exception class the OpenAI SDKs raise for a status.
func sdkClassName(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "BadRequestError"
	case status == http.StatusUnauthorized:
		return "AuthenticationError"
	case status == http.StatusForbidden:
		return "PermissionDeniedError"
	case status == http.StatusNotFound:
		return "NotFoundError"
	case status == http.StatusConflict:
		return "ConflictError"
	case status == http.StatusUnprocessableEntity:
		return "UnprocessableEntityError"
	case status == http.StatusTooManyRequests:
		return "RateLimitError"
	case status >= 500:
		return "InternalServerError"
	}
	return "APIStatusError"
}

func newTraceID() string { return rand.Text() }

// proxyBadGatewayPage is what nginx answers when its upstream, the gateway
// here, reports a bad gateway and proxy_intercept_errors is on.
const proxyBadGatewayPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// stackTracePage is a web framework's development error page: the
// exception and where it was raised, nothing of the request.
const stackTracePage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<pre>TypeError: Cannot read properties of undefined (reading &#39;baseURL&#39;)<br> &nbsp; &nbsp;at resolveProvider (/app/src/routing/providers.js:118:31)<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)<br> &nbsp; &nbsp;at next (/app/node_modules/express/lib/router/route.js:149:13)</pre>
</body>
</html>
`

// peekBody reads up to limit bytes of r's body and puts them back in front
// of the rest, so that the gateway reads the body as if untouched.
func peekBody(r *http.Request, limit int64) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(r.Body, limit))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), r.Body), r.Body}
	return data
}

// checkBody runs the gateway's own checks of a chat completion's body
// (Content-Type, size, JSON, members, model, supported parameters) on a
// peeked copy, leaving r's body unread.
func (g *Gateway) checkBody(r *http.Request) *APIError {
	if err := checkContentType(r); err != nil {
		return err
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(peekBody(r, g.maxBody+1)))
	_, err := g.parseRequest(c)
	return err
}

// unroutedModel is the listed model that listed-model-unavailable cannot
// route.
const unroutedModel = "ref/chat-xl"

// requestedModel is the model member of r's body, or "" when there is none.
func requestedModel(r *http.Request, limit int64) string {
	var body struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(peekBody(r, limit+1), &body)
	return body.Model
}

// parserDepth is how deep deep-nesting-500's JSON parser nests before it
// gives up: the limit of parsers that recurse on a small stack.
const parserDepth = 64

// failDeepNesting is deep-nesting-500's hook: a chat body nested deeper
// than parserDepth is a 500 before anything in it is checked. The key is
// checked first, as the body is read only for a request that gets that
// far.
func failDeepNesting(g *Gateway, r *http.Request) *APIError {
	if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
		return nil
	}
	if _, err := g.authenticate(r); err != nil {
		return nil
	}
	if nestedDeeper(peekBody(r, g.maxBody+1), parserDepth) {
		return internalError()
	}
	return nil
}

// nestedDeeper says whether the arrays and objects of data, the outermost
// one being level 1, nest more than limit levels deep. Brackets in strings
// do not count; data need not be valid JSON.
func nestedDeeper(data []byte, limit int) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = stringEnd(data, i)
		case '[', '{':
			depth++
			if depth > limit {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// readRolesLeniently is role-type-unchecked's hook: a chat body whose
// messages have a role that is not a string goes on with the default role,
// user, in its place, so the gateway checks and forwards it as if the
// client had sent that. Any other body is left as it came.
func readRolesLeniently(g *Gateway, r *http.Request) *APIError {
	if r.Method != http.MethodPost || r.URL.Path != chatCompletionsPath {
		return nil
	}
	if body, ok := withDefaultRoles(peekBody(r, g.maxBody+1)); ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	return nil
}

// withDefaultRoles is body with every role that is present and not a
// string replaced by "user"; false when there is none, or body is not an
// object whose messages are objects. Only the roles change: every other
// member keeps its JSON text.
func withDefaultRoles(body []byte) ([]byte, bool) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil, false
	}
	var messages []map[string]json.RawMessage
	if json.Unmarshal(members["messages"], &messages) != nil {
		return nil, false
	}
	changed := false
	for _, m := range messages {
		if role, ok := m["role"]; ok && !bytes.HasPrefix(bytes.TrimSpace(role), []byte(`"`)) {
			m["role"] = json.RawMessage(`"user"`)
			changed = true
		}
	}
	if !changed {
		return nil, false
	}
	list, err := marshal(messages)
	if err != nil {
		return nil, false
	}
	members["messages"] = list
	out, err := marshal(members)
	return out, err == nil
}

// dropOnStatus drops the connection instead of answering status: hijacked
// and closed with a reset, so the client gets no answer at all.
type dropOnStatus struct {
	http.ResponseWriter
	status  int
	dropped bool
}

func (d *dropOnStatus) WriteHeader(code int) {
	if d.dropped {
		return
	}
	if code != d.status {
		d.ResponseWriter.WriteHeader(code)
		return
	}
	d.dropped = true
	conn, _, err := http.NewResponseController(d.ResponseWriter).Hijack()
	if err != nil {
		// HTTP/2 cannot be hijacked; aborting resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func (d *dropOnStatus) Write(p []byte) (int, error) {
	if d.dropped {
		return 0, http.ErrHijacked
	}
	return d.ResponseWriter.Write(p)
}

func (d *dropOnStatus) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// rewriteModelList is middleware that lets edit change a successful
// GET /v1/models answer, decoded, before it is sent.
func rewriteModelList(edit func(list map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != modelsPath {
				next.ServeHTTP(w, r)
				return
			}
			buf := &bufferedResponse{header: http.Header{}}
			next.ServeHTTP(buf, r)
			body := buf.body.Bytes()
			var list map[string]any
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if buf.status == http.StatusOK && dec.Decode(&list) == nil {
				edit(list)
				if edited, err := marshal(list); err == nil {
					body = edited
				}
			}
			h := w.Header()
			maps.Copy(h, buf.header)
			h.Del("Content-Length")
			w.WriteHeader(cmp.Or(buf.status, http.StatusOK))
			_, _ = w.Write(body)
		})
	}
}

// bufferedResponse holds a whole answer so that middleware can change it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
