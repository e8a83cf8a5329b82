"""Synchronous agent helper: Agent (a connection with an API key) and Session (one run)."""
from __future__ import annotations

import subprocess
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, TypeVar

import grpc

from switchboard._common import (
    ENV_URL, TERMINAL_STATUSES, WAIT_CHUNK_SECONDS, WAIT_GRACE_SECONDS, AnswerTimeout,
    ApprovalTimeout, RetryPolicy, SessionEnded, StopRequested, api_key_from_env, build_approval, build_ask, build_preview,
    connect, decision_of, env_or, failure_summary, new_request_id, outcome_of, status_name, to_seconds)
from switchboard.v1 import agent_service_pb2 as agent_pb
from switchboard.v1 import agent_service_pb2_grpc as agent_grpc
from switchboard.v1 import model_pb2 as model

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT = 30.0


class Agent:
    """A named agent connected to Switchboard with an API key.

    `url` and `api_key` default to $SWITCHBOARD_URL and $SWITCHBOARD_API_KEY (or the file
    $SWITCHBOARD_API_KEY_FILE names; see api_key_from_env). Use it as a context
    manager (or call close()) to close the channel. `stub` is the raw AgentServiceStub, already
    authenticated, for anything the helper does not wrap.
    """

    def __init__(self, name: str, *, url: Optional[str] = None, api_key: Optional[str] = None,
                 retry: RetryPolicy = RetryPolicy(), interceptors: Iterable[Any] = (),
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, channel: Optional[grpc.Channel] = None,
                 ca_file: Optional[str] = None):
        self.name = name
        self.retry = retry
        self.call_timeout = call_timeout
        self._owns_channel = channel is None
        self.channel = channel or connect(env_or(url, ENV_URL), api_key or api_key_from_env(),
                                          interceptors=interceptors, ca_file=ca_file)
        self.stub = agent_grpc.AgentServiceStub(self.channel)

    def start_session(self, name: str = "", *, metadata: Optional[Mapping[str, str]] = None,
                      session_id: Optional[str] = None) -> "Session":
        """Starts a new session (the server chooses its id), or resumes the existing session
        `session_id` of this user (a `NotFound` error when it names none). The request, and so its
        request id, is built once: a retried start returns the first start's session instead of
        starting a second one. Use the result as a context manager: it ends the session on exit,
        COMPLETED, or FAILED when an exception escapes."""
        req = agent_pb.StartSessionRequest(session_id=session_id or "", agent_name=self.name, name=name,
                                           metadata=dict(metadata or {}), request_id=new_request_id())
        resp = _call_with_retry(self.retry, lambda: self.stub.StartSession(req, timeout=self.call_timeout))
        return Session(self, resp.session, resumed=resp.resumed)

    def close(self) -> None:
        if self._owns_channel:
            self.channel.close()

    def __enter__(self) -> "Agent":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Session:
    """One run of an agent. Every write gets a fresh request id that is reused on its retries."""

    def __init__(self, agent: Agent, session: model.Session, *, resumed: bool = False):
        self.agent = agent
        self.stub = agent.stub
        self.id: str = session.id
        self.info: model.Session = session
        self.resumed = resumed
        self.status: int = session.status
        self.ended: Optional[model.Session] = None
        self._last_seen_seq = 0  # highest seq delivered by messages()
        # The agent's read position as far as this helper knows: every user message up to it was
        # returned by step() or acknowledged by messages(), so messages() skips it.
        self._read_through = 0
        self._seq_lock = threading.Lock()
        self._lock = threading.Lock()  # one end() at a time

    # ---- state -------------------------------------------------------------------------------

    @property
    def stop_requested(self) -> bool:
        """True once the server said a person asked this agent to stop (STOPPING)."""
        return self.status in (model.SESSION_STATUS_STOPPING, model.SESSION_STATUS_STOPPED)

    @property
    def last_seen_seq(self) -> int:
        """The highest sequence number messages() has delivered (where it resumes)."""
        return self._last_seen_seq

    def _note_status(self, status: int) -> None:
        if status:
            self.status = status

    def _note_read(self, seq: int) -> None:
        with self._seq_lock:
            self._read_through = max(self._read_through, seq)

    def _write(self, fn: Callable[[str], T], request_id: Optional[str]) -> T:
        rid = request_id or new_request_id()
        return _call_with_retry(self.agent.retry, lambda: fn(rid))

    # ---- writes ------------------------------------------------------------------------------

    def step(self, text: str, *, request_id: Optional[str] = None) -> agent_pb.LogStepResponse:
        """Logs a progress step. The response has its `seq`, the session `status` (STOPPING: stop
        soon) and `queued_messages`: user messages not read yet, each returned once (the server
        marks them read; messages() will not hand them out again)."""
        def call(rid):
            return self.stub.LogStep(agent_pb.LogStepRequest(session_id=self.id, text=text, request_id=rid),
                                     timeout=self.agent.call_timeout)
        resp = self._write(call, request_id)
        self._note_status(resp.status)
        if resp.queued_messages:
            self._note_read(resp.queued_messages[-1].seq)
        return resp

    def acknowledge(self, through_seq: int) -> agent_pb.AcknowledgeMessagesResponse:
        """Marks every user message up to `through_seq` as read (AcknowledgeMessages), so step()
        does not return them. messages() does this itself for each user message it hands over;
        call it when you read Subscribe with the raw stub."""
        resp = _call_with_retry(self.agent.retry, lambda: self.stub.AcknowledgeMessages(
            agent_pb.AcknowledgeMessagesRequest(session_id=self.id, through_seq=through_seq),
            timeout=self.agent.call_timeout))
        self._note_read(resp.read_through_seq)
        return resp

    def ask_question(self, question: str, options=None, *, multiple: bool = False,
                     allow_free_text: bool = False, timeout=None, default=None, default_text: str = "",
                     request_id: Optional[str] = None) -> agent_pb.AskQuestionResponse:
        """Asks without waiting; see ask() for the arguments. Returns the stored question."""
        def call(rid):
            req = build_ask(self.id, question, options, multiple=multiple, allow_free_text=allow_free_text,
                            timeout=timeout, default=default, default_text=default_text, request_id=rid)
            return self.stub.AskQuestion(req, timeout=self.agent.call_timeout)
        resp = self._write(call, request_id)
        self._note_status(model.SESSION_STATUS_AWAITING_INPUT)
        return resp

    def ask(self, question: str, options=None, *, multiple: bool = False, allow_free_text: bool = False,
            timeout=None, default=None, default_text: str = "", wait_timeout=None,
            request_id: Optional[str] = None) -> model.Answer:
        """Asks the person a question and blocks until the answer arrives (pushed by the server).

        options: labels (["Ship it", "Wait"]; ids are derived: "ship-it"), a {id: label} dict,
            (id, label[, description]) tuples or QuestionOption messages; none = free text.
        multiple: allow several options. allow_free_text: accept text besides the options.
        timeout: seconds (or timedelta) the person has before `default` (option ids or labels)
            or `default_text` is applied by the server as the answer.
        wait_timeout: give up locally after that many seconds (AnswerTimeout); None waits forever.
        Returns the Answer (option_ids, text, answered_by USER or SYSTEM). Raises StopRequested if
        a person asks the agent to stop meanwhile, SessionEnded if the session ends. Messages the
        person sends meanwhile stay unread: the next step() returns them.
        """
        asked = self.ask_question(question, options, multiple=multiple, allow_free_text=allow_free_text,
                                  timeout=timeout, default=default, default_text=default_text,
                                  request_id=request_id)
        return self.wait_for_answer(asked.question.id, wait_timeout=wait_timeout)

    def wait_for_answer(self, question_id: str, *, wait_timeout=None) -> model.Answer:
        """Waits for the answer to `question_id` with WaitForAnswer, calling again while the server
        says answered=false, and riding out UNAVAILABLE with backoff.

        The server ends a waiting call at once when a person asks the agent to stop or the session
        ends (answered=false with the new status), so StopRequested / SessionEnded come promptly
        without a second stream."""
        def call(req_ms, rpc_timeout):
            req = agent_pb.WaitForAnswerRequest(session_id=self.id, question_id=question_id)
            req.timeout.FromMilliseconds(req_ms)
            resp = self.stub.WaitForAnswer(req, timeout=rpc_timeout)
            return resp.answered, resp.answer, resp.status
        return self._wait_pushed(call, wait_timeout,
                                 lambda limit: AnswerTimeout(f"no answer to question {question_id} within {limit} s"),
                                 "")

    def _wait_pushed(self, call, wait_timeout, timed_out, waiting_for: str):
        """One wait on the push path (an answer, a decision): `call(timeout_ms, rpc_timeout)` makes
        one server call and returns (done, result, status); it is called again while the server
        says not yet, riding out UNAVAILABLE with backoff. The server ends a waiting call at once on
        a stop request (StopRequested) or the session's end (SessionEnded); `timed_out(limit)` is
        the error raised when wait_timeout passes first."""
        limit = to_seconds(wait_timeout)
        deadline = None if limit is None else time.monotonic() + limit
        attempt = 0
        while True:
            chunk = WAIT_CHUNK_SECONDS
            if deadline is not None:
                chunk = min(chunk, deadline - time.monotonic())
                if chunk <= 0:
                    raise timed_out(limit)
            try:
                done, result, status = call(max(1, int(chunk * 1000)), chunk + WAIT_GRACE_SECONDS)
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED or self.agent.retry.should_retry(err, attempt):
                    time.sleep(self.agent.retry.backoff(attempt))
                    attempt += 1
                    continue
                raise
            attempt = 0
            self._note_status(status)
            if done:
                return result
            if status in TERMINAL_STATUSES:
                raise SessionEnded(f"session {self.id} is {status_name(status)}{waiting_for}")
            if status == model.SESSION_STATUS_STOPPING:
                raise StopRequested(f"session {self.id}: a person asked the agent to stop{waiting_for}")

    # ---- tool approvals ----------------------------------------------------------------------

    def ask_approval(self, tool_name: str, tool_input, summary: str = "", *,
                     preview: Optional[model.ApprovalPreview] = None, tool_use_id: str = "",
                     input_editable: bool = False, timeout=None, default=None,
                     request_id: Optional[str] = None, **detail) -> agent_pb.RequestApprovalResponse:
        """Asks for a tool approval without waiting; see request_approval() for the arguments.
        Returns the stored approval (`approval.result` is set when a session rule allowed it)."""
        pv = preview if preview is not None else build_preview(summary, **detail)

        def call(rid):
            req = build_approval(self.id, tool_name, tool_input, pv, tool_use_id=tool_use_id,
                                 input_editable=input_editable, timeout=timeout, default=default, request_id=rid)
            return self.stub.RequestApproval(req, timeout=self.agent.call_timeout)
        return self._write(call, request_id)

    def request_approval(self, tool_name: str, tool_input, summary: str = "", *,
                         preview: Optional[model.ApprovalPreview] = None, tool_use_id: str = "",
                         input_editable: bool = False, timeout=None, default=None, wait_timeout=None,
                         request_id: Optional[str] = None, **detail) -> model.ApprovalResult:
        """Asks the person to allow a tool call and blocks until the decision arrives (pushed).

        tool_input: the tool's input, a dict (sent as JSON) or JSON text.
        summary: one line the person reads first ("Run cargo test"); the detail that fits the tool
            as keywords: command= (command_description=, working_directory=), file_path= with
            diff= (a unified diff), or url= (url_description=); or a ready `preview`.
        input_editable: the person may edit the input (the result's updated_input_json).
        timeout: seconds (or timedelta) the person has before `default` ("deny", the default, or
            "allow_once") applies. wait_timeout: give up locally (ApprovalTimeout).
        Returns the ApprovalResult: decision ALLOW_ONCE / ALLOW_SESSION (later calls of the tool
        come back decided at once) / DENY with `reason`. Raises StopRequested if a person asks the
        agent to stop meanwhile (do not run the tool), SessionEnded if the session ends.
        """
        asked = self.ask_approval(tool_name, tool_input, summary, preview=preview, tool_use_id=tool_use_id,
                                  input_editable=input_editable, timeout=timeout, default=default,
                                  request_id=request_id, **detail)
        if asked.approval.HasField("result"):
            return asked.approval.result
        self._note_status(model.SESSION_STATUS_AWAITING_INPUT)
        return self.wait_for_approval(asked.approval.id, wait_timeout=wait_timeout)

    def wait_for_approval(self, approval_id: str, *, wait_timeout=None) -> model.ApprovalResult:
        """Waits for the decision with WaitForApproval, calling again while decided=false; the
        server ends a waiting call at once on a stop request or the session's end."""
        def call(req_ms, rpc_timeout):
            req = agent_pb.WaitForApprovalRequest(session_id=self.id, approval_id=approval_id)
            req.timeout.FromMilliseconds(req_ms)
            resp = self.stub.WaitForApproval(req, timeout=rpc_timeout)
            return resp.decided, resp.result, resp.status
        return self._wait_pushed(call, wait_timeout,
                                 lambda limit: ApprovalTimeout(f"no decision on approval {approval_id} within {limit} s"),
                                 f" (approval {approval_id} undecided)")

    def resolve_approval(self, decision, *, approval_id: str = "", tool_use_id: str = "", reason: str = "",
                         request_id: Optional[str] = None) -> agent_pb.ResolveApprovalResponse:
        """Reports that the agent's own terminal prompt decided an approval first (named by
        `approval_id` or `tool_use_id`). The first decision wins: `applied` is False when one was
        stored already, and `result` is that one."""
        def call(rid):
            return self.stub.ResolveApproval(agent_pb.ResolveApprovalRequest(
                session_id=self.id, approval_id=approval_id, tool_use_id=tool_use_id,
                decision=decision_of(decision), reason=reason, request_id=rid), timeout=self.agent.call_timeout)
        return self._write(call, request_id)

    def report_diff(self, diff: str, *, request_id: Optional[str] = None) -> agent_pb.ReportDiffResponse:
        """Reports the current unified diff of the working tree (replaces the previous one)."""
        def call(rid):
            return self.stub.ReportDiff(agent_pb.ReportDiffRequest(session_id=self.id, diff=diff, request_id=rid),
                                        timeout=self.agent.call_timeout)
        return self._write(call, request_id)

    def report_git_diff(self, repo: str = ".", *, against: str = "HEAD") -> agent_pb.ReportDiffResponse:
        """Runs `git diff <against>` in `repo` and reports it."""
        diff = subprocess.run(["git", "diff", against], cwd=repo, check=True, capture_output=True,
                              text=True).stdout
        return self.report_diff(diff)

    def report_usage(self, input_tokens: int = 0, output_tokens: int = 0, cost_micros: int = 0, *,
                     request_id: Optional[str] = None) -> agent_pb.ReportUsageResponse:
        """Reports cumulative totals (not increments); cost in micro-dollars (1 USD = 1,000,000)."""
        usage = model.Usage(input_tokens=input_tokens, output_tokens=output_tokens, cost_micros=cost_micros)

        def call(rid):
            return self.stub.ReportUsage(agent_pb.ReportUsageRequest(session_id=self.id, usage=usage, request_id=rid),
                                         timeout=self.agent.call_timeout)
        return self._write(call, request_id)

    def heartbeat(self) -> agent_pb.HeartbeatResponse:
        """Tells the server the agent is alive; returns the status and the unread message count."""
        resp = _call_with_retry(self.agent.retry, lambda: self.stub.Heartbeat(
            agent_pb.HeartbeatRequest(session_id=self.id), timeout=self.agent.call_timeout))
        self._note_status(resp.status)
        return resp

    def end(self, outcome="completed", summary: str = "", *, request_id: Optional[str] = None) -> model.Session:
        """Ends the session ("completed" or "failed"; STOPPED if a stop was requested). Calling it
        again returns the first result."""
        with self._lock:
            if self.ended is not None:
                return self.ended
            out = outcome_of(outcome)

            def call(rid):
                return self.stub.EndSession(agent_pb.EndSessionRequest(
                    session_id=self.id, outcome=out, summary=summary, request_id=rid),
                    timeout=self.agent.call_timeout)
            resp = self._write(call, request_id)
            self.ended = resp.session
            self._note_status(resp.session.status)
            return resp.session

    # ---- reading -----------------------------------------------------------------------------

    def messages(self, after_seq: Optional[int] = None, *, timeout=None,
                 heartbeats: bool = False) -> Iterator[Any]:
        """Iterates over what the agent must react to: user messages, answers and status changes
        (Message, see `.WhichOneof("body")`), live, via Subscribe.

        Answers and status changes come after `after_seq` (default: where the previous messages()
        stopped, 0 at first). User messages come exactly once across step() and messages(): those
        step() already returned are skipped, every unread one is handed over (even one at or
        below `after_seq`), and each is acknowledged (AcknowledgeMessages) as it is handed to you,
        so the next step() does not return it again; one you never received stays unread.
        A dropped stream (UNAVAILABLE) is reopened from the last sequence number seen, so nothing
        is missed or repeated. Ends when the session becomes terminal, when `timeout` seconds
        have passed, or when the caller stops iterating. With heartbeats=True, StreamHeartbeat
        items are yielded too.
        """
        after = self._last_seen_seq if after_seq is None else after_seq
        limit = to_seconds(timeout)
        deadline = None if limit is None else time.monotonic() + limit
        # The server's read position (acknowledging 0 changes nothing and returns it): a resumed
        # session, or another process, may have read further than this helper knows.
        self.acknowledge(0)
        # Replay from the read position too, so an unread user message below `after` is not skipped.
        seq = min(after, self._read_through)
        attempt = 0
        while True:
            remaining = None
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
            call = self.stub.Subscribe(agent_pb.SubscribeRequest(session_id=self.id, after_seq=seq),
                                       timeout=remaining)
            try:
                for item in call:
                    attempt = 0
                    if item.HasField("message"):
                        msg = item.message
                        if msg.seq <= seq:
                            continue
                        if msg.HasField("user_message"):
                            if msg.seq <= self._read_through:
                                seq = msg.seq
                                continue  # already returned by step() or acknowledged
                            # Handed over now, so acknowledged now. If this fails, `seq` has not
                            # moved: the reopened stream delivers the message again.
                            self.acknowledge(msg.seq)
                        elif msg.seq <= after:
                            seq = msg.seq
                            continue
                        seq = msg.seq
                        with self._seq_lock:
                            self._last_seen_seq = max(self._last_seen_seq, msg.seq)
                        if msg.HasField("status_change"):
                            self._note_status(msg.status_change.to_status)
                        yield msg
                    elif heartbeats and item.HasField("heartbeat"):
                        yield item.heartbeat
                return  # OK: the session is terminal
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED and deadline is not None:
                    return
                if not self.agent.retry.should_retry(err, attempt):
                    raise
                time.sleep(self.agent.retry.backoff(attempt))
                attempt += 1
            finally:
                call.cancel()

    # ---- context manager ---------------------------------------------------------------------

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.ended is not None:
            return
        try:
            if exc is None:
                self.end("completed")
            else:
                self.end("failed", failure_summary(exc))
        except grpc.RpcError as err:
            if exc is None and err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            # Already terminal (e.g. stopped by the grace period), or we are unwinding an error.


def _call_with_retry(policy: RetryPolicy, fn: Callable[[], T]) -> T:
    attempt = 0
    while True:
        try:
            return fn()
        except grpc.RpcError as err:
            if not policy.should_retry(err, attempt):
                raise
            time.sleep(policy.backoff(attempt))
            attempt += 1
