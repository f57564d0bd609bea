package suite

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The record phase sends and keeps what came back; deciding what an answer means is the judge's. A record
// file that calls a judge function has moved judging into recording (or its helper belongs below both, in
// answer_*.go), and the phases' files no longer show the flow.
func TestRecordCallsNoJudgeFunction(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	judged := map[string]string{} // top-level function -> the judge file declaring it
	parsed := map[string]*ast.File{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[name] = f
		if !strings.HasPrefix(name, "judge_") {
			continue
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				judged[fn.Name.Name] = name
			}
		}
	}
	if len(judged) == 0 {
		t.Fatal("no judge_*.go function found: the test reads nothing")
	}
	var calls []string
	for name, f := range parsed {
		if !strings.HasPrefix(name, "record_") {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok {
				if in, ok := judged[id.Name]; ok {
					calls = append(calls, fset.Position(call.Pos()).String()+": "+id.Name+" of "+in)
				}
			}
			return true
		})
	}
	sort.Strings(calls)
	for _, c := range calls {
		t.Errorf("the record phase calls a judge function: %s", c)
	}
}
