package report

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every outcome and every verdict model.go declares has a style of its own in report.html: a badge without
// one is white text on the page's white (the page once showed "not applicable" so, and its count box as a
// number without a label). Whether each style can be read is TestReportHTMLBadgesAreVisible's, in Chromium.
func TestEveryOutcomeAndVerdictHasAStyle(t *testing.T) {
	declared := constantsOf(t, "model.go")
	if got, want := sortedStrings(Outcomes), sortedStrings(declared["Outcome"]); !slices.Equal(got, want) {
		t.Errorf("Outcomes lists %q; model.go declares the outcomes %q", got, want)
	}
	if got, want := sortedStrings(Verdicts), sortedStrings(declared["Verdict"]); !slices.Equal(got, want) {
		t.Errorf("Verdicts lists %q; model.go declares the verdicts %q", got, want)
	}
	rules := cssRules(t, htmlSource)
	for class, values := range map[string][]string{"o-": declared["Outcome"], "v-": declared["Verdict"]} {
		for _, v := range values {
			if decls, ok := rules["."+class+v]; !ok || !strings.Contains(decls, "background") {
				t.Errorf("report.html's CSS gives .%s%s no background of its own: %q", class, v, decls)
			}
		}
	}
}

// constantsOf are the string constants a file of this package declares, by their type's name.
func constantsOf(t *testing.T, file string) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok {
				continue
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[typ.Name] = append(out[typ.Name], s)
				}
			}
		}
	}
	return out
}

func sortedStrings[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	slices.Sort(out)
	return out
}

var cssRule = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)

// cssRules are the declarations of the page's <style>, by each selector of each rule.
func cssRules(t *testing.T, page string) map[string]string {
	t.Helper()
	_, style, ok := strings.Cut(page, "<style>")
	style, _, ok2 := strings.Cut(style, "</style>")
	if !ok || !ok2 {
		t.Fatal("report.html has no <style>")
	}
	rules := map[string]string{}
	for _, m := range cssRule.FindAllStringSubmatch(style, -1) {
		for _, sel := range strings.Split(m[1], ",") {
			rules[strings.TrimSpace(sel)] += m[2]
		}
	}
	return rules
}
