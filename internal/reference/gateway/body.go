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
	"unicode/utf8"
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

// parseRequestBody is parseObject for a client's request, which is also
// refused for what encoding/json reads without a word: bytes that are not
// UTF-8 and lone surrogate escapes (both become U+FFFD, so the prompt
// forwarded is not the one sent), and a member named twice (the last one
// wins, so two readers of the body may disagree on what was asked). These
// come after parseObject's checks, so a body refused before them keeps its
// reason, and their scans can count on the syntax being valid.
func parseRequestBody(data []byte) (map[string]any, *APIError) {
	body, err := parseObject(data)
	if err != nil {
		return nil, err
	}
	if err := checkText(data); err != nil {
		return nil, err
	}
	if name, ok := duplicateMember(data); ok {
		return nil, badJSON(ReasonDuplicateMember,
			fmt.Sprintf("The request body names the member %s twice in one object.", quoteName(name)))
	}
	return body, nil
}

// checkText refuses text that is not Unicode: invalid UTF-8 (stray bytes,
// truncated sequences, encoded surrogates, overlong forms), and strings
// that escape half a surrogate pair.
func checkText(data []byte) *APIError {
	if !utf8.Valid(data) {
		return badJSON(ReasonInvalidUTF8, "The request body is not valid UTF-8.")
	}
	if hasLoneSurrogate(data) {
		return badJSON(ReasonLoneSurrogate, "The request body has a string with an unpaired UTF-16 surrogate escape.")
	}
	return nil
}

// badJSON is the refusal of JSON that parses but is not fit to be read:
// like a malformed body, it is the body as a whole that is at fault.
func badJSON(reason Reason, message string) *APIError {
	return newError(http.StatusBadRequest, TypeInvalidRequest, reason, message).withCode("invalid_json")
}

// hasLoneSurrogate looks into every string of data, which must be valid
// JSON, for an escape \uD800-\uDBFF not followed at once by an escape
// \uDC00-\uDFFF, or one of the latter not preceded by one of the former.
func hasLoneSurrogate(data []byte) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		end := stringEnd(data, i)
		if loneSurrogateIn(data[i+1 : end]) {
			return true
		}
		i = end
	}
	return false
}

// loneSurrogateIn reads the escapes of a string's contents, quotes
// excluded. Every escape is skipped whole, so the u of "\\u" (an escaped
// backslash, then a u) is not taken for the start of one.
func loneSurrogateIn(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		r, ok := unicodeEscape(s[i:])
		switch {
		case !ok:
			i++ // a one-letter escape such as \" or \\
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if low, ok := unicodeEscape(s[i+6:]); !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

// unicodeEscape decodes the \uXXXX escape at the start of s, hex digits in
// either case.
func unicodeEscape(s []byte) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range s[2:6] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// stringEnd is the index of the quote that closes the string opened at
// data[start], or len(data) if nothing closes it.
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data)
}

// duplicateMember finds the first name given twice in one object, at any
// depth, names compared as encoding/json decodes them ("a" and "\u0061"
// are one name). data must be valid JSON, which makes a name any string
// that an object's opening brace or a comma in an object comes before.
// Open containers are kept on a slice rather than recursed into, so that
// nesting as deep as encoding/json allows (10000) costs no stack, and the
// scan is a single pass, much cheaper than walking the body's tokens.
func duplicateMember(data []byte) (string, bool) {
	type container struct {
		names    map[string]bool // nil until an object's first name
		object   bool
		wantName bool
	}
	var open []container
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			open = append(open, container{object: c == '{', wantName: c == '{'})
		case '}', ']':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case ',':
			if len(open) > 0 {
				top := &open[len(open)-1]
				top.wantName = top.object
			}
		case '"':
			end := stringEnd(data, i)
			if end == len(data) {
				return "", false
			}
			if len(open) > 0 && open[len(open)-1].wantName {
				top := &open[len(open)-1]
				name := memberName(data[i : end+1])
				if top.names[name] {
					return name, true
				}
				if top.names == nil {
					top.names = map[string]bool{}
				}
				top.names[name] = true
				top.wantName = false
			}
			i = end
		}
	}
	return "", false
}

// memberName decodes a quoted name; most have no escape, and are their
// bytes.
func memberName(quoted []byte) string {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1])
	}
	var name string
	_ = json.Unmarshal(quoted, &name)
	return name
}

func malformedJSON(message string) *APIError {
	return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonMalformedJSON, message).withCode("invalid_json")
}
