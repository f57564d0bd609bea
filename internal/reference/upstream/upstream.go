// Package upstream is a small OpenAI-compatible provider that the reference
// gateway proxies to. It is deterministic so that specs can predict what a
// successful completion looks like, and it keeps a single table of
// per-model behaviours so that fault models can be added without touching
// the request plumbing.
package upstream

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// Config describes the models the provider serves and the key it expects.
type Config struct {
	// Models are the healthy model ids. GET /v1/models lists them and every
	// fault model of faults.All(), which are always served.
	Models []string
	// APIKey, when non-empty and Strict is set, must be presented as
	// "Authorization: Bearer <APIKey>"; the gateway is expected to hold a
	// key of its own.
	APIKey string
	// Hold is how long the Timeout and SlowFirstByte faults stall; zero or
	// less means faults.DefaultHold.
	Hold time.Duration
	// Listen is the address Start listens on; empty means an ephemeral
	// loopback port.
	Listen string
	// Strict validates requests as a provider would: the key, the body's
	// size, its JSON and types, and the reasoning model's max_tokens. By
	// default every request for a healthy model is served, so that each
	// refusal a client sees is its gateway's own, never one the gateway
	// merely passed on.
	Strict bool
}

// defaultModel answers, when no model can be read from a request, for an
// upstream told no healthy model of its own.
const defaultModel = "upstream-chat-small"

type handler struct {
	models map[string]bool
	list   []string
	// keyHash lets the key be compared in constant time whatever its length.
	keyHash [sha256.Size]byte
	needKey bool
	strict  bool
	// fallback is the model of a request whose model cannot be read.
	fallback string
	// behaviours is consulted before the catalogue, so that a fault model
	// takes effect whatever the healthy models are.
	behaviours map[string]behaviour
	witness    *sightings
}

// NewHandler returns the provider's HTTP handler, rooted at /v1, with its
// witness at witness.Path. Its holding faults end with their hold or
// their client; Start's also end on Close.
func NewHandler(cfg Config) http.Handler {
	return newHandler(cfg, nil)
}

// newHandler's stop, when closed, cuts every hold short; nil never does.
func newHandler(cfg Config, stop <-chan struct{}) *handler {
	h := &handler{
		models:   make(map[string]bool, len(cfg.Models)),
		strict:   cfg.Strict,
		fallback: defaultModel,
		witness:  newSightings(witnessLimit),
		behaviours: faultBehaviours(holder{
			hold: cmp.Or(max(cfg.Hold, 0), faults.DefaultHold),
			stop: stop,
		}),
	}
	// Fault models are listed too: a vendor wires its gateway from this list.
	for _, m := range slices.Concat(cfg.Models, faultModels()) {
		if !h.models[m] {
			h.models[m] = true
			h.list = append(h.list, m)
		}
	}
	if len(cfg.Models) > 0 {
		h.fallback = cfg.Models[0]
	}
	if cfg.APIKey != "" && cfg.Strict {
		h.needKey = true
		h.keyHash = sha256.Sum256([]byte(cfg.APIKey))
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// On every answer, so that one relayed by a gateway, even in part, is
	// recognised as the upstream's.
	w.Header().Set(witness.MarkerHeader, witness.Marker)
	switch {
	case strings.HasPrefix(r.URL.Path, witness.Path):
		h.witness.serve(w, r)
	case r.URL.Path == "/v1/chat/completions":
		// Whatever the method, the key or the body: a request that got
		// here reached the upstream.
		h.witness.observe(w, r, h.route)
	default:
		h.route(w, r)
	}
}

func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	var allow string
	switch r.URL.Path {
	case "/v1/models":
		allow = http.MethodGet
	case "/v1/chat/completions":
		allow = http.MethodPost
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL.")
		return
	}
	if r.Method != allow {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "Method not allowed.")
		return
	}
	if h.strict && !h.authorized(r) {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	if allow == http.MethodGet {
		h.listModels(w)
		return
	}
	h.chat(w, r)
}

func (h *handler) authorized(r *http.Request) bool {
	if !h.needKey {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], h.keyHash[:]) == 1
}

func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	body, refused := h.readBody(w, r)
	if refused != nil {
		refused.write(w)
		return
	}
	req := parseRequest(body)
	if h.strict {
		if refused := strictRefusal(body, req); refused != nil {
			refused.write(w)
			return
		}
	}
	if b, ok := h.behaviours[req.Model]; ok {
		b(w, r, req)
		return
	}
	switch {
	case req.Model == "" && h.strict:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "missing_model", "You must provide a model parameter.")
		return
	case req.Model == "":
		req.Model = h.fallback
	case !h.models[req.Model]:
		// Not validation: no provider can serve a model it does not have.
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found", "The model does not exist.")
		return
	}
	if h.strict && req.Model == reasoningModel && kindOf(req.members["max_tokens"]) != "" && kindOf(req.members["max_tokens"]) != "null" {
		(&refusal{http.StatusBadRequest, "invalid_request_error", "unsupported_parameter", "max_tokens",
			"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}).write(w)
		return
	}
	complete(w, r, req)
}

func faultModels() []string {
	var ids []string
	for _, f := range faults.All() {
		ids = append(ids, f.Model)
	}
	return ids
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failure", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// writeBody is writeJSON's body alone, for an answer whose header went out
// earlier.
func writeBody(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// writeError answers in OpenAI's own style, which is deliberately not the
// gateway's contract: the gateway must never relay it.
func writeError(w http.ResponseWriter, status int, typ, code, message string) {
	(&refusal{status, typ, code, "", message}).write(w)
}

// marked ends an error message with the marker: a gateway that shows the
// upstream's message shows the marker with it.
func marked(message string) string { return message + " [" + witness.Marker + "]" }

func (e *refusal) write(w http.ResponseWriter) {
	var param any
	if e.param != "" {
		param = e.param
	}
	_ = writeJSON(w, e.status, map[string]any{"error": map[string]any{
		"message": marked(e.message),
		"type":    e.typ,
		"param":   param,
		"code":    e.code,
	}})
}
