package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/sigrpc/sigrpc/internal/spinread"
	"github.com/sigrpc/sigrpc/rpc"
)

// config is the parsed command line.
type config struct {
	framing         rpc.Framing
	maxMessageBytes int64
	allowGroups     bool
	allowUIDs       []int
	descendantsOnly bool
	logLevel        slog.Level
	spin            time.Duration
	version         bool
}

// errHelpShown reports that --help printed the usage.
var errHelpShown = errors.New("help shown")

const usageHead = `Usage: sigrpc [flags]

sigrpc serves JSON-RPC 2.0 on standard input and output: signal names and
numbers (signum, signals, signame) and safe signalling (kill). Requests are
one JSON value per line (ndjson) or LSP-style Content-Length frames.

Example:
  echo '{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}' | sigrpc
  {"jsonrpc":"2.0","id":1,"result":15}

Safety: pid -1 (every process) is always refused; pid 0 and other negative
pids (process groups) are refused unless --allow-groups; sigrpc's own pid is
refused for every signal but NONE. On Linux every check and the send go
through one pidfd, so the process checked is the process signalled.

Narrowing the policy (Linux), for when sigrpc runs with more privilege than
its client (as root, or setuid, on behalf of an ordinary program):
  --allow-uid UID      only processes whose real uid is UID (repeat for more)
  --descendants-only   only descendants of sigrpc's parent: the client's own
                       process tree (its children, their children, ...)
Either one refuses process groups, whose members cannot all be checked, so
neither may be combined with --allow-groups.

Exit status: 0 after the input ends or on SIGTERM/SIGINT, once every accepted
request is answered; 1 if standard output is closed; 2 for bad flags.

Flags:
`

// parseFlags parses args. --help prints the usage to stdout and returns
// errHelpShown; other problems return an error for stderr.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	cfg := config{maxMessageBytes: rpc.DefaultMaxMessageBytes, spin: spinread.DefaultWindow}
	fs := flag.NewFlagSet("sigrpc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	framing := fs.String("framing", "auto", "message framing: auto, ndjson or lsp")
	level := fs.String("log-level", "error", "stderr log level: error, warn, info or debug (debug logs every request)")
	fs.Int64Var(&cfg.maxMessageBytes, "max-message-bytes", cfg.maxMessageBytes, "largest message accepted, in bytes")
	fs.BoolVar(&cfg.allowGroups, "allow-groups", false, "permit pid 0 and pids below -1 (process groups)")
	fs.Func("allow-uid", "signal only processes whose real uid is `UID` (repeatable)", func(v string) error {
		uid, err := strconv.Atoi(v)
		if err != nil || uid < 0 {
			return fmt.Errorf("not a uid: %q", v)
		}
		cfg.allowUIDs = append(cfg.allowUIDs, uid)
		return nil
	})
	fs.BoolVar(&cfg.descendantsOnly, "descendants-only", false, "signal only descendants of sigrpc's parent (the client's own tree)")
	fs.DurationVar(&cfg.spin, "spin", cfg.spin, "after answering, watch stdin this long before sleeping on it (0: sleep at once)")
	fs.BoolVar(&cfg.version, "version", false, "print the version and exit")
	help := fs.Bool("help", false, "print this help and exit")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return cfg, showHelp(fs, stdout)
		}
		return cfg, err
	}
	if *help {
		return cfg, showHelp(fs, stdout)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.maxMessageBytes <= 0 {
		return cfg, fmt.Errorf("--max-message-bytes must be positive, not %d", cfg.maxMessageBytes)
	}
	if cfg.spin < 0 || cfg.spin > spinread.MaxWindow {
		return cfg, fmt.Errorf("--spin must be between 0 and %v, not %v", spinread.MaxWindow, cfg.spin)
	}
	if cfg.allowGroups && (len(cfg.allowUIDs) > 0 || cfg.descendantsOnly) {
		return cfg, errors.New("--allow-groups cannot be combined with --allow-uid or --descendants-only")
	}
	var err error
	if cfg.framing, err = rpc.ParseFraming(*framing); err != nil {
		return cfg, err
	}
	if err := cfg.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("bad --log-level %q (want error, warn, info or debug)", *level)
	}
	return cfg, nil
}

// showHelp prints the usage to w.
func showHelp(fs *flag.FlagSet, w io.Writer) error {
	var b strings.Builder
	b.WriteString(usageHead)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	io.WriteString(w, b.String())
	return errHelpShown
}
