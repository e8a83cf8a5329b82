package switchboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/switchboard-dev/switchboard/clients/go/gen/switchboard/v1"
)

var (
	// ErrStopRequested is returned by Ask and WaitForAnswer when a person asked the agent to stop
	// (the session is STOPPING) while it was waiting. End the session soon.
	ErrStopRequested = errors.New("switchboard: a person asked the agent to stop")
	// ErrSessionEnded is returned by Ask and WaitForAnswer when the session became terminal.
	ErrSessionEnded = errors.New("switchboard: the session has ended")
)

const (
	defaultCallTimeout = 30 * time.Second
	waitChunk          = 60 * time.Second // server-side wait per WaitForAnswer call
	waitGrace          = 15 * time.Second // client deadline on top of it
	maxText            = 16384
)

// Agent is a named agent connected with an API key. It is safe for concurrent use.
type Agent struct {
	Name string
	// Conn is the connection; Client the raw, authenticated AgentService stub.
	Conn   *grpc.ClientConn
	Client pb.AgentServiceClient
	// Retry is applied to every call (writes keep their request id); CallTimeout bounds each
	// unary call that has no earlier deadline.
	Retry       RetryPolicy
	CallTimeout time.Duration
}

// NewAgent connects the agent `name` to the server at url with apiKey (see Dial).
func NewAgent(name, url, apiKey string, opts ...grpc.DialOption) (*Agent, error) {
	if apiKey == "" {
		return nil, fmt.Errorf("switchboard: empty API key (set %s)", EnvAPIKey)
	}
	conn, err := Dial(url, apiKey, opts...)
	if err != nil {
		return nil, err
	}
	return &Agent{Name: name, Conn: conn, Client: pb.NewAgentServiceClient(conn),
		Retry: DefaultRetryPolicy, CallTimeout: defaultCallTimeout}, nil
}

// NewAgentFromEnv is NewAgent with $SWITCHBOARD_URL and the key APIKeyFromEnv finds
// ($SWITCHBOARD_API_KEY, or the file $SWITCHBOARD_API_KEY_FILE names).
func NewAgentFromEnv(name string, opts ...grpc.DialOption) (*Agent, error) {
	apiKey, err := APIKeyFromEnv()
	if err != nil {
		return nil, err
	}
	return NewAgent(name, envOr("", EnvURL), apiKey, opts...)
}

// Close closes the connection.
func (a *Agent) Close() error { return a.Conn.Close() }

func (a *Agent) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || a.CallTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.CallTimeout)
}

// StartOptions are the optional fields of StartSession.
type StartOptions struct {
	// SessionID resumes that existing session of this user (codes.NotFound when it names none);
	// empty starts a new session, whose id the server chooses.
	SessionID string
	// Name is the human-readable session name (default: "<agent> <start time>").
	Name string
	// Metadata: at most 32 entries.
	Metadata map[string]string
}

// StartSession starts a new session, or resumes opts.SessionID. End it with End or Finish.
func (a *Agent) StartSession(ctx context.Context, opts StartOptions) (*Session, error) {
	// Built once, outside the retry loop: every attempt carries the same request id, so a start
	// whose response was lost returns the first start's session instead of starting another.
	req := &pb.StartSessionRequest{SessionId: opts.SessionID, AgentName: a.Name, Name: opts.Name,
		Metadata: opts.Metadata, RequestId: NewRequestID()}
	resp, err := withRetry(ctx, a.Retry.withDefaults(), func(ctx context.Context) (*pb.StartSessionResponse, error) {
		cctx, cancel := a.call(ctx)
		defer cancel()
		return a.Client.StartSession(cctx, req)
	})
	if err != nil {
		return nil, err
	}
	return &Session{agent: a, ID: resp.GetSession().GetId(), Info: resp.GetSession(), Resumed: resp.GetResumed(),
		status: resp.GetSession().GetStatus()}, nil
}

// Session is one run of an agent. It is safe for concurrent use (e.g. Messages in one goroutine
// and Step in another).
type Session struct {
	agent *Agent
	// ID is the session's UUID; Info the session as returned by StartSession.
	ID      string
	Info    *pb.Session
	Resumed bool

	mu       sync.Mutex
	status   pb.SessionStatus
	lastSeen int64
	// readThrough is the agent's read position as far as this helper knows: every user message
	// up to it was returned by Step or acknowledged, so Messages skips it.
	readThrough int64
	ended       *pb.Session
}

