package scenario

import (
	"bytes"
	"io"
)

// Payload is a rendered request body: literal bytes, or a generated one (REQ-9's oversized body) that is
// streamed as it is sent and never held whole. It satisfies exchange.Body.
type Payload struct {
	head []byte // the whole literal body, or the generated one's start
	pad  int64  // padding bytes after head
	tail []byte
}

// Literal is a payload of exactly b.
func Literal(b []byte) *Payload { return &Payload{head: b} }

// Size is the body's length in bytes.
func (p *Payload) Size() int64 { return int64(len(p.head)) + p.pad + int64(len(p.tail)) }

// NewReader reads the body from its start; each call is independent of the others.
func (p *Payload) NewReader() io.Reader {
	if p.pad == 0 && p.tail == nil {
		return bytes.NewReader(p.head)
	}
	return io.MultiReader(bytes.NewReader(p.head), &padding{left: p.pad}, bytes.NewReader(p.tail))
}

// Head is the whole body when it is literal, else its start: what checks compare answers with. A nil
// payload (no body) has none.
func (p *Payload) Head() []byte {
	if p == nil {
		return nil
	}
	return p.head
}

// padding reads left bytes of 'a'.
type padding struct{ left int64 }

func (r *padding) Read(b []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), r.left))
	for i := range n {
		b[i] = 'a'
	}
	r.left -= int64(n)
	return n, nil
}
