//go:build !unix

package main

import "os"

// Without flock a report directory is not guarded: docs/cli.md says so.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
