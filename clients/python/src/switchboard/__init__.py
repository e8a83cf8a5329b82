"""Switchboard client: generated gRPC stubs (switchboard.v1) and helpers for agents.

    from switchboard import Agent
    with Agent("my-agent") as agent, agent.start_session("nightly run") as session:
        session.step("cloned the repo")
        answer = session.ask("Deploy?", options=["Ship it", "Wait"])

asyncio: switchboard.aio.AsyncAgent. The person's side: switchboard.Dashboard.
"""
from switchboard._common import (
    AnswerTimeout, ApprovalTimeout, BearerAuthInterceptor, RetryPolicy, SessionEnded, StopRequested, SwitchboardError,
    api_key_from_env, build_options, connect, new_request_id, option_slug, parse_url)
from switchboard.agent import Agent, Session
from switchboard.dashboard import Dashboard

__all__ = [
    "Agent", "Session", "Dashboard", "RetryPolicy", "api_key_from_env", "connect", "new_request_id", "parse_url",
    "build_options", "option_slug", "BearerAuthInterceptor", "SwitchboardError", "StopRequested", "SessionEnded",
    "AnswerTimeout", "ApprovalTimeout",
]
__version__ = "0.1.0"
