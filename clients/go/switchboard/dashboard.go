package switchboard

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
)

// Dashboard is a minimal person-side helper: DashboardService with a signed-in user's access
// token. Client is the raw, authenticated stub for everything else.
type Dashboard struct {
	Conn   *grpc.ClientConn
	Client pb.DashboardServiceClient
	User   *pb.User
	Tokens *pb.TokenPair
}

// Login signs in with AuthService.Login and returns a Dashboard using the access token.
func Login(ctx context.Context, url, email, password string, opts ...grpc.DialOption) (*Dashboard, error) {
	authConn, err := Dial(url, "", opts...)
	if err != nil {
		return nil, err
	}
	defer authConn.Close()
	cctx, cancel := context.WithTimeout(ctx, defaultCallTimeout)
	defer cancel()
	resp, err := pb.NewAuthServiceClient(authConn).Login(cctx, &pb.LoginRequest{Email: email, Password: password})
	if err != nil {
		return nil, err
	}
	conn, err := Dial(url, resp.GetTokens().GetAccessToken(), opts...)
	if err != nil {
		return nil, err
	}
	return &Dashboard{Conn: conn, Client: pb.NewDashboardServiceClient(conn), User: resp.GetUser(), Tokens: resp.GetTokens()}, nil
}

// LoginFromEnv is Login with $SWITCHBOARD_URL, $SWITCHBOARD_EMAIL and $SWITCHBOARD_PASSWORD.
func LoginFromEnv(ctx context.Context, opts ...grpc.DialOption) (*Dashboard, error) {
	return Login(ctx, os.Getenv(EnvURL), os.Getenv("SWITCHBOARD_EMAIL"), os.Getenv("SWITCHBOARD_PASSWORD"), opts...)
}

// Close closes the connection.
func (d *Dashboard) Close() error { return d.Conn.Close() }

// GetSession returns the session and its open questions.
func (d *Dashboard) GetSession(ctx context.Context, sessionID string) (*pb.GetSessionResponse, error) {
	return d.Client.GetSession(ctx, &pb.GetSessionRequest{SessionId: sessionID})
}

// ListMessages returns every message of the session in sequence order.
func (d *Dashboard) ListMessages(ctx context.Context, sessionID string) ([]*pb.Message, error) {
	var out []*pb.Message
	token := ""
	for {
		resp, err := d.Client.ListMessages(ctx, &pb.ListMessagesRequest{SessionId: sessionID, PageSize: 500, PageToken: token})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetMessages()...)
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// WaitForQuestion returns the session's oldest open question, waiting on WatchSession (no
// polling) for one to be asked when there is none yet. ctx bounds the wait.
func (d *Dashboard) WaitForQuestion(ctx context.Context, sessionID string) (*pb.Question, error) {
	got, err := d.GetSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if qs := got.GetOpenQuestions(); len(qs) > 0 {
		return qs[0], nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := d.Client.WatchSession(wctx, &pb.WatchSessionRequest{SessionId: sessionID, AfterSeq: got.GetSession().GetLastSeq()})
	if err != nil {
		return nil, err
	}
	for {
		item, err := stream.Recv()
		if err == io.EOF {
			return nil, fmt.Errorf("switchboard: session %s ended without a question", sessionID)
		}
		if err != nil {
			return nil, err
		}
		if q := item.GetMessage().GetQuestion(); q != nil {
			return q, nil
		}
	}
}

// WaitForApproval returns the session's oldest open tool approval, waiting on WatchSession (no
// polling) for one to be requested when there is none yet. ctx bounds the wait.
func (d *Dashboard) WaitForApproval(ctx context.Context, sessionID string) (*pb.ToolApproval, error) {
	got, err := d.GetSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if as := got.GetOpenApprovals(); len(as) > 0 {
		return as[0], nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := d.Client.WatchSession(wctx, &pb.WatchSessionRequest{SessionId: sessionID, AfterSeq: got.GetSession().GetLastSeq()})
	if err != nil {
		return nil, err
	}
	for {
		item, err := stream.Recv()
		if err == io.EOF {
			return nil, fmt.Errorf("switchboard: session %s ended without an approval", sessionID)
		}
		if err != nil {
			return nil, err
		}
		if a := item.GetMessage().GetApproval(); a != nil && a.GetResult() == nil {
			return a, nil
		}
	}
}

// Decide decides an open tool approval; updatedInputJSON (with an allow, where the input is
// editable) replaces the input, empty runs it as requested.
func (d *Dashboard) Decide(ctx context.Context, sessionID, approvalID string, decision pb.ApprovalDecision, reason, updatedInputJSON string) (*pb.DecideApprovalResponse, error) {
	return d.Client.DecideApproval(ctx, &pb.DecideApprovalRequest{SessionId: sessionID, ApprovalId: approvalID,
		Decision: decision, Reason: reason, UpdatedInputJson: updatedInputJSON})
}

// Answer answers an open question with option ids and/or free text.
func (d *Dashboard) Answer(ctx context.Context, sessionID, questionID string, optionIDs []string, text string) (*pb.AnswerQuestionResponse, error) {
	return d.Client.AnswerQuestion(ctx, &pb.AnswerQuestionRequest{SessionId: sessionID, QuestionId: questionID, OptionIds: optionIDs, Text: text})
}

// SendMessage sends a message to the agent (live on its subscription, queued for its next step).
func (d *Dashboard) SendMessage(ctx context.Context, sessionID, text string) (*pb.Message, error) {
	resp, err := d.Client.SendMessage(ctx, &pb.SendMessageRequest{SessionId: sessionID, Text: text, RequestId: NewRequestID()})
	return resp.GetMessage(), err
}

// StopSession asks the agent to stop.
func (d *Dashboard) StopSession(ctx context.Context, sessionID, reason string) (*pb.Session, error) {
	resp, err := d.Client.StopSession(ctx, &pb.StopSessionRequest{SessionId: sessionID, Reason: reason})
	return resp.GetSession(), err
}

// CreateAPIKey creates an API key; the response's Secret is shown this once. A zero expire
// means the key never expires.
func (d *Dashboard) CreateAPIKey(ctx context.Context, name string, expire time.Time) (*pb.CreateApiKeyResponse, error) {
	req := &pb.CreateApiKeyRequest{Name: name}
	if !expire.IsZero() {
		req.ExpireTime = timestamp(expire)
	}
	return d.Client.CreateApiKey(ctx, req)
}

// RevokeAPIKey revokes an API key (idempotent).
func (d *Dashboard) RevokeAPIKey(ctx context.Context, apiKeyID string) (*pb.ApiKey, error) {
	resp, err := d.Client.RevokeApiKey(ctx, &pb.RevokeApiKeyRequest{ApiKeyId: apiKeyID})
	return resp.GetApiKey(), err
}

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
