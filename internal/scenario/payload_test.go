package scenario

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// The oversized body is generated as it is read: exactly its size, well-formed JSON carrying the model and
// the prompt, and the same bytes on every read, so that it can be sent twice (REQ-10) and written out.
func TestOversizedBodyStreamsTheSameWellFormedBytes(t *testing.T) {
	const size = 3<<20 + 7
	s := Scenario{Request: Request{Method: "POST", Path: "/chat/completions", OversizedBytes: size}}
	p, err := (&Set{}).Body(s, map[string]string{"model": "gw/chat"})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := io.ReadAll(p.NewReader())
	second, _ := io.ReadAll(p.NewReader())
	if p.Size() != size || len(first) != size || !bytes.Equal(first, second) {
		t.Fatalf("size %d, read %d then %d bytes", p.Size(), len(first), len(second))
	}
	var v struct {
		Model    string                     `json:"model"`
		Messages []struct{ Content string } `json:"messages"`
	}
	if err := json.Unmarshal(first, &v); err != nil || v.Model != "gw/chat" || !bytes.HasPrefix([]byte(v.Messages[0].Content), []byte(CanaryPrompt)) {
		t.Fatalf("not the chat request meant: %v", err)
	}
	if !bytes.HasPrefix(first, p.Head()) || len(p.Head()) > 256 {
		t.Errorf("head is %d bytes, not the body's start", len(p.Head()))
	}
}

// BenchmarkOversizedBody sends REQ-9's 16 MiB body to nowhere: B/op shows it is never held whole.
func BenchmarkOversizedBody(b *testing.B) {
	s := Scenario{Request: Request{Method: "POST", Path: "/chat/completions", OversizedBytes: 16 << 20}}
	b.ReportAllocs()
	for b.Loop() {
		p, err := (&Set{}).Body(s, map[string]string{"model": "gw/chat"})
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := io.Copy(io.Discard, p.NewReader()); n != 16<<20 {
			b.Fatalf("%d bytes", n)
		}
	}
}
