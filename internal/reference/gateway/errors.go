package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Reason says why a request failed, independently of how the error is
// presented. Defects key on it, so presentation can be bent without losing
// track of the cause.
type Reason string

// Reasons, one per distinct cause the gateway detects.
const (
	ReasonNoKey               Reason = "no_key"
	ReasonMalformedAuth       Reason = "malformed_auth"
	ReasonBadKey              Reason = "bad_key"
	ReasonRevokedKey          Reason = "revoked_key"
	ReasonRateLimited         Reason = "rate_limited"
	ReasonInsufficientCredits Reason = "insufficient_credits"
	ReasonContentType         Reason = "content_type"
	ReasonTooLarge            Reason = "too_large"
	ReasonUnreadableBody      Reason = "unreadable_body"
	ReasonMalformedJSON       Reason = "malformed_json"
	ReasonNotObject           Reason = "not_object"
	// The three below are JSON that encoding/json reads without a word, and
	// that the gateway refuses all the same: see parseRequestBody.
	ReasonInvalidUTF8         Reason = "invalid_utf8"
	ReasonLoneSurrogate       Reason = "lone_surrogate"
	ReasonDuplicateMember     Reason = "duplicate_member"
	ReasonMissingParam        Reason = "missing_param"
	ReasonWrongType           Reason = "wrong_type"
	ReasonOutOfRange          Reason = "out_of_range"
	ReasonUnknownModel        Reason = "unknown_model"
	ReasonUnsupportedParam    Reason = "unsupported_param"
	ReasonMaintenance         Reason = "maintenance"
	ReasonUpstreamUnreachable Reason = "upstream_unreachable"
	ReasonUpstreamTimeout     Reason = "upstream_timeout"
	ReasonUpstreamStatus      Reason = "upstream_status"
	ReasonUpstreamBadResponse Reason = "upstream_bad_response"
	ReasonVerificationFailed  Reason = "verification_failed"
	ReasonUnknownRoute        Reason = "unknown_route"
	// ReasonPlainNotFound is a router's own 404, outside the gateway's handlers (defects only).
	ReasonPlainNotFound Reason = "plain_not_found"
	// ReasonMissingRoute is a request without the routing header a tenant router wants (defects only).
	ReasonMissingRoute     Reason = "missing_route"
	ReasonMethodNotAllowed Reason = "method_not_allowed"
	ReasonInternal         Reason = "internal"
)

// Error types: the first four are the contract's discriminators, the others
// are the names real gateways use where the contract is silent.
const (
	TypeAuthentication = "authentication_error"
	TypeInvalidRequest = "invalid_request_error"
	TypeModelNotFound  = "model_not_found"
	TypeUpstream       = "upstream_error"
	TypePermission     = "permission_error"
	TypeRateLimit      = "rate_limit_error"
	TypeServer         = "server_error"
	// TypeServiceUnavailable is for a 503 the gateway decides on itself.
	TypeServiceUnavailable = "service_unavailable"
	// TypeVerification is for a confidential model whose upstream could not
	// prove where it ran: a refusal, not a transient failure.
	TypeVerification = "verification_error"
)

// APIError is a failure on its way to the client. Defects may change any
// field before it is encoded.
type APIError struct {
	Status  int
	Type    string
	Message string
	Code    *string
	Param   *string
	Reason  Reason
	// Header carries response headers that belong with the error, such as
	// Retry-After or Allow.
	Header http.Header

	// upstreamBody is the upstream's own error body, kept only so that the
	// leak-upstream-body defect can show what leaking looks like; the
	// envelope never reads it.
	upstreamBody []byte
}

func (e *APIError) Error() string { return string(e.Reason) + ": " + e.Message }

func newError(status int, typ string, reason Reason, message string) *APIError {
	return &APIError{Status: status, Type: typ, Message: message, Reason: reason}
}

// internalError says nothing of the cause: it is the gateway's own fault and
// its details are for the operator's logs.
func internalError() *APIError {
	return newError(http.StatusInternalServerError, TypeServer, ReasonInternal, "Internal server error.")
}

func (e *APIError) withCode(code string) *APIError {
	e.Code = &code
	return e
}

func (e *APIError) withParam(param string) *APIError {
	e.Param = &param
	return e
}

func (e *APIError) withHeader(name, value string) *APIError {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Set(name, value)
	return e
}

// clone keeps defects from mutating errors that are shared or reused.
func (e *APIError) clone() *APIError {
	c := *e
	if e.Code != nil {
		code := *e.Code
		c.Code = &code
	}
	if e.Param != nil {
		param := *e.Param
		c.Param = &param
	}
	c.Header = e.Header.Clone()
	return &c
}

// envelope is the contract's shape; code and param are pointers so that an
// absent value is written as null rather than omitted.
type envelope struct {
	Error envelopeBody `json:"error"`
}

type envelopeBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Code    *string `json:"code"`
	Param   *string `json:"param"`
}

const jsonContentType = "application/json; charset=utf-8"

func encodeEnvelope(e *APIError) (int, string, []byte) {
	body, err := marshal(envelope{Error: envelopeBody{
		Message: e.Message, Type: e.Type, Code: e.Code, Param: e.Param,
	}})
	if err != nil {
		// Strings and string pointers always encode; this only keeps the
		// shape should that ever change.
		body = []byte(`{"error":{"message":"Internal server error.","type":"server_error","code":null,"param":null}}`)
	}
	return e.Status, jsonContentType, body
}

// marshal never escapes <, > and &: messages are read by people and SDKs,
// not embedded in HTML.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeError is the only place an error reaches the wire, so the contract's
// envelope, and every defect that bends it, lives in one spot.
func (g *Gateway) writeError(w http.ResponseWriter, r *http.Request, e *APIError) {
	e = e.clone()
	for _, d := range g.defects {
		if d.Rewrite != nil {
			d.Rewrite(r, e)
		}
	}
	encode := encodeEnvelope
	for _, d := range g.defects {
		if d.Encode != nil {
			encode = d.Encode
			break
		}
	}
	status, contentType, body := encode(e)

	if tw, ok := w.(*trackingWriter); ok && tw.wroteHeader {
		// The status line is gone; an event stream can still carry the
		// error as its last event, anything else can only be cut short.
		if tw.streaming() {
			writeEvent(tw, body)
		}
		return
	}
	h := w.Header()
	for name, values := range e.Header {
		h[name] = values
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeEvent(tw *trackingWriter, body []byte) {
	var buf bytes.Buffer
	for _, line := range strings.Split(string(body), "\n") {
		buf.WriteString("data: ")
		buf.WriteString(line)
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
	_, _ = tw.Write(buf.Bytes())
	tw.Flush()
}
