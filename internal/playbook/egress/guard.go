package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Resolver looks up a host's addresses; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard is one playbook's egress policy. The zero Guard refuses every
// internal address and allows every public one.
type Guard struct {
	// Allow names what the playbook may reach although it is internal: a
	// host name ("receiver.internal"), host:port, an IP ("127.0.0.1"),
	// IP:port ("[::1]:8080") or a CIDR ("10.20.0.0/16"). A named host is
	// trusted whatever it resolves to.
	Allow []string
	// Resolver defaults to net.DefaultResolver.
	Resolver Resolver
	// Dial connects to an IP:port the guard has already approved; nil
	// means a net.Dialer whose Control hook re-checks the address. Tests
	// set it to prove which addresses are dialled.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// maxRedirects matches net/http's default.
const maxRedirects = 10

// Validate reports allowlist entries that are neither a host, an address
// nor a CIDR, so a playbook is refused when saved rather than when run.
func (g Guard) Validate() error {
	if bad := g.policy().bad; len(bad) > 0 {
		return fmt.Errorf("allowlist entries not understood: %s (use host, host:port, IP, IP:port or CIDR)", strings.Join(bad, ", "))
	}
	return nil
}

// Client returns a copy of base (nil means http.DefaultClient's settings)
// whose connections and redirects go through the guard. An *http.Transport
// in base is cloned with its settings; any other RoundTripper is replaced,
// since the guard cannot see inside it. Proxies are turned off: a proxy
// would connect on the client's behalf, past the guard.
func (g Guard) Client(base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	t, ok := c.Transport.(*http.Transport)
	if !ok || t == nil {
		t = http.DefaultTransport.(*http.Transport)
	}
	t = t.Clone()
	p := g.policy()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return g.dial(ctx, p, network, addr)
	}
	t.DialTLSContext = nil
	if t.MaxResponseHeaderBytes == 0 {
		t.MaxResponseHeaderBytes = 64 << 10
	}
	c.Transport = t
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if err := g.checkURL(req.Context(), p, req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// CheckURL validates a URL as the client would before connecting: http or
// https, and every address its host resolves to allowed. It is for
// validation and dry runs; the client checks again at connect time.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse URL: %w", err)
	}
	return g.checkURL(ctx, g.policy(), u)
}

func (g Guard) checkURL(ctx context.Context, p policy, u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return &RefusedError{Host: u.Scheme + ":", Reason: "not an http or https URL"}
	}
	if u.Hostname() == "" {
		return &RefusedError{Host: u.Redacted(), Reason: "not a URL with a host"}
	}
	port := 80
	if scheme == "https" {
		port = 443
	}
	if u.Port() != "" {
		n, err := strconv.Atoi(u.Port())
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("bad port in %s", u.Redacted())
		}
		port = n
	}
	_, err := g.resolve(ctx, p, u.Hostname(), port)
	return err
}

// resolve returns the addresses to connect to for host:port, refusing the
// lot if any of them is internal and not allowed: a name that mixes public
// and private addresses is refused rather than half trusted.
func (g Guard) resolve(ctx context.Context, p policy, host string, port int) ([]netip.Addr, error) {
	h := normalizeHost(host)
	if metadataHosts[h] && !p.allowsName(h, port) {
		return nil, &RefusedError{Host: host, Reason: "a cloud metadata host name"}
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		if err := p.check(host, port, addr); err != nil {
			return nil, err
		}
		return []netip.Addr{addr}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", h)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, a := range addrs {
		if err := p.check(host, port, a); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// approvedKey carries the addresses the guard approved to the dialer's
// Control hook.
type approvedKey struct{}

// dial resolves and checks addr, then connects to the checked IP literal
// itself, so the name is not resolved a second time.
func (g Guard) dial(ctx context.Context, p policy, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port", addr)
	}
	addrs, err := g.resolve(ctx, p, host, port)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, approvedKey{}, addrs)
	dial := g.Dial
	if dial == nil {
		dial = defaultDial
	}
	var errs []error
	for _, a := range addrs {
		conn, err := dial(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

var defaultDialer = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, ControlContext: control}

func defaultDial(ctx context.Context, network, addr string) (net.Conn, error) {
	return defaultDialer.DialContext(ctx, network, addr)
}

// control runs just before the socket connects: the address must be one
// the guard approved for this dial. It catches any path that reaches the
// dialer without going through resolve.
func control(ctx context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress guard: unexpected address %q", address)
	}
	approved, _ := ctx.Value(approvedKey{}).([]netip.Addr)
	for _, a := range approved {
		if a.Unmap().WithZone("") == ap.Addr().Unmap().WithZone("") {
			return nil
		}
	}
	return &RefusedError{Addr: ap.Addr(), Reason: "an address the guard did not approve"}
}
