package switchboard_test

// End-to-end tests against the live server named by SWITCHBOARD_URL, SWITCHBOARD_API_KEY,
// SWITCHBOARD_EMAIL and SWITCHBOARD_PASSWORD (run: scripts/with-server.sh clients/go/test.sh).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

func TestMain(m *testing.M) {
	for _, v := range []string{"SWITCHBOARD_URL", "SWITCHBOARD_API_KEY", "SWITCHBOARD_EMAIL", "SWITCHBOARD_PASSWORD"} {
		if os.Getenv(v) == "" {
			fmt.Fprintf(os.Stderr, "%s is not set: run the tests through scripts/with-server.sh clients/go/test.sh\n", v)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

const sampleDiff = `diff --git a/hello.txt b/hello.txt
index 3b18e51..a042389 100644
--- a/hello.txt
+++ b/hello.txt
@@ -1,2 +1,3 @@
 hello
-world
+there
+everyone
`

var (
	personOnce sync.Once
	personDash *switchboard.Dashboard
	loginErr   error
)

// person is the signed-in user at the dashboard, shared by the tests (one Login per run).
func person(t *testing.T) *switchboard.Dashboard {
	t.Helper()
	personOnce.Do(func() { personDash, loginErr = switchboard.LoginFromEnv(context.Background()) })
	if loginErr != nil {
		t.Fatalf("login: %v", loginErr)
	}
	return personDash
}

func newAgent(t *testing.T, apiKey string, opts ...grpc.DialOption) *switchboard.Agent {
	t.Helper()
	if apiKey == "" {
		apiKey = os.Getenv("SWITCHBOARD_API_KEY")
	}
	a, err := switchboard.NewAgent("go-test-"+switchboard.NewRequestID()[:8], os.Getenv("SWITCHBOARD_URL"), apiKey, opts...)
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// must(f())(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func TestAgentSessionEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dash := person(t)
	agent := newAgent(t, "")

	sess := must(agent.StartSession(ctx, switchboard.StartOptions{Name: "go e2e", Metadata: map[string]string{"suite": "go"}}))(t)
	if sess.Status() != pb.SessionStatus_SESSION_STATUS_ACTIVE {
		t.Fatalf("status after start = %v", sess.Status())
	}
	first := must(sess.Step(ctx, "cloned the repository"))(t)
	second := must(sess.Step(ctx, "ran the tests"))(t)
	if !(0 < first.GetSeq() && first.GetSeq() < second.GetSeq()) {
		t.Fatalf("step seqs %d, %d", first.GetSeq(), second.GetSeq())
	}

	// The person answers from another goroutine as soon as the question shows up.
	var wg sync.WaitGroup
	var personErr error
	var asked *pb.Question
	wg.Add(1)
	go func() {
		defer wg.Done()
		q, err := dash.WaitForQuestion(ctx, sess.ID)
		if err != nil {
			personErr = err
			return
		}
		asked = q
		_, personErr = dash.Answer(ctx, sess.ID, q.GetId(), []string{q.GetOptions()[1].GetId()}, "")
	}()
	answer, err := sess.Ask(ctx, switchboard.Question{Text: "Deploy to production?", Options: switchboard.Options("Ship it", "Wait for review")})
	wg.Wait()
	if personErr != nil {
		t.Fatalf("person: %v", personErr)
	}
	if err != nil {
		t.Fatalf("ask: %v", err)
	}
	if got := []string{asked.GetOptions()[0].GetLabel(), asked.GetOptions()[1].GetLabel()}; !slices.Equal(got, []string{"Ship it", "Wait for review"}) {
		t.Fatalf("option labels %v", got)
	}
	if answer.GetQuestionId() != asked.GetId() || !slices.Equal(answer.GetOptionIds(), []string{"wait-for-review"}) ||
		answer.GetAnsweredBy() != pb.Sender_SENDER_USER {
		t.Fatalf("answer %v", answer)
	}

	// A user message arrives on the live Messages stream.
	sendErr := make(chan error, 1)
	go func() {
		_, err := dash.SendMessage(ctx, sess.ID, "please also update the changelog")
		sendErr <- err
	}()
	mctx, mcancel := context.WithTimeout(ctx, 20*time.Second)
	var seen []*pb.Message
	for msg, err := range sess.Messages(mctx) {
		if err != nil {
			t.Fatalf("messages: %v", err)
		}
		seen = append(seen, msg)
		if msg.GetUserMessage() != nil {
			break
		}
	}
	mcancel()
	if err := <-sendErr; err != nil {
		t.Fatalf("send message: %v", err)
	}
	if len(seen) == 0 || seen[len(seen)-1].GetUserMessage().GetText() != "please also update the changelog" ||
		seen[len(seen)-1].GetSender() != pb.Sender_SENDER_USER {
		t.Fatalf("messages seen: %v", seen)
	}
	if !slices.ContainsFunc(seen, func(m *pb.Message) bool { return m.GetAnswer() != nil }) {
		t.Fatalf("the subscription did not replay the answer: %v", seen)
	}

	diff := must(sess.ReportDiff(ctx, sampleDiff))(t)
	if s := diff.GetSummary(); s.GetFilesChanged() != 1 || s.GetAdditions() != 2 || s.GetDeletions() != 1 {
		t.Fatalf("diff summary %v", s)
	}
	must(sess.ReportUsage(ctx, &pb.Usage{InputTokens: 1200, OutputTokens: 300, CostMicros: 4500}))(t)
	ended := must(sess.Finish(ctx, nil))(t)
	if ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_COMPLETED {
		t.Fatalf("ended status %v", ended.GetStatus())
	}

	got := must(dash.GetSession(ctx, sess.ID))(t).GetSession()
	if got.GetStatus() != pb.SessionStatus_SESSION_STATUS_COMPLETED || got.GetMetadata()["suite"] != "go" ||
		got.GetUsage().GetCostMicros() != 4500 {
		t.Fatalf("stored session %v", got)
	}
	kinds := map[string]bool{}
	for _, m := range must(dash.ListMessages(ctx, sess.ID))(t) {
		kinds[string(m.ProtoReflect().WhichOneof(m.ProtoReflect().Descriptor().Oneofs().ByName("body")).Name())] = true
	}
	for _, k := range []string{"step", "question", "answer", "user_message", "diff_update", "usage_update", "status_change"} {
		if !kinds[k] {
			t.Errorf("no %s message in the session history (have %v)", k, kinds)
		}
	}
}

func TestFinishWithErrorFails(t *testing.T) {
	ctx := context.Background()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "doomed"}))(t)
	ended := must(sess.Finish(ctx, errors.New("disk full")))(t)
	if ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_FAILED {
		t.Fatalf("status %v", ended.GetStatus())
	}
	if got := must(dash.GetSession(ctx, sess.ID))(t).GetSession(); got.GetSummary() != "disk full" {
		t.Fatalf("summary %q", got.GetSummary())
	}
}

