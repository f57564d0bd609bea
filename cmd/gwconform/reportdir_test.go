package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/internal/report"
)

// A run into a report directory another run is writing stops at once, before it sends anything, rather
// than have the two overwrite each other's reports.
func TestASecondRunIntoAHeldReportDirectoryStopsAtOnce(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	release, err := claimReportDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := claimReportDir(dir); err == nil || !strings.Contains(err.Error(), errReportDirInUse.Error()) {
		t.Fatalf("a second claim of a held directory: %v, want %q", err, errReportDirInUse)
	}

	r := gwconform(t, nil, "run", "--report-dir", dir, "--label-filter", "req:AUTH-1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "is in use") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q; want 2 and one line saying the directory is in use", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, report.JSONFile)); err == nil {
		t.Error("the refused run wrote report.json into the held directory")
	}
	release()
	if again, err := claimReportDir(dir); err != nil {
		t.Errorf("once released, the directory is still held: %v", err)
	} else {
		again()
	}
}

// A reused report directory keeps no bodies/ file of an earlier run: each one there is a deviation of this run.
func TestARunEmptiesTheBodiesOfTheRunBefore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := filepath.Join(dir, report.BodiesDir, "an-earlier-run.body")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gwconform(t, nil, "run", "--report-dir", dir, "--label-filter", "req:AUTH-1", "--negative", "0")
	if r.code != exitConformant {
		t.Fatalf("exit %d, want 0:\n%s", r.code, tail(r.stdout+r.stderr))
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("%s survived the run", stale)
	}
}
