// Package requirements reads the contract's requirement list (REQUIREMENTS.md): every id, its level and its
// text. The markdown is the authority, so it is parsed rather than restated in Go.
package requirements

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/gwconform/gwconform/fixtures"
)

// Level is how much a requirement weighs.
type Level string

const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	Info   Level = "INFO"
)

// Requirement is one row of REQUIREMENTS.md.
type Requirement struct {
	ID    string // e.g. AUTH-1
	Level Level
	Text  string
}

// Group is the id's prefix (AUTH, REQ, ...).
func (r Requirement) Group() string {
	g, _, _ := strings.Cut(r.ID, "-")
	return g
}

// Category is the lower-case word the suite labels specs with, so a label filter can pick a whole area.
func (r Requirement) Category() string {
	return categories[r.Group()]
}

var categories = map[string]string{
	"ENV": "envelope", "AUTH": "auth", "REQ": "request", "MOD": "models", "UP": "upstream",
	"LIMIT": "limits", "SRV": "server", "RCPT": "receipts", "CLIENT": "client", "STREAM": "stream",
	"NEG": "negative", "SEC": "security",
}

// List is every requirement of the contract, by id.
type List map[string]Requirement

var row = regexp.MustCompile(`^\|\s*([A-Z]+-\d+)\s*\|\s*(MUST|SHOULD|INFO)\s*\|\s*(.+?)\s*\|\s*$`)

// Parse reads the requirement tables of a REQUIREMENTS.md.
func Parse(md []byte) (List, error) {
	c := List{}
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, dup := c[m[1]]; dup {
			return nil, fmt.Errorf("requirement %s is listed twice", m[1])
		}
		r := Requirement{ID: m[1], Level: Level(m[2]), Text: m[3]}
		if r.Category() == "" {
			return nil, fmt.Errorf("requirement %s: unknown group %s", r.ID, r.Group())
		}
		c[r.ID] = r
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("no requirement rows found")
	}
	return c, nil
}

// Contract is the shipped copy of the contract (fixtures/contract/REQUIREMENTS.md), read once: its
// requirements and the version its first line states.
type Contract struct {
	Requirements List
	Version      string
}

// EmbeddedContract reads the copy of the contract shipped inside the binary. A copy that states no version
// is refused like one with no requirement: reports must say which contract a verdict was judged against.
func EmbeddedContract() (Contract, error) {
	md, err := fs.ReadFile(fixtures.FS, "contract/REQUIREMENTS.md")
	if err != nil {
		return Contract{}, err
	}
	reqs, err := Parse(md)
	if err != nil {
		return Contract{}, err
	}
	v, err := Version(md)
	if err != nil {
		return Contract{}, err
	}
	return Contract{Requirements: reqs, Version: v}, nil
}

// Embedded is the shipped contract's requirements.
func Embedded() (List, error) {
	c, err := EmbeddedContract()
	return c.Requirements, err
}

var versionLine = regexp.MustCompile(`\(contract version ([0-9][0-9.]*)[,)]`)

// Version is the contract version its first line states: "(contract version 1.1, 2026-11-27)". Reports carry
// it, so a verdict says which contract it was judged against.
func Version(md []byte) (string, error) {
	first, _, _ := bytes.Cut(md, []byte("\n"))
	m := versionLine.FindSubmatch(first)
	if m == nil {
		return "", fmt.Errorf("the first line states no contract version: %q", first)
	}
	return string(m[1]), nil
}

// IDs lists the ids in contract order (group, then number).
func (c List) IDs() []string {
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return Less(ids[i], ids[j]) })
	return ids
}

// Less orders ids by group and then numerically, so REQ-10 follows REQ-9.
func Less(a, b string) bool {
	ga, na := split(a)
	gb, nb := split(b)
	if ga != gb {
		return ga < gb
	}
	return na < nb
}

func split(id string) (string, int) {
	g, n, _ := strings.Cut(id, "-")
	var i int
	fmt.Sscanf(n, "%d", &i)
	return g, i
}
