package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/suite"
)

// negativeOptions are --negative, --seed and --negative-replay as given.
type negativeOptions struct {
	count  int
	seed   uint64
	replay string
}

// negativeOf is what the run sends of generated bodies: the flags over the profile's negative:, over the
// defaults (profile.DefaultNegative bodies of profile.DefaultNegativeSeed), which the flags' own defaults are.
func negativeOf(o negativeOptions, set map[string]bool, prof *profile.Profile) (suite.Negative, error) {
	n := suite.Negative{Count: o.count, Seed: o.seed}
	seeded := set["seed"]
	if prof != nil && prof.Negative != nil {
		if !set["negative"] {
			n.Count = prof.Negative.Count
		}
		if !seeded && prof.Negative.Seed != nil {
			n.Seed, seeded = *prof.Negative.Seed, true
		}
	}
	switch {
	case o.replay != "" && (set["negative"] || set["seed"]):
		return n, fmt.Errorf("--negative-replay SEED:INDEX replays one case alone: leave out --negative and --seed")
	case o.replay != "":
		seed, index, err := parseReplay(o.replay)
		if err != nil {
			return n, err
		}
		return suite.Negative{Replay: true, Seed: seed, Index: index}, nil
	case n.Count < 0 || n.Count > profile.MaxNegative:
		return n, fmt.Errorf("--negative must be between 0 and %d, got %d", profile.MaxNegative, n.Count)
	case set["seed"] && n.Count == 0:
		return n, fmt.Errorf("--seed chooses the generated bodies, and --negative 0 sends none: leave out one of them")
	}
	return n, nil
}

// parseReplay reads SEED:INDEX. A run sends at most profile.MaxNegative bodies, so every replay line a
// report gives names an index below it; one written right but beyond is told so, not told the format.
func parseReplay(v string) (seed uint64, index int, err error) {
	s, i, ok := strings.Cut(v, ":")
	seed, err1 := strconv.ParseUint(s, 10, 64)
	index, err2 := strconv.Atoi(i)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("--negative-replay %q: want SEED:INDEX, e.g. 1:42, as a report's replay line gives it", v)
	case index < 0 || index >= profile.MaxNegative:
		return 0, 0, fmt.Errorf("--negative-replay %q is written right, but index %d is out of range: a seed replays indices 0 to %d", v, index, profile.MaxNegative-1)
	}
	return seed, index, nil
}

// printNegative says what the run will send of generated bodies, with the seed that makes them.
func printNegative(w io.Writer, n suite.Negative) {
	if !n.On() {
		return
	}
	cases, shrinking := suite.NegativeRequests(n)
	if n.Replay {
		fmt.Fprintf(w, "gwconform: replaying generated body %d of seed %d alone (and up to %d requests to minimise it if it fails)\n", n.Index, n.Seed, shrinking)
		return
	}
	fmt.Fprintf(w, "gwconform: negative inputs: %d generated invalid bodies of seed %d, plus up to %d requests to minimise failures; replay one with --negative-replay %d:INDEX\n", cases, n.Seed, shrinking, n.Seed)
}

// replayCommand is the command line that replays one generated case alone: this run's flags without
// --negative, --seed and --report-dir (a replay writes beside the run's reports, replayReportDir), naming the target where it came from the environment, each secret header's value
// as the variable the reports name.
func replayCommand(fs *flag.FlagSet, args []string, envTarget string) func(seed uint64, index int) string {
	var kept []string
	for i := 0; i < len(args); i++ {
		flagName := strings.TrimLeft(args[i], "-")
		dashes := args[i][:len(args[i])-len(flagName)]
		name, value, hasValue := strings.Cut(flagName, "=")
		f := fs.Lookup(name)
		if f != nil && !isBoolFlag(f) && !hasValue && i+1 < len(args) {
			i++
			value, hasValue = args[i], true
		}
		switch {
		case name == "negative" || name == "seed" || name == "negative-replay":
		case name == "report-dir":
			// A replay given the full run's --report-dir would overwrite its reports with one case's.
		case name == "secret-header":
			h, _, _ := strings.Cut(value, ":")
			kept = append(kept, dashes+name, `"`+strings.TrimSpace(h)+": "+suite.HeaderVariable(strings.TrimSpace(h))+`"`)
		case hasValue:
			kept = append(kept, dashes+name, quoteArg(value))
		default:
			kept = append(kept, dashes+name)
		}
	}
	if envTarget != "" {
		kept = append(kept, "--target", quoteArg(envTarget))
	}
	return func(seed uint64, index int) string {
		return strings.Join(append(append([]string{"gwconform", "run"}, kept...), fmt.Sprintf("--negative-replay %d:%d", seed, index)), " ")
	}
}

// replayReportDir is where a replay writes its reports unless --report-dir says otherwise: a directory of its
// own inside the default one, so that replaying a case never overwrites the reports of the run it came from.
func replayReportDir(dir string, n suite.Negative) string {
	return filepath.Join(dir, fmt.Sprintf("replay-%d-%d", n.Seed, n.Index))
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// quoteArg leaves a plain argument bare and single-quotes any other, for a shell to take literally.
func quoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	return suite.ShellQuote(s)
}

// negativeRun is what report.json says of the run's generated bodies.
func negativeRun(n suite.Negative) *report.Negative {
	switch {
	case n.Replay:
		return &report.Negative{Seed: n.Seed, ReplayIndex: &n.Index}
	case n.On():
		return &report.Negative{Count: n.Count, Seed: n.Seed}
	}
	return nil
}
