package gateway

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// chatRequest is a body that passed validation: the members as sent, and
// the catalogue entry they were checked against.
type chatRequest struct {
	members map[string]any
	model   *catalogueEntry
	stream  bool
}

// rule checks one known parameter's type and range; it returns nil when the
// value is acceptable. Values are never quoted back, only described.
type rule func(name string, v any) *APIError

// rules are the OpenAI parameters whose types and ranges the gateway knows.
// Whether a model accepts them at all is the catalogue's business.
var rules = map[string]rule{
	"temperature":           number(0, 2),
	"top_p":                 number(0, 1),
	"n":                     integer(1, 128),
	"max_tokens":            integer(1, math.MaxInt64),
	"max_completion_tokens": integer(1, math.MaxInt64),
	"stream":                boolean,
	"stop":                  stringOrStrings,
	"presence_penalty":      number(-2, 2),
	"frequency_penalty":     number(-2, 2),
	"seed":                  integer(math.MinInt64, math.MaxInt64),
	"user":                  str,
}

// validate checks the body's shape first, then the model, then what that
// model accepts: a malformed request is reported as such whichever model it
// names. Members are visited in sorted order so the same request always
// fails on the same member.
func (g *Gateway) validate(body map[string]any) (*chatRequest, *APIError) {
	id, err := modelID(body)
	if err != nil {
		return nil, err
	}
	if err := checkMessages(body); err != nil {
		return nil, err
	}
	names := sortedKeys(body)
	for _, name := range names {
		v := body[name]
		if check, ok := rules[name]; ok && v != nil {
			if err := check(name, v); err != nil {
				return nil, err
			}
		}
	}
	model, ok := g.models.byID[id]
	if !ok {
		return nil, unknownModel()
	}
	for _, name := range names {
		// null means "use the default", the same as leaving it out.
		if name == "model" || name == "messages" || body[name] == nil || model.supported[name] {
			continue
		}
		return nil, unsupported(model, name)
	}
	stream, _ := body["stream"].(bool)
	return &chatRequest{members: body, model: model, stream: stream}, nil
}

func unknownModel() *APIError {
	return newError(http.StatusBadRequest, TypeModelNotFound, ReasonUnknownModel,
		"The requested model does not exist. List valid ids with GET /v1/models.").
		withCode("model_not_found").withParam("model")
}

func unsupported(m *catalogueEntry, name string) *APIError {
	msg := fmt.Sprintf("Model %s does not support %s.", m.ID, quoteName(name))
	switch {
	case name == "max_tokens" && m.supported["max_completion_tokens"]:
		msg = fmt.Sprintf("Model %s does not support max_tokens; use max_completion_tokens.", m.ID)
	case name == "max_completion_tokens" && m.supported["max_tokens"]:
		msg = fmt.Sprintf("Model %s does not support max_completion_tokens; use max_tokens.", m.ID)
	}
	return newError(http.StatusBadRequest, TypeInvalidRequest, ReasonUnsupportedParam, msg).
		withCode("unsupported_parameter").withParam(name)
}

// quoteName keeps an arbitrary member name from bloating a message; param
// still carries it whole.
func quoteName(name string) string {
	const limit = 64
	if len(name) > limit {
		name = name[:limit] + "..."
	}
	return strconv.Quote(name)
}

func modelID(body map[string]any) (string, *APIError) {
	v, present := body["model"]
	if !present {
		return "", missing("model")
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", invalid(ReasonWrongType, "model", "model must be a non-empty string.")
	}
	return s, nil
}

func checkMessages(body map[string]any) *APIError {
	v, present := body["messages"]
	if !present {
		return missing("messages")
	}
	list, ok := v.([]any)
	if !ok {
		return invalid(ReasonWrongType, "messages", "messages must be an array of message objects.")
	}
	if len(list) == 0 {
		return invalid(ReasonOutOfRange, "messages", "messages must contain at least one message.")
	}
	for i, item := range list {
		if err := checkMessage(i, item); err != nil {
			return err
		}
	}
	return nil
}

// roles are the authors a message may have. A near miss ("User",
// "assistant ") is refused rather than guessed at: the upstream would read
// it some way of its own, or refuse it as an upstream failure.
var roles = map[string]bool{"system": true, "user": true, "assistant": true, "developer": true, "tool": true, "function": true}

// contentRequired are the roles whose messages say something by their
// content alone; an assistant turn that only calls tools, or a function
// result, may have none.
var contentRequired = map[string]bool{"system": true, "user": true, "developer": true, "tool": true}

