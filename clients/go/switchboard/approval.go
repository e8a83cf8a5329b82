package switchboard

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
)

// Approval is a tool call to ask the person about (RequestApproval).
type Approval struct {
	// ToolName is the tool's name as the agent knows it ("Bash", "Edit").
	ToolName string
	// Input is the tool's input: any value that marshals to a JSON object, or a json.RawMessage.
	Input any
	// Preview is what the person sees first: a summary and at most one detail (see ShellPreview,
	// FilePreview, URLPreview).
	Preview *pb.ApprovalPreview
	// ToolUseID is the agent's own id of the call (lets ResolveApproval name it); may be empty.
	ToolUseID string
	// InputEditable lets the person edit the input (the result's UpdatedInputJson).
	InputEditable bool
	// Timeout is the time the person has before Default applies; zero means no deadline.
	Timeout time.Duration
	// Default is applied when Timeout passes: DENY (also when unspecified) or ALLOW_ONCE.
	Default pb.ApprovalDecision
}

// ShellPreview is a preview of a shell command.
func ShellPreview(summary, command string) *pb.ApprovalPreview {
	return &pb.ApprovalPreview{Summary: summary, Detail: &pb.ApprovalPreview_ShellCommand{
		ShellCommand: &pb.ShellCommandPreview{Command: command}}}
}

// FilePreview is a preview of a file change (a unified diff; from /dev/null for a new file).
func FilePreview(summary, path, unifiedDiff string) *pb.ApprovalPreview {
	return &pb.ApprovalPreview{Summary: summary, Detail: &pb.ApprovalPreview_FileChange{
		FileChange: &pb.FileChangePreview{Path: path, UnifiedDiff: unifiedDiff}}}
}

// URLPreview is a preview of a URL the tool would fetch or open.
func URLPreview(summary, url string) *pb.ApprovalPreview {
	return &pb.ApprovalPreview{Summary: summary, Detail: &pb.ApprovalPreview_Url{Url: &pb.UrlPreview{Url: url}}}
}

// AskApproval asks for a tool approval without waiting and returns the stored approval (its
// Result is already set when an earlier ALLOW_SESSION decision covers the tool).
func (s *Session) AskApproval(ctx context.Context, a Approval, opts ...WriteOption) (*pb.RequestApprovalResponse, error) {
	var input string
	switch v := a.Input.(type) {
	case string:
		input = v
	case json.RawMessage:
		input = string(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("switchboard: the approval input is not JSON: %w", err)
		}
		input = string(b)
	}
	return write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.RequestApprovalResponse, error) {
		req := &pb.RequestApprovalRequest{SessionId: s.ID, ToolName: a.ToolName, InputJson: input, Preview: a.Preview,
			ToolUseId: a.ToolUseID, InputEditable: a.InputEditable, DefaultDecision: a.Default, RequestId: rid}
		if a.Timeout > 0 {
			req.Timeout = durationpb.New(a.Timeout)
		}
		return s.agent.Client.RequestApproval(ctx, req)
	})
}

// RequestApproval asks the person to allow a tool call and blocks until the decision is pushed
// (or ctx ends): ALLOW_ONCE, ALLOW_SESSION (later calls of the same tool come back decided at
// once) or DENY with a reason. Run the tool only on an allow, with UpdatedInputJson when the
// person edited the input. It returns ErrStopRequested if a person asks the agent to stop
// meanwhile and ErrSessionEnded if the session ends. A retry keeps its request id (WithRequestID
// to reuse one across restarts), so the person is asked once.
func (s *Session) RequestApproval(ctx context.Context, a Approval, opts ...WriteOption) (*pb.ApprovalResult, error) {
	asked, err := s.AskApproval(ctx, a, opts...)
	if err != nil {
		return nil, err
	}
	if r := asked.GetApproval().GetResult(); r != nil {
		return r, nil
	}
	s.setStatus(pb.SessionStatus_SESSION_STATUS_AWAITING_INPUT)
	return s.WaitForApproval(ctx, asked.GetApproval().GetId())
}

// WaitForApproval waits for the decision on an approval: WaitForApproval calls of up to a minute
// each, repeated while the server says decided=false, riding out UNAVAILABLE. ctx bounds the
// wait. The server ends a waiting call at once on a stop request (ErrStopRequested) or the
// session's end (ErrSessionEnded).
func (s *Session) WaitForApproval(ctx context.Context, approvalID string) (*pb.ApprovalResult, error) {
	return waitPushed(ctx, s, func(cctx context.Context, timeout *durationpb.Duration) (*pb.ApprovalResult, bool, pb.SessionStatus, error) {
		resp, err := s.agent.Client.WaitForApproval(cctx, &pb.WaitForApprovalRequest{
			SessionId: s.ID, ApprovalId: approvalID, Timeout: timeout})
		return resp.GetResult(), resp.GetDecided(), resp.GetStatus(), err
	})
}

// ResolveApproval reports that the agent's own terminal prompt decided an approval first, named
// by its id or (approvalID empty) by toolUseID. The first decision wins: Applied is false when one
// was stored already, and Result is that one.
func (s *Session) ResolveApproval(ctx context.Context, approvalID, toolUseID string, decision pb.ApprovalDecision, reason string, opts ...WriteOption) (*pb.ResolveApprovalResponse, error) {
	return write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.ResolveApprovalResponse, error) {
		return s.agent.Client.ResolveApproval(ctx, &pb.ResolveApprovalRequest{SessionId: s.ID, ApprovalId: approvalID,
			ToolUseId: toolUseID, Decision: decision, Reason: reason, RequestId: rid})
	})
}
