package switchboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

// decideWhenAsked runs the person in a goroutine: waits for the session's open approval, checks
// it and decides it. The returned channel yields the person's error (nil when all went well).
func decideWhenAsked(ctx context.Context, dash *switchboard.Dashboard, sessionID string, check func(*pb.ToolApproval) error,
	decision pb.ApprovalDecision, reason, updated string) <-chan error {
	done := make(chan error, 1)
	go func() {
		a, err := dash.WaitForApproval(ctx, sessionID)
		if err == nil && check != nil {
			err = check(a)
		}
		if err == nil {
			_, err = dash.Decide(ctx, sessionID, a.GetId(), decision, reason, updated)
		}
		done <- err
	}()
	return done
}

func TestRequestApprovalAllowedThenAllowedForTheSession(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "approvals"}))(t)
	checkShell := func(a *pb.ToolApproval) error {
		if a.GetToolName() != "Bash" || a.GetPreview().GetShellCommand().GetCommand() != "go test ./..." {
			return errors.New("unexpected approval " + a.String())
		}
		got, err := dash.GetSession(ctx, sess.ID)
		if err == nil && got.GetSession().GetStatus() != pb.SessionStatus_SESSION_STATUS_AWAITING_INPUT {
			return errors.New("session not AWAITING_INPUT while an approval is open: " + got.GetSession().GetStatus().String())
		}
		return err
	}
	decided := decideWhenAsked(ctx, dash, sess.ID, checkShell, pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_ONCE, "", `{"command":"go test -race ./..."}`)
	r, err := sess.RequestApproval(ctx, switchboard.Approval{ToolName: "Bash", Input: map[string]string{"command": "go test ./..."},
		Preview: switchboard.ShellPreview("Run the tests", "go test ./..."), InputEditable: true})
	if perr := <-decided; perr != nil {
		t.Fatalf("person: %v", perr)
	}
	if err != nil {
		t.Fatalf("request approval: %v", err)
	}
	if r.GetDecision() != pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_ONCE || r.GetDecidedBy() != pb.Sender_SENDER_USER {
		t.Fatalf("result %v", r)
	}
	var edited map[string]string
	if err := json.Unmarshal([]byte(r.GetUpdatedInputJson()), &edited); err != nil || edited["command"] != "go test -race ./..." {
		t.Fatalf("updated input %q (%v)", r.GetUpdatedInputJson(), err)
	}

	decided = decideWhenAsked(ctx, dash, sess.ID, nil, pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_SESSION, "", "")
	r = must(sess.RequestApproval(ctx, switchboard.Approval{ToolName: "Read", Input: map[string]string{"file_path": "go.mod"},
		Preview: &pb.ApprovalPreview{Summary: "Read go.mod"}}))(t)
	if perr := <-decided; perr != nil {
		t.Fatalf("person: %v", perr)
	}
	if r.GetDecision() != pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_SESSION {
		t.Fatalf("result %v", r)
	}
	// The session rule answers the next call of the tool: no person, no wait.
	r = must(sess.RequestApproval(ctx, switchboard.Approval{ToolName: "Read", Input: map[string]string{"file_path": "go.sum"},
		Preview: &pb.ApprovalPreview{Summary: "Read go.sum"}}))(t)
	if r.GetDecidedBy() != pb.Sender_SENDER_SYSTEM || r.GetDecision() == pb.ApprovalDecision_APPROVAL_DECISION_DENY {
		t.Fatalf("second Read: %v", r)
	}
	must(sess.Finish(ctx, nil))(t)
}

func TestRequestApprovalDeniedWithAReasonAndRetriedOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "denied"}))(t)
	decided := decideWhenAsked(ctx, dash, sess.ID, nil, pb.ApprovalDecision_APPROVAL_DECISION_DENY, "not on a Friday", "")
	rid := switchboard.NewRequestID()
	r, err := sess.RequestApproval(ctx, switchboard.Approval{ToolName: "Edit", Input: json.RawMessage(`{"file_path":"main.go"}`),
		Preview: switchboard.FilePreview("Edit main.go", "main.go", sampleDiff)}, switchboard.WithRequestID(rid))
	if perr := <-decided; perr != nil {
		t.Fatalf("person: %v", perr)
	}
	if err != nil {
		t.Fatalf("request approval: %v", err)
	}
	if r.GetDecision() != pb.ApprovalDecision_APPROVAL_DECISION_DENY || r.GetReason() != "not on a Friday" {
		t.Fatalf("result %v", r)
	}
	// A retry with the same request id (say, after a restart) returns the first approval.
	again := must(sess.AskApproval(ctx, switchboard.Approval{ToolName: "Edit", Input: json.RawMessage(`{"file_path":"main.go"}`),
		Preview: switchboard.FilePreview("Edit main.go", "main.go", sampleDiff)}, switchboard.WithRequestID(rid)))(t)
	if again.GetApproval().GetId() != r.GetApprovalId() {
		t.Fatalf("retry made approval %s, first was %s", again.GetApproval().GetId(), r.GetApprovalId())
	}
	must(sess.Finish(ctx, nil))(t)
}

func TestStopRequestInterruptsAWaitingRequestApproval(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "stopped while waiting for approval"}))(t)
	stopErr := make(chan error, 1)
	go func() {
		_, err := dash.WaitForApproval(ctx, sess.ID)
		if err == nil {
			_, err = dash.StopSession(ctx, sess.ID, "not now")
		}
		stopErr <- err
	}()
	_, err := sess.RequestApproval(ctx, switchboard.Approval{ToolName: "Bash", Input: map[string]string{"command": "make deploy"},
		Preview: switchboard.ShellPreview("Deploy", "make deploy")})
	if perr := <-stopErr; perr != nil {
		t.Fatalf("person: %v", perr)
	}
	if !errors.Is(err, switchboard.ErrStopRequested) {
		t.Fatalf("request approval returned %v, want ErrStopRequested", err)
	}
	if ended := must(sess.Finish(ctx, err))(t); ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_STOPPED {
		t.Fatalf("ended as %v", ended.GetStatus())
	}
}

func TestTerminalAnswersFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "terminal first"}))(t)
	asked := must(sess.AskApproval(ctx, switchboard.Approval{ToolName: "WebFetch", Input: map[string]string{"url": "https://go.dev"},
		Preview: switchboard.URLPreview("Fetch go.dev", "https://go.dev"), ToolUseID: "toolu_go_1"}))(t)
	res := must(sess.ResolveApproval(ctx, "", "toolu_go_1", pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_ONCE, ""))(t)
	if !res.GetApplied() || res.GetResult().GetDecidedBy() != pb.Sender_SENDER_AGENT {
		t.Fatalf("resolve: %v", res)
	}
	if r := must(sess.WaitForApproval(ctx, asked.GetApproval().GetId()))(t); r.GetDecision() != pb.ApprovalDecision_APPROVAL_DECISION_ALLOW_ONCE {
		t.Fatalf("wait: %v", r)
	}
	_, err := dash.Decide(ctx, sess.ID, asked.GetApproval().GetId(), pb.ApprovalDecision_APPROVAL_DECISION_DENY, "", "")
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("deciding a decided approval: %v, want FailedPrecondition", err)
	}
	must(sess.Finish(ctx, nil))(t)
}