// Status is the last status the server reported for the session.
func (s *Session) Status() pb.SessionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// StopRequested reports whether the server said a person asked the agent to stop.
func (s *Session) StopRequested() bool {
	st := s.Status()
	return st == pb.SessionStatus_SESSION_STATUS_STOPPING || st == pb.SessionStatus_SESSION_STATUS_STOPPED
}

// LastSeenSeq is the highest sequence number Messages has delivered (where it resumes).
func (s *Session) LastSeenSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeen
}

func (s *Session) setStatus(st pb.SessionStatus) {
	if st == pb.SessionStatus_SESSION_STATUS_UNSPECIFIED {
		return
	}
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
}

// WriteOption tunes one write.
type WriteOption func(*writeOptions)

type writeOptions struct{ requestID string }

// WithRequestID sets the write's idempotency key instead of a fresh UUID (to retry a call that
// was made earlier, e.g. before a restart of the agent).
func WithRequestID(id string) WriteOption { return func(o *writeOptions) { o.requestID = id } }

// write runs one logical write: one request id, reused on every retry.
func write[T any](ctx context.Context, s *Session, opts []WriteOption, fn func(ctx context.Context, requestID string) (T, error)) (T, error) {
	o := writeOptions{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.requestID == "" {
		o.requestID = NewRequestID()
	}
	return withRetry(ctx, s.agent.Retry.withDefaults(), func(ctx context.Context) (T, error) {
		cctx, cancel := s.agent.call(ctx)
		defer cancel()
		return fn(cctx, o.requestID)
	})
}

// Step logs a progress step. The response carries its seq, the session status (STOPPING: stop
// soon) and the user messages not read yet (each returned once).
func (s *Session) Step(ctx context.Context, text string, opts ...WriteOption) (*pb.LogStepResponse, error) {
	resp, err := write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.LogStepResponse, error) {
		return s.agent.Client.LogStep(ctx, &pb.LogStepRequest{SessionId: s.ID, Text: text, RequestId: rid})
	})
	if err == nil {
		s.setStatus(resp.GetStatus())
		if q := resp.GetQueuedMessages(); len(q) > 0 {
			s.noteRead(q[len(q)-1].GetSeq())
		}
	}
	return resp, err
}

// Acknowledge marks every user message up to throughSeq as read (AcknowledgeMessages), so Step
// does not return them. Messages does this itself for each user message it hands over; call it
// when you read Subscribe with the raw client.
func (s *Session) Acknowledge(ctx context.Context, throughSeq int64) (*pb.AcknowledgeMessagesResponse, error) {
	resp, err := withRetry(ctx, s.agent.Retry.withDefaults(), func(ctx context.Context) (*pb.AcknowledgeMessagesResponse, error) {
		cctx, cancel := s.agent.call(ctx)
		defer cancel()
		return s.agent.Client.AcknowledgeMessages(cctx, &pb.AcknowledgeMessagesRequest{SessionId: s.ID, ThroughSeq: throughSeq})
	})
	if err == nil {
		s.noteRead(resp.GetReadThroughSeq())
	}
	return resp, err
}

func (s *Session) noteRead(seq int64) {
	s.mu.Lock()
	if seq > s.readThrough {
		s.readThrough = seq
	}
	s.mu.Unlock()
}

func (s *Session) readPosition() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readThrough
}

// Question is what Ask sends.
type Question struct {
	// Text of the question.
	Text string
	// Options to choose from (see Options); none makes a free-text question.
	Options []*pb.QuestionOption
	// Multiple allows several options; AllowFreeText accepts text besides the options.
	Multiple      bool
	AllowFreeText bool
	// Timeout, when set, is how long the person has before the server applies the default
	// (DefaultOptionIDs and/or DefaultText) as the answer.
	Timeout          time.Duration
	DefaultOptionIDs []string
	DefaultText      string
}

// notID matches what an option id derived from a label may not contain (see Options).
var notID = regexp.MustCompile(`[^a-z0-9_.]+`)

