package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// replica is one `alertsync serve` child process; a restart runs a new
// process (a new replica id) on the same config.
type replica struct {
	n       int
	cfgPath string
	addr    string // API host:port

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{} // closed when cmd exited
	id    string        // the replica id the running process gave itself
	alive bool
}

// cluster runs the replicas as child processes of the chaos run.
type cluster struct {
	bin      string
	env      []string
	token    string
	log      *slog.Logger
	stderr   io.Writer
	http     *http.Client
	replicas []*replica

	mu      sync.Mutex
	crashed error // the first replica that exited without being told to
}

// freeAddr picks a free local port for a replica's API.
func freeAddr(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("pick a port: %w", err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// start runs r's process (until ctx ends, at the latest) and waits until its API answers and it has
// told which replica it is.
func (c *cluster) start(ctx context.Context, r *replica) error {
	cmd := exec.CommandContext(ctx, c.bin, "serve", "--config", r.cfgPath) //nolint:gosec // our own binary on a config we wrote
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = io.Discard, c.stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start replica %d: %w", r.n, err)
	}
	done := make(chan struct{})
	go func() {
		err := cmd.Wait()
		if r.isAlive() && ctx.Err() == nil {
			c.crash(fmt.Errorf("replica %d exited on its own: %w", r.n, err))
		}
		close(done)
	}()
	r.mu.Lock()
	r.cmd, r.done, r.id, r.alive = cmd, done, "", true
	r.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-done:
			r.setDead()
			return fmt.Errorf("replica %d exited while starting", r.n)
		default:
		}
		var cl struct {
			Replica string `json:"replica"`
		}
		if err := c.getFrom(ctx, r, "/api/v1/cluster", &cl); err == nil && cl.Replica != "" {
			r.mu.Lock()
			r.id = cl.Replica
			r.mu.Unlock()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("replica %d did not answer within 90s: %w", r.n, errors.Join(ctx.Err(), errors.New("timeout")))
}

// kill SIGKILLs r's process and waits for it to be gone; it returns the
// replica id the process had.
func (c *cluster) kill(r *replica) string {
	r.mu.Lock()
	cmd, done, id := r.cmd, r.done, r.id
	r.alive = false
	r.mu.Unlock()
	if cmd == nil {
		return id
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	return id
}

// stop ends every replica: SIGTERM, then SIGKILL after grace.
func (c *cluster) stop(grace time.Duration) {
	var wg sync.WaitGroup
	for _, r := range c.replicas {
		r.mu.Lock()
		cmd, done, alive := r.cmd, r.done, r.alive
		r.alive = false
		r.mu.Unlock()
		if cmd == nil || !alive {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(grace):
				_ = cmd.Process.Signal(syscall.SIGKILL)
				<-done
			}
		}()
	}
	wg.Wait()
}

// crash records a replica that exited without being killed or stopped:
// a bug (a panic, the race detector), which ends the run.
func (c *cluster) crash(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed == nil {
		c.crashed = err
	}
}

// failure is the first replica crash, if any.
func (c *cluster) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

func (r *replica) setDead() {
	r.mu.Lock()
	r.alive = false
	r.mu.Unlock()
}

// isAlive reports whether r's process runs (as far as the run knows).
func (r *replica) isAlive() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.alive {
		return false
	}
	select {
	case <-r.done:
		r.alive = false
	default:
	}
	return r.alive
}

func (r *replica) replicaID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

// alive lists the replicas running now, starting after the one the
// turn names, so callers spread over them.
func (c *cluster) alive(turn int) []*replica {
	var out []*replica
	for i := range c.replicas {
		r := c.replicas[(turn+i)%len(c.replicas)]
		if r.isAlive() {
			out = append(out, r)
		}
	}
	return out
}

// request sends one API request to r.
func (c *cluster) request(ctx context.Context, r *replica, method, path string, body io.Reader, key string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+r.addr+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.http.Do(req)
}

// getFrom reads path from r's API into out.
func (c *cluster) getFrom(ctx context.Context, r *replica, path string, out any) error {
	resp, err := c.request(ctx, r, http.MethodGet, path, nil, "")
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// get reads path from whichever replica answers, trying each alive one
// in turn until ctx ends.
func (c *cluster) get(ctx context.Context, path string, out any) error {
	var last error
	for turn := 0; ctx.Err() == nil; turn++ {
		for _, r := range c.alive(turn) {
			if last = c.getFrom(ctx, r, path, out); last == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.Join(ctx.Err(), last)
}

// replicaConfig is the config path of replica n in dir.
func replicaConfig(dir string, n int) string {
	return filepath.Join(dir, fmt.Sprintf("replica-%d.yaml", n))
}
