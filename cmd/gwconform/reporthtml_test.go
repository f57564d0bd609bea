package main

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// From a run against a gateway with a defect, report.html names the failing requirement and carries its
// transcript and curl line; rendered by headless Chromium it is a page, not a blank screen. .ci/run
// installs Debian's chromium; where there is none, the rendering half is skipped and says so.
func TestReportHTMLShowsTheFailureAndRenders(t *testing.T) {
	t.Parallel()
	stack := startReference(t, "unknown-model-404")
	r := gwconform(t, []string{"API_KEY=" + stack.APIKey}, "run", "--target", stack.BaseURL)
	if r.code != exitFailed {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	page := filepath.Join(r.reportDir, "report.html")
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MOD-2", "answered status 404, want 400", "&gt; POST " + stack.BaseURL + "/chat/completions", "curl -sS -i --path-as-is -X POST", "Bearer $API_KEY"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(string(html), stack.APIKey) {
		t.Error("report.html carries the key")
	}

	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH (.ci/run installs Debian's): the page was checked, not rendered")
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--window-size=1200,1600", "--screenshot="+shot, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if colours := distinctColours(img, 64); colours < 8 {
		t.Fatalf("the rendered page has %d colours: it is blank", colours)
	}
}

// distinctColours counts the colours of img up to limit, sampling every 4th pixel.
func distinctColours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}
