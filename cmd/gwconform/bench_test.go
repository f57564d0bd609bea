package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/testkit/latency"
)

// addedLatency is what the proxy adds to every request: a staging gateway in another region.
const addedLatency = 100 * time.Millisecond

// BenchmarkRunBehindLatency runs the full profiled suite against the reference gateway, each run a process
// of its own with the gateway outside it, once directly and once behind a proxy that adds 100 ms to every
// request. It reports how much longer the run behind the proxy takes (latency-ratio; the exchanges are made
// concurrently, so it stays near 1) and the runs' peak resident memory (peak-RSS-MiB).
func BenchmarkRunBehindLatency(b *testing.B) {
	stack := startReference(b)
	profilePath := filepath.Join(b.TempDir(), "reference.yaml")
	if err := writeReferenceProfile(profilePath, stack); err != nil {
		b.Fatal(err)
	}
	proxy, err := latency.Start(stack.BaseURL, addedLatency)
	if err != nil {
		b.Fatal(err)
	}
	defer proxy.Close()
	env := referenceKeys(stack)
	run := func(target string) (time.Duration, float64) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args := []string{"run", "--profile", profilePath, "--target", target}
		if c := os.Getenv("GWC_BENCH_CONCURRENCY"); c != "" {
			args = append(args, "--concurrency", c)
		}
		cmd, out, errb := child(b, ctx, env, args)
		start := time.Now()
		r := finished(b, ctx, cmd, cmd.Run(), out, errb)
		took := time.Since(start)
		if r.code != exitConformant {
			b.Fatalf("%s: exit %d\n%s\n%s", target, r.code, tail(r.stdout), r.stderr)
		}
		return took, float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	}
	// The fastest of each: on a shared machine noise only ever adds time, so the minimum is the run's own
	// cost (run with -benchtime=Nx for N pairs).
	direct, behind := time.Duration(1<<62), time.Duration(1<<62)
	var rss float64
	for b.Loop() {
		d, rssDirect := run(stack.BaseURL)
		l, rssBehind := run(proxy.URL + "/v1")
		direct, behind, rss = min(direct, d), min(behind, l), max(rss, rssDirect, rssBehind)
	}
	ratio := float64(behind) / float64(direct)
	b.ReportMetric(ratio, "latency-ratio")
	b.ReportMetric(rss, "peak-RSS-MiB")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("run behind %s of latency: %.2fx the direct run (fastest of %d: %s against %s); peak RSS %.0f MiB\n",
		addedLatency, ratio, b.N, behind.Round(time.Millisecond), direct.Round(time.Millisecond), rss)
}
