package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// parseFlags parses a command's flags. -h prints the flags to stdout and ends the command with 0; a bad
// flag is one line on stderr and exit 2, not the whole flag list.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	cmd := fs.Name()[len("gwconform "):]
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "usage of %s:\n", fs.Name())
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitConformant, true
	case err != nil:
		if hint := durationHint(fs, err); hint != "" {
			return fail(stderr, "%s: %s", cmd, hint), true
		}
		return fail(stderr, "%s: %v (see %s -h)", cmd, err, fs.Name()), true
	case fs.NArg() > 0:
		if before := emptyValueBefore(args, fs.NArg()); before != "" {
			return fail(stderr, "%s: unexpected argument %q after %s with an empty value: that flag probably took its value from an unset variable", cmd, fs.Arg(0), before), true
		}
		return fail(stderr, "%s: unexpected argument %q (flags only; see %s -h)", cmd, fs.Arg(0), fs.Name()), true
	}
	return 0, false
}

// invalidValue is how the flag package words a value it cannot parse.
var invalidValue = regexp.MustCompile(`^invalid value "(.*)" for flag -(\S+):`)

// durationHint explains a duration flag given a bare number ("--timeout 1"), the one mistake the flag
// package's "parse error" leaves a person to guess.
func durationHint(fs *flag.FlagSet, err error) string {
	m := invalidValue.FindStringSubmatch(err.Error())
	if m == nil {
		return ""
	}
	f := fs.Lookup(m[2])
	if f == nil {
		return ""
	}
	if g, ok := f.Value.(flag.Getter); !ok {
		return ""
	} else if _, isDuration := g.Get().(time.Duration); !isDuration {
		return ""
	}
	if examples := withUnits(m[1]); examples != nil {
		return fmt.Sprintf("--%s %s has no unit: add one, e.g. %s", m[2], m[1], oneOf(examples))
	}
	return fmt.Sprintf("--%s %q is not a duration: want a number with a unit, e.g. 10s, 500ms or 2m", m[2], m[1])
}

// unitsSuggested are the units a bare number is offered with: seconds, as these flags are mostly set, and
// milliseconds, for a number meant as those.
var unitsSuggested = []string{"s", "ms"}

// withUnits is the number given with each suggested unit, or nil when that is no duration (1e3s is not one).
func withUnits(number string) []string {
	var out []string
	for _, unit := range unitsSuggested {
		if _, err := time.ParseDuration(number + unit); err != nil {
			return nil
		}
		out = append(out, number+unit)
	}
	return out
}

// emptyValueBefore names the flag just before the first positional argument when that flag was given an
// empty value: `--target "$UNSET" http://x/v1` leaves the URL stranded, and the empty flag is the mistake.
func emptyValueBefore(args []string, positional int) string {
	i := len(args) - positional // index of the first positional argument
	if i >= 1 && strings.HasPrefix(args[i-1], "-") && strings.HasSuffix(args[i-1], "=") {
		return strings.TrimSuffix(args[i-1], "=")
	}
	if i >= 2 && args[i-1] == "" && strings.HasPrefix(args[i-2], "-") {
		return args[i-2]
	}
	return ""
}

// failOnLevels are the values --fail-on takes, as report.Run.FailOn holds them.
var failOnLevels = []string{"must", "should"}

// failOnOf reads --fail-on in any case: the contract writes its levels MUST and SHOULD, and people type
// them so.
func failOnOf(v string) (string, error) {
	level := strings.ToLower(v)
	if !slices.Contains(failOnLevels, level) {
		return "", fmt.Errorf("--fail-on is %q; want %s", v, oneOf(failOnLevels))
	}
	return level, nil
}
