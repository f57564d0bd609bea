package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/negative"
	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/requirements"
	"github.com/gwconform/gwconform/suite"
)

// dryRun says what a run would do with this configuration, without sending a request: which specs the
// label filter keeps, which of those the profile cannot trigger, with the reason, which wait only on a key
// variable the profile names and the environment leaves unset, and what the generated bodies would be.
func dryRun(w, stderr io.Writer, sel selection, cfg suite.Config, prof *profile.Profile) int {
	leftOutBy := "--label-filter"
	if cfg.Negative.Replay {
		// A replay judges its one body alone: every other spec is left out, as the run leaves it.
		replay, err := parseLabelFilter(suite.ReplayFilter(cfg.Negative, sel.filter.text))
		if err != nil {
			return fail(stderr, "run: %v", err)
		}
		sel, leftOutBy = selectSpecs(sel.plan, replay), "the replay"
	}
	run, waiting, skip := printHandWritten(w, sel, cfg, unsetKeys(prof, cfg.Offers))
	bodies, err := sel.plan.GeneratedBodies(cfg.Negative)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	generated := printGenerated(w, bodies, sel.filter.keeps, cfg.Negative)
	fmt.Fprintf(w, "gwconform: dry run: %d spec(s) would run, %d would run once their key variable is set, %d would be skipped, %d left out by %s; %s; nothing was sent\n",
		run, waiting, skip, len(sel.plan.Specs())-len(sel.specs), leftOutBy, generated)
	return exitConformant
}

// A dry run's line for a spec starts with what a run would do with it, each mark as wide as the others.
const (
	markRun   = "run  "
	markUnset = "unset" // run once the variable of a key the profile names is exported
	markSkip  = "skip "
)

// printHandWritten tells each selected spec of the scenarios what a run would do with it, with the reason
// for any but running it.
func printHandWritten(w io.Writer, sel selection, cfg suite.Config, unset map[string]string) (run, waiting, skip int) {
	onceSet := cfg.Offers
	onceSet.Keys = maps.Clone(cfg.Offers.Keys)
	for role := range unset {
		onceSet.Keys[role] = "set" // what the run would have, the variable exported
	}
	counts := map[string]int{}
	for _, sc := range sel.plan.Scenarios.Scenarios {
		if !sel.scenarios[sc.ID] {
			continue
		}
		mark, why := markSkip, suite.Unmet(sc, sel.plan.Scenarios, cfg.Offers, cfg.Billable)
		switch {
		case why == "":
			mark = markRun
		case suite.Unmet(sc, sel.plan.Scenarios, onceSet, cfg.Billable) == "":
			role := sc.Request.Credential.Role()
			mark, why = markUnset, fmt.Sprintf("would run once $%s is set (the profile names keys.%s; the variable is unset)", unset[role], role)
		}
		for _, s := range sel.specsOf(sc.ID) {
			counts[mark]++
			line := mark + " " + s.Container + " " + s.Leaf
			if why != "" {
				line += ": " + why
			}
			fmt.Fprintln(w, line)
		}
	}
	return counts[markRun], counts[markUnset], counts[markSkip]
}

// unsetKeys are the roles whose key the profile names by a variable the environment leaves unset, with the
// variable: their specs wait on an export, not on the profile.
func unsetKeys(prof *profile.Profile, offers profile.Offers) map[string]string {
	unset := map[string]string{}
	if prof == nil {
		return unset
	}
	for role, env := range prof.Keys {
		if offers.Keys[role] == "" {
			unset[role] = env
		}
	}
	return unset
}

// ruleKind is what a dry run tells of the generated bodies breaking one kind of rule.
type ruleKind struct {
	broken  negative.Broken
	owner   string
	bodies  int
	specs   int
	charged []string
}

// printGenerated tells, by kind of rule broken, how many generated bodies the run would send and how many
// specs would judge them, charged to which requirements; keep is the label filter, which leaves a body unsent
// when it selects none of its specs. It returns the summary's part on them.
func printGenerated(w io.Writer, bodies []suite.GeneratedBody, keep types.LabelFilter, n suite.Negative) string {
	if !n.On() {
		return "no generated bodies (--negative 0)"
	}
	var kinds []*ruleKind
	sent, judging := 0, 0
	for _, b := range bodies {
		var selected []suite.Spec
		for _, s := range b.Specs {
			if keep(s.Labels) {
				selected = append(selected, s)
			}
		}
		if len(selected) == 0 {
			continue
		}
		i := slices.IndexFunc(kinds, func(k *ruleKind) bool { return k.broken == b.Rule.Broken })
		if i < 0 {
			i = len(kinds)
			kinds = append(kinds, &ruleKind{broken: b.Rule.Broken, owner: b.Rule.Owner})
		}
		k := kinds[i]
		k.bodies++
		k.specs += len(selected)
		for _, s := range selected {
			for _, id := range s.Charges {
				if !slices.Contains(k.charged, id) {
					k.charged = append(k.charged, id)
				}
			}
		}
		sent++
		judging += len(selected)
	}
	if sent == 0 {
		return "--label-filter selects no spec of the generated bodies, so none would be sent"
	}
	fmt.Fprintf(w, "gwconform: dry run: %s of seed %d would be sent; for a model that lists every parameter, by the rule each breaks (the run's model may list fewer, and its bodies then break only the rules of those it lists)\n",
		plural(sent, "generated body", "generated bodies"), n.Seed)
	for _, k := range kinds {
		slices.SortFunc(k.charged, func(a, b string) int {
			if requirements.Less(a, b) {
				return -1
			}
			return 1
		})
		fmt.Fprintf(w, "gen   %s, %s's rule: %s, judged by %s charged to %s\n", k.broken, k.owner, plural(k.bodies, "body", "bodies"), plural(k.specs, "spec", "specs"), strings.Join(k.charged, ", "))
	}
	return fmt.Sprintf("%s would be judged by %s", plural(sent, "generated body", "generated bodies"), plural(judging, "spec", "specs"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
