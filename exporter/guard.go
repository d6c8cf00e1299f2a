package exporter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Article bodies are written by whoever wrote the article, and every image
// URL in them is fetched from the machine running the backup. Left alone,
// an article could make that machine request its own admin pages, a
// router, or a cloud metadata service, and the answer would land in the
// archive. So downloads (images, voices, videos, pages) connect only to
// public addresses: the check runs in the dialer, on the address actually
// dialled after DNS resolution and for every redirect, so that neither a
// name that resolves to 127.0.0.1 nor one whose answer changes between a
// check and the connection (DNS rebinding) gets through.
//
// Two exceptions: AllowPrivateHosts lifts the check (a LAN mirror, tests),
// and the loopback address of a base URL the user gave (--api-base,
// --page-base: the fake API, a local mirror) is reachable, since the
// media of the articles it serves are on that same host.

// ErrPrivateAddress is the cause of a download refused by the address
// check.
var ErrPrivateAddress = errors.New("refused: a loopback, private or link-local address (--allow-private-hosts allows it)")

// addressGuard decides which addresses a download may connect to.
type addressGuard struct {
	allowPrivate bool
	// allowed are the exact ip:port pairs of loopback bases.
	allowed map[netip.AddrPort]bool
}

// newAddressGuard allows, besides public addresses, the loopback address
// of each base URL that names one (see LoopbackBase).
func newAddressGuard(allowPrivate bool, bases ...string) *addressGuard {
	g := &addressGuard{allowPrivate: allowPrivate, allowed: map[netip.AddrPort]bool{}}
	for _, b := range bases {
		for _, ap := range loopbackAddrs(b) {
			g.allowed[ap] = true
		}
	}
	return g
}

// control is a net.Dialer Control func: it runs after resolution, on the
// address about to be connected to.
func (g *addressGuard) control(network, address string, _ syscall.RawConn) error {
	if g.allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%s: %w", address, ErrPrivateAddress)
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if g.allowed[ap] || isPublic(ap.Addr()) {
		return nil
	}
	return fmt.Errorf("%s: %w", address, ErrPrivateAddress)
}

// sharedAddressSpace is 100.64.0.0/10, carrier-grade NAT: not the public
// internet either.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// isPublic tells an address on the public internet.
func isPublic(a netip.Addr) bool {
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !sharedAddressSpace.Contains(a) &&
		!(a.Is4() && a.As4()[0] == 0)
}

// LoopbackBase reports an http(s) base URL whose host is this machine:
// localhost or a loopback address.
func LoopbackBase(base string) bool { return len(loopbackAddrs(base)) > 0 }

// loopbackAddrs lists the loopback ip:port pairs base names.
func loopbackAddrs(base string) []netip.AddrPort {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := netip.ParseAddrPort("127.0.0.1:" + port)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return []netip.AddrPort{p, netip.AddrPortFrom(netip.IPv6Loopback(), p.Port())}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().IsLoopback() {
		return nil
	}
	return []netip.AddrPort{netip.AddrPortFrom(a.Unmap(), p.Port())}
}

// NewDownloadClient is the HTTP client for images, voices, videos and
// article pages: its dialer refuses every address that is not public
// (addressGuard) unless allowPrivate, except the loopback addresses of
// bases. A proxy from the environment (HTTPS_PROXY…) is dialled as given:
// through one, checking the final address is the proxy's job. Deadlines
// are per request (getter), not on the client.
func NewDownloadClient(allowPrivate bool, bases ...string) *http.Client {
	guard := newAddressGuard(allowPrivate, bases...)
	guarded := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: guard.control}
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	proxies := proxyAddrs()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[strings.ToLower(addr)] {
			return plain.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	t.MaxIdleConns = 64
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}
}

// proxyAddrs lists the host:port of the proxies the environment names.
func proxyAddrs() map[string]bool {
	out := map[string]bool{}
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v
		}
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			continue
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443", "socks5": "1080"}[u.Scheme]
			if port == "" {
				port = "80"
			}
		}
		out[strings.ToLower(net.JoinHostPort(u.Hostname(), port))] = true
	}
	return out
}
