// Package hostile is a test server that misbehaves on purpose, one way per Behaviour, so gwconform's own
// tests can show that a run against a broken target still ends in bounded time, with a clear answer and
// without handing the key to anyone. It is used only by tests; it lives outside a _test file so that the
// exchange and command tests share it.
package hostile

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Behaviour names one misbehaviour.
type Behaviour string

// The behaviours.
const (
	NeverAnswers      Behaviour = "never-answers"
	HeadersThenStall  Behaviour = "headers-then-stall"
	EndlessBody       Behaviour = "endless-body"
	GzipBomb          Behaviour = "gzip-bomb"
	RedirectElsewhere Behaviour = "redirect-to-another-origin"
	Reset             Behaviour = "connection-reset"
	HTTP10CloseDelim  Behaviour = "http-1.0-close-delimited"
	HTMLErrorPage     Behaviour = "html-error-page"
	InvalidUTF8       Behaviour = "invalid-utf-8"
	HugeJSON          Behaviour = "10-mb-json-body"
	InvalidJSONAsJSON Behaviour = "invalid-json-labelled-json"
	UntrustedTLS      Behaviour = "tls-untrusted-certificate"
)

// All lists every behaviour.
func All() []Behaviour {
	return []Behaviour{NeverAnswers, HeadersThenStall, EndlessBody, GzipBomb, RedirectElsewhere, Reset,
		HTTP10CloseDelim, HTMLErrorPage, InvalidUTF8, HugeJSON, InvalidJSONAsJSON, UntrustedTLS}
}

// Server is a running hostile target and, for RedirectElsewhere, the other origin it points at.
type Server struct {
	URL string // base URL ending in /v1

	srv   *httptest.Server
	other *httptest.Server
	stop  chan struct{}

	mu       sync.Mutex
	received []string // Authorization values the other origin was sent
}

// Start runs a server with behaviour b on 127.0.0.1.
func Start(b Behaviour) *Server {
	s := &Server{stop: make(chan struct{})}
	s.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.received = append(s.received, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	if b == GzipBomb {
		bomb() // built before the first request, so its cost never counts against a client's deadline
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(b, w, r) })
	s.srv = httptest.NewUnstartedServer(h)
	// A client that refuses the certificate is this server's point; its complaints are not news.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if b == UntrustedTLS {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL + "/v1"
	return s
}

// OtherOriginSaw returns the Authorization headers the redirect's origin received.
func (s *Server) OtherOriginSaw() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.received...)
}

// Close ends every held request and stops both servers.
func (s *Server) Close() {
	close(s.stop)
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.other.Close()
}

func (s *Server) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.stop:
	}
}

const envelope = `{"error":{"message":"nope","type":"invalid_request_error","code":null,"param":null}}`

func (s *Server) serve(b Behaviour, w http.ResponseWriter, r *http.Request) {
	switch b {
	case NeverAnswers:
		s.hold(r)
	case HeadersThenStall:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.(http.Flusher).Flush()
		s.hold(r)
	case EndlessBody:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		chunk := bytes.Repeat([]byte(" "), 32<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-s.stop:
				return
			default:
			}
		}
	case GzipBomb:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(bomb())
	case RedirectElsewhere:
		http.Redirect(w, r, s.other.URL+r.URL.Path, http.StatusFound)
	case Reset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
		conn.Close()
	case HTTP10CloseDelim:
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(buf, int64(buf.Reader.Buffered())))
		fmt.Fprintf(conn, "HTTP/1.0 400 Bad Request\r\nContent-Type: application/json\r\n\r\n%s", envelope)
		conn.Close()
	case HTMLErrorPage:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>")
	case InvalidUTF8:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte("{\"error\":{\"message\":\"bad \xff\xfe bytes\",\"type\":\"invalid_request_error\",\"code\":null,\"param\":null}}"))
	case HugeJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"message":"`+strings.Repeat("x", 10<<20)+`","type":"invalid_request_error","code":null,"param":null}}`)
	case InvalidJSONAsJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error": {"message": "unterminated`)
	}
}

// bomb is a small gzip stream that inflates to 64 MiB: one compressed MiB of zeros, as 64 concatenated
// gzip members (which readers inflate one after another). Compressing one MiB, not 64, keeps it cheap to
// build even under the race detector.
var bomb = sync.OnceValue(func() []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	return bytes.Repeat(member.Bytes(), 64)
})

// Certificate is the TLS server's certificate, for a test that trusts it on purpose (the --ca-cert path).
func (s *Server) Certificate() *tls.Certificate {
	if s.srv.TLS == nil || len(s.srv.TLS.Certificates) == 0 {
		return nil
	}
	return &s.srv.TLS.Certificates[0]
}
