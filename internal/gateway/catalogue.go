package gateway

import (
	"errors"
	"fmt"
	"net/http"
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
