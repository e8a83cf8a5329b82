package dev.switchboard.client

import com.google.protobuf.Duration as ProtoDuration
import dev.switchboard.v1.Answer
import dev.switchboard.v1.AgentServiceGrpcKt.AgentServiceCoroutineStub
import dev.switchboard.v1.AskQuestionRequest
import dev.switchboard.v1.ChoiceMode
import dev.switchboard.v1.EndSessionRequest
import dev.switchboard.v1.HeartbeatRequest
import dev.switchboard.v1.HeartbeatResponse
import dev.switchboard.v1.LogStepRequest
import dev.switchboard.v1.LogStepResponse
import dev.switchboard.v1.Message
import dev.switchboard.v1.Question
import dev.switchboard.v1.QuestionOption
import dev.switchboard.v1.ReportDiffRequest
import dev.switchboard.v1.ReportDiffResponse
import dev.switchboard.v1.ReportUsageRequest
import dev.switchboard.v1.ReportUsageResponse
import dev.switchboard.v1.Session
import dev.switchboard.v1.SessionOutcome
import dev.switchboard.v1.SessionStatus
import dev.switchboard.v1.StartSessionRequest
import dev.switchboard.v1.SubscribeRequest
import dev.switchboard.v1.Usage
import dev.switchboard.v1.WaitForAnswerRequest
import io.grpc.Channel
import java.util.concurrent.TimeUnit
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.retryWhen
import kotlinx.coroutines.flow.transformWhile

/**
 * One agent session. Writes carry a fresh request_id that is reused when a call is retried after
 * UNAVAILABLE, so a retry never writes twice.
 */
