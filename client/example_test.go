package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os/exec"
	"syscall"

	"github.com/sigrpc/sigrpc/client"
)

// Start a client, start a child, and end it through a handle that never
// signals a process that reused its pid.
func Example() {
	ctx := context.Background()
	c, err := client.Start(ctx, client.Options{}) // $SIGRPC_BIN, else sigrpc in PATH
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		log.Fatal(err)
	}
	p, err := c.Process(ctx, sleep.Process.Pid) // pinned by its start time
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Signal(ctx, syscall.SIGTERM); err != nil {
		log.Fatal(err)
	}
	fmt.Println(sleep.Wait())
	// Output: signal: terminated
}

func ExampleClient_Kill() {
	ctx := context.Background()
	c, err := client.Start(ctx, client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	err = c.Kill(ctx, 2147483647, 0) // no process can have this pid
	fmt.Println(errors.Is(err, syscall.ESRCH), err)

	var refused *client.RefusedError
	err = c.Kill(ctx, -1, 0) // every process: always refused, nothing is sent
	fmt.Println(errors.As(err, &refused), refused.Reason)

	err = c.KillName(ctx, 2147483647, "NOPE")
	fmt.Println(errors.Is(err, client.ErrUnknownSignal))
	// Output:
	// true sigrpc kill: no such process
	// true broadcast
	// true
}

func ExampleProcess_Terminate() {
	ctx := context.Background()
	c, err := client.Start(ctx, client.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		log.Fatal(err)
	}
	p, err := c.Process(ctx, sleep.Process.Pid)
	if err != nil {
		log.Fatal(err)
	}
	// SIGTERM, wait up to 5 s, then SIGKILL and wait up to 1 s.
	r, err := p.Terminate(ctx, client.TerminateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Exited, r.Escalated, sleep.Wait())
	// Output: true false signal: terminated
}
