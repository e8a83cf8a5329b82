package dev.switchboard.client

import dev.switchboard.client.Switchboard.ENV_API_KEY
import dev.switchboard.client.Switchboard.ENV_API_KEY_FILE
import dev.switchboard.v1.SessionOutcome
import dev.switchboard.v1.SessionStatus
import io.grpc.ManagedChannel
import io.grpc.Status
import io.grpc.StatusException
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The API key from a file (`$SWITCHBOARD_API_KEY_FILE`, as a Kubernetes launch mounts it), against
 * the server started by scripts/with-server.sh: the same rules as the Rust agent client. The JVM
 * cannot change its own environment, so each case passes the variables it means.
 */
class ApiKeyFileTest {
    private val realKey = System.getenv(ENV_API_KEY) ?: error("$ENV_API_KEY is not set: run through scripts/with-server.sh")
    private val channel: ManagedChannel = Switchboard.channel(
        System.getenv("SWITCHBOARD_URL") ?: error("SWITCHBOARD_URL is not set: run through scripts/with-server.sh"),
    )

    @AfterEach
    fun close() { channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS) }

    private fun keyFile(dir: File, content: String) = File(dir, "api-key").apply { writeText(content) }

    private fun start(apiKey: String) = runBlocking {
        withTimeout(30.seconds) {
            AgentSession.start(channel, apiKey, "kotlin-key-file", name = "key from a file", retry = RetryPolicy(maxAttempts = 1))
        }
    }

    @Test
    fun `an agent connects with the key file`(@TempDir dir: File) {
        val file = keyFile(dir, "$realKey\n")
        val s = start(Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY_FILE to file.path)::get))
        assertEquals(SessionStatus.SESSION_STATUS_ACTIVE, s.session.status)
        runBlocking {
            s.step("connected with the mounted credential")
            assertEquals(SessionStatus.SESSION_STATUS_COMPLETED, s.end(SessionOutcome.SESSION_OUTCOME_COMPLETED, "done").status)
        }
    }

    @Test
    fun `the key file is what authenticates`(@TempDir dir: File) {
        val file = keyFile(dir, "sb_live_not-a-key\n")
        val refused = assertThrows<StatusException> { start(Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY_FILE to file.path)::get)) }
        assertEquals(Status.Code.UNAUTHENTICATED, refused.status.code)
    }

    @Test
    fun `the key variable wins over the file`(@TempDir dir: File) {
        val file = keyFile(dir, "sb_live_not-a-key\n")
        val s = start(Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY to realKey, ENV_API_KEY_FILE to file.path)::get))
        runBlocking { s.end() }
        // A blank variable counts as unset.
        assertEquals("sb_live_not-a-key", Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY to "  ", ENV_API_KEY_FILE to file.path)::get))
    }

    @Test
    fun `an unusable key file is named`(@TempDir dir: File) {
        val empty = keyFile(dir, " \n")
        val missing = File(dir, "missing")
        val emptyError = assertThrows<IllegalStateException> { Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY_FILE to empty.path)::get) }
        assertEquals("$ENV_API_KEY_FILE=\"${empty.path}\" cannot be used: it is empty", emptyError.message)
        val missingError = assertThrows<IllegalStateException> { Switchboard.apiKeyFromEnv(mapOf(ENV_API_KEY_FILE to missing.path)::get) }
        assertTrue(missingError.message!!.startsWith("$ENV_API_KEY_FILE=\"${missing.path}\" cannot be used: "), missingError.message)
        val unset = assertThrows<IllegalStateException> { Switchboard.apiKeyFromEnv(emptyMap<String, String>()::get) }
        assertTrue(unset.message!!.startsWith("$ENV_API_KEY is not set"), unset.message)
    }
}
