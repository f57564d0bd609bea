package exchange

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// CodingError says why a body declared with a content coding was kept as received rather than decoded.
type CodingError struct {
	Coding string // as Response.Coding has it, e.g. "br" or "gzip, br"
	// Err is why the body did not decode; nil when the coding is not one the suite decodes.
	Err error
}

func (e *CodingError) Error() string {
	switch {
	case e.Err != nil:
		why := oneLine(e.Err.Error())
		for _, pkg := range []string{"gzip: ", "zlib: ", "flate: "} {
			why = strings.TrimPrefix(why, pkg) // the coding is named already
		}
		return fmt.Sprintf("the body does not decode as %s: %s", e.Coding, why)
	case strings.Contains(e.Coding, ","):
		return fmt.Sprintf("Content-Encoding %q stacks codings: the suite decodes a single one (gzip, deflate)", e.Coding)
	}
	return fmt.Sprintf("Content-Encoding %q is not a coding the suite decodes (gzip, deflate)", e.Coding)
}

func (e *CodingError) Unwrap() error { return e.Err }

// contentCoding is the coding h declares, lowercased, with the "identity" that codes nothing left out:
// several are joined by ", " in the order they were applied. RFC 9110 lets a target code a body for a
// request without Accept-Encoding, which is what the suite sends.
func contentCoding(h http.Header) string {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	return strings.Join(codings, ", ")
}

// read takes the response body off the connection into r, decoded when it is coded in a way the suite
// decodes, and capped at BodyCap either way: a gzip bomb inflates no further than the cap. The error is
// the connection's; a body that does not decode is kept as received, with CodingErr saying why.
func (r *Response) read(body io.Reader) error {
	r.Coding = contentCoding(r.Header)
	if r.Coding == "" {
		buf, err := readCapped(body)
		r.keep(buf)
		return err
	}
	w := &wire{r: body}
	br := bufio.NewReader(w)
	if _, err := br.Peek(1); err != nil {
		return w.err // no body at all, so nothing was coded (a HEAD, a 204)
	}
	var dec io.Reader
	switch r.Coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return r.undecoded(w, br, err)
		}
		dec = zr
	case "deflate":
		// RFC 9110's deflate is a zlib stream, but servers send raw DEFLATE as well; a zlib header says which.
		head, _ := br.Peek(2)
		if len(head) == 2 && isZlibHeader(head[0], head[1]) {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return r.undecoded(w, br, err)
			}
			dec = zr
		} else {
			dec = flate.NewReader(br)
		}
	default:
		return r.undecoded(w, br, nil)
	}
	buf, err := readCapped(dec)
	if w.err != nil {
		return w.err
	}
	if err != nil {
		return r.undecoded(w, br, err)
	}
	if len(buf) <= BodyCap {
		// What follows a zlib or raw DEFLATE stream is read too, so the transport can reuse the connection
		// and WireSize is the whole body.
		io.Copy(io.Discard, io.LimitReader(br, BodyCap+1))
		if w.err != nil {
			return w.err
		}
	}
	r.keep(buf)
	r.WireSize = w.n
	return nil
}

// undecoded keeps the body as it came, read on up to the cap, and says why it was not decoded.
func (r *Response) undecoded(w *wire, br *bufio.Reader, why error) error {
	if w.err != nil {
		return w.err
	}
	r.CodingErr = &CodingError{Coding: r.Coding, Err: why}
	// Every byte read through br passes through w, so w then holds the body's first BodyCap+1 bytes, or
	// all of it, and an endless body is not read on.
	io.Copy(io.Discard, io.LimitReader(br, BodyCap+1))
	r.keep(w.kept)
	return w.err
}

// readCapped reads r to its end or to BodyCap+1 bytes, whichever comes first, and never makes room for
// more: what a bomb inflates to is never held past the cap.
func readCapped(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > BodyCap {
				return buf, nil
			}
			grown := make([]byte, len(buf), len(buf)+min(cap(buf), BodyCap+1-len(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (r *Response) keep(buf []byte) {
	r.BodySize = int64(len(buf))
	if len(buf) > BodyCap {
		buf, r.Truncated = buf[:BodyCap], true
	}
	r.Body = buf
}

// isZlibHeader says whether cmf and flg open a zlib stream (RFC 1950) that needs no preset dictionary.
func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0 && flg&0x20 == 0
}

// wire is a response body as it comes off the connection: counted, its first BodyCap+1 bytes kept for a
// body that turns out not to decode, and the connection's own errors told apart from a decoder's.
type wire struct {
	r    io.Reader
	n    int64
	kept []byte
	err  error // the connection's, not io.EOF
}

func (w *wire) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.n += int64(n)
	if room := BodyCap + 1 - len(w.kept); room > 0 {
		w.kept = append(w.kept, p[:min(n, room)]...)
	}
	if err != nil && err != io.EOF {
		w.err = err
	}
	return n, err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
