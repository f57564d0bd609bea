// Package profile reads a target profile: what a gateway offers the suite beyond a base URL and a key —
// keys by role, the model ids that provoke upstream faults, its upstream timeout, how to provoke 500 and
// 503. A profile names environment variables, never keys, so it can be committed beside a gateway's code.
package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/validate"
	"github.com/gwconform/gwconform/internal/witness"
)

// Profile is the file as written.
type Profile struct {
	Target    string             `yaml:"target,omitempty"`
	APIKeyEnv string             `yaml:"api_key_env,omitempty"`
	Keys      map[string]string  `yaml:"keys,omitempty"` // role -> environment variable name
	RateLimit *RateLimit         `yaml:"rate_limit,omitempty,flow"`
	Upstream  *Upstream          `yaml:"upstream,omitempty"`
	Triggers  map[string]Trigger `yaml:"triggers,omitempty"`
	Retry     *Retry             `yaml:"retry,omitempty,flow"`
	// ModelsNeedKey says whether GET /v1/models requires a key, the target's choice (MOD-1). Unset, the
	// keyless request is not sent.
	ModelsNeedKey *bool `yaml:"models_need_key,omitempty"`
	// Model is the id to put in requests, for a target whose GET /v1/models cannot be read with the suite's
	// key: named, the run goes on and MOD-1 judges the catalogue like any other spec. --model overrides it.
	Model string `yaml:"model,omitempty"`
	// ConfidentialModel is a model the gateway serves only from confidential compute: its completions must
	// report the verification (RCPT-2).
	ConfidentialModel string `yaml:"confidential_model,omitempty"`
	// Headers are sent with every request, for a gateway that routes on them or sits behind another auth
	// layer: a literal value is shown as it is, {env: NAME} reads a secret, shown only as $NAME.
	Headers map[string]HeaderValue `yaml:"headers,omitempty"`
	// Lacks names features the gateway does not have at all (rate_limit, credits, confidential): their
	// requirements are then not applicable, rather than waiting on a profile entry that cannot exist.
	Lacks []string `yaml:"lacks,omitempty,flow"`
	// Negative sends generated invalid bodies (NEG-1), as --negative and --seed do; the flags override it.
	Negative *Negative `yaml:"negative,omitempty,flow"`
}

// Negative is how many generated invalid bodies a run sends (0: none), and from which seed (unset:
// DefaultNegativeSeed).
type Negative struct {
	Count int     `yaml:"count"`
	Seed  *uint64 `yaml:"seed,omitempty"`
}

// MaxNegative bounds how many generated bodies one run sends: beyond it a run is a fuzzing campaign, and
// its reports (up to ten specs a body) outgrow a CI runner's memory (docs/coverage.md's "Generated
// invalid bodies" gives what a run of 2000 was measured to peak at).
const MaxNegative = 2000

// The bounds of a profile's numbers, as the loader's own messages give them. schemas/profile.json states
// them too, for editors; TestTheSchemaBoundsAreTheLoaders holds the two to each other.
const (
	MaxBurst            = 10000 // rate_limit.burst: beyond it the burst is a load test
	MaxBurstConcurrency = 64    // rate_limit.concurrency, as run's --concurrency
	MaxRetryAttempts    = 10    // retry.attempts
)

// DefaultNegative and DefaultNegativeSeed are what a run sends of generated bodies when neither the flags
// nor the profile say: enough to break every rule of the request schema at least once, so that every run
// judges NEG-1, from one fixed seed, so that two such runs send the same bytes.
const (
	DefaultNegative     = 100
	DefaultNegativeSeed = 1
)

// Features a gateway may lack, and what each means.
const (
	FeatureRateLimit    = "rate_limit"
	FeatureCredits      = "credits"
	FeatureConfidential = "confidential"
)

// Features are every feature a profile's lacks may name, with how a report says it is absent.
var Features = map[string]string{
	FeatureRateLimit:    "the gateway has no rate limit",
	FeatureCredits:      "the gateway has no credits",
	FeatureConfidential: "the gateway has no confidential models",
}

// Roles a key may play: the one vocabulary the profile's keys, the scenarios' credentials and the run's
// keys share. RoleValid is the run's main key (--api-key-env, or api_key_env); the others are named under
// keys in a profile.
const (
	RoleValid       = "valid"
	RoleZeroCredit  = "zero_credit"
	RoleRevoked     = "revoked"
	RoleRateLimited = "rate_limited"
)

// Roles are the roles a profile's keys may name: every role but the main key's.
var Roles = []string{RoleZeroCredit, RoleRevoked, RoleRateLimited}

