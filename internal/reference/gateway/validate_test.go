package gateway

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBodyAndValidation(t *testing.T) {
	g := startGateway(t, Config{})
	const msgs = `"messages":[{"role":"user","content":"hi ` + promptCanary + `"}]`
	small := func(extra string) string {
		return `{"model":"ref/chat-small",` + msgs + `,` + extra + `}`
	}
	reasoning := func(extra string) string {
		return `{"model":"ref/reasoning-small",` + msgs + `,` + extra + `}`
	}
	for _, tc := range []struct {
		name        string
		contentType *string
		body        string
		status      int
		typ         string
		param       string // "" means null
		code        string // "" means not checked
		message     string // substring, "" means not checked
	}{
		// Content-Type.
		{name: "text/plain", contentType: ptr("text/plain"), body: small(`"n":1`), status: 400, typ: TypeInvalidRequest, code: "unsupported_content_type"},
		{name: "form", contentType: ptr("application/x-www-form-urlencoded"), body: small(`"n":1`), status: 400, typ: TypeInvalidRequest},
		{name: "unparsable content type", contentType: ptr("application/json; ="), body: small(`"n":1`), status: 400, typ: TypeInvalidRequest},
		{name: "json with charset", contentType: ptr("application/json; charset=utf-8"), body: small(`"n":1`), status: 200},
		{name: "structured json suffix", contentType: ptr("application/vnd.api+json"), body: small(`"n":1`), status: 200},
		{name: "no content type", contentType: ptr(""), body: small(`"n":1`), status: 200},

		// Not JSON, or not an object.
		{name: "empty body", body: ``, status: 400, typ: TypeInvalidRequest, code: "invalid_json"},
		{name: "whitespace body", body: " \n ", status: 400, typ: TypeInvalidRequest},
		{name: "not json", body: `model=gpt&` + promptCanary, status: 400, typ: TypeInvalidRequest},
		{name: "truncated", body: `{"model":"ref/chat-small",` + msgs[:20], status: 400, typ: TypeInvalidRequest},
		{name: "trailing garbage", body: small(`"n":1`) + ` x`, status: 400, typ: TypeInvalidRequest},
		{name: "two objects", body: small(`"n":1`) + `{}`, status: 400, typ: TypeInvalidRequest},
		{name: "array", body: `[{"model":"ref/chat-small"}]`, status: 400, typ: TypeInvalidRequest},
		{name: "string", body: `"` + promptCanary + `"`, status: 400, typ: TypeInvalidRequest},
		{name: "number", body: `42`, status: 400, typ: TypeInvalidRequest},
		{name: "null", body: `null`, status: 400, typ: TypeInvalidRequest},
		{name: "trailing whitespace is fine", body: small(`"n":1`) + "\n\t ", status: 200},

		// Required members.
		{name: "missing model", body: `{` + msgs + `}`, status: 400, typ: TypeInvalidRequest, param: "model"},
		{name: "model not a string", body: `{"model":5,` + msgs + `}`, status: 400, typ: TypeInvalidRequest, param: "model"},
		{name: "model empty", body: `{"model":"",` + msgs + `}`, status: 400, typ: TypeInvalidRequest, param: "model"},
		{name: "model null", body: `{"model":null,` + msgs + `}`, status: 400, typ: TypeInvalidRequest, param: "model"},
		{name: "missing messages", body: `{"model":"ref/chat-small"}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "messages a string", body: `{"model":"ref/chat-small","messages":"hi ` + promptCanary + `"}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "messages empty", body: `{"model":"ref/chat-small","messages":[]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "message not an object", body: `{"model":"ref/chat-small","messages":["hi"]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "message without role", body: `{"model":"ref/chat-small","messages":[{"content":"hi"}]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "role not a string", body: `{"model":"ref/chat-small","messages":[{"role":1,"content":"hi"}]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "content a number", body: `{"model":"ref/chat-small","messages":[{"role":"user","content":5}]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "content an object", body: `{"model":"ref/chat-small","messages":[{"role":"user","content":{}}]}`, status: 400, typ: TypeInvalidRequest, param: "messages"},
		{name: "content parts", body: `{"model":"ref/chat-small","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`, status: 200},
		{name: "content null", body: `{"model":"ref/chat-small","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null}]}`, status: 200},

		// Wrong types.
		{name: "temperature string", body: small(`"temperature":"hot"`), status: 400, typ: TypeInvalidRequest, param: "temperature"},
		{name: "top_p bool", body: small(`"top_p":true`), status: 400, typ: TypeInvalidRequest, param: "top_p"},
		{name: "n fractional", body: small(`"n":1.5`), status: 400, typ: TypeInvalidRequest, param: "n"},
		{name: "n string", body: small(`"n":"2"`), status: 400, typ: TypeInvalidRequest, param: "n"},
		{name: "max_tokens fractional", body: small(`"max_tokens":10.5`), status: 400, typ: TypeInvalidRequest, param: "max_tokens"},
		{name: "max_tokens exponent", body: small(`"max_tokens":1e3`), status: 400, typ: TypeInvalidRequest, param: "max_tokens"},
		{name: "max_completion_tokens string", body: reasoning(`"max_completion_tokens":"10"`), status: 400, typ: TypeInvalidRequest, param: "max_completion_tokens"},
		{name: "stream string", body: small(`"stream":"yes"`), status: 400, typ: TypeInvalidRequest, param: "stream"},
		{name: "stop number", body: small(`"stop":5`), status: 400, typ: TypeInvalidRequest, param: "stop"},
		{name: "stop mixed array", body: small(`"stop":["a",1]`), status: 400, typ: TypeInvalidRequest, param: "stop"},
		{name: "presence_penalty string", body: small(`"presence_penalty":"x"`), status: 400, typ: TypeInvalidRequest, param: "presence_penalty"},
		{name: "frequency_penalty array", body: small(`"frequency_penalty":[1]`), status: 400, typ: TypeInvalidRequest, param: "frequency_penalty"},
		{name: "seed fractional", body: small(`"seed":1.5`), status: 400, typ: TypeInvalidRequest, param: "seed"},
		{name: "user number", body: small(`"user":7`), status: 400, typ: TypeInvalidRequest, param: "user"},

		// Out of range.
		{name: "temperature high", body: small(`"temperature":5`), status: 400, typ: TypeInvalidRequest, param: "temperature"},
		{name: "temperature negative", body: small(`"temperature":-0.1`), status: 400, typ: TypeInvalidRequest, param: "temperature"},
		{name: "top_p high", body: small(`"top_p":1.01`), status: 400, typ: TypeInvalidRequest, param: "top_p"},
		{name: "n zero", body: small(`"n":0`), status: 400, typ: TypeInvalidRequest, param: "n"},
		{name: "n too many", body: small(`"n":129`), status: 400, typ: TypeInvalidRequest, param: "n"},
		{name: "max_tokens negative", body: small(`"max_tokens":-1`), status: 400, typ: TypeInvalidRequest, param: "max_tokens"},
		{name: "max_tokens zero", body: small(`"max_tokens":0`), status: 400, typ: TypeInvalidRequest, param: "max_tokens"},
		{name: "max_completion_tokens zero", body: reasoning(`"max_completion_tokens":0`), status: 400, typ: TypeInvalidRequest, param: "max_completion_tokens"},
		{name: "presence_penalty low", body: small(`"presence_penalty":-2.5`), status: 400, typ: TypeInvalidRequest, param: "presence_penalty"},
		{name: "frequency_penalty high", body: small(`"frequency_penalty":2.01`), status: 400, typ: TypeInvalidRequest, param: "frequency_penalty"},
		{name: "seed beyond int64", body: small(`"seed":99999999999999999999`), status: 400, typ: TypeInvalidRequest, param: "seed"},

		// In range, edge values.
		{name: "all parameters valid", body: small(`"temperature":2,"top_p":0,"n":128,"max_tokens":1,"stream":false,"stop":["a","b"],"presence_penalty":-2,"frequency_penalty":2,"seed":-5,"user":"u"`), status: 200},
		{name: "null means default", body: small(`"temperature":null,"max_completion_tokens":null`), status: 200},

		// The catalogue.
		{name: "unknown model", body: `{"model":"ref/nope",` + msgs + `}`, status: 400, typ: TypeModelNotFound, param: "model", code: "model_not_found"},
		{name: "unknown model with bad types is a bad request", body: `{"model":"ref/nope",` + msgs + `,"temperature":"hot"}`, status: 400, typ: TypeInvalidRequest, param: "temperature"},
		{name: "max_tokens unsupported", body: reasoning(`"max_tokens":10`), status: 400, typ: TypeInvalidRequest, param: "max_tokens", code: "unsupported_parameter", message: "use max_completion_tokens"},
		{name: "temperature unsupported", body: reasoning(`"temperature":0.5`), status: 400, typ: TypeInvalidRequest, param: "temperature"},
		{name: "max_completion_tokens unsupported", body: small(`"max_completion_tokens":10`), status: 400, typ: TypeInvalidRequest, param: "max_completion_tokens", message: "use max_tokens"},
		{name: "unknown member unsupported", body: small(`"tools":[]`), status: 400, typ: TypeInvalidRequest, param: "tools"},
		{name: "reasoning supported parameters", body: reasoning(`"max_completion_tokens":10,"seed":1,"user":"u"`), status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first []byte
			// REQ-10: the same request gets the same answer.
			for range 2 {
				res := g.do(t, request{auth: bearer(testKey), contentType: tc.contentType, body: strings.NewReader(tc.body)})
				if res.status != tc.status {
					t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
				}
				if tc.status == 200 {
					return
				}
				e := res.envelope(t)
				if e.Type != tc.typ {
					t.Errorf("type %q, want %q", e.Type, tc.typ)
				}
				if tc.param == "" && e.Param != nil || tc.param != "" && strOrNil(e.Param) != tc.param {
					t.Errorf("param %s, want %q", strOrNil(e.Param), tc.param)
				}
				if tc.code != "" && strOrNil(e.Code) != tc.code {
					t.Errorf("code %s, want %q", strOrNil(e.Code), tc.code)
				}
				if !strings.Contains(e.Message, tc.message) {
					t.Errorf("message %q lacks %q", e.Message, tc.message)
				}
				if first != nil && !bytes.Equal(first, res.body) {
					t.Errorf("not deterministic: %s then %s", first, res.body)
				}
				first = res.body
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	g := startGateway(t, Config{})
	const size = 16 << 20
	payload := bytes.Repeat([]byte("a"), size)
	for _, tc := range []struct {
		name string
		body func() io.Reader
	}{
		{"content-length", func() io.Reader { return bytes.NewReader(payload) }},
		// Hiding the length forces chunked encoding: the limit is then
		// found while reading.
		{"chunked", func() io.Reader { return struct{ io.Reader }{bytes.NewReader(payload)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := &http.Client{}
			defer client.CloseIdleConnections()
			res := send(t, client, g.URL, request{auth: bearer(testKey), body: tc.body()})
			if res.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if e := res.envelope(t); e.Type != TypeInvalidRequest || strOrNil(e.Code) != "request_too_large" {
				t.Fatalf("envelope %s", res.body)
			}
			// Draining leaves the connection fit for the next request.
			reused := false
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
			})
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL+"/v1/chat/completions", chat("ref/chat-small", ""))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !reused {
				t.Fatalf("follow-up: status %d, connection reused %v", resp.StatusCode, reused)
			}
		})
	}
}

// TestOversizedBodyNaiveClient is the client that uploads everything before
// it reads a byte of the answer: without draining it would hit a reset.
func TestOversizedBodyNaiveClient(t *testing.T) {
	g := startGateway(t, Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	const size = 16 << 20
	head := "POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + testKey +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(bytes.Repeat([]byte(" "), size)); err != nil {
		t.Fatalf("upload cut short: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, body: body}
	if res.status != http.StatusRequestEntityTooLarge || res.envelope(t).Type != TypeInvalidRequest {
		t.Fatalf("status %d: %s", res.status, body)
	}
}

func TestBodyWithinLimit(t *testing.T) {
	g := startGateway(t, Config{MaxBodyBytes: 1024})
	pad := strings.Repeat("x", 1024)
	res := g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"user":"`+pad+`"`)})
	if res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", res.status)
	}
	res = g.do(t, request{auth: bearer(testKey), body: chat("ref/chat-small", `"user":"u"`)})
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
}

// TestRefusalsBeyondSyntax is what a generator of invalid bodies, one rule
// broken each, sends with a valid key and a listed model: text that
// encoding/json reads without a word, messages whose role or content is
// wrong, values nested deep, numbers beyond any type. Each is refused 400
// invalid_request_error for its own reason, and the valid variants pass.
func TestRefusalsBeyondSyntax(t *testing.T) {
	g := startGateway(t, Config{})
	const hi = `"say hi ` + promptCanary + `"`
	const user = `{"role":"user","content":` + hi + `}`
	messages := func(list string) string { return `{"model":"ref/chat-small","messages":[` + list + `]}` }
	content := func(c string) string { return messages(`{"role":"user","content":` + c + `}`) }
	role := func(r string) string { return messages(`{"role":` + r + `,"content":` + hi + `}`) }
	small := func(extra string) string { return `{"model":"ref/chat-small","messages":[` + user + `],` + extra + `}` }
	nested := func(depth int, inner string) string {
		return strings.Repeat("[", depth) + inner + strings.Repeat("]", depth)
	}
	objects := func(depth int, inner string) string {
		return strings.Repeat(`{"a":`, depth) + inner + strings.Repeat("}", depth)
	}
	longName := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name    string
		body    string
		reason  Reason // "" for a request that is served
		param   string // "" means null
		message string // substring
	}{
		// Text that is not UTF-8: encoding/json would pass it on as U+FFFD.
		{name: "0xFF in a string", body: content(`"hi ` + "\xff" + `"`), reason: ReasonInvalidUTF8, message: "not valid UTF-8"},
		{name: "truncated sequence", body: content(`"hi ` + "\xe2\x82" + ` there"`), reason: ReasonInvalidUTF8},
		{name: "truncated sequence ending a string", body: content(`"hi ` + "\xe2" + `"`), reason: ReasonInvalidUTF8},
		{name: "encoded surrogate", body: content(`"` + "\xed\xa0\x80" + `"`), reason: ReasonInvalidUTF8},
		{name: "overlong slash", body: content(`"` + "\xc0\xaf" + `"`), reason: ReasonInvalidUTF8},
		{name: "0xFF in a member name", body: small(`"x` + "\xff" + `":1`), reason: ReasonInvalidUTF8},
		{name: "0xFF outside a string is malformed JSON", body: small("\xff"), reason: ReasonMalformedJSON, message: "not valid JSON"},
		{name: "UTF-8 beyond ASCII", body: content(`"héllo ✓ 😀 ` + promptCanary + `"`)},

		// Lone surrogate escapes: encoding/json would pass them on as U+FFFD.
		{name: "lone high surrogate", body: content(`"hi \ud800"`), reason: ReasonLoneSurrogate, message: "unpaired"},
		{name: "lone high surrogate, upper case", body: content(`"\uDBFF hi"`), reason: ReasonLoneSurrogate},
		{name: "lone low surrogate", body: content(`"\udc00"`), reason: ReasonLoneSurrogate},
		{name: "low before high", body: content(`"\ude00\ud83d"`), reason: ReasonLoneSurrogate},
		{name: "high, then a letter", body: content(`"\ud800x"`), reason: ReasonLoneSurrogate},
		{name: "high, then another escape", body: content(`"\ud800\u0041"`), reason: ReasonLoneSurrogate},
		{name: "two highs", body: content(`"\ud800\ud800"`), reason: ReasonLoneSurrogate},
		{name: "high, then an escaped backslash and udc00", body: content(`"\ud800\\udc00"`), reason: ReasonLoneSurrogate},
		{name: "escaped backslash, then a lone surrogate", body: content(`"\\\ud800"`), reason: ReasonLoneSurrogate},
		{name: "escaped quote, then a lone surrogate", body: content(`"\"\ud800"`), reason: ReasonLoneSurrogate},
		{name: "lone surrogate in a member name", body: small(`"\ud800":1`), reason: ReasonLoneSurrogate},
		{name: "lone surrogate in the model comes before the catalogue", body: `{"model":"\udfff","messages":[` + user + `]}`, reason: ReasonLoneSurrogate},
		{name: "surrogate pair", body: content(`"\ud83d\ude00 ` + promptCanary + `"`)},
		{name: "surrogate pair, upper case", body: content(`"\uD83D\uDE00"`)},
		{name: "surrogate pair, mixed case", body: content(`"\uD83d\udE00"`)},
		{name: "escaped backslash before u", body: content(`"\\ud800"`)},
		{name: "escaped backslash, then a pair", body: content(`"\\\ud83d\ude00"`)},
		{name: "escaped quote before u", body: content(`"\"\\udc00"`)},
		{name: "other escapes", body: content(`"\u00e9\n\t\/\b\f\r\""`)},

		// A member named twice: encoding/json would keep the last.
		{name: "model twice", body: `{"model":"ref/chat-small","model":"ref/chat-small","messages":[` + user + `]}`, reason: ReasonDuplicateMember, message: `"model"`},
		{name: "role twice", body: messages(`{"role":"user","role":"user","content":` + hi + `}`), reason: ReasonDuplicateMember, message: `"role"`},
		{name: "content twice", body: messages(`{"role":"user","content":"a","content":` + hi + `}`), reason: ReasonDuplicateMember, message: `"content"`},
		{name: "twice, once escaped", body: `{"model":"ref/chat-small","mod\u0065l":"ref/chat-small","messages":[` + user + `]}`, reason: ReasonDuplicateMember, message: `"model"`},
		{name: "twice with different values", body: small(`"n":1,"n":2`), reason: ReasonDuplicateMember, message: `"n"`},
		{name: "twice in a content part", body: content(`[{"type":"text","text":"a","text":"b"}]`), reason: ReasonDuplicateMember, message: `"text"`},
		{name: "twice deep inside a wrong type", body: small(`"temperature":[[{"a":1,"b":{},"a":2}]]`), reason: ReasonDuplicateMember, message: `"a"`},
		{name: "a long name twice", body: small(`"` + longName + `":1,"` + longName + `":2`), reason: ReasonDuplicateMember, message: `"` + longName[:64] + `..."`},
		{name: "same names in sibling objects", body: messages(user + `,{"role":"assistant","content":"a"},` + user)},
		{name: "same names in sibling parts", body: content(`[{"type":"text","text":"a"},{"type":"text","text":` + hi + `}]`)},
		{name: "a value that is a name", body: content(`"content"`)},

		// Roles.
		{name: "role capitalised", body: role(`"User"`), reason: ReasonOutOfRange, param: "messages", message: "messages[0].role must be one of"},
		{name: "role empty", body: role(`""`), reason: ReasonOutOfRange, param: "messages"},
		{name: "role with a trailing space", body: role(`"assistant "`), reason: ReasonOutOfRange, param: "messages"},
		{name: "role unknown", body: role(`"bot"`), reason: ReasonOutOfRange, param: "messages"},
		{name: "role unknown in a later message", body: messages(user + `,{"role":"model","content":"a"}`), reason: ReasonOutOfRange, param: "messages", message: "messages[1].role"},
		{name: "role a number", body: role(`1`), reason: ReasonWrongType, param: "messages", message: "messages[0].role must be a string"},
		{name: "role null", body: role(`null`), reason: ReasonWrongType, param: "messages"},
		{name: "role an array", body: role(`["user"]`), reason: ReasonWrongType, param: "messages"},
		{name: "role missing", body: messages(`{"content":` + hi + `}`), reason: ReasonMissingParam, param: "messages", message: "messages[0].role"},
		{name: "role developer", body: messages(`{"role":"developer","content":"be brief"},` + user)},
		{name: "role system", body: messages(`{"role":"system","content":"be brief"},` + user)},
		{name: "role tool", body: messages(user + `,{"role":"tool","content":"42","tool_call_id":"c1"}`)},
		{name: "role function without content", body: messages(user + `,{"role":"function","name":"f"}`)},

		// Content.
		{name: "user without content", body: messages(`{"role":"user"}`), reason: ReasonMissingParam, param: "messages", message: "Missing required parameter: messages[0].content"},
		{name: "user content null", body: content(`null`), reason: ReasonMissingParam, param: "messages"},
		{name: "system without content", body: messages(`{"role":"system"},` + user), reason: ReasonMissingParam, param: "messages"},
		{name: "developer content null", body: messages(`{"role":"developer","content":null},` + user), reason: ReasonMissingParam, param: "messages"},
		{name: "tool without content", body: messages(user + `,{"role":"tool","tool_call_id":"c1"}`), reason: ReasonMissingParam, param: "messages", message: "messages[1].content"},
		{name: "assistant without content", body: messages(user + `,{"role":"assistant"},` + user)},
		{name: "content an array of arrays", body: content(`[["hi"]]`), reason: ReasonWrongType, param: "messages", message: "messages[0].content[0] must be a content part object"},
		{name: "content an array of numbers", body: content(`[1]`), reason: ReasonWrongType, param: "messages"},
		{name: "content an array of strings", body: content(`["hi"]`), reason: ReasonWrongType, param: "messages"},
		{name: "content an array holding null", body: content(`[null]`), reason: ReasonWrongType, param: "messages"},
		{name: "content a part, then a number", body: content(`[{"type":"text","text":"a"},2]`), reason: ReasonWrongType, param: "messages", message: "content[1]"},
		{name: "content parts", body: content(`[{"type":"text","text":` + hi + `}]`)},

		// Deep nesting is a wrong type like any other, up to encoding/json's own limit.
		{name: "temperature nested 2000 deep", body: small(`"temperature":` + nested(2000, "1")), reason: ReasonWrongType, param: "temperature", message: "temperature must be a number"},
		{name: "temperature nested 9990 deep", body: small(`"temperature":` + nested(9990, "")), reason: ReasonWrongType, param: "temperature"},
		{name: "temperature in objects 2000 deep", body: small(`"temperature":` + objects(2000, "1")), reason: ReasonWrongType, param: "temperature"},
		{name: "stop nested 2000 deep", body: small(`"stop":` + nested(2000, `"x"`)), reason: ReasonWrongType, param: "stop"},
		{name: "messages nested 2000 deep", body: `{"model":"ref/chat-small","messages":` + nested(2000, user) + `}`, reason: ReasonWrongType, param: "messages", message: "messages[0] must be an object"},
		{name: "content nested 2000 deep", body: content(nested(2000, hi)), reason: ReasonWrongType, param: "messages", message: "content[0]"},
		{name: "beyond encoding/json's depth is malformed", body: small(`"temperature":` + nested(10001, "")), reason: ReasonMalformedJSON},

		// Numbers beyond float64 and int64 are out of range, not malformed.
		{name: "temperature 1e400", body: small(`"temperature":1e400`), reason: ReasonOutOfRange, param: "temperature", message: "between 0 and 2"},
		{name: "temperature -1e400", body: small(`"temperature":-1e400`), reason: ReasonOutOfRange, param: "temperature"},
		{name: "top_p 1e400", body: small(`"top_p":1e400`), reason: ReasonOutOfRange, param: "top_p"},
		{name: "n beyond int64", body: small(`"n":100000000000000000000000000000`), reason: ReasonOutOfRange, param: "n", message: "between 1 and 128"},
		{name: "max_tokens below int64", body: small(`"max_tokens":-100000000000000000000`), reason: ReasonOutOfRange, param: "max_tokens", message: "at least 1"},
		{name: "max_completion_tokens beyond int64", body: `{"model":"ref/reasoning-small","messages":[` + user + `],"max_completion_tokens":100000000000000000000}`, reason: ReasonOutOfRange, param: "max_completion_tokens"},

		// null still means "use the default".
		{name: "optional parameters null", body: small(`"temperature":null,"top_p":null,"n":null,"max_tokens":null,"stop":null,"user":null,"seed":null`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := refusal(t, g.Gateway, tc.body); tc.reason != "" && (err == nil || err.Reason != tc.reason) {
				t.Fatalf("refused for %v, want %s", err, tc.reason)
			}
			res := g.do(t, request{auth: bearer(testKey), body: strings.NewReader(tc.body)})
			if tc.reason == "" {
				if res.status != 200 {
					t.Fatalf("status %d: %s", res.status, res.body)
				}
				return
			}
			e := res.envelope(t)
			if res.status != 400 || e.Type != TypeInvalidRequest {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if tc.param == "" && e.Param != nil || tc.param != "" && strOrNil(e.Param) != tc.param {
				t.Errorf("param %s, want %q", strOrNil(e.Param), tc.param)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q lacks %q", e.Message, tc.message)
			}
		})
	}
}

// refusal is the gateway's verdict on a body, without the HTTP around it.
func refusal(t *testing.T, g *Gateway, body string) *APIError {
	t.Helper()
	parsed, err := parseRequestBody([]byte(body))
	if err != nil {
		return err
	}
	if _, err := g.validate(parsed); err != nil {
		return err
	}
	return nil
}
