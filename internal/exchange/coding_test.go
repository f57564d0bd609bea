package exchange

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gwconform/gwconform/internal/redact"
)

const envelope = `{"error":{"message":"bad","type":"invalid_request_error","code":null,"param":null}}`

// coded serves wire as every answer's body, with Content-Encoding coding when it is not empty, to a client
// that, like the suite's, asks for no coding and undoes none itself.
func coded(t *testing.T, coding string, wire []byte) *Exchange {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if coding != "" {
			w.Header().Set("Content-Encoding", coding)
		}
		w.WriteHeader(http.StatusBadRequest)
		w.Write(wire)
	}))
	t.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	t.Cleanup(tr.CloseIdleConnections)
	c := &Client{HTTP: &http.Client{Transport: tr}, BaseURL: srv.URL, Timeout: 10 * time.Second}
	ex := c.Do(context.Background(), http.MethodPost, "/v1/chat/completions", nil, Bytes(`{"model":"m"}`))
	if ex.Err != nil {
		t.Fatal(ex.Err)
	}
	return ex
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zlibbed(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func deflated(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// A body coded gzip or deflate (a zlib stream, or the raw DEFLATE servers send as well) is decoded, so
// JSON checks read the envelope; the transcript says it was decoded, from how many bytes.
func TestDecodeGzipAndDeflate(t *testing.T) {
	for _, tc := range []struct {
		name, coding string
		wire         []byte
	}{
		{"gzip", "gzip", gzipped([]byte(envelope))},
		{"x-gzip", "x-gzip", gzipped([]byte(envelope))},
		{"gzip in capitals, among identity", "identity, GZIP", gzipped([]byte(envelope))},
		{"deflate as zlib", "deflate", zlibbed([]byte(envelope))},
		{"deflate raw", "deflate", deflated([]byte(envelope))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := coded(t, tc.coding, tc.wire).Response
			if string(r.Body) != envelope || r.BodySize != int64(len(envelope)) || r.Truncated || r.CodingErr != nil {
				t.Fatalf("body %q size %d truncated %v coding error %v", r.Body, r.BodySize, r.Truncated, r.CodingErr)
			}
			if want := strings.TrimPrefix(strings.ToLower(tc.coding), "identity, "); r.Coding != want || r.WireSize != int64(len(tc.wire)) {
				t.Fatalf("coding %q wire %d, want %q and %d", r.Coding, r.WireSize, want, len(tc.wire))
			}
			if doc, err := r.JSON(); err != nil || doc.(map[string]any)["error"] == nil {
				t.Fatalf("JSON: %v %v", doc, err)
			}
			ex := &Exchange{Request: Request{Method: "POST", URL: "u"}, Response: r}
			if want := fmt.Sprintf("\n= body decoded from %s (%d bytes on the wire)\n", r.Coding, len(tc.wire)); !strings.HasSuffix(ex.Transcript(redact.New()), want) {
				t.Fatalf("transcript lacks %q:\n%s", want, ex.Transcript(redact.New()))
			}
		})
	}
}

// A coding the suite does not decode leaves the body as received, and is the reason JSON gives.
func TestCodingNotDecodedIsTheJSONError(t *testing.T) {
	for _, tc := range []struct{ coding, want string }{
		{"br", `Content-Encoding "br" is not a coding the suite decodes (gzip, deflate)`},
		{"zstd", `Content-Encoding "zstd" is not a coding the suite decodes (gzip, deflate)`},
		{"compress", `Content-Encoding "compress" is not a coding the suite decodes (gzip, deflate)`},
		{"gzip, br", `Content-Encoding "gzip, br" stacks codings: the suite decodes a single one (gzip, deflate)`},
	} {
		t.Run(tc.coding, func(t *testing.T) {
			wire := []byte("\x0b\x02\x80coded bytes\x03")
			r := coded(t, tc.coding, wire).Response
			if !bytes.Equal(r.Body, wire) || r.Coding != tc.coding || r.WireSize != 0 {
				t.Fatalf("body %q coding %q wire %d: want the body as received", r.Body, r.Coding, r.WireSize)
			}
			var ce *CodingError
			if !errors.As(r.CodingErr, &ce) || r.CodingErr.Error() != tc.want {
				t.Fatalf("coding error %v, want %q", r.CodingErr, tc.want)
			}
			if _, err := r.JSON(); err != r.CodingErr {
				t.Fatalf("JSON error %v, want the coding error", err)
			}
			ex := &Exchange{Request: Request{Method: "POST", URL: "u"}, Response: r}
			if want := "\n= body shown as received: " + tc.want + "\n"; !strings.HasSuffix(ex.Transcript(redact.New()), want) {
				t.Fatalf("transcript lacks %q:\n%s", want, ex.Transcript(redact.New()))
			}
		})
	}
}

// A body that does not decode as its coding says is kept as received, with why in one line.
func TestCodingCorruptBodyIsKeptAsReceived(t *testing.T) {
	whole := gzipped([]byte(envelope))
	for _, tc := range []struct {
		name, coding string
		wire         []byte
		want         string
	}{
		{"cut gzip", "gzip", whole[:len(whole)-6], "the body does not decode as gzip: unexpected EOF"},
		{"not gzip", "gzip", []byte(envelope), "the body does not decode as gzip: invalid header"},
		{"bad checksum", "gzip", append(whole[:len(whole)-8:len(whole)-8], 1, 2, 3, 4, 5, 6, 7, 8), "the body does not decode as gzip: invalid checksum"},
		{"not deflate", "deflate", []byte("\xff\xff\xff\xff"), "the body does not decode as deflate: corrupt input before offset 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := coded(t, tc.coding, tc.wire).Response
			if !bytes.Equal(r.Body, tc.wire) || r.CodingErr == nil || r.CodingErr.Error() != tc.want {
				t.Fatalf("body %q error %v, want the body as received and %q", r.Body, r.CodingErr, tc.want)
			}
			if _, err := r.JSON(); err != r.CodingErr {
				t.Fatalf("JSON error %v, want the coding error", err)
			}
		})
	}
}

