// Command sigrpc serves signal names, numbers and safe process signalling
// as JSON-RPC 2.0 on standard input and output. PROTOCOL.md is the wire
// contract.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/sigrpc/sigrpc/internal/outwatch"
	"github.com/sigrpc/sigrpc/internal/service"
	"github.com/sigrpc/sigrpc/internal/spinread"
	"github.com/sigrpc/sigrpc/internal/version"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/sigctl"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // output closed or input unreadable
	exitBadUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program, with its streams passed in.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout, stderr)
	if err == errHelpShown {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "sigrpc: %v\nRun 'sigrpc --help' for usage.\n", err)
		return exitBadUsage
	}
	if cfg.showVersion {
		fmt.Fprintf(stdout, "sigrpc %s\n", version.Version) // the clients carry the same one
		return exitOK
	}
	// The stop signals are caught once a session lasts, or before the
	// first request with --audit (see stopper).
	stop := stopOnSignals()
	defer stop.Stop()
	ctx, cancel := stop.Context(), stop.Cancel
	if err := checkStdio(stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "sigrpc: %v\n", err)
		return exitFailure
	}
	clientPID := os.Getppid() // the audit trail's client_pid: the parent at start
	parent, err := openParent(cancel, cfg.descendantsOf)
	switch {
	case err != nil && cfg.descendantsOf != 0:
		fmt.Fprintf(stderr, "sigrpc: --descendants-of %d: %v, so the client's process tree cannot be known; refusing to start\n", cfg.descendantsOf, err)
		return exitBadUsage
	case err != nil && cfg.descendantsOnly:
		fmt.Fprintf(stderr, "sigrpc: --descendants-only: %v, so the client's process tree cannot be known; refusing to start\n", err)
		return exitBadUsage
	}
	if parent != nil {
		defer parent.Close() // after the late start's End, which ends the watch
	}

	var audit *auditLog
	if cfg.audit != "" {
		// Opened before anything can be signalled, and closed after the
		// controller (the CONTs its Close sends are recorded too).
		session := auditSession{clientPID: clientPID, helperPID: os.Getpid()}
		if pid, uid, ok := socketPeer(stdin); ok {
			session.peerPID, session.peerUID = &pid, &uid
		}
		if audit, err = newAuditLog(cfg.audit, cfg.auditFailure, session, stderr, cancel); err != nil {
			fmt.Fprintf(stderr, "sigrpc: --audit %s: %v; refusing to start unaudited\n", cfg.audit, err)
			return exitBadUsage
		}
		defer audit.Close()
		stop.OnHangup(audit.Reopen)
	}

	// What only a session that lasts needs starts later (see lateStart):
	// catching the stop signals, and the watches on the parent and on the
	// reader of stdout.
	late := &lateStart{}
	defer late.End()
	late.Add(func() func() { stop.CatchTheRest(); return nil }) // Stop ends it
	if parent != nil {
		late.Add(func() func() { return watchParent(ctx, cancel, parent) })
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	stop.OnReady(func() { log.Debug("every stop signal is caught") })
	var readerLost atomic.Bool
	if f, ok := stdout.(*os.File); ok {
		// Answers nobody can read are not worth waiting for: this also ends
		// a helper whose parent died before the watch on it began.
		lost := func() { readerLost.Store(true); cancel() }
		if outwatch.Gone(f) {
			lost() // before any request is read
		}
		late.Add(func() func() {
			unwatch, err := outwatch.Watch(f, lost)
			if err != nil {
				log.Warn("not watching for the reader of stdout to go", "err", err)
			}
			return unwatch
		})
	}
	policy := sigctl.Policy{
		AllowGroups: cfg.allowGroups,
		AllowInit:   cfg.allowInit,
		Self:        os.Getpid(),
		SelfGroup:   syscall.Getpgrp(),
		AllowUIDs:   cfg.allowUIDs,
	}
	if cfg.descendantsOnly || cfg.descendantsOf != 0 {
		policy.DescendantsOf = parent
	}
	controller := sigctl.NewController(policy)
	if audit != nil {
		controller.Audit = audit.Audit
	}
	// Whatever ends the session, even a deadline that leaves calls
	// running or a second stop signal, continues what they stopped.
	closeController := sync.OnceFunc(func() { controller.Close() })
	stop.BeforeForcedExit(closeController)
	defer closeController()
	srv := newServer(service.Methods(lateCalls{treesAfter{controller, stop.Ready()}, late, stop.Caught()}), cfg, log)
	if f, ok := stdin.(*os.File); ok {
		if stdin, err = spinread.New(f, cfg.spin); err != nil {
			fmt.Fprintf(stderr, "sigrpc: %v\n", err)
			return exitFailure
		}
	}
	if audit != nil {
		// An audited helper catches every stop signal before it reads: no
		// signal's default action may end it between a send and its line.
		late.Start()
		select {
		case <-stop.Ready():
		case <-ctx.Done():
		}
	}
	// The late start begins once the session shows it lasts (see
	// lastingStdio), or after a delay where stdio cannot tell.
	var lasting bool
	if stdin, stdout, lasting = lastingStdio(stdin, stdout, late.Start); !lasting {
		go late.StartAfter(lateStartDelay) // its first timer sets up Go's poller: not on the way to the first answer
	}
	// A session stopped before it serves (a stop signal, the parent or
	// stdout's reader gone) reads nothing, and owes nothing.
	err = nil
	if ctx.Err() == nil {
		err = srv.Serve(ctx, stdin, stdout)
	}
	switch {
	case audit != nil && audit.Failed() != nil: // --audit-failure stop: it said why on stderr
		log.Error("serving stopped", "err", audit.Failed())
		return exitFailure
	case readerLost.Load(): // whatever Serve made of it, output was lost
		log.Error("serving stopped", "err", fmt.Errorf("stdout: %w (nobody reads it any more)", syscall.EPIPE))
		return exitFailure
	case err != nil:
		log.Error("serving stopped", "err", err)
		return exitFailure
	}
	return exitOK
}

// newServer returns the server for methods as cfg configures it.
func newServer(methods []rpc.Method, cfg config, log *slog.Logger) *rpc.Server {
	return rpc.NewServer(methods, rpc.Options{
		Framing:         cfg.framing,
		MaxMessageBytes: cfg.maxMessageBytes,
		Logger:          log,
		Version:         version.Version,
		Busy:            service.Busy(),
		BatchFull:       service.BatchFull(),
	})
}
