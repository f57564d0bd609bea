package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// drainLimit bounds how much of an oversized body is read and thrown away.
// Reading it lets a client that is still uploading receive the 413 instead
// of a connection reset; the bound stops that courtesy becoming a sink.
const drainLimit = 64 << 20

// checkContentType accepts JSON media types and a missing header, which
// many clients omit; anything else is a client that meant another format.
func checkContentType(r *http.Request) *APIError {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonContentType,
		"Unsupported Content-Type: this endpoint takes application/json.").withCode("unsupported_content_type")
}

func (g *Gateway) tooLarge() *APIError {
	return newError(http.StatusRequestEntityTooLarge, TypeInvalidRequest, ReasonTooLarge,
		fmt.Sprintf("Request body too large: the limit is %d bytes.", g.maxBody)).withCode("request_too_large")
}

// readBody refuses an oversized body from its Content-Length when it can,
// before reading any of it.
func (g *Gateway) readBody(r *http.Request) ([]byte, *APIError) {
	if r.ContentLength > g.maxBody {
		// With Expect: 100-continue nothing has been sent yet, and reading
		// would only invite the upload that is about to be refused.
		if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			drain(r.Body)
		}
		return nil, g.tooLarge()
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, g.maxBody+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, TypeInvalidRequest, ReasonUnreadableBody,
			"The request body could not be read.")
	}
	if int64(len(data)) > g.maxBody {
		drain(r.Body)
		return nil, g.tooLarge()
	}
	return data, nil
}

func drain(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, drainLimit)
}

// parseObject decodes exactly one JSON object. Numbers stay json.Number so
// that integers are checked exactly and forwarded unchanged.
func parseObject(data []byte) (map[string]any, *APIError) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, malformedJSON("The request body is empty; expected a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformedJSON("The request body is not valid JSON.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, malformedJSON("The request body has data after the JSON value.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, newError(http.StatusBadRequest, TypeInvalidRequest, ReasonNotObject,
			"The request body must be a JSON object.")
	}
	return obj, nil
}

func malformedJSON(message string) *APIError {
	return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonMalformedJSON, message).withCode("invalid_json")
}
