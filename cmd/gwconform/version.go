package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/gwconform/gwconform/internal/requirements"
)

// buildVersion is the binary's version: what `gwconform version` prints and every report names. It is the
// one place that decides it.
func buildVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(info, version)
}

// unknownVersion is the version of a build that recorded nothing of its source: no -ldflags stamp, no
// module version and no VCS information (-buildvcs=false, a source tarball without .git, a test binary). It
// says so, where a bare "dev" would pass for a version.
const unknownVersion = "dev (unknown commit: built without VCS information or a -ldflags version)"

// versionOf chooses the version from the build's information and the version stamped with -ldflags. A
// stamp other than "dev" (main.version's default) was set on purpose and wins: the Makefile stamps `git
// describe`, the Action its ref. Then the main module's version: `go install
// github.com/gwconform/gwconform/cmd/gwconform@vX.Y.Z` records vX.Y.Z (a build in a git checkout records a
// pseudo-version). Then "dev-" and the commit, with "+dirty", when the build recorded them; else
// unknownVersion.
func versionOf(info *debug.BuildInfo, stamped string) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if info == nil {
		return unknownVersion
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision == "" {
		return unknownVersion
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	v := "dev-" + revision
	if modified {
		v += "+dirty"
	}
	return v
}

// versionFlags is version's flag set, which has no flag but -h: a test parses the docs' examples with it.
func versionFlags() *flag.FlagSet {
	return flag.NewFlagSet("gwconform version", flag.ContinueOnError)
}

// versionCommand prints the binary's version, the contract's and Go's, one a line.
func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := versionFlags()
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	contract, err := requirements.EmbeddedContract()
	if err != nil {
		return fail(stderr, "version: %v", err)
	}
	fmt.Fprintf(stdout, "gwconform %s\ncontract %s\ngo %s\n", buildVersion(), contract.Version, runtime.Version())
	return exitConformant
}
