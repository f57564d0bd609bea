package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/report"
	"github.com/gwconform/gwconform/internal/testkit/hostile"
)

// Against a target that is broken on purpose, a run ends within its deadline with exit 1 (the target is at
// fault) or 2 (it cannot be tested), one line saying why, no panic, and the key sent nowhere else.
func TestHostileTargetsEndInBoundedTime(t *testing.T) {
	t.Parallel()
	const key = "gwc-hostile-canary-key-6b1d0e3f"
	// --timeout is generous: a 10 MB answer read on a starved machine takes seconds, and a target that never
	// answers costs that long once. The pre-flight waits it too, not a fixed 5s: its line says so.
	const timeout = 10 * time.Second
	noAnswer := fmt.Sprintf("no complete answer within %s", timeout)
	want := map[hostile.Behaviour]struct {
		code   int
		reason string // in the first line of stderr (exit 2) or in stdout (exit 1)
	}{
		hostile.NeverAnswers:      {exitUsage, noAnswer},
		hostile.HeadersThenStall:  {exitUsage, noAnswer},
		hostile.EndlessBody:       {exitFailed, "NON-CONFORMANT"},
		hostile.GzipBomb:          {exitFailed, "NON-CONFORMANT"},
		hostile.RedirectElsewhere: {exitFailed, "NON-CONFORMANT"},
		hostile.Reset:             {exitUsage, "the target does not answer"},
		hostile.HTTP10CloseDelim:  {exitFailed, "NON-CONFORMANT"},
		hostile.HTMLErrorPage:     {exitFailed, "NON-CONFORMANT"},
		hostile.InvalidUTF8:       {exitFailed, "NON-CONFORMANT"},
		hostile.HugeJSON:          {exitFailed, "NON-CONFORMANT"},
		hostile.InvalidJSONAsJSON: {exitFailed, "NON-CONFORMANT"},
		hostile.UntrustedTLS:      {exitUsage, "--ca-cert"},
	}
	if len(want) != len(hostile.All()) {
		t.Fatalf("the table covers %d of %d behaviours", len(want), len(hostile.All()))
	}
	const deadline = 45 * time.Second // within the minute gwconform() allows a run
	for _, b := range hostile.All() {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			srv := hostile.Start(b)
			defer srv.Close()
			// --model: these targets answer GET /v1/models with an error too, which alone stops a run (exit 2)
			// before the specs this test means to expose to them. AUTH-1's scenarios alone: every request to
			// an endless or 10 MB body reads a capped MiB, and on a busy machine even the auth scenarios' worth
			// of them (measured: past 30s at a load of 10) measures throughput, not whether the run is bounded.
			r := gwconform(t, []string{"API_KEY=" + key}, "run", "--target", srv.URL, "--model", "hostile-model", "--label-filter", "req:AUTH-1",
				"--timeout", timeout.String(), "--run-timeout", deadline.String())
			w := want[b]
			if r.code != w.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, w.code, tail(r.stdout), r.stderr)
			}
			where := r.stdout
			if w.code == exitUsage {
				where, _, _ = strings.Cut(r.stderr, "\n")
			}
			if !strings.Contains(where, w.reason) {
				t.Errorf("want %q in %q", w.reason, tail(where))
			}
			if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("crashed:\n%s", r.stderr)
			}
			r.noSecret(t, key)
			r.endedBy(t, deadline)
			for _, auth := range srv.OtherOriginSaw() {
				if strings.Contains(auth, key) {
					t.Fatalf("the key reached the redirect's origin")
				}
			}
		})
	}
}

// The whole run has a deadline too: a target that answers every request, slowly, is stopped by
// --run-timeout as Ctrl-C stops a run (reports marked interrupted, no verdict, exit 2), not waited on for an
// hour.
func TestRunTimeoutStopsASlowTarget(t *testing.T) {
	t.Parallel()
	// The catalogue is refused at once (the run goes on with --model); every other request is held until the
	// client gives up. A run that did not stop at its deadline would wait out each request's own --timeout,
	// wave after wave, far past the minute gwconform() allows it: that it ends, saying why, is the proof, on
	// a machine of any speed.
	slow := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/models" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"slow","type":"invalid_request_error","code":null,"param":null}}`)
	}))
	r := gwconform(t, []string{"API_KEY=gwc-slow-target-key-0123456789"}, "run", "--target", slow+"/v1", "--model", "slow-model", "--run-timeout", "1s")
	last := strings.TrimSpace(r.stderr)
	if i := strings.LastIndex(last, "\n"); i >= 0 {
		last = last[i+1:]
	}
	if r.code != exitUsage || !strings.Contains(r.stdout, "INTERRUPTED") || !strings.HasPrefix(last, "gwconform: run: stopped at its --run-timeout of 1s") {
		t.Fatalf("exit %d, last stderr line %q\n%s", r.code, last, tail(r.stdout))
	}
	if res := r.report(t); res.Verdict != report.VerdictInterrupted || !strings.Contains(res.Run.Stopped, "--run-timeout of 1s") {
		t.Errorf("report.json: verdict %s, stopped %q; want interrupted by the --run-timeout", res.Verdict, res.Run.Stopped)
	}
}
