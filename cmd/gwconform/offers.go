package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gwconform/gwconform/internal/profile"
)

// printOffers shows the effective profile, so a skipped spec's reason can be traced to it. Keys appear only
// by the variable they came from.
func printOffers(w io.Writer, path string, r profile.Offers) {
	source := "embedded reference"
	if path != "" {
		source = path + ", overridden by flags and environment"
	} else if len(r.Keys) == 0 && len(r.FaultModels) == 0 {
		source = "none: specs that need a trigger are skipped; see --profile"
	}
	fmt.Fprintf(w, "gwconform: profile (%s):\n", source)
	for _, line := range r.Summary() {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// oneLine keeps a multi-line error (a YAML one, say) to the one line every bad input gets.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
