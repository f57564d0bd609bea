package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/report"
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

	chromium := chromiumOrSkip(t, "the page was checked, not rendered")
	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, chromium, "--window-size=1200,1600", "--screenshot="+shot, "file://"+page)
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

// chromiumOrSkip is the chromium on PATH; without one, the test is skipped, saying what it did without.
// .ci/run installs Debian's.
func chromiumOrSkip(t *testing.T, without string) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on PATH (.ci/run installs Debian's): " + without)
	}
	return chromium
}

// runChromium runs headless Chromium alone: no sandbox (CI runs as root), no network of its own, a profile
// of its own. It returns what Chromium wrote to stdout.
func runChromium(t *testing.T, chromium string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return stdout.Bytes()
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

// everyOutcomeReport is a result whose page shows every outcome's badge, in the matrix and in the list of
// unchecked MUSTs (on its alert's background), every count box, and the verdict v.
func everyOutcomeReport(v report.Verdict) *report.Result {
	res := &report.Result{SchemaVersion: report.SchemaVersion, Verdict: v, Summary: "a page with every outcome",
		Run: report.Run{Target: "http://gw/v1", FailOn: "must"}, UncoveredMusts: []report.Uncovered{},
		Counts: report.Counts{Requirements: map[report.Outcome]int{}, Specs: report.SpecCounts{Total: 7, Passed: 1,
			Failed: 1, FailedMust: 1, Skipped: 1, Blocked: 1, NotSelected: 1, HarnessError: 1, KnownFailure: 1}}}
	for i, o := range report.Outcomes {
		q := &report.Requirement{ID: fmt.Sprintf("REQ-%d", i+1), Level: "MUST", Text: "its outcome is " + o.Title(),
			Outcome: o, Reasons: []string{"why"}, Specs: []*report.Spec{}}
		res.Requirements = append(res.Requirements, q)
		res.Counts.Requirements[o]++
		res.UncoveredMusts = append(res.UncoveredMusts, report.Uncovered{ID: q.ID, Text: q.Text, Outcome: o, Reasons: q.Reasons})
	}
	return res
}

func pageOf(t *testing.T, res *report.Result) string {
	t.Helper()
	var b strings.Builder
	if err := res.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	countBox = regexp.MustCompile(`<div class="count">(.*?)</div>`)
	countOf  = regexp.MustCompile(`^<b>\d+</b>(.*)$`)
	anyTag   = regexp.MustCompile(`<[^>]*>`)
)

// Every count box of report.html is a number and what it counts; the known failures have one, as the
// verdict line counts them apart.
func TestReportHTMLCountBoxesAreLabelled(t *testing.T) {
	page := pageOf(t, everyOutcomeReport(report.VerdictNonConformant))
	boxes := countBox.FindAllStringSubmatch(page, -1)
	if n := strings.Count(page, `class="count"`); n != len(boxes) || n == 0 {
		t.Fatalf("%d count boxes, %d of them read", n, len(boxes))
	}
	var labels []string
	for _, box := range boxes {
		m := countOf.FindStringSubmatch(box[1])
		label := ""
		if m != nil {
			label = strings.TrimSpace(anyTag.ReplaceAllString(m[1], ""))
		}
		if label == "" {
			t.Errorf("a count box has no label: %s", box[0])
		}
		labels = append(labels, label)
	}
	if !slices.Contains(labels, "known failures") {
		t.Errorf("no count box for the known failures: %q", labels)
	}
}

// probeScript, put at the end of a page, writes into it each badge's, count box's and verdict header's
// computed text colour, the background it is seen on (its own, or the nearest ancestor's), its size and
// visibility: what --dump-dom then hands over.
const probeScript = `<script>
(function () {
  function background(el) {
    for (; el; el = el.parentElement) {
      var c = getComputedStyle(el).backgroundColor;
      if (c !== "transparent" && !/^rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return "rgb(255, 255, 255)";
  }
  var out = [];
  document.querySelectorAll(".badge, .count, header.verdict").forEach(function (el) {
    var st = getComputedStyle(el), box = el.getBoundingClientRect();
    out.push({class: el.className, text: el.textContent.trim(), color: st.color, background: background(el),
      width: box.width, height: box.height, visibility: st.visibility});
  });
  var pre = document.createElement("pre");
  pre.id = "gwc-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
`

// probed is one element the probe measured.
type probed struct {
	Class, Text, Color, Background, Visibility string
	Width, Height                              float64
}

var probeOutput = regexp.MustCompile(`(?s)<pre id="gwc-probe">(.*?)</pre>`)

// minContrast is WCAG's AA contrast for normal text: the badges' 12px bold is not large text.
const minContrast = 4.5

var verdictHeader = regexp.MustCompile(`(?s)<header class="verdict .*?</header>`)

// Rendered by Chromium, every outcome's badge and every verdict's header is text a person can read: its
// colour stands out from its background by WCAG's AA contrast, and it has a size. An unstyled badge is white
// on white (contrast 1). One page is rendered: the first verdict's, with every other verdict's header as its
// page has it.
func TestReportHTMLBadgesAreVisible(t *testing.T) {
	t.Parallel()
	chromium := chromiumOrSkip(t, "the badges' styles were checked in the CSS, not rendered")
	page := pageOf(t, everyOutcomeReport(report.Verdicts[0]))
	var headers strings.Builder
	for _, v := range report.Verdicts[1:] {
		h := verdictHeader.FindString(pageOf(t, everyOutcomeReport(v)))
		if h == "" {
			t.Fatalf("%s: the page has no verdict header", v)
		}
		headers.WriteString(h + "\n")
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(strings.Replace(page, "</body>", headers.String()+probeScript+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := probeOutput.FindSubmatch(runChromium(t, chromium, "--window-size=1200,1600", "--dump-dom", "file://"+path))
	if m == nil {
		t.Fatal("the probe wrote nothing into the page")
	}
	var elems []probed
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &elems); err != nil {
		t.Fatalf("the probe's output: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range elems {
		seen[e.Class] = true
		c, err := contrast(e.Color, e.Background)
		if err != nil {
			t.Fatalf("%q: %v", e.Class, err)
		}
		if c < minContrast || e.Width == 0 || e.Height == 0 || e.Visibility != "visible" || e.Text == "" {
			t.Errorf("%q reading %q is not visible: %s on %s (contrast %.2f, want %.1f), %gx%g, %s",
				e.Class, e.Text, e.Color, e.Background, c, minContrast, e.Width, e.Height, e.Visibility)
		}
	}
	var want []string
	for _, v := range report.Verdicts {
		want = append(want, "verdict v-"+string(v))
	}
	for _, o := range report.Outcomes {
		want = append(want, "badge o-"+string(o))
	}
	for _, class := range want {
		if !seen[class] {
			t.Errorf("the page has no element of class %q", class)
		}
	}
}

var cssColour = regexp.MustCompile(`^rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)$`)

// contrast is WCAG's contrast ratio of two CSS colours as a computed style gives them ("rgb(26, 127, 55)").
func contrast(a, b string) (float64, error) {
	la, err := luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := luminance(b)
	if err != nil {
		return 0, err
	}
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05), nil
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(colour string) (float64, error) {
	m := cssColour.FindStringSubmatch(colour)
	if m == nil {
		return 0, fmt.Errorf("not an rgb() colour: %q", colour)
	}
	var l float64
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.Atoi(m[i+1])
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += weight * c
	}
	return l, nil
}
