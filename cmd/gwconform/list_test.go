package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/profile"
)

func TestListShowsRequirementsScenariosAndNeeds(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "list")
	if r.code != exitConformant {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"AUTH-1    MUST", "NEG-1     SHOULD     -", "up-timeout", "needs: upstream.timeout; upstream.models.timeout", "limit-zero-credit"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q", want)
		}
	}
}

// NEG-1 has no hand-written spec: its specs judge the generated bodies every run sends, and list counts
// them, at least one per body, instead of showing NEG-1 uncovered.
func TestListCountsTheGeneratedBodiesSpecs(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "list", "--what", "requirements")
	if r.code != exitConformant {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var neg1 []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[0] == "NEG-1" {
			neg1 = f
		}
	}
	if len(neg1) < 4 || neg1[2] != "-" {
		t.Fatalf("NEG-1's row: %q\n%s", neg1, r.stdout)
	}
	if n, err := strconv.Atoi(neg1[3]); err != nil || n < profile.DefaultNegative {
		t.Errorf("NEG-1 has %q specs of generated bodies, want one at least for each of the %d bodies", neg1[3], profile.DefaultNegative)
	}
	if want := fmt.Sprintf("the specs of the %d generated invalid bodies of seed %d a run sends by default", profile.DefaultNegative, profile.DefaultNegativeSeed); !strings.Contains(r.stdout, want) {
		t.Errorf("list does not say what it counts as generated (%q):\n%s", want, r.stdout)
	}
}

// A dry run tells a spec whose key the profile names, by a variable left unset, from one whose key the
// profile does not name: the first runs once the variable is exported.
func TestDryRunTellsAnUnsetKeyFromAnUnnamedOne(t *testing.T) {
	t.Parallel()
	prof := writeFile(t, "keys: {zero_credit: GWC_DRY_RUN_ZERO_CREDIT}\n")
	r := gwconform(t, []string{"API_KEY=gwc-dry-run-key-0123456789"}, "run", "--target", closedPort(t), "--profile", prof, "--dry-run", "--label-filter", "req:LIMIT-3 || req:LIMIT-1")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"unset POST /v1/chat/completions with a key that has no credits left answers status 403: would run once $GWC_DRY_RUN_ZERO_CREDIT is set (the profile names keys.zero_credit; the variable is unset)\n",
		"skip  POST /v1/chat/completions in a burst with a rate-limited key, up to the first 429 answers status 429: needs keys.rate_limited in the profile\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "needs keys.zero_credit") {
		t.Errorf("the named key is said to be missing from the profile:\n%s", r.stdout)
	}
}

// A dry run tells what the generated bodies would be: how many, and, by kind of rule broken, how many
// specs would judge them, adding up to the summary's count.
func TestDryRunTellsTheGeneratedBodies(t *testing.T) {
	t.Parallel()
	r := gwconform(t, []string{"API_KEY=gwc-dry-run-key-0123456789"}, "run", "--target", closedPort(t), "--dry-run")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := fmt.Sprintf("gwconform: dry run: %d generated bodies of seed %d would be sent;", profile.DefaultNegative, profile.DefaultNegativeSeed); !strings.Contains(r.stdout, want) {
		t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
	}
	bodies, specs, kinds := 0, 0, map[string]bool{}
	for _, line := range strings.Split(r.stdout, "\n") {
		var kind, owner string
		var b, s int
		if _, err := fmt.Sscanf(line, "gen   %s %s rule: %d bodies, judged by %d specs", &kind, &owner, &b, &s); err == nil {
			kinds[kind], bodies, specs = true, bodies+b, specs+s
		}
	}
	if !kinds["wrong_type,"] || !kinds["deep_nesting,"] || bodies != profile.DefaultNegative {
		t.Errorf("%d bodies of kinds %v:\n%s", bodies, kinds, r.stdout)
	}
	if want := fmt.Sprintf("; %d generated bodies would be judged by %d specs; nothing was sent", profile.DefaultNegative, specs); specs == 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
	}
}

// A dry run sends nothing, so it works against a target that is not there, and says what would be skipped.
func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	r := gwconform(t, []string{"API_KEY=gwc-dry-run-key-0123456789"}, "run", "--target", closedPort(t), "--dry-run", "--label-filter", "req:LIMIT-3 || req:AUTH-1")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"run   POST /v1/chat/completions without Authorization answers status 401", "skip  POST /v1/chat/completions with a key that has no credits left answers status 403: needs keys.zero_credit in the profile", "nothing was sent"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestProgressSaysWhatIsRunningAndHowFarAlong(t *testing.T) {
	t.Parallel()
	r := gwconform(t, nil, "run", "--progress", "--label-filter", "req:AUTH-1")
	if r.code != exitConformant {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Three scenarios are charged to AUTH-1, but the reference's catalogue is public, so the one for a
	// catalogue that needs a key is not sent, nor listed (TestProgressListsOnlyScenariosThatAreSent). The
	// other two are recorded at once, so only the count is fixed.
	if !strings.Contains(r.stderr, "gwconform: [1/2] ") || !strings.Contains(r.stderr, "gwconform: [2/2] ") ||
		!strings.Contains(r.stderr, "POST /v1/chat/completions without Authorization (") || strings.Contains(r.stderr, "/3]") {
		t.Fatalf("progress:\n%s", r.stderr)
	}
}

// A base URL without /v1 is probably a mistake, but not certainly: a warning naming the likely URL. An
// endpoint's URL, pasted for the base URL, is warned about with the base URL it lies under.
func TestTargetWithoutV1IsWarnedAbout(t *testing.T) {
	t.Parallel()
	for target, meant := range map[string]string{
		"http://127.0.0.1:9/api":                  "http://127.0.0.1:9/api/v1",
		"https://gw.example/v1/chat/completions":  "https://gw.example/v1",
		"https://gw.example/v1/chat/completions/": "https://gw.example/v1",
		"http://127.0.0.1:9/openai/v1/models":     "http://127.0.0.1:9/openai/v1",
	} {
		r := gwconform(t, []string{"API_KEY=gwc-warn-key-0123456789"}, "run", "--target", target, "--dry-run")
		if want := `does not end in /v1; did you mean ` + meant + `?`; r.code != exitConformant || !strings.Contains(r.stderr, want) {
			t.Errorf("--target %s: exit %d, stderr lacks %q:\n%s", target, r.code, want, r.stderr)
		}
	}
}
