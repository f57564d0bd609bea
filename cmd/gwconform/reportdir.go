package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gwconform/gwconform/internal/report"
)

// reportDirLock is the file a run holds locked in its report directory while it writes there.
const reportDirLock = ".gwconform.lock"

// errReportDirInUse is a report directory another run holds: two runs into one directory would overwrite
// each other's reports, each half of the other's.
var errReportDirInUse = errors.New("another gwconform run is writing its reports there")

// claimReportDir makes dir ready for this run's reports, or says why it cannot be: it must be writable, and
// no other run may be writing there. The directory stays this run's until release (or the process's end,
// which the operating system's lock follows). bodies/ is emptied, so that no file of an earlier run's
// deviations sits beside this run's.
func claimReportDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, reportDirLock), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(f.Name()); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = fmt.Sprintf(" (process %d)", pid)
			}
		}
		f.Close()
		return nil, fmt.Errorf("%w%s: give this run another --report-dir, or wait for that one to end", errReportDirInUse, holder)
	}
	release = func() { unlockFile(f); f.Close() }
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err := os.RemoveAll(filepath.Join(dir, report.BodiesDir)); err != nil {
		release()
		return nil, err
	}
	return release, nil
}
