package core

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"go5g/internal/amf"
	"go5g/internal/api"
	"go5g/internal/console"
	"go5g/internal/metrics"
	"go5g/internal/store"
)

// startAPI serves the REST API on cfg.API.Address (unless it is empty) and
// creates the first admin, whose password goes to Notices once. The
// returned func stops the server.
func (c *Core) startAPI(ctx context.Context, st store.Store, m *metrics.Registry) (stop func(), err error) {
	if c.cfg.API.Address == "" {
		return func() {}, nil
	}
	a, err := api.New(api.Config{}, api.Deps{Store: st, Log: c.log.With("nf", "api")})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", c.cfg.API.Address)
	if err != nil {
		return nil, fmt.Errorf("api.address: %w (choose another port, or set api.address to \"\" to turn the API off)", err)
	}
	c.apiAddr = l.Addr()
	pw, created, err := a.EnsureAdmin(ctx)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("create the first admin: %w", err)
	}
	if created {
		w := c.Notices
		if w == nil {
			w = io.Discard
		}
		io.WriteString(w, api.FirstAdminNotice(apiURL(c.apiAddr), pw))
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", a)
	mux.Handle("/metrics", metrics.Handler(m, c.cfg.Metrics.Token))
	mux.Handle("/", console.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a bulk import of 100,000 rows
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
			c.log.Error("REST API stopped", "err", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
	}, nil
}

// apiURL is the base URL of the API at addr, "off" for none.
func apiURL(addr net.Addr) string {
	if addr == nil {
		return "off"
	}
	return "http://" + addr.String()
}

// addMetrics registers the running NFs' collectors.
func (c *Core) addMetrics(m *metrics.Registry, a *amf.AMF, sess *sessionNFs) error {
	if err := m.AddAMF(a); err != nil {
		return err
	}
	if err := m.AddSMF(sess.smf); err != nil {
		return err
	}
	if sess.upf != nil {
		return m.AddUPF("upf", sess.upf)
	}
	return nil
}
