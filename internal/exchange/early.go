package exchange

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
)

// ReadEarlyAnswers makes t read an answer a target sends before it has read the whole request body, and
// then resets the connection, as body-size limits do (REQ-9): closing with unread bytes makes the
// target's kernel send a reset. Left alone, the HTTP/1.1 transport's writer gets the reset while its
// reader already holds the answer, and the request ends with whichever of the two comes first: in most
// runs "connection reset by peer", while curl reads the answer every time.
//
// Every connection t dials is wrapped (TLS runs on top of it, so https is covered too) so that a write
// that fails holds its error while the same connection's reader has bytes to deliver: the transport's
// reader hands the answer over, and closes the connection once it is read, which lets the write return.
// A write is held only once Client.Do has been given the connection (the transport's GotConn, past any
// TLS handshake or proxy CONNECT; a connection only ever used outside Client.Do behaves as if unwrapped),
// because only then is there a reader running beside the writer: a
// handshake reads and writes on one goroutine, and holding its write would wait for a read that cannot
// come. HTTP/2 connections are left as they are: their reader writes too (window updates, pings), so a
// held write could stall the very reader that would deliver the answer.
//
// The wait is on the connection's own events, never on a timer: the reset that failed the write makes
// every read end at once, so the reader either delivers the answer it has or ends without one, and then
// the write's error is returned as the drop it is.
func ReadEarlyAnswers(t *http.Transport) {
	dial := t.DialContext
	if dial == nil {
		if t.Dial != nil {
			legacy := t.Dial
			dial = func(_ context.Context, network, addr string) (net.Conn, error) { return legacy(network, addr) }
		} else {
			dial = (&net.Dialer{}).DialContext
		}
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if _, ok := conn.(*tls.Conn); ok {
			return conn, nil // the transport must see its type to skip its own handshake
		}
		// HTTP/2 without TLS carries no ALPN to tell it apart at GotConn.
		if t.Protocols != nil && t.Protocols.UnencryptedHTTP2() {
			return conn, nil
		}
		return &earlyConn{Conn: conn, change: make(chan struct{})}, nil
	}
}

// earlyConn is a connection whose failed writes wait for its reader; see ReadEarlyAnswers.
type earlyConn struct {
	net.Conn

	mu     sync.Mutex
	armed  bool // a reader runs beside the writer
	got    bool // the reader has the first byte of an answer to the armed request
	ended  bool // a read failed: the reader has nothing more
	closed bool
	change chan struct{} // closed, and replaced, at every change of the state above
}

func (c *earlyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	// A deadline that passes is not the end of what the peer sends.
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.mu.Lock()
		if !c.ended {
			c.ended = true
			c.changedLocked()
		}
		c.mu.Unlock()
	}
	return n, err
}

// began marks that the transport's reader has the first byte of an answer to the armed request (the
// GotFirstResponseByte of its trace): from then on only the close releases a failed write.
func (c *earlyConn) began() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.armed && !c.got {
		c.got = true
		c.changedLocked()
	}
}

func (c *earlyConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.awaitReader()
	}
	return n, err
}

// awaitReader returns once the reader can no longer deliver an answer the failed write would hide: the
// connection is closed (by the transport once it has read the answer, or on cancellation), or the reader
// ended without receiving a byte. Once bytes came, only the close releases the write: the reader may
// still be parsing them, or TLS may have handed them over together with the read's error.
func (c *earlyConn) awaitReader() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.armed && !c.closed && (c.got || !c.ended) {
		ch := c.change
		c.mu.Unlock()
		<-ch
		c.mu.Lock()
	}
}

func (c *earlyConn) Close() error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		c.changedLocked()
	}
	c.mu.Unlock()
	return c.Conn.Close()
}

// arm starts holding failed writes, from the next request on: what was read before is no answer to it.
func (c *earlyConn) arm() {
	c.mu.Lock()
	c.armed, c.got = true, false
	c.changedLocked()
	c.mu.Unlock()
}

func (c *earlyConn) changedLocked() {
	close(c.change)
	c.change = make(chan struct{})
}

// answerBegan tells the connection a request was given, if ReadEarlyAnswers dialled it, that the answer's
// first byte has come.
func answerBegan(conn net.Conn) {
	if c := earlyOf(conn); c != nil {
		c.began()
	}
}

// armEarlyAnswers arms the connection a request was given, if ReadEarlyAnswers dialled it and it carries
// HTTP/1: the TLS layers a transport puts on top are looked through.
func armEarlyAnswers(conn net.Conn) {
	if c := earlyOf(conn); c != nil {
		c.arm()
	}
}

// disarmEarlyAnswers stops holding the failed writes of the connection a request was given: its request
// has been written, or has failed to be.
func disarmEarlyAnswers(conn net.Conn) {
	if c := earlyOf(conn); c != nil {
		c.mu.Lock()
		c.armed = false
		c.changedLocked()
		c.mu.Unlock()
	}
}

// earlyOf is the earlyConn under conn, looking through the TLS layers a transport puts on top; nil for a
// connection ReadEarlyAnswers did not dial, or one that carries HTTP/2.
func earlyOf(conn net.Conn) *earlyConn {
	for conn != nil {
		switch c := conn.(type) {
		case *earlyConn:
			return c
		case *tls.Conn:
			if c.ConnectionState().NegotiatedProtocol == "h2" {
				return nil
			}
			conn = c.NetConn()
		default:
			return nil
		}
	}
	return nil
}
