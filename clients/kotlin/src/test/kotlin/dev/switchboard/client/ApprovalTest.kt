package dev.switchboard.client

import dev.switchboard.v1.ApprovalDecision
import dev.switchboard.v1.Sender
import dev.switchboard.v1.SessionStatus
import io.grpc.ManagedChannel
import io.grpc.Status
import io.grpc.StatusException
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Tool approvals against the live server: the person decides through DashboardService while requestApproval waits. */
class ApprovalTest {
    companion object {
        private fun env(name: String): String =
            System.getenv(name) ?: error("$name is not set: run through scripts/with-server.sh clients/kotlin/test.sh")

        lateinit var channel: ManagedChannel

        @BeforeAll @JvmStatic
        fun open() { channel = Switchboard.channel(env("SWITCHBOARD_URL")) }

        @AfterAll @JvmStatic
        fun close() { if (::channel.isInitialized) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS) }
    }

    private suspend fun dashboard() = Dashboard.login(channel, env("SWITCHBOARD_EMAIL"), env("SWITCHBOARD_PASSWORD"))

    @Test
    fun `the person allows, allows for the session, then denies with a reason`() = runBlocking<Unit> {
        withTimeout(60.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-approvals")
            // The person sees the approval on the session's feed and allows it.
            val allowing = async {
                val a = person.watch(s.id).first { it.hasApproval() }.approval
                assertEquals("./gradlew test", a.preview.shellCommand.command)
                assertEquals(SessionStatus.SESSION_STATUS_AWAITING_INPUT, person.getSession(s.id).session.status)
                person.decide(s.id, a.id, ApprovalDecision.APPROVAL_DECISION_ALLOW_ONCE)
            }
            val r1 = s.requestApproval("Bash", """{"command":"./gradlew test"}""", shellPreview("Run the tests", "./gradlew test"))
            allowing.await()
            assertEquals(ApprovalDecision.APPROVAL_DECISION_ALLOW_ONCE, r1.decision)
            assertEquals(Sender.SENDER_USER, r1.decidedBy)

            val forSession = async {
                val a = person.watch(s.id).first { it.hasApproval() && it.approval.toolName == "Read" }.approval
                person.decide(s.id, a.id, ApprovalDecision.APPROVAL_DECISION_ALLOW_SESSION)
            }
            val r2 = s.requestApproval("Read", """{"file_path":"build.gradle"}""", filePreview("Read build.gradle", "build.gradle"))
            forSession.await()
            assertEquals(ApprovalDecision.APPROVAL_DECISION_ALLOW_SESSION, r2.decision)
            // The session rule answers the next Read at once: no person.
            val r3 = s.requestApproval("Read", """{"file_path":"settings.gradle"}""", filePreview("Read settings.gradle", "settings.gradle"))
            assertEquals(Sender.SENDER_SYSTEM, r3.decidedBy)

            val denying = async {
                val a = person.watch(s.id).first { it.hasApproval() && it.approval.toolName == "WebFetch" }.approval
                person.decide(s.id, a.id, ApprovalDecision.APPROVAL_DECISION_DENY, reason = "stay offline")
            }
            val r4 = s.requestApproval("WebFetch", """{"url":"https://kotlinlang.org"}""", urlPreview("Fetch kotlinlang.org", "https://kotlinlang.org"))
            denying.await()
            assertEquals(ApprovalDecision.APPROVAL_DECISION_DENY, r4.decision)
            assertEquals("stay offline", r4.reason)
            s.end()
        }
    }

    @Test
    fun `a stop request ends the wait for a decision`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-approvals")
            val seen = async { person.watch(s.id).first { it.hasApproval() } }
            val waiting = async { runCatching { s.requestApproval("Bash", """{"command":"make deploy"}""", shellPreview("Deploy", "make deploy")) } }
            seen.await()
            person.stop(s.id, "not now")
            val stopped = waiting.await().exceptionOrNull()
            assertTrue(stopped is StopRequestedException, "requestApproval throws StopRequestedException, got $stopped")
            assertEquals(SessionStatus.SESSION_STATUS_STOPPED, s.end().status)
        }
    }

    @Test
    fun `the terminal answers first and the first decision wins`() = runBlocking<Unit> {
        withTimeout(30.seconds) {
            val person = dashboard()
            val s = AgentSession.start(channel, env("SWITCHBOARD_API_KEY"), "kotlin-approvals")
            val a = s.askApproval("Edit", """{"file_path":"a.kt"}""", filePreview("Edit a.kt", "a.kt"), toolUseId = "toolu_kt_1")
            val first = s.resolveApproval(ApprovalDecision.APPROVAL_DECISION_ALLOW_ONCE, toolUseId = "toolu_kt_1")
            assertTrue(first.applied)
            assertEquals(Sender.SENDER_AGENT, first.result.decidedBy)
            val second = s.resolveApproval(ApprovalDecision.APPROVAL_DECISION_DENY, approvalId = a.id)
            assertFalse(second.applied)
            assertEquals(ApprovalDecision.APPROVAL_DECISION_ALLOW_ONCE, second.result.decision)
            assertEquals(ApprovalDecision.APPROVAL_DECISION_ALLOW_ONCE, s.waitForApproval(a.id).decision)
            val err = assertThrows<StatusException> { person.decide(s.id, a.id, ApprovalDecision.APPROVAL_DECISION_DENY) }
            assertEquals(Status.Code.FAILED_PRECONDITION, err.status.code)
            s.end()
        }
    }
}
