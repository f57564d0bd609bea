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

// upstreamCommand serves the built-in provider with its fault models, for a vendor to point its own gateway
// at: the suite then provokes each upstream failure through the gateway's public model ids.
func upstreamCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gwconform upstream", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8081", "address of the upstream")
	hold := fs.Duration("hold", faults.DefaultHold, "how long the timeout and slow-first-byte faults stall")
	models := fs.String("models", "upstream-chat-small,upstream-chat-large,upstream-reasoning-small", "comma-separated healthy model ids (the fault models are always served)")
	keyEnv := fs.String("api-key-env", "", "name of the environment variable holding the key the upstream requires with --strict (default: none required)")
	strict := fs.Bool("strict", false, "validate requests as a provider would (key, size, JSON types, the reasoning model's max_tokens); default: answer every request for a healthy model, so every refusal a client sees is the gateway's own")
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if *hold <= 0 {
		return fail(stderr, "upstream: --hold must be positive, got %s", *hold)
	}
	healthy := modelList(*models)
	if len(healthy) == 0 {
		return fail(stderr, "upstream: --models lists no model id")
	}
	var key string
	if *keyEnv != "" {
		if key = strings.TrimSpace(os.Getenv(*keyEnv)); key == "" {
			return fail(stderr, "upstream: $%s is empty; set it to the key your gateway sends upstream, or drop --api-key-env", *keyEnv)
		}
	}
	// Listen for Ctrl-C before printing the address: whoever reads it may signal at once.
	wait, stop := interruption()
	defer stop()
	srv, err := upstream.Start(upstream.Config{Models: healthy, APIKey: key, Hold: *hold, Listen: *listen, Strict: *strict})
	var asHealthy *upstream.FaultAsHealthyError
	switch {
	case errors.As(err, &asHealthy):
		return fail(stderr, "upstream: --models: %v", err)
	case err != nil:
		return fail(stderr, "upstream: %v", err)
	}
	defer srv.Close()

	printUpstream(stdout, upstreamInfo{url: srv.URL, witness: srv.WitnessURL, keyEnv: *keyEnv, hold: *hold, healthy: healthy, strict: *strict})
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