// checkMessage checks messages[i]. Its faults are reported with param
// "messages", which is the parameter the client sent; the message says
// which part of it is wrong.
func checkMessage(i int, item any) *APIError {
	msg, ok := item.(map[string]any)
	if !ok {
		return invalid(ReasonWrongType, "messages", fmt.Sprintf("messages[%d] must be an object.", i))
	}
	role, err := messageRole(i, msg)
	if err != nil {
		return err
	}
	return checkContent(i, role, msg)
}

// messageRole tells a missing role from one of the wrong type (null among
// them: it was sent) and from a string that names no role, which is a value
// out of the API's range like temperature: 5. The value is never quoted
// back.
func messageRole(i int, msg map[string]any) (string, *APIError) {
	v, present := msg["role"]
	if !present {
		return "", invalid(ReasonMissingParam, "messages", fmt.Sprintf("Missing required parameter: messages[%d].role.", i))
	}
	role, ok := v.(string)
	if !ok {
		return "", invalid(ReasonWrongType, "messages", fmt.Sprintf("messages[%d].role must be a string.", i))
	}
	if !roles[role] {
		return "", invalid(ReasonOutOfRange, "messages",
			fmt.Sprintf("messages[%d].role must be one of system, user, assistant, developer, tool or function.", i))
	}
	return role, nil
}

// checkContent takes an absent content as null, which only some roles may
// send. An array holds content parts, each an object; what a part says is
// the model's business.
func checkContent(i int, role string, msg map[string]any) *APIError {
	switch content := msg["content"].(type) {
	case nil:
		if contentRequired[role] {
			return invalid(ReasonMissingParam, "messages", fmt.Sprintf("Missing required parameter: messages[%d].content.", i))
		}
	case string:
	case []any:
		for j, part := range content {
			if _, ok := part.(map[string]any); !ok {
				return invalid(ReasonWrongType, "messages", fmt.Sprintf("messages[%d].content[%d] must be a content part object.", i, j))
			}
		}
	default:
		return invalid(ReasonWrongType, "messages", fmt.Sprintf("messages[%d].content must be a string, an array or null.", i))
	}
	return nil
}

func missing(name string) *APIError {
	return invalid(ReasonMissingParam, name, fmt.Sprintf("Missing required parameter: %s.", name))
}

func invalid(reason Reason, param, message string) *APIError {
	return newError(http.StatusBadRequest, TypeInvalidRequest, reason, message).withParam(param)
}

func number(lo, hi float64) rule {
	return func(name string, v any) *APIError {
		n, ok := v.(json.Number)
		if !ok {
			return invalid(ReasonWrongType, name, name+" must be a number.")
		}
		f, err := n.Float64()
		if err != nil || f < lo || f > hi {
			return invalid(ReasonOutOfRange, name, fmt.Sprintf("%s must be between %g and %g.", name, lo, hi))
		}
		return nil
	}
}

// integer takes a JSON number written without fraction or exponent: 1.5,
// 1.0 and 1e3 are all refused, as a strict OpenAI client would.
func integer(lo, hi int64) rule {
	return func(name string, v any) *APIError {
		n, ok := v.(json.Number)
		if !ok || strings.ContainsAny(n.String(), ".eE") {
			return invalid(ReasonWrongType, name, name+" must be an integer.")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil || i < lo || i > hi {
			return invalid(ReasonOutOfRange, name, rangeMessage(name, lo, hi))
		}
		return nil
	}
}

func rangeMessage(name string, lo, hi int64) string {
	switch {
	case lo == math.MinInt64:
		return name + " must fit in a 64-bit integer."
	case hi == math.MaxInt64:
		return fmt.Sprintf("%s must be at least %d.", name, lo)
	}
	return fmt.Sprintf("%s must be between %d and %d.", name, lo, hi)
}

func boolean(name string, v any) *APIError {
	if _, ok := v.(bool); !ok {
		return invalid(ReasonWrongType, name, name+" must be a boolean.")
	}
	return nil
}

func str(name string, v any) *APIError {
	if _, ok := v.(string); !ok {
		return invalid(ReasonWrongType, name, name+" must be a string.")
	}
	return nil
}

func stringOrStrings(name string, v any) *APIError {
	switch v := v.(type) {
	case string:
		return nil
	case []any:
		if allStrings(v) {
			return nil
		}
	}
	return invalid(ReasonWrongType, name, name+" must be a string or an array of strings.")
}

func allStrings(items []any) bool {
	for _, item := range items {
		if _, ok := item.(string); !ok {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
