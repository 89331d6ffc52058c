package control

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dhcpsrv/dhcpsrv/cfgmgr"
	"github.com/dhcpsrv/dhcpsrv/option"
)

// ConfigCommands are config-get, config-hash-get, config-test, config-set,
// config-reload and config-write on a server's cfgmgr.Manager. Fill the
// fields, then call Register; do not change the fields afterwards. The
// commands that change the configuration are serialized with each other.
type ConfigCommands struct {
	// Manager holds the server's configuration. Required.
	Manager *cfgmgr.Manager
	// Family is option.V4 (the "Dhcp4" map) or option.V6 ("Dhcp6").
	Family option.Universe
	// ParseOptions are those the server parses its file with; Family is
	// set from the field above.
	ParseOptions cfgmgr.ParseOptions
	// File is the configuration file the server was started with:
	// config-reload reads it and config-write writes it by default.
	File string
	// WriteDir is the only directory config-write may write into
	// (relative file names are taken in it). Empty means File's
	// directory, as Kea 2.6.3+ restricts config-write to the
	// configuration directory; with neither set, config-write needs an
	// absolute file name and writes anywhere.
	WriteDir string
	// Apply makes a staged configuration the server's: it commits it
	// (Manager.Commit) and reconfigures the server (sockets, lease
	// database, allocators, statistics...). It is called with cfg staged
	// (Manager.Staging() == cfg). On error the server must keep running
	// on the previous configuration: Apply undoes what it did; if cfg is
	// nevertheless current afterwards, the command reverts it
	// (Manager.Revert(1)), and it discards the staging configuration.
	// Nil means commit only.
	Apply func(ctx context.Context, cfg *cfgmgr.Config) error

	mu sync.Mutex
}

// Register registers the configuration commands. It panics if Manager is
// nil or Family is neither V4 nor V6.
func (c *ConfigCommands) Register(r *Registry) {
	if c.Manager == nil || (c.Family != option.V4 && c.Family != option.V6) {
		panic("control: ConfigCommands needs a Manager and Family V4 or V6")
	}
	r.Register("config-get", c.configGet)
	r.Register("config-hash-get", c.configHashGet)
	r.Register("config-test", c.configTest)
	r.Register("config-set", c.configSet)
	r.Register("config-reload", c.configReload)
	r.Register("config-write", c.configWrite)
}

func (c *ConfigCommands) mapName() string {
	if c.Family == option.V6 {
		return "Dhcp6"
	}
	return "Dhcp4"
}

func (c *ConfigCommands) parseOpts() cfgmgr.ParseOptions {
	o := c.ParseOptions
	o.Family = c.Family
	return o
}

// configJSON returns the current configuration as {"Dhcp4": {...}}.
func (c *ConfigCommands) configJSON() ([]byte, error) {
	cfg := c.Manager.Current()
	if cfg == nil {
		return nil, errors.New("no configuration has been committed")
	}
	return cfg.MarshalJSON()
}

// Hash returns Kea's configuration hash of a configuration's JSON: the
// SHA-256 digest in upper-case hex. The JSON text is ours, so the value
// differs from what Kea computes for the same configuration; it changes
// when the configuration does.
func Hash(configJSON []byte) string {
	sum := sha256.Sum256(configJSON)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func (c *ConfigCommands) configGet(ctx context.Context, _ json.RawMessage) Response {
	data, err := c.configJSON()
	if err != nil {
		return Errorf("%v", err)
	}
	// {"Dhcp4": {...}, "hash": "..."} as Kea 2.4+ answers.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return Errorf("internal error: %v", err)
	}
	h, _ := json.Marshal(Hash(data))
	m["hash"] = h
	return Answer(ResultSuccess, "", m)
}

func (c *ConfigCommands) configHashGet(ctx context.Context, _ json.RawMessage) Response {
	data, err := c.configJSON()
	if err != nil {
		return Errorf("%v", err)
	}
	return Answer(ResultSuccess, "", map[string]string{"hash": Hash(data)})
}

// parseArgsConfig parses {"Dhcp4": {...}} arguments (other keys, like
// Kea's "hash" or another daemon's map, are ignored).
func (c *ConfigCommands) parseArgsConfig(raw json.RawMessage) (*cfgmgr.Config, []cfgmgr.Warning, error) {
	name := c.mapName()
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil, errors.New("Missing mandatory 'arguments' parameter.")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, nil, errors.New("'arguments' parameter expected to be a map.")
	}
	body, ok := top[name]
	if !ok {
		return nil, nil, fmt.Errorf("Missing mandatory '%s' parameter.", name)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, nil, fmt.Errorf("'%s' parameter expected to be a map.", name)
	}
	wrapped := make([]byte, 0, len(body)+len(name)+6)
	wrapped = append(wrapped, `{"`...)
	wrapped = append(wrapped, name...)
	wrapped = append(wrapped, `":`...)
	wrapped = append(wrapped, body...)
	wrapped = append(wrapped, '}')
	return c.parseOpts().Parse(wrapped)
}

