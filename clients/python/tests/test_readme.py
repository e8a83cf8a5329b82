"""Runs the README's example as a newcomer would paste it, with the dashboard as the person."""
import pathlib
import re
import subprocess
import sys
import time
import uuid

from switchboard.v1 import model_pb2 as model

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    return re.search(r"## Example\s+```python\n(.*?)```", README.read_text(), re.S).group(1)


def test_readme_example_runs(person, tmp_path):
    name = f"changelog-bot-{uuid.uuid4().hex[:6]}"
    code = readme_example()
    assert 'Agent("changelog-bot")' in code
    script = tmp_path / "example.py"
    script.write_text(code.replace('Agent("changelog-bot")', f'Agent("{name}")'))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        session = None
        deadline = time.monotonic() + 30
        while session is None and time.monotonic() < deadline and proc.poll() is None:
            session = next((s for s in person.list_sessions() if s.agent_name == name), None)
            time.sleep(0.1)
        assert session is not None, "the example did not start a session"
        q = person.wait_for_question(session.id, timeout=30)
        assert q.text == "Remove the duplicates?" and q.deadline_time.seconds > 0
        person.answer(session.id, q.id, option_ids=["remove-them"])
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "The person chose: ['remove-them']" in out
    got = person.get_session(session.id).session
    assert got.status == model.SESSION_STATUS_COMPLETED
    assert got.usage.cost_micros == 4500
