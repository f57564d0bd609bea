package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Model is a public model id and how it maps upstream.
type Model struct {
	ID string
	// UpstreamID is the id sent upstream; empty means the same as ID.
	UpstreamID string
	// SupportedParameters lists the request members, besides model and
	// messages, that this model accepts.
	SupportedParameters []string
	// OwnedBy is shown in the listing; empty means "gwconform".
	OwnedBy string
	// UpstreamTimeout bounds this model's upstream exchanges, as gateways
	// with per-model timeouts allow; zero means Config.UpstreamTimeout.
	UpstreamTimeout time.Duration
	// UpstreamURL routes this model to another provider (base URL ending in
	// /v1); empty means Config.UpstreamURL. New does not check it: a bad
	// route is an operator's mistake that real gateways discover only when
	// a request takes it, and the reference gateway keeps one on purpose as
	// its trigger for a gateway server error (SRV-1). Such a request is
	// answered 500 server_error.
	UpstreamURL string
	// Maintenance takes the model out of service: requests that pass
	// authentication and validation are answered 503 with Retry-After.
	Maintenance bool
	// Confidential models are served only with the upstream's proof of
	// confidential compute (faults.AttestationHeader: verified); without
	// it the answer is withheld and the request refused with 403.
	Confidential bool
}

type catalogueEntry struct {
	Model
	supported map[string]bool
}

type catalogue struct {
	order   []*catalogueEntry
	byID    map[string]*catalogueEntry
	created int64
}

func newCatalogue(models []Model, created int64) (*catalogue, error) {
	c := &catalogue{byID: make(map[string]*catalogueEntry, len(models)), created: created}
	for _, m := range models {
		if m.ID == "" {
			return nil, errors.New("gateway: a model has an empty id")
		}
		if _, dup := c.byID[m.ID]; dup {
			return nil, fmt.Errorf("gateway: model %q listed twice", m.ID)
		}
		if m.UpstreamID == "" {
			m.UpstreamID = m.ID
		}
		if m.OwnedBy == "" {
			m.OwnedBy = "gwconform"
		}
		m.SupportedParameters = append([]string{}, m.SupportedParameters...)
		e := &catalogueEntry{Model: m, supported: make(map[string]bool, len(m.SupportedParameters))}
		for _, p := range m.SupportedParameters {
			e.supported[p] = true
		}
		c.order = append(c.order, e)
		c.byID[m.ID] = e
	}
	return c, nil
}

// maintenance is the answer for a model taken out of service. Its window is
// short: a run provokes it on purpose, and a client that retries as told
// (the official SDK does, twice) must not hold the run up.
func maintenance() *APIError {
	return newError(http.StatusServiceUnavailable, TypeServiceUnavailable, ReasonMaintenance,
		"This model is down for maintenance. Retry after the number of seconds in Retry-After.").
		withCode("model_maintenance").
		withHeader("Retry-After", "1")
}

// listModels is public: the catalogue is what a client consults before it
// has a working key, and the contract leaves the choice to the target.
func (g *Gateway) listModels(w http.ResponseWriter, _ *http.Request) {
	type entry struct {
		ID                  string   `json:"id"`
		Object              string   `json:"object"`
		Created             int64    `json:"created"`
		OwnedBy             string   `json:"owned_by"`
		SupportedParameters []string `json:"supported_parameters"`
	}
	data := make([]entry, 0, len(g.models.order))
	for _, m := range g.models.order {
		data = append(data, entry{
			ID: m.ID, Object: "model", Created: g.models.created,
			OwnedBy: m.OwnedBy, SupportedParameters: m.SupportedParameters,
		})
	}
	writeJSON(w, http.StatusOK, struct {
		Object string  `json:"object"`
		Data   []entry `json:"data"`
	}{"list", data})
}

// writeJSON is for successful answers only; errors go through writeError.
// An encoding failure is a bug, left to the panic handler's 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// retrieveModel serves GET /v1/models/{id}: the entry for a listed id, else 404 with the envelope, as
// OpenAI's API answers; ids may hold slashes (ref/chat-small), so the id is the whole rest of the path.
func (g *Gateway) retrieveModel(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, modelsPath+"/")
	m, ok := g.models.byID[id]
	if !ok {
		g.writeError(w, r, newError(http.StatusNotFound, TypeInvalidRequest, ReasonUnknownModel,
			"The model does not exist. See GET /v1/models for the models this gateway serves.").withCode("model_not_found").withParam("model"))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		ID                  string   `json:"id"`
		Object              string   `json:"object"`
		Created             int64    `json:"created"`
		OwnedBy             string   `json:"owned_by"`
		SupportedParameters []string `json:"supported_parameters"`
	}{m.ID, "model", g.models.created, m.OwnedBy, m.SupportedParameters})
}
