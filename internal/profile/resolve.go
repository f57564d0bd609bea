package profile

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Offers is a profile with its environment read: what the suite can provoke on this target. The zero
// value offers nothing, and every spec that needs more is skipped with the reason.
type Offers struct {
	Keys        map[string]string // role -> key (a secret: never print)
	KeySources  map[string]string // role -> where the key came from, for the printed profile
	FaultModels map[string]string // fault key -> model id
	// ExceptedFaults are the faults upstream.except leaves out of faults: true, so that a spec skipped for
	// want of one can say it was the profile's choice, not an omission.
	ExceptedFaults  map[string]bool
	UpstreamTimeout time.Duration
	Triggers        map[string]Trigger
	Burst           int
	BurstWithin     time.Duration
	BurstBillable   bool // the burst sends real completions
	// BurstConcurrency is how many burst requests are in flight at once: 1 unless the profile asks for more.
	BurstConcurrency int
	ModelsNeedKey    *bool
	RetryAttempts    int
	RetryBase        time.Duration
	// Model is the id requests carry when the profile or --model names one; "" lets the suite choose from
	// GET /v1/models.
	Model string
	// Witness is the upstream's witness endpoint (ending in /gwconform/witness/); "" when the profile names
	// none, and then no spec can tell whether a request reached the upstream.
	Witness string
	// Lacks are the features the profile says the gateway does not have.
	Lacks map[string]bool
	// ConfidentialModel is a model served only from confidential compute (RCPT-2); "" offers none.
	ConfidentialModel string
	// Headers are sent with every request; SecretHeaders names (canonically) those whose values are
	// secrets, and HeaderSources says which variable each came from.
	Headers       http.Header
	SecretHeaders map[string]bool
	HeaderSources map[string]string
}

// Defaults of the page's retry policy: three tries, waiting 1s then 2s.
const (
	DefaultRetryAttempts = 3
	DefaultRetryBase     = time.Second
)

// Resolve reads the keys the profile names from the environment. needs says which roles the run will use
// (nil: every role). A needed role whose variable is unset or empty is an error: the profile promised a key
// the run does not have; so is one holding a control character, which no header can carry. A role no
// selected spec uses need not be set (a --label-filter run), and one that holds such a value is left out.
func (p *Profile) Resolve(getenv func(string) string, needs func(role string) bool) (Offers, error) {
	r := Offers{Keys: map[string]string{}, KeySources: map[string]string{}, FaultModels: p.faultModels(), Triggers: map[string]Trigger{}}
	var missing, unsendable []string
	for role, env := range p.Keys {
		raw := getenv(env)
		v := strings.TrimSpace(raw)
		needed := needs == nil || needs(role)
		err := UnsendableEnv(env, raw)
		switch {
		case v == "" && needed:
			missing = append(missing, fmt.Sprintf("keys.%s names $%s, which is empty", role, env))
		case err != nil && needed:
			unsendable = append(unsendable, fmt.Sprintf("keys.%s: %v", role, err))
		}
		if v == "" || err != nil {
			continue
		}
		r.Keys[role], r.KeySources[role] = v, "$"+env
	}
	for name, v := range p.Headers {
		name = http.CanonicalHeaderKey(name)
		if r.Headers == nil {
			r.Headers, r.SecretHeaders, r.HeaderSources = http.Header{}, map[string]bool{}, map[string]string{}
		}
		if v.Env == "" {
			r.Headers.Set(name, v.Literal)
			continue
		}
		raw := getenv(v.Env)
		value := strings.TrimSpace(raw)
		if value == "" {
			missing = append(missing, fmt.Sprintf("headers.%s names $%s, which is empty", name, v.Env))
			continue
		}
		if err := UnsendableEnv(v.Env, raw); err != nil {
			unsendable = append(unsendable, fmt.Sprintf("headers.%s: %v", name, err))
			continue
		}
		r.Headers.Set(name, value)
		r.SecretHeaders[name], r.HeaderSources[name] = true, "$"+v.Env
	}
	if len(unsendable) > 0 {
		sort.Strings(unsendable)
		return Offers{}, errors.New(strings.Join(unsendable, "; "))
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return Offers{}, fmt.Errorf("%s: export it, or drop it from the profile", strings.Join(missing, "; "))
	}
	if u := p.Upstream; u != nil {
		r.UpstreamTimeout = time.Duration(u.Timeout)
		for _, key := range u.Except {
			if r.ExceptedFaults == nil {
				r.ExceptedFaults = map[string]bool{}
			}
			r.ExceptedFaults[key] = true
		}
		if u.Witness != "" {
			r.Witness, _ = WitnessURL(u.Witness) // validate has refused a bad one
		}
	}
	for _, f := range p.Lacks {
		if r.Lacks == nil {
			r.Lacks = map[string]bool{}
		}
		r.Lacks[f] = true
	}
	r.Model = p.Model
	r.ConfidentialModel = p.ConfidentialModel
	for name, t := range p.Triggers {
		r.Triggers[name] = t
	}
	if rl := p.RateLimit; rl != nil {
		r.Burst, r.BurstWithin, r.BurstBillable = rl.Burst, time.Duration(rl.Within), rl.Completions
		r.BurstConcurrency = max(rl.Concurrency, 1)
	}
	r.ModelsNeedKey = p.ModelsNeedKey
	r.RetryAttempts, r.RetryBase = DefaultRetryAttempts, DefaultRetryBase
	if rt := p.Retry; rt != nil {
		r.RetryAttempts = rt.Attempts
		if rt.Base > 0 {
			r.RetryBase = time.Duration(rt.Base)
		}
	}
	return r, nil
}

