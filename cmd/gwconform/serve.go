package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gwconform/gwconform/internal/reference/gateway"
	"github.com/gwconform/gwconform/internal/reference/inprocess"
)

// serveOptions are serve's flags.
type serveOptions struct {
	defects     multiFlag
	listen      string
	profileOut  string
	listDefects bool
}

// serveFlags is serve's flag set: its command parses it, and a test parses the docs' examples with it.
func serveFlags() (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("gwconform serve", flag.ContinueOnError)
	fs.Var(&o.defects, "defect", "inject a named deviation from the contract (repeatable; see --list-defects)")
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address of the gateway (the upstream always takes an ephemeral loopback port)")
	fs.StringVar(&o.profileOut, "profile-out", "", "write a profile describing this gateway (keys by variable name, fault models, triggers) to FILE")
	fs.BoolVar(&o.listDefects, "list-defects", false, "list the deviations --defect can inject, with the requirements each breaks")
	return fs, o
}

func serveCommand(args []string, stdout, stderr io.Writer) int {
	fs, o := serveFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if o.listDefects {
		for _, d := range gateway.Defects() {
			fmt.Fprintf(stdout, "%-36s breaks %-34s %s\n", d.Name, strings.Join(d.Breaks, ","), d.Summary)
		}
		return exitConformant
	}
	// Listen for Ctrl-C before printing the address: whoever reads it may signal at once.
	wait, stop := interruption()
	defer stop()
	stack, err := inprocess.Start(inprocess.Options{Defects: o.defects, Listen: o.listen})
	if err != nil {
		return fail(stderr, "serve: %v", err)
	}
	defer stack.Close()

	if o.profileOut != "" {
		if err := writeReferenceProfile(o.profileOut, stack); err != nil {
			return fail(stderr, "serve: --profile-out: %v", err)
		}
	}
	// The keys belong to this throwaway in-process gateway and exist to be pasted into a shell.
	fmt.Fprintf(stdout, "gwconform reference gateway\n  base URL: %s\n  demo key: %s\n  upstream: %s (its witness: %s)\n", stack.BaseURL, stack.APIKey, stack.UpstreamURL, stack.WitnessURL)
	fmt.Fprintf(stdout, "  keys:     export %s\n", strings.Join(referenceKeys(stack), " "))
	if o.profileOut != "" {
		fmt.Fprintf(stdout, "  profile:  %s (gwconform run --profile %s)\n", o.profileOut, o.profileOut)
	}
	if len(o.defects) > 0 {
		fmt.Fprintf(stdout, "  defects:  %s\n", strings.Join(o.defects, ", "))
	}
	for _, h := range stack.Requires {
		// Only the source said which value the gateway wants; the profile carries it, a bare run needs it.
		fmt.Fprintf(stdout, "  header:   every request needs %s (--profile-out's profile has it; else run with --header '%s')\n", h, h)
	}
	fmt.Fprintf(stdout, "try:\n  export API_KEY=%s\n  curl -s %s/models\n  curl -s %s/chat/completions -H \"Authorization: Bearer $API_KEY\" -H 'Content-Type: application/json' -d '{\"model\":\"ref/chat-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n  gwconform run --target %s\nCtrl-C stops it.\n", stack.APIKey, stack.BaseURL, stack.BaseURL, stack.BaseURL)

	wait()
	return exitConformant
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
