//go:build unix

package main

import (
	"os"
	"syscall"
)

// lockFile takes f's exclusive lock without waiting: a run that finds its report directory held stops at
// once rather than queue behind a run that may last half an hour.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
