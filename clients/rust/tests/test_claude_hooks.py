"""`switchboard-agent hook claude` fed Claude Code's documented event payloads, against a live server.

Fixtures: tests/fixtures/claude-hooks/*.json (one per event kind and decision, see its README).
The person decides through DashboardService (the generated stub: DecideApproval is not wrapped by
the Python helper). Run through scripts/with-server.sh clients/rust/test.sh.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import uuid

import grpc
import pytest

from switchboard import Agent, Dashboard
from switchboard.v1 import dashboard_service_pb2 as dash_pb
from switchboard.v1 import model_pb2 as model

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "claude-hooks"
# Bounds a hang (a hook that never prints), times nothing.
PROCESS_LIMIT = 60.0


@pytest.fixture(scope="module")
def person():
    dash = Dashboard.login()
    yield dash
    dash.close()


@pytest.fixture
def claude_session():
    return str(uuid.uuid4())


@pytest.fixture
def session(claude_session):
    """A Switchboard session as the wrapper starts it; the hooks get its id in the environment."""
    with Agent("claude-code") as agent:
        yield agent.start_session(metadata={"test": "hooks"})


@pytest.fixture
def hook_env(tmp_path, session):
    return dict(os.environ, SWITCHBOARD_SESSION_ID=session.id,
                SWITCHBOARD_HOOK_STATE_DIR=str(tmp_path / "state"))


def event(name: str, claude_session: str, **overrides) -> dict:
    ev = json.loads((FIXTURES / f"{name}.json").read_text())
    ev["session_id"] = claude_session
    ev.update(overrides)
    return ev


def start_hook(ev, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([os.environ["SWITCHBOARD_AGENT_BIN"], "hook", "claude"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write(ev if isinstance(ev, str) else json.dumps(ev))
    proc.stdin.close()
    return proc


def finish(proc: subprocess.Popen) -> tuple[int, dict | None, str]:
    out = proc.stdout.read()
    err = proc.stderr.read()
    code = proc.wait(timeout=PROCESS_LIMIT)
    return code, (json.loads(out) if out.strip() else None), err


def run_hook(ev, env: dict) -> tuple[int, dict | None, str]:
    proc = subprocess.run([os.environ["SWITCHBOARD_AGENT_BIN"], "hook", "claude"], env=env,
                          input=ev if isinstance(ev, str) else json.dumps(ev),
                          capture_output=True, text=True, timeout=PROCESS_LIMIT)
    return proc.returncode, (json.loads(proc.stdout) if proc.stdout.strip() else None), proc.stderr


def wait_for_approval(person: Dashboard, sid: str) -> model.ToolApproval:
    """The oldest open approval, waiting on the session's feed (pushed, no polling)."""
    got = person.get_session(sid)
    if got.open_approvals:
        return got.open_approvals[0]
    for msg in person.watch(sid, got.session.last_seq, timeout=PROCESS_LIMIT):
        if msg.HasField("approval") and not msg.approval.HasField("result"):
            return msg.approval
    raise AssertionError(f"no approval requested in {sid}")


def decide(person: Dashboard, sid: str, approval_id: str, decision: int, reason: str = "",
           updated_input: str = "") -> dash_pb.DecideApprovalResponse:
    return person.stub.DecideApproval(dash_pb.DecideApprovalRequest(
        session_id=sid, approval_id=approval_id, decision=decision, reason=reason,
        updated_input_json=updated_input), timeout=PROCESS_LIMIT)


def permission_decision(out: dict) -> dict:
    assert out["hookSpecificOutput"]["hookEventName"] == "PermissionRequest", out
    return out["hookSpecificOutput"]["decision"]


def test_the_person_allows_and_the_card_shows_the_command(person, session, hook_env, claude_session):
    ev = event("permission_request_bash", claude_session)
    proc = start_hook(ev, hook_env)
    approval = wait_for_approval(person, session.id)
    assert approval.tool_name == "Bash"
    assert json.loads(approval.input_json) == ev["tool_input"]
    assert approval.preview.summary == "Run: Run the workspace tests"
    assert approval.preview.shell_command.command == "cargo test --workspace"
    assert approval.preview.shell_command.working_directory == "/home/dev/repo"
    assert person.get_session(session.id).session.status == model.SESSION_STATUS_AWAITING_INPUT
    decide(person, session.id, approval.id, model.APPROVAL_DECISION_ALLOW_ONCE)
    code, out, _ = finish(proc)
    assert code == 0
    assert permission_decision(out) == {"behavior": "allow"}


