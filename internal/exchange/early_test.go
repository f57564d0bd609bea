package exchange

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// earlyRefuser answers 413 as soon as it has read a request's headers and closes the connection without
// reading the body, as gateways behind a body-size limit do. Closing with unread bytes resets the
// connection, so a client still writing the body may lose the answer.
func earlyRefuser(t *testing.T) string {
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
			go func(c net.Conn) {
				defer c.Close()
				rd := bufio.NewReader(c)
				for {
					line, err := rd.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				body := `{"error":{"message":"too large","type":"invalid_request_error","code":null,"param":null}}`
				c.Write([]byte("HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
					strconv.Itoa(len(body)) + "\r\n\r\n" + body))
			}(conn)
		}
	}()
	return "http://" + l.Addr().String()
}

// With "Expect: 100-continue" an early refusal of an oversized body is always read: the body is not sent
// before the server asks for it, so there is nothing to reset (REQ-9's answer does not depend on timing).
func TestEarlyRefusalOfAnOversizedBodyIsRead(t *testing.T) {
	base := earlyRefuser(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 2 * time.Second
	c := &Client{HTTP: &http.Client{Transport: tr}, BaseURL: base + "/v1", Timeout: 10 * time.Second}
	body := make([]byte, 16<<20)
	h := http.Header{"Content-Type": {"application/json"}, "Expect": {"100-continue"}}
	for i := range 5 {
		ex := c.Do(context.Background(), http.MethodPost, "/chat/completions", h, Bytes(body))
		if ex.Err != nil || ex.Response.Status != 413 {
			t.Fatalf("try %d: got %v %v, want the 413", i+1, ex.Err, ex.Response)
		}
	}
}
