package dev.switchboard.client

import com.google.protobuf.Duration as ProtoDuration
import dev.switchboard.v1.AcknowledgeMessagesRequest
import dev.switchboard.v1.AcknowledgeMessagesResponse
import dev.switchboard.v1.Answer
import dev.switchboard.v1.ApprovalDecision
import dev.switchboard.v1.ApprovalPreview
import dev.switchboard.v1.ApprovalResult
import dev.switchboard.v1.FileChangePreview
import dev.switchboard.v1.RequestApprovalRequest
import dev.switchboard.v1.ResolveApprovalRequest
import dev.switchboard.v1.ResolveApprovalResponse
import dev.switchboard.v1.ShellCommandPreview
import dev.switchboard.v1.ToolApproval
import dev.switchboard.v1.UrlPreview
import dev.switchboard.v1.WaitForApprovalRequest
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
import java.util.concurrent.atomic.AtomicLong
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

    /**
     * The agent's read position as far as this helper knows: every user message up to it was
     * returned by [step] or acknowledged, so [messages] skips it.
     */
    private val readThrough = AtomicLong(0)
    val readThroughSeq: Long get() = readThrough.get()

    private fun noteRead(seq: Long) {
        readThrough.accumulateAndGet(seq, ::maxOf)
    }

    companion object {
        /**
         * Starts a new session of agent [agentName] (the server chooses its id), or resumes the
         * existing session [sessionId] of this user (NOT_FOUND when it names none). The request is
         * built once, so every retry carries the same request id and returns the first start's
         * session.
         */
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

    /**
     * Logs a progress step; the response carries every user message not read yet, each returned
     * once (the server marks them read; [messages] does not hand them out again).
     */
    suspend fun step(text: String): LogStepResponse {
        val req = LogStepRequest.newBuilder().setSessionId(id).setText(text).setRequestId(Switchboard.newRequestId()).build()
        val res = retry.run { stub.logStep(req) }
        res.queuedMessagesList.lastOrNull()?.let { noteRead(it.seq) }
        return res
    }

    /**
     * Marks every user message up to [throughSeq] as read (AcknowledgeMessages), so [step] does not
     * return them. [messages] does this itself for each user message it hands over; call it when
     * you read Subscribe with the raw stub.
     */
    suspend fun acknowledge(throughSeq: Long): AcknowledgeMessagesResponse {
        val req = AcknowledgeMessagesRequest.newBuilder().setSessionId(id).setThroughSeq(throughSeq).build()
        return retry.run { stub.acknowledgeMessages(req) }.also { noteRead(it.readThroughSeq) }
    }

    /** Asks a question and returns at once with the stored question (see [ask] to also wait). */
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
     * passes unanswered. The server ends a waiting call at once when a person asks the agent to
     * stop or the session ends: throws [StopRequestedException] (wrap up and [end]) or
     * [SessionEndedException] then.
     */
    suspend fun waitForAnswer(questionId: String, pollTimeout: Duration = 60.seconds): Answer {
        val req = WaitForAnswerRequest.newBuilder().setSessionId(id).setQuestionId(questionId)
            .setTimeout(ProtoDuration.newBuilder().setSeconds(pollTimeout.inWholeSeconds.coerceAtLeast(1))).build()
        while (true) {
            val res = retry.run {
                stub.withDeadlineAfter((pollTimeout + 30.seconds).inWholeMilliseconds, TimeUnit.MILLISECONDS).waitForAnswer(req)
            }
            if (res.answered) return res.answer
            if (res.status.isTerminal()) throw SessionEndedException(res.status)
            if (res.status == SessionStatus.SESSION_STATUS_STOPPING) throw StopRequestedException()
        }
    }

    /**
     * Asks a question and suspends until the person (or the deadline default) answers it. Throws
     * [StopRequestedException] when a person asks the agent to stop meanwhile. Messages the person
     * sends meanwhile stay unread: the next [step] returns them.
     */
    suspend fun ask(
        text: String,
        options: List<QuestionOption> = emptyList(),
        choiceMode: ChoiceMode = ChoiceMode.CHOICE_MODE_SINGLE,
        allowFreeText: Boolean = options.isEmpty(),
    ): Answer = waitForAnswer(askQuestion(text, options, choiceMode, allowFreeText).id)

    /**
     * Asks the person to allow a tool call and returns at once with the stored approval (see
     * [requestApproval] to also wait); its `result` is already set when an earlier ALLOW_SESSION
     * decision covers the tool. [inputJson] is the tool's input, a JSON object as text; [timeout]
     * is the time the person has before [defaultDecision] (DENY unless ALLOW_ONCE) applies.
     */
    suspend fun askApproval(
        toolName: String,
        inputJson: String,
        preview: ApprovalPreview,
        toolUseId: String = "",
        inputEditable: Boolean = false,
        timeout: Duration? = null,
        defaultDecision: ApprovalDecision = ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED,
        requestId: String = Switchboard.newRequestId(),
    ): ToolApproval {
        val b = RequestApprovalRequest.newBuilder().setSessionId(id).setToolName(toolName).setInputJson(inputJson)
            .setPreview(preview).setToolUseId(toolUseId).setInputEditable(inputEditable)
            .setDefaultDecision(defaultDecision).setRequestId(requestId)
        if (timeout != null) b.setTimeout(ProtoDuration.newBuilder().setSeconds(timeout.inWholeSeconds.coerceAtLeast(1)))
        val req = b.build() // built once: every retry carries the same request id
        return retry.run { stub.requestApproval(req) }.approval
    }

    /**
     * Waits for the decision on [approvalId], calling WaitForApproval again each time its
     * [pollTimeout] passes undecided (pushed by the server, never polled in between). Throws
     * [StopRequestedException] or [SessionEndedException] at once when a person asks the agent to
     * stop or the session ends.
     */
    suspend fun waitForApproval(approvalId: String, pollTimeout: Duration = 60.seconds): ApprovalResult {
        val req = WaitForApprovalRequest.newBuilder().setSessionId(id).setApprovalId(approvalId)
            .setTimeout(ProtoDuration.newBuilder().setSeconds(pollTimeout.inWholeSeconds.coerceAtLeast(1))).build()
        while (true) {
            val res = retry.run {
                stub.withDeadlineAfter((pollTimeout + 30.seconds).inWholeMilliseconds, TimeUnit.MILLISECONDS).waitForApproval(req)
            }
            if (res.decided) return res.result
            if (res.status.isTerminal()) throw SessionEndedException(res.status, "approval $approvalId will not be decided")
            if (res.status == SessionStatus.SESSION_STATUS_STOPPING) {
                throw StopRequestedException("approval $approvalId will not be decided (do not run the tool)")
            }
        }
    }

    /**
     * Asks the person to allow a tool call and suspends until the decision: ALLOW_ONCE,
     * ALLOW_SESSION (later calls of the same tool come back decided at once) or DENY with a
     * reason; `updatedInputJson` holds the person's edit where [inputEditable]. Throws
     * [StopRequestedException] when a person asks the agent to stop meanwhile.
     */
    suspend fun requestApproval(
        toolName: String,
        inputJson: String,
        preview: ApprovalPreview,
        toolUseId: String = "",
        inputEditable: Boolean = false,
        timeout: Duration? = null,
        defaultDecision: ApprovalDecision = ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED,
    ): ApprovalResult {
        val a = askApproval(toolName, inputJson, preview, toolUseId, inputEditable, timeout, defaultDecision)
        return if (a.hasResult()) a.result else waitForApproval(a.id)
    }

    /**
     * Reports that the agent's own terminal prompt decided an approval first, named by [approvalId]
     * or [toolUseId]. The first decision wins: `applied` is false when one was stored already, and
     * `result` is that one.
     */
    suspend fun resolveApproval(
        decision: ApprovalDecision,
        approvalId: String = "",
        toolUseId: String = "",
        reason: String = "",
    ): ResolveApprovalResponse {
        val req = ResolveApprovalRequest.newBuilder().setSessionId(id).setApprovalId(approvalId).setToolUseId(toolUseId)
            .setDecision(decision).setReason(reason).setRequestId(Switchboard.newRequestId()).build()
        return retry.run { stub.resolveApproval(req) }
    }

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
     * User messages, answers and status changes, live. Answers and status changes come after
     * [afterSeq]; user messages come exactly once across [step] and [messages]: those [step]
     * already returned are skipped, and each one is acknowledged (AcknowledgeMessages) as it is
     * emitted to the collector, so the next [step] does not return it again; one never emitted
     * stays unread. A stream dropped with UNAVAILABLE is resumed from the last sequence number seen
     * (no gap, no duplicate); the flow completes after the status change to a terminal status (or
     * when the server ends the stream). Heartbeats are not emitted.
     */
    fun messages(afterSeq: Long = 0): Flow<Message> = flow {
        // Acknowledging 0 changes nothing and returns the server's read position: a resumed
        // session, or another process, may have read further than this helper knows.
        acknowledge(0)
        // Replay from the read position too, so that an unread user message is never skipped.
        var last = minOf(afterSeq, readThrough.get())
        var failures = 0
        val upstream = flow {
            val req = SubscribeRequest.newBuilder().setSessionId(id).setAfterSeq(last).build()
            stub.subscribe(req).collect { item ->
                failures = 0
                val m = item.message
                if (!item.hasMessage() || m.seq <= last) return@collect
                if (m.hasUserMessage()) {
                    if (m.seq > readThrough.get()) {
                        // Handed over now, so acknowledged now. If this fails, `last` has not
                        // moved: the resumed stream delivers the message again.
                        acknowledge(m.seq)
                        last = m.seq
                        emit(m)
                    } else {
                        last = m.seq // already returned by step() or acknowledged
                    }
                } else {
                    last = m.seq
                    if (m.seq > afterSeq) emit(m)
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

/**
 * A person asked the agent to stop (the session is STOPPING): the question will not be answered,
 * or the tool approval will not be decided.
 */
class StopRequestedException(detail: String = "the question will not be answered") :
    IllegalStateException("a person asked the agent to stop; $detail") {
    val status: SessionStatus get() = SessionStatus.SESSION_STATUS_STOPPING
}

/** The session ended (COMPLETED, FAILED or STOPPED) before the question was answered (or the approval decided). */
class SessionEndedException(val status: SessionStatus, detail: String = "the question will not be answered") :
    IllegalStateException("session is $status; $detail")

/** A preview of a shell command for [AgentSession.requestApproval]. */
fun shellPreview(summary: String, command: String, description: String = "", workingDirectory: String = ""): ApprovalPreview =
    ApprovalPreview.newBuilder().setSummary(summary).setShellCommand(
        ShellCommandPreview.newBuilder().setCommand(command).setDescription(description).setWorkingDirectory(workingDirectory),
    ).build()

/** A preview of a file change (a unified diff; from /dev/null for a new file). */
fun filePreview(summary: String, path: String, unifiedDiff: String = ""): ApprovalPreview =
    ApprovalPreview.newBuilder().setSummary(summary)
        .setFileChange(FileChangePreview.newBuilder().setPath(path).setUnifiedDiff(unifiedDiff)).build()

/** A preview of a URL the tool would fetch or open. */
fun urlPreview(summary: String, url: String, description: String = ""): ApprovalPreview =
    ApprovalPreview.newBuilder().setSummary(summary).setUrl(UrlPreview.newBuilder().setUrl(url).setDescription(description)).build()

fun SessionStatus.isTerminal(): Boolean = this == SessionStatus.SESSION_STATUS_COMPLETED ||
    this == SessionStatus.SESSION_STATUS_FAILED || this == SessionStatus.SESSION_STATUS_STOPPED

/** Builds a [QuestionOption]. */
fun option(id: String, label: String = id, description: String = ""): QuestionOption =
    QuestionOption.newBuilder().setId(id).setLabel(label).setDescription(description).build()

private val notId = Regex("[^a-z0-9_.]+")
private const val MAX_OPTION_ID = 64

/**
 * The id part derived from one label ("Ship it" -> "ship-it"; may be empty). The same rule in every
 * Switchboard helper (shared vectors: clients/testdata/option_ids.json): A-Z lower-cased (ASCII
 * only, so no Unicode case table matters), each run of other characters than a-z 0-9 _ . made one
 * "-", "-" and "." stripped from both ends, at most 64 characters.
 */
fun optionSlug(label: String): String {
    val lower = buildString(label.length) { label.forEach { append(if (it in 'A'..'Z') it + ('a' - 'A') else it) } }
    val slug = notId.replace(lower, "-").trim('-', '.')
    return if (slug.length > MAX_OPTION_ID) slug.take(MAX_OPTION_ID).trimEnd('-', '.') else slug
}

/**
 * Options with ids derived from [labels] ([optionSlug]); an empty or repeated id becomes
 * "option-N" (N = position), then "option-N-2", "option-N-3", ... while that is taken too.
 */
fun options(vararg labels: String): List<QuestionOption> {
    val taken = HashSet<String>()
    return labels.mapIndexed { i, label ->
        var id = optionSlug(label)
        if (id.isEmpty() || id in taken) {
            val base = "option-${i + 1}"
            id = base
            var n = 1
            while (id in taken) id = "$base-${++n}"
        }
        taken += id
        option(id, label)
    }
}
