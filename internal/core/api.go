package core

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
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
	deps := api.Deps{Store: st, Log: c.log.With("nf", "api"), Status: api.StatusFunc(c.liveStatus), Caches: c.caches}
	if c.running != nil {
		deps.RAN, deps.UEs = c.running, c.running
	}
	if c.sessions != nil && c.sessions.smf != nil {
		deps.Sessions = c.sessions.smf
	}
	deps.Policies = c.policyApplier() // policies.go
	a, err := api.New(api.Config{}, deps)
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

// liveStatus is GET /api/v1/status: every NF of this process with its
// counters, and the user plane with the reason it is off.
func (c *Core) liveStatus(ctx context.Context) api.NetworkStatus {
	st := api.NetworkStatus{UserPlane: api.UserPlaneStatus{Reason: "no SMF"}}
	if a := c.running; a != nil {
		s := a.Stats()
		reg, conn := a.UECounts()
		assoc, gnbs := a.RANCounts()
		st.NFs = append(st.NFs, api.NFStatus{Name: "amf", Running: true, Counters: map[string]int64{
			"n2Associations": int64(assoc), "gnbs": int64(gnbs), "uesRegistered": int64(reg), "uesConnected": int64(conn),
			"ngSetupsAccepted": int64(s.NGSetupAccepted), "ngSetupsRejected": int64(s.NGSetupRejected),
			"registrations": int64(s.Registrations), "registrationRejects": int64(s.RegistrationRejects),
			"authenticationRejects": int64(s.AuthenticationRejects), "deregistrations": int64(s.Deregistrations),
			"serviceAccepts": int64(s.ServiceAccepts), "serviceRejects": int64(s.ServiceRejects),
			"nasDropped":  int64(s.NASDroppedMAC + s.NASDroppedReplay + s.NASDroppedUnprotected + s.NASDroppedInvalid),
			"uesReleased": int64(s.UEsReleased), "congestionRejects": int64(s.CongestionRejects),
		}})
	}
	sess := c.sessions
	if sess == nil {
		return st
	}
	if sess.smf != nil {
		s := sess.smf.Stats()
		st.NFs = append(st.NFs, api.NFStatus{Name: "smf", Running: true, Counters: map[string]int64{
			"sessionsActive": int64(s.Active), "established": int64(s.Established),
			"rejected": int64(s.Rejected), "released": int64(s.Released),
		}})
	}
	for _, nf := range []struct {
		name string
		on   bool
	}{{"ausf", true}, {"udm", true}, {"udr", true}, {"pcf", sess.pcf != nil}, {"nssf", sess.nssf != nil}} {
		st.NFs = append(st.NFs, api.NFStatus{Name: nf.name, Running: nf.on})
	}
	upf := api.NFStatus{Name: "upf", Running: sess.upf != nil}
	if sess.upf != nil {
		upf.Counters = map[string]int64{"pfcpSessions": int64(sess.upf.Sessions())}
	}
	st.NFs = append(st.NFs, upf)
	st.UserPlane.Reason = sess.userPlane
	st.UserPlane.On = !strings.HasPrefix(sess.userPlane, "off")
	return st
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
	if err := m.AddPaging(a); err != nil {
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
