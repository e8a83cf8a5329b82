"""Synchronous agent helper: Agent (a connection with an API key) and Session (one run)."""
from __future__ import annotations

import subprocess
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, TypeVar

import grpc

from switchboard._common import (
    ENV_API_KEY, ENV_URL, TERMINAL_STATUSES, WAIT_CHUNK_SECONDS, WAIT_GRACE_SECONDS, AnswerTimeout,
    RetryPolicy, SessionEnded, StopRequested, build_ask, connect, env_or, failure_summary,
    new_request_id, outcome_of, to_seconds)
from switchboard.v1 import agent_service_pb2 as agent_pb
from switchboard.v1 import agent_service_pb2_grpc as agent_grpc
from switchboard.v1 import model_pb2 as model

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT = 30.0


class Agent:
    """A named agent connected to Switchboard with an API key.

    `url` and `api_key` default to $SWITCHBOARD_URL and $SWITCHBOARD_API_KEY. Use it as a context
    manager (or call close()) to close the channel. `stub` is the raw AgentServiceStub, already
    authenticated, for anything the helper does not wrap.
    """

    def __init__(self, name: str, *, url: Optional[str] = None, api_key: Optional[str] = None,
                 retry: RetryPolicy = RetryPolicy(), interceptors: Iterable[Any] = (),
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, channel: Optional[grpc.Channel] = None):
        self.name = name
        self.retry = retry
        self.call_timeout = call_timeout
        self._owns_channel = channel is None
        self.channel = channel or connect(env_or(url, ENV_URL), env_or(api_key, ENV_API_KEY),
                                          interceptors=interceptors)
        self.stub = agent_grpc.AgentServiceStub(self.channel)

    def start_session(self, name: str = "", *, metadata: Optional[Mapping[str, str]] = None,
                      session_id: Optional[str] = None) -> "Session":
        """Starts a session (or resumes `session_id`). The id is chosen here, so a retried start is
        idempotent. Use the result as a context manager: it ends the session on exit, COMPLETED,
        or FAILED when an exception escapes."""
        sid = session_id or new_request_id()
        req = agent_pb.StartSessionRequest(session_id=sid, agent_name=self.name, name=name,
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
        self._lock = threading.Lock()

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

    def _write(self, fn: Callable[[str], T], request_id: Optional[str]) -> T:
        rid = request_id or new_request_id()
        return _call_with_retry(self.agent.retry, lambda: fn(rid))

    # ---- writes ------------------------------------------------------------------------------

    def step(self, text: str, *, request_id: Optional[str] = None) -> agent_pb.LogStepResponse:
        """Logs a progress step. The response has its `seq`, the session `status` (STOPPING: stop
        soon) and `queued_messages`: user messages not read yet, each returned once."""
        def call(rid):
            return self.stub.LogStep(agent_pb.LogStepRequest(session_id=self.id, text=text, request_id=rid),
                                     timeout=self.agent.call_timeout)
        resp = self._write(call, request_id)
        self._note_status(resp.status)
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
        a person asks the agent to stop meanwhile, SessionEnded if the session ends.
        """
        asked = self.ask_question(question, options, multiple=multiple, allow_free_text=allow_free_text,
                                  timeout=timeout, default=default, default_text=default_text,
                                  request_id=request_id)
        return self.wait_for_answer(asked.question.id, wait_timeout=wait_timeout, after_seq=asked.seq)

    def wait_for_answer(self, question_id: str, *, wait_timeout=None, after_seq: int = 0) -> model.Answer:
        """Waits for the answer to `question_id` with WaitForAnswer, calling again while the server
        says answered=false, and riding out UNAVAILABLE with backoff.

        Meanwhile a Subscribe stream (from `after_seq`, the question's seq when called by ask())
        watches for a stop request or the session's end, so that StopRequested / SessionEnded are
        raised at once rather than when the current WaitForAnswer call times out."""
        limit = to_seconds(wait_timeout)
        deadline = None if limit is None else time.monotonic() + limit
        watcher = _StopWatcher(self, after_seq)
        try:
            attempt = 0
            while True:
                chunk = WAIT_CHUNK_SECONDS
                if deadline is not None:
                    chunk = min(chunk, deadline - time.monotonic())
                    if chunk <= 0:
                        raise AnswerTimeout(f"no answer to question {question_id} within {limit} s")
                watcher.check()
                req = agent_pb.WaitForAnswerRequest(session_id=self.id, question_id=question_id)
                req.timeout.FromMilliseconds(max(1, int(chunk * 1000)))
                call = self.stub.WaitForAnswer.future(req, timeout=chunk + WAIT_GRACE_SECONDS)
                watcher.current = call
                if watcher.stopped_as is not None:  # the stop came before the call was visible
                    call.cancel()
                try:
                    resp = call.result()
                except grpc.FutureCancelledError:
                    watcher.check()
                    raise
                except grpc.RpcError as err:
                    if err.code() == grpc.StatusCode.CANCELLED:
                        watcher.check()
                    if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED or self.agent.retry.should_retry(err, attempt):
                        time.sleep(self.agent.retry.backoff(attempt))
                        attempt += 1
                        continue
                    raise
                finally:
                    watcher.current = None
                    call.cancel()  # no-op once finished; ends the call on KeyboardInterrupt
                attempt = 0
                self._note_status(resp.status)
                if resp.answered:
                    return resp.answer
                if resp.status in TERMINAL_STATUSES:
                    raise SessionEnded(f"session {self.id} is {model.SessionStatus.Name(resp.status)}")
                if resp.status == model.SESSION_STATUS_STOPPING:
                    raise StopRequested(f"session {self.id}: a person asked the agent to stop")
        finally:
            watcher.close()

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

        Starts after `after_seq` (default: where the previous messages() stopped, 0 at first).
        A dropped stream (UNAVAILABLE) is reopened from the last sequence number seen, so nothing
        is missed or repeated. Ends when the session becomes terminal, when `timeout` seconds
        have passed, or when the caller stops iterating. With heartbeats=True, StreamHeartbeat
        items are yielded too.
        """
        seq = self._last_seen_seq if after_seq is None else after_seq
        limit = to_seconds(timeout)
        deadline = None if limit is None else time.monotonic() + limit
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
                        seq = msg.seq
                        self._last_seen_seq = max(self._last_seen_seq, seq)
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


class _StopWatcher:
    """Follows the session's Subscribe stream in a thread during a wait; on a change to STOPPING
    or to a terminal status it cancels the current WaitForAnswer call. Best effort: if the
    stream fails, the wait goes on and the status in WaitForAnswer's reply still tells."""

    def __init__(self, session: "Session", after_seq: int):
        self._session = session
        self.stopped_as: Optional[int] = None
        self.current = None  # the WaitForAnswer call in flight
        self._stream = session.stub.Subscribe(agent_pb.SubscribeRequest(session_id=session.id, after_seq=after_seq))
        self._thread = threading.Thread(target=self._run, name="switchboard-stop-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for item in self._stream:
                change = item.message.status_change if item.HasField("message") else None
                if change is None or not item.message.HasField("status_change"):
                    continue
                if change.to_status == model.SESSION_STATUS_STOPPING or change.to_status in TERMINAL_STATUSES:
                    self._stop(change.to_status)
                    return
        except grpc.RpcError:
            return

    def _stop(self, status: int) -> None:
        self.stopped_as = status
        self._session._note_status(status)
        call = self.current
        if call is not None:
            call.cancel()

    def check(self) -> None:
        if self.stopped_as is None:
            return
        if self.stopped_as in TERMINAL_STATUSES:
            raise SessionEnded(f"session {self._session.id} is {model.SessionStatus.Name(self.stopped_as)}")
        raise StopRequested(f"session {self._session.id}: a person asked the agent to stop")

    def close(self) -> None:
        self._stream.cancel()


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
