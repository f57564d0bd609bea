package internal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gwconform/gwconform"

// side is where a package stands with respect to the wall between the two programs.
type side string

const (
	suiteSide     side = "the suite"
	referenceSide side = "the reference gateway"
	shared        side = "shared" // the fault vocabulary and the witness's protocol both programs speak
	testKit       side = "the test kit"
	wiring        side = "cmd"
)

// folders decide each package's side by where it lives: a package is on the side of the folder it is in or
// below. A new folder goes here, on the side whose parts it holds.
var folders = []struct {
	folder string
	side   side
}{
	{"suite", suiteSide},
	{"fixtures", suiteSide}, // the scenarios and contract the suite judges by
	{"schemas", suiteSide},  // the schemas the suite judges answers against
	{"internal/exchange", suiteSide},
	{"internal/negative", suiteSide},
	{"internal/profile", suiteSide},
	{"internal/redact", suiteSide},
	{"internal/report", suiteSide},
	{"internal/requirements", suiteSide},
	{"internal/scenario", suiteSide},
	{"internal/validate", suiteSide},
	{"internal/reference", referenceSide},
	{"internal/faults", shared},
	{"internal/witness", shared},
	{"internal/testkit", testKit},
	{"cmd", wiring},
}

// mayImport is the wall: the sides a package of each side may import. The suite judges a gateway through
// HTTP alone, and the reference gateway must not pass because it was built from the suite's own parts, so
// the two share only the fault vocabulary and the witness's protocol; the test kit serves tests alone; only cmd/ joins the programs,
// and nothing imports cmd/.
var mayImport = map[side][]side{
	suiteSide:     {suiteSide, shared},
	referenceSide: {referenceSide, shared},
	shared:        {shared},
	testKit:       {testKit, shared},
	wiring:        {suiteSide, referenceSide, shared},
}

// sideOf is the side of the folder a package lives in, the deepest rule that holds it deciding.
func sideOf(rel string) (side, bool) {
	best, found := "", side("")
	for _, f := range folders {
		if (rel == f.folder || strings.HasPrefix(rel, f.folder+"/")) && len(f.folder) > len(best) {
			best, found = f.folder, f.side
		}
	}
	return found, best != ""
}

func orList(sides []side) string {
	names := make([]string, len(sides))
	for i, s := range sides {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}

type pkg struct {
	ImportPath string
	GoFiles    []string
	Imports    []string
}

// modulePackages are every package of the module with code a program can import, by their path inside the
// module. A folder of tests alone (this one) is nobody's import, so it stands on no side.
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,GoFiles,Imports", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if len(p.GoFiles) == 0 {
			continue
		}
		var imports []string
		for _, imp := range p.Imports {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				imports = append(imports, rel)
			}
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = imports
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no package of the module")
	}
	return pkgs
}

func TestTheSuiteAndTheReferenceNeverImportEachOther(t *testing.T) {
	pkgs := modulePackages(t)
	for rel, imports := range pkgs {
		from, ok := sideOf(rel)
		if !ok {
			t.Errorf("%s is on no side of the wall: put a part of the suite under suite/ or a folder of internal/ "+
				"that folders in internal/layout_test.go gives the suite, a part of the reference gateway under internal/reference/, "+
				"a test helper under internal/testkit/; or give its folder a side there", rel)
			continue
		}
		for _, imp := range imports {
			to, ok := sideOf(imp)
			if ok && !slices.Contains(mayImport[from], to) {
				t.Errorf("%s (%s) imports %s (%s): %s may import only %s", rel, from, imp, to, from, orList(mayImport[from]))
			}
		}
	}
}

// A rule for a folder that holds no package is a rule for a folder since moved or removed.
func TestEveryFolderRuleHoldsAPackage(t *testing.T) {
	pkgs := modulePackages(t)
	for _, f := range folders {
		held := false
		for rel := range pkgs {
			held = held || rel == f.folder || strings.HasPrefix(rel, f.folder+"/")
		}
		if !held {
			t.Errorf("folders gives %s a side, but no package lives there", f.folder)
		}
	}
}
