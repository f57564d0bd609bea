package suite

import (
	"fmt"
	"slices"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/scenario"
)

// offered is what a run offers a scenario: the profile's offers and whether --billable was given.
type offered struct {
	profile.Offers
	billable bool
}

// need is one thing a scenario needs from a target beyond a base URL and a key: its name as `gwconform
// list` prints it, and why the offers do not meet it ("" when they do, or when only the target's catalogue
// can tell, at run time).
type need struct {
	name  string
	unmet func(o offered) string
}

// needRow finds the needs of one kind that a scenario has (none, most often), each with its name and the
// reason it would go unmet, so that the two are stated together.
type needRow func(sc scenario.Scenario, set *scenario.Set) []need

// needTable is the one table of what a scenario may need from a target. Unmet and TargetNeeds are both read
// off it, in its order.
var needTable = []needRow{
	// First: a feature the gateway does not have makes every other need moot.
	func(sc scenario.Scenario, set *scenario.Set) []need {
		feature := featureOf(sc, set)
		return needIf(feature != "", "", func(o offered) string {
			return unless(!o.Lacks[feature], report.NotApplicable+" (the profile says "+profile.Features[feature]+")")
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		return needIf(sc.Billable, "--billable", func(o offered) string {
			return unless(o.billable, "billable: buys a real completion from the target; opt in with --billable")
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		role := sc.Request.Credential.Role()
		return needIf(role != "" && role != profile.RoleValid, "keys."+role, func(o offered) string {
			return unless(o.Keys[role] != "", fmt.Sprintf("needs keys.%s in the profile", role))
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		return needIf(sc.Burst, "rate_limit", func(o offered) string {
			return unless(o.Burst != 0, "needs rate_limit (burst and within) in the profile: the burst is opt-in")
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		return needIf(sc.Expect.WithinUpstreamTimeout, "upstream.timeout", func(o offered) string {
			return unless(o.UpstreamTimeout != 0, "needs upstream.timeout in the profile")
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		return needIf(sc.When != "", "models_need_key", func(o offered) string {
			switch {
			case o.ModelsNeedKey == nil:
				return "needs models_need_key (true or false) in the profile"
			case sc.When == "models_public" && *o.ModelsNeedKey, sc.When == "models_need_key" && !*o.ModelsNeedKey:
				return fmt.Sprintf("does not apply: the profile says models_need_key: %t", *o.ModelsNeedKey)
			}
			return ""
		})
	},
	func(sc scenario.Scenario, _ *scenario.Set) []need {
		return needIf(sc.Trigger != "", "triggers."+sc.Trigger, func(o offered) string {
			_, ok := o.Triggers[sc.Trigger]
			return unless(ok, fmt.Sprintf("needs triggers.%s in the profile", sc.Trigger))
		})
	},
	// The body's placeholders: a fault model, or a model only the target's catalogue can name.
	func(sc scenario.Scenario, set *scenario.Set) []need {
		var out []need
		for _, n := range set.Needs(sc) {
			if key, ok := scenario.FaultOfVar(n); ok {
				out = append(out, need{"upstream.models." + key, func(o offered) string { return faultUnmet(o, key) }})
			} else if n == scenario.ConfidentialModelVar {
				out = append(out, need{scenario.ConfidentialModelVar, func(o offered) string {
					return unless(o.ConfidentialModel != "", "needs confidential_model in the profile")
				}})
			} else if n == scenario.ModelWithoutMaxTokensVar {
				out = append(out, need{"a listed model whose supported_parameters lack max_tokens", func(offered) string { return "" }})
			}
		}
		return out
	},
}

// faultUnmet says why the offers provoke no upstream fault key: left out by the profile's own upstream.except,
// or never configured.
func faultUnmet(o offered, key string) string {
	switch {
	case o.FaultModels[key] != "":
		return ""
	case o.ExceptedFaults[key]:
		return fmt.Sprintf("upstream.except in the profile leaves out %s", key)
	}
	return fmt.Sprintf("needs upstream.models.%s (or upstream.faults: true) in the profile", key)
}

// featureOf is the feature a scenario is about, among those a gateway may lack: its rate limit (the burst,
// the rate-limited key), its credits (the zero-credit key), its confidential models (the unverified fault).
func featureOf(sc scenario.Scenario, set *scenario.Set) string {
	switch role := sc.Request.Credential.Role(); {
	case sc.Burst || role == profile.RoleRateLimited:
		return profile.FeatureRateLimit
	case role == profile.RoleZeroCredit:
		return profile.FeatureCredits
	case slices.Contains(set.Needs(sc), scenario.FaultVar(faults.Unverified.Key)), slices.Contains(set.Needs(sc), scenario.ConfidentialModelVar):
		return profile.FeatureConfidential
	}
	return ""
}

func needIf(has bool, name string, unmet func(o offered) string) []need {
	if !has {
		return nil
	}
	return []need{{name, unmet}}
}

func unless(met bool, why string) string {
	if met {
		return ""
	}
	return why
}

func needsOf(sc scenario.Scenario, set *scenario.Set) []need {
	var out []need
	for _, row := range needTable {
		out = append(out, row(sc, set)...)
	}
	return out
}

// Unmet says why a scenario cannot be sent to a target with these offers, from the profile alone, before
// any request: "" when nothing stands in its way. Needs that only the target's catalogue can answer
// ({{model_without_max_tokens}}) are found out at run time.
func Unmet(sc scenario.Scenario, set *scenario.Set, offers profile.Offers, billable bool) string {
	for _, n := range needsOf(sc, set) {
		if why := n.unmet(offered{offers, billable}); why != "" {
			return why
		}
	}
	return ""
}

// TargetNeeds lists, for a person, what a scenario needs beyond a base URL and a key.
func (p *Plan) TargetNeeds(sc scenario.Scenario) []string {
	var names []string
	for _, n := range needsOf(sc, p.Scenarios) {
		if n.name != "" {
			names = append(names, n.name)
		}
	}
	return names
}
