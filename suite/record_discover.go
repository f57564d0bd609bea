package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/exchange"
	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
)

// UnknownModel is the model id no catalogue lists; discovery makes sure this target's does not. It has no
// slash: in GET /v1/models/{id} one would make a router match another route than the retrieve one (one-api
// answers 404 from its catch-all, where the id without a slash gets its retrieve handler's answer).
const UnknownModel = "gwconform-no-such-model-7c1d"

// discovery is what GET /v1/models told the run, before anything else was sent: a model that takes the
// parameters the request scenarios vary, and one whose supported_parameters lack max_tokens (REQ-6).
type discovery struct {
	catalogue *exchange.Exchange // the request itself
	vars      map[string]string
	why       map[string]string // why a value is missing
	models    []string          // every id listed, for scenarios sent once per model
	listed    bool              // the catalogue answered a model list: models is all it lists, even none
	// params are the supported_parameters {{model}} lists; nil when it lists none, or was named and not listed.
	params []string
}

// DiscoveryWait is how long the run waits for its first answer, GET /v1/models: the per-request timeout,
// as for every other request (a busy machine or a distant target may take seconds), or 5s without one.
func DiscoveryWait(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return 5 * time.Second
	}
	return timeout
}

// Discover asks GET /v1/models once, with the valid key, for the values the scenarios need, and returns
// the exchange: it is the run's first request, so the caller can tell from it a target that cannot be
// tested at all (no complete answer, or its own key refused) before anything else is sent.
func (t *Target) Discover(ctx context.Context) *exchange.Exchange {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryWait(t.client.Timeout))
	defer cancel()
	d := &discovery{}
	d.catalogue, d.vars, d.why, d.models, d.params, d.listed = t.discover(ctx)
	t.disc = d
	return d.catalogue
}

