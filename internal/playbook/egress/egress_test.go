package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResolver answers from a table, so no test needs DNS.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, fmt.Errorf("no such host %s", host)
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		out = append(out, netip.MustParseAddr(ip))
	}
	return out, nil
}

var names = fakeResolver{
	"rebind.test": {"127.0.0.1"},
	"public.test": {"8.8.8.8"},
	"mixed.test":  {"8.8.8.8", "10.0.0.7"},
	"meta.test":   {"169.254.169.254"},
}

// dialRecorder is a Dial hook that only ever connects to loopback (the
// test receivers) and fails the test if the guard lets anything else
// through, so no test can send a packet to a private or public address.
type dialRecorder struct {
	t    *testing.T
	mu   sync.Mutex
	seen []string
}

func (d *dialRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		d.t.Errorf("guard let a dial to %s through", addr)
		return nil, errors.New("test refuses to dial a non-loopback address")
	}
	d.mu.Lock()
	d.seen = append(d.seen, addr)
	d.mu.Unlock()
	return defaultDial(ctx, network, addr)
}

func setup(t *testing.T, allow ...string) (Guard, *dialRecorder) {
	t.Helper()
	rec := &dialRecorder{t: t}
	return Guard{Allow: allow, Resolver: names, Dial: rec.dial}, rec
}

func TestCheckURLRefuses(t *testing.T) {
	t.Parallel()
	g, _ := setup(t)
	tests := []struct{ url, reason string }{
		{"http://127.0.0.1/", "127.0.0.1 is a loopback address"},
		{"http://10.0.0.1/", "10.0.0.1 is a private address"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"},
		{"http://rebind.test:8080/", "rebind.test resolves to 127.0.0.1, a loopback address"},
		{"http://meta.test/", "the cloud metadata address"},
		{"http://mixed.test/", "10.0.0.7, a private address"},
		{"http://[::1]:9000/", "::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]/", "127.0.0.1, a loopback address"},
		{"http://[::ffff:169.254.169.254]/", "the cloud metadata address"},
		{"http://[::ffff:a00:1]/", "a private address"},
		{"http://[fe80::1]/", "a link-local address"},
		{"http://[fc00::1]/", "a private address"},
		{"http://[fd00:ec2::254]/", "a private address"},
		{"http://[64:ff9b::a00:1]/", "a private address (embedded in 64:ff9b::a00:1)"},
		{"http://[2002:7f00:1::]/", "a loopback address (embedded in 2002:7f00:1::)"},
		{"http://[::]/", "an unspecified address"},
		{"http://0.0.0.0/", "an unspecified address"},
		{"http://100.64.0.1/", "carrier-grade NAT"},
		{"http://172.16.5.4/", "a private address"},
		{"http://192.168.1.1/", "a private address"},
		{"http://224.0.0.1/", "a multicast address"},
		{"http://255.255.255.255/", "the broadcast address"},
		{"http://metadata.google.internal/computeMetadata/v1/", "a cloud metadata host name"},
		{"http://METADATA.google.internal./", "a cloud metadata host name"},
		{"ftp://public.test/", "not an http or https URL"},
		{"file:///etc/passwd", "not an http or https URL"},
	}
	for _, tc := range tests {
		err := g.CheckURL(context.Background(), tc.url)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: err = %v, want refusal containing %q", tc.url, err, tc.reason)
			continue
		}
		if !strings.HasPrefix(err.Error(), "refused: ") {
			t.Errorf("%s: message %q", tc.url, err)
		}
	}
}

// TestLocalhostWithTheSystemResolver resolves "localhost" for real (from
// the hosts file; no DNS query leaves the machine).
func TestLocalhostWithTheSystemResolver(t *testing.T) {
	t.Parallel()
	err := Guard{}.CheckURL(context.Background(), "http://localhost:8080/")
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "localhost resolves to") ||
		!strings.Contains(err.Error(), "a loopback address; add it to the playbook's allowlist") {
		t.Fatalf("err = %v", err)
	}
	if err := (Guard{Allow: []string{"localhost"}}).CheckURL(context.Background(), "http://localhost:8080/"); err != nil {
		t.Fatalf("allowlisted localhost: %v", err)
	}
}

func TestCheckURLAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		allow []string
		url   string
		ok    bool
	}{
		{nil, "https://8.8.8.8/", true},
		{nil, "https://public.test/hook", true},
		{[]string{"10.0.0.0/8"}, "http://10.0.0.1/", true},
		{[]string{"10.0.0.0/8"}, "http://11.0.0.1/", true},
		{[]string{"10.0.0.0/8"}, "http://192.168.0.1/", false},
		{[]string{"169.254.169.254"}, "http://169.254.169.254/", true},
		{[]string{"rebind.test"}, "http://rebind.test:8080/", true},
		{[]string{"rebind.test:8080"}, "http://rebind.test:9090/", false},
		{[]string{"127.0.0.1:8080"}, "http://127.0.0.1:8080/", true},
		{[]string{"127.0.0.1:8080"}, "http://127.0.0.1:9090/", false},
		{[]string{"[::1]:8080"}, "http://[::1]:8080/", true},
		{[]string{"::1"}, "http://[::ffff:127.0.0.1]/", false},
		{[]string{"127.0.0.1"}, "http://[::ffff:127.0.0.1]/", true},
		{[]string{"fc00::/7"}, "http://[fd12::1]/", true},
		{[]string{"metadata.google.internal"}, "http://metadata.google.internal/", false}, // allowed by name, then no such host here
	}
	for _, tc := range tests {
		g, _ := setup(t, tc.allow...)
		err := g.CheckURL(context.Background(), tc.url)
		if tc.ok != (err == nil) {
			t.Errorf("allow %v, %s: err = %v, want ok=%v", tc.allow, tc.url, err, tc.ok)
		}
		if !tc.ok && tc.url == "http://metadata.google.internal/" && errors.Is(err, ErrRefused) {
			t.Errorf("allowlisted metadata name still refused: %v", err)
		}
	}
}

