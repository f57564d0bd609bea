package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
)

// Environment variables a reference profile names for the stack's keys.
var referenceKeyEnv = map[string]string{
	"API_KEY":              profile.RoleValid,
	"GWC_ZERO_CREDIT_KEY":  profile.RoleZeroCredit,
	"GWC_REVOKED_KEY":      profile.RoleRevoked,
	"GWC_RATE_LIMITED_KEY": profile.RoleRateLimited,
}

// referenceProfile is the profile a vendor would write for a reference stack started on its own (`serve
// --profile-out`): keys by variable name, the fault models it exposes, its upstream timeout, its triggers.
func referenceProfile(s *inprocess.Stack) string {
	var models []string
	for key, model := range s.FaultModels {
		if key != "internal" && key != "maintenance" {
			models = append(models, fmt.Sprintf("    %s: %s\n", key, model))
		}
	}
	sort.Strings(models)
	return fmt.Sprintf(`# The reference gateway at %s, as gwconform serve started it.
target: %s
api_key_env: API_KEY
keys:
  zero_credit: GWC_ZERO_CREDIT_KEY
  revoked: GWC_REVOKED_KEY
  rate_limited: GWC_RATE_LIMITED_KEY
rate_limit: {burst: 20, within: 5s}
models_need_key: false
upstream:
  timeout: %s
  models:
%striggers:
  server_error: {model: %s}
  unavailable: {model: %s}
`, s.BaseURL, s.BaseURL, s.UpstreamTimeout, strings.Join(models, ""), s.FaultModels["internal"], s.FaultModels["maintenance"])
}

// referenceKeys is the environment that holds the stack's keys under the names the profile uses.
func referenceKeys(s *inprocess.Stack) []string {
	value := map[string]string{profile.RoleValid: s.APIKey, profile.RoleZeroCredit: s.ZeroCreditKey, profile.RoleRevoked: s.RevokedKey, profile.RoleRateLimited: s.RateLimitedKey}
	var env []string
	for name, role := range referenceKeyEnv {
		env = append(env, name+"="+value[role])
	}
	sort.Strings(env)
	return env
}

func writeReferenceProfile(path string, s *inprocess.Stack) error {
	return os.WriteFile(path, []byte(referenceProfile(s)), 0o644)
}
