"""The sync helper, end to end against the live server: the agent in one thread, the person
(Dashboard) in another."""
import threading
import uuid

import grpc
import pytest

from switchboard import Agent
from switchboard.v1 import model_pb2 as model

DIFF = """diff --git a/hello.txt b/hello.txt
index 3b18e51..a042389 100644
--- a/hello.txt
+++ b/hello.txt
@@ -1,2 +1,3 @@
 hello
-world
+there
+everyone
"""


def run_in_thread(fn):
    """Runs fn() in a thread; returns a join() that re-raises its exception."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in join
            box["error"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()

    def join(timeout=30):
        t.join(timeout)
        assert not t.is_alive(), "thread did not finish"
        if "error" in box:
            raise box["error"]
        return box.get("value")
    return join


def bodies(messages):
    return [m.WhichOneof("body") for m in messages]


def test_agent_session_end_to_end(person, agent_name):
    with Agent(agent_name) as agent:
        with agent.start_session("sync e2e", metadata={"suite": "python"}) as s:
            assert s.info.agent_name == agent_name
            assert s.status == model.SESSION_STATUS_ACTIVE
            first = s.step("cloned the repository")
            second = s.step("ran the tests")
            assert 0 < first.seq < second.seq

            # The person answers the question from another thread, as soon as it is asked.
            def person_answers():
                q = person.wait_for_question(s.id, timeout=30)
                assert [o.label for o in q.options] == ["Ship it", "Wait for review"]
                person.answer(s.id, q.id, option_ids=[q.options[1].id])
                return q
            answered = run_in_thread(person_answers)
            answer = s.ask("Deploy to production?", options=["Ship it", "Wait for review"], wait_timeout=30)
            q = answered()
            assert answer.question_id == q.id
            assert list(answer.option_ids) == ["wait-for-review"]
            assert answer.answered_by == model.SENDER_USER

            # A user message arrives on the live messages() stream.
            seen = []
            sent = run_in_thread(lambda: person.send_message(s.id, "please also update the changelog"))
            for msg in s.messages(timeout=20):
                seen.append(msg)
                if msg.HasField("user_message"):
                    break
            sent()
            assert seen and seen[-1].user_message.text == "please also update the changelog"
            assert seen[-1].sender == model.SENDER_USER
            assert "answer" in bodies(seen)  # the subscription replays the answer too
            assert [m.seq for m in seen] == sorted({m.seq for m in seen})

            diff = s.report_diff(DIFF)
            assert (diff.summary.files_changed, diff.summary.additions, diff.summary.deletions) == (1, 2, 1)
            s.report_usage(input_tokens=1200, output_tokens=300, cost_micros=4500)
        # Leaving the block ended the session.
        assert s.ended is not None and s.ended.status == model.SESSION_STATUS_COMPLETED

    got = person.get_session(s.id).session
    assert got.status == model.SESSION_STATUS_COMPLETED
    assert got.metadata["suite"] == "python"
    assert (got.usage.input_tokens, got.usage.output_tokens, got.usage.cost_micros) == (1200, 300, 4500)
    kinds = bodies(person.list_messages(s.id))
    for kind in ("step", "question", "answer", "user_message", "diff_update", "usage_update", "status_change"):
        assert kind in kinds


def test_exception_ends_session_failed(person, agent_name):
    with Agent(agent_name) as agent:
        with pytest.raises(RuntimeError):
            with agent.start_session("doomed") as s:
                s.step("about to fail")
                raise RuntimeError("disk full")
    got = person.get_session(s.id).session
    assert got.status == model.SESSION_STATUS_FAILED
    assert "disk full" in got.summary


def test_revoked_key_is_unauthenticated(person, agent_name):
    created = person.create_api_key(f"revoke-me-{uuid.uuid4().hex[:6]}")
    assert created.secret.startswith("sb_live_")
    with Agent(agent_name, api_key=created.secret) as agent:
        s = agent.start_session("short-lived key")
        s.step("works while the key is valid")
        person.revoke_api_key(created.api_key.id)
        with pytest.raises(grpc.RpcError) as err:
            s.step("refused")
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


class _FakeUnavailable(grpc.RpcError, grpc.Call):
    """What a client sees when the connection drops after the server committed the write."""

    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "connection reset (simulated after the server answered)"

    def result(self, timeout=None):
        raise self

    def exception(self, timeout=None):
        return self

    def traceback(self, timeout=None):
        return None

    def initial_metadata(self):
        return None

    def trailing_metadata(self):
        return None

    def time_remaining(self):
        return None

    def is_active(self):
        return False

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False

    def add_done_callback(self, fn):
        fn(self)


class LoseFirstResponse(grpc.UnaryUnaryClientInterceptor):
    """Sends the first call of `method` to the real server, then reports UNAVAILABLE instead of its
    reply. Records every request of that method and the reply that was lost."""

    def __init__(self, method="LogStep"):
        self.suffix = "/" + method
        self.requests = []
        self.lost = None

    @property
    def request_ids(self):
        return [r.request_id for r in self.requests]

    def intercept_unary_unary(self, continuation, details, request):
        outcome = continuation(details, request)
        if details.method.endswith(self.suffix):
            self.requests.append(request)
            if len(self.requests) == 1:
                self.lost = outcome.result()  # the server has committed the write
                return _FakeUnavailable()
        return outcome


def test_retried_step_creates_one_message(person, agent_name):
    lossy = LoseFirstResponse()
    with Agent(agent_name, interceptors=[lossy]) as agent, agent.start_session("retry") as s:
        resp = s.step("exactly once, please")
        assert len(lossy.request_ids) == 2 and lossy.request_ids[0] == lossy.request_ids[1]
        # An explicit retry with the same request id returns the first result as well.
        again = s.step("exactly once, please", request_id=lossy.request_ids[0])
        assert again.seq == resp.seq
    steps = [m for m in person.list_messages(s.id)
             if m.HasField("step") and m.step.text == "exactly once, please"]
    assert len(steps) == 1 and steps[0].seq == resp.seq


def test_resume_by_id_and_unknown_id_is_not_found(agent_name):
    with Agent(agent_name) as agent:
        first = agent.start_session("to resume")
        assert not first.resumed
        before = first.step("before the restart")
        again = agent.start_session(session_id=first.id)
        assert again.resumed and again.id == first.id
        assert again.info.last_seq >= before.seq
        # Ids are minted by the server only: an unused one (or another user's) is NOT_FOUND.
        with pytest.raises(grpc.RpcError) as err:
            agent.start_session(session_id=str(uuid.uuid4()))
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        first.end()


def test_retried_start_returns_the_first_session(agent_name):
    lossy = LoseFirstResponse("StartSession")
    with Agent(agent_name, interceptors=[lossy]) as agent, agent.start_session("retried start") as s:
        # Both attempts: no client-chosen id, one request id; the retry gets the lost reply's session.
        assert [r.session_id for r in lossy.requests] == ["", ""]
        assert lossy.request_ids[0] == lossy.request_ids[1]
        assert s.id == lossy.lost.session.id and s.resumed


class _DropAfterFirst:
    """Wraps a Subscribe call: yields its first item, then fails like a dropped connection."""

    def __init__(self, call):
        self._call = call

    def __iter__(self):
        for i, item in enumerate(self._call):
            yield item
            if i == 0:
                self._call.cancel()
                raise _FakeUnavailable()

    def cancel(self):
        return self._call.cancel()


class DropFirstSubscribe(grpc.UnaryStreamClientInterceptor):
    def __init__(self):
        self.after_seqs = []

    def intercept_unary_stream(self, continuation, details, request):
        self.after_seqs.append(request.after_seq)
        call = continuation(details, request)
        return _DropAfterFirst(call) if len(self.after_seqs) == 1 else call


def test_messages_resume_after_dropped_stream(person, agent_name):
    dropper = DropFirstSubscribe()
    with Agent(agent_name, interceptors=[dropper]) as agent, agent.start_session("resume") as s:
        s.step("working")
        first = person.send_message(s.id, "first")
        second = person.send_message(s.id, "second")
        delivered = []
        for msg in s.messages(timeout=20):
            delivered.append(msg)
            if msg.seq == second.seq:
                break
        got = [m for m in delivered if m.HasField("user_message")]
        assert [m.user_message.text for m in got] == ["first", "second"]
        assert [m.seq for m in got] == [first.seq, second.seq]
        seqs = [m.seq for m in delivered]
        assert seqs == sorted(set(seqs))  # nothing repeated after the reconnect
        # The stream was reopened after the last sequence number delivered before the drop.
        assert dropper.after_seqs[:2] == [0, delivered[0].seq]


def test_stop_request_is_seen_and_ends_stopped(person, agent_name):
    with Agent(agent_name) as agent:
        with agent.start_session("to be stopped") as s:
            s.step("long task")
            person.stop_session(s.id, "enough for today")
            assert not s.stop_requested
            s.step("noticed?")
            assert s.stop_requested
            stop = next(m for m in s.messages(timeout=10) if m.HasField("status_change")
                        and m.status_change.to_status == model.SESSION_STATUS_STOPPING)
            assert stop.status_change.reason == "enough for today"
        assert s.ended.status == model.SESSION_STATUS_STOPPED


def test_stop_request_interrupts_a_waiting_ask(person, agent_name):
    from switchboard import StopRequested
    with Agent(agent_name) as agent:
        with pytest.raises(StopRequested):
            with agent.start_session("stopped while asking") as s:
                def person_stops():
                    q = person.wait_for_question(s.id, timeout=30)
                    person.stop_session(s.id, "never mind")
                    return q
                stopped = run_in_thread(person_stops)
                try:
                    # The server ends the waiting call on the stop: StopRequested, not AnswerTimeout.
                    s.ask("Shall I go on?", options=["Yes", "No"], wait_timeout=30)
                finally:
                    stopped()
        assert s.ended.status == model.SESSION_STATUS_STOPPED


def test_message_sent_during_ask_is_delivered_exactly_once(person, agent_name):
    """Issue 11: the person writes while the agent waits in ask(), then answers. The message
    reaches the agent once: on the next step, not on the one after, and not on the message stream
    (which replays the session from its start). With the former helper (a second Subscribe during
    ask() that dropped user messages, and a server that counted every message written to a stream
    as read) the first step returned nothing and the message was lost."""
    with Agent(agent_name) as agent, agent.start_session("message during ask") as s:
        s.step("working")

        def person_writes_then_answers():
            q = person.wait_for_question(s.id, timeout=30)
            sent = person.send_message(s.id, "please also update the README")
            person.answer(s.id, q.id, option_ids=[q.options[0].id])
            return sent
        acting = run_in_thread(person_writes_then_answers)
        answer = s.ask("Go ahead?", options=["Go ahead", "Hold on"], wait_timeout=30)
        sent = acting()
        assert list(answer.option_ids) == ["go-ahead"]

        first = s.step("answered")
        assert [(m.seq, m.user_message.text) for m in first.queued_messages] == [
            (sent.seq, "please also update the README")]
        assert list(s.step("next").queued_messages) == []

        # The stream skips what step() returned; a newer message arrives there once, is
        # acknowledged as it is handed over, and so is not returned by the next step either.
        later = person.send_message(s.id, "and the changelog")
        users = []
        for msg in s.messages(timeout=20):
            if msg.HasField("user_message"):
                users.append((msg.seq, msg.user_message.text))
                if msg.seq == later.seq:
                    break
        assert users == [(later.seq, "and the changelog")]
        assert list(s.step("after the stream").queued_messages) == []
