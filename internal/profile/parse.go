package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/validate"
)

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
