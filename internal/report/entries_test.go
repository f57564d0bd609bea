package report

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// entryNames are the report entries' names, each a constant of this package.
var entryNames = []string{AnswerEntry, TranscriptEntry, NegativeEntry, CurlEntry, BlockEntry}

// An entry's name is written once, here: the suite that adds an entry and every reader of it (the report,
// the console, the JUnit writer) name it by its constant, so that renaming one cannot leave a reader
// looking for an entry no spec carries.
func TestReportEntriesAreNamedByTheirConstants(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, dir := range []string{"suite", "cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			for _, at := range entryLiterals(t, path) {
				t.Errorf("%s names a report entry by a string literal: write its constant (report.*Entry)", at)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// entryLiterals are the places in a Go file where a string literal names a report entry: the name given
// to AddReportEntry or Spec.Entry, or an entry name compared with, or switched on, a .Name.
func entryLiterals(t *testing.T, path string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	flag := func(e ast.Expr, any bool) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, _ := strconv.Unquote(lit.Value); any || slices.Contains(entryNames, v) {
				found = append(found, fset.Position(lit.Pos()).String()+" "+lit.Value)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if name := calledName(n.Fun); (name == "AddReportEntry" || name == "Entry") && len(n.Args) > 0 {
				flag(n.Args[0], true)
			}
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (isNameField(n.X) || isNameField(n.Y)) {
				flag(n.X, false)
				flag(n.Y, false)
			}
		case *ast.SwitchStmt:
			if isNameField(n.Tag) {
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						flag(e, false)
					}
				}
			}
		}
		return true
	})
	return found
}

func calledName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

func isNameField(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Name"
}
