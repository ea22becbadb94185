package egress

import (
	"errors"
	"io"
	"math"
	"net/netip"
	"strings"
)

// policy is a parsed allowlist. Port 0 in a set means any port.
type policy struct {
	names    map[string]map[int]bool
	addrs    map[netip.Addr]map[int]bool
	prefixes []netip.Prefix
	bad      []string
}

func (g Guard) policy() policy {
	p := policy{names: map[string]map[int]bool{}, addrs: map[netip.Addr]map[int]bool{}}
	for _, raw := range g.Allow {
		e := strings.TrimSpace(raw)
		if e == "" {
			continue
		}
		if pfx, err := netip.ParsePrefix(e); err == nil {
			p.prefixes = append(p.prefixes, pfx.Masked())
			continue
		}
		if addr, err := netip.ParseAddr(normalizeHost(e)); err == nil {
			add(p.addrs, canonical(addr), 0)
			continue
		}
		host, portStr := splitHostPort(e)
		port, err := parsePort(portStr)
		switch {
		case err != nil:
			p.bad = append(p.bad, raw)
		case isAddr(host):
			addr, _ := netip.ParseAddr(normalizeHost(host))
			add(p.addrs, canonical(addr), port)
		case validName(normalizeHost(host)):
			add(p.names, normalizeHost(host), port)
		default:
			p.bad = append(p.bad, raw)
		}
	}
	return p
}

func add[K comparable](m map[K]map[int]bool, k K, port int) {
	if m[k] == nil {
		m[k] = map[int]bool{}
	}
	m[k][port] = true
}

func canonical(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

func isAddr(h string) bool {
	_, err := netip.ParseAddr(normalizeHost(h))
	return err == nil
}

// validName accepts DNS names (letters, digits, '-', '_', '.').
func validName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

func (p policy) allowsName(host string, port int) bool {
	ports := p.names[normalizeHost(host)]
	return ports[0] || ports[port]
}

func (p policy) allowsAddr(addr netip.Addr, port int) bool {
	a := canonical(addr)
	if ports := p.addrs[a]; ports[0] || ports[port] {
		return true
	}
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// check decides one connection to addr, reached as host:port.
func (p policy) check(host string, port int, addr netip.Addr) error {
	if p.allowsName(host, port) || p.allowsAddr(addr, port) {
		return nil
	}
	if reason := Classify(addr); reason != "" {
		return &RefusedError{Host: normalizeHost(host), Addr: canonical(addr), Reason: reason}
	}
	return nil
}

// ReadCapped reads at most max bytes of r. truncated reports that r had
// more; the caller decides whether a cut response is an error (a run
// history keeps the head, a JSON parse refuses it).
func ReadCapped(r io.Reader, max int64) (data []byte, truncated bool, err error) {
	if max < 0 {
		return nil, false, errors.New("read cap must not be negative")
	}
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	data, err = io.ReadAll(io.LimitReader(r, limit))
	if int64(len(data)) > max {
		return data[:max], true, err
	}
	return data, false, err
}
