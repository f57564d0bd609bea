package suite

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/gwconform/gwconform/schemas"
)

// ENV-6's proof counts the schemas it proved it of, the error schemas, not every schema the suite holds:
// schemas/ also holds the profile's and the scenarios' formats, which no answer is judged against.
func TestTheGuaranteeCountsTheErrorSchemasItChecked(t *testing.T) {
	p, err := LoadPlan()
	if err != nil {
		t.Fatal(err)
	}
	errorSchemas, err := fs.Glob(schemas.FS, "error-*.json")
	if err != nil || len(errorSchemas) == 0 {
		t.Fatalf("no error schemas: %v", err)
	}
	g := p.Guarantees()[0]
	if want := fmt.Sprintf("(%d schemas)", len(errorSchemas)); !g.Holds || !strings.HasSuffix(g.Proof, want) {
		t.Errorf("ENV-6: holds %v, proof %q, want it to end %q", g.Holds, g.Proof, want)
	}
}