func TestClientLoopbackOnlyWhenAllowlisted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"refused by default", nil, srv.URL, false},
		{"allowed by IP", []string{"127.0.0.1"}, srv.URL, true},
		{"allowed by IP and port", []string{fmt.Sprintf("127.0.0.1:%d", port)}, srv.URL, true},
		{"other port refused", []string{"127.0.0.1:1"}, srv.URL, false},
		{"allowed by CIDR", []string{"127.0.0.0/8"}, srv.URL, true},
		{"name to loopback refused", nil, fmt.Sprintf("http://rebind.test:%d/", port), false},
		{"name to loopback allowed", []string{"rebind.test"}, fmt.Sprintf("http://rebind.test:%d/", port), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, rec := setup(t, tc.allow...)
			body, err := get(t, g.Client(nil), tc.url)
			if tc.ok && (err != nil || body != "ok") {
				t.Fatalf("got %q, %v", body, err)
			}
			if !tc.ok && (!errors.Is(err, ErrRefused) || len(rec.seen) != 0) {
				t.Fatalf("err = %v, dialled %v; want a refusal before any dial", err, rec.seen)
			}
		})
	}
}

func get(t *testing.T, c *http.Client, u string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _, err := ReadCapped(resp.Body, 1<<10)
	return string(b), err
}

func TestClientRefusesRedirectToInternal(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://metadata.goog/", "gopher://public.test/"} {
		srv := httptest.NewServer(http.RedirectHandler(target, http.StatusFound))
		g, rec := setup(t, "127.0.0.1")
		_, err := get(t, g.Client(nil), srv.URL)
		srv.Close()
		var uerr *url.Error
		if !errors.Is(err, ErrRefused) || !errors.As(err, &uerr) || !strings.Contains(err.Error(), "redirect to") {
			t.Errorf("redirect to %s: err = %v", target, err)
		}
		if len(rec.seen) != 1 {
			t.Errorf("redirect to %s: dialled %v, want only the first server", target, rec.seen)
		}
	}
}

func TestClientKeepsBaseButDropsProxy(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	proxy, _ := url.Parse("http://127.0.0.1:1")
	base := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	g, _ := setup(t, "127.0.0.1")
	c := g.Client(base)
	if c.Timeout != base.Timeout || c.Transport.(*http.Transport).Proxy != nil {
		t.Fatalf("client = %+v", c)
	}
	if body, err := get(t, c, srv.URL); err != nil || body != "ok" {
		t.Fatalf("got %q, %v", body, err)
	}
}

func TestControlRefusesUnapprovedAddress(t *testing.T) {
	t.Parallel()
	ctx := context.WithValue(context.Background(), approvedKey{}, []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	if err := control(ctx, "tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("approved address refused: %v", err)
	}
	if err := control(ctx, "tcp4", "127.0.0.2:80", nil); !errors.Is(err, ErrRefused) {
		t.Errorf("unapproved address: err = %v", err)
	}
	if err := control(context.Background(), "tcp6", "[::1]:80", nil); !errors.Is(err, ErrRefused) {
		t.Errorf("no approval: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := Guard{Allow: []string{"127.0.0.1", "[::1]:8080", "::1", "10.0.0.0/8", "receiver.internal", "receiver.internal:9000", " "}}
	if err := good.Validate(); err != nil {
		t.Errorf("good: %v", err)
	}
	bad := Guard{Allow: []string{"http://x/", "host:99999", "bad host", "10.0.0.0/33"}}
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "http://x/, host:99999, bad host, 10.0.0.0/33 (") {
		t.Errorf("bad: %v", err)
	}
}

func TestReadCapped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		max       int64
		want      string
		truncated bool
	}{
		{"hello", 10, "hello", false},
		{"hello", 5, "hello", false},
		{"hello", 4, "hell", true},
		{"hello", 0, "", true},
		{"", 0, "", false},
	}
	for _, tc := range tests {
		got, truncated, err := ReadCapped(strings.NewReader(tc.in), tc.max)
		if err != nil || string(got) != tc.want || truncated != tc.truncated {
			t.Errorf("ReadCapped(%q, %d) = %q, %v, %v", tc.in, tc.max, got, truncated, err)
		}
	}
	if _, _, err := ReadCapped(strings.NewReader("x"), -1); err == nil {
		t.Error("negative cap accepted")
	}
}