// WithDefaults fills what an empty profile leaves open with the page's own policy.
func (r Offers) WithDefaults() Offers {
	if r.RetryAttempts == 0 {
		r.RetryAttempts = DefaultRetryAttempts
	}
	if r.RetryBase == 0 {
		r.RetryBase = DefaultRetryBase
	}
	return r
}

// Summary describes what the run can provoke, with no secret in it: keys appear by the variable they came
// from.
func (r Offers) Summary() []string {
	r = r.WithDefaults()
	var lines []string
	if len(r.Keys) == 0 {
		lines = append(lines, "keys: none beyond the main key (LIMIT-3, revoked-key and burst specs skip)")
	} else {
		var ks []string
		for role := range r.Keys {
			ks = append(ks, role+"="+r.KeySources[role])
		}
		sort.Strings(ks)
		lines = append(lines, "keys: "+strings.Join(ks, ", "))
	}
	if len(r.FaultModels) == 0 {
		lines = append(lines, "upstream faults: none (UP specs skip)")
	} else {
		var fs []string
		for k, m := range r.FaultModels {
			fs = append(fs, k+"="+m)
		}
		sort.Strings(fs)
		lines = append(lines, "upstream faults: "+strings.Join(fs, ", "))
	}
	if r.UpstreamTimeout > 0 {
		lines = append(lines, "upstream timeout: "+r.UpstreamTimeout.String())
	} else {
		lines = append(lines, "upstream timeout: unknown (UP-3 skips)")
	}
	var ts []string
	for name, t := range r.Triggers {
		how := "model " + t.Model
		if t.Header != "" {
			how = "header " + t.Header
		}
		ts = append(ts, name+" by "+how)
	}
	sort.Strings(ts)
	if len(ts) == 0 {
		ts = []string{"none (SRV-1, SRV-2 skip)"}
	}
	lines = append(lines, "triggers: "+strings.Join(ts, ", "))
	if r.Burst > 0 {
		what := "requests for an unknown model"
		if r.BurstBillable {
			what = "completions (billable)"
		}
		pace := "one at a time"
		if r.BurstConcurrency > 1 {
			pace = fmt.Sprintf("%d at a time", r.BurstConcurrency)
		}
		lines = append(lines, fmt.Sprintf("rate-limit burst: up to %d %s within %s, %s, stopping at the first 429", r.Burst, what, r.BurstWithin, pace))
	} else {
		lines = append(lines, "rate-limit burst: off (LIMIT-1 skips; opt in with rate_limit)")
	}
	switch {
	case r.ModelsNeedKey == nil:
		lines = append(lines, "GET /v1/models without a key: not said (its spec skips; set models_need_key)")
	case *r.ModelsNeedKey:
		lines = append(lines, "GET /v1/models without a key: 401 expected (models_need_key: true)")
	default:
		lines = append(lines, "GET /v1/models without a key: 200 expected (models_need_key: false)")
	}
	if r.Model != "" {
		lines = append(lines, "model: "+r.Model+" (named, not chosen from GET /v1/models)")
	}
	if len(r.Headers) > 0 {
		var hs []string
		for name := range r.Headers {
			if r.SecretHeaders[name] {
				hs = append(hs, name+": "+r.HeaderSources[name]+" (secret)")
			} else {
				hs = append(hs, name+": "+r.Headers.Get(name))
			}
		}
		sort.Strings(hs)
		lines = append(lines, "headers: "+strings.Join(hs, ", "))
	}
	if r.ConfidentialModel != "" {
		lines = append(lines, "confidential model: "+r.ConfidentialModel+" (RCPT-2: its completions report the verification)")
	}
	if r.Witness != "" {
		lines = append(lines, "upstream witness: "+r.Witness+" (each transcript says whether its request reached the upstream)")
	} else {
		lines = append(lines, "upstream witness: none (whether a refused request reached the upstream is not checked)")
	}
	if len(r.Lacks) > 0 {
		var ls []string
		for f := range r.Lacks {
			ls = append(ls, f)
		}
		sort.Strings(ls)
		lines = append(lines, "lacks: "+strings.Join(ls, ", ")+" (their specs are not applicable)")
	}
	lines = append(lines, fmt.Sprintf("retry policy: %d attempts, back-off from %s (429/500/502/503 only)", r.RetryAttempts, r.RetryBase))
	return lines
}
