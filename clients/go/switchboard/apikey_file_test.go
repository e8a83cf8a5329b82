package switchboard_test

// The API key from a file ($SWITCHBOARD_API_KEY_FILE, as a Kubernetes launch mounts it), against
// the live server: the same rules as the Rust agent client.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

// keyFile writes content to a fresh file and leaves only $SWITCHBOARD_API_KEY_FILE naming it set.
func keyFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api-key")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(switchboard.EnvAPIKey, "")
	t.Setenv(switchboard.EnvAPIKeyFile, path)
	return path
}

func TestAnAgentConnectsWithTheKeyFile(t *testing.T) {
	ctx := context.Background()
	keyFile(t, os.Getenv("SWITCHBOARD_API_KEY")+"\n")
	a := must(switchboard.NewAgentFromEnv("go-key-file"))(t)
	defer a.Close()
	s := must(a.StartSession(ctx, switchboard.StartOptions{Name: "key from a file"}))(t)
	must(s.Step(ctx, "connected with the mounted credential"))(t)
	ended := must(s.End(ctx, pb.SessionOutcome_SESSION_OUTCOME_COMPLETED, "done"))(t)
	if ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_COMPLETED {
		t.Fatalf("status: %v", ended.GetStatus())
	}
}

func TestTheKeyFileIsWhatAuthenticates(t *testing.T) {
	keyFile(t, "sb_live_not-a-key\n")
	a := must(switchboard.NewAgentFromEnv("go-key-file"))(t)
	defer a.Close()
	_, err := a.StartSession(context.Background(), switchboard.StartOptions{Name: "wrong key"})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("want Unauthenticated, got %v", err)
	}
}

func TestTheKeyVariableWinsOverTheFile(t *testing.T) {
	key := os.Getenv("SWITCHBOARD_API_KEY")
	keyFile(t, "sb_live_not-a-key\n")
	t.Setenv(switchboard.EnvAPIKey, key)
	a := must(switchboard.NewAgentFromEnv("go-key-file"))(t)
	defer a.Close()
	s := must(a.StartSession(context.Background(), switchboard.StartOptions{Name: "variable first"}))(t)
	must(s.Finish(context.Background(), nil))(t)
	// A blank variable counts as unset.
	t.Setenv(switchboard.EnvAPIKey, "  ")
	if got := must(switchboard.APIKeyFromEnv())(t); got != "sb_live_not-a-key" {
		t.Fatalf("key from the file: %q", got)
	}
}

func TestAnUnusableKeyFileIsNamed(t *testing.T) {
	path := keyFile(t, " \n")
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct{ file, want string }{
		{path, fmt.Sprintf("SWITCHBOARD_API_KEY_FILE=%q cannot be used: it is empty", path)},
		{missing, fmt.Sprintf("SWITCHBOARD_API_KEY_FILE=%q cannot be used: ", missing)},
		{"", "SWITCHBOARD_API_KEY is not set"},
	} {
		t.Setenv(switchboard.EnvAPIKeyFile, c.file)
		_, err := switchboard.NewAgentFromEnv("unused")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("file %q: want an error containing %q, got %v", c.file, c.want, err)
		}
	}
}
