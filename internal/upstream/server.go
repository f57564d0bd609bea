package upstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is a running provider on a loopback port.
type Server struct {
	// URL is the provider's base URL, ending in /v1.
	URL string

	srv  *http.Server
	done chan struct{}
}

// shutdownGrace bounds Close: a hanging fault must not hold a test run.
const shutdownGrace = 2 * time.Second

// Start serves NewHandler(cfg) on 127.0.0.1 at an ephemeral port.
func Start(cfg Config) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL: "http://" + ln.Addr().String() + "/v1",
		srv: &http.Server{
			Handler:           NewHandler(cfg),
			ReadHeaderTimeout: 5 * time.Second,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close shuts the server down gracefully, then forcibly once shutdownGrace
// has passed.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-s.done
	return err
}
