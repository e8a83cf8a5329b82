package dev.switchboard.client

import dev.switchboard.v1.AnswerQuestionRequest
import dev.switchboard.v1.ApprovalDecision
import dev.switchboard.v1.DecideApprovalRequest
import dev.switchboard.v1.DecideApprovalResponse
import dev.switchboard.v1.GetSessionRequest
import dev.switchboard.v1.GetSessionResponse
import dev.switchboard.v1.AnswerQuestionResponse
import dev.switchboard.v1.CreateApiKeyRequest
import dev.switchboard.v1.CreateApiKeyResponse
import dev.switchboard.v1.DashboardServiceGrpcKt.DashboardServiceCoroutineStub
import dev.switchboard.v1.LoginRequest
import dev.switchboard.v1.LoginResponse
import dev.switchboard.v1.Message
import dev.switchboard.v1.RevokeApiKeyRequest
import dev.switchboard.v1.ApiKey
import dev.switchboard.v1.SendMessageRequest
import dev.switchboard.v1.Session
import dev.switchboard.v1.StopSessionRequest
import dev.switchboard.v1.WatchSessionRequest
import io.grpc.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.map

/** A signed-in person: the few DashboardService calls tests and simple tools need. */
class Dashboard private constructor(val login: LoginResponse, channel: Channel) {
    val stub: DashboardServiceCoroutineStub = Switchboard.dashboardStub(channel) { login.tokens.accessToken }

    companion object {
        suspend fun login(channel: Channel, email: String, password: String): Dashboard =
            Dashboard(Switchboard.authStub(channel).login(LoginRequest.newBuilder().setEmail(email).setPassword(password).build()), channel)
    }

    suspend fun answer(sessionId: String, questionId: String, optionIds: List<String> = emptyList(), text: String = ""): AnswerQuestionResponse =
        stub.answerQuestion(
            AnswerQuestionRequest.newBuilder().setSessionId(sessionId).setQuestionId(questionId)
                .addAllOptionIds(optionIds).setText(text).build(),
        )

    suspend fun getSession(sessionId: String): GetSessionResponse =
        stub.getSession(GetSessionRequest.newBuilder().setSessionId(sessionId).build())

    /** Decides an open tool approval; [updatedInputJson] (with an allow, where editable) replaces the input. */
    suspend fun decide(
        sessionId: String,
        approvalId: String,
        decision: ApprovalDecision,
        reason: String = "",
        updatedInputJson: String = "",
    ): DecideApprovalResponse =
        stub.decideApproval(
            DecideApprovalRequest.newBuilder().setSessionId(sessionId).setApprovalId(approvalId).setDecision(decision)
                .setReason(reason).setUpdatedInputJson(updatedInputJson).build(),
        )

    suspend fun sendMessage(sessionId: String, text: String): Message =
        stub.sendMessage(
            SendMessageRequest.newBuilder().setSessionId(sessionId).setText(text).setRequestId(Switchboard.newRequestId()).build(),
        ).message

    suspend fun stop(sessionId: String, reason: String = ""): Session =
        stub.stopSession(StopSessionRequest.newBuilder().setSessionId(sessionId).setReason(reason).build()).session

    suspend fun createApiKey(name: String): CreateApiKeyResponse =
        stub.createApiKey(CreateApiKeyRequest.newBuilder().setName(name).build())

    suspend fun revokeApiKey(apiKeyId: String): ApiKey =
        stub.revokeApiKey(RevokeApiKeyRequest.newBuilder().setApiKeyId(apiKeyId).build()).apiKey

    /** The session's messages after [afterSeq], live (heartbeats dropped). */
    fun watch(sessionId: String, afterSeq: Long = 0): Flow<Message> =
        stub.watchSession(WatchSessionRequest.newBuilder().setSessionId(sessionId).setAfterSeq(afterSeq).build())
            .filter { it.hasMessage() }.map { it.message }
}
