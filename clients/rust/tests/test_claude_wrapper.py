"""`switchboard-agent claude` end to end, with a stand-in `claude` and a live server.

The stand-in does what Claude Code's documented contract says it does with `--mcp-config <file>`:
reads the file, starts the configured stdio MCP server with the configured `env` (over the
inherited environment), and calls a tool through the official MCP Python SDK. It prints what it
saw as one JSON line on stdout (the wrapper passes its terminal through), then exits with the
code it is told. Run through scripts/with-server.sh clients/rust/test.sh.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from switchboard import Dashboard
from switchboard.v1 import model_pb2 as model

# Bounds a hang (a stand-in that never exits), times nothing.
PROCESS_LIMIT = 60.0

STAND_IN = textwrap.dedent("""\
    import asyncio, json, os, signal, stat, sys
    from mcp import ClientSession, StdioServerParameters, stdio_client

    async def main():
        args = sys.argv[1:]
        assert args[0] == "--mcp-config", args
        path, user_args = args[1], args[2:]
        with open(path) as f:
            config = json.load(f)
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


def test_a_missing_claude_is_reported_with_what_to_do(person, tmp_path):
    proc = subprocess.run([os.environ["SWITCHBOARD_AGENT_BIN"], "claude"], capture_output=True, text=True,
                          env=dict(os.environ, SWITCHBOARD_CLAUDE_BIN=str(tmp_path / "no-such-claude")),
                          timeout=PROCESS_LIMIT)
    assert proc.returncode == 1
    assert "SWITCHBOARD_CLAUDE_BIN" in proc.stderr and "no-such-claude" in proc.stderr