// Trigger names: the conditions a profile may say how to provoke, and a scenario may need provoked.
const (
	TriggerServerError = "server_error" // a 500 from the gateway itself (SRV-1)
	TriggerUnavailable = "unavailable"  // a 503 (SRV-2)
)

// Triggers are every trigger name.
var Triggers = []string{TriggerServerError, TriggerUnavailable}

// RateLimit bounds the opt-in burst that looks for a 429 (LIMIT-1): at most Burst requests within Within,
// stopping at the first 429.
type RateLimit struct {
	Burst  int      `yaml:"burst"`
	Within Duration `yaml:"within"`
	// Completions bursts with real completions rather than requests for an unknown model, for a gateway
	// that checks the model before its rate limit. Billable: up to Burst completions.
	Completions bool `yaml:"completions,omitempty"`
	// Concurrency is how many burst requests are in flight at once; unset, one: a limiter that counts a
	// request when it completes lets a wave through before it counts any of it.
	Concurrency int `yaml:"concurrency,omitempty"`
}

// Upstream says the gateway fronts `gwconform upstream` (Faults: every fault model defaults to the
// upstream's own id) and how long the gateway waits for its upstream.
type Upstream struct {
	Faults  bool              `yaml:"faults,omitempty"`
	Timeout Duration          `yaml:"timeout,omitempty"`
	Models  map[string]string `yaml:"models,omitempty"` // fault key -> model id as the gateway exposes it
	// Prefix is put before every upstream id at once ("openai/" gives openai/fault/close), for a gateway
	// that lists its provider's models under a provider prefix. Models entries still win.
	Prefix string `yaml:"prefix,omitempty"`
	// Except leaves faults out of Faults: those a gateway has no concept of (unverified: confidential
	// compute is gwconform's own convention, not the page's).
	Except []string `yaml:"except,omitempty,flow"`
	// Witness is the URL of `gwconform upstream`'s witness (http://host:port/gwconform/witness/): with it,
	// the run asks the upstream whether each request reached it.
	Witness string `yaml:"witness,omitempty"`
}

// HeaderValue is a header's value as a profile writes it: a literal, or {env: NAME} for a secret.
type HeaderValue struct {
	Literal string
	Env     string
}

// UnmarshalYAML reads "value" or {env: NAME}.
func (h *HeaderValue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		h.Literal = n.Value
		return nil
	}
	var v struct {
		Env string `yaml:"env"`
	}
	if n.Kind != yaml.MappingNode || n.Decode(&v) != nil || len(n.Content) != 2 {
		return fmt.Errorf("line %d: a header's value is a literal or {env: NAME}", n.Line)
	}
	h.Env = v.Env
	return nil
}

// MarshalYAML writes the value as UnmarshalYAML reads it.
func (h HeaderValue) MarshalYAML() (any, error) {
	if h.Env != "" {
		return map[string]string{"env": h.Env}, nil
	}
	return h.Literal, nil
}

// Trigger provokes a condition with a model id or a request header ("Name: value").
type Trigger struct {
	Model  string `yaml:"model,omitempty"`
	Header string `yaml:"header,omitempty"`
}

// Retry is the client policy the page documents: 429/500/502/503 only, exponential back-off.
type Retry struct {
	Attempts int      `yaml:"attempts"`
	Base     Duration `yaml:"base,omitempty"`
}

// Duration reads "2s" or "500ms".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as 2s or 500ms", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as UnmarshalYAML reads it.
func (d Duration) MarshalYAML() (any, error) {
	return time.Duration(d).String(), nil
}

