package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// inProcess runs Main in this process, for commands that print and return without running a suite.
func inProcess(args ...string) result {
	var out, errb bytes.Buffer
	code := Main(args, func(string) string { return "" }, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// helpCommands are the command names `gwconform help` lists, in its order.
func helpCommands(t *testing.T) []string {
	t.Helper()
	r := inProcess("help")
	_, list, ok := strings.Cut(r.stdout, "commands:\n")
	if r.code != exitConformant || !ok {
		t.Fatalf("gwconform help: exit %d, no command list:\n%s", r.code, r.stdout)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimRight(list, "\n"), "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			names = append(names, fields[0])
		}
	}
	return names
}

// docCommands are the command names of the docs' list of them ("The commands:"), in its order.
func docCommands(t *testing.T) []string {
	t.Helper()
	doc := cliDoc
	_, list, ok := strings.Cut(readDoc(t, doc), "The commands:\n")
	if !ok {
		t.Fatalf(`%s has no "The commands:" list`, doc)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	var names []string
	for _, m := range regexp.MustCompile("(?m)^- `([a-z]+)`").FindAllStringSubmatch(list, -1) {
		names = append(names, m[1])
	}
	return names
}

// Every place that lists the commands lists the same ones: help, the docs, the line for no command and
// the line for an unknown one; and each one listed is a command.
func TestEveryCommandListAgrees(t *testing.T) {
	t.Parallel()
	names := helpCommands(t)
	if documented := docCommands(t); strings.Join(documented, " ") != strings.Join(names, " ") {
		t.Errorf("%s lists the commands %v, help lists %v", cliDoc, documented, names)
	}
	unknown := inProcess("frobnicate")
	none := inProcess()
	for _, name := range names {
		for what, r := range map[string]result{"an unknown command": unknown, "no command": none} {
			first, _, _ := strings.Cut(r.stderr, "\n")
			if r.code != exitUsage || !regexp.MustCompile(`\b`+name+`\b`).MatchString(first) {
				t.Errorf("the line for %s (exit %d) does not name %s: %q", what, r.code, name, first)
			}
		}
		if r := inProcess(name, "-h"); r.code != exitConformant {
			t.Errorf("help lists %s, but gwconform %s -h exits %d: %s", name, name, r.code, r.stderr)
		}
	}
}

// gwconform help <command> is gwconform <command> -h; help for a command that does not exist is one line.
func TestHelpOfACommandIsItsFlags(t *testing.T) {
	t.Parallel()
	for _, name := range helpCommands(t) {
		help, flags := inProcess("help", name), inProcess(name, "-h")
		if help.code != exitConformant || help.stdout != flags.stdout || help.stdout == "" {
			t.Errorf("gwconform help %s (exit %d) prints\n%s\nwhere gwconform %s -h prints\n%s", name, help.code, help.stdout, name, flags.stdout)
		}
	}
	r := inProcess("help", "frobnicate")
	if r.code != exitUsage || r.stdout != "" || !strings.HasPrefix(r.stderr, "gwconform: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, `"frobnicate"`) {
		t.Errorf("gwconform help frobnicate: exit %d, stdout %q, stderr %q; want 2 and one line naming it", r.code, r.stdout, r.stderr)
	}
}

// gwconform profile -h names each subcommand on a line of its own, and exits 0.
func TestProfileHelpListsItsSubcommands(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"-h", "--help", "help"} {
		r := inProcess("profile", h)
		if r.code != exitConformant {
			t.Fatalf("gwconform profile %s: exit %d: %s", h, r.code, r.stderr)
		}
		for _, sub := range []string{"draft", "check"} {
			if n := len(regexp.MustCompile(`(?m)^\s+`+sub+`\s`).FindAllString(r.stdout, -1)); n != 1 {
				t.Errorf("gwconform profile %s lists %s on %d lines, want 1:\n%s", h, sub, n, r.stdout)
			}
		}
	}
}

// durationFlags are, for each command, the flags -h says take a duration.
func durationFlags(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	names := append(helpCommands(t), "profile draft", "profile check")
	for _, name := range names {
		r := inProcess(append(strings.Fields(name), "-h")...)
		for _, m := range regexp.MustCompile(`(?m)^\s+-(\S+) duration$`).FindAllStringSubmatch(r.stdout, -1) {
			out[name] = append(out[name], m[1])
		}
	}
	if len(out) == 0 {
		t.Fatal("no command has a duration flag")
	}
	return out
}

// A bare number given to any duration flag is told the unit it lacks, with examples made of the number
// itself, each one a duration, none said twice.
func TestABareNumberForADurationIsToldItsUnit(t *testing.T) {
	t.Parallel()
	for cmd, flags := range durationFlags(t) {
		for _, name := range flags {
			for _, n := range []string{"10", "1.5"} {
				r := inProcess(append(strings.Fields(cmd), "--"+name, n)...)
				want := "gwconform: " + cmd + ": --" + name + " " + n + " has no unit: add one, e.g. " + n + "s or " + n + "ms\n"
				if r.code != exitUsage || r.stderr != want {
					t.Errorf("%s --%s %s: exit %d, stderr %q, want %q", cmd, name, n, r.code, r.stderr, want)
				}
			}
		}
	}
}
