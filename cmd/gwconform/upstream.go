package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/reference/upstream"
)

// upstreamOptions are upstream's flags.
type upstreamOptions struct {
	listen, models, keyEnv string
	hold                   time.Duration
	strict                 bool
}

// upstreamFlags is upstream's flag set: its command parses it, and a test parses the docs' examples with
// it.
func upstreamFlags() (*flag.FlagSet, *upstreamOptions) {
	o := &upstreamOptions{}
	fs := flag.NewFlagSet("gwconform upstream", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8081", "address of the upstream")
	fs.DurationVar(&o.hold, "hold", faults.DefaultHold, "how long the timeout and slow-first-byte faults stall")
	fs.StringVar(&o.models, "models", "upstream-chat-small,upstream-chat-large,upstream-reasoning-small", "comma-separated healthy model ids (the fault models are always served)")
	fs.StringVar(&o.keyEnv, "api-key-env", "", "name of the environment variable holding the key the upstream requires with --strict (default: none required)")
	fs.BoolVar(&o.strict, "strict", false, "validate requests as a provider would (key, size, JSON types, the reasoning model's max_tokens); default: answer every request for a healthy model, so every refusal a client sees is the gateway's own")
	return fs, o
}

// upstreamCommand serves the built-in provider with its fault models, for a vendor to point its own gateway
// at: the suite then provokes each upstream failure through the gateway's public model ids.
func upstreamCommand(args []string, stdout, stderr io.Writer) int {
	fs, o := upstreamFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if o.hold <= 0 {
		return fail(stderr, "upstream: --hold must be positive, got %s", o.hold)
	}
	healthy := modelList(o.models)
	if len(healthy) == 0 {
		return fail(stderr, "upstream: --models lists no model id")
	}
	var key string
	if o.keyEnv != "" {
		if key = strings.TrimSpace(os.Getenv(o.keyEnv)); key == "" {
			return fail(stderr, "upstream: $%s is empty; set it to the key your gateway sends upstream, or drop --api-key-env", o.keyEnv)
		}
	}
	// Listen for Ctrl-C before printing the address: whoever reads it may signal at once.
	wait, stop := interruption()
	defer stop()
	srv, err := upstream.Start(upstream.Config{Models: healthy, APIKey: key, Hold: o.hold, Listen: o.listen, Strict: o.strict})
	var asHealthy *upstream.FaultAsHealthyError
	switch {
	case errors.As(err, &asHealthy):
		return fail(stderr, "upstream: --models: %v", err)
	case err != nil:
		return fail(stderr, "upstream: %v", err)
	}
	defer srv.Close()

	printUpstream(stdout, upstreamInfo{url: srv.URL, witness: srv.WitnessURL, keyEnv: o.keyEnv, hold: o.hold, healthy: healthy, strict: o.strict})
	wait()
	return exitConformant
}

// upstreamInfo is what printUpstream tells of a running upstream.
type upstreamInfo struct {
	url, witness, keyEnv string
	hold                 time.Duration
	healthy              []string
	strict               bool
}

// printUpstream tells a vendor what to wire: the base URL, and which model id provokes which fault. The key
// appears only by the variable it came from.
func printUpstream(w io.Writer, u upstreamInfo) {
	key := "none required"
	switch {
	case u.keyEnv != "" && u.strict:
		key = "Bearer $" + u.keyEnv
	case u.keyEnv != "":
		key = "not checked (--strict requires Bearer $" + u.keyEnv + ")"
	}
	mode := "permissive: every request for a healthy model is served, so every refusal a client sees is the gateway's own"
	if u.strict {
		mode = "strict: requests are validated as a provider would"
	}
	fmt.Fprintf(w, "gwconform upstream\n  base URL: %s\n  key:      %s\n  mode:     %s\n  healthy:  %s\n", u.url, key, mode, strings.Join(u.healthy, ", "))
	fmt.Fprintf(w, "  witness:  %s (upstream.witness in the profile)\n", u.witness)
	fmt.Fprintf(w, "fault models (hold %s): expose each through your gateway, under upstream.models.<key> in the profile\n", u.hold)
	fmt.Fprintf(w, "  %-22s %-16s %s\n", "MODEL", "KEY", "WHAT IT DOES")
	for _, f := range faults.All() {
		fmt.Fprintf(w, "  %-22s %-16s %s\n", f.Model, f.Key, f.Does)
	}
	fmt.Fprintln(w, "Ctrl-C stops it.")
}

func modelList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
