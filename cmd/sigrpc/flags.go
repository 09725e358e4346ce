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

	"github.com/sigrpc/sigrpc/internal/service"
	"github.com/sigrpc/sigrpc/internal/spinread"
	"github.com/sigrpc/sigrpc/rpc"
)

// config is the parsed command line.
type config struct {
	framing         rpc.Framing
	maxMessageBytes int64
	allowGroups     bool
	allowInit       bool
	allowUIDs       []int
	descendantsOnly bool
	descendantsOf   int
	audit           string // --audit: the trail's path, "-" for stderr, "" for none
	auditFailure    string // --audit-failure: auditFailStop or auditFailContinue
	logLevel        slog.Level
	spin            time.Duration
	showVersion     bool
}

// errHelpShown reports that --help printed the usage.
var errHelpShown = errors.New("help shown")

const usageHead = `Usage: sigrpc [flags]

sigrpc serves JSON-RPC 2.0 on standard input and output: signal names and
numbers, and safe signalling and process control. Requests are one JSON value
per line (ndjson) or LSP-style Content-Length frames.

Example:
  echo '{"jsonrpc":"2.0","id":1,"method":"signum","params":["TERM"]}' | sigrpc
  {"jsonrpc":"2.0","id":1,"result":15}

`

const usageSafety = `
Safety: pid -1 (every process) is always refused; pid 0 and other negative
pids (process groups) are refused unless --allow-groups; sigrpc's own pid,
threads and process group are refused for every signal but NONE; so is
pid 1, the init of sigrpc's pid namespace, unless --allow-init. On Linux
every check and every send go through one pidfd, so the process checked is
the process signalled, and every send is checked at the time it is made.

Narrowing the policy (Linux), for when sigrpc runs with more privilege than
its client (as root, or setuid, on behalf of an ordinary program); a narrowed
helper also describes (inspect, wait, children) only what it may signal:
  --allow-uid UID       only processes whose real uid is UID (repeat for more)
  --descendants-of PID  only descendants of the client PID, which must be
                        sigrpc's parent when it starts (else it refuses to
                        start): the clients pass their own pid
  --descendants-only    only descendants of sigrpc's parent, whoever that is
                        at start (refuses to start with parent pid 0 or 1;
                        cannot tell a subreaper that adopted it from its
                        client: prefer --descendants-of)
Each refuses process groups, whose members cannot all be checked, so none
may be combined with --allow-groups.

Audit trail: --audit PATH appends one JSON line for every signal sigrpc sends
or refuses on its client's behalf (every escalation, and every STOP, signal
and CONT to a tree's members), written before the answer; --audit - writes
them to stderr. SIGHUP reopens PATH (after a rotation). A line that cannot be
written within 1 s is reported on stderr; with --audit-failure stop (the
default) sigrpc then sends nothing more and stops (exit 1), with continue it
counts the lost lines and goes on.

End of input: every request read is finished (waits run to their timeout) and
answered, then sigrpc exits 0. SIGTERM, SIGINT, SIGQUIT (any signal that would
end it but SIGHUP) or the parent's death: blocking calls are cancelled and
answered, output is flushed within 2 s, then exit 0 (1 if answers could not
be written); a second such signal ends it at once. Either way, every process
a tree call stopped is continued first; only SIGKILL can prevent that. These
signals are caught from when a session shows it lasts: it waits for input or
for room to write, reads input twice, or makes a call that can wait (with
--audit, before the first request); before, one ends sigrpc at once, with
nothing stopped. SIGHUP reopens the audit log, and is otherwise ignored.
Exit status 1 if standard input or output is closed (or /dev/null) at start,
output is lost, or the audit log failed under --audit-failure stop; 2 for bad
flags, or an audit log that cannot be opened.
`

