"""`switchboard-agent mcp` driven over stdio by the official MCP Python SDK, against a live server.

The person's side is the Python client's Dashboard helper (AuthService.Login, DashboardService).
Run through scripts/with-server.sh clients/rust/test.sh.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from contextlib import asynccontextmanager

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from switchboard import Agent, Dashboard
from switchboard.v1 import agent_service_pb2 as agent_pb
from switchboard.v1 import dashboard_service_pb2 as dash_pb
from switchboard.v1 import model_pb2 as model

REQUIRED = ("SWITCHBOARD_URL", "SWITCHBOARD_API_KEY", "SWITCHBOARD_EMAIL", "SWITCHBOARD_PASSWORD",
            "SWITCHBOARD_AGENT_BIN")
# A person's answer comes from another thread of this test; this bounds a hang, it times nothing.
BLOCKED_CALL_LIMIT = 60.0

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="session", autouse=True)
def _env():
    missing = [v for v in REQUIRED if not os.environ.get(v)]
    if missing:
        pytest.exit(f"{', '.join(missing)} not set: run scripts/with-server.sh clients/rust/test.sh", 2)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
def person():
    dash = Dashboard.login()
    yield dash
    dash.close()


@pytest.fixture
def agent_name():
    return f"mcp-test-{uuid.uuid4().hex[:8]}"


def server_params(agent_name: str, **extra_env: str) -> StdioServerParameters:
    env = dict(os.environ, SWITCHBOARD_AGENT_NAME=agent_name, **extra_env)
    return StdioServerParameters(command=os.environ["SWITCHBOARD_AGENT_BIN"], args=["mcp"], env=env)


@asynccontextmanager
async def mcp_session(agent_name: str, **extra_env: str):
    async with stdio_client(server_params(agent_name, **extra_env)) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def result_json(result) -> dict:
    assert result.content and result.content[0].type == "text", result
    return json.loads(result.content[0].text)


def error_text(result) -> str:
    assert result.is_error, result
    return result.content[0].text


def status_of(person: Dashboard, session_id: str) -> int:
    return person.get_session(session_id).session.status


def wait_for_status(person: Dashboard, session_id: str, status: int) -> None:
    """Returns once the session has `status`, watching its feed (pushed, no polling)."""
    got = person.get_session(session_id).session
    if got.status == status:
        return
    for msg in person.watch(session_id, got.last_seq, timeout=BLOCKED_CALL_LIMIT):
        if msg.HasField("status_change") and msg.status_change.to_status == status:
            return
    assert status_of(person, session_id) == status


async def test_tools_are_listed_with_schemas_and_descriptions(agent_name):
    async with mcp_session(agent_name) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
    assert set(tools) == {"log_step", "ask_question", "end_session", "approve"}
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object"
    assert tools["log_step"].input_schema["required"] == ["text"]
    ask = tools["ask_question"].input_schema
    assert ask["required"] == ["question"]
    assert {"question", "options", "multiple", "timeout_seconds", "default"} <= set(ask["properties"])
    end = tools["end_session"].input_schema
    assert set(end["required"]) == {"outcome"}
    assert "completed" in json.dumps(end) and "failed" in json.dumps(end)


async def test_log_step_returns_the_messages_queued_since_the_last_call(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        first = result_json(await mcp.call_tool("log_step", {"text": "read the repository"}))
        sid = first["session_id"]
        assert first["user_messages"] == [] and first["stop_requested"] is False
        person.send_message(sid, "use the staging database")
        person.send_message(sid, "and keep the old API")
        second = result_json(await mcp.call_tool("log_step", {"text": "wrote the migration"}))
        assert [m["text"] for m in second["user_messages"]] == ["use the staging database", "and keep the old API"]
        assert second["session_id"] == sid
        third = result_json(await mcp.call_tool("log_step", {"text": "ran the tests"}))
        assert third["user_messages"] == []
        ended = result_json(await mcp.call_tool("end_session", {"outcome": "completed", "summary": "migration done"}))
        assert ended == {"ended": True, "session_id": sid, "status": "COMPLETED"}
    got = person.get_session(sid).session
    assert got.status == model.SESSION_STATUS_COMPLETED and got.summary == "migration done"
    steps = [m.step.text for m in person.list_messages(sid) if m.HasField("step")]
    assert steps == ["read the repository", "wrote the migration", "ran the tests"]


async def test_question_answered_by_the_person_while_the_call_blocks(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        sid = result_json(await mcp.call_tool("log_step", {"text": "ready to deploy"}))["session_id"]

        def answer_as_person():
            question = person.wait_for_question(sid, timeout=BLOCKED_CALL_LIMIT)
            assert question.text == "Deploy to production?"
            assert [(o.id, o.label) for o in question.options] == [("ship-it", "Ship it"), ("wait", "Wait")]
            person.answer(sid, question.id, ["ship-it"], text="after 5 pm")

        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, answer_as_person)
            with anyio.fail_after(BLOCKED_CALL_LIMIT):
                result = await mcp.call_tool("ask_question", {
                    "question": "Deploy to production?", "options": ["Ship it", "Wait"]})
        got = result_json(result)
        assert not result.is_error
        assert got["answered"] is True and got["selected"] == ["Ship it"]
        assert got["text"] == "after 5 pm" and got["answered_by"] == "person"

        # A free-text question, answered the same way.
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, lambda: person.answer(
                sid, person.wait_for_question(sid, timeout=BLOCKED_CALL_LIMIT).id, text="main"))
            with anyio.fail_after(BLOCKED_CALL_LIMIT):
                free = result_json(await mcp.call_tool("ask_question", {"question": "Which branch?"}))
        assert free["answered"] is True and free["selected"] == [] and free["text"] == "main"
        assert status_of(person, sid) == model.SESSION_STATUS_ACTIVE


async def test_a_timed_question_gets_its_default(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        with anyio.fail_after(BLOCKED_CALL_LIMIT):
            got = result_json(await mcp.call_tool("ask_question", {
                "question": "Proceed?", "options": ["Yes", "No"], "timeout_seconds": 1, "default": "No"}))
    assert got["answered"] is True and got["selected"] == ["No"]
    assert got["answered_by"].startswith("default")


async def test_a_stop_while_blocked_returns_at_once_telling_the_model_to_stop(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        sid = result_json(await mcp.call_tool("log_step", {"text": "about to ask"}))["session_id"]

        def stop_as_person():
            person.wait_for_question(sid, timeout=BLOCKED_CALL_LIMIT)
            person.stop_session(sid, "wrong repository")

        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, stop_as_person)
            with anyio.fail_after(BLOCKED_CALL_LIMIT):
                result = await mcp.call_tool("ask_question", {"question": "Delete the old branch?"})
        got = result_json(result)
        assert got["answered"] is False and got["stop_requested"] is True
        assert "stop" in got["instruction"].lower() and "end_session" in got["instruction"]
        # The next step says it again.
        step = result_json(await mcp.call_tool("log_step", {"text": "stopping"}))
        assert step["stop_requested"] is True and step["status"] == "STOPPING"
        ended = result_json(await mcp.call_tool("end_session", {"outcome": "completed", "summary": "stopped"}))
        assert ended["status"] == "STOPPED"
    assert status_of(person, sid) == model.SESSION_STATUS_STOPPED


async def test_bad_arguments_are_tool_errors_and_the_server_lives_on(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        assert "text" in error_text(await mcp.call_tool("log_step", {}))
        wrong_type = error_text(await mcp.call_tool("log_step", {"text": 42}))
        assert "expected a string" in wrong_type and "text (string, required)" in wrong_type
        assert "unknown field" in error_text(await mcp.call_tool("log_step", {"text": "x", "txt": "y"}))
        assert "`default`" in error_text(await mcp.call_tool("ask_question", {"question": "q", "timeout_seconds": 5}))
        assert "not one of the options" in error_text(await mcp.call_tool("ask_question", {
            "question": "q", "options": ["a", "b"], "timeout_seconds": 5, "default": "c"}))
        assert "twice" in error_text(await mcp.call_tool("ask_question", {"question": "q", "options": ["a", "a"]}))
        assert "`question`" in error_text(await mcp.call_tool("ask_question", {"question": ""}))
        assert "unknown variant" in error_text(await mcp.call_tool("end_session", {"outcome": "done"}))
        # A limit only the hub knows: its INVALID_ARGUMENT message reaches the model.
        too_long = error_text(await mcp.call_tool("log_step", {"text": "x" * 20_000}))
        assert "InvalidArgument" in too_long and "text" in too_long
        # Still serving, and the session is untouched by the refused calls.
        ok = result_json(await mcp.call_tool("log_step", {"text": "still here"}))
        steps = [m.step.text for m in person.list_messages(ok["session_id"]) if m.HasField("step")]
        assert steps == ["still here"]
        # After the session ended, a tool says so instead of failing obscurely.
        await mcp.call_tool("end_session", {"outcome": "failed", "summary": "gave up"})
        after = error_text(await mcp.call_tool("log_step", {"text": "one more"}))
        assert "FailedPrecondition" in after
    assert status_of(person, ok["session_id"]) == model.SESSION_STATUS_FAILED


async def test_closing_stdin_ends_the_session_completed(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        sid = result_json(await mcp.call_tool("log_step", {"text": "working"}))["session_id"]
    # stdio_client closes the server's stdin and waits for it to exit.
    wait_for_status(person, sid, model.SESSION_STATUS_COMPLETED)


def test_sigterm_ends_the_session_completed(person, agent_name):
    # Raw newline-delimited JSON-RPC here: the SDK's stdio_client owns its process and cannot be
    # signalled mid-session, and this shows the framing is the plain one the spec describes.
    proc = subprocess.Popen([os.environ["SWITCHBOARD_AGENT_BIN"], "mcp"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=dict(os.environ, SWITCHBOARD_AGENT_NAME=agent_name),
                            text=True)
    try:
        def rpc(msg):
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()
            if "id" in msg:
                return json.loads(proc.stdout.readline())

        init = rpc({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "0"}}})
        assert init["result"]["protocolVersion"] == "2025-06-18"
        rpc({"jsonrpc": "2.0", "method": "notifications/initialized"})
        called = rpc({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "log_step", "arguments": {"text": "working"}}})
        sid = json.loads(called["result"]["content"][0]["text"])["session_id"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=BLOCKED_CALL_LIMIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_for_status(person, sid, model.SESSION_STATUS_COMPLETED)


async def test_the_session_named_by_the_environment_is_resumed(person, agent_name):
    with Agent(agent_name) as agent:
        started = agent.stub.StartSession(agent_pb.StartSessionRequest(
            agent_name=agent_name, request_id=str(uuid.uuid4())), timeout=30)
    sid = started.session.id
    async with mcp_session(agent_name, SWITCHBOARD_SESSION_ID=sid) as mcp:
        got = result_json(await mcp.call_tool("log_step", {"text": "resumed"}))
    assert got["session_id"] == sid
    wait_for_status(person, sid, model.SESSION_STATUS_COMPLETED)


async def test_an_unreachable_hub_is_a_tool_error_not_a_crash(agent_name):
    # Port 1 on loopback refuses at once; the retries give up and the model is told.
    async with mcp_session(agent_name, SWITCHBOARD_URL="http://127.0.0.1:1",
                           SWITCHBOARD_AGENT_LOG="error") as mcp:
        with anyio.fail_after(BLOCKED_CALL_LIMIT):
            result = await mcp.call_tool("log_step", {"text": "hello?"})
        assert "unreachable" in error_text(result)
        assert (await mcp.list_tools()).tools


def open_approval(person: Dashboard, session_id: str) -> model.ToolApproval:
    """The session's oldest open approval, waiting on its feed (pushed, no polling)."""
    got = person.get_session(session_id)
    if got.open_approvals:
        return got.open_approvals[0]
    for msg in person.watch(session_id, got.session.last_seq, timeout=BLOCKED_CALL_LIMIT):
        if msg.HasField("approval") and not msg.approval.HasField("result"):
            return msg.approval
    raise AssertionError("no approval requested")