const maxOptionID = 64

// OptionSlug is the id part derived from one label ("Ship it" -> "ship-it"); it may be empty.
// Only A-Z are lower-cased, so that the result does not depend on Unicode case tables and is the
// same in every Switchboard helper (clients/testdata/option_ids.json holds the shared vectors).
func OptionSlug(label string) string {
	lower := strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, label)
	slug := strings.Trim(notID.ReplaceAllString(lower, "-"), "-.")
	if len(slug) > maxOptionID { // ASCII only by now: bytes are characters
		slug = strings.TrimRight(slug[:maxOptionID], "-.")
	}
	return slug
}

// Options builds question options from labels; ids are derived from them ("Ship it" ->
// "ship-it"; see OptionSlug). An empty or repeated id becomes "option-N" (N = position), then
// "option-N-2", "option-N-3", ... while that is taken too.
func Options(labels ...string) []*pb.QuestionOption {
	out := make([]*pb.QuestionOption, 0, len(labels))
	taken := map[string]bool{}
	for i, label := range labels {
		id := OptionSlug(label)
		if id == "" || taken[id] {
			base := fmt.Sprintf("option-%d", i+1)
			id = base
			for n := 2; taken[id]; n++ {
				id = fmt.Sprintf("%s-%d", base, n)
			}
		}
		taken[id] = true
		out = append(out, &pb.QuestionOption{Id: id, Label: label})
	}
	return out
}

// AskQuestion asks without waiting and returns the stored question.
func (s *Session) AskQuestion(ctx context.Context, q Question, opts ...WriteOption) (*pb.AskQuestionResponse, error) {
	mode := pb.ChoiceMode_CHOICE_MODE_SINGLE
	if q.Multiple {
		mode = pb.ChoiceMode_CHOICE_MODE_MULTIPLE
	}
	resp, err := write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.AskQuestionResponse, error) {
		req := &pb.AskQuestionRequest{SessionId: s.ID, Text: q.Text, Options: q.Options, ChoiceMode: mode,
			AllowFreeText: q.AllowFreeText || len(q.Options) == 0, DefaultOptionIds: q.DefaultOptionIDs,
			DefaultText: q.DefaultText, RequestId: rid}
		if q.Timeout > 0 {
			req.Timeout = durationpb.New(q.Timeout)
		}
		return s.agent.Client.AskQuestion(ctx, req)
	})
	if err == nil {
		s.setStatus(pb.SessionStatus_SESSION_STATUS_AWAITING_INPUT)
	}
	return resp, err
}

// Ask asks the person a question and blocks until the answer is pushed by the server (or ctx
// ends). It returns ErrStopRequested if a person asks the agent to stop meanwhile and
// ErrSessionEnded if the session ends. Messages the person sends meanwhile stay unread: the next
// Step returns them.
func (s *Session) Ask(ctx context.Context, q Question, opts ...WriteOption) (*pb.Answer, error) {
	asked, err := s.AskQuestion(ctx, q, opts...)
	if err != nil {
		return nil, err
	}
	return s.WaitForAnswer(ctx, asked.GetQuestion().GetId())
}

// WaitForAnswer waits for the answer to a question: WaitForAnswer calls of up to a minute each,
// repeated while the server says answered=false, riding out UNAVAILABLE. ctx bounds the wait.
// The server ends a waiting call at once when a person asks the agent to stop
// (ErrStopRequested) or the session ends (ErrSessionEnded), so no second stream is needed.
func (s *Session) WaitForAnswer(ctx context.Context, questionID string) (*pb.Answer, error) {
	return waitPushed(ctx, s, func(cctx context.Context, timeout *durationpb.Duration) (*pb.Answer, bool, pb.SessionStatus, error) {
		resp, err := s.agent.Client.WaitForAnswer(cctx, &pb.WaitForAnswerRequest{
			SessionId: s.ID, QuestionId: questionID, Timeout: timeout})
		return resp.GetAnswer(), resp.GetAnswered(), resp.GetStatus(), err
	})
}

