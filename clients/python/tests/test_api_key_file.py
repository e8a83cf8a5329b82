"""The API key from a file ($SWITCHBOARD_API_KEY_FILE, as a Kubernetes launch mounts it), against
the live server: the same rules as the Rust agent client."""
import os
import re

import grpc
import pytest

from switchboard import Agent, SwitchboardError, api_key_from_env
from switchboard.v1 import model_pb2 as model


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """A key file holding the run's API key, trailing newline included, and only that set."""
    path = tmp_path / "api-key"
    path.write_text(os.environ["SWITCHBOARD_API_KEY"] + "\n")
    monkeypatch.delenv("SWITCHBOARD_API_KEY")
    monkeypatch.setenv("SWITCHBOARD_API_KEY_FILE", str(path))
    return path


def test_an_agent_connects_with_the_key_file(key_file, agent_name):
    with Agent(agent_name) as agent, agent.start_session("key from a file") as s:
        assert s.info.agent_name == agent_name
        assert s.status == model.SESSION_STATUS_ACTIVE
        s.step("connected with the mounted credential")


def test_the_file_is_what_authenticates(key_file, agent_name):
    key_file.write_text("sb_live_not-a-key\n")
    with Agent(agent_name) as agent, pytest.raises(grpc.RpcError) as err:
        agent.start_session("wrong key")
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_variable_wins_over_the_file(key_file, monkeypatch, agent_name):
    monkeypatch.setenv("SWITCHBOARD_API_KEY", key_file.read_text().strip())
    key_file.write_text("sb_live_not-a-key\n")
    with Agent(agent_name) as agent, agent.start_session("variable first") as s:
        assert s.status == model.SESSION_STATUS_ACTIVE
    # A blank variable counts as unset.
    monkeypatch.setenv("SWITCHBOARD_API_KEY", "  ")
    assert api_key_from_env() == "sb_live_not-a-key"


def test_an_unusable_file_is_named(key_file, tmp_path, monkeypatch):
    key_file.write_text(" \n")
    with pytest.raises(SwitchboardError, match=re.escape(f'SWITCHBOARD_API_KEY_FILE="{key_file}" cannot be used: it is empty')):
        Agent("unused")
    missing = tmp_path / "missing"
    monkeypatch.setenv("SWITCHBOARD_API_KEY_FILE", str(missing))
    with pytest.raises(SwitchboardError, match=re.escape(f'SWITCHBOARD_API_KEY_FILE="{missing}" cannot be used: ')):
        Agent("unused")
    monkeypatch.delenv("SWITCHBOARD_API_KEY_FILE")
    with pytest.raises(SwitchboardError, match="SWITCHBOARD_API_KEY is not set"):
        Agent("unused")
