// Command gwconform checks an OpenAI-compatible inference gateway against the error contract, or serves the
// reference gateway it is measured against.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gwconform/gwconform/internal/report"
)

// Exit codes, as docs/cli.md documents them. The values are report's, which decides a run's code from its
// verdict; these are short names for them, not a second definition.
const (
	exitConformant = report.ExitConformant // every check that decides the verdict passed
	exitFailed     = report.ExitFailed     // the target broke a requirement
	// exitUsage is a bad flag, bad configuration or unreachable target. It shares 2 with a harness error
	// on purpose: in both cases the suite could not judge the target, so no verdict stands.
	exitUsage = report.ExitHarness
)

// version is what a release build may stamp with -ldflags "-X main.version=..."; buildVersion decides the
// version the binary reports.
var version = "dev"

// command is one of gwconform's commands: its name, its line in the help, and what runs it.
type command struct {
	name, summary string
	run           func(args []string, getenv func(string) string, stdout, stderr io.Writer) int
}

// commands are every command, in the order help lists them: the one list that the help, the lines for a
// missing or unknown command and docs/cli.md's list of commands are held to (TestEveryCommandListAgrees). A
// function, not a variable: help's own entry reads the list.
func commands() []command {
	return []command{
		{"run", "run the conformance suite against --target (or the embedded reference gateway)", runCommand},
		{"serve", "run the reference gateway and its upstream in the foreground", withoutEnv(serveCommand)},
		{"list", "list the requirements, scenarios and specs, and what each scenario needs from a target", withoutEnv(listCommand)},
		{"profile", "draft a starter profile from a target, or check what a profile enables (see gwconform profile -h)", profileCommand},
		{"upstream", "run the fault-injecting OpenAI-compatible upstream, for a gateway under test to front", withoutEnv(upstreamCommand)},
		{"version", "print gwconform's version, the contract's and Go's", withoutEnv(versionCommand)},
		{"help", `show this text; "gwconform help <command>" shows a command's flags, as "gwconform <command> -h" does`, helpCommand},
	}
}

func withoutEnv(run func(args []string, stdout, stderr io.Writer) int) func([]string, func(string) string, io.Writer, io.Writer) int {
	return func(args []string, _ func(string) string, stdout, stderr io.Writer) int {
		return run(args, stdout, stderr)
	}
}

// commandNamed is the command called name; -h and its spellings ask for help, as every command's flags do.
func commandNamed(name string) (command, bool) {
	if isHelpFlag(name) {
		name = "help"
	}
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// commandNames are the commands as a line of text says them: "run, serve, ... or help".
func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return oneOf(names)
}

// oneOf words a choice: "a", "a or b", "a, b or c".
func oneOf(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// usage is what gwconform help prints.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: gwconform <command> [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	return b.String()
}

func main() {
	os.Exit(Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main runs one command and returns its exit code; it never calls os.Exit itself so tests can drive it.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "gwconform: no command given: want "+commandNames()+"\n\n"+usage())
		return exitUsage
	}
	c, ok := commandNamed(args[0])
	if !ok {
		return fail(stderr, "unknown command %q (want %s; see gwconform help)", args[0], commandNames())
	}
	return c.run(args[1:], getenv, stdout, stderr)
}

// helpCommand prints the list of commands, or one command's flags exactly as its own -h prints them.
func helpCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args) == 1 && (args[0] == "help" || isHelpFlag(args[0])) {
		fmt.Fprint(stdout, usage())
		return exitConformant
	}
	if len(args) > 1 {
		return fail(stderr, "help: want one command, e.g. gwconform help run")
	}
	c, ok := commandNamed(args[0])
	if !ok {
		return fail(stderr, "help: unknown command %q (want %s)", args[0], commandNames())
	}
	return c.run([]string{"-h"}, getenv, stdout, stderr)
}

// fail prints the one-line error every bad input gets and returns the usage exit code.
func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "gwconform: "+format+"\n", args...)
	return exitUsage
}
