"""asyncio (grpc.aio) agent helper: AsyncAgent and AsyncSession, mirroring switchboard.agent."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Optional, TypeVar

import grpc
import grpc.aio

from switchboard._common import (
    ENV_URL, TERMINAL_STATUSES, WAIT_CHUNK_SECONDS, WAIT_GRACE_SECONDS, AnswerTimeout,
    ApprovalTimeout, RetryPolicy, SessionEnded, StopRequested, _with_auth, api_key_from_env, build_approval, build_ask,
    build_preview, decision_of, env_or, tls_credentials, failure_summary, new_request_id, outcome_of, parse_url, status_name,
    to_seconds)
from switchboard.v1 import agent_service_pb2 as agent_pb
from switchboard.v1 import agent_service_pb2_grpc as agent_grpc
from switchboard.v1 import model_pb2 as model

T = TypeVar("T")

DEFAULT_CALL_TIMEOUT = 30.0


class _AioAuthBase:
    def __init__(self, token: str):
        self._token = token

    def _details(self, d):
        return grpc.aio.ClientCallDetails(d.method, d.timeout, grpc.aio.Metadata(*_with_auth(d.metadata, self._token)),
                                          d.credentials, d.wait_for_ready)


# grpc.aio files each interceptor under its first matching kind only, hence one class per kind.
class _AioAuthUnary(_AioAuthBase, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


class _AioAuthServerStream(_AioAuthBase, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)


def connect_aio(url: Optional[str] = None, token: Optional[str] = None, *,
                interceptors: Iterable[Any] = (), options=(), ca_file: Optional[str] = None) -> grpc.aio.Channel:
    """A grpc.aio channel to `url` (default $SWITCHBOARD_URL) with bearer auth, like connect()."""
    target, secure = parse_url(env_or(url, ENV_URL))
    chain = ([_AioAuthUnary(token), _AioAuthServerStream(token)] if token else []) + list(interceptors)
    if secure:
        return grpc.aio.secure_channel(target, tls_credentials(ca_file), options=list(options),
                                       interceptors=chain or None)
    return grpc.aio.insecure_channel(target, options=list(options), interceptors=chain or None)


async def _call_with_retry(policy: RetryPolicy, fn: Callable[[], Awaitable[T]]) -> T:
    attempt = 0
    while True:
        try:
            return await fn()
        except grpc.RpcError as err:
            if not policy.should_retry(err, attempt):
                raise
            await asyncio.sleep(policy.backoff(attempt))
            attempt += 1


class AsyncAgent:
    """asyncio twin of switchboard.Agent (`async with AsyncAgent("name") as agent:`)."""

    def __init__(self, name: str, *, url: Optional[str] = None, api_key: Optional[str] = None,
                 retry: RetryPolicy = RetryPolicy(), interceptors: Iterable[Any] = (),
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, channel: Optional[grpc.aio.Channel] = None,
                 ca_file: Optional[str] = None):
        self.name = name
        self.retry = retry
        self.call_timeout = call_timeout
        self._owns_channel = channel is None
        self.channel = channel or connect_aio(env_or(url, ENV_URL), api_key or api_key_from_env(),
                                              interceptors=interceptors, ca_file=ca_file)
        self.stub = agent_grpc.AgentServiceStub(self.channel)

    async def start_session(self, name: str = "", *, metadata: Optional[Mapping[str, str]] = None,
                            session_id: Optional[str] = None) -> "AsyncSession":
        """Starts a new session (the server chooses its id), or resumes the existing session
        `session_id` of this user (`NotFound` when it names none); one request id for every retry,
        as in Agent.start_session. `async with await agent.start_session(...) as s:`."""
        req = agent_pb.StartSessionRequest(session_id=session_id or "", agent_name=self.name, name=name,
                                           metadata=dict(metadata or {}), request_id=new_request_id())
        resp = await _call_with_retry(self.retry, lambda: self.stub.StartSession(req, timeout=self.call_timeout))
        return AsyncSession(self, resp.session, resumed=resp.resumed)

    async def close(self) -> None:
        if self._owns_channel:
            await self.channel.close()

    async def __aenter__(self) -> "AsyncAgent":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


class AsyncSession:
    """asyncio twin of switchboard.Session: same methods, awaited; messages() is an async iterator."""

    def __init__(self, agent: AsyncAgent, session: model.Session, *, resumed: bool = False):
        self.agent = agent
        self.stub = agent.stub
        self.id: str = session.id
        self.info: model.Session = session
        self.resumed = resumed
        self.status: int = session.status
        self.ended: Optional[model.Session] = None
        self._last_seen_seq = 0
        self._read_through = 0  # see switchboard.Session: user messages up to it are read
        self._end_lock = asyncio.Lock()

    @property
    def stop_requested(self) -> bool:
        return self.status in (model.SESSION_STATUS_STOPPING, model.SESSION_STATUS_STOPPED)

    @property
    def last_seen_seq(self) -> int:
        return self._last_seen_seq

    def _note_status(self, status: int) -> None:
        if status:
            self.status = status

    async def _write(self, fn: Callable[[str], Awaitable[T]], request_id: Optional[str]) -> T:
        rid = request_id or new_request_id()
        return await _call_with_retry(self.agent.retry, lambda: fn(rid))

    async def step(self, text: str, *, request_id: Optional[str] = None) -> agent_pb.LogStepResponse:
        """LogStep; `queued_messages` are the unread user messages, each returned once."""
        resp = await self._write(lambda rid: self.stub.LogStep(
            agent_pb.LogStepRequest(session_id=self.id, text=text, request_id=rid),
            timeout=self.agent.call_timeout), request_id)
        self._note_status(resp.status)
        if resp.queued_messages:
            self._read_through = max(self._read_through, resp.queued_messages[-1].seq)
        return resp

    async def acknowledge(self, through_seq: int) -> agent_pb.AcknowledgeMessagesResponse:
        """AcknowledgeMessages: every user message up to `through_seq` becomes read (messages()
        does it for each user message it hands over)."""
        resp = await _call_with_retry(self.agent.retry, lambda: self.stub.AcknowledgeMessages(
            agent_pb.AcknowledgeMessagesRequest(session_id=self.id, through_seq=through_seq),
            timeout=self.agent.call_timeout))
        self._read_through = max(self._read_through, resp.read_through_seq)
        return resp

    async def ask_question(self, question: str, options=None, *, multiple: bool = False,
                           allow_free_text: bool = False, timeout=None, default=None, default_text: str = "",
                           request_id: Optional[str] = None) -> agent_pb.AskQuestionResponse:
        def call(rid):
            req = build_ask(self.id, question, options, multiple=multiple, allow_free_text=allow_free_text,
                            timeout=timeout, default=default, default_text=default_text, request_id=rid)
            return self.stub.AskQuestion(req, timeout=self.agent.call_timeout)
        resp = await self._write(call, request_id)
        self._note_status(model.SESSION_STATUS_AWAITING_INPUT)
        return resp

    async def ask(self, question: str, options=None, *, multiple: bool = False, allow_free_text: bool = False,
                  timeout=None, default=None, default_text: str = "", wait_timeout=None,
                  request_id: Optional[str] = None) -> model.Answer:
        """Asks and waits for the answer; arguments as switchboard.Session.ask()."""
        asked = await self.ask_question(question, options, multiple=multiple, allow_free_text=allow_free_text,
                                        timeout=timeout, default=default, default_text=default_text,
                                        request_id=request_id)
        return await self.wait_for_answer(asked.question.id, wait_timeout=wait_timeout)

    async def wait_for_answer(self, question_id: str, *, wait_timeout=None) -> model.Answer:
        """Waits for the answer (WaitForAnswer, again while answered=false); the server ends the
        wait at once on a stop request or the session's end (StopRequested / SessionEnded). See
        switchboard.Session.wait_for_answer()."""
        async def call(req_ms, rpc_timeout):
            req = agent_pb.WaitForAnswerRequest(session_id=self.id, question_id=question_id)
            req.timeout.FromMilliseconds(req_ms)
            resp = await self.stub.WaitForAnswer(req, timeout=rpc_timeout)
            return resp.answered, resp.answer, resp.status
        return await self._wait_pushed(call, wait_timeout,
                                       lambda limit: AnswerTimeout(f"no answer to question {question_id} within {limit} s"),
                                       "")

    async def _wait_pushed(self, call, wait_timeout, timed_out, waiting_for: str):
        """One wait on the push path; see switchboard.Session._wait_pushed()."""
        loop = asyncio.get_running_loop()
        limit = to_seconds(wait_timeout)
        deadline = None if limit is None else loop.time() + limit
        attempt = 0
        while True:
            chunk = WAIT_CHUNK_SECONDS
            if deadline is not None:
                chunk = min(chunk, deadline - loop.time())
                if chunk <= 0:
                    raise timed_out(limit)
            try:
                done, result, status = await call(max(1, int(chunk * 1000)), chunk + WAIT_GRACE_SECONDS)
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED or self.agent.retry.should_retry(err, attempt):
                    await asyncio.sleep(self.agent.retry.backoff(attempt))
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

    async def ask_approval(self, tool_name: str, tool_input, summary: str = "", *,
                           preview: Optional[model.ApprovalPreview] = None, tool_use_id: str = "",
                           input_editable: bool = False, timeout=None, default=None,
                           request_id: Optional[str] = None, **detail) -> agent_pb.RequestApprovalResponse:
        """Asks for a tool approval without waiting; arguments as switchboard.Session.request_approval()."""
        pv = preview if preview is not None else build_preview(summary, **detail)

        def call(rid):
            req = build_approval(self.id, tool_name, tool_input, pv, tool_use_id=tool_use_id,
                                 input_editable=input_editable, timeout=timeout, default=default, request_id=rid)
            return self.stub.RequestApproval(req, timeout=self.agent.call_timeout)
        return await self._write(call, request_id)

    async def request_approval(self, tool_name: str, tool_input, summary: str = "", *,
                               preview: Optional[model.ApprovalPreview] = None, tool_use_id: str = "",
                               input_editable: bool = False, timeout=None, default=None, wait_timeout=None,
                               request_id: Optional[str] = None, **detail) -> model.ApprovalResult:
        """Asks the person to allow a tool call and waits for the decision; arguments and errors as
        switchboard.Session.request_approval()."""
        asked = await self.ask_approval(tool_name, tool_input, summary, preview=preview, tool_use_id=tool_use_id,
                                        input_editable=input_editable, timeout=timeout, default=default,
                                        request_id=request_id, **detail)
        if asked.approval.HasField("result"):
            return asked.approval.result
        self._note_status(model.SESSION_STATUS_AWAITING_INPUT)
        return await self.wait_for_approval(asked.approval.id, wait_timeout=wait_timeout)

    async def wait_for_approval(self, approval_id: str, *, wait_timeout=None) -> model.ApprovalResult:
        """Waits for the decision (WaitForApproval, again while decided=false); StopRequested /
        SessionEnded at once on a stop request or the session's end, ApprovalTimeout locally."""
        async def call(req_ms, rpc_timeout):
            req = agent_pb.WaitForApprovalRequest(session_id=self.id, approval_id=approval_id)
            req.timeout.FromMilliseconds(req_ms)
            resp = await self.stub.WaitForApproval(req, timeout=rpc_timeout)
            return resp.decided, resp.result, resp.status
        return await self._wait_pushed(call, wait_timeout,
                                       lambda limit: ApprovalTimeout(f"no decision on approval {approval_id} within {limit} s"),
                                       f" (approval {approval_id} undecided)")

    async def resolve_approval(self, decision, *, approval_id: str = "", tool_use_id: str = "", reason: str = "",
                               request_id: Optional[str] = None) -> agent_pb.ResolveApprovalResponse:
        """Reports that the agent's own terminal prompt decided first; see switchboard.Session.resolve_approval()."""
        def call(rid):
            return self.stub.ResolveApproval(agent_pb.ResolveApprovalRequest(
                session_id=self.id, approval_id=approval_id, tool_use_id=tool_use_id,
                decision=decision_of(decision), reason=reason, request_id=rid), timeout=self.agent.call_timeout)
        return await self._write(call, request_id)

    async def report_diff(self, diff: str, *, request_id: Optional[str] = None) -> agent_pb.ReportDiffResponse:
        return await self._write(lambda rid: self.stub.ReportDiff(
            agent_pb.ReportDiffRequest(session_id=self.id, diff=diff, request_id=rid),
            timeout=self.agent.call_timeout), request_id)

    async def report_usage(self, input_tokens: int = 0, output_tokens: int = 0, cost_micros: int = 0, *,
                           request_id: Optional[str] = None) -> agent_pb.ReportUsageResponse:
        usage = model.Usage(input_tokens=input_tokens, output_tokens=output_tokens, cost_micros=cost_micros)
        return await self._write(lambda rid: self.stub.ReportUsage(
            agent_pb.ReportUsageRequest(session_id=self.id, usage=usage, request_id=rid),
            timeout=self.agent.call_timeout), request_id)

    async def heartbeat(self) -> agent_pb.HeartbeatResponse:
        resp = await _call_with_retry(self.agent.retry, lambda: self.stub.Heartbeat(
            agent_pb.HeartbeatRequest(session_id=self.id), timeout=self.agent.call_timeout))
        self._note_status(resp.status)
        return resp

    async def end(self, outcome="completed", summary: str = "", *,
                  request_id: Optional[str] = None) -> model.Session:
        async with self._end_lock:
            if self.ended is not None:
                return self.ended
            out = outcome_of(outcome)
            resp = await self._write(lambda rid: self.stub.EndSession(
                agent_pb.EndSessionRequest(session_id=self.id, outcome=out, summary=summary, request_id=rid),
                timeout=self.agent.call_timeout), request_id)
            self.ended = resp.session
            self._note_status(resp.session.status)
            return resp.session

    async def messages(self, after_seq: Optional[int] = None, *, timeout=None,
                       heartbeats: bool = False) -> AsyncIterator[Any]:
        """Async iterator over user messages, answers and status changes (Subscribe): user
        messages exactly once across step() and messages(), each acknowledged as it is handed
        over; resumes from the last sequence number after a dropped stream. See
        switchboard.Session.messages()."""
        loop = asyncio.get_running_loop()
        after = self._last_seen_seq if after_seq is None else after_seq
        limit = to_seconds(timeout)
        deadline = None if limit is None else loop.time() + limit
        await self.acknowledge(0)  # learn the server's read position (changes nothing)
        seq = min(after, self._read_through)
        attempt = 0
        while True:
            remaining = None
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
            call = self.stub.Subscribe(agent_pb.SubscribeRequest(session_id=self.id, after_seq=seq),
                                       timeout=remaining)
            try:
                async for item in call:
                    attempt = 0
                    if item.HasField("message"):
                        msg = item.message
                        if msg.seq <= seq:
                            continue
                        if msg.HasField("user_message"):
                            if msg.seq <= self._read_through:
                                seq = msg.seq
                                continue  # already returned by step() or acknowledged
                            await self.acknowledge(msg.seq)  # handed over now; on failure `seq` stays
                        elif msg.seq <= after:
                            seq = msg.seq
                            continue
                        seq = msg.seq
                        self._last_seen_seq = max(self._last_seen_seq, seq)
                        if msg.HasField("status_change"):
                            self._note_status(msg.status_change.to_status)
                        yield msg
                    elif heartbeats and item.HasField("heartbeat"):
                        yield item.heartbeat
                return
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED and deadline is not None:
                    return
                if not self.agent.retry.should_retry(err, attempt):
                    raise
                await asyncio.sleep(self.agent.retry.backoff(attempt))
                attempt += 1
            finally:
                call.cancel()

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if self.ended is not None:
            return
        try:
            if exc is None:
                await self.end("completed")
            else:
                await self.end("failed", failure_summary(exc))
        except grpc.RpcError as err:
            if exc is None and err.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
