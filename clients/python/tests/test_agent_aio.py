"""The asyncio helper, same loop as the sync test: the person acts from a worker thread."""
import asyncio
import uuid

import grpc
import pytest

from switchboard.aio import AsyncAgent
from switchboard.v1 import model_pb2 as model


def test_async_agent_session_end_to_end(person, agent_name):
    asyncio.run(_scenario(person, agent_name))


async def _scenario(person, agent_name):
    async with AsyncAgent(agent_name) as agent:
        async with await agent.start_session("async e2e") as s:
            step = await s.step("planning")
            assert step.seq > 0

            def person_answers():
                q = person.wait_for_question(s.id, timeout=30)
                person.answer(s.id, q.id, option_ids=[q.options[0].id, q.options[2].id])
            answering = asyncio.create_task(asyncio.to_thread(person_answers))
            answer = await s.ask("Which checks should run?", options={"lint": "Lint", "unit": "Unit tests",
                                                                      "e2e": "End to end"},
                                 multiple=True, wait_timeout=30)
            await answering
            assert list(answer.option_ids) == ["lint", "e2e"]
            assert answer.answered_by == model.SENDER_USER

            sending = asyncio.create_task(asyncio.to_thread(person.send_message, s.id, "hello from the person"))
            text = None
            async for msg in s.messages(timeout=20):
                if msg.HasField("user_message"):
                    text = msg.user_message.text
                    break
            await sending
            assert text == "hello from the person"

            diff = await s.report_diff("")
            assert diff.summary.files_changed == 0
            await s.report_usage(input_tokens=10, output_tokens=5, cost_micros=7)
        assert s.ended.status == model.SESSION_STATUS_COMPLETED

    got = (await asyncio.to_thread(person.get_session, s.id)).session
    assert got.status == model.SESSION_STATUS_COMPLETED
    assert got.usage.cost_micros == 7


def test_async_resume_by_id_and_unknown_id_is_not_found(agent_name):
    async def run():
        async with AsyncAgent(agent_name) as agent:
            first = await agent.start_session("to resume")
            assert not first.resumed
            again = await agent.start_session(session_id=first.id)
            assert again.resumed and again.id == first.id
            with pytest.raises(grpc.RpcError) as err:
                await agent.start_session(session_id=str(uuid.uuid4()))
            assert err.value.code() == grpc.StatusCode.NOT_FOUND
            await first.end()
    asyncio.run(run())


def test_async_revoked_key_is_unauthenticated(person, agent_name):
    async def run():
        created = await asyncio.to_thread(person.create_api_key, "aio-revoke")
        async with AsyncAgent(agent_name, api_key=created.secret) as agent:
            s = await agent.start_session()
            await asyncio.to_thread(person.revoke_api_key, created.api_key.id)
            with pytest.raises(grpc.RpcError) as err:
                await s.step("refused")
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    asyncio.run(run())


def test_async_stop_request_interrupts_a_waiting_ask(person, agent_name):
    from switchboard import StopRequested

    async def run():
        async with AsyncAgent(agent_name) as agent:
            with pytest.raises(StopRequested):
                async with await agent.start_session("stopped while asking") as s:
                    def person_stops():
                        q = person.wait_for_question(s.id, timeout=30)
                        person.stop_session(s.id, "never mind")
                    stopping = asyncio.create_task(asyncio.to_thread(person_stops))
                    try:
                        # The server ends the waiting call on the stop: StopRequested, not AnswerTimeout.
                        await s.ask("Shall I go on?", options=["Yes", "No"], wait_timeout=30)
                    finally:
                        await stopping
            assert s.ended.status == model.SESSION_STATUS_STOPPED
    asyncio.run(run())


def test_async_message_sent_during_ask_is_delivered_exactly_once(person, agent_name):
    """The asyncio twin of test_message_sent_during_ask_is_delivered_exactly_once (issue 11)."""
    async def run():
        async with AsyncAgent(agent_name) as agent, await agent.start_session("message during ask") as s:
            await s.step("working")

            def person_writes_then_answers():
                q = person.wait_for_question(s.id, timeout=30)
                sent = person.send_message(s.id, "please also update the README")
                person.answer(s.id, q.id, option_ids=[q.options[0].id])
                return sent
            acting = asyncio.create_task(asyncio.to_thread(person_writes_then_answers))
            answer = await s.ask("Go ahead?", options=["Go ahead", "Hold on"], wait_timeout=30)
            sent = await acting
            assert list(answer.option_ids) == ["go-ahead"]

            first = await s.step("answered")
            assert [(m.seq, m.user_message.text) for m in first.queued_messages] == [
                (sent.seq, "please also update the README")]
            assert list((await s.step("next")).queued_messages) == []

            later = await asyncio.to_thread(person.send_message, s.id, "and the changelog")
            users = []
            async for msg in s.messages(timeout=20):
                if msg.HasField("user_message"):
                    users.append((msg.seq, msg.user_message.text))
                    if msg.seq == later.seq:
                        break
            assert users == [(later.seq, "and the changelog")]
            assert list((await s.step("after the stream")).queued_messages) == []
    asyncio.run(run())
