package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/scenario"
	"github.com/gwconform/gwconform/suite"
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

func runCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := runInterruption()
	defer stop()
	fs, o := runFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	failOn, err := failOnOf(o.failOn)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	o.failOn = failOn
	if o.timeout <= 0 {
		return fail(stderr, "run: --timeout must be positive, got %s", o.timeout)
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		return fail(stderr, "run: --concurrency must be between 1 and %d, got %d", maxConcurrency, o.concurrency)
	}
	if o.runTimeout <= 0 {
		return fail(stderr, "run: --run-timeout must be positive, got %s", o.runTimeout)
	}
	if err := checkKeyEnv(o.apiKeyEnv); err != nil {
		return fail(stderr, "run: %v", err)
	}
	if set["model"] && strings.TrimSpace(o.model) == "" {
		return fail(stderr, "run: --model is empty (an unset variable?): give a model id the target serves, or leave --model out")
	}
	hc, err := o.transport.httpClient()
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	extra, secretHeaders, err := o.transport.extraHeaders()
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	if o.labelFilter != "" {
		if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
			return fail(stderr, "run: --label-filter %q is not a valid Ginkgo label filter (e.g. \"req:AUTH-1 || auth\")", o.labelFilter)
		}
	}
	plan, err := suite.LoadPlan()
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	sel := selectSpecs(plan, o.labelFilter)

	var prof *profile.Profile
	profileTarget := ""
	if o.profile != "" {
		p, err := profile.Load(o.profile)
		if err != nil {
			return fail(stderr, "run: --profile %s: %v", o.profile, oneLine(err))
		}
		prof, profileTarget = p, p.Target
		if !set["api-key-env"] && p.APIKeyEnv != "" {
			o.apiKeyEnv = p.APIKeyEnv
		}
		if !set["model"] {
			o.model = p.Model
		}
	}
	if o.target, err = targetOf(set["target"], o.target, getenv, profileTarget); err != nil {
		return fail(stderr, "run: %v", err)
	}
	neg, err := negativeOf(o.negative, set, prof)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	if neg.Replay && !set["report-dir"] {
		o.reportDir = replayReportDir(o.reportDir, neg)
	}
	// A filter may select only generated bodies' specs, which exist once the catalogue has been read: what
	// it could select among them is told before the target is asked anything.
	if len(sel.specs) == 0 {
		may, err := plan.MaySelectGenerated(neg, labelFilterOf(o.labelFilter))
		if err != nil {
			return fail(stderr, "run: %v", err)
		}
		if !may {
			return fail(stderr, "run: --label-filter %q selects no spec: see the labels with gwconform list --what specs", o.labelFilter)
		}
	}
	envTarget := ""
	if !set["target"] && profileTarget == "" {
		envTarget = o.target
	}

	cfg := suite.Config{ReproDir: filepath.Join(o.reportDir, report.BodiesDir), Concurrency: o.concurrency, Timeout: o.timeout, Billable: o.billable, HTTP: hc, Headers: extra, SecretHeaders: secretHeaders, APIKeyVar: o.apiKeyEnv,
		Negative: neg, ReplayCommand: replayCommand(fs, args, envTarget)}
	if o.target == "" {
		if prof != nil {
			return fail(stderr, "run: --profile %s describes a target but names none: give --target or target: in the profile", o.profile)
		}
		stack, err := inprocess.Start(inprocess.Options{})
		if err != nil {
			return fail(stderr, "run: start the embedded reference gateway: %v", err)
		}
		defer stack.Close()
		// Our own in-process gateway costs nothing and offers every trigger, so nothing is held back. Its
		// keys go by the names its profile and serve's export line give them, so a curl line pastes there.
		ref := referenceProfile(stack)
		env := referenceEnv(stack, ref)
		offers, err := ref.Resolve(func(name string) string { return env[name] }, nil)
		if err != nil {
			return fail(stderr, "run: the embedded reference gateway's profile: %v", err)
		}
		cfg.BaseURL, cfg.APIKeyVar, cfg.APIKey, cfg.Billable, cfg.Offers = stack.BaseURL, ref.APIKeyEnv, env[ref.APIKeyEnv], true, offers
		fmt.Fprintf(stdout, "gwconform: no --target given: testing the embedded reference gateway at %s\n", stack.BaseURL)
	} else {
		if err := checkTarget(o.target); err != nil {
			return fail(stderr, "run: --target %q: %v", o.target, err)
		}
		if hint := missingV1(o.target); hint != "" {
			fmt.Fprintf(stderr, "gwconform: warning: --target %q does not end in /v1; did you mean %s?\n", o.target, hint)
		}
		cfg.BaseURL = strings.TrimSuffix(o.target, "/")
		// A dry run sends nothing, so it needs no key: it says what a run with the keys would do.
		cfg.APIKey = getenv(o.apiKeyEnv)
		if strings.TrimSpace(cfg.APIKey) == "" && !o.dryRun {
			return fail(stderr, "run: $%s is empty: export the target's API key in %s, or name another variable with --api-key-env", o.apiKeyEnv, o.apiKeyEnv)
		}
		if err := profile.UnsendableEnv(o.apiKeyEnv, cfg.APIKey); err != nil && !o.dryRun {
			return fail(stderr, "run: %v", err)
		}
		if prof != nil {
			offers, err := prof.Resolve(getenv, sel.needsRole)
			if err != nil && o.dryRun {
				fmt.Fprintf(stdout, "gwconform: dry run: --profile %s: %v; a run would stop here\n", o.profile, err)
				offers, err = prof.Resolve(getenv, func(string) bool { return false })
			}
			if err != nil {
				return fail(stderr, "run: --profile %s: %v", o.profile, err)
			}
			cfg.Offers = offers
		}
		fmt.Fprintf(stdout, "gwconform: testing %s with the key in $%s\n", cfg.BaseURL, o.apiKeyEnv)
	}
	printInsecure(stderr, o.transport.insecure, cfg.BaseURL)
	cfg.Offers.Model = o.model
	cfg.Headers, cfg.SecretHeaders = withProfileHeaders(cfg.Offers, cfg.Headers, cfg.SecretHeaders)
	printOffers(stdout, o.profile, cfg.Offers)
	printNegative(stdout, neg)
	if o.dryRun {
		return dryRun(stdout, stderr, sel, cfg, prof)
	}

	release, err := claimReportDir(o.reportDir)
	switch {
	case errors.Is(err, errReportDirInUse):
		return fail(stderr, "run: --report-dir %q is in use: %v", o.reportDir, err)
	case err != nil:
		return fail(stderr, "run: --report-dir %q cannot be written: %v", o.reportDir, err)
	}
	defer release()
	var prog *progress
	if o.progress {
		prog = newProgress(stderr, sel, cfg.Offers, cfg.Billable)
		cfg.Progress = prog.report
	}
	cfg.Announce = func(line string) { fmt.Fprintf(stderr, "gwconform: %s\n", line) }
	tg, err := suite.New(cfg, plan)
	if err != nil {
		return fail(stderr, "run: %v", err)
	}
	defer tg.CloseIdleConnections() // before the embedded reference's Close, which would wait on them
	// One deadline for the whole run: recording and judging both stop at it.
	started := time.Now()
	runCtx, cancel := context.WithDeadline(ctx, started.Add(o.runTimeout))
	defer cancel()
	run := report.Run{Target: cfg.BaseURL, Profile: cfg.Offers.Summary(), FailOn: o.failOn, Started: started, Version: buildVersion(), Negative: negativeRun(neg)}
	var known *knownFailing
	// endStopped ends a run that was stopped (Ctrl-C, --run-timeout) before its specs were judged: reports of what
	// it planned, none of it judged, and no verdict, as for a run stopped while judging.
	endStopped := func() int {
		run.Stopped, run.LabelFilter = stoppedBy(runCtx, o.runTimeout), o.labelFilter
		writeReports(types.Report{}, o, plan, run, known, tg.Billed(), getenv, stdout, stderr)
		return fail(stderr, "%s", stoppedLine(runCtx, o))
	}
	catalogue := tg.Discover(runCtx)
	if runCtx.Err() != nil {
		return endStopped()
	}
	err = untestable(catalogue, cfg)
	var refused *catalogueRefused
	switch {
	case errors.As(err, &refused) && cfg.Offers.Model != "":
		fmt.Fprintf(stderr, "gwconform: warning: GET %s answered %d; going on with model %s, and MOD-1 judges the catalogue\n", refused.url, refused.status, cfg.Offers.Model)
	case err != nil:
		return fail(stderr, "run: %v", err)
	}
	probe := tg.ProbeKey(runCtx)
	if runCtx.Err() != nil {
		return endStopped()
	}
	if err := keyRefused(probe, cfg); err != nil {
		return fail(stderr, "run: %v", err)
	}
	warnUnlistedModel(stderr, tg)
	// The generated bodies are made for the model discovery chose, so they join the plan only now, and the
	// label filter selects among them like any other; a replay sends its one case alone.
	if err := tg.Generate(); err != nil {
		return fail(stderr, "run: %v", err)
	}
	if neg.Replay {
		// Every other spec is left out as a label filter leaves it: reported not selected, never failed.
		o.labelFilter = suite.ReplayFilter(neg, o.labelFilter)
	}
	if neg.On() {
		if sel = selectSpecs(plan, o.labelFilter); len(sel.specs) == 0 {
			return fail(stderr, "run: --label-filter %q selects no spec, generated ones included: see the labels with gwconform list --what specs", o.labelFilter)
		}
		if prog != nil {
			prog.count(sel, cfg.Offers, cfg.Billable)
		}
	}
	if o.knownFailing != "" {
		if known, err = loadKnownFailing(o.knownFailing, plan); err != nil {
			return fail(stderr, "run: --known-failing %s: %v", o.knownFailing, err)
		}
	}
	// Record, then judge: every exchange is made before any spec runs. A record stopped by Ctrl-C or the
	// deadline is not judged at all: judging half a record would be seconds more work for no verdict.
	tg.Record(runCtx, func(sc scenario.Scenario) bool { return sel.scenarios[sc.ID] })
	if runCtx.Err() != nil {
		return endStopped()
	}
	tg.Define()
	judged := judgeSpecs(runCtx, o, known, stdout)
	run.Stopped, run.LabelFilter = stoppedBy(runCtx, o.runTimeout), o.labelFilter
	code := writeReports(judged, o, plan, run, known, tg.Billed(), getenv, stdout, stderr)
	switch {
	case run.Stopped != "":
		return fail(stderr, "%s", stoppedLine(runCtx, o))
	case code == exitUsage:
		return fail(stderr, "run: harness error: a spec panicked, timed out or was interrupted, so there is no verdict (see %s)", o.reportDir)
	}
	return code
}

// checkKeyEnv refuses an --api-key-env that cannot be a variable's name, without echoing it: given
// unquoted as $NAME, the shell has put the key itself there.
func checkKeyEnv(name string) error {
	switch {
	case name == "":
		return errors.New("--api-key-env is empty: give the name of the variable that holds the key, e.g. --api-key-env API_KEY")
	case strings.HasPrefix(name, "$") && validEnvName(name[1:]):
		return fmt.Errorf("--api-key-env %s: give the variable's name without $, e.g. --api-key-env %s", name, name[1:])
	case !validEnvName(name):
		return errors.New("--api-key-env must be a variable's name, such as API_KEY, without $ (written $NAME unquoted, the shell gives the key itself)")
	}
	return nil
}

func validEnvName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
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