def decide(person: Dashboard, session_id: str, approval_id: str, decision: int, **kw) -> None:
    person.stub.DecideApproval(dash_pb.DecideApprovalRequest(
        session_id=session_id, approval_id=approval_id, decision=decision, **kw), timeout=BLOCKED_CALL_LIMIT)


def permission(result) -> dict:
    """Claude Code's permission-prompt-tool contract: exactly one text block holding the JSON."""
    assert not result.is_error, result
    assert len(result.content) == 1 and result.content[0].type == "text", result
    return json.loads(result.content[0].text)


async def test_approve_is_the_permission_prompt_tool(person, agent_name):
    call = {"tool_name": "Bash", "input": {"command": "make deploy", "description": "Deploy"},
            "tool_use_id": "toolu_01"}
    async with mcp_session(agent_name) as mcp:
        sid = result_json(await mcp.call_tool("log_step", {"text": "ready"}))["session_id"]

        async def decided_by_person(decision: int, **kw) -> dict:
            def as_person():
                approval = open_approval(person, sid)
                assert approval.tool_name == "Bash" and approval.preview.shell_command.command == "make deploy"
                decide(person, sid, approval.id, decision, **kw)

            async with anyio.create_task_group() as tg:
                tg.start_soon(anyio.to_thread.run_sync, as_person)
                with anyio.fail_after(BLOCKED_CALL_LIMIT):
                    return permission(await mcp.call_tool("approve", call))

        # Allowed as requested: updatedInput is the original input.
        assert await decided_by_person(model.APPROVAL_DECISION_ALLOW_ONCE) == {
            "behavior": "allow", "updatedInput": call["input"]}
        # Denied with a reason the model reads.
        denied = await decided_by_person(model.APPROVAL_DECISION_DENY, reason="not on a Friday")
        assert denied["behavior"] == "deny" and denied["message"].endswith("not on a Friday")
        # Edited and allowed for the session ...
        edited = {"command": "make deploy-staging", "description": "Deploy to staging"}
        got = await decided_by_person(model.APPROVAL_DECISION_ALLOW_SESSION, updated_input_json=json.dumps(edited))
        assert got["behavior"] == "allow" and got["updatedInput"] == edited
        assert got["updatedPermissions"] == [{"type": "addRules", "rules": [{"toolName": "Bash"}],
                                              "behavior": "allow", "destination": "session"}]
        # ... so the next Bash call needs nobody.
        with anyio.fail_after(BLOCKED_CALL_LIMIT):
            again = permission(await mcp.call_tool("approve", dict(call, tool_use_id="toolu_02")))
        assert again == {"behavior": "allow", "updatedInput": call["input"]}
        assert not person.get_session(sid).open_approvals


