// Package profile reads a target profile: what a gateway offers the suite beyond a base URL and a key —
// keys by role, the model ids that provoke upstream faults, its upstream timeout, how to provoke 500 and
// 503. A profile names environment variables, never keys, so it can be committed beside a gateway's code.
package profile

import (
	"bytes"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
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
