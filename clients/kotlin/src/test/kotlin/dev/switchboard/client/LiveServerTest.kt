package dev.switchboard.client

import dev.switchboard.v1.AgentServiceGrpc
import dev.switchboard.v1.LogStepRequest
import dev.switchboard.v1.Message
import dev.switchboard.v1.Sender
import dev.switchboard.v1.SessionOutcome
import dev.switchboard.v1.SessionStatus
import dev.switchboard.v1.StartSessionRequest
import dev.switchboard.v1.StartSessionResponse
import dev.switchboard.v1.SubscribeRequest
import io.grpc.CallOptions
import io.grpc.ClientCall
import io.grpc.ClientInterceptor
import io.grpc.ClientInterceptors
import io.grpc.ForwardingClientCall
import io.grpc.ForwardingClientCallListener
import io.grpc.ManagedChannel
import io.grpc.Metadata
import io.grpc.MethodDescriptor
import io.grpc.Status
import io.grpc.StatusException
import io.grpc.StatusRuntimeException
import java.io.File
import java.net.InetSocketAddress
import java.util.UUID
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail

/** End-to-end tests against the server started by scripts/with-server.sh (SWITCHBOARD_* variables). */
class LiveServerTest {
    companion object {
        private fun env(name: String): String =
            System.getenv(name) ?: error("$name is not set: run through scripts/with-server.sh clients/kotlin/test.sh")

        lateinit var channel: ManagedChannel

        @BeforeAll @JvmStatic
        fun open() { channel = Switchboard.channel(env("SWITCHBOARD_URL")) }

        @AfterAll @JvmStatic
        fun close() { if (::channel.isInitialized) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS) }
    }

    private fun stage(what: String) = println("[kotlin-e2e] $what")

    private suspend fun dashboard() = Dashboard.login(channel, env("SWITCHBOARD_EMAIL"), env("SWITCHBOARD_PASSWORD"))

    @Test
    fun `agent session end to end`() = runBlocking<Unit> {
        withTimeout(60.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-e2e", name = "kotlin e2e", metadata = mapOf("lang" to "kotlin"))
            assertEquals(SessionStatus.SESSION_STATUS_ACTIVE, s.session.status)
            assertEquals("kotlin e2e", s.session.name)

            val first = s.step("cloned the repository")
            val second = s.step("ran the tests")
            assertTrue(second.seq > first.seq, "step seqs increase")
            val diff = s.reportDiff("diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1,2 @@\n-old\n+new\n+more\n")
            assertEquals(1, diff.summary.filesChanged)
            assertEquals(2, diff.summary.additions)
            assertEquals(1, diff.summary.deletions)
            s.reportUsage(inputTokens = 1200, outputTokens = 300, costMicros = 4500)

            // A question with options: the agent waits, the person sees it on WatchSession and answers.
            val seen = async { person.watch(s.id).first { it.hasQuestion() } }
            val answer = async { s.ask("Deploy to staging?", listOf(option("yes", "Yes"), option("no", "No")), allowFreeText = false) }
            val asked = seen.await()
            stage("question seen by the person")
            assertEquals(Sender.SENDER_AGENT, asked.sender)
            assertEquals(listOf("yes", "no"), asked.question.optionsList.map { it.id })
            person.answer(s.id, asked.question.id, listOf("yes"))
            val got = answer.await()
            stage("answer received by the agent")
            assertEquals(asked.question.id, got.questionId)
            assertEquals(listOf("yes"), got.optionIdsList)
            assertEquals(Sender.SENDER_USER, got.answeredBy)

            // A user message arrives live on the agent's subscription; having been delivered there,
            // it is not returned again by the next step (each message is seen once).
            val live = async { s.messages(afterSeq = asked.seq).first { it.hasUserMessage() } }
            val sent = person.sendMessage(s.id, "please also run the linter")
            val received = live.await()
            stage("user message received on messages()")
            assertEquals(sent.seq, received.seq)
            assertEquals("please also run the linter", received.userMessage.text)
            assertEquals(Sender.SENDER_USER, received.sender)
            assertEquals(0, s.step("running the linter").queuedMessagesCount)
            // Without a subscription, the next step returns a message exactly once.
            val queued = person.sendMessage(s.id, "and update the changelog")
            assertEquals(listOf(queued.seq), s.step("updating the changelog").queuedMessagesList.map { it.seq })
            assertEquals(0, s.step("changelog updated").queuedMessagesCount)

            // messages() replays, then completes after the terminal status change.
            val tail = async { s.messages().toList() }
            delay(300) // let the subscription open; it replays from seq 0 anyway
            stage("ending")
            val ended = s.end(SessionOutcome.SESSION_OUTCOME_COMPLETED, "deployed to staging")
            assertEquals(SessionStatus.SESSION_STATUS_COMPLETED, ended.status)
            assertEquals("deployed to staging", ended.summary)
            val all = tail.await()
            stage("subscription completed after end")
            assertTrue(all.any { it.hasAnswer() && it.answer.questionId == asked.question.id }, "answer replayed")
            assertEquals(SessionStatus.SESSION_STATUS_COMPLETED, all.last { it.hasStatusChange() }.statusChange.toStatus)

            val afterEnd = assertThrows<StatusException> { runBlocking { s.step("too late") } }
            assertEquals(Status.Code.FAILED_PRECONDITION, afterEnd.status.code)
        }
    }

    @Test
    fun `messages() resumes from the last seq after a dropped stream`() = runBlocking<Unit> {
        withTimeout(45.seconds) {
            val addr = env("SWITCHBOARD_ADDR")
            DropProxy(InetSocketAddress(addr.substringBeforeLast(':'), addr.substringAfterLast(':').toInt())).use { proxy ->
                val proxied = Switchboard.channel(proxy.url)
                try {
                    val person = dashboard()
                    val s = AgentSession.start(proxied, env("SWITCHBOARD_API_KEY"), "kotlin-resume")
                    val inbox = Channel<Message>(Channel.UNLIMITED)
                    val reader = launch { s.messages().collect { inbox.send(it) } }
                    val first = person.sendMessage(s.id, "first")
                    assertEquals(first.seq, inbox.receive().seq)
                    proxy.dropAll() // the Subscribe stream fails with UNAVAILABLE; messages() resubscribes
                    val second = person.sendMessage(s.id, "second")
                    val next = inbox.receive()
                    assertEquals(second.seq, next.seq, "no duplicate, no gap after the drop")
                    assertEquals("second", next.userMessage.text)
                    assertEquals(2, proxy.accepted, "one reconnection through the proxy")
                    s.end(summary = "done")
                    reader.join() // completes after the terminal status change
                    assertEquals(SessionStatus.SESSION_STATUS_COMPLETED, inbox.receive().statusChange.toStatus)
                } finally {
                    proxied.shutdownNow()
                }
            }
        }
    }

    @Test
    fun `a retried write with the same request_id returns the first result`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-idempotency")
            val req = LogStepRequest.newBuilder().setSessionId(s.id).setText("once").setRequestId(Switchboard.newRequestId()).build()
            val first = s.stub.logStep(req)
            val retried = s.stub.logStep(req)
            assertEquals(first.seq, retried.seq)
            assertEquals(first.seq + 1, s.step("next").seq, "the retry wrote nothing")
            s.end()
        }
    }

    @Test
    fun `sessionId resumes an existing session and an unknown id is NOT_FOUND`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val key = env("SWITCHBOARD_API_KEY")
            val first = AgentSession.start(channel, key, "kotlin-resume", name = "to resume")
            assertTrue(!first.resumed, "a new session came back resumed")
            val before = first.step("before the restart")
            val again = AgentSession.start(channel, key, "kotlin-resume", sessionId = first.id)
            assertTrue(again.resumed, "resumed")
            assertEquals(first.id, again.id)
            assertTrue(again.session.lastSeq >= before.seq, "last_seq ${again.session.lastSeq} < ${before.seq}")
            // Ids are minted by the server only: an unused one (or another user's) is NOT_FOUND.
            val e = assertThrows<StatusException> {
                runBlocking { AgentSession.start(channel, key, "kotlin-resume", sessionId = UUID.randomUUID().toString()) }
            }
            assertEquals(Status.Code.NOT_FOUND, e.status.code)
            first.end()
        }
    }

    /** Lets the first StartSession reach the server, then reports UNAVAILABLE instead of its reply. */
    private class LoseFirstStartReply : ClientInterceptor {
        val sent = CopyOnWriteArrayList<StartSessionRequest>()
        @Volatile var lost: StartSessionResponse? = null
        private val calls = AtomicInteger()

        override fun <Q, R> interceptCall(method: MethodDescriptor<Q, R>, options: CallOptions, next: io.grpc.Channel): ClientCall<Q, R> {
            val call = next.newCall(method, options)
            if (method.fullMethodName != AgentServiceGrpc.getStartSessionMethod().fullMethodName) return call
            val first = calls.incrementAndGet() == 1
            return object : ForwardingClientCall.SimpleForwardingClientCall<Q, R>(call) {
                override fun sendMessage(message: Q) {
                    sent.add(message as StartSessionRequest)
                    super.sendMessage(message)
                }

                override fun start(listener: Listener<R>, headers: Metadata) {
                    if (!first) return super.start(listener, headers)
                    super.start(object : ForwardingClientCallListener.SimpleForwardingClientCallListener<R>(listener) {
                        override fun onMessage(message: R) { lost = message as StartSessionResponse }
                        override fun onClose(status: Status, trailers: Metadata) {
                            val dropped = Status.UNAVAILABLE.withDescription("connection reset (simulated after the server answered)")
                            super.onClose(if (status.isOk) dropped else status, trailers)
                        }
                    }, headers)
                }
            }
        }
    }

    @Test
    fun `a retried start sends no session id, keeps its request_id and gets the first session`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val lossy = LoseFirstStartReply()
            val s = AgentSession.start(
                ClientInterceptors.intercept(channel, lossy), env("SWITCHBOARD_API_KEY"), "kotlin-retried-start",
                retry = RetryPolicy(initialBackoff = 10.milliseconds),
            )
            assertEquals(listOf("", ""), lossy.sent.map { it.sessionId })
            assertEquals(lossy.sent[0].requestId, lossy.sent[1].requestId)
            assertEquals(lossy.lost?.session?.id, s.id)
            assertTrue(s.resumed, "the retry returns the first start's session")
            s.end()
        }
    }

    @Test
    fun `a stop request ends the wait for an answer`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-stop")
            val seen = async { person.watch(s.id).first { it.hasQuestion() } }
            // The server ends the waiting call on the stop: StopRequestedException, not a timeout.
            val waiting = async { runCatching { s.ask("Keep going?", options("Yes", "No"), allowFreeText = false) } }
            val statuses = async { s.messages().first { it.hasStatusChange() && it.statusChange.toStatus == SessionStatus.SESSION_STATUS_STOPPING } }
            seen.await()
            assertEquals(SessionStatus.SESSION_STATUS_STOPPING, person.stop(s.id, "enough for today").status)
            val stopped = waiting.await().exceptionOrNull()
            assertTrue(stopped is StopRequestedException, "ask throws StopRequestedException, got $stopped")
            assertEquals(SessionStatus.SESSION_STATUS_STOPPING, (stopped as StopRequestedException).status)
            assertEquals("enough for today", statuses.await().statusChange.reason)
            assertEquals(SessionStatus.SESSION_STATUS_STOPPED, s.end(summary = "stopped as asked").status)
        }
    }

    /**
     * Issue 11: the person writes while the agent waits in ask(), then answers. The message reaches
     * the agent once: on the next step, not on the one after, and not on the message stream (which
     * replays the session from its start). Against the former helper this fails: its messages()
     * neither skipped what step() had returned nor acknowledged what it emitted (with the server's
     * former rule, "written to a stream = read", the other way round).
     */
    @Test
    fun `a message sent during ask is delivered exactly once afterwards`() = runBlocking<Unit> {
        withTimeout(45.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-e2e", name = "message during ask")
            s.step("working")
            val personActs = async {
                val q = person.watch(s.id).first { it.hasQuestion() }.question
                val sent = person.sendMessage(s.id, "please also update the README")
                person.answer(s.id, q.id, listOf(q.optionsList.first().id))
                sent
            }
            val answer = s.ask("Go ahead?", options("Go ahead", "Hold on"), allowFreeText = false)
            val sent = personActs.await()
            assertEquals(listOf("go-ahead"), answer.optionIdsList)

            val first = s.step("answered").queuedMessagesList
            assertEquals(listOf(sent.seq to "please also update the README"), first.map { it.seq to it.userMessage.text })
            assertEquals(0, s.step("next").queuedMessagesCount)

            // The stream skips what step() returned; a newer message arrives there once, is
            // acknowledged as it is emitted, and so is not returned by the next step either.
            val later = person.sendMessage(s.id, "and the changelog")
            val users = mutableListOf<Long>()
            s.messages().first { m ->
                if (m.hasUserMessage()) users += m.seq
                m.seq == later.seq
            }
            assertEquals(listOf(later.seq), users)
            assertEquals(0, s.step("after the stream").queuedMessagesCount)
            s.end(summary = "done")
        }
    }

    @Test
    fun `option ids match the shared vectors`() {
        val vectors = Json.parseToJsonElement(File("../testdata/option_ids.json").readText()).jsonObject
        val cases = vectors.getValue("cases").jsonArray
        assertTrue(cases.isNotEmpty())
        for (case in cases) {
            val labels = case.jsonObject.getValue("labels").jsonArray.map { it.jsonPrimitive.content }
            val ids = case.jsonObject.getValue("ids").jsonArray.map { it.jsonPrimitive.content }
            val built = options(*labels.toTypedArray())
            assertEquals(ids, built.map { it.id }, "ids for $labels")
            assertEquals(labels, built.map { it.label })
        }
    }

    @Test
    fun `Subscribe ends with OK when the session becomes terminal`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-subscribe-end")
            s.step("working")
            // The raw stream (no helper logic): it must end by itself once the session is terminal.
            val raw = async { s.stub.subscribe(SubscribeRequest.newBuilder().setSessionId(s.id).build()).toList() }
            delay(300)
            s.end(SessionOutcome.SESSION_OUTCOME_FAILED, "gave up")
            val items = withTimeoutOrNull(10.seconds) { raw.await() }
                ?: fail("Subscribe still open 10 s after EndSession (agent_service.proto: it ends with OK when the session becomes terminal)")
            assertEquals(SessionStatus.SESSION_STATUS_FAILED, items.last { it.hasMessage() }.message.statusChange.toStatus)
        }
    }

    @Test
    fun `revoked api key is UNAUTHENTICATED`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val person = dashboard()
            val key = person.createApiKey("kotlin-revoke-test")
            assertTrue(key.secret.startsWith("sb_live_"), "secret prefix")
            val s = AgentSession.start(channel, key.secret, "kotlin-revoke")
            s.step("works while the key is active")
            val revoked = person.revokeApiKey(key.apiKey.id)
            assertTrue(revoked.hasRevokeTime())

            val e = assertThrows<StatusException> { runBlocking { s.step("after revoke") } }
            assertEquals(Status.Code.UNAUTHENTICATED, e.status.code)
            // The plain grpc-java blocking stub maps it to StatusRuntimeException.
            val blocking = AgentServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerToken { key.secret })
            val req = LogStepRequest.newBuilder().setSessionId(s.id).setText("x").setRequestId(Switchboard.newRequestId()).build()
            val e2 = assertThrows<StatusRuntimeException> { blocking.logStep(req) }
            assertEquals(Status.Code.UNAUTHENTICATED, e2.status.code)
        }
    }
}
