// Package switchboard is the Go client of Switchboard: a dial helper with bearer auth, an agent
// helper (Agent, Session) over AgentService and a small person-side helper (Dashboard) over
// AuthService and DashboardService. The generated stubs are in
// github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1.
package switchboard

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Environment variables read by the *FromEnv constructors.
const (
	EnvURL    = "SWITCHBOARD_URL"
	EnvAPIKey = "SWITCHBOARD_API_KEY"
	// EnvAPIKeyFile names a file holding the API key, read when $SWITCHBOARD_API_KEY is unset (a
	// Kubernetes launch mounts the session's credential as a file, never a variable).
	EnvAPIKeyFile = "SWITCHBOARD_API_KEY_FILE"
	// EnvCAFile names a PEM file of CA certificates that https:// connections trust instead of
	// the system's roots (a private CA). Read by Dial, so by every constructor.
	EnvCAFile = "SWITCHBOARD_CA_FILE"
)

// bearer sends `authorization: Bearer <token>` with every RPC.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity is false for http:// URLs (plaintext HTTP/2 to a local server).
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// Dial opens a client connection to rawURL (http://host:port for plaintext, https://host[:port]
// for TLS, or a bare host:port meaning plaintext). TLS verifies the server against the system's
// roots, or the CA file named by $SWITCHBOARD_CA_FILE; pass
// grpc.WithTransportCredentials(TLSCredentials(path)) in opts to choose another. When token is
// not empty it is sent as bearer auth on every RPC (an API key for AgentService, an access token
// for DashboardService). The connection is lazy: errors show up on the first RPC.
func Dial(rawURL, token string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	target, secure, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var dialOpts []grpc.DialOption
	if secure {
		creds, err := TLSCredentials(os.Getenv(EnvCAFile))
		if err != nil {
			return nil, err
		}
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(creds))
	} else {
		dialOpts = append(dialOpts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{token: token, secure: secure}))
	}
	return grpc.NewClient(target, append(dialOpts, opts...)...)
}

// TLSCredentials verifies servers against the CA certificates in the PEM file caFile, or the
// system's roots when caFile is empty. The server's name is always checked.
func TLSCredentials(caFile string) (credentials.TransportCredentials, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("switchboard: cannot read the CA file (%s): %w", EnvCAFile, err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("switchboard: the CA file %q (%s) holds no PEM certificate", caFile, EnvCAFile)
		}
		cfg.RootCAs = roots
	}
	return credentials.NewTLS(cfg), nil
}

// ParseURL turns a Switchboard URL into a gRPC target and whether it uses TLS.
func ParseURL(rawURL string) (target string, secure bool, err error) {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return "", false, fmt.Errorf("switchboard: empty server URL (set %s)", EnvURL)
	}
	if !strings.Contains(rawURL, "://") {
		return rawURL, false, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false, fmt.Errorf("switchboard: bad server URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "http":
	case "https":
		secure = true
	default:
		return "", false, fmt.Errorf("switchboard: unsupported URL scheme %q (use http or https)", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		if secure {
			host += ":443"
		} else {
			host += ":80"
		}
	}
	return host, secure, nil
}

// NewRequestID returns a random UUID (version 4), the idempotency key of one logical write.
func NewRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// RetryPolicy says how calls failing with a retryable code are retried. Writes keep their
// request id across retries, so the server applies them once.
type RetryPolicy struct {
	MaxAttempts    int           // total attempts, including the first (default 6)
	InitialBackoff time.Duration // default 200 ms
	MaxBackoff     time.Duration // default 5 s
	Multiplier     float64       // default 2
	RetryableCodes []codes.Code  // default: Unavailable
}

// DefaultRetryPolicy retries UNAVAILABLE 5 times over about 6 seconds.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts: 6, InitialBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second, Multiplier: 2,
	RetryableCodes: []codes.Code{codes.Unavailable},
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.InitialBackoff > 0 {
		d.InitialBackoff = p.InitialBackoff
	}
	if p.MaxBackoff > 0 {
		d.MaxBackoff = p.MaxBackoff
	}
	if p.Multiplier > 0 {
		d.Multiplier = p.Multiplier
	}
	if p.RetryableCodes != nil {
		d.RetryableCodes = p.RetryableCodes
	}
	return d
}

func (p RetryPolicy) retryable(err error, attempt int) bool {
	if attempt+1 >= p.MaxAttempts {
		return false
	}
	c := status.Code(err)
	for _, rc := range p.RetryableCodes {
		if c == rc {
			return true
		}
	}
	return false
}

func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(attempt))
	if d > float64(p.MaxBackoff) {
		d = float64(p.MaxBackoff)
	}
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// withRetry calls fn until it succeeds, fails with a non-retryable error, or attempts run out.
func withRetry[T any](ctx context.Context, p RetryPolicy, fn func(context.Context) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn(ctx)
		if err == nil || !p.retryable(err, attempt) {
			return v, err
		}
		if serr := sleep(ctx, p.backoff(attempt)); serr != nil {
			return v, err
		}
	}
}

// APIKeyFromEnv returns $SWITCHBOARD_API_KEY when set and not blank, else the contents of the
// file $SWITCHBOARD_API_KEY_FILE names, surrounding whitespace (the file's trailing newline)
// trimmed: the same rules as every other Switchboard client.
func APIKeyFromEnv() (string, error) {
	if key := strings.TrimSpace(os.Getenv(EnvAPIKey)); key != "" {
		return key, nil
	}
	path := os.Getenv(EnvAPIKeyFile)
	if path == "" {
		return "", fmt.Errorf("switchboard: %s is not set (nor %s)", EnvAPIKey, EnvAPIKeyFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("switchboard: %s=%q cannot be used: %w", EnvAPIKeyFile, path, err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		return "", fmt.Errorf("switchboard: %s=%q cannot be used: it is empty", EnvAPIKeyFile, path)
	}
	return key, nil
}

func envOr(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}
