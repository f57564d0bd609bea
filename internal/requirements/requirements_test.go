package requirements

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The binary ships a copy of the contract; this keeps the copy honest against the shared original, which CI
// checks out beside the repository.
func TestEmbeddedCopyMatchesTheSharedContract(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "contract", "REQUIREMENTS.md")
	want, err := os.ReadFile(shared)
	if os.IsNotExist(err) {
		t.Skipf("%s is not checked out beside the repository", shared)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "contract", "REQUIREMENTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("fixtures/contract/REQUIREMENTS.md differs from %s: copy the shared contract again", shared)
	}
}

func TestParseReadsEveryRow(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for id, level := range map[string]Level{"ENV-1": Must, "ENV-9": Should, "AUTH-4": Should, "REQ-10": Must, "MOD-4": Should, "STREAM-2": Should, "CLIENT-1": Must, "NEG-1": Should, "ENV-10": Should, "SEC-1": Should} {
		if c[id].Level != level {
			t.Errorf("%s: level %q, want %q", id, c[id].Level, level)
		}
	}
	if got := len(c); got != 49 {
		t.Errorf("parsed %d requirements, want the contract's 49", got)
	}
	ids := c.IDs()
	if ids[0] != "AUTH-1" || !Less("REQ-9", "REQ-10") {
		t.Errorf("order: %v", ids[:3])
	}
}

func TestParseRefusesDuplicatesAndEmptyInput(t *testing.T) {
	if _, err := Parse([]byte("| AUTH-1 | MUST | a |\n| AUTH-1 | MUST | b |\n")); err == nil {
		t.Error("duplicate id accepted")
	}
	if _, err := Parse([]byte("# nothing\n")); err == nil {
		t.Error("empty list accepted")
	}
	if _, err := Parse([]byte("| XYZ-1 | MUST | a |\n")); err == nil {
		t.Error("unknown group accepted")
	}
}

func TestEmbeddedVersion(t *testing.T) {
	c, err := EmbeddedContract()
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Version; v != "1.2" {
		t.Errorf("contract version %q, want 1.2", v)
	}
	if _, err := Version([]byte("# The error contract, as requirements\n")); err == nil {
		t.Error("a first line without a version was accepted")
	}
}
