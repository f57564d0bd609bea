// Command gwconform checks an OpenAI-compatible inference gateway against the error contract, or serves the
// reference gateway it is measured against.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/gwconform/gwconform/internal/report"
)

// Exit codes, as the README documents them. The values are report's, which decides a run's code from its
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

const usage = `usage: gwconform <command> [flags]

commands:
  run      run the conformance suite against --target (or the embedded reference gateway)
  serve    run the reference gateway and its upstream in the foreground
  list     list the requirements, scenarios and specs, and what each scenario needs from a target
  profile  draft --target URL [--upstream URL]: a starter profile; check FILE: what a profile enables
  upstream run the fault-injecting OpenAI-compatible upstream, for a gateway under test to front
  version  print gwconform's version, the contract's and Go's
  help     show this text; "gwconform <command> -h" shows a command's flags
`

func main() {
	os.Exit(Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Main runs one command and returns its exit code; it never calls os.Exit itself so tests can drive it.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "gwconform: no command given: want run, list, serve, upstream or version\n\n"+usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runCommand(args[1:], getenv, stdout, stderr)
	case "serve":
		return serveCommand(args[1:], stdout, stderr)
	case "list":
		return listCommand(args[1:], stdout, stderr)
	case "profile":
		return profileCommand(args[1:], getenv, stdout, stderr)
	case "upstream":
		return upstreamCommand(args[1:], stdout, stderr)
	case "version":
		return versionCommand(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitConformant
	default:
		fmt.Fprintf(stderr, "gwconform: unknown command %q (want run, list, serve, upstream or version; see gwconform help)\n", args[0])
		return exitUsage
	}
}

// fail prints the one-line error every bad input gets and returns the usage exit code.
func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "gwconform: "+format+"\n", args...)
	return exitUsage
}
