package suite

import (
	"testing"

	"github.com/gwconform/gwconform/internal/profile"
)

// A feature the profile says the gateway lacks makes its scenarios not applicable, whatever else they
// would need; without the declaration, the same scenarios wait on the profile entry they need.
func TestALackedFeatureIsNotApplicable(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	lacking := profile.Offers{Lacks: map[string]bool{profile.FeatureRateLimit: true, profile.FeatureCredits: true, profile.FeatureConfidential: true}}
	for id, want := range map[string]struct{ lacked, plain string }{
		"limit-burst":       {"not applicable (the profile says the gateway has no rate limit)", "needs keys.rate_limited in the profile"},
		"limit-zero-credit": {"not applicable (the profile says the gateway has no credits)", "needs keys.zero_credit in the profile"},
		"up-unverified":     {"not applicable (the profile says the gateway has no confidential models)", "needs upstream.models.unverified (or upstream.faults: true) in the profile"},
		"auth-wrong-key":    {"", ""},
	} {
		sc := scenarioOf(t, plan, id)
		if got := Unmet(sc, plan.Scenarios, lacking, false); got != want.lacked {
			t.Errorf("%s lacking: %q, want %q", id, got, want.lacked)
		}
		if got := Unmet(sc, plan.Scenarios, profile.Offers{}, false); got != want.plain {
			t.Errorf("%s: %q, want %q", id, got, want.plain)
		}
	}
}
