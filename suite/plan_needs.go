package suite

import (
	"fmt"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
)

// Unmet says why a scenario cannot be sent to a target with these offers, from the profile alone, before
// any request: "" when nothing stands in its way. Needs that only the target's catalogue can answer
// ({{model_without_max_tokens}}) are found out at run time.
func Unmet(sc scenario.Scenario, cat *scenario.Catalogue, offers profile.Resolved, billable bool) string {
	if sc.Billable && !billable {
		return "billable: buys a real completion from the target; opt in with --billable"
	}
	if role := sc.Request.Credential.Role(); role != "" && role != scenario.RoleValid && offers.Keys[role] == "" {
		return fmt.Sprintf("needs keys.%s in the profile", role)
	}
	if sc.Burst && offers.Burst == 0 {
		return "needs rate_limit (burst and within) in the profile: the burst is opt-in"
	}
	if sc.Expect.WithinUpstreamTimeout && offers.UpstreamTimeout == 0 {
		return "needs upstream.timeout in the profile"
	}
	if sc.When != "" {
		switch {
		case offers.ModelsNeedKey == nil:
			return "needs models_need_key (true or false) in the profile"
		case sc.When == "models_public" && *offers.ModelsNeedKey, sc.When == "models_need_key" && !*offers.ModelsNeedKey:
			return fmt.Sprintf("does not apply: the profile says models_need_key: %t", *offers.ModelsNeedKey)
		}
	}
	if _, ok := offers.Triggers[sc.Trigger]; sc.Trigger != "" && !ok {
		return fmt.Sprintf("needs triggers.%s in the profile", sc.Trigger)
	}
	for _, n := range cat.Needs(sc) {
		if key, ok := strings.CutPrefix(n, "fault_"); ok && offers.FaultModels[key] == "" {
			return fmt.Sprintf("needs upstream.models.%s (or upstream.faults: true) in the profile", key)
		}
	}
	return ""
}

// TargetNeeds lists, for a person, what a scenario needs beyond a base URL and a key.
func (p *Plan) TargetNeeds(sc scenario.Scenario) []string {
	var needs []string
	if sc.Billable {
		needs = append(needs, "--billable")
	}
	if role := sc.Request.Credential.Role(); role != "" && role != scenario.RoleValid {
		needs = append(needs, "keys."+role)
	}
	if sc.Burst {
		needs = append(needs, "rate_limit")
	}
	if sc.Expect.WithinUpstreamTimeout {
		needs = append(needs, "upstream.timeout")
	}
	if sc.Trigger != "" {
		needs = append(needs, "triggers."+sc.Trigger)
	}
	if sc.When != "" {
		needs = append(needs, "models_need_key")
	}
	for _, n := range p.Scenarios.Needs(sc) {
		switch {
		case strings.HasPrefix(n, "fault_"):
			needs = append(needs, "upstream.models."+strings.TrimPrefix(n, "fault_"))
		case n == "model_without_max_tokens":
			needs = append(needs, "a listed model whose supported_parameters lack max_tokens")
		}
	}
	return needs
}
