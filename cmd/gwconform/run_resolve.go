package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/suite"
)

// resolvedRun is what a run tests and how, resolved from the flags, the profile and the environment before
// anything is sent: the phases after it (run_phases.go) read it and nothing else.
type resolvedRun struct {
	o    *runOptions
	plan *suite.Plan
	sel  selection
	prof *profile.Profile // nil without --profile
	neg  suite.Negative
	cfg  suite.Config
	// close stops the embedded reference gateway, when the run tests it.
	close func()
}

// resolveRun checks the flags, reads the profile, and says what the run will test. Its error is the one line
// a run that cannot start ends with (runCommand prefixes "run: ").
func resolveRun(fs *flag.FlagSet, args []string, o *runOptions, getenv func(string) string, stdout, stderr io.Writer) (*resolvedRun, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	filter, err := checkRunFlags(o, set)
	if err != nil {
		return nil, err
	}
	hc, err := o.transport.httpClient()
	if err != nil {
		return nil, err
	}
	extra, secretHeaders, err := o.transport.extraHeaders()
	if err != nil {
		return nil, err
	}
	r := &resolvedRun{o: o, close: func() {}}
	if r.plan, err = suite.LoadPlan(); err != nil {
		return nil, err
	}
	r.sel = selectSpecs(r.plan, filter)

	profileTarget := ""
	if o.profile != "" {
		p, err := profile.Load(o.profile)
		if err != nil {
			return nil, fmt.Errorf("--profile %s: %v", o.profile, oneLine(err))
		}
		r.prof, profileTarget = p, p.Target
		if !set["api-key-env"] && p.APIKeyEnv != "" {
			o.apiKeyEnv = p.APIKeyEnv
		}
		if !set["model"] {
			o.model = p.Model
		}
	}
	if o.target, err = targetOf(set["target"], o.target, getenv, profileTarget); err != nil {
		return nil, err
	}
	if r.neg, err = negativeOf(o.negative, set, r.prof); err != nil {
		return nil, err
	}
	if r.neg.Replay && !set["report-dir"] {
		o.reportDir = replayReportDir(o.reportDir, r.neg)
	}
	// A filter may select only generated bodies' specs, which exist once the catalogue has been read: what
	// it could select among them is told before the target is asked anything.
	if len(r.sel.specs) == 0 {
		may, err := r.plan.MaySelectGenerated(r.neg, filter.keeps)
		if err != nil {
			return nil, err
		}
		if !may {
			return nil, fmt.Errorf("--label-filter %q selects no spec: see the labels with gwconform list --what specs", o.labelFilter)
		}
	}
	envTarget := ""
	if !set["target"] && profileTarget == "" {
		envTarget = o.target
	}
	r.cfg = suite.Config{ReproDir: filepath.Join(o.reportDir, report.BodiesDir), Concurrency: o.concurrency, Timeout: o.timeout, Billable: o.billable, HTTP: hc, Headers: extra, SecretHeaders: secretHeaders, APIKeyVar: o.apiKeyEnv,
		Negative: r.neg, ReplayCommand: replayCommand(fs, args, envTarget)}
	if o.target == "" {
		err = r.testTheReference(stdout)
	} else {
		err = r.testTheTarget(getenv, stdout, stderr)
	}
	if err != nil {
		r.close()
		return nil, err
	}
	printInsecure(stderr, o.transport.insecure, r.cfg.BaseURL)
	r.cfg.Offers.Model = o.model
	r.cfg.Headers, r.cfg.SecretHeaders = withProfileHeaders(r.cfg.Offers, r.cfg.Headers, r.cfg.SecretHeaders)
	printOffers(stdout, o.profile, r.cfg.Offers)
	printNegative(stdout, r.neg)
	return r, nil
}