func TestRevokedKeyIsUnauthenticated(t *testing.T) {
	ctx := context.Background()
	dash := person(t)
	created := must(dash.CreateAPIKey(ctx, "revoke-me", time.Time{}))(t)
	sess := must(newAgent(t, created.GetSecret()).StartSession(ctx, switchboard.StartOptions{}))(t)
	must(sess.Step(ctx, "works while the key is valid"))(t)
	must(dash.RevokeAPIKey(ctx, created.GetApiKey().GetId()))(t)
	_, err := sess.Step(ctx, "refused")
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("step with a revoked key: got %v (%v), want Unauthenticated", status.Code(err), err)
	}
}

func TestRetriedStepCreatesOneMessage(t *testing.T) {
	ctx := context.Background()
	dash := person(t)
	// Sends the first LogStep to the server, then reports UNAVAILABLE instead of its reply, as a
	// connection dropped after the commit would.
	var requestIDs []string
	loseFirstReply := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if r, ok := req.(*pb.LogStepRequest); ok {
			requestIDs = append(requestIDs, r.GetRequestId())
			if err == nil && len(requestIDs) == 1 {
				return status.Error(codes.Unavailable, "connection reset (simulated after the server answered)")
			}
		}
		return err
	}
	sess := must(newAgent(t, "", grpc.WithChainUnaryInterceptor(loseFirstReply)).StartSession(ctx, switchboard.StartOptions{Name: "retry"}))(t)
	resp := must(sess.Step(ctx, "exactly once, please"))(t)
	if len(requestIDs) != 2 || requestIDs[0] != requestIDs[1] {
		t.Fatalf("request ids sent: %v", requestIDs)
	}
	again := must(sess.Step(ctx, "exactly once, please", switchboard.WithRequestID(requestIDs[0])))(t)
	if again.GetSeq() != resp.GetSeq() {
		t.Fatalf("explicit retry got seq %d, first %d", again.GetSeq(), resp.GetSeq())
	}
	must(sess.Finish(ctx, nil))(t)
	var steps []*pb.Message
	for _, m := range must(dash.ListMessages(ctx, sess.ID))(t) {
		if m.GetStep().GetText() == "exactly once, please" {
			steps = append(steps, m)
		}
	}
	if len(steps) != 1 || steps[0].GetSeq() != resp.GetSeq() {
		t.Fatalf("steps stored: %v", steps)
	}
}

