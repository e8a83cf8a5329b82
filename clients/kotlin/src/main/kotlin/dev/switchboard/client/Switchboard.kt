package dev.switchboard.client

import dev.switchboard.v1.AgentServiceGrpcKt.AgentServiceCoroutineStub
import dev.switchboard.v1.AuthServiceGrpcKt.AuthServiceCoroutineStub
import dev.switchboard.v1.DashboardServiceGrpcKt.DashboardServiceCoroutineStub
import io.grpc.CallCredentials
import io.grpc.ManagedChannel
import io.grpc.Metadata
import io.grpc.Status
import io.grpc.TlsChannelCredentials
import io.grpc.okhttp.OkHttpChannelBuilder
import java.io.File
import java.io.IOException
import java.net.URI
import java.util.UUID
import java.util.concurrent.Executor
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay

/** Entry points: channels, credentials and stubs for the three Switchboard services. */
object Switchboard {
    /** The environment variable naming a PEM file of CA certificates for `https://` URLs. */
    const val ENV_CA_FILE = "SWITCHBOARD_CA_FILE"

    /** The environment variable holding an API key (`sb_live_...`). */
    const val ENV_API_KEY = "SWITCHBOARD_API_KEY"

    /**
     * The environment variable naming a file that holds the API key, read when
     * `SWITCHBOARD_API_KEY` is unset (a Kubernetes launch mounts the session's credential as a file,
     * never a variable).
     */
    const val ENV_API_KEY_FILE = "SWITCHBOARD_API_KEY_FILE"

    /**
     * The API key: `$SWITCHBOARD_API_KEY` when set and not blank, else the contents of the file
     * `$SWITCHBOARD_API_KEY_FILE` names, surrounding whitespace (the file's trailing newline)
     * trimmed: the same rules as every other Switchboard client. Throws [IllegalStateException]
     * naming the file when it cannot be read or is empty. [env] looks variables up (the process
     * environment by default).
     */
    @JvmOverloads
    fun apiKeyFromEnv(env: (String) -> String? = System::getenv): String {
        env(ENV_API_KEY)?.trim()?.takeIf { it.isNotEmpty() }?.let { return it }
        val path = env(ENV_API_KEY_FILE)?.takeIf { it.isNotEmpty() }
            ?: throw IllegalStateException("$ENV_API_KEY is not set (nor $ENV_API_KEY_FILE)")
        val key = try {
            File(path).readText().trim()
        } catch (e: IOException) {
            throw IllegalStateException("$ENV_API_KEY_FILE=\"$path\" cannot be used: ${e.message}", e)
        }
        check(key.isNotEmpty()) { "$ENV_API_KEY_FILE=\"$path\" cannot be used: it is empty" }
        return key
    }

    /**
     * A channel to `http://host:port` (plaintext HTTP/2), `https://host[:port]` (TLS) or a bare
     * `host:port` (plaintext). TLS verifies the server, name included, against the system's roots
     * or, for a private CA, the PEM certificates in [caFile] (default `$SWITCHBOARD_CA_FILE`).
     * Close it with `shutdown()` when done.
     */
    @JvmOverloads
    fun channel(url: String, caFile: String? = System.getenv(ENV_CA_FILE)): ManagedChannel {
        val uri = URI(if ("://" in url) url else "http://$url")
        val tls = uri.scheme == "https"
        val port = if (uri.port != -1) uri.port else if (tls) 443 else 80
        val builder = if (tls) {
            OkHttpChannelBuilder.forAddress(uri.host, port, tlsCredentials(caFile))
        } else {
            OkHttpChannelBuilder.forAddress(uri.host, port).usePlaintext()
        }
        return builder.build()
    }

    private fun tlsCredentials(caFile: String?): io.grpc.ChannelCredentials {
        val creds = TlsChannelCredentials.newBuilder()
        if (!caFile.isNullOrEmpty()) {
            val pem = try {
                File(caFile).readText()
            } catch (e: IOException) {
                throw IllegalArgumentException("cannot read the CA file $caFile ($ENV_CA_FILE): ${e.message}", e)
            }
            require("-----BEGIN CERTIFICATE-----" in pem) { "the CA file $caFile ($ENV_CA_FILE) holds no PEM certificate" }
            creds.trustManager(File(caFile))
        }
        return creds.build()
    }

    /** AgentService stub authenticated with an API key (`sb_live_...`). */
    fun agentStub(channel: io.grpc.Channel, apiKey: String): AgentServiceCoroutineStub =
        AgentServiceCoroutineStub(channel).withCallCredentials(BearerToken { apiKey })

    /** DashboardService stub authenticated with a user access token (from AuthService.Login). */
    fun dashboardStub(channel: io.grpc.Channel, token: () -> String): DashboardServiceCoroutineStub =
        DashboardServiceCoroutineStub(channel).withCallCredentials(BearerToken(token))

    /** AuthService stub (needs no credentials). */
    fun authStub(channel: io.grpc.Channel): AuthServiceCoroutineStub = AuthServiceCoroutineStub(channel)

    /** A fresh idempotency key; reuse it when retrying the same logical call. */
    fun newRequestId(): String = UUID.randomUUID().toString()
}

/** Adds `authorization: Bearer <token>` to every call; [token] is read per call (refreshable). */
class BearerToken(private val token: () -> String) : CallCredentials() {
    override fun applyRequestMetadata(info: RequestInfo, executor: Executor, applier: MetadataApplier) {
        try {
            applier.apply(Metadata().apply { put(AUTHORIZATION, "Bearer ${token()}") })
        } catch (e: Exception) {
            applier.fail(Status.UNAUTHENTICATED.withDescription("no token").withCause(e))
        }
    }

    companion object {
        val AUTHORIZATION: Metadata.Key<String> = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)
    }
}

/** Retries of calls failing with UNAVAILABLE, with capped exponential backoff. */
data class RetryPolicy(
    val maxAttempts: Int = 5,
    val initialBackoff: Duration = 200.milliseconds,
    val maxBackoff: Duration = 5.seconds,
) {
    fun backoff(attempt: Int): Duration =
        (initialBackoff * (1 shl (attempt - 1).coerceIn(0, 16))).coerceAtMost(maxBackoff)

    /** Runs [call] (which must reuse the same request, hence the same request_id) until it succeeds or fails otherwise. */
    suspend fun <T> run(call: suspend () -> T): T {
        var attempt = 0
        while (true) {
            try {
                return call()
            } catch (e: Exception) {
                if (!isUnavailable(e) || ++attempt >= maxAttempts) throw e
                delay(backoff(attempt))
            }
        }
    }

    companion object {
        fun isUnavailable(e: Throwable): Boolean = Status.fromThrowable(e).code == Status.Code.UNAVAILABLE
    }
}
