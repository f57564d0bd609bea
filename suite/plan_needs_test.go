package suite

import (
	"slices"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
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

// A fault the profile's upstream.except leaves out is skipped naming except, the profile's own choice, for
// every fault; one the profile simply does not configure keeps asking for upstream.models or faults: true.
func TestAFaultLeftOutByExceptSaysSo(t *testing.T) {
	plan, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	// Everything but the fault is offered, so that the fault is the first need left unmet.
	rest := profile.Offers{UpstreamTimeout: time.Second}
	for _, f := range faults.All() {
		excepted := rest
		excepted.ExceptedFaults = map[string]bool{f.Key: true}
		provoking := 0
		for _, sc := range plan.Scenarios.Scenarios {
			if !slices.Contains(plan.Scenarios.Needs(sc), "fault_"+f.Key) {
				continue
			}
			provoking++
			if got, want := Unmet(sc, plan.Scenarios, excepted, true), "upstream.except in the profile leaves out "+f.Key; got != want {
				t.Errorf("%s with %s excepted: %q, want %q", sc.ID, f.Key, got, want)
			}
			if got, want := Unmet(sc, plan.Scenarios, rest, true), "needs upstream.models."+f.Key+" (or upstream.faults: true) in the profile"; got != want {
				t.Errorf("%s without %s: %q, want %q", sc.ID, f.Key, got, want)
			}
		}
		if provoking == 0 {
			t.Errorf("no scenario provokes %s", f.Key)
		}
	}
}