func TestResumeByIDAndUnknownIDIsNotFound(t *testing.T) {
	ctx := context.Background()
	agent := newAgent(t, "")
	first := must(agent.StartSession(ctx, switchboard.StartOptions{Name: "to resume"}))(t)
	if first.Resumed {
		t.Fatalf("a new session came back resumed")
	}
	before := must(first.Step(ctx, "before the restart"))(t)
	again := must(agent.StartSession(ctx, switchboard.StartOptions{SessionID: first.ID}))(t)
	if !again.Resumed || again.ID != first.ID || again.Info.GetLastSeq() < before.GetSeq() {
		t.Fatalf("resume: resumed=%v id %s (want %s) last_seq %d", again.Resumed, again.ID, first.ID, again.Info.GetLastSeq())
	}
	// Ids are minted by the server only: an unused one (or another user's) is NOT_FOUND.
	_, err := agent.StartSession(ctx, switchboard.StartOptions{SessionID: switchboard.NewRequestID()})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("start with an unknown session id: got %v (%v), want NotFound", status.Code(err), err)
	}
	must(first.Finish(ctx, nil))(t)
}

func TestRetriedStartReturnsTheFirstSession(t *testing.T) {
	ctx := context.Background()
	// Sends the first StartSession to the server, then reports UNAVAILABLE instead of its reply.
	var sent []*pb.StartSessionRequest
	var lost *pb.StartSessionResponse
	loseFirstReply := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if r, ok := req.(*pb.StartSessionRequest); ok {
			sent = append(sent, r)
			if err == nil && len(sent) == 1 {
				lost = reply.(*pb.StartSessionResponse)
				return status.Error(codes.Unavailable, "connection reset (simulated after the server answered)")
			}
		}
		return err
	}
	sess := must(newAgent(t, "", grpc.WithChainUnaryInterceptor(loseFirstReply)).StartSession(ctx, switchboard.StartOptions{Name: "retried start"}))(t)
	if len(sent) != 2 || sent[0].GetRequestId() != sent[1].GetRequestId() || sent[0].GetSessionId() != "" || sent[1].GetSessionId() != "" {
		t.Fatalf("requests sent: %v", sent)
	}
	if sess.ID != lost.GetSession().GetId() || !sess.Resumed {
		t.Fatalf("retry got session %s (resumed=%v), the lost reply had %s", sess.ID, sess.Resumed, lost.GetSession().GetId())
	}
	must(sess.Finish(ctx, nil))(t)
}

