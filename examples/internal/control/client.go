package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// DefaultCallTimeout bounds a Call whose context has no deadline.
const DefaultCallTimeout = 30 * time.Second

// Call sends one command to the control socket at socketPath and returns
// the answer, as Kea's tools do: connect, write the command, read the answer
// until the server closes the connection. args is marshalled as the
// command's "arguments" (nil: none; a json.RawMessage is sent as is).
// The error reports a failure to talk to the server; a command that failed
// is a Response with a non-zero Result.
func Call(ctx context.Context, socketPath, command string, args any) (Response, error) {
	req := Request{Command: command}
	if args != nil {
		if raw, ok := args.(json.RawMessage); ok {
			req.Arguments = raw
		} else {
			b, err := marshal(args)
			if err != nil {
				return Response{}, fmt.Errorf("control: encode arguments: %w", err)
			}
			req.Arguments = b
		}
	}
	data, err := marshal(req)
	if err != nil {
		return Response{}, fmt.Errorf("control: encode command: %w", err)
	}
	out, err := CallRaw(ctx, socketPath, data)
	if err != nil {
		return Response{}, err
	}
	var resp Response
	if err := json.Unmarshal(out, &resp); err != nil {
		return Response{}, fmt.Errorf("control: bad answer from %s: %w", socketPath, err)
	}
	return resp, nil
}

// CallRaw sends raw bytes to the control socket and returns the raw answer.
// Tests use it to send malformed commands.
func CallRaw(ctx context.Context, socketPath string, data []byte) ([]byte, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	defer c.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultCallTimeout)
	}
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(data); err != nil {
		return nil, fmt.Errorf("control: send to %s: %w", socketPath, err)
	}
	out, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, io.EOF) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("control: read from %s: %w", socketPath, err)
	}
	return out, nil
}