// ProbeKey asks once, after Discover, whether the target takes the suite's key where every scenario goes: a
// chat request for a model no one serves, which a conformant gateway refuses for its model and bills nothing
// for. Many gateways list their models to anyone, so a 200 from GET /v1/models says nothing of the key; a 401
// here says the key itself is refused, and then no answer the run would judge is about the target.
func (t *Target) ProbeKey(ctx context.Context) *exchange.Exchange {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryWait(t.client.Timeout))
	defer cancel()
	h := t.headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+t.keys[profile.RoleValid])
	body := fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"gwconform: does the target take this key?"}]}`, UnknownModel)
	return t.client.Do(ctx, http.MethodPost, "/chat/completions", h, exchange.Bytes(body))
}

// UnlistedModel is the model named with --model or the profile's model: when the catalogue Discover read
// does not list it, a likely typo; "" when it does, when none is named, or when no model list was read.
func (t *Target) UnlistedModel() string {
	named := t.offers.Model
	if named == "" || t.disc == nil || !t.disc.listed || slices.Contains(t.disc.models, named) {
		return ""
	}
	return named
}

// paramsVaried are the parameters the request scenarios send with {{model}}: a model that supports them all
// fails those scenarios only for the reason each one means.
var paramsVaried = []string{"temperature", "max_tokens", "n", "stream"}

// vars binds the placeholders a scenario needs: discovered models, and the fault models the profile names.
// {{trigger_model}} is bound by the scenario's trigger, not here.
func (t *Target) vars(needs []string) (map[string]string, string) {
	d := t.disc
	vars := maps.Clone(d.vars)
	for key, model := range t.offers.FaultModels {
		vars[scenario.FaultVar(key)] = model
	}
	if m := t.offers.ConfidentialModel; m != "" {
		vars[scenario.ConfidentialModelVar] = m
	}
	// The burst's request must reach the rate limit: an unknown model costs nothing, but a gateway that
	// checks the model first answers it 400 forever; such a profile bursts with real completions.
	if m, ok := vars[scenario.UnknownModelVar]; ok && !t.offers.BurstBillable {
		vars[scenario.BurstModelVar] = m
	} else if m, ok := vars[scenario.ModelVar]; ok && t.offers.BurstBillable {
		vars[scenario.BurstModelVar] = m
	}
	for _, n := range needs {
		if _, ok := vars[n]; ok || n == scenario.TriggerModelVar {
			continue
		}
		why := d.why[n]
		if why == "" {
			why = "this target offers no " + scenario.Placeholders[n]
		}
		return nil, fmt.Sprintf("needs %s: %s", scenario.Ref(n), why)
	}
	return vars, ""
}

// eachModelUnmet says why a scenario sent once per listed model (MOD-4) cannot be sent: the catalogue could
// not be read, or lists no ordinary model. A named model does not stand in for the list, as MOD-4 is about
// the ids the target lists. Call it after vars.
func (t *Target) eachModelUnmet() string {
	if len(t.disc.models) > 0 {
		return ""
	}
	return "needs the ids GET /v1/models lists: " + t.disc.why[scenario.EachModelNeed]
}

type listedModel struct {
	ID                  string   `json:"id"`
	SupportedParameters []string `json:"supported_parameters"`
	hasParams           bool
}

func (t *Target) discover(ctx context.Context) (ex *exchange.Exchange, vars, why map[string]string, ids, params []string, read bool) {
	vars = map[string]string{scenario.UnknownModelVar: UnknownModel}
	why = map[string]string{}
	h := t.headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Accept", "application/json")
	h.Set("Authorization", "Bearer "+t.keys[profile.RoleValid])
	// A model named with --model or the profile is used as given: the run goes on even when the catalogue
	// cannot be read, and MOD-1 judges the catalogue as an ordinary spec.
	named := t.offers.Model
	if named != "" {
		vars[scenario.ModelVar] = named
	}
	ex = t.client.Do(ctx, http.MethodGet, "/models", h, nil)
	listed, err := parseModels(ex.Response, ex.Err)
	if err != nil {
		why[scenario.ModelVar] = "GET /v1/models " + err.Error()
		why[scenario.ModelWithoutMaxTokensVar] = why[scenario.ModelVar]
		why[scenario.EachModelNeed] = why[scenario.ModelVar]
		return ex, vars, why, nil, nil, false
	}
	// Fault and trigger models fail by design: no ordinary scenario may use one, and MOD-4 buys no completion
	// from one. A model the person named is theirs to choose.
	var models []listedModel
	for _, m := range listed {
		if m.ID == named || !t.reserved(m.ID) {
			models = append(models, m)
		}
	}
	switch {
	case len(listed) == 0:
		why[scenario.EachModelNeed] = "it lists none"
	case len(models) == 0:
		why[scenario.EachModelNeed] = "it lists only fault and trigger models"
	}
	for _, m := range models {
		ids = append(ids, m.ID)
		if m.ID == UnknownModel {
			why[scenario.UnknownModelVar] = "the target lists " + UnknownModel
			delete(vars, scenario.UnknownModelVar)
		}
	}
	if named == "" {
		if m, ok := pickModel(models); ok {
			vars[scenario.ModelVar] = m
		} else if len(listed) > 0 {
			why[scenario.ModelVar] = "GET /v1/models lists only fault and trigger models: name another with --model"
		} else {
			why[scenario.ModelVar] = "GET /v1/models lists no model"
		}
	}
	for _, m := range models {
		if m.hasParams && !slices.Contains(m.SupportedParameters, "max_tokens") {
			vars[scenario.ModelWithoutMaxTokensVar] = m.ID
			break
		}
	}
	if _, ok := vars[scenario.ModelWithoutMaxTokensVar]; !ok {
		why[scenario.ModelWithoutMaxTokensVar] = "no model listed by GET /v1/models declares supported_parameters without max_tokens"
	}
	for _, m := range listed {
		if m.ID == vars[scenario.ModelVar] && m.hasParams {
			params = append([]string{}, m.SupportedParameters...)
		}
	}
	return ex, vars, why, ids, params, true
}

// reserved says whether id provokes a failure on purpose: a fault or trigger model of the profile, or an id
// of gwconform's own fault vocabulary, which a target fronting `gwconform upstream` may list without a
// profile, bare (fault/close) or under a provider prefix (openai/fault/close).
func (t *Target) reserved(id string) bool {
	for _, m := range t.offers.FaultModels {
		if id == m {
			return true
		}
	}
	for _, trig := range t.offers.Triggers {
		if trig.Model != "" && id == trig.Model {
			return true
		}
	}
	return faults.Named(id)
}

// ListedIDs reads a GET /v1/models exchange as discovery does: the ids of its well-formed entries, or why
// it is not a model list.
func ListedIDs(ex *exchange.Exchange) ([]string, error) {
	models, err := parseModels(ex.Response, ex.Err)
	ids := make([]string, 0, len(models))
	for _, m := range models {
		ids = append(ids, m.ID)
	}
	return ids, err
}

func parseModels(r *exchange.Response, err error) ([]listedModel, error) {
	if err != nil {
		return nil, fmt.Errorf("got no answer: %v", err)
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("answered %d", r.Status)
	}
	var list struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil {
		return nil, fmt.Errorf("answered a body that is not a model list: %v", err)
	}
	var models []listedModel
	for _, raw := range list.Data {
		var m listedModel
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || json.Unmarshal(raw, &fields) != nil || m.ID == "" {
			continue // MOD-1's spec reports a malformed entry; discovery just passes it over
		}
		_, m.hasParams = fields["supported_parameters"]
		models = append(models, m)
	}
	return models, nil
}

// pickModel prefers a model that declares every parameter the request scenarios vary, then one that declares
// none (it may take anything), then the first by id.
func pickModel(models []listedModel) (string, bool) {
	if len(models) == 0 {
		return "", false
	}
	// By id, not by the list's order: a gateway that lists its models in a new order each time (one-api
	// does) must get the same model, and so the same generated bodies, on every run.
	models = slices.Clone(models)
	slices.SortStableFunc(models, func(a, b listedModel) int { return strings.Compare(a.ID, b.ID) })
	for _, m := range models {
		if m.hasParams && containsAll(m.SupportedParameters, paramsVaried) {
			return m.ID, true
		}
	}
	for _, m := range models {
		if !m.hasParams {
			return m.ID, true
		}
	}
	return models[0].ID, true
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
