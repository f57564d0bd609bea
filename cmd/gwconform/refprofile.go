package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
)

// referenceProfile is the one description of what a reference stack offers: the profile a vendor would
// write for it. `serve --profile-out` writes it; the embedded run resolves it against referenceEnv. Its
// bounds are small enough that `make run` stays quick, and it offers every trigger.
func referenceProfile(s *inprocess.Stack) *profile.Profile {
	models := map[string]string{}
	for _, f := range faults.All() {
		if m, ok := s.FaultModels[f.Key]; ok {
			models[f.Key] = m
		}
	}
	var headers map[string]profile.HeaderValue
	for _, h := range s.Requires {
		name, value, _ := strings.Cut(h, ":")
		if headers == nil {
			headers = map[string]profile.HeaderValue{}
		}
		headers[strings.TrimSpace(name)] = profile.HeaderValue{Literal: strings.TrimSpace(value)}
	}
	return &profile.Profile{
		Target:    s.BaseURL,
		Headers:   headers,
		APIKeyEnv: "API_KEY",
		Keys: map[string]string{
			profile.RoleZeroCredit:  "GWC_ZERO_CREDIT_KEY",
			profile.RoleRevoked:     "GWC_REVOKED_KEY",
			profile.RoleRateLimited: "GWC_RATE_LIMITED_KEY",
		},
		// The reference limits at the third request; the window is wide so that a gateway without a limit
		// is still sent all 20 on a starved machine, and fails LIMIT-1 instead of being skipped.
		RateLimit:         &profile.RateLimit{Burst: 20, Within: profile.Duration(30 * time.Second)},
		ModelsNeedKey:     new(s.ModelsNeedKey), // public, unless a defect says otherwise
		ConfidentialModel: inprocess.ConfidentialModel,
		Upstream:          &profile.Upstream{Timeout: profile.Duration(s.UpstreamTimeout), Models: models, Witness: s.WitnessURL},
		Triggers: map[string]profile.Trigger{
			profile.TriggerServerError: {Model: s.FaultModels["internal"]},
			profile.TriggerUnavailable: {Model: s.FaultModels["maintenance"]},
		},
	}
}

// referenceEnv holds the stack's keys under the variable names its profile gives them.
func referenceEnv(s *inprocess.Stack, p *profile.Profile) map[string]string {
	byRole := map[string]string{profile.RoleZeroCredit: s.ZeroCreditKey, profile.RoleRevoked: s.RevokedKey, profile.RoleRateLimited: s.RateLimitedKey}
	env := map[string]string{p.APIKeyEnv: s.APIKey}
	for role, name := range p.Keys {
		env[name] = byRole[role]
	}
	return env
}

// referenceKeys is the environment that holds the stack's keys, as serve's export line prints it.
func referenceKeys(s *inprocess.Stack) []string {
	var env []string
	for name, value := range referenceEnv(s, referenceProfile(s)) {
		env = append(env, name+"="+value)
	}
	sort.Strings(env)
	return env
}

// writeReferenceProfile writes the stack's profile as `serve --profile-out` does.
func writeReferenceProfile(path string, s *inprocess.Stack) error {
	b, err := referenceProfile(s).Marshal(fmt.Sprintf("The reference gateway at %s, as gwconform serve started it.", s.BaseURL))
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
