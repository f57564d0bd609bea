package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/report"
)

// Ctrl-C is one behaviour whenever it lands: the run stops, writes reports of what it judged until then,
// marked interrupted with no verdict, and exits 2 with one line. Here it lands while the scenarios are sent
// (a gateway holds them) and while the specs are judged (the run's -v output is left unread, so the run
// is held inside judging when the signal comes); each is reported with the time the run took to end.
func TestCtrlCAtAnyMomentStopsWithReportsAndNoVerdict(t *testing.T) {
	t.Parallel()
	t.Run("while sending", func(t *testing.T) {
		t.Parallel()
		held, started := holdingGateway(t)
		r := interruptedRun(t, started, nil, []string{"API_KEY=gwc-interrupt-test-key"}, "run", "--target", held, "--timeout", "1m", "--negative", "0")
		res := stoppedReport(t, r)
		if res.Counts.Specs.Passed+res.Counts.Specs.Failed != 0 {
			t.Errorf("a run stopped while sending judged %d specs, want none", res.Counts.Specs.Passed+res.Counts.Specs.Failed)
		}
		if res.Counts.Specs.Skipped == 0 {
			t.Error("the specs the stop left unjudged are not in the report")
		}
	})
	t.Run("while judging", func(t *testing.T) {
		t.Parallel()
		judging := make(chan struct{})
		r := interruptedRun(t, judging, judging, nil, "run", "-v", "--negative", "0")
		res := stoppedReport(t, r)
		if res.Counts.Specs.Passed == 0 {
			t.Error("a run stopped while judging reports no spec judged before the stop")
		}
	})
}

// stoppedReport checks what every stopped run must show, and returns its report.
func stoppedReport(t *testing.T, r result) *report.Result {
	t.Helper()
	line := strings.TrimSpace(r.stderr[strings.LastIndex(strings.TrimSpace(r.stderr), "\n")+1:])
	if r.code != exitUsage || !strings.HasPrefix(line, "gwconform: run: interrupted: ") {
		t.Fatalf("exit %d, last stderr line %q; want 2 and the interrupted line\n%s", r.code, line, tail(r.stdout))
	}
	res := r.report(t)
	if res.Verdict != report.VerdictInterrupted || res.ExitCode != exitUsage || res.Run.Stopped == "" {
		t.Errorf("report.json: verdict %s, exit %d, stopped %q; want interrupted, 2 and why", res.Verdict, res.ExitCode, res.Run.Stopped)
	}
	if !strings.Contains(r.stdout, "INTERRUPTED") {
		t.Errorf("the console does not say the run was interrupted:\n%s", tail(r.stdout))
	}
	return res
}

// interruptedRun starts gwconform, sends it Ctrl-C once signal is closed, and waits for it to end. With
// hold, the child's stdout is left unread from the first spec it prints under -v until the signal is sent:
// the pipe fills and the run waits inside judging, whatever the machine's speed. hold is closed then.
func interruptedRun(t *testing.T, signal <-chan struct{}, hold chan struct{}, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, errb := child(t, ctx, env, args)
	var pipe io.ReadCloser
	if hold != nil {
		var err error
		cmd.Stdout = nil
		if pipe, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var copied sync.WaitGroup
	resume := make(chan struct{})
	if hold != nil {
		copied.Go(func() { readUntilJudging(pipe, out, hold, resume) })
	}
	select {
	case <-signal:
	case <-ctx.Done():
	}
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	close(resume)
	copied.Wait()
	r := finished(t, ctx, cmd, cmd.Wait(), out, errb)
	t.Logf("ended %s after Ctrl-C", time.Since(sent).Round(time.Millisecond))
	return r
}

// readUntilJudging copies the child's stdout into out until a spec's verbose line shows (Ginkgo's "[It]" or
// its spec separator), closes judging, waits for resume, then copies the rest.
func readUntilJudging(pipe io.Reader, out *bytes.Buffer, judging chan<- struct{}, resume <-chan struct{}) {
	buf := make([]byte, 512)
	for {
		n, err := pipe.Read(buf)
		out.Write(buf[:n])
		if bytes.Contains(out.Bytes(), []byte("[It]")) || bytes.Contains(out.Bytes(), []byte("•")) {
			break
		}
		if err != nil {
			close(judging)
			return
		}
	}
	close(judging)
	<-resume
	io.Copy(out, pipe)
}