def test_an_edited_input_is_what_claude_runs(person, session, hook_env, claude_session):
    proc = start_hook(event("permission_request_bash", claude_session), hook_env)
    approval = wait_for_approval(person, session.id)
    edited = {"command": "cargo test -p switchboard-agent", "description": "Run one crate's tests"}
    decide(person, session.id, approval.id, model.APPROVAL_DECISION_ALLOW_ONCE, updated_input=json.dumps(edited))
    code, out, _ = finish(proc)
    assert code == 0
    assert permission_decision(out) == {"behavior": "allow", "updatedInput": edited}


def test_the_person_denies_with_a_reason(person, session, hook_env, claude_session):
    proc = start_hook(event("permission_request_edit", claude_session), hook_env)
    approval = wait_for_approval(person, session.id)
    assert approval.preview.summary == "Edit /home/dev/repo/config/database.toml"
    change = approval.preview.file_change
    assert change.path == "/home/dev/repo/config/database.toml"
    # The file is not on this machine: the diff of the two strings.
    assert '-url = "postgres://staging"\n+url = "postgres://production"\n' in change.unified_diff
    decide(person, session.id, approval.id, model.APPROVAL_DECISION_DENY, reason="keep staging until Friday")
    code, out, _ = finish(proc)
    assert code == 0
    d = permission_decision(out)
    assert d["behavior"] == "deny"
    assert d["message"].endswith("keep staging until Friday"), d


def test_allow_for_the_session_means_the_next_call_needs_no_person(person, session, hook_env, claude_session):
    proc = start_hook(event("permission_request_write", claude_session), hook_env)
    approval = wait_for_approval(person, session.id)
    assert approval.preview.file_change.unified_diff.startswith("--- /dev/null\n")
    decide(person, session.id, approval.id, model.APPROVAL_DECISION_ALLOW_SESSION)
    code, out, _ = finish(proc)
    assert code == 0
    assert permission_decision(out) == {
        "behavior": "allow",
        "updatedPermissions": [{"type": "addRules", "rules": [{"toolName": "Write"}],
                                "behavior": "allow", "destination": "session"}],
    }
    # Another Write: the server's session rule answers at once; nobody decides here.
    code, out, _ = run_hook(event("permission_request_write_again", claude_session), hook_env)
    assert code == 0
    assert permission_decision(out)["behavior"] == "allow"
    assert not person.get_session(session.id).open_approvals


def test_the_terminal_answers_first_and_the_card_is_resolved(person, session, hook_env, claude_session):
    # Interactive claude shows its own dialog while the hook waits; the person answers there.
    waiting = start_hook(event("permission_request_webfetch", claude_session), hook_env)
    approval = wait_for_approval(person, session.id)
    assert approval.preview.url.url == "https://docs.rs/similar/latest/similar/"
    # The tool ran: PostToolUse resolves the open card.
    code, out, err = run_hook(event("post_tool_use_webfetch", claude_session), hook_env)
    assert (code, out) == (0, None), err
    assert not person.get_session(session.id).open_approvals
    with pytest.raises(grpc.RpcError) as late:
        decide(person, session.id, approval.id, model.APPROVAL_DECISION_DENY, reason="too late")
    assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "terminal" in late.value.details().lower(), late.value.details()
    # The hook that was waiting learns the decision and exits (claude ignores its late answer).
    code, out, _ = finish(waiting)
    assert code == 0 and permission_decision(out)["behavior"] == "allow"


