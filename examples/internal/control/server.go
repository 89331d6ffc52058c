package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
)

// Defaults of Options.
const (
	DefaultMaxRequestSize = 32 << 20 // 32 MiB: a config-set with many reservations
	DefaultReadTimeout    = 10 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultMaxConns       = 16
	DefaultSocketMode     = 0o600
)

// ErrSocketInUse: another process answers on the socket file.
var ErrSocketInUse = errors.New("control: socket in use")

// Options tune a Server. The zero value gives the defaults.
type Options struct {
	// MaxRequestSize is the largest command accepted, in bytes
	// (default DefaultMaxRequestSize). A larger one gets a ResultError.
	MaxRequestSize int
	// ReadTimeout bounds the time a client may take to send its command
	// (default 10 s, Kea's connection timeout).
	ReadTimeout time.Duration
	// WriteTimeout bounds the time the response may take to go out.
	WriteTimeout time.Duration
	// MaxConns is how many connections are served at once (default 16);
	// further clients wait in the listen backlog.
	MaxConns int
	// SocketMode is the permission of the socket file (default 0600: only
	// the server's user, root for a DHCP server, may send commands).
	SocketMode fs.FileMode
	// Logger receives connection errors; nil discards them.
	Logger *slog.Logger
}

// Server is a control socket: a unix stream socket on which Kea's tools send
// one JSON command per connection and read one JSON answer, after which the
// server closes the connection (Kea's unix control channel).
//
// Listen creates it, Serve runs it, Close stops it; Close may be called from
// any goroutine, also before Serve.
type Server struct {
	path string
	ln   *net.UnixListener
	reg  *Registry
	opts Options
	log  *slog.Logger

	ctx    context.Context // canceled by Close; parent of handler contexts
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
}

// Listen validates a "control-socket" map and creates its socket. Only
// "socket-type": "unix" is supported (Kea's control agent or socat speak
// HTTP or TCP to it). A stale socket file left by a previous run is removed;
// a live one (something accepts connections on it) gives ErrSocketInUse,
// and an existing file that is not a socket is left alone and is an error.
func Listen(cs *cfgmgr.ControlSocket, reg *Registry, opts Options) (*Server, error) {
	if cs == nil {
		return nil, fmt.Errorf("control: no control-socket configured")
	}
	if cs.SocketType != "" && cs.SocketType != "unix" {
		return nil, fmt.Errorf("control: socket-type %q not supported (only \"unix\")", cs.SocketType)
	}
	return ListenUnix(cs.SocketName, reg, opts)
}

// ListenUnix is Listen for a socket path.
func ListenUnix(path string, reg *Registry, opts Options) (*Server, error) {
	if path == "" {
		return nil, fmt.Errorf("control: empty socket-name")
	}
	if reg == nil {
		return nil, fmt.Errorf("control: nil Registry")
	}
	if opts.MaxRequestSize <= 0 {
		opts.MaxRequestSize = DefaultMaxRequestSize
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.SocketMode == 0 {
		opts.SocketMode = DefaultSocketMode
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, opts.SocketMode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: chmod %s: %w", path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		path: path, ln: ln, reg: reg, opts: opts, log: logger,
		ctx: ctx, cancel: cancel,
		sem:   make(chan struct{}, opts.MaxConns),
		conns: make(map[net.Conn]struct{}),
	}, nil
}

// removeStale removes a socket file nobody listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("control: %s exists and is not a socket", path)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("%w: %s", ErrSocketInUse, path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: remove stale socket: %w", err)
	}
	return nil
}

// Path returns the socket file's path.
func (s *Server) Path() string { return s.path }

// Serve accepts connections until ctx is done or Close is called, then
// closes the server (as Close) and returns nil. It returns an error only if
// accepting fails for another reason.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		select {
		case s.sem <- struct{}{}:
		case <-s.ctx.Done():
			return nil
		}
		c, err := s.ln.AcceptUnix()
		if err != nil {
			<-s.sem
			if s.ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.Close()
			return fmt.Errorf("control: accept: %w", err)
		}
		if !s.track(c, true) {
			c.Close()
			<-s.sem
			return nil
		}
		go func() {
			defer s.wg.Done()
			defer func() { <-s.sem }()
			defer s.track(c, false)
			defer c.Close()
			s.serveConn(c)
		}()
	}
}