// waitPushed runs one push-path wait (an answer, a decision): calls of up to a minute each,
// repeated while the server says "not yet", riding out UNAVAILABLE; ctx bounds the wait. call
// makes one server call and reports (result, done, session status, error). A stop request ends
// the wait with ErrStopRequested, the session's end with ErrSessionEnded.
func waitPushed[T any](ctx context.Context, s *Session, call func(context.Context, *durationpb.Duration) (T, bool, pb.SessionStatus, error)) (T, error) {
	var none T
	p := s.agent.Retry.withDefaults()
	for attempt := 0; ; {
		chunk := waitChunk
		if dl, ok := ctx.Deadline(); ok {
			if left := time.Until(dl); left < chunk {
				chunk = left
			}
		}
		if chunk <= 0 || ctx.Err() != nil {
			return none, ctxErr(ctx)
		}
		cctx, cancel := context.WithTimeout(ctx, chunk+waitGrace)
		got, done, st, err := call(cctx, durationpb.New(chunk))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return none, ctxErr(ctx)
			}
			if status.Code(err) == codes.DeadlineExceeded || p.retryable(err, attempt) {
				if serr := sleep(ctx, p.backoff(attempt)); serr != nil {
					return none, ctxErr(ctx)
				}
				attempt++
				continue
			}
			return none, err
		}
		attempt = 0
		s.setStatus(st)
		if done {
			return got, nil
		}
		switch {
		case terminal(st):
			return none, ErrSessionEnded
		case st == pb.SessionStatus_SESSION_STATUS_STOPPING:
			return none, ErrStopRequested
		}
	}
}

func terminal(st pb.SessionStatus) bool {
	return st == pb.SessionStatus_SESSION_STATUS_COMPLETED || st == pb.SessionStatus_SESSION_STATUS_FAILED ||
		st == pb.SessionStatus_SESSION_STATUS_STOPPED
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.DeadlineExceeded
}

// ReportDiff reports the current unified diff of the working tree (replacing the previous one).
func (s *Session) ReportDiff(ctx context.Context, diff string, opts ...WriteOption) (*pb.ReportDiffResponse, error) {
	return write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.ReportDiffResponse, error) {
		return s.agent.Client.ReportDiff(ctx, &pb.ReportDiffRequest{SessionId: s.ID, Diff: diff, RequestId: rid})
	})
}

// ReportUsage reports cumulative totals (not increments); CostMicros is in micro-dollars.
func (s *Session) ReportUsage(ctx context.Context, usage *pb.Usage, opts ...WriteOption) (*pb.ReportUsageResponse, error) {
	return write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.ReportUsageResponse, error) {
		return s.agent.Client.ReportUsage(ctx, &pb.ReportUsageRequest{SessionId: s.ID, Usage: usage, RequestId: rid})
	})
}

// Heartbeat tells the server the agent is alive.
func (s *Session) Heartbeat(ctx context.Context) (*pb.HeartbeatResponse, error) {
	resp, err := withRetry(ctx, s.agent.Retry.withDefaults(), func(ctx context.Context) (*pb.HeartbeatResponse, error) {
		cctx, cancel := s.agent.call(ctx)
		defer cancel()
		return s.agent.Client.Heartbeat(cctx, &pb.HeartbeatRequest{SessionId: s.ID})
	})
	if err == nil {
		s.setStatus(resp.GetStatus())
	}
	return resp, err
}

