// Package schemas holds the JSON Schemas (draft-07) the suite validates responses against.
// The schemas are data; compiling and validating them lives in internal/validate.
package schemas

import "embed"

// FS holds every *.json schema of this folder, addressed by file name.
//
//go:embed *.json
var FS embed.FS