async def test_approve_denies_on_a_stop_request_telling_the_model_to_stop(person, agent_name):
    async with mcp_session(agent_name) as mcp:
        sid = result_json(await mcp.call_tool("log_step", {"text": "ready"}))["session_id"]

        def stop_as_person():
            open_approval(person, sid)
            person.stop_session(sid, "wrong repository")

        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, stop_as_person)
            with anyio.fail_after(BLOCKED_CALL_LIMIT):
                got = permission(await mcp.call_tool("approve", {"tool_name": "Write", "input": {
                    "file_path": "/tmp/x", "content": "x"}}))
    assert got["behavior"] == "deny" and "stop" in got["message"].lower()


async def test_approve_bad_arguments_and_an_unreachable_hub(agent_name):
    async with mcp_session(agent_name) as mcp:
        assert "input" in error_text(await mcp.call_tool("approve", {"tool_name": "Bash"}))
        assert "tool_name" in error_text(await mcp.call_tool("approve", {"tool_name": " ", "input": {}}))
    async with mcp_session(agent_name, SWITCHBOARD_URL="http://127.0.0.1:1") as mcp:
        with anyio.fail_after(BLOCKED_CALL_LIMIT):
            got = permission(await mcp.call_tool("approve", {"tool_name": "Bash", "input": {"command": "ls"}}))
    # Never a silent allow.
    assert got["behavior"] == "deny" and "not allowed" in got["message"]
