package main

import (
	"bytes"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommandPrintsThreeVersions(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"version"}, func(string) string { return "" }, &stdout, &stderr); code != exitConformant {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	want := regexp.MustCompile(`^gwconform (.+)\ncontract (\d+\.\d+)\ngo (\S+)\n$`)
	m := want.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("version printed %q; want three lines: gwconform V, contract V, go V", stdout.String())
	}
	if m[1] != buildVersion() {
		t.Errorf("gwconform %s; the reports would say %s", m[1], buildVersion())
	}
	if m[3] != runtime.Version() {
		t.Errorf("go %s; want %s", m[3], runtime.Version())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr %q", stderr.String())
	}
	if code := Main([]string{"version", "extra"}, func(string) string { return "" }, &stdout, &stderr); code != exitUsage {
		t.Errorf("version with an argument exits %d; want %d", code, exitUsage)
	}
}

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	main := func(v string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/gwconform/gwconform", Version: v}, Settings: settings}
	}
	for _, tc := range []struct {
		name    string
		info    *debug.BuildInfo
		stamped string
		want    string
	}{
		{"go install @version", main("v1.2.3", nil), "dev", "v1.2.3"},
		{"a pseudo-version from a checkout", main("v0.0.0-20261127120000-0123456789ab+dirty", vcs("0123456789abcdef", "true")), "dev", "v0.0.0-20261127120000-0123456789ab+dirty"},
		{"an ldflags stamp wins", main("v1.2.3", nil), "v1.2.4-rc1", "v1.2.4-rc1"},
		{"devel with an ldflags stamp", main("(devel)", nil), "v1.2.4", "v1.2.4"},
		{"devel, clean checkout", main("(devel)", vcs("0123456789abcdef0123", "false")), "dev", "dev-0123456789ab"},
		{"devel, modified checkout", main("(devel)", vcs("0123456789abcdef0123", "true")), "dev", "dev-0123456789ab+dirty"},
		{"devel, no vcs", main("(devel)", nil), "dev", unknownVersion},
		{"devel, -buildvcs=false", main("(devel)", []debug.BuildSetting{{Key: "-buildvcs", Value: "false"}}), "dev", unknownVersion},
		{"a test binary", main("", nil), "dev", unknownVersion},
		{"no build info", nil, "dev", unknownVersion},
		{"no build info, an empty stamp", nil, "", unknownVersion},
		{"no build info, stamped", nil, "v1.0.0", "v1.0.0"},
		{"a Makefile build outside git", main("(devel)", nil), "", unknownVersion},
	} {
		got := versionOf(tc.info, tc.stamped)
		if got != tc.want {
			t.Errorf("%s: %q; want %q", tc.name, got, tc.want)
		}
		// A bare "dev" names no build: a report carrying it could not be traced to any source.
		if got == "dev" {
			t.Errorf("%s: the version is a bare dev", tc.name)
		}
	}
}

// The docs' `version` bullet quotes what a build that knows nothing of its source prints.
func TestReadmeQuotesTheUnknownVersion(t *testing.T) {
	doc := cliDoc
	if !strings.Contains(strings.Join(strings.Fields(readDoc(t, doc)), " "), "`"+unknownVersion+"`") {
		t.Errorf("%s does not quote the unknown version %q", doc, unknownVersion)
	}
}