func (c *ConfigCommands) configTest(ctx context.Context, raw json.RawMessage) Response {
	if _, _, err := c.parseArgsConfig(raw); err != nil {
		return Errorf("%v", err)
	}
	return Success("Configuration seems sane. Control-socket, hook-libraries, and D2 configuration were sanity checked, but not applied.")
}

// apply stages cfg and makes it current through Apply; on failure the
// previous configuration stays current.
func (c *ConfigCommands) apply(ctx context.Context, cfg *cfgmgr.Config) error {
	prev := c.Manager.Current()
	c.Manager.Stage(cfg)
	var err error
	if c.Apply != nil {
		err = c.Apply(ctx, cfg)
	} else {
		_, err = c.Manager.Commit()
	}
	if err != nil {
		if cur := c.Manager.Current(); cur == cfg && prev != nil {
			if _, rerr := c.Manager.Revert(1); rerr != nil {
				err = fmt.Errorf("%w (and reverting failed: %v)", err, rerr)
			}
		}
		c.Manager.Discard()
		return err
	}
	return nil
}

func (c *ConfigCommands) successWithHash() Response {
	data, err := c.configJSON()
	if err != nil {
		return Success("Configuration successful.")
	}
	return Answer(ResultSuccess, "Configuration successful.", map[string]string{"hash": Hash(data)})
}

func (c *ConfigCommands) configSet(ctx context.Context, raw json.RawMessage) Response {
	cfg, _, err := c.parseArgsConfig(raw)
	if err != nil {
		return Errorf("%v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.apply(ctx, cfg); err != nil {
		return Errorf("Configuration failed: %v", err)
	}
	return c.successWithHash()
}

func (c *ConfigCommands) configReload(ctx context.Context, _ json.RawMessage) Response {
	if c.File == "" {
		return Errorf("Config reload failed: the server was not started with a configuration file")
	}
	cfg, _, err := c.parseOpts().ParseFile(c.File)
	if err != nil {
		return Errorf("Config reload failed: %v", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.apply(ctx, cfg); err != nil {
		return Errorf("Config reload failed: %v", err)
	}
	return c.successWithHash()
}

// writePath resolves config-write's file name and checks it is allowed.
func (c *ConfigCommands) writePath(name string) (string, error) {
	dir := c.WriteDir
	if dir == "" && c.File != "" {
		dir = filepath.Dir(c.File)
	}
	if name == "" {
		name = c.File
	}
	if name == "" {
		return "", errors.New("Unable to determine filename. Please specify filename explicitly.")
	}
	if dir == "" {
		if !filepath.IsAbs(name) {
			return "", fmt.Errorf("not allowed to write config into %s: a relative file name needs a configuration directory", name)
		}
		return filepath.Clean(name), nil
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(absDir, p)
	}
	p = filepath.Clean(p)
	if filepath.Dir(p) != absDir {
		return "", fmt.Errorf("not allowed to write config into %s: invalid path specified: '%s', supported path is '%s'", name, filepath.Dir(p), absDir)
	}
	return p, nil
}

func (c *ConfigCommands) configWrite(ctx context.Context, raw json.RawMessage) Response {
	var name string
	a, err := parseArgs(raw)
	if err != nil && !errors.Is(err, errNoArgs) {
		return Errorf("%v", err)
	}
	if a != nil {
		n, _, err := a.str("filename")
		if err != nil {
			return Errorf("'filename' parameter expected to be a string.")
		}
		name = n
	}
	path, err := c.writePath(name)
	if err != nil {
		return Errorf("%v", err)
	}
	data, err := c.configJSON()
	if err != nil {
		return Errorf("Error during config-write: %v", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "  "); err != nil {
		return Errorf("Error during config-write: %v", err)
	}
	pretty.WriteByte('\n')
	if err := writeFileAtomic(path, pretty.Bytes()); err != nil {
		return Errorf("Error during config-write: %v", err)
	}
	return Answer(ResultSuccess, fmt.Sprintf("Configuration written to %s successful", path),
		map[string]any{"filename": path, "size": pretty.Len()})
}

// writeFileAtomic writes data to a temporary file next to path, syncs it and
// renames it over path, so a crash leaves the old or the new file.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
