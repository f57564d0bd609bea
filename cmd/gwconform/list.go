package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/suite"
)

// listFlags is list's flag set and its --what: its command parses it, and a test parses the docs'
// examples with it.
func listFlags() (fs *flag.FlagSet, what *string) {
	fs = flag.NewFlagSet("gwconform list", flag.ContinueOnError)
	what = fs.String("what", "all", "requirements, scenarios, specs, or all")
	return fs, what
}

// listCommand prints what the suite checks: every requirement with its level and how many specs check it,
// then every scenario with its labels and what it needs from a target beyond a URL and a key.
func listCommand(args []string, stdout, stderr io.Writer) int {
	fs, what := listFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	plan, err := suite.LoadPlan()
	if err != nil {
		return fail(stderr, "list: %v", err)
	}
	specs := plan.Specs()
	switch *what {
	case "all", "requirements":
		generated, err := plan.GeneratedBodies(defaultNegative)
		if err != nil {
			return fail(stderr, "list: %v", err)
		}
		listRequirements(stdout, plan, specs, generated)
		if *what == "all" {
			fmt.Fprintln(stdout)
			listScenarios(stdout, plan)
		}
	case "scenarios":
		listScenarios(stdout, plan)
	case "specs":
		for _, s := range specs {
			fmt.Fprintf(stdout, "%s %s  [%s]\n", s.Container, s.Leaf, strings.Join(s.Labels, ", "))
		}
	default:
		return fail(stderr, "list: --what is %q; want requirements, scenarios, specs or all", *what)
	}
	return exitConformant
}

// defaultNegative is what a run sends of generated bodies when neither --negative nor the profile says.
var defaultNegative = suite.Negative{Count: profile.DefaultNegative, Seed: profile.DefaultNegativeSeed}

// listRequirements gives each requirement the number of hand-written specs that check it, and of specs of
// the generated bodies a default run sends: NEG-1's are only those.
func listRequirements(w io.Writer, plan *suite.Plan, specs []suite.Spec, generated []suite.GeneratedBody) {
	count, gen := chargeCounts(specs), map[string]int{}
	for _, b := range generated {
		for id, n := range chargeCounts(b.Specs) {
			gen[id] += n
		}
	}
	fmt.Fprintf(w, "%-9s %-6s %5s %9s  %s\n", "ID", "LEVEL", "SPECS", "GENERATED", "REQUIREMENT")
	for _, id := range plan.Requirements.IDs() {
		r := plan.Requirements[id]
		fmt.Fprintf(w, "%-9s %-6s %5s %9s  %s\n", id, r.Level, countOrDash(count[id]), countOrDash(gen[id]), r.Text)
	}
	fmt.Fprintf(w, "GENERATED: the specs of the %d generated invalid bodies of seed %d a run sends by default (--negative), for a model that lists every parameter\n",
		defaultNegative.Count, defaultNegative.Seed)
}

// chargeCounts counts the specs charged to each requirement.
func chargeCounts(specs []suite.Spec) map[string]int {
	count := map[string]int{}
	for _, s := range specs {
		for _, id := range s.Charges {
			count[id]++
		}
	}
	return count
}

func countOrDash(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func listScenarios(w io.Writer, plan *suite.Plan) {
	fmt.Fprintf(w, "%-36s %-22s %s\n", "SCENARIO", "REQUIREMENTS", "REQUEST / NEEDS")
	for _, sc := range plan.Scenarios.Scenarios {
		fmt.Fprintf(w, "%-36s %-22s %s\n", sc.ID, strings.Join(sc.Requirements, ","), sc.Name())
		if needs := plan.TargetNeeds(sc); len(needs) > 0 {
			fmt.Fprintf(w, "%-36s %-22s   needs: %s\n", "", "", strings.Join(needs, "; "))
		}
	}
}
