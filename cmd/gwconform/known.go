package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/gwconform/gwconform/suite"
)

// knownFailing is the --known-failing list: full spec names that may fail without failing the run. A
// listed spec that passes fails the run instead, so the list shrinks as the gateway is fixed; the report
// decides both, so every rendering tells the same verdict.
type knownFailing struct {
	path  string
	names map[string]bool
}

// loadKnownFailing reads one spec name per line (as `gwconform list --what specs` and
// suite/testdata/conformance.yaml spell them, without the labels); blank lines and # comments are ignored.
// A name that is no spec is an error: a typo would otherwise excuse nothing and fail nothing.
func loadKnownFailing(path string, plan *suite.Plan) (*knownFailing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	exists := map[string]bool{}
	for _, s := range plan.Specs() {
		exists[s.Name()] = true
	}
	k := &knownFailing{path: path, names: map[string]bool{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !exists[line] {
			return nil, fmt.Errorf("line %d: no spec is named %q (see gwconform list --what specs)", n, line)
		}
		k.names[line] = true
	}
	return k, sc.Err()
}

func (k *knownFailing) list() (path string, names map[string]bool) {
	if k == nil {
		return "", nil
	}
	return k.path, k.names
}
