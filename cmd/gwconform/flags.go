package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses a command's flags. -h prints the flags to stdout and ends the command with 0; a bad
// flag is one line on stderr and exit 2, not the whole flag list.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "usage of %s:\n", fs.Name())
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitConformant, true
	case err != nil:
		return fail(stderr, "%s: %v (see %s -h)", fs.Name()[len("gwconform "):], err, fs.Name()), true
	case fs.NArg() > 0:
		return fail(stderr, "%s: unexpected argument %q (flags only; see %s -h)", fs.Name()[len("gwconform "):], fs.Arg(0), fs.Name()), true
	}
	return 0, false
}
