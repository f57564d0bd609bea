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

// This file holds what the defects of defects.go share: encoders, body
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
const unroutedModel = "ref/chat-large"

// requestedModel is the model member of r's body, or "" when there is none.
func requestedModel(r *http.Request, limit int64) string {
	var body struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(peekBody(r, limit+1), &body)
	return body.Model
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
