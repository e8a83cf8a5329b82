"""A minimal person-side helper (AuthService + DashboardService + ProjectService): sign in, answer,
send messages, manage API keys, list and watch a project. The tests use it as "the person";
scripts can too. Calls that take a `project_id` act on the person's personal project when it is
empty, as before projects existed."""
from __future__ import annotations

import os
from typing import Iterator, List, Optional, Sequence

import grpc

from switchboard._common import ENV_URL, SwitchboardError, connect, env_or, new_request_id
from switchboard.v1 import auth_service_pb2 as auth_pb
from switchboard.v1 import auth_service_pb2_grpc as auth_grpc
from switchboard.v1 import dashboard_service_pb2 as dash_pb
from switchboard.v1 import dashboard_service_pb2_grpc as dash_grpc
from switchboard.v1 import model_pb2 as model
from switchboard.v1 import project_service_pb2 as proj_pb
from switchboard.v1 import project_service_pb2_grpc as proj_grpc

DEFAULT_CALL_TIMEOUT = 30.0


class Dashboard:
    """DashboardService (`.stub`) and ProjectService (`.projects`) with a person's access token.
    Build it with Dashboard.login()."""

    def __init__(self, access_token: str, *, url: Optional[str] = None, call_timeout: float = DEFAULT_CALL_TIMEOUT,
                 ca_file: Optional[str] = None):
        self.url = env_or(url, ENV_URL)
        self.call_timeout = call_timeout
        self.channel = connect(self.url, access_token, ca_file=ca_file)
        self.stub = dash_grpc.DashboardServiceStub(self.channel)
        self.projects = proj_grpc.ProjectServiceStub(self.channel)
        self.user: Optional[model.User] = None
        self.tokens: Optional[auth_pb.TokenPair] = None

    @classmethod
    def login(cls, email: Optional[str] = None, password: Optional[str] = None, *,
              url: Optional[str] = None, ca_file: Optional[str] = None) -> "Dashboard":
        """Signs in with AuthService.Login (defaults: $SWITCHBOARD_EMAIL / $SWITCHBOARD_PASSWORD)."""
        url = env_or(url, ENV_URL)
        email = env_or(email, "SWITCHBOARD_EMAIL")
        password = password if password is not None else os.environ.get("SWITCHBOARD_PASSWORD", "")
        with connect(url, ca_file=ca_file) as channel:
            resp = auth_grpc.AuthServiceStub(channel).Login(
                auth_pb.LoginRequest(email=email, password=password), timeout=DEFAULT_CALL_TIMEOUT)
        dash = cls(resp.tokens.access_token, url=url, ca_file=ca_file)
        dash.user, dash.tokens = resp.user, resp.tokens
        return dash

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Dashboard":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- sessions ----------------------------------------------------------------------------

    def get_session(self, session_id: str) -> dash_pb.GetSessionResponse:
        """The session and its open questions."""
        return self.stub.GetSession(dash_pb.GetSessionRequest(session_id=session_id), timeout=self.call_timeout)

    def list_sessions(self, agent_id: str = "", *, project_id: str = "",
                      shared_with_me: bool = False) -> List[model.Session]:
        """Every session of the project (newest first), or with `shared_with_me` the sessions other
        projects shared with this person."""
        out, token = [], ""
        while True:
            resp = self.stub.ListSessions(dash_pb.ListSessionsRequest(
                agent_id=agent_id, page_token=token, project_id=project_id, shared_with_me=shared_with_me),
                timeout=self.call_timeout)
            out.extend(resp.sessions)
            token = resp.next_page_token
            if not token:
                return out

    def list_messages(self, session_id: str) -> List[model.Message]:
        """Every message of the session, in sequence order."""
        out, token = [], ""
        while True:
            resp = self.stub.ListMessages(dash_pb.ListMessagesRequest(
                session_id=session_id, page_size=500, page_token=token), timeout=self.call_timeout)
            out.extend(resp.messages)
            token = resp.next_page_token
            if not token:
                return out

    def watch(self, session_id: str, after_seq: int = 0, *, timeout: Optional[float] = None) -> Iterator[model.Message]:
        """The session's messages after `after_seq`, then live ones (WatchSession), for at most
        `timeout` seconds."""
        call = self.stub.WatchSession(dash_pb.WatchSessionRequest(session_id=session_id, after_seq=after_seq),
                                      timeout=timeout)
        try:
            for item in call:
                if item.HasField("message"):
                    yield item.message
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
        finally:
            call.cancel()

    def watch_inbox(self, after_cursor: int = 0, *, project_id: str = "",
                    timeout: Optional[float] = None) -> Iterator[dash_pb.InboxEvent]:
        """The project's inbox events after `after_cursor`, then live ones (WatchInbox), for at
        most `timeout` seconds. Ends with PERMISSION_DENIED (grpc.RpcError) when the person stops
        being a member."""
        call = self.stub.WatchInbox(dash_pb.WatchInboxRequest(after_cursor=after_cursor, project_id=project_id),
                                    timeout=timeout)
        try:
            for item in call:
                if item.HasField("event"):
                    yield item.event
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
        finally:
            call.cancel()

    def wait_for_question(self, session_id: str, *, timeout: float = 30.0) -> model.Question:
        """The oldest open question of the session, waiting (WatchSession, no polling) for one to
        be asked if there is none yet."""
        got = self.get_session(session_id)
        if got.open_questions:
            return got.open_questions[0]
        for msg in self.watch(session_id, got.session.last_seq, timeout=timeout):
            if msg.HasField("question"):
                return msg.question
        raise SwitchboardError(f"no question asked in session {session_id} within {timeout} s")

    def answer(self, session_id: str, question_id: str, option_ids: Sequence[str] = (),
               text: str = "") -> dash_pb.AnswerQuestionResponse:
        """Answers an open question with option ids and/or free text."""
        return self.stub.AnswerQuestion(dash_pb.AnswerQuestionRequest(
            session_id=session_id, question_id=question_id, option_ids=list(option_ids), text=text),
            timeout=self.call_timeout)

    def wait_for_approval(self, session_id: str, *, timeout: float = 30.0) -> model.ToolApproval:
        """The oldest open tool approval of the session, waiting (WatchSession) for one if none yet."""
        got = self.get_session(session_id)
        if got.open_approvals:
            return got.open_approvals[0]
        for msg in self.watch(session_id, got.session.last_seq, timeout=timeout):
            if msg.HasField("approval") and not msg.approval.HasField("result"):
                return msg.approval
        raise SwitchboardError(f"no approval requested in session {session_id} within {timeout} s")

    def decide(self, session_id: str, approval_id: str, decision: int, *, reason: str = "",
               updated_input_json: str = "") -> dash_pb.DecideApprovalResponse:
        """Decides an open approval (model.APPROVAL_DECISION_ALLOW_ONCE / _ALLOW_SESSION / _DENY)."""
        return self.stub.DecideApproval(dash_pb.DecideApprovalRequest(
            session_id=session_id, approval_id=approval_id, decision=decision, reason=reason,
            updated_input_json=updated_input_json), timeout=self.call_timeout)

    def send_message(self, session_id: str, text: str, *, request_id: Optional[str] = None) -> model.Message:
        """Sends a message to the agent (pushed on its subscription, queued for its next step)."""
        return self.stub.SendMessage(dash_pb.SendMessageRequest(
            session_id=session_id, text=text, request_id=request_id or new_request_id()),
            timeout=self.call_timeout).message

    def stop_session(self, session_id: str, reason: str = "") -> model.Session:
        return self.stub.StopSession(dash_pb.StopSessionRequest(session_id=session_id, reason=reason),
                                     timeout=self.call_timeout).session

    # ---- API keys ----------------------------------------------------------------------------

    def create_api_key(self, name: str, *, project_id: str = "") -> dash_pb.CreateApiKeyResponse:
        """Creates an API key acting in the project (its agents and sessions are created there);
        `.secret` is the sb_live_... value (shown this once), `.api_key.id` its id."""
        return self.stub.CreateApiKey(dash_pb.CreateApiKeyRequest(name=name, project_id=project_id),
                                      timeout=self.call_timeout)

    def revoke_api_key(self, api_key_id: str) -> model.ApiKey:
        return self.stub.RevokeApiKey(dash_pb.RevokeApiKeyRequest(api_key_id=api_key_id),
                                      timeout=self.call_timeout).api_key

    def list_api_keys(self, include_revoked: bool = False, *, project_id: str = "") -> List[model.ApiKey]:
        out, token = [], ""
        while True:
            resp = self.stub.ListApiKeys(dash_pb.ListApiKeysRequest(
                include_revoked=include_revoked, page_token=token, project_id=project_id),
                timeout=self.call_timeout)
            out.extend(resp.api_keys)
            token = resp.next_page_token
            if not token:
                return out

    # ---- projects ----------------------------------------------------------------------------

    def list_projects(self) -> List[proj_pb.Project]:
        """The projects this person is a member of (personal first), with their role in each."""
        return list(self.projects.ListProjects(proj_pb.ListProjectsRequest(), timeout=self.call_timeout).projects)

    def personal_project(self) -> proj_pb.Project:
        return next(p for p in self.list_projects() if p.personal)

    def create_project(self, name: str) -> proj_pb.Project:
        """A team project with this person as its only admin."""
        return self.projects.CreateProject(proj_pb.CreateProjectRequest(name=name), timeout=self.call_timeout).project

    def list_members(self, project_id: str) -> List[proj_pb.Member]:
        return list(self.projects.ListMembers(proj_pb.ListMembersRequest(project_id=project_id),
                                              timeout=self.call_timeout).members)

    def invite_member(self, project_id: str, email: str,
                      role: "proj_pb.ProjectRole.ValueType" = proj_pb.PROJECT_ROLE_VIEW) -> proj_pb.InviteMemberResponse:
        """Invites by email; `.token` is the single-use invite-link token (shown this once)."""
        return self.projects.InviteMember(proj_pb.InviteMemberRequest(project_id=project_id, email=email, role=role),
                                          timeout=self.call_timeout)

    def list_my_invitations(self) -> List[proj_pb.Invitation]:
        return list(self.projects.ListMyInvitations(proj_pb.ListMyInvitationsRequest(),
                                                    timeout=self.call_timeout).invitations)

    def accept_invitation(self, invitation_id: str = "", *, token: str = "") -> proj_pb.Project:
        """Accepts by invitation id (addressed to this person's email) or by invite-link token."""
        return self.projects.AcceptInvitation(proj_pb.AcceptInvitationRequest(
            invitation_id=invitation_id, token=token), timeout=self.call_timeout).project

    def list_audit_events(self, project_id: str = "", *, session_id: str = "", actor_user_id: str = "",
                          actions: Sequence["proj_pb.AuditAction.ValueType"] = ()) -> List[proj_pb.AuditEvent]:
        """Every matching audit event, newest first (all keyset pages)."""
        out, token = [], ""
        while True:
            resp = self.projects.ListAuditEvents(proj_pb.ListAuditEventsRequest(
                project_id=project_id, session_id=session_id, actor_user_id=actor_user_id,
                actions=list(actions), page_size=500, page_token=token), timeout=self.call_timeout)
            out.extend(resp.events)
            token = resp.next_page_token
            if not token:
                return out
