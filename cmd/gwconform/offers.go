package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
)

// referenceOffers is the profile of the embedded reference gateway: it offers every trigger, with bounds
// small enough that `make run` stays quick.
func referenceOffers(s *inprocess.Stack) profile.Resolved {
	r := profile.Resolved{
		Keys: map[string]string{
			profile.RoleZeroCredit:  s.ZeroCreditKey,
			profile.RoleRevoked:     s.RevokedKey,
			profile.RoleRateLimited: s.RateLimitedKey,
		},
		KeySources:      map[string]string{},
		FaultModels:     map[string]string{},
		UpstreamTimeout: s.UpstreamTimeout,
		Triggers: map[string]profile.Trigger{
			profile.TriggerServerError: {Model: s.FaultModels["internal"]},
			profile.TriggerUnavailable: {Model: s.FaultModels["maintenance"]},
		},
		ModelsNeedKey: new(bool), // the reference's catalogue is public
		Burst:         20,
		BurstWithin:   5 * time.Second,
		RetryAttempts: profile.DefaultRetryAttempts,
		RetryBase:     profile.DefaultRetryBase,
	}
	// The same names serve's export line and --profile-out use, so a curl line pastes into that shell.
	for name, role := range referenceKeyEnv {
		if _, ok := r.Keys[role]; ok {
			r.KeySources[role] = "$" + name
		}
	}
	for _, f := range faults.All() {
		if m, ok := s.FaultModels[f.Key]; ok {
			r.FaultModels[f.Key] = m
		}
	}
	return r
}

// printOffers shows the effective profile, so a skipped spec's reason can be traced to it. Keys appear only
// by the variable they came from.
func printOffers(w io.Writer, path string, r profile.Resolved) {
	source := "embedded reference"
	if path != "" {
		source = path + ", overridden by flags and environment"
	} else if len(r.Keys) == 0 && len(r.FaultModels) == 0 {
		source = "none: specs that need a trigger are skipped; see --profile"
	}
	fmt.Fprintf(w, "gwconform: profile (%s):\n", source)
	for _, line := range r.Summary() {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// oneLine keeps a multi-line error (a YAML one, say) to the one line every bad input gets.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
