package main

import (
	"context"
	"os/signal"
	"syscall"
)

// stopOnSignals returns a context that the first SIGTERM or SIGINT
// cancels: the helper then stops promptly and in order. Once one has come,
// their default action is back, so a second one ends the helper at once.
// SIGPIPE is ignored, so that a closed stdout surfaces as a write error
// rather than a silent death.
func stopOnSignals() (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	context.AfterFunc(ctx, stop)
	ctx, cancel := context.WithCancel(ctx)
	return ctx, func() { cancel(); stop() }
}
