package switchboard_test

// https:// end to end against the second server of `scripts/with-server.sh --tls`, which serves
// TLS only with a certificate from a CA made for the run.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

func tlsURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("SWITCHBOARD_TLS_URL")
	if url == "" {
		t.Skip("needs scripts/with-server.sh --tls")
	}
	return url
}

func tlsAgent(t *testing.T, opts ...grpc.DialOption) (*switchboard.Agent, error) {
	t.Helper()
	a, err := switchboard.NewAgent("go-tls-"+switchboard.NewRequestID()[:8], tlsURL(t), os.Getenv("SWITCHBOARD_TLS_API_KEY"), opts...)
	if err == nil {
		t.Cleanup(func() { a.Close() })
		a.Retry.MaxAttempts = 1
	}
	return a, err
}

func TestHTTPSWithTheCAFromTheEnvironment(t *testing.T) {
	ctx := context.Background()
	t.Setenv(switchboard.EnvCAFile, os.Getenv("SWITCHBOARD_TLS_CA_FILE"))
	a := must(tlsAgent(t))(t)
	s := must(a.StartSession(ctx, switchboard.StartOptions{Name: "over tls"}))(t)
	must(s.Step(ctx, "encrypted step"))(t)
	must(s.End(ctx, pb.SessionOutcome_SESSION_OUTCOME_COMPLETED, "done"))(t)

	d := must(switchboard.Login(ctx, tlsURL(t), os.Getenv("SWITCHBOARD_EMAIL"), os.Getenv("SWITCHBOARD_PASSWORD")))(t)
	defer d.Close()
	msgs := must(d.ListMessages(ctx, s.ID))(t)
	var steps []string
	for _, m := range msgs {
		if st := m.GetStep(); st != nil {
			steps = append(steps, st.GetText())
		}
	}
	if strings.Join(steps, "|") != "encrypted step" {
		t.Fatalf("steps over TLS: %q", steps)
	}
}

func TestHTTPSWithTheCAChosenInCode(t *testing.T) {
	t.Setenv(switchboard.EnvCAFile, "")
	creds := must(switchboard.TLSCredentials(os.Getenv("SWITCHBOARD_TLS_CA_FILE")))(t)
	a := must(tlsAgent(t, grpc.WithTransportCredentials(creds)))(t)
	must(a.StartSession(context.Background(), switchboard.StartOptions{Name: "ca in code"}))(t)
}

func TestAnUntrustedServerIsRefused(t *testing.T) {
	for name, caFile := range map[string]string{
		"wrong CA":     os.Getenv("SWITCHBOARD_TLS_WRONG_CA"),
		"system roots": "",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(switchboard.EnvCAFile, caFile)
			a := must(tlsAgent(t))(t)
			_, err := a.StartSession(context.Background(), switchboard.StartOptions{Name: "must not start"})
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("want UNAVAILABLE for an untrusted certificate, got %v", err)
			}
		})
	}
}

func TestABadCAFileIsAClearError(t *testing.T) {
	tlsURL(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{filepath.Join(dir, "missing.pem"): "cannot read the CA file", notPEM: "no PEM certificate"} {
		t.Setenv(switchboard.EnvCAFile, path)
		_, err := tlsAgent(t)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("CA file %s: want %q, got %v", path, want, err)
		}
	}
}
