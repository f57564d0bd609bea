package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A curl line copied from summary.md is the command that was run, and a transcript or a generated body
// reads as it was sent: each code block holds its text byte for byte, whatever HTML or backticks are in it.
func TestMarkdownCodeBlocksHoldTheRawText(t *testing.T) {
	const (
		curl  = "curl -sS -X POST 'http://gw/v1/chat/completions?a=1&b=2' -H 'Content-Type: application/json' -d '{\"model\":\"<m>\",\"messages\":[{\"role\":\"user\",\"content\":\"it'\\''s ``` and ```` > \\\"x\\\" & y\"}]}'"
		trans = "POST /v1/chat/completions HTTP/1.1\n\n{\"content\":\"```\"}\n\nHTTP/1.1 400 Bad Request\n\n<script>alert('&amp;')</script>\n````"
		body  = "seed 1, index 7: ``````{\"n\": \"<\"}``"
	)
	rep := report(spec("POST /v1/chat/completions with a bad parameter", "answers status 400", failed, must("AUTH-1"),
		message("answered status 500, want 400"), entry("transcript", trans), entry("negative", body), entry("curl", curl)))
	var b bytes.Buffer
	if err := build(rep, contract(t), Run{FailOn: "must"}).WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	got, rest, err := codeBlocks(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{trans, body, curl}; !slices.Equal(got, want) {
		t.Errorf("summary.md's code blocks are\n%q\nwant\n%q\nsummary.md:\n%s", got, want, b.String())
	}
	if strings.Contains(rest, "<script") {
		t.Errorf("summary.md carries raw HTML outside a code block:\n%s", rest)
	}
}

// codeBlocks reads markdown's fenced code blocks of backticks as CommonMark does: a fence of three or more
// backticks opens a block, and only a line of at least as many backticks closes it. It returns each block's
// text and the markdown outside them, or an error for a block left open.
func codeBlocks(md string) (blocks []string, outside string, err error) {
	var out strings.Builder
	var block []string
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indented := len(line)-len(trimmed) > 3
		run := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
		switch {
		case fence == "" && !indented && run >= 3 && !strings.Contains(trimmed[run:], "`"):
			fence, block = trimmed[:run], []string{}
		case fence == "":
			out.WriteString(line + "\n")
		case !indented && run >= len(fence) && strings.TrimRight(trimmed[run:], " \t") == "":
			blocks, fence = append(blocks, strings.Join(block, "\n")), ""
		default:
			block = append(block, line)
		}
	}
	if fence != "" {
		return blocks, out.String(), fmt.Errorf("a code block fenced %s is left open", fence)
	}
	return blocks, out.String(), nil
}
