package hostile

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"testing"
)

// SizeLimiter is a target on 127.0.0.1 that reads a request's headers and 1 MiB of its body, then writes answer (a
// whole HTTP response) and closes the connection, as a body-size limit does; with no answer it closes
// and says nothing. Either way bytes stay unread, so the close resets the connection under a client still
// writing. Its receive buffer is kept small, so the kernel cannot take the whole body in for it.
func SizeLimiter(t testing.TB, answer string, config *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.(*net.TCPConn).SetReadBuffer(64 << 10)
			go func(c net.Conn) {
				if config != nil {
					c = tls.Server(c, config)
				}
				defer c.Close()
				rd := bufio.NewReader(c)
				for {
					line, err := rd.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						break
					}
				}
				if _, err := io.CopyN(io.Discard, rd, 1<<20); err != nil || answer == "" {
					return
				}
				io.WriteString(c, answer)
			}(conn)
		}
	}()
	scheme := "http://"
	if config != nil {
		scheme = "https://"
	}
	return scheme + l.Addr().String()
}
