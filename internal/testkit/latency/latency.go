// Package latency is a reverse proxy on 127.0.0.1 that holds every request for a fixed delay before
// forwarding it: a target as far away as a staging gateway, for measuring a run behind network latency.
package latency

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// Proxy forwards to one origin, each request Delay late.
type Proxy struct {
	URL string // http://127.0.0.1:port, to which the origin's paths are appended
	srv *http.Server
}

// Start listens on an ephemeral loopback port and forwards to origin (scheme and host; the request's path
// is kept) after delay.
func Start(origin string, delay time.Duration) (*Proxy, error) {
	u, err := url.Parse(origin)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	rp.FlushInterval = -1                    // an event stream's chunks pass as they come
	rp.ErrorLog = log.New(io.Discard, "", 0) // a target that drops a connection is what tests provoke
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(l)
	return &Proxy{URL: "http://" + l.Addr().String(), srv: srv}, nil
}

// Close stops the proxy and every request it holds.
func (p *Proxy) Close() error { return p.srv.Close() }