class AgentSession private constructor(
    val stub: AgentServiceCoroutineStub,
    /** The session as returned by StartSession. */
    val session: Session,
    /** True when StartSession resumed an existing session. */
    val resumed: Boolean,
    private val retry: RetryPolicy,
) {
    val id: String get() = session.id

    companion object {
        /** Starts (or, with [sessionId], resumes) a session of agent [agentName]. */
        suspend fun start(
            channel: Channel,
            apiKey: String,
            agentName: String,
            name: String = "",
            metadata: Map<String, String> = emptyMap(),
            sessionId: String = "",
            retry: RetryPolicy = RetryPolicy(),
        ): AgentSession {
            val stub = Switchboard.agentStub(channel, apiKey)
            val req = StartSessionRequest.newBuilder().setAgentName(agentName).setName(name)
                .putAllMetadata(metadata).setSessionId(sessionId).setRequestId(Switchboard.newRequestId()).build()
            val res = retry.run { stub.startSession(req) }
            return AgentSession(stub, res.session, res.resumed, retry)
        }
    }

    /** Logs a progress step; the response carries user messages not read yet. */
    suspend fun step(text: String): LogStepResponse {
        val req = LogStepRequest.newBuilder().setSessionId(id).setText(text).setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.logStep(req) }
    }

    /** Asks a question and returns at once with the stored question (see [awaitAnswer]). */
    suspend fun askQuestion(
        text: String,
        options: List<QuestionOption> = emptyList(),
        choiceMode: ChoiceMode = ChoiceMode.CHOICE_MODE_SINGLE,
        allowFreeText: Boolean = options.isEmpty(),
    ): Question {
        val req = AskQuestionRequest.newBuilder().setSessionId(id).setText(text).addAllOptions(options)
            .setChoiceMode(choiceMode).setAllowFreeText(allowFreeText).setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.askQuestion(req) }.question
    }

    /**
     * Waits for the answer to [questionId], calling WaitForAnswer again each time its [pollTimeout]
     * passes unanswered. Throws [SessionStoppingException] when a person asks the agent to stop
     * (STOPPING) or the session ends before an answer comes: the agent should wrap up and [end].
     */
    suspend fun awaitAnswer(questionId: String, pollTimeout: Duration = 60.seconds): Answer {
        val req = WaitForAnswerRequest.newBuilder().setSessionId(id).setQuestionId(questionId)
            .setTimeout(ProtoDuration.newBuilder().setSeconds(pollTimeout.inWholeSeconds.coerceAtLeast(1))).build()
        while (true) {
            val res = retry.run {
                stub.withDeadlineAfter((pollTimeout + 30.seconds).inWholeMilliseconds, TimeUnit.MILLISECONDS).waitForAnswer(req)
            }
            if (res.answered) return res.answer
            if (res.status == SessionStatus.SESSION_STATUS_STOPPING || res.status.isTerminal()) {
                throw SessionStoppingException(res.status)
            }
        }
    }

    /** Asks a question and suspends until the person (or the deadline default) answers it. */
    suspend fun ask(
        text: String,
        options: List<QuestionOption> = emptyList(),
        choiceMode: ChoiceMode = ChoiceMode.CHOICE_MODE_SINGLE,
        allowFreeText: Boolean = options.isEmpty(),
    ): Answer = awaitAnswer(askQuestion(text, options, choiceMode, allowFreeText).id)

    /** Reports the working tree's current unified diff (replaces the previous one). */
    suspend fun reportDiff(diff: String): ReportDiffResponse {
        val req = ReportDiffRequest.newBuilder().setSessionId(id).setDiff(diff).setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.reportDiff(req) }
    }

    /** Reports cumulative usage totals (costs in micro-dollars). */
    suspend fun reportUsage(inputTokens: Long, outputTokens: Long, costMicros: Long): ReportUsageResponse {
        val usage = Usage.newBuilder().setInputTokens(inputTokens).setOutputTokens(outputTokens).setCostMicros(costMicros)
        val req = ReportUsageRequest.newBuilder().setSessionId(id).setUsage(usage).setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.reportUsage(req) }
    }

    suspend fun heartbeat(): HeartbeatResponse = retry.run { stub.heartbeat(HeartbeatRequest.newBuilder().setSessionId(id).build()) }

    /** Ends the session; returns it in its terminal status. */
    suspend fun end(outcome: SessionOutcome = SessionOutcome.SESSION_OUTCOME_COMPLETED, summary: String = ""): Session {
        val req = EndSessionRequest.newBuilder().setSessionId(id).setOutcome(outcome).setSummary(summary)
            .setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.endSession(req) }.session
    }

    /**
     * User messages, answers and status changes after [afterSeq], live. A stream dropped with
     * UNAVAILABLE is resumed from the last sequence number seen (no gap, no duplicate); the flow
     * completes after the status change to a terminal status (or when the server ends the stream). Heartbeats are not emitted.
     */
    fun messages(afterSeq: Long = 0): Flow<Message> = flow {
        var last = afterSeq
        var failures = 0
        val upstream = flow {
            val req = SubscribeRequest.newBuilder().setSessionId(id).setAfterSeq(last).build()
            stub.subscribe(req).collect { item ->
                failures = 0
                if (item.hasMessage() && item.message.seq > last) {
                    last = item.message.seq
                    emit(item.message)
                }
            }
        }.retryWhen { cause, _ ->
            val again = RetryPolicy.isUnavailable(cause) && ++failures < retry.maxAttempts
            if (again) delay(retry.backoff(failures))
            again
        }
        // Nothing follows a terminal status change: complete without waiting for the server to close.
        upstream.transformWhile { emit(it); !(it.hasStatusChange() && it.statusChange.toStatus.isTerminal()) }
            .collect { emit(it) }
    }
}

/** The question will not be answered: the session is STOPPING (a person asked the agent to stop) or ended. */
class SessionStoppingException(val status: SessionStatus) :
    IllegalStateException("session is $status; the question will not be answered")

fun SessionStatus.isTerminal(): Boolean = this == SessionStatus.SESSION_STATUS_COMPLETED ||
    this == SessionStatus.SESSION_STATUS_FAILED || this == SessionStatus.SESSION_STATUS_STOPPED

/** Builds a [QuestionOption]. */
fun option(id: String, label: String = id, description: String = ""): QuestionOption =
    QuestionOption.newBuilder().setId(id).setLabel(label).setDescription(description).build()