// Marshal writes the profile as YAML that Parse reads back to the same profile, with comment (one or more
// lines, without "#") at its head. Sections left empty are not written.
func (p *Profile) Marshal(comment string) ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(p); err != nil {
		return nil, err
	}
	doc.HeadComment = comment
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Load reads and checks a profile file.
func Load(path string) (*Profile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Parse reads a profile and refuses unknown fields, unknown roles, faults and triggers, so a typo is an
// error rather than a silently skipped spec.
func Parse(raw []byte) (*Profile, error) {
	p := &Profile{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return nil, withSuggestions(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, withSuggestions(err)
	}
	// A file of comments alone is a profile never filled in: taken as given, it would run with nothing
	// configured and say nothing of it.
	if doc == nil {
		return nil, errors.New("the profile is empty (nothing but comments and blank lines): write at least its target:, or draft one with gwconform profile draft")
	}
	// The loader's own checks first, for their messages; the schema then holds the rest.
	if err := p.validate(); err != nil {
		return p, err
	}
	return p, againstSchema(doc)
}

func (p *Profile) validate() error {
	var errs []string
	for role, env := range p.Keys {
		if !slices.Contains(Roles, role) {
			errs = append(errs, fmt.Sprintf("keys.%s is not a role (want one of %s)", role, strings.Join(Roles, ", ")))
		}
		if !ValidEnvName(env) {
			errs = append(errs, fmt.Sprintf("keys.%s must name an environment variable, not hold a key", role))
		}
	}
	if p.APIKeyEnv != "" && !ValidEnvName(p.APIKeyEnv) {
		errs = append(errs, "api_key_env must name an environment variable")
	}
	if p.Upstream != nil {
		for key := range p.Upstream.Models {
			if !slices.Contains(faults.Keys(), key) {
				errs = append(errs, fmt.Sprintf("upstream.models.%s is not a fault (want one of %s)", key, strings.Join(faults.Keys(), ", ")))
			}
		}
		if p.Upstream.Prefix != "" && !p.Upstream.Faults {
			errs = append(errs, "upstream.prefix maps the upstream's own fault ids, so it needs upstream.faults: true")
		}
		for _, key := range p.Upstream.Except {
			if !slices.Contains(faults.Keys(), key) {
				errs = append(errs, fmt.Sprintf("upstream.except names %s, which is not a fault (want one of %s)", key, strings.Join(faults.Keys(), ", ")))
			}
		}
		if len(p.Upstream.Except) > 0 && !p.Upstream.Faults {
			errs = append(errs, "upstream.except leaves faults out of upstream.faults: true, so it needs it")
		}
		if p.Upstream.Witness != "" {
			if _, err := WitnessURL(p.Upstream.Witness); err != nil {
				errs = append(errs, "upstream.witness: "+err.Error())
			}
		}
	}
	if n := p.Negative; n != nil && (n.Count < 0 || n.Count > MaxNegative) {
		errs = append(errs, fmt.Sprintf("negative.count must be between 0 and %d, got %d", MaxNegative, n.Count))
	}
	errs = append(errs, p.lackedButOffered()...)
	for name, v := range p.Headers {
		switch {
		case name == "" || strings.ContainsAny(name, " \t\r\n:"):
			errs = append(errs, fmt.Sprintf("headers: %q is not a header name", name))
		case strings.EqualFold(name, "Authorization"):
			errs = append(errs, "headers cannot set Authorization: the suite sends its own, with the key from api_key_env")
		case v.Env != "" && !ValidEnvName(v.Env):
			errs = append(errs, fmt.Sprintf("headers.%s: env must name an environment variable", name))
		case v.Env == "" && (v.Literal == "" || strings.ContainsAny(v.Literal, "\r\n")):
			errs = append(errs, fmt.Sprintf("headers.%s needs a value: a literal, or {env: NAME} for a secret", name))
		}
	}
	errs = append(errs, p.sharedModels()...)
	for name, t := range p.Triggers {
		if !slices.Contains(Triggers, name) {
			errs = append(errs, fmt.Sprintf("triggers.%s is not a trigger (want one of %s)", name, strings.Join(Triggers, ", ")))
		}
		if (t.Model == "") == (t.Header == "") {
			errs = append(errs, fmt.Sprintf("triggers.%s needs exactly one of model and header", name))
		}
		if t.Header != "" {
			if _, _, err := t.SplitHeader(); err != nil {
				errs = append(errs, fmt.Sprintf("triggers.%s.header: %v", name, err))
			}
		}
	}
	if r := p.RateLimit; r != nil && (r.Burst < 1 || r.Burst > MaxBurst || r.Within <= 0) {
		errs = append(errs, fmt.Sprintf("rate_limit needs burst between 1 and %d and a positive within", MaxBurst))
	}
	if r := p.RateLimit; r != nil && (r.Concurrency < 0 || r.Concurrency > MaxBurstConcurrency) {
		errs = append(errs, fmt.Sprintf("rate_limit.concurrency must be between 1 and %d", MaxBurstConcurrency))
	}
	if r := p.Retry; r != nil && (r.Attempts < 1 || r.Attempts > MaxRetryAttempts) {
		errs = append(errs, fmt.Sprintf("retry.attempts must be between 1 and %d", MaxRetryAttempts))
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// sharedModels refuses a model id named both as a fault and as a trigger: one id cannot provoke two
// conditions, so one of the two specs would judge the wrong answer.
func (p *Profile) sharedModels() []string {
	var errs []string
	faultOf := map[string]string{}
	for key, model := range p.faultModels() {
		faultOf[model] = key
	}
	for name, t := range p.Triggers {
		if key, ok := faultOf[t.Model]; ok && t.Model != "" {
			errs = append(errs, fmt.Sprintf("model %s is both upstream fault %s and triggers.%s: give each its own id", t.Model, key, name))
		}
	}
	return errs
}

// faultModels maps each fault the profile provokes to the model id that provokes it on this gateway.
func (p *Profile) faultModels() map[string]string {
	out := map[string]string{}
	u := p.Upstream
	if u == nil {
		return out
	}
	if u.Faults {
		for _, f := range faults.All() {
			if !slices.Contains(u.Except, f.Key) && !(f == faults.Unverified && p.lacks(FeatureConfidential)) {
				out[f.Key] = u.Prefix + f.Model
			}
		}
	}
	for k, m := range u.Models {
		out[k] = m
	}
	return out
}

// SplitHeader reads "Name: value".
func (t Trigger) SplitHeader() (name, value string, err error) {
	name, value, ok := strings.Cut(t.Header, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", fmt.Errorf("%q is not a header such as \"X-Fault: internal\"", t.Header)
	}
	return http.CanonicalHeaderKey(name), value, nil
}

// ValidEnvName says s can name an environment variable a profile or a flag reads a secret from: letters,
// digits and underscores, not starting with a digit (schemas/profile.json's pattern, held to it by a test).
func ValidEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (p *Profile) lacks(feature string) bool { return slices.Contains(p.Lacks, feature) }

// lackedButOffered refuses a profile that says a feature is absent and, in the same breath, says how to
// provoke it: one of the two is a mistake, and which one decides whether a MUST is checked.
func (p *Profile) lackedButOffered() []string {
	var errs []string
	for _, f := range p.Lacks {
		if _, ok := Features[f]; !ok {
			names := make([]string, 0, len(Features))
			for n := range Features {
				names = append(names, n)
			}
			sort.Strings(names)
			errs = append(errs, fmt.Sprintf("lacks names %s, which is not a feature (want one of %s)", f, strings.Join(names, ", ")))
		}
	}
	if p.lacks(FeatureRateLimit) && (p.RateLimit != nil || p.Keys[RoleRateLimited] != "") {
		errs = append(errs, "lacks rate_limit, yet rate_limit or keys.rate_limited is set: drop one")
	}
	if p.lacks(FeatureCredits) && p.Keys[RoleZeroCredit] != "" {
		errs = append(errs, "lacks credits, yet keys.zero_credit is set: drop one")
	}
	if p.lacks(FeatureConfidential) && (p.ConfidentialModel != "" || p.Upstream != nil && p.Upstream.Models[faults.Unverified.Key] != "") {
		errs = append(errs, "lacks confidential, yet confidential_model or upstream.models.unverified is set: drop one")
	}
	return errs
}

// WitnessURL reads upstream.witness: the witness endpoint, or the upstream's bare base (http://host:port),
// to which the witness path is added.
func WitnessURL(raw string) (string, error) {
	u, err := UpstreamRoot(raw)
	if err != nil {
		return "", err
	}
	u.Path = witness.Path
	return u.String(), nil
}

// UpstreamRoot reads the address of `gwconform upstream` in any form a person copies from what it prints:
// its bare base (http://host:port), its base URL (http://host:port/v1) or its witness, each with or without
// a trailing slash. The root, with no path, is returned.
func UpstreamRoot(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:8081", raw)
	}
	switch strings.TrimRight(u.Path, "/") {
	case "", "/v1", strings.TrimSuffix(witness.Path, "/"):
	default:
		return nil, fmt.Errorf("%q is not the upstream's witness or base: want http://host:port, http://host:port/v1 or http://host:port%s", raw, witness.Path)
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = "", "", "", ""
	return u, nil
}

// againstSchema checks the profile's document against schemas/profile.json, the schema editors complete and
// check it with (docs/profiles.md shows the yaml-language-server line): what an editor accepts, the loader accepts.
func againstSchema(doc any) error {
	set, err := validate.Load()
	if err != nil {
		return err
	}
	vs, err := set.ValidateValue("profile.json", doc)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		var msgs []string
		for _, v := range vs {
			msgs = append(msgs, v.String())
		}
		sort.Strings(msgs)
		return fmt.Errorf("against schemas/profile.json: %s", strings.Join(msgs, "; "))
	}
	return nil
}