def test_a_wait_limit_falls_back_to_the_terminal_and_stop_resolves_the_card(
        person, session, hook_env, claude_session):
    env = dict(hook_env, SWITCHBOARD_APPROVAL_WAIT="1")
    code, out, err = run_hook(event("permission_request_bash", claude_session), env)
    # No decision: Claude Code's own prompt decides (never a silent allow).
    assert (code, out) == (0, None)
    assert "SWITCHBOARD_APPROVAL_WAIT" in err and "own permission prompt" in err
    approval = person.get_session(session.id).open_approvals[0]
    # The terminal denied it (no PostToolUse), the person queued an instruction, the turn ends.
    person.send_message(session.id, "now update the changelog")
    code, out, err = run_hook(event("stop", claude_session), env)
    assert code == 0, err
    assert out["decision"] == "block"
    assert "now update the changelog" in out["reason"]
    assert not person.get_session(session.id).open_approvals
    with pytest.raises(grpc.RpcError) as late:
        decide(person, session.id, approval.id, model.APPROVAL_DECISION_ALLOW_ONCE)
    assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Nothing queued any more: Claude may stop.
    code, out, _ = run_hook(event("stop", claude_session), env)
    assert (code, out) == (0, None)
    steps = [m.step.text for m in person.list_messages(session.id) if m.HasField("step")]
    assert steps[0].startswith("Claude Code finished its turn.") and "tests pass" in steps[0]


def test_a_stop_request_while_waiting_denies_and_interrupts(person, session, hook_env, claude_session):
    proc = start_hook(event("permission_request_bash", claude_session), hook_env)
    wait_for_approval(person, session.id)
    person.stop_session(session.id, "wrong branch")
    code, out, _ = finish(proc)
    assert code == 0
    d = permission_decision(out)
    assert d["behavior"] == "deny" and d["interrupt"] is True and "stop" in d["message"]


@pytest.mark.parametrize("env_change", [
    {"SWITCHBOARD_URL": "http://127.0.0.1:1"},
    {"SWITCHBOARD_API_KEY": "sb_not_a_key"},
], ids=["unreachable", "bad-key"])
def test_switchboard_unusable_falls_back_to_claudes_prompt(claude_session, tmp_path, env_change):
    env = dict(os.environ, SWITCHBOARD_HOOK_STATE_DIR=str(tmp_path), **env_change)
    code, out, err = run_hook(event("permission_request_bash", claude_session), env)
    assert (code, out) == (0, None)
    assert "own permission prompt" in err
    code, out, err = run_hook(event("pre_tool_use_bash", claude_session), env)
    assert code == 0
    assert out["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
    assert out["hookSpecificOutput"]["permissionDecision"] == "ask"


def test_events_that_need_nobody_cost_no_round_trip(claude_session, tmp_path):
    # An unreachable hub would show up on stderr: these must not even try.
    env = dict(os.environ, SWITCHBOARD_URL="http://127.0.0.1:1", SWITCHBOARD_HOOK_STATE_DIR=str(tmp_path))
    for name in ("post_tool_use_failure_bash", "post_tool_use_webfetch", "notification_permission"):
        assert run_hook(event(name, claude_session), env) == (0, None, ""), name


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"hook_event_name": "PermissionRequest"}'])
def test_bad_stdin_is_a_non_blocking_error(stdin, tmp_path):
    code, out, err = run_hook(stdin, dict(os.environ, SWITCHBOARD_HOOK_STATE_DIR=str(tmp_path)))
    # 1, not 2: exit code 2 would block the tool call; Claude goes on as without the hook.
    assert (code, out) == (1, None)
    assert "Claude Code command hook" in err


def test_without_a_session_id_every_hook_of_a_claude_session_shares_one(person, claude_session, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SWITCHBOARD_SESSION_ID"}
    env["SWITCHBOARD_HOOK_STATE_DIR"] = str(tmp_path)
    assert run_hook(event("session_start", claude_session), env)[:2] == (0, None)
    assert run_hook(event("notification_idle", claude_session), env)[:2] == (0, None)
    mine = [s for s in person.list_sessions() if s.metadata.get("claude_session_id") == claude_session]
    assert len(mine) == 1, mine
    assert mine[0].agent_name == "claude-code"
    steps = [m.step.text for m in person.list_messages(mine[0].id) if m.HasField("step")]
    assert steps == [f"Claude Code session {claude_session} (startup).",
                     "Claude Code (idle_prompt): Claude is waiting for your input"]
    # A message the person queued reaches the model through SessionStart's additionalContext.
    person.send_message(mine[0].id, "use the staging database")
    code, out, _ = run_hook(event("session_start", claude_session, source="resume"), env)
    assert code == 0
    assert "use the staging database" in out["hookSpecificOutput"]["additionalContext"]