// End ends the session with COMPLETED or FAILED (STOPPED if a stop was requested). Calling it
// again returns the first result.
func (s *Session) End(ctx context.Context, outcome pb.SessionOutcome, summary string, opts ...WriteOption) (*pb.Session, error) {
	s.mu.Lock()
	if s.ended != nil {
		defer s.mu.Unlock()
		return s.ended, nil
	}
	s.mu.Unlock()
	resp, err := write(ctx, s, opts, func(ctx context.Context, rid string) (*pb.EndSessionResponse, error) {
		return s.agent.Client.EndSession(ctx, &pb.EndSessionRequest{SessionId: s.ID, Outcome: outcome, Summary: summary, RequestId: rid})
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended == nil {
		s.ended = resp.GetSession()
		s.status = resp.GetSession().GetStatus()
	}
	return s.ended, nil
}

// Finish ends the session according to the agent's result: COMPLETED when workErr is nil,
// FAILED with workErr's text as the summary otherwise. A session that is already terminal on the
// server is not an error. Typical use:
//
//	defer func() { sess.Finish(context.Background(), err) }()
func (s *Session) Finish(ctx context.Context, workErr error) (*pb.Session, error) {
	outcome, summary := pb.SessionOutcome_SESSION_OUTCOME_COMPLETED, ""
	if workErr != nil {
		outcome, summary = pb.SessionOutcome_SESSION_OUTCOME_FAILED, workErr.Error()
		if len(summary) > maxText {
			summary = summary[:maxText]
		}
	}
	sess, err := s.End(ctx, outcome, summary)
	if status.Code(err) == codes.FailedPrecondition {
		return nil, nil
	}
	return sess, err
}

// Messages iterates over what the agent must react to (user messages, answers and status
// changes), live, via Subscribe, starting where the previous Messages stopped (0 at first).
// User messages come exactly once across Step and Messages: those Step already returned are
// skipped, and each one is acknowledged (AcknowledgeMessages) as it is handed to the loop body,
// so the next Step does not return it again; one the loop never received stays unread.
// A dropped stream (UNAVAILABLE) is reopened after the last sequence number seen, so nothing is
// missed or repeated. The iteration ends when the session becomes terminal, when ctx is done
// (check ctx.Err()), or when the loop breaks; a non-retryable error is yielded once, last.
//
//	for msg, err := range sess.Messages(ctx) { ... }
func (s *Session) Messages(ctx context.Context) iter.Seq2[*pb.Message, error] {
	return s.MessagesAfter(ctx, -1)
}

// MessagesAfter is Messages with answers and status changes after afterSeq (-1: where the
// previous iteration stopped). Unread user messages are delivered even at or below afterSeq.
func (s *Session) MessagesAfter(ctx context.Context, afterSeq int64) iter.Seq2[*pb.Message, error] {
	return func(yield func(*pb.Message, error) bool) {
		after := afterSeq
		if after < 0 {
			after = s.LastSeenSeq()
		}
		// Acknowledging 0 changes nothing and returns the server's read position: a resumed
		// session, or another process, may have read further than this helper knows.
		if _, err := s.Acknowledge(ctx, 0); err != nil {
			if ctx.Err() == nil {
				yield(nil, err)
			}
			return
		}
		// Replay from the read position too, so that an unread user message is never skipped.
		seq := min(after, s.readPosition())
		p := s.agent.Retry.withDefaults()
		for attempt := 0; ; {
			sctx, cancel := context.WithCancel(ctx)
			err := func() error {
				stream, err := s.agent.Client.Subscribe(sctx, &pb.SubscribeRequest{SessionId: s.ID, AfterSeq: seq})
				if err != nil {
					return err
				}
				for {
					item, err := stream.Recv()
					if err != nil {
						return err
					}
					attempt = 0
					m := item.GetMessage()
					if m == nil || m.GetSeq() <= seq {
						continue
					}
					if m.GetUserMessage() != nil {
						if m.GetSeq() <= s.readPosition() {
							seq = m.GetSeq() // already returned by Step or acknowledged
							continue
						}
						// Handed over now, so acknowledged now. If this fails, seq has not
						// moved: a reopened stream delivers the message again.
						if _, err := s.Acknowledge(ctx, m.GetSeq()); err != nil {
							return err
						}
					} else if m.GetSeq() <= after {
						seq = m.GetSeq()
						continue
					}
					seq = m.GetSeq()
					s.mu.Lock()
					if seq > s.lastSeen {
						s.lastSeen = seq
					}
					s.mu.Unlock()
					if sc := m.GetStatusChange(); sc != nil {
						s.setStatus(sc.GetToStatus())
					}
					if !yield(m, nil) {
						return errStopIteration
					}
				}
			}()
			cancel()
			switch {
			case err == errStopIteration, err == io.EOF, ctx.Err() != nil:
				return
			case p.retryable(err, attempt):
				if sleep(ctx, p.backoff(attempt)) != nil {
					return
				}
				attempt++
			default:
				yield(nil, err)
				return
			}
		}
	}
}

var errStopIteration = errors.New("stop iteration")
