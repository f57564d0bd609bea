package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/gwconform/gwconform/suite"
)

// knownFailing is the --known-failing list: full spec names that may fail without failing the run. A
// listed spec that passes fails the run instead, so the list shrinks as the gateway is fixed.
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
		exists[s.Container+" "+s.Leaf] = true
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

// apply turns the listed specs' failures into skips that say so, and returns the listed specs that passed.
func (k *knownFailing) apply(r *types.Report) (nowPassing []string) {
	if k == nil {
		return nil
	}
	for i := range r.SpecReports {
		s := &r.SpecReports[i]
		if s.LeafNodeType != types.NodeTypeIt || !k.names[s.FullText()] {
			continue
		}
		switch s.State {
		case types.SpecStateFailed:
			s.State = types.SpecStateSkipped
			s.Failure.Message = "known failure, listed in " + k.path + ": " + s.Failure.Message
		case types.SpecStatePassed:
			nowPassing = append(nowPassing, s.FullText())
		}
	}
	return nowPassing
}