// track adds (and counts in wg) or removes a connection; adding fails once
// Close has begun.
func (s *Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return true
	}
	if s.conns == nil {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// Close stops accepting, interrupts connections still reading their
// command, waits for running commands to finish (their context is
// canceled) and removes the socket file. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.closeErr = s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			// Wake readers; a command already running finishes and
			// fails to write, which is harmless.
			c.SetReadDeadline(time.Now())
		}
		s.conns = nil
		s.mu.Unlock()
		s.wg.Wait()
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) && s.closeErr == nil {
			s.closeErr = err
		}
		if errors.Is(s.closeErr, net.ErrClosed) {
			s.closeErr = nil
		}
	})
	return s.closeErr
}

// serveConn reads one command, runs it and writes the answer.
func (s *Server) serveConn(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(s.opts.ReadTimeout))
	data, resp, ok := s.readCommand(c)
	tooLarge := resp != nil && resp.Text == s.tooLargeText()
	if !ok {
		if resp == nil {
			return // the client went away without a command
		}
	} else {
		r := s.reg.HandleJSON(s.ctx, data)
		resp = &r
	}
	out, err := marshal(resp)
	if err != nil {
		out = []byte(`{"result": 1, "text": "internal error: cannot encode the answer"}`)
	}
	c.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
	if _, err := c.Write(out); err != nil {
		s.log.Debug("control: writing the answer failed", "err", err)
		return
	}
	if tooLarge {
		// The client is likely still sending: closing now, with data
		// unread, would reset the connection before it reads the
		// answer. Signal the end of the answer, then discard what it
		// sends for a moment.
		if uc, ok := c.(*net.UnixConn); ok {
			uc.CloseWrite()
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, c)
	}
}

func (s *Server) tooLargeText() string {
	return fmt.Sprintf("command too large: more than %d bytes", s.opts.MaxRequestSize)
}

// countingReader counts the bytes read through it and refuses to read
// beyond limit.
type countingReader struct {
	r     io.Reader
	n     int
	limit int
}

var errTooLarge = errors.New("command too large")

func (cr *countingReader) Read(p []byte) (int, error) {
	if cr.n >= cr.limit {
		return 0, errTooLarge
	}
	if len(p) > cr.limit-cr.n {
		p = p[:cr.limit-cr.n]
	}
	n, err := cr.r.Read(p)
	cr.n += n
	return n, err
}

// readCommand reads until one complete JSON value has arrived (the client
// may send it in several writes and need not close its side). ok is false
// when no command can be run; resp is then the error answer to send, or nil
// if the client sent nothing at all.
func (s *Server) readCommand(c net.Conn) (data []byte, resp *Response, ok bool) {
	cr := &countingReader{r: c, limit: s.opts.MaxRequestSize}
	dec := json.NewDecoder(cr)
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if err == nil {
		return raw, nil, true
	}
	var ne net.Error
	switch {
	case errors.Is(err, errTooLarge):
		r := Errorf("%s", s.tooLargeText())
		return nil, &r, false
	case errors.As(err, &ne) && ne.Timeout():
		if s.ctx.Err() != nil {
			r := Errorf("server is shutting down")
			return nil, &r, false
		}
		r := Errorf("Connection over control channel timed out")
		if cr.n > 0 {
			r.Text += fmt.Sprintf(", discarded partial command of %d bytes", cr.n)
		}
		return nil, &r, false
	case errors.Is(err, io.EOF):
		return nil, nil, false // nothing but white space
	case errors.Is(err, io.ErrUnexpectedEOF):
		r := Errorf("invalid command: incomplete JSON (%d bytes)", cr.n)
		return nil, &r, false
	default:
		r := Errorf("invalid command: %v", err)
		return nil, &r, false
	}
}
