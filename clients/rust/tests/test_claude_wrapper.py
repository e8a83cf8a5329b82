"""`switchboard-agent claude` end to end, with a stand-in `claude` and a live server.

The stand-in does what Claude Code's documented contract says it does with `--mcp-config <file>`
and `--settings <file>`: reads the MCP file, starts the configured stdio MCP server with the
configured `env` (over the inherited environment), and calls a tool through the official MCP
Python SDK; with STANDIN_HOOKS it also runs the settings' command hooks as Claude Code runs them
(the event JSON on stdin of `sh -c <command>`, matchers on the tool name, stdout JSON read on
exit code 0). It prints what it saw as one JSON line on stdout (the wrapper passes its terminal
through), then exits with the code it is told. Run through scripts/with-server.sh
clients/rust/test.sh.
"""
from __future__ import annotations

import json
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

from switchboard import Dashboard
from switchboard.v1 import dashboard_service_pb2 as dash_pb
from switchboard.v1 import model_pb2 as model

# Bounds a hang (a stand-in that never exits), times nothing.
PROCESS_LIMIT = 60.0

STAND_IN = textwrap.dedent("""\
    import asyncio, json, os, re, signal, stat, subprocess, sys, uuid
    from mcp import ClientSession, StdioServerParameters, stdio_client

    CLAUDE_SESSION = str(uuid.uuid4())

    def run_hooks(settings, name, payload):
        # As Claude Code does: every matching group's command hooks, the event on stdin.
        payload = dict(payload, session_id=CLAUDE_SESSION, transcript_path="/tmp/t.jsonl",
                       cwd=os.getcwd(), hook_event_name=name)
        outs = []
        for group in settings.get("hooks", {}).get(name, []):
            matcher = group.get("matcher") or "*"
            if matcher != "*" and not re.fullmatch(matcher, payload.get("tool_name", "")):
                continue
            for hook in group["hooks"]:
                assert hook["type"] == "command", hook
                p = subprocess.run(hook["command"], shell=True, input=json.dumps(payload), text=True,
                                   capture_output=True, timeout=hook.get("timeout", 60))
                outs.append({"code": p.returncode,
                             "stdout": json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None})
        return outs

    async def main():
        args = sys.argv[1:]
        flags = {}
        while args and args[0] in ("--mcp-config", "--settings"):
            flags[args[0]], args = args[1], args[2:]
        path, settings_path, user_args = flags["--mcp-config"], flags["--settings"], args
        with open(path) as f:
            config = json.load(f)
        with open(settings_path) as f:
            settings = json.load(f)
        hooks = {}
        if os.environ.get("STANDIN_HOOKS"):
            print(json.dumps({"session_env": os.environ.get("SWITCHBOARD_SESSION_ID")}), flush=True)
            hooks["SessionStart"] = run_hooks(settings, "SessionStart", {"source": "startup"})
            call = {"tool_name": "Bash", "tool_input": {"command": "make test", "description": "Run the tests"}}
            hooks["PermissionRequest"] = run_hooks(settings, "PermissionRequest", call)
            hooks["PostToolUse"] = run_hooks(settings, "PostToolUse", dict(call, tool_use_id="toolu_1", tool_response={}))
            hooks["Stop"] = run_hooks(settings, "Stop", {"stop_hook_active": False})
        server = config["mcpServers"]["switchboard"]
        params = StdioServerParameters(command=server["command"], args=server["args"],
                                       env=dict(os.environ, **server["env"]))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as mcp:
                await mcp.initialize()
                step = await mcp.call_tool("log_step", {"text": os.environ["STANDIN_STEP"]})
                ended = None
                if os.environ.get("STANDIN_END"):
                    ended = await mcp.call_tool("end_session", json.loads(os.environ["STANDIN_END"]))
        record = {
            "user_args": user_args, "config_path": path, "config": config,
            "mode": stat.S_IMODE(os.stat(path).st_mode),
            "settings_path": settings_path, "settings": settings, "hooks": hooks,
            "session_env": os.environ.get("SWITCHBOARD_SESSION_ID"),
            "step": step.content[0].text, "step_is_error": bool(step.is_error),
            "ended": json.loads(ended.content[0].text) if ended else None,
        }
        print(json.dumps(record), flush=True)

    asyncio.run(main())
    if os.environ.get("STANDIN_WAIT_FOR_SIGNAL"):
        # Killed by the signal, as a process with the default actions is (Python's own SIGINT
        # handler would exit 1 through KeyboardInterrupt instead).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pause()
    sys.exit(int(os.environ.get("STANDIN_EXIT", "0")))
    """)


