// Command sigrpc serves signal names, numbers and safe process signalling
// as JSON-RPC 2.0 on standard input and output. See PROTOCOL.md and the
// README for the wire contract.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	ossignal "os/signal"
	"syscall"

	"github.com/sigrpc/sigrpc/internal/spinread"
	buildversion "github.com/sigrpc/sigrpc/internal/version"
	"github.com/sigrpc/sigrpc/rpc"
	"github.com/sigrpc/sigrpc/signal"
)

// version is the helper's version (internal/version/VERSION); the client
// libraries carry the same one.
var version = buildversion.Version

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
	if cfg.version {
		fmt.Fprintf(stdout, "sigrpc %s\n", version)
		return exitOK
	}
	// A closed stdout must surface as a write error, not kill us.
	ossignal.Ignore(syscall.SIGPIPE)
	ctx, stop := ossignal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The first SIGTERM or SIGINT asks for a prompt, orderly exit; once it
	// has come, the default action is back, so a second one ends the
	// helper at once.
	context.AfterFunc(ctx, stop)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ppid := os.Getppid()
	parent, err := openParent(ppid)
	switch {
	case err != nil && cfg.descendantsOnly:
		fmt.Fprintf(stderr, "sigrpc: --descendants-only: %v, so the client's process tree cannot be known; refusing to start\n", err)
		return exitBadUsage
	case parent != nil:
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			watchParent(ctx, parent, cancel)
		}()
		defer func() { // after every use of parent: the watch, and the killer's checks
			cancel()
			<-watched
			parent.Close()
		}()
	case ppid > 1:
		cancel() // the parent is gone already: as if it had died just now
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	policy := signal.Policy{AllowGroups: cfg.allowGroups, Self: os.Getpid(), AllowUIDs: cfg.allowUIDs}
	if cfg.descendantsOnly {
		policy.DescendantsOf = parent
	}
	killer := signal.NewKiller(policy)
	defer killer.Close()
	srv := rpc.NewServer(rpc.Methods(killer), rpc.Options{
		Framing:         cfg.framing,
		MaxMessageBytes: cfg.maxMessageBytes,
		Logger:          log,
		Version:         version,
	})
	if f, ok := stdin.(*os.File); ok {
		if stdin, err = spinread.New(f, cfg.spin); err != nil {
			fmt.Fprintf(stderr, "sigrpc: %v\n", err)
			return exitFailure
		}
	}
	if err := srv.Serve(ctx, stdin, stdout); err != nil {
		log.Error("serving stopped", "err", err)
		return exitFailure
	}
	return exitOK
}

// openParent returns a handle on ppid, the process that started sigrpc,
// or an error saying why there is no parent to know: a parent pid of 0
// (sigrpc was entered into a pid namespace from outside, as nsenter and
// docker exec do) or 1 (started by init, or orphaned before it started,
// its launcher gone), or a parent that is already gone.
func openParent(ppid int) (*signal.Process, error) {
	switch ppid {
	case 0:
		return nil, errors.New("the parent process is outside this pid namespace (parent pid 0)")
	case 1:
		return nil, errors.New("the parent process is init (parent pid 1): sigrpc was started by it, or its launcher exited before it started")
	}
	p, err := signal.Open(ppid)
	if err != nil {
		return nil, fmt.Errorf("the parent process %d is gone (%v)", ppid, err)
	}
	return p, nil
}

// watchParent cancels the session when parent, the process that started
// sigrpc, exits, even if something else still holds stdin open. The
// caller opens the parent before serving, so a parent that dies at once
// is still seen to go.
func watchParent(ctx context.Context, parent *signal.Process, cancel context.CancelFunc) {
	if parent.Wait(ctx) {
		cancel()
	}
}