// checkRunFlags refuses the flags no run can work with, before anything else is read, and parses the label
// filter, once.
func checkRunFlags(o *runOptions, set map[string]bool) (labelFilter, error) {
	failOn, err := failOnOf(o.failOn)
	if err != nil {
		return labelFilter{}, err
	}
	o.failOn = failOn
	switch {
	case o.timeout <= 0:
		return labelFilter{}, fmt.Errorf("--timeout must be positive, got %s", o.timeout)
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return labelFilter{}, fmt.Errorf("--concurrency must be between 1 and %d, got %d", maxConcurrency, o.concurrency)
	case o.runTimeout <= 0:
		return labelFilter{}, fmt.Errorf("--run-timeout must be positive, got %s", o.runTimeout)
	}
	if err := checkKeyEnv(o.apiKeyEnv); err != nil {
		return labelFilter{}, err
	}
	if set["model"] && strings.TrimSpace(o.model) == "" {
		return labelFilter{}, errors.New("--model is empty (an unset variable?): give a model id the target serves, or leave --model out")
	}
	return parseLabelFilter(o.labelFilter)
}

// testTheReference starts the embedded reference gateway, the target of a run given none.
func (r *resolvedRun) testTheReference(stdout io.Writer) error {
	if r.prof != nil {
		return fmt.Errorf("--profile %s describes a target but names none: give --target or target: in the profile", r.o.profile)
	}
	stack, err := inprocess.Start(inprocess.Options{})
	if err != nil {
		return fmt.Errorf("start the embedded reference gateway: %v", err)
	}
	r.close = func() { stack.Close() }
	// Our own in-process gateway costs nothing and offers every trigger, so nothing is held back. Its
	// keys go by the names its profile and serve's export line give them, so a curl line pastes there.
	ref := referenceProfile(stack)
	env := referenceEnv(stack, ref)
	offers, err := ref.Resolve(func(name string) string { return env[name] }, nil)
	if err != nil {
		return fmt.Errorf("the embedded reference gateway's profile: %v", err)
	}
	r.cfg.BaseURL, r.cfg.APIKeyVar, r.cfg.APIKey, r.cfg.Billable, r.cfg.Offers = stack.BaseURL, ref.APIKeyEnv, env[ref.APIKeyEnv], true, offers
	fmt.Fprintf(stdout, "gwconform: no --target given: testing the embedded reference gateway at %s\n", stack.BaseURL)
	return nil
}

// testTheTarget checks the target and its keys, and resolves the profile's triggers against the
// environment.
func (r *resolvedRun) testTheTarget(getenv func(string) string, stdout, stderr io.Writer) error {
	o := r.o
	if err := checkTarget(o.target); err != nil {
		return fmt.Errorf("--target %q: %v", o.target, err)
	}
	if hint := missingV1(o.target); hint != "" {
		fmt.Fprintf(stderr, "gwconform: warning: --target %q does not end in /v1; did you mean %s?\n", o.target, hint)
	}
	r.cfg.BaseURL = strings.TrimSuffix(o.target, "/")
	// A dry run sends nothing, so it needs no key: it says what a run with the keys would do.
	r.cfg.APIKey = getenv(o.apiKeyEnv)
	if strings.TrimSpace(r.cfg.APIKey) == "" && !o.dryRun {
		return fmt.Errorf("$%s is empty: export the target's API key in %s, or name another variable with --api-key-env", o.apiKeyEnv, o.apiKeyEnv)
	}
	if err := profile.UnsendableEnv(o.apiKeyEnv, r.cfg.APIKey); err != nil && !o.dryRun {
		return err
	}
	if r.prof != nil {
		offers, err := r.prof.Resolve(getenv, r.sel.needsRole)
		if err != nil && o.dryRun {
			fmt.Fprintf(stdout, "gwconform: dry run: --profile %s: %v; a run would stop here\n", o.profile, err)
			offers, err = r.prof.Resolve(getenv, func(string) bool { return false })
		}
		if err != nil {
			return fmt.Errorf("--profile %s: %v", o.profile, err)
		}
		r.cfg.Offers = offers
	}
	fmt.Fprintf(stdout, "gwconform: testing %s with the key in $%s\n", r.cfg.BaseURL, o.apiKeyEnv)
	return nil
}
