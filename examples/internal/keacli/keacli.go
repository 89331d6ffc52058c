package keacli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// Version is the version the reference servers report.
const Version = "0.1.0"

// MetricsAddrEnv is the environment variable giving the default of -metrics.
const MetricsAddrEnv = "DHCPSRV_METRICS_ADDR"

// Options are what the command line asked for, handed to Program.Run.
type Options struct {
	ConfigFile string
	Debug      bool
	ServerPort int // 0: the standard port
	ClientPort int // 0: the standard port
	// MetricsAddr is the host:port of the Prometheus endpoint; empty
	// means none.
	MetricsAddr string
	Logger      *slog.Logger
	Stdout      io.Writer
	Stderr      io.Writer
}

// ExitError is an error of Program.Run that asks for a given process exit
// code. Code 0 means a clean exit; Err, if set, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// Program describes one reference server.
type Program struct {
	// Name is the program name used in messages ("dhcp4d").
	Name string
	// Family is option.V4 or option.V6; it selects the Dhcp4 or Dhcp6 map.
	Family option.Universe
	// Run serves until ctx is done. Nil means the program can only check
	// configurations.
	Run func(ctx context.Context, opts Options) error
}

// Main parses args (without the program name), does what they ask and
// returns the process exit code.
func Main(ctx context.Context, p Program, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		showVersion  = fs.Bool("v", false, "print version number and exit")
		showExtended = fs.Bool("V", false, "print extended version and exit")
		showReport   = fs.Bool("W", false, "display the configuration report and exit")
		debugMode    = fs.Bool("d", false, "debug mode with extra verbosity")
		configFile   = fs.String("c", "", "run the server with this configuration `file`")
		testFile     = fs.String("t", "", "check the configuration `file` and exit")
		serverPort   = fs.Int("p", 0, "server port `number` 1-65535 (useful for testing only)")
		clientPort   = fs.Int("P", 0, "client port `number` 1-65535 (useful for testing only)")
		metricsAddr  = fs.String("metrics", os.Getenv(MetricsAddrEnv), "serve Prometheus metrics on http://`host:port`/metrics (not a Kea flag; default $"+MetricsAddrEnv+")")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s -[v|V|W] [-d] [-{c|t} cfgfile] [-p number] [-P number] [-metrics host:port]\n", p.Name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", p.Name, fs.Arg(0))
		fs.Usage()
		return 1
	}
	for _, port := range []struct {
		flag string
		v    int
	}{{"-p", *serverPort}, {"-P", *clientPort}} {
		if port.v < 0 || port.v > 65535 {
			fmt.Fprintf(stderr, "%s: %s %d: port must be 1-65535\n", p.Name, port.flag, port.v)
			return 1
		}
	}
	switch {
	case *showVersion:
		fmt.Fprintln(stdout, Version)
		return 0
	case *showExtended:
		fmt.Fprintln(stdout, extendedVersion())
		return 0
	case *showReport:
		fmt.Fprintln(stdout, extendedVersion())
		return 0
	case *testFile != "" && *configFile != "":
		fmt.Fprintf(stderr, "%s: -c and -t are exclusive\n", p.Name)
		return 1
	case *testFile != "":
		return checkConfig(p, *testFile, stdout, stderr)
	case *configFile == "":
		fmt.Fprintf(stderr, "%s: no configuration file given (-c FILE)\n", p.Name)
		fs.Usage()
		return 1
	}
	if p.Run == nil {
		fmt.Fprintf(stderr, "%s: serving is not available in this build; use -t to check a configuration\n", p.Name)
		return 1
	}
	level := slog.LevelInfo
	if *debugMode {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})).With("prog", p.Name)
	err := p.Run(ctx, Options{
		ConfigFile:  *configFile,
		Debug:       *debugMode,
		ServerPort:  *serverPort,
		ClientPort:  *clientPort,
		MetricsAddr: *metricsAddr,
		Logger:      logger,
		Stdout:      stdout,
		Stderr:      stderr,
	})
	var exit *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if exit.Err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", p.Name, exit.Err)
		}
		return exit.Code
	default:
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return 1
	}
}

func extendedVersion() string {
	s := fmt.Sprintf("%s\n%s\nlease database: memfile (Kea CSV schema 2.1/3.0, v6 4.0/5.0)", Version, runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			s += fmt.Sprintf("\n%s %s", d.Path, d.Version)
		}
	}
	return s
}

// checkConfig does what kea-dhcp4 -t does: parse and validate the file,
// print each warning and error with its JSON path, and a one-line summary.
func checkConfig(p Program, path string, stdout, stderr io.Writer) int {
	cfg, warnings, err := cfgmgr.ParseFile(path)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", p.Name, w)
	}
	if err != nil {
		for _, e := range flatten(err) {
			fmt.Fprintf(stderr, "%s: %s: %v\n", p.Name, path, e)
		}
		return 1
	}
	if cfg.Family != p.Family {
		fmt.Fprintf(stderr, "%s: %s: no %s map (this is a DHCPv%d configuration)\n", p.Name, path, familyKey(p.Family), cfg.Family)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s: configuration OK: %s\n", p.Name, path, Summary(cfg))
	return 0
}

func familyKey(u option.Universe) string {
	if u == option.V6 {
		return "Dhcp6"
	}
	return "Dhcp4"
}

// Flatten splits an error built with errors.Join (or any error with
// Unwrap() []error, like cfgmgr.ErrorList) into its parts, so that each can
// be printed or logged on its own line with its JSON path.
func Flatten(err error) []error { return flatten(err) }

// flatten splits an error built with errors.Join (or any error with
// Unwrap() []error) into its parts, so each is printed on its own line.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// Summary counts subnets, pools, reservations and shared networks of cfg.
func Summary(cfg *cfgmgr.Config) string {
	var subnets, pools, pdPools, reservations, networks int
	reservations = len(cfg.Reservations)
	if cfg.Family == option.V6 {
		subnets, networks = len(cfg.Subnets6), len(cfg.SharedNetworks6)
		for _, s := range cfg.Subnets6 {
			pools += len(s.Pools)
			pdPools += len(s.PDPools)
			reservations += len(s.Reservations)
		}
		return fmt.Sprintf("%s, %s, %s, %s, %s", plural(subnets, "subnet"), plural(pools, "pool"),
			plural(pdPools, "pd-pool"), plural(reservations, "reservation"), plural(networks, "shared network"))
	}
	subnets, networks = len(cfg.Subnets4), len(cfg.SharedNetworks4)
	for _, s := range cfg.Subnets4 {
		pools += len(s.Pools)
		reservations += len(s.Reservations)
	}
	return fmt.Sprintf("%s, %s, %s, %s", plural(subnets, "subnet"), plural(pools, "pool"),
		plural(reservations, "reservation"), plural(networks, "shared network"))
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