// A gzip bomb (100 MiB of zeros, a hundred members of one compressed MiB each) is decoded only up to the
// cap: no more is kept, and no more is made.
func TestDecodeStopsAGzipBombAtTheCap(t *testing.T) {
	bomb := bytes.Repeat(gzipped(make([]byte, 1<<20)), 100)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := coded(t, "gzip", bomb).Response
	runtime.ReadMemStats(&after)
	if len(r.Body) != BodyCap || !r.Truncated || r.BodySize != BodyCap+1 || r.CodingErr != nil {
		t.Fatalf("kept %d bytes, size %d, truncated %v, error %v", len(r.Body), r.BodySize, r.Truncated, r.CodingErr)
	}
	if r.WireSize <= 0 || r.WireSize >= int64(len(bomb)) {
		t.Fatalf("read %d of the bomb's %d bytes", r.WireSize, len(bomb))
	}
	// What decoding up to the cap costs, with room for the server, the client and the race detector; a
	// decoder that ran the bomb out would allocate 100 MiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
		t.Fatalf("allocated %d MiB for a body capped at 1 MiB", alloc>>20)
	}
	ex := &Exchange{Request: Request{Method: "POST", URL: "u"}, Response: r}
	if want := fmt.Sprintf("\n= body decoded from gzip up to the cap, from the first %d bytes on the wire\n", r.WireSize); !strings.HasSuffix(ex.Transcript(redact.New()), want) {
		t.Fatalf("transcript lacks %q:\n%s", want, ex.Transcript(redact.New()))
	}
}

// A body without a coding, or with identity, is kept byte for byte and not noted.
func TestDecodeLeavesAnUncodedBodyAlone(t *testing.T) {
	for _, coding := range []string{"", "identity"} {
		wire := []byte(envelope + "\x1f\x8b")
		r := coded(t, coding, wire).Response
		if !bytes.Equal(r.Body, wire) || r.Coding != "" || r.WireSize != 0 || r.CodingErr != nil {
			t.Fatalf("%q: body %q coding %q wire %d error %v", coding, r.Body, r.Coding, r.WireSize, r.CodingErr)
		}
		ex := &Exchange{Request: Request{Method: "POST", URL: "u"}, Response: r}
		if strings.Contains(ex.Transcript(redact.New()), "\n= ") {
			t.Fatalf("%q: an uncoded body noted:\n%s", coding, ex.Transcript(redact.New()))
		}
	}
}

// An empty body has nothing coded, whatever its header says (a 204, a HEAD).
func TestDecodeAnEmptyCodedBody(t *testing.T) {
	r := coded(t, "br", nil).Response
	if len(r.Body) != 0 || r.CodingErr != nil || r.Coding != "br" {
		t.Fatalf("body %q error %v coding %q", r.Body, r.CodingErr, r.Coding)
	}
}
