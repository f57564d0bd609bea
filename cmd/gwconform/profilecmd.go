package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/suite"
)

// profileSubcommands are profile's subcommands, in the order its help lists them: the one list its help
// and its lines for a missing or unknown subcommand are written from.
func profileSubcommands() []command {
	return []command{
		{"draft", "--target URL [--upstream URL] [--out FILE]: write a starter profile from what the target shows, buying nothing", profileDraft},
		{"check", "FILE: validate a profile, and list the requirements it enables and those it leaves skipped, with the reason", withoutEnv(profileCheck)},
	}
}

// profileUsage is what gwconform profile -h prints.
func profileUsage() string {
	var b strings.Builder
	b.WriteString("usage: gwconform profile <subcommand> [flags]\n\nsubcommands:\n")
	for _, c := range profileSubcommands() {
		fmt.Fprintf(&b, "  %-6s %s\n", c.name, c.summary)
	}
	b.WriteString(`"gwconform profile <subcommand> -h" shows a subcommand's flags` + "\n")
	return b.String()
}

// profileCommand helps write a profile: draft one from what a target shows cheaply, or check one.
func profileCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var names []string
	for _, c := range profileSubcommands() {
		if len(args) > 0 && args[0] == c.name {
			return c.run(args[1:], getenv, stdout, stderr)
		}
		names = append(names, c.name)
	}
	switch {
	case len(args) == 0:
		return fail(stderr, "profile: want a subcommand, %s (see gwconform profile -h)", oneOf(names))
	case args[0] == "help" || isHelpFlag(args[0]):
		fmt.Fprint(stdout, profileUsage())
		return exitConformant
	}
	return fail(stderr, "profile: unknown subcommand %q: want %s (see gwconform profile -h)", args[0], oneOf(names))
}

// profileCheckFlags is profile check's flag set and its --billable: its command parses it, and a test parses
// the docs' examples with it.
func profileCheckFlags() (fs *flag.FlagSet, billable *bool) {
	fs = flag.NewFlagSet("gwconform profile check", flag.ContinueOnError)
	billable = fs.Bool("billable", false, "count the billable specs as run, as --billable would")
	return fs, billable
}

// fileFirst splits profile check's arguments into the profile's path, which comes first, and its flags.
func fileFirst(args []string) (file string, flags []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// profileCheck validates a profile and says, requirement by requirement, what it lets a run check and what
// it leaves skipped, and why: the question a person writing one asks.
func profileCheck(args []string, stdout, stderr io.Writer) int {
	fs, billable := profileCheckFlags()
	file, args := fileFirst(args)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if file == "" {
		return fail(stderr, "profile check: want the profile's path: gwconform profile check FILE")
	}
	p, err := profile.Load(file)
	if err != nil {
		return fail(stderr, "profile check: %s: %v", file, oneLine(err))
	}
	// The variables it names are taken as set: this checks what the profile says, not the environment.
	offers, err := p.Resolve(func(string) string { return "set" }, nil)
	if err != nil {
		return fail(stderr, "profile check: %s: %v", file, err)
	}
	plan, err := suite.LoadPlan()
	if err != nil {
		return fail(stderr, "profile check: %v", err)
	}
	enabled, skipped := enabledBy(plan, offers, *billable)
	// NEG-1 has no spec in the plan: its specs are the generated bodies, which every run sends unless the
	// profile's negative: or --negative says none.
	if p.Negative != nil && p.Negative.Count == 0 {
		skipped["NEG-1"] = "the profile's negative.count is 0: no generated bodies are sent"
	} else {
		enabled["NEG-1"] = true
	}
	fmt.Fprintf(stdout, "gwconform: %s is a valid profile\n", file)
	var on []string
	for _, id := range plan.Requirements.IDs() {
		if enabled[id] {
			on = append(on, id)
		}
	}
	fmt.Fprintf(stdout, "enables (%d): %s\n", len(on), strings.Join(on, ", "))
	fmt.Fprintln(stdout, "leaves skipped:")
	for _, id := range plan.Requirements.IDs() {
		if !enabled[id] && skipped[id] != "" {
			fmt.Fprintf(stdout, "  %-9s %-6s %s\n", id, plan.Requirements[id].Level, skipped[id])
		}
	}
	return exitConformant
}

// enabledBy says which requirements a run with these offers has a spec to check, and for the others the
// first reason their specs would be skipped.
func enabledBy(plan *suite.Plan, offers profile.Offers, billable bool) (enabled map[string]bool, skipped map[string]string) {
	byID := map[string]scenario.Scenario{}
	for _, sc := range plan.Scenarios.Scenarios {
		byID[sc.ID] = sc
	}
	enabled, skipped = map[string]bool{}, map[string]string{}
	for _, s := range plan.Specs() {
		why := suite.Unmet(byID[s.Scenario], plan.Scenarios, offers, billable)
		for _, id := range s.Charges {
			switch {
			case why == "":
				enabled[id] = true
			case skipped[id] == "":
				skipped[id] = why
			}
		}
	}
	return enabled, skipped
}
