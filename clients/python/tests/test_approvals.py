"""Tool approvals through the helpers (sync and asyncio), live: the agent waits in request_approval()
while the person decides through DashboardService from another thread."""
import asyncio
import json

import grpc
import pytest

from switchboard import Agent, StopRequested
from switchboard.aio import AsyncAgent
from switchboard.v1 import model_pb2 as model

from test_agent_sync import run_in_thread


def test_person_allows_with_edited_input_then_for_the_session(person, agent_name):
    with Agent(agent_name) as agent, agent.start_session("approvals") as s:
        def person_allows():
            a = person.wait_for_approval(s.id, timeout=30)
            assert a.tool_name == "Bash"
            assert a.preview.shell_command.command == "cargo test"
            assert person.get_session(s.id).session.status == model.SESSION_STATUS_AWAITING_INPUT
            person.decide(s.id, a.id, model.APPROVAL_DECISION_ALLOW_ONCE,
                          updated_input_json='{"command": "cargo test --locked"}')
        decided = run_in_thread(person_allows)
        r = s.request_approval("Bash", {"command": "cargo test"}, "Run the tests", command="cargo test",
                               input_editable=True, wait_timeout=30)
        decided()
        assert r.decision == model.APPROVAL_DECISION_ALLOW_ONCE
        assert r.decided_by == model.SENDER_USER
        assert json.loads(r.updated_input_json) == {"command": "cargo test --locked"}

        # Allow for the session: the next call of the same tool needs no person.
        def person_allows_session():
            a = person.wait_for_approval(s.id, timeout=30)
            person.decide(s.id, a.id, model.APPROVAL_DECISION_ALLOW_SESSION)
        decided = run_in_thread(person_allows_session)
        r = s.request_approval("Read", {"file_path": "README.md"}, "Read README.md", wait_timeout=30)
        decided()
        assert r.decision == model.APPROVAL_DECISION_ALLOW_SESSION
        again = s.request_approval("Read", {"file_path": "setup.py"}, "Read setup.py", wait_timeout=5)
        assert again.decided_by == model.SENDER_SYSTEM
        assert again.decision != model.APPROVAL_DECISION_DENY


def test_person_denies_with_a_reason_and_a_retry_asks_once(person, agent_name):
    with Agent(agent_name) as agent, agent.start_session("denied") as s:
        def person_denies():
            a = person.wait_for_approval(s.id, timeout=30)
            assert a.preview.file_change.path == "src/lib.rs"
            person.decide(s.id, a.id, model.APPROVAL_DECISION_DENY, reason="not that file")
        decided = run_in_thread(person_denies)
        r = s.request_approval("Edit", {"file_path": "src/lib.rs"}, "Edit src/lib.rs", file_path="src/lib.rs",
                               diff="--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1 @@\n-a\n+b\n",
                               request_id="edit-lib-1", wait_timeout=30)
        decided()
        assert r.decision == model.APPROVAL_DECISION_DENY
        assert r.reason == "not that file"
        # The same request id (a retry after a lost response) returns the first approval, decided.
        again = s.ask_approval("Edit", {"file_path": "src/lib.rs"}, "Edit src/lib.rs", request_id="edit-lib-1")
        assert again.approval.id == r.approval_id
        approvals = [m for m in person.list_messages(s.id) if m.HasField("approval")]
        assert len(approvals) == 1


def test_stop_request_interrupts_a_waiting_request_approval(person, agent_name):
    with Agent(agent_name) as agent:
        with pytest.raises(StopRequested):
            with agent.start_session("stopped while waiting for approval") as s:
                def person_stops():
                    person.wait_for_approval(s.id, timeout=30)
                    person.stop_session(s.id, "not now")
                stopped = run_in_thread(person_stops)
                try:
                    s.request_approval("Bash", {"command": "make deploy"}, "Deploy", command="make deploy",
                                       wait_timeout=30)
                finally:
                    stopped()
        assert s.ended.status == model.SESSION_STATUS_STOPPED


def test_terminal_answers_first_and_the_person_is_told(person, agent_name):
    with Agent(agent_name) as agent, agent.start_session("terminal first") as s:
        asked = s.ask_approval("WebFetch", {"url": "https://example.com"}, "Fetch example.com",
                               url="https://example.com", tool_use_id="toolu_py_1")
        res = s.resolve_approval("allow_once", tool_use_id="toolu_py_1")
        assert res.applied and res.result.decided_by == model.SENDER_AGENT
        assert s.wait_for_approval(asked.approval.id, wait_timeout=10).decision == model.APPROVAL_DECISION_ALLOW_ONCE
        with pytest.raises(grpc.RpcError) as err:
            person.decide(s.id, asked.approval.id, model.APPROVAL_DECISION_DENY)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_async_request_approval_allowed_by_the_person(person, agent_name):
    async def run():
        async with AsyncAgent(agent_name) as agent:
            async with await agent.start_session("async approvals") as s:
                def person_allows():
                    a = person.wait_for_approval(s.id, timeout=30)
                    person.decide(s.id, a.id, model.APPROVAL_DECISION_ALLOW_ONCE)
                allowing = asyncio.create_task(asyncio.to_thread(person_allows))
                r = await s.request_approval("Bash", {"command": "ls"}, "List files", command="ls", wait_timeout=30)
                await allowing
                assert r.decision == model.APPROVAL_DECISION_ALLOW_ONCE
                assert r.decided_by == model.SENDER_USER

                def person_stops():
                    person.wait_for_approval(s.id, timeout=30)
                    person.stop_session(s.id, "enough")
                stopping = asyncio.create_task(asyncio.to_thread(person_stops))
                with pytest.raises(StopRequested):
                    await s.request_approval("Bash", {"command": "rm -rf /tmp/x"}, "Clean up", wait_timeout=30)
                await stopping
            assert s.ended.status == model.SESSION_STATUS_STOPPED
    asyncio.run(run())
