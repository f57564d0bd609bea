package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/profile"
)

// defaultConcurrency keeps a full run's hundred and thirty-odd requests to about eight round trips, so a
// gateway 100 ms away adds under half a second (measured by make bench: at 12, the pool rather than the
// burst's chain sets the pace), while a staging gateway never sees more than sixteen of them at once. A 429
// they provoke is retried after the gateway's Retry-After, and never judged.
const defaultConcurrency = 16

// maxConcurrency bounds --concurrency: beyond it a run is a load test, which this is not.
const maxConcurrency = 64

type runOptions struct {
	target       string
	apiKeyEnv    string
	reportDir    string
	labelFilter  string
	failOn       string
	timeout      time.Duration
	verbose      bool
	billable     bool
	profile      string
	model        string
	dryRun       bool
	knownFailing string
	progress     bool
	runTimeout   time.Duration
	concurrency  int
	transport    transportOptions
	negative     negativeOptions
}

func runFlags() (*flag.FlagSet, *runOptions) {
	o := &runOptions{}
	fs := flag.NewFlagSet("gwconform run", flag.ContinueOnError)
	fs.StringVar(&o.target, "target", "", "base URL of the gateway, ending in /v1 (default $GWCONFORM_TARGET, then the profile's target; none: the embedded reference gateway)")
	fs.StringVar(&o.profile, "profile", "", "target profile (YAML, see fixtures/profiles/): keys by role, fault models, triggers; flags and environment override it")
	fs.StringVar(&o.model, "model", "", "model id to put in requests instead of one chosen from GET /v1/models (default: the profile's model:); the run then goes on even when that list is refused")
	fs.StringVar(&o.apiKeyEnv, "api-key-env", "API_KEY", "name of the environment variable holding the target's API key")
	fs.StringVar(&o.reportDir, "report-dir", "reports", "directory that receives report.html, summary.md, report.json, junit.xml and ginkgo-report.json")
	fs.StringVar(&o.labelFilter, "label-filter", "", `Ginkgo label filter selecting specs, e.g. "req:AUTH-1" or "must && !envelope"`)
	fs.StringVar(&o.failOn, "fail-on", "must", "which failed requirements make the run exit 1: must, or should (must and should)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "deadline of each request")
	fs.BoolVar(&o.verbose, "v", false, "verbose: print every spec as it runs")
	fs.StringVar(&o.knownFailing, "known-failing", "", "file of spec names (one per line) that may fail without failing the run; one that passes fails it")
	fs.IntVar(&o.concurrency, "concurrency", defaultConcurrency, "how many requests may be in flight at once (1 sends one at a time); the burst and anything on its key go one after another regardless")
	fs.DurationVar(&o.runTimeout, "run-timeout", 30*time.Minute, "deadline of the whole run; past it the run stops with a harness error (exit 2)")
	o.transport.register(fs)
	fs.BoolVar(&o.progress, "progress", false, "print each scenario to stderr as it is sent, with how far along the run is (for slow targets)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print which specs would run and which would be skipped, and why; send nothing (no key needed)")
	fs.IntVar(&o.negative.count, "negative", profile.DefaultNegative, "send N generated invalid chat-completion bodies, each breaking one rule of the request schema, each to be refused 400 (NEG-1); 0 sends none: a gateway that wrongly serves one may bill a completion")
	fs.Uint64Var(&o.negative.seed, "seed", profile.DefaultNegativeSeed, "seed of the --negative bodies: the same seed makes the same bodies")
	fs.StringVar(&o.negative.replay, "negative-replay", "", "send generated body INDEX of seed SEED alone, given as SEED:INDEX, as a report's replay line says")
	fs.BoolVar(&o.billable, "billable", false, "also run the specs that buy real completions (MOD-4: one per listed model); always on for the embedded reference")
	return fs, o
}

// runCommand is a run in its phases: resolve what to test and how (flags, profile, environment), then,
// unless it is a dry run, preflight, record, judge and write. Each phase owns its messages; a phase that
// cannot go on returns the exit code.
func runCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := runInterruption()
	defer stop()
	fs, o := runFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	r, err := resolveRun(fs, args, o, getenv, stdout, stderr)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	defer r.close()
	if o.dryRun {
		return dryRun(stdout, stderr, r.sel, r.cfg, r.prof)
	}
	return r.execute(ctx, getenv, stdout, stderr)
}

// checkKeyEnv refuses an --api-key-env that cannot be a variable's name, without echoing it: given
// unquoted as $NAME, the shell has put the key itself there.
func checkKeyEnv(name string) error {
	switch {
	case name == "":
		return errors.New("--api-key-env is empty: give the name of the variable that holds the key, e.g. --api-key-env API_KEY")
	case strings.HasPrefix(name, "$") && profile.ValidEnvName(name[1:]):
		return fmt.Errorf("--api-key-env %s: give the variable's name without $, e.g. --api-key-env %s", name, name[1:])
	case !profile.ValidEnvName(name):
		return errors.New("--api-key-env must be a variable's name, such as API_KEY, without $ (written $NAME unquoted, the shell gives the key itself)")
	}
	return nil
}

// withProfileHeaders are the profile's headers under the flags' own: a --header or --secret-header of the
// same name wins, as flags win over the profile everywhere else.
func withProfileHeaders(offers profile.Offers, flags http.Header, flagSecrets map[string]bool) (http.Header, map[string]bool) {
	h, secret := http.Header{}, map[string]bool{}
	for name, values := range offers.Headers {
		h[name], secret[name] = values, offers.SecretHeaders[name]
	}
	for name, values := range flags {
		h[name], secret[name] = values, flagSecrets[name]
	}
	return h, secret
}