// parseFlags parses args. --help prints the usage to stdout and returns
// errHelpShown; other problems return an error for stderr.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	cfg := config{maxMessageBytes: rpc.DefaultMaxMessageBytes, spin: spinread.DefaultWindow}
	fs := flag.NewFlagSet("sigrpc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	framing := fs.String("framing", "auto", "message framing: auto, ndjson or lsp")
	level := fs.String("log-level", "error", "stderr log level: error, warn, info or debug (debug logs every request, and when every stop signal is caught)")
	fs.Int64Var(&cfg.maxMessageBytes, "max-message-bytes", cfg.maxMessageBytes, "largest message accepted, in bytes")
	fs.BoolVar(&cfg.allowGroups, "allow-groups", false, "permit pid 0 and pids below -1 (process groups other than sigrpc's own)")
	fs.BoolVar(&cfg.allowInit, "allow-init", false, "permit signals to pid 1, the init of sigrpc's pid namespace")
	fs.Func("allow-uid", "signal only processes whose real uid is `UID` (repeatable)", func(v string) error {
		uid, err := strconv.Atoi(v)
		if err != nil || uid < 0 {
			return fmt.Errorf("not a uid: %q", v)
		}
		cfg.allowUIDs = append(cfg.allowUIDs, uid)
		return nil
	})
	fs.BoolVar(&cfg.descendantsOnly, "descendants-only", false, "signal only descendants of sigrpc's parent, whichever process that is at start")
	fs.Func("descendants-of", "signal only descendants of `PID`, which must be sigrpc's parent at start (the client passes its own pid)", func(v string) error {
		pid, err := strconv.Atoi(v)
		if err != nil || pid <= 1 {
			return fmt.Errorf("not a client pid: %q", v)
		}
		cfg.descendantsOf = pid
		return nil
	})
	fs.StringVar(&cfg.audit, "audit", "", "append a JSON line for every signal sent or refused to `PATH` (- for stderr); SIGHUP reopens it")
	fs.StringVar(&cfg.auditFailure, "audit-failure", auditFailStop, "what to do, `stop|continue`, when an audit line cannot be written within 1 s: stop sends nothing more and exits 1; continue reports and counts the lost lines")
	fs.DurationVar(&cfg.spin, "spin", cfg.spin, "after answering, watch stdin this long before sleeping on it (0: sleep at once)")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version and exit")
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
	if cfg.allowGroups && (len(cfg.allowUIDs) > 0 || cfg.descendantsOnly || cfg.descendantsOf != 0) {
		return cfg, errors.New("--allow-groups cannot be combined with --allow-uid, --descendants-only or --descendants-of")
	}
	if cfg.auditFailure != auditFailStop && cfg.auditFailure != auditFailContinue {
		return cfg, fmt.Errorf("bad --audit-failure %q (want stop or continue)", cfg.auditFailure)
	}
	auditFailureSet := false
	fs.Visit(func(f *flag.Flag) { auditFailureSet = auditFailureSet || f.Name == "audit-failure" })
	if auditFailureSet && cfg.audit == "" {
		return cfg, errors.New("--audit-failure needs --audit")
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

// showHelp prints the usage to w: what sigrpc is, every method with an
// example request, the policy, and the flags.
func showHelp(fs *flag.FlagSet, w io.Writer) error {
	var b strings.Builder
	b.WriteString(usageHead)
	writeMethods(&b, rpc.NewServer(service.Methods(nil), rpc.Options{}).Methods())
	b.WriteString(usageSafety)
	b.WriteString("\nFlags:\n")
	writeFlags(&b, fs)
	io.WriteString(w, b.String())
	return errHelpShown
}

// writeMethods lists methods, each with its params and an example request.
func writeMethods(b *strings.Builder, methods []rpc.Method) {
	b.WriteString("Methods (params by name, or by position in this order; = marks a default):\n")
	for _, m := range methods {
		var params []string
		for _, p := range m.ParamList() {
			params = append(params, p.Signature())
		}
		fmt.Fprintf(b, "  %s(%s)\n      %s\n", m.Name, strings.Join(params, ", "), m.Summary)
		fmt.Fprintf(b, "      {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":%q,\"params\":%s}\n", m.Name, m.Example)
	}
}

// writeFlags lists the flags, spelled with two dashes.
func writeFlags(b *strings.Builder, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(b, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(b, " %s", name)
		}
		fmt.Fprintf(b, "\n      %s", usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			fmt.Fprintf(b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
}
