package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/suite"
)

// --progress counts and lists only the scenarios that will be sent: one the profile cannot trigger is
// skipped before any request, so it is neither counted nor printed.
func TestProgressListsOnlyScenariosThatAreSent(t *testing.T) {
	t.Parallel()
	plan, err := suite.LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	// AUTH-1 is charged by the missing-header scenarios (the array-body one through its 401's type), and by
	// the keyless catalogue scenario that only a profile saying models_need_key: true sends.
	filter, err := parseLabelFilter("req:AUTH-1")
	if err != nil {
		t.Fatal(err)
	}
	sel := selectSpecs(plan, filter)
	missing, keyless := scenarioName(plan, "auth-missing-header"), scenarioName(plan, "mod-list-needs-key")
	needs := true
	for _, c := range []struct {
		name    string
		offers  profile.Offers
		total   int
		printed bool
	}{
		{"the profile cannot trigger it", profile.Offers{}, 2, false},
		{"the profile triggers it", profile.Offers{ModelsNeedKey: &needs}, 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var w bytes.Buffer
			p := newProgress(&w, sel, c.offers, false)
			p.report(missing, true, 0)
			p.report(keyless, true, 0)
			if p.total != c.total || strings.Contains(w.String(), keyless) != c.printed || !strings.Contains(w.String(), missing) {
				t.Fatalf("total %d, want %d; printed:\n%s", p.total, c.total, w.String())
			}
		})
	}
}

func scenarioName(plan *suite.Plan, id string) string {
	for _, sc := range plan.Scenarios.Scenarios {
		if sc.ID == id {
			return sc.Name()
		}
	}
	return ""
}