// dropAfterFirst fails a stream with UNAVAILABLE right after its first message.
type dropAfterFirst struct {
	grpc.ClientStream
	n int
}

func (d *dropAfterFirst) RecvMsg(m any) error {
	if d.n == 1 {
		return status.Error(codes.Unavailable, "stream dropped (simulated)")
	}
	d.n++
	return d.ClientStream.RecvMsg(m)
}

func TestMessagesResumeAfterDroppedStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	var mu sync.Mutex
	var afterSeqs []int64
	opened := 0
	dropFirst := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		mu.Lock()
		defer mu.Unlock()
		opened++
		if err == nil && opened == 1 {
			return &dropAfterFirst{ClientStream: cs}, nil
		}
		return cs, err
	}
	recordAfterSeq := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		cs, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, err
		}
		return &sendRecorder{ClientStream: cs, record: func(m any) {
			if r, ok := m.(*pb.SubscribeRequest); ok {
				mu.Lock()
				afterSeqs = append(afterSeqs, r.GetAfterSeq())
				mu.Unlock()
			}
		}}, nil
	}
	agent := newAgent(t, "", grpc.WithChainStreamInterceptor(recordAfterSeq, dropFirst))
	sess := must(agent.StartSession(ctx, switchboard.StartOptions{Name: "resume"}))(t)
	must(sess.Step(ctx, "working"))(t)
	first := must(dash.SendMessage(ctx, sess.ID, "first"))(t)
	second := must(dash.SendMessage(ctx, sess.ID, "second"))(t)
	var delivered []*pb.Message
	for msg, err := range sess.Messages(ctx) {
		if err != nil {
			t.Fatalf("messages: %v", err)
		}
		delivered = append(delivered, msg)
		if msg.GetSeq() == second.GetSeq() {
			break
		}
	}
	var texts []string
	var seqs []int64
	for _, m := range delivered {
		seqs = append(seqs, m.GetSeq())
		if um := m.GetUserMessage(); um != nil {
			texts = append(texts, um.GetText())
		}
	}
	if !slices.Equal(texts, []string{"first", "second"}) || !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Fatalf("delivered %v (seqs %v; first %d, second %d)", texts, seqs, first.GetSeq(), second.GetSeq())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(afterSeqs) < 2 || afterSeqs[0] != 0 || afterSeqs[1] != delivered[0].GetSeq() {
		t.Fatalf("subscribe after_seq values %v, want [0 %d ...]", afterSeqs, delivered[0].GetSeq())
	}
	must(sess.Finish(ctx, nil))(t)
}

type sendRecorder struct {
	grpc.ClientStream
	record func(any)
}

func (s *sendRecorder) SendMsg(m any) error {
	s.record(m)
	return s.ClientStream.SendMsg(m)
}

func TestStopRequestIsSeenAndEndsStopped(t *testing.T) {
	ctx := context.Background()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "to be stopped"}))(t)
	must(sess.Step(ctx, "long task"))(t)
	must(dash.StopSession(ctx, sess.ID, "enough for today"))(t)
	if sess.StopRequested() {
		t.Fatal("stop seen before any contact")
	}
	must(sess.Step(ctx, "noticed?"))(t)
	if !sess.StopRequested() {
		t.Fatalf("status after a step: %v", sess.Status())
	}
	ended := must(sess.Finish(ctx, nil))(t)
	if ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_STOPPED {
		t.Fatalf("ended as %v", ended.GetStatus())
	}
}

