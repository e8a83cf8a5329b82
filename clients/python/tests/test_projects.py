"""Projects from the person's side, against the live server: a team project's key puts the agent's
session in that project; the project-aware Dashboard methods list and watch it there and not in
the personal project; a second person invited as VIEW sees it but may not act on it."""
import os
import subprocess
import uuid

import grpc
import pytest

from switchboard import Agent, Dashboard
from switchboard.v1 import project_service_pb2 as proj_pb


def make_user(email: str, password: str) -> None:
    """A second person, made with the server's admin CLI (as an operator would)."""
    subprocess.run([os.environ["SWITCHBOARD_BIN"], "user", "create", "--email", email, "--password-stdin"],
                   input=password.encode(), check=True, capture_output=True)


def test_team_project_lists_watches_and_enforces_roles(person, agent_name):
    personal = person.personal_project()
    assert personal.id == person.user.id and personal.role == proj_pb.PROJECT_ROLE_ADMIN

    team = person.create_project(f"py-team-{uuid.uuid4().hex[:6]}")
    assert team.role == proj_pb.PROJECT_ROLE_ADMIN and not team.personal
    assert team.id in [p.id for p in person.list_projects()]

    key = person.create_api_key("team key", project_id=team.id)
    assert key.api_key.project_id == team.id
    team_keys = person.list_api_keys(project_id=team.id)
    assert [k.id for k in team_keys] == [key.api_key.id]
    assert team_keys[0].creator_email == person.user.email
    assert key.api_key.id not in [k.id for k in person.list_api_keys()]

    with Agent(agent_name, api_key=key.secret) as agent, agent.start_session("in the team") as s:
        s.step("working for the team")
        in_team = person.list_sessions(project_id=team.id)
        assert [x.id for x in in_team] == [s.id]
        assert in_team[0].project_id == team.id
        assert s.id not in [x.id for x in person.list_sessions()]

        # The team's inbox replays the session's creation; the personal inbox does not hold it.
        seen = next(e for e in person.watch_inbox(0, project_id=team.id, timeout=30) if e.session_id == s.id)
        assert seen.agent_name == agent_name

        # A second person, invited as VIEW through an invite link, sees the session and its inbox
        # but may not message the agent.
        email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
        password = "pw-" + uuid.uuid4().hex
        make_user(email, password)
        invite = person.invite_member(team.id, email, proj_pb.PROJECT_ROLE_VIEW)
        assert invite.token and invite.invitation.email == email
        with Dashboard.login(email, password) as viewer:
            assert [i.id for i in viewer.list_my_invitations()] == [invite.invitation.id]
            joined = viewer.accept_invitation(token=invite.token)
            assert joined.id == team.id and joined.role == proj_pb.PROJECT_ROLE_VIEW
            assert [x.id for x in viewer.list_sessions(project_id=team.id)] == [s.id]
            assert any(e.session_id == s.id for e in viewer.watch_inbox(0, project_id=team.id, timeout=30))
            with pytest.raises(grpc.RpcError) as refused:
                viewer.send_message(s.id, "may I?")
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            members = {m.email: m.role for m in viewer.list_members(team.id)}
            assert members == {person.user.email: proj_pb.PROJECT_ROLE_ADMIN, email: proj_pb.PROJECT_ROLE_VIEW}

    # The admin sees the invitation and its acceptance in the project's audit trail.
    actions = [e.action for e in person.list_audit_events(team.id)]
    assert proj_pb.AUDIT_ACTION_MEMBER_INVITED in actions
    assert proj_pb.AUDIT_ACTION_INVITATION_ACCEPTED in actions
