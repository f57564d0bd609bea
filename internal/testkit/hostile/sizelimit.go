package hostile

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"testing"
)

// TooLarge is the body of the 413 a body-size limit answers, as Refusal413 sends it.
const TooLarge = `{"error":{"message":"too large","type":"invalid_request_error","code":null,"param":null}}`

// LimitRead is how much of a body a size limit of 1 MiB reads before it refuses the rest.
const LimitRead = 1 << 20

// Refusal413 is a whole HTTP response refusing a body for its size, with extra headers (each ending in
// CRLF), for SizeLimiter to answer.
func Refusal413(extra string) string {
	return "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\n" + extra +
		"Content-Length: " + strconv.Itoa(len(TooLarge)) + "\r\n\r\n" + TooLarge
}

// SizeLimiter is a target on 127.0.0.1 that reads a request's headers and read bytes of its body, then writes
// answer (a whole HTTP response) and closes the connection, as a body-size limit does; with no answer it
// closes and says nothing. Either way bytes stay unread, so the close resets the connection under a client
// still writing. Its receive buffer is kept small, so the kernel cannot take the whole body in for it.
func SizeLimiter(t testing.TB, read int64, answer string, config *tls.Config) string {
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
				if _, err := io.CopyN(io.Discard, rd, read); err != nil || answer == "" {
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