func TestStopRequestInterruptsAWaitingAsk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "stopped while asking"}))(t)
	stopErr := make(chan error, 1)
	go func() {
		_, err := dash.WaitForQuestion(ctx, sess.ID)
		if err == nil {
			_, err = dash.StopSession(ctx, sess.ID, "never mind")
		}
		stopErr <- err
	}()
	// The server ends the waiting call on the stop: ErrStopRequested, not ctx's deadline.
	_, err := sess.Ask(ctx, switchboard.Question{Text: "Shall I go on?", Options: switchboard.Options("Yes", "No")})
	if err := <-stopErr; err != nil {
		t.Fatalf("person: %v", err)
	}
	if !errors.Is(err, switchboard.ErrStopRequested) {
		t.Fatalf("ask returned %v, want ErrStopRequested", err)
	}
	ended := must(sess.Finish(ctx, err))(t)
	if ended.GetStatus() != pb.SessionStatus_SESSION_STATUS_STOPPED {
		t.Fatalf("ended as %v", ended.GetStatus())
	}
}

// Issue 11: the person writes while the agent waits in Ask, then answers. The message reaches the
// agent once: on the next step, not on the one after, and not on the message stream (which
// replays the session from its start). With the former helper (a second Subscribe during Ask
// that dropped user messages, and a server that counted every message written to a stream as
// read) the first step returned nothing and the message was lost.
func TestMessageSentDuringAskIsDeliveredExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	dash := person(t)
	sess := must(newAgent(t, "").StartSession(ctx, switchboard.StartOptions{Name: "message during ask"}))(t)
	must(sess.Step(ctx, "working"))(t)

	sentCh := make(chan *pb.Message, 1)
	personErr := make(chan error, 1)
	go func() {
		q, err := dash.WaitForQuestion(ctx, sess.ID)
		if err != nil {
			personErr <- err
			return
		}
		sent, err := dash.SendMessage(ctx, sess.ID, "please also update the README")
		if err != nil {
			personErr <- err
			return
		}
		sentCh <- sent
		_, err = dash.Answer(ctx, sess.ID, q.GetId(), []string{q.GetOptions()[0].GetId()}, "")
		personErr <- err
	}()
	answer, err := sess.Ask(ctx, switchboard.Question{Text: "Go ahead?", Options: switchboard.Options("Go ahead", "Hold on")})
	if perr := <-personErr; perr != nil {
		t.Fatalf("person: %v", perr)
	}
	if err != nil {
		t.Fatalf("ask: %v", err)
	}
	if !slices.Equal(answer.GetOptionIds(), []string{"go-ahead"}) {
		t.Fatalf("answer %v", answer)
	}
	sent := <-sentCh

	first := must(sess.Step(ctx, "answered"))(t).GetQueuedMessages()
	if len(first) != 1 || first[0].GetSeq() != sent.GetSeq() || first[0].GetUserMessage().GetText() != "please also update the README" {
		t.Fatalf("the next step's queued messages: %v, want the message sent during Ask (seq %d)", first, sent.GetSeq())
	}
	if again := must(sess.Step(ctx, "next"))(t).GetQueuedMessages(); len(again) != 0 {
		t.Fatalf("the following step returned %v again", again)
	}

	// The stream skips what Step returned; a newer message arrives there once, is acknowledged
	// as it is handed over, and so is not returned by the next step either.
	later := must(dash.SendMessage(ctx, sess.ID, "and the changelog"))(t)
	var users []int64
	for msg, err := range sess.Messages(ctx) {
		if err != nil {
			t.Fatalf("messages: %v", err)
		}
		if msg.GetUserMessage() != nil {
			users = append(users, msg.GetSeq())
			if msg.GetSeq() == later.GetSeq() {
				break
			}
		}
	}
	if !slices.Equal(users, []int64{later.GetSeq()}) {
		t.Fatalf("user messages on the stream: seqs %v, want only %d", users, later.GetSeq())
	}
	if q := must(sess.Step(ctx, "after the stream"))(t).GetQueuedMessages(); len(q) != 0 {
		t.Fatalf("step after the stream returned %v", q)
	}
	must(sess.Finish(ctx, nil))(t)
}
