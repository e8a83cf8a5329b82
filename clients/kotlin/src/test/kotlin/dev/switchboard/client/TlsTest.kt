package dev.switchboard.client

import dev.switchboard.v1.SessionOutcome
import io.grpc.ManagedChannel
import io.grpc.Status
import io.grpc.StatusException
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * `https://` end to end against the second server of `scripts/with-server.sh --tls`, which serves
 * TLS only with a certificate from a CA made for the run: trusted when told to, refused otherwise.
 */
class TlsTest {
    private val url = System.getenv("SWITCHBOARD_TLS_URL").orEmpty()
    private val apiKey = System.getenv("SWITCHBOARD_TLS_API_KEY").orEmpty()
    private val ca = System.getenv("SWITCHBOARD_TLS_CA_FILE").orEmpty()

    @BeforeEach
    fun needsTlsServer() = assumeTrue(url.isNotEmpty(), "needs scripts/with-server.sh --tls")

    private fun <T> using(channel: ManagedChannel, body: suspend (ManagedChannel) -> T): T =
        try {
            runBlocking { withTimeout(30.seconds) { body(channel) } }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)
        }

    @Test
    fun `an agent and a person work over https with the run's CA`() = using(Switchboard.channel(url, ca)) { ch ->
        val s = AgentSession.start(ch, apiKey, "kotlin-tls", name = "over tls")
        s.step("encrypted step")
        s.end(SessionOutcome.SESSION_OUTCOME_COMPLETED, "done")
        val person = Dashboard.login(ch, System.getenv("SWITCHBOARD_EMAIL"), System.getenv("SWITCHBOARD_PASSWORD"))
        assertEquals(s.id, person.getSession(s.id).session.id)
    }

    @Test
    fun `a certificate from another CA or unknown to the system's roots is refused`() {
        for (caFile in listOf(System.getenv("SWITCHBOARD_TLS_WRONG_CA"), "")) {
            using(Switchboard.channel(url, caFile)) { ch ->
                val refused = assertThrows<StatusException> {
                    AgentSession.start(ch, apiKey, "kotlin-tls", retry = RetryPolicy(maxAttempts = 1))
                }
                assertEquals(Status.Code.UNAVAILABLE, refused.status.code, "caFile=$caFile: ${refused.status}")
            }
        }
    }

    @Test
    fun `a missing or non-PEM CA file is a clear error`(@TempDir dir: File) {
        val missing = assertThrows<IllegalArgumentException> { Switchboard.channel(url, File(dir, "missing.pem").path) }
        assertEquals(true, "cannot read the CA file" in missing.message.orEmpty())
        val notPem = File(dir, "not.pem").apply { writeText("hello") }
        val bad = assertThrows<IllegalArgumentException> { Switchboard.channel(url, notPem.path) }
        assertEquals(true, "no PEM certificate" in bad.message.orEmpty())
    }
}
