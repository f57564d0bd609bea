package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gwconform/gwconform/suite"
)

// listFlags is list's flag set and its --what: its command parses it, and a test parses the README's
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
	case "all":
		listRequirements(stdout, plan, specs)
		fmt.Fprintln(stdout)
		listScenarios(stdout, plan)
	case "requirements":
		listRequirements(stdout, plan, specs)
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

func listRequirements(w io.Writer, plan *suite.Plan, specs []suite.Spec) {
	count := map[string]int{}
	for _, s := range specs {
		for _, id := range s.Charges {
			count[id]++
		}
	}
	fmt.Fprintf(w, "%-9s %-6s %5s  %s\n", "ID", "LEVEL", "SPECS", "REQUIREMENT")
	for _, id := range plan.Requirements.IDs() {
		r := plan.Requirements[id]
		n := fmt.Sprint(count[id])
		if count[id] == 0 {
			n = "-"
		}
		fmt.Fprintf(w, "%-9s %-6s %5s  %s\n", id, r.Level, n, r.Text)
	}
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
