"""https:// end to end: the second server of `scripts/with-server.sh --tls` serves TLS only, with a
certificate from a CA made for the run. The client must trust that CA when told to (argument or
$SWITCHBOARD_CA_FILE), and refuse the server otherwise (wrong CA, or the system's roots)."""
import os
import uuid

import grpc
import pytest

from switchboard import Agent, Dashboard, RetryPolicy, SwitchboardError

TLS_URL = os.environ.get("SWITCHBOARD_TLS_URL", "")
pytestmark = pytest.mark.skipif(not TLS_URL, reason="needs scripts/with-server.sh --tls")
NO_RETRY = RetryPolicy(max_attempts=1)


def tls_agent(**kw):
    return Agent(f"py-tls-{uuid.uuid4().hex[:8]}", url=TLS_URL, api_key=os.environ["SWITCHBOARD_TLS_API_KEY"],
                 call_timeout=10, **kw)


def test_an_agent_and_a_person_work_over_https_with_the_runs_ca():
    ca = os.environ["SWITCHBOARD_TLS_CA_FILE"]
    with tls_agent(ca_file=ca) as agent:
        session = agent.start_session("over tls")
        session.step("encrypted step")
        session.end()
    with Dashboard.login(url=TLS_URL, ca_file=ca) as person:
        texts = [m.step.text for m in person.list_messages(session.id) if m.HasField("step")]
    assert texts == ["encrypted step"]


def test_the_ca_file_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SWITCHBOARD_CA_FILE", os.environ["SWITCHBOARD_TLS_CA_FILE"])
    with tls_agent() as agent:
        agent.start_session("ca from env").end()


@pytest.mark.parametrize("trust", ["wrong-ca", "system-roots"])
def test_a_server_whose_certificate_is_not_trusted_is_refused(monkeypatch, trust):
    monkeypatch.delenv("SWITCHBOARD_CA_FILE", raising=False)
    ca = os.environ["SWITCHBOARD_TLS_WRONG_CA"] if trust == "wrong-ca" else None
    with tls_agent(ca_file=ca, retry=NO_RETRY) as agent:
        with pytest.raises(grpc.RpcError) as refused:
            agent.start_session("must not start")
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


def test_an_unreadable_ca_file_is_a_clear_error(tmp_path):
    with pytest.raises(SwitchboardError, match="CA file"):
        tls_agent(ca_file=str(tmp_path / "missing.pem"))
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    with pytest.raises(SwitchboardError, match="no PEM certificate"):
        tls_agent(ca_file=str(not_pem))
