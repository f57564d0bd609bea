package upstream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gwconform/gwconform/internal/faults"
	"github.com/gwconform/gwconform/internal/witness"
)

// Server is a running provider.
type Server struct {
	// URL is the provider's base URL, ending in /v1.
	URL string
	// WitnessURL is where the witness answers, on the same port: a nonce
	// appended to it asks whether that nonce reached the upstream.
	WitnessURL string

	srv  *http.Server
	done chan struct{}
	// stop ends the holding faults: Shutdown alone would wait for them.
	stop     chan struct{}
	stopOnce sync.Once
}

// FaultAsHealthyError is a healthy model whose id is of the fault
// vocabulary (faults.Named).
type FaultAsHealthyError struct{ Model string }

func (e *FaultAsHealthyError) Error() string {
	return fmt.Sprintf("%q is a fault model's id (%s..., or an id ending in one), not a healthy model: the fault models are always served", e.Model, faults.Prefix)
}

// shutdownGrace bounds Close: a hanging fault must not hold a test run.
const shutdownGrace = 2 * time.Second

// Start serves NewHandler(cfg) on cfg.Listen, by default an ephemeral
// 127.0.0.1 port. A healthy model named as a fault is refused: the
// catalogue would list a fault as a model a gateway may route completions
// to, and the fault model would answer it.
func Start(cfg Config) (*Server, error) {
	for _, m := range cfg.Models {
		if faults.Named(m) {
			return nil, &FaultAsHealthyError{Model: m}
		}
	}
	ln, err := net.Listen("tcp", cmp.Or(cfg.Listen, "127.0.0.1:0"))
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	s := &Server{
		URL:        "http://" + ln.Addr().String() + "/v1",
		WitnessURL: "http://" + ln.Addr().String() + witness.Path,
		srv: &http.Server{
			Handler:           newHandler(cfg, stop),
			ReadHeaderTimeout: 5 * time.Second,
		},
		done: make(chan struct{}),
		stop: stop,
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close releases held faults, then shuts the server down gracefully, and
// forcibly once shutdownGrace has passed.
func (s *Server) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-s.done
	return err
}
