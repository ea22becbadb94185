// Package egress guards the outbound HTTP of playbook steps against SSRF.
//
// A playbook's Request URL step takes its URL from the playbook author, and
// its templates may put alert data into it, so without a guard a step could
// reach the hub's own admin port, a database on the private network or the
// cloud metadata service. The guard checks the address a connection is
// actually made to, after DNS resolution and again in the dialer's Control
// hook, so a name that resolves to a public address when checked and a
// private one when dialled (DNS rebinding) gains nothing: the dialer connects
// to the checked IP literal. Redirects are checked the same way.
//
// Refused unless the playbook's allowlist names them: loopback, private
// (RFC 1918, fc00::/7), link-local (169.254/16 with the metadata address,
// fe80::/10), CGNAT 100.64/10, unspecified, multicast, broadcast and other
// reserved ranges, the same addresses written as IPv4-mapped, IPv4-compatible,
// NAT64 or 6to4 IPv6, and the cloud metadata host names. Public addresses
// need no allowlist entry.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrRefused matches every refusal, for errors.Is.
var ErrRefused = errors.New("refused by the playbook egress guard")

// RefusedError says what was refused and how to allow it.
type RefusedError struct {
	Host   string     // the host as written in the URL
	Addr   netip.Addr // the address refused; zero for a refused name or scheme
	Reason string     // "a loopback address", "a cloud metadata host name"...
}

func (e *RefusedError) Error() string {
	switch {
	case !e.Addr.IsValid():
		return fmt.Sprintf("refused: %s is %s", e.Host, e.Reason) + allowHint(e.Reason)
	case e.Host != "" && e.Host != e.Addr.String():
		return fmt.Sprintf("refused: %s resolves to %s, %s; add it to the playbook's allowlist to allow it", e.Host, e.Addr, e.Reason)
	}
	return fmt.Sprintf("refused: %s is %s; add it to the playbook's allowlist to allow it", e.Addr, e.Reason)
}

func allowHint(reason string) string {
	if strings.HasPrefix(reason, "not ") {
		return ""
	}
	return "; add it to the playbook's allowlist to allow it"
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// metadataHosts are names cloud providers give their instance metadata
// service; they are refused by name, before any lookup.
var metadataHosts = map[string]bool{
	"metadata": true, "metadata.google.internal": true, "metadata.goog": true,
	"instance-data": true, "instance-data.ec2.internal": true, "metadata.azure.com": true,
	"metadata.tencentyun.com": true, "metadata.oraclecloud.com": true,
}

// special are ranges refused that netip's predicates do not cover.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a 'this network' address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address (100.64.0.0/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
}

// embedded are IPv6 forms that carry an IPv4 address, and where it sits.
var embedded = []struct {
	prefix netip.Prefix
	offset int // byte offset of the IPv4 address in the IPv6 one
}{
	{netip.MustParsePrefix("::/96"), 12},          // IPv4-compatible (deprecated)
	{netip.MustParsePrefix("64:ff9b::/96"), 12},   // NAT64
	{netip.MustParsePrefix("64:ff9b:1::/48"), 12}, // local-use NAT64
	{netip.MustParsePrefix("2002::/16"), 2},       // 6to4
}

// Classify names why addr is internal, or returns "" for a public address.
func Classify(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsUnspecified():
		return "an unspecified address"
	}
	if addr.Is6() {
		for _, e := range embedded {
			if e.prefix.Contains(addr) {
				b := addr.As16()
				v4 := netip.AddrFrom4([4]byte(b[e.offset : e.offset+4]))
				if r := Classify(v4); r != "" {
					return r + " (embedded in " + addr.String() + ")"
				}
			}
		}
	}
	switch {
	case addr == netip.AddrFrom4([4]byte{169, 254, 169, 254}):
		return "the cloud metadata address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast address"
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	for _, s := range special {
		if s.prefix.Contains(addr) {
			return s.reason
		}
	}
	return ""
}

// normalizeHost lower-cases a host name and drops a trailing dot and IPv6
// brackets, so "LOCALHOST." and "localhost" are one name.
func normalizeHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// parsePort reads a port; "" means any.
func parsePort(p string) (int, error) {
	if p == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("bad port %q", p)
	}
	return n, nil
}

// splitHostPort accepts "host", "host:port", "[v6]:port" and a bare v6.
func splitHostPort(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return s, ""
}
