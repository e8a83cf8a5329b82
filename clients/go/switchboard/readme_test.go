package switchboard_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
)

// TestReadmeExample checks that the README shows examples/quickstart verbatim, then runs it
// with the dashboard as the person.
func TestReadmeExample(t *testing.T) {
	example, err := os.ReadFile("../examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(example)+"```") {
		t.Fatal("README.md does not contain examples/quickstart/main.go verbatim")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "quickstart")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../examples/quickstart").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dash := person(t)
	cmd := exec.CommandContext(ctx, bin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sess *pb.Session
	for sess == nil && ctx.Err() == nil {
		list, err := dash.Client.ListSessions(ctx, &pb.ListSessionsRequest{
			Statuses: []pb.SessionStatus{pb.SessionStatus_SESSION_STATUS_ACTIVE, pb.SessionStatus_SESSION_STATUS_AWAITING_INPUT}})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list.GetSessions() {
			if s.GetAgentName() == "changelog-bot" {
				sess = s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if sess == nil {
		t.Fatalf("the example did not start a session: %s", stderr.String())
	}
	q := must(dash.WaitForQuestion(ctx, sess.GetId()))(t)
	if q.GetText() != "Remove the duplicates?" || q.GetDeadlineTime() == nil {
		t.Fatalf("question %v", q)
	}
	must(dash.Answer(ctx, sess.GetId(), q.GetId(), []string{"remove-them"}, ""))(t)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("example: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "The person chose: [remove-them]") {
		t.Fatalf("example printed %q", stdout.String())
	}
	if got := must(dash.GetSession(ctx, sess.GetId()))(t).GetSession(); got.GetStatus() != pb.SessionStatus_SESSION_STATUS_COMPLETED {
		t.Fatalf("status %v", got.GetStatus())
	}
}