@pytest.fixture(scope="module")
def person():
    dash = Dashboard.login()
    yield dash
    dash.close()


@pytest.fixture
def stand_in(tmp_path):
    path = tmp_path / "claude"
    path.write_text(f"#!{sys.executable}\n{STAND_IN}")
    path.chmod(0o755)
    return str(path)


def wrapper(stand_in: str, *user_args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([os.environ["SWITCHBOARD_AGENT_BIN"], "claude", *user_args],
                            env=dict(os.environ, SWITCHBOARD_CLAUDE_BIN=stand_in, **env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)


def run(stand_in: str, *user_args: str, **env: str) -> tuple[int, dict]:
    proc = wrapper(stand_in, *user_args, **env)
    out, _ = proc.communicate(timeout=PROCESS_LIMIT)
    return proc.returncode, json.loads(out.strip().splitlines()[-1])


def check_wiring(record: dict) -> str:
    """The config is the documented shape, private, and names one session: the wrapper's."""
    server = record["config"]["mcpServers"]["switchboard"]
    assert server["command"] == os.path.realpath(os.environ["SWITCHBOARD_AGENT_BIN"])
    assert server["args"] == ["mcp"]
    assert server["env"]["SWITCHBOARD_API_KEY"] == os.environ["SWITCHBOARD_API_KEY"]
    assert record["mode"] == 0o600
    assert not record["step_is_error"], record["step"]
    sid = server["env"]["SWITCHBOARD_SESSION_ID"]
    assert json.loads(record["step"])["session_id"] == sid
    assert not os.path.exists(record["config_path"]), "the temporary MCP config was left behind"
    # The hooks: this binary, for every event it handles; claude's environment names the session.
    command = [os.path.realpath(os.environ["SWITCHBOARD_AGENT_BIN"]), "hook", "claude"]
    hooks = record["settings"]["hooks"]
    assert set(hooks) == {"PermissionRequest", "PostToolUse", "PostToolUseFailure", "Stop", "Notification",
                          "SessionStart"}
    for groups in hooks.values():
        assert shlex.split(groups[0]["hooks"][0]["command"]) == command
    assert record["session_env"] == sid
    assert not os.path.exists(record["settings_path"]), "the temporary settings file was left behind"
    return sid


def steps(person: Dashboard, sid: str) -> list[str]:
    return [m.step.text for m in person.list_messages(sid) if m.HasField("step")]


def test_exit_0_completes_the_session_and_passes_the_arguments_through(person, stand_in):
    code, record = run(stand_in, "-p", "fix the build", "--model", "sonnet", STANDIN_STEP="read the code")
    assert code == 0
    assert record["user_args"] == ["-p", "fix the build", "--model", "sonnet"]
    sid = check_wiring(record)
    got = person.get_session(sid).session
    assert got.status == model.SESSION_STATUS_COMPLETED
    assert got.agent_name == "claude-code" and "exit code 0" in got.summary
    assert steps(person, sid) == ["read the code"]


def test_a_non_zero_exit_fails_the_session_and_is_the_wrappers_exit_code(person, stand_in):
    code, record = run(stand_in, STANDIN_STEP="tried", STANDIN_EXIT="3")
    assert code == 3
    sid = check_wiring(record)
    got = person.get_session(sid).session
    assert got.status == model.SESSION_STATUS_FAILED and "code 3" in got.summary
    assert steps(person, sid) == ["tried"]


def test_a_session_ended_through_the_tool_keeps_the_models_outcome(person, stand_in):
    end = json.dumps({"outcome": "failed", "summary": "tests do not pass"})
    code, record = run(stand_in, STANDIN_STEP="ran the tests", STANDIN_END=end)
    assert code == 0
    assert record["ended"]["status"] == "FAILED"
    sid = check_wiring(record)
    got = person.get_session(sid).session
    assert got.status == model.SESSION_STATUS_FAILED and got.summary == "tests do not pass"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_is_forwarded_and_the_session_is_ended(person, stand_in, sig):
    # Not from a terminal (stdin is /dev/null): the wrapper alone gets it, and passes it on.
    proc = wrapper(stand_in, STANDIN_STEP="working", STANDIN_WAIT_FOR_SIGNAL="1")
    try:
        # The stand-in prints once its tool call is done, then waits for a signal.
        record = json.loads(proc.stdout.readline())
        proc.send_signal(sig)
        assert proc.wait(timeout=PROCESS_LIMIT) == 128 + sig
    finally:
        if proc.poll() is None:
            proc.kill()
    sid = check_wiring(record)
    got = person.get_session(sid).session
    assert got.status == model.SESSION_STATUS_FAILED and f"signal {int(sig)}" in got.summary


def test_the_hooks_share_the_wrappers_session_and_the_person_decides(person, stand_in, tmp_path):
    proc = wrapper(stand_in, STANDIN_STEP="working", STANDIN_HOOKS="1",
                   SWITCHBOARD_HOOK_STATE_DIR=str(tmp_path))
    try:
        sid = json.loads(proc.stdout.readline())["session_env"]
        got = person.get_session(sid)
        approvals = list(got.open_approvals)
        if not approvals:
            for msg in person.watch(sid, got.session.last_seq, timeout=PROCESS_LIMIT):
                if msg.HasField("approval"):
                    approvals = [msg.approval]
                    break
        assert approvals[0].tool_name == "Bash" and approvals[0].preview.shell_command.command == "make test"
        person.stub.DecideApproval(dash_pb.DecideApprovalRequest(
            session_id=sid, approval_id=approvals[0].id, decision=model.APPROVAL_DECISION_ALLOW_ONCE),
            timeout=PROCESS_LIMIT)
        out, _ = proc.communicate(timeout=PROCESS_LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    record = json.loads(out.strip().splitlines()[-1])
    assert check_wiring(record) == sid
    hooks = record["hooks"]
    assert hooks["PermissionRequest"] == [{"code": 0, "stdout": {"hookSpecificOutput": {
        "hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}}}]
    assert hooks["PostToolUse"] == [{"code": 0, "stdout": None}]
    assert hooks["Stop"] == [{"code": 0, "stdout": None}]
    texts = steps(person, sid)
    assert texts[0].startswith("Claude Code session ") and texts[0].endswith("(startup).")
    assert "working" in texts and any(t.startswith("Claude Code finished its turn.") for t in texts)
    assert person.get_session(sid).session.status == model.SESSION_STATUS_COMPLETED


def real_claude(tmp_dir: pathlib.Path) -> str | None:
    """Claude Code from npm (SWITCHBOARD_TEST_CLAUDE_BIN, else installed once into the venv)."""
    if os.environ.get("SWITCHBOARD_TEST_CLAUDE_BIN"):
        return os.environ["SWITCHBOARD_TEST_CLAUDE_BIN"]
    prefix = pathlib.Path(sys.prefix) / "claude-code-npm"
    bin_path = prefix / "node_modules" / ".bin" / "claude"
    if not bin_path.exists():
        if not shutil.which("npm"):
            return None
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                               f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not bin_path.exists():
            print(proc.stderr[-2000:], file=sys.stderr)
            return None
    return str(bin_path)


# The Claude Code the wrapper's flags and files were checked against.
CLAUDE_CODE_VERSION = "2.1.197"


def test_the_real_claude_accepts_the_wrappers_flags(person, tmp_path):
    claude = real_claude(tmp_path)
    if claude is None:
        pytest.skip(f"npm @anthropic-ai/claude-code@{CLAUDE_CODE_VERSION} could not be installed here")
    # `-p` without a prompt: claude parses every argument, loads the settings and MCP files,
    # then stops before any model call because there is no input.
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run([os.environ["SWITCHBOARD_AGENT_BIN"], "claude", "-p"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=PROCESS_LIMIT,
                          env=dict(os.environ, SWITCHBOARD_CLAUDE_BIN=claude, HOME=str(home)))
    assert "unknown option" not in proc.stderr, proc.stderr
    assert "not found" not in proc.stderr, proc.stderr
    assert "Input must be provided" in proc.stderr, proc.stderr
    # The check can fail: an option claude does not know is refused the same way.
    bogus = subprocess.run([claude, "--bogus-switchboard-flag", "-p"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=PROCESS_LIMIT, env=dict(os.environ, HOME=str(home)))
    assert "unknown option" in bogus.stderr, bogus.stderr


def test_a_missing_claude_is_reported_with_what_to_do(person, tmp_path):
    proc = subprocess.run([os.environ["SWITCHBOARD_AGENT_BIN"], "claude"], capture_output=True, text=True,
                          env=dict(os.environ, SWITCHBOARD_CLAUDE_BIN=str(tmp_path / "no-such-claude")),
                          timeout=PROCESS_LIMIT)
    assert proc.returncode == 1
    assert "SWITCHBOARD_CLAUDE_BIN" in proc.stderr and "no-such-claude" in proc.stderr
