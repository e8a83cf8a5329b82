package dev.switchboard.v1

import dev.switchboard.v1.DashboardServiceGrpc.getServiceDescriptor
import io.grpc.CallOptions
import io.grpc.CallOptions.DEFAULT
import io.grpc.Channel
import io.grpc.Metadata
import io.grpc.MethodDescriptor
import io.grpc.ServerServiceDefinition
import io.grpc.ServerServiceDefinition.builder
import io.grpc.ServiceDescriptor
import io.grpc.Status.UNIMPLEMENTED
import io.grpc.StatusException
import io.grpc.kotlin.AbstractCoroutineServerImpl
import io.grpc.kotlin.AbstractCoroutineStub
import io.grpc.kotlin.ClientCalls.serverStreamingRpc
import io.grpc.kotlin.ClientCalls.unaryRpc
import io.grpc.kotlin.ServerCalls.serverStreamingServerMethodDefinition
import io.grpc.kotlin.ServerCalls.unaryServerMethodDefinition
import io.grpc.kotlin.StubFor
import kotlin.String
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.jvm.JvmOverloads
import kotlin.jvm.JvmStatic
import kotlinx.coroutines.flow.Flow

/**
 * Holder for Kotlin coroutine-based client and server APIs for switchboard.v1.DashboardService.
 */
public object DashboardServiceGrpcKt {
  public const val SERVICE_NAME: String = DashboardServiceGrpc.SERVICE_NAME

  @JvmStatic
  public val serviceDescriptor: ServiceDescriptor
    get() = getServiceDescriptor()

  public val listAgentsMethod: MethodDescriptor<ListAgentsRequest, ListAgentsResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getListAgentsMethod()

  public val listSessionsMethod: MethodDescriptor<ListSessionsRequest, ListSessionsResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getListSessionsMethod()

  public val getSessionMethod: MethodDescriptor<GetSessionRequest, GetSessionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getGetSessionMethod()

  public val listMessagesMethod: MethodDescriptor<ListMessagesRequest, ListMessagesResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getListMessagesMethod()

  public val getDiffMethod: MethodDescriptor<GetDiffRequest, GetDiffResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getGetDiffMethod()

  public val answerQuestionMethod: MethodDescriptor<AnswerQuestionRequest, AnswerQuestionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getAnswerQuestionMethod()

  public val sendMessageMethod: MethodDescriptor<SendMessageRequest, SendMessageResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getSendMessageMethod()

  public val stopSessionMethod: MethodDescriptor<StopSessionRequest, StopSessionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getStopSessionMethod()

  public val renameSessionMethod: MethodDescriptor<RenameSessionRequest, RenameSessionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getRenameSessionMethod()

  public val deleteSessionMethod: MethodDescriptor<DeleteSessionRequest, DeleteSessionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getDeleteSessionMethod()

  public val createApiKeyMethod: MethodDescriptor<CreateApiKeyRequest, CreateApiKeyResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getCreateApiKeyMethod()

  public val listApiKeysMethod: MethodDescriptor<ListApiKeysRequest, ListApiKeysResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getListApiKeysMethod()

  public val revokeApiKeyMethod: MethodDescriptor<RevokeApiKeyRequest, RevokeApiKeyResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getRevokeApiKeyMethod()

  public val watchSessionMethod: MethodDescriptor<WatchSessionRequest, WatchSessionResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getWatchSessionMethod()

  public val watchInboxMethod: MethodDescriptor<WatchInboxRequest, WatchInboxResponse>
    @JvmStatic
    get() = DashboardServiceGrpc.getWatchInboxMethod()

  /**
   * A stub for issuing RPCs to a(n) switchboard.v1.DashboardService service as suspending
   * coroutines.
   */
  @StubFor(DashboardServiceGrpc::class)
  public class DashboardServiceCoroutineStub @JvmOverloads constructor(
    channel: Channel,
    callOptions: CallOptions = DEFAULT,
  ) : AbstractCoroutineStub<DashboardServiceCoroutineStub>(channel, callOptions) {
    override fun build(channel: Channel, callOptions: CallOptions): DashboardServiceCoroutineStub =
        DashboardServiceCoroutineStub(channel, callOptions)

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun listAgents(request: ListAgentsRequest, headers: Metadata = Metadata()):
        ListAgentsResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getListAgentsMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun listSessions(request: ListSessionsRequest, headers: Metadata = Metadata()):
        ListSessionsResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getListSessionsMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun getSession(request: GetSessionRequest, headers: Metadata = Metadata()):
        GetSessionResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getGetSessionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun listMessages(request: ListMessagesRequest, headers: Metadata = Metadata()):
        ListMessagesResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getListMessagesMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun getDiff(request: GetDiffRequest, headers: Metadata = Metadata()):
        GetDiffResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getGetDiffMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun answerQuestion(request: AnswerQuestionRequest, headers: Metadata =
        Metadata()): AnswerQuestionResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getAnswerQuestionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun sendMessage(request: SendMessageRequest, headers: Metadata = Metadata()):
        SendMessageResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getSendMessageMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun stopSession(request: StopSessionRequest, headers: Metadata = Metadata()):
        StopSessionResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getStopSessionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun renameSession(request: RenameSessionRequest, headers: Metadata = Metadata()):
        RenameSessionResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getRenameSessionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun deleteSession(request: DeleteSessionRequest, headers: Metadata = Metadata()):
        DeleteSessionResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getDeleteSessionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun createApiKey(request: CreateApiKeyRequest, headers: Metadata = Metadata()):
        CreateApiKeyResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getCreateApiKeyMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun listApiKeys(request: ListApiKeysRequest, headers: Metadata = Metadata()):
        ListApiKeysResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getListApiKeysMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Executes this RPC and returns the response message, suspending until the RPC completes
     * with [`Status.OK`][io.grpc.Status].  If the RPC completes with another status, a
     * corresponding
     * [StatusException] is thrown.  If this coroutine is cancelled, the RPC is also cancelled
     * with the corresponding exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return The single response from the server.
     */
    public suspend fun revokeApiKey(request: RevokeApiKeyRequest, headers: Metadata = Metadata()):
        RevokeApiKeyResponse = unaryRpc(
      channel,
      DashboardServiceGrpc.getRevokeApiKeyMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Returns a [Flow] that, when collected, executes this RPC and emits responses from the
     * server as they arrive.  That flow finishes normally if the server closes its response with
     * [`Status.OK`][io.grpc.Status], and fails by throwing a [StatusException] otherwise.  If
     * collecting the flow downstream fails exceptionally (including via cancellation), the RPC
     * is cancelled with that exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return A flow that, when collected, emits the responses from the server.
     */
    public fun watchSession(request: WatchSessionRequest, headers: Metadata = Metadata()):
        Flow<WatchSessionResponse> = serverStreamingRpc(
      channel,
      DashboardServiceGrpc.getWatchSessionMethod(),
      request,
      callOptions,
      headers
    )

    /**
     * Returns a [Flow] that, when collected, executes this RPC and emits responses from the
     * server as they arrive.  That flow finishes normally if the server closes its response with
     * [`Status.OK`][io.grpc.Status], and fails by throwing a [StatusException] otherwise.  If
     * collecting the flow downstream fails exceptionally (including via cancellation), the RPC
     * is cancelled with that exception as a cause.
     *
     * @param request The request message to send to the server.
     *
     * @param headers Metadata to attach to the request.  Most users will not need this.
     *
     * @return A flow that, when collected, emits the responses from the server.
     */
    public fun watchInbox(request: WatchInboxRequest, headers: Metadata = Metadata()):
        Flow<WatchInboxResponse> = serverStreamingRpc(
      channel,
      DashboardServiceGrpc.getWatchInboxMethod(),
      request,
      callOptions,
      headers
    )
  }

  /**
   * Skeletal implementation of the switchboard.v1.DashboardService service based on Kotlin
   * coroutines.
   */
  public abstract class DashboardServiceCoroutineImplBase(
    coroutineContext: CoroutineContext = EmptyCoroutineContext,
  ) : AbstractCoroutineServerImpl(coroutineContext) {
    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.ListAgents.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun listAgents(request: ListAgentsRequest): ListAgentsResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.ListAgents is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.ListSessions.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun listSessions(request: ListSessionsRequest): ListSessionsResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.ListSessions is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.GetSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun getSession(request: GetSessionRequest): GetSessionResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.GetSession is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.ListMessages.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun listMessages(request: ListMessagesRequest): ListMessagesResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.ListMessages is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.GetDiff.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun getDiff(request: GetDiffRequest): GetDiffResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.GetDiff is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.AnswerQuestion.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun answerQuestion(request: AnswerQuestionRequest): AnswerQuestionResponse =
        throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.AnswerQuestion is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.SendMessage.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun sendMessage(request: SendMessageRequest): SendMessageResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.SendMessage is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.StopSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun stopSession(request: StopSessionRequest): StopSessionResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.StopSession is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.RenameSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun renameSession(request: RenameSessionRequest): RenameSessionResponse =
        throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.RenameSession is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.DeleteSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun deleteSession(request: DeleteSessionRequest): DeleteSessionResponse =
        throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.DeleteSession is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.CreateApiKey.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun createApiKey(request: CreateApiKeyRequest): CreateApiKeyResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.CreateApiKey is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.ListApiKeys.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun listApiKeys(request: ListApiKeysRequest): ListApiKeysResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.ListApiKeys is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.DashboardService.RevokeApiKey.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun revokeApiKey(request: RevokeApiKeyRequest): RevokeApiKeyResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.RevokeApiKey is unimplemented"))

    /**
     * Returns a [Flow] of responses to an RPC for switchboard.v1.DashboardService.WatchSession.
     *
     * If creating or collecting the returned flow fails with a [StatusException], the RPC
     * will fail with the corresponding [io.grpc.Status].  If it fails with a
     * [java.util.concurrent.CancellationException], the RPC will fail with status
     * `Status.CANCELLED`.  If creating
     * or collecting the returned flow fails for any other reason, the RPC will fail with
     * `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open fun watchSession(request: WatchSessionRequest): Flow<WatchSessionResponse> = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.WatchSession is unimplemented"))

    /**
     * Returns a [Flow] of responses to an RPC for switchboard.v1.DashboardService.WatchInbox.
     *
     * If creating or collecting the returned flow fails with a [StatusException], the RPC
     * will fail with the corresponding [io.grpc.Status].  If it fails with a
     * [java.util.concurrent.CancellationException], the RPC will fail with status
     * `Status.CANCELLED`.  If creating
     * or collecting the returned flow fails for any other reason, the RPC will fail with
     * `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open fun watchInbox(request: WatchInboxRequest): Flow<WatchInboxResponse> = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.DashboardService.WatchInbox is unimplemented"))

    final override fun bindService(): ServerServiceDefinition = builder(getServiceDescriptor())
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getListAgentsMethod(),
      implementation = ::listAgents
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getListSessionsMethod(),
      implementation = ::listSessions
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getGetSessionMethod(),
      implementation = ::getSession
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getListMessagesMethod(),
      implementation = ::listMessages
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getGetDiffMethod(),
      implementation = ::getDiff
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getAnswerQuestionMethod(),
      implementation = ::answerQuestion
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getSendMessageMethod(),
      implementation = ::sendMessage
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getStopSessionMethod(),
      implementation = ::stopSession
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getRenameSessionMethod(),
      implementation = ::renameSession
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getDeleteSessionMethod(),
      implementation = ::deleteSession
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getCreateApiKeyMethod(),
      implementation = ::createApiKey
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getListApiKeysMethod(),
      implementation = ::listApiKeys
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getRevokeApiKeyMethod(),
      implementation = ::revokeApiKey
    ))
      .addMethod(serverStreamingServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getWatchSessionMethod(),
      implementation = ::watchSession
    ))
      .addMethod(serverStreamingServerMethodDefinition(
      context = this.context,
      descriptor = DashboardServiceGrpc.getWatchInboxMethod(),
      implementation = ::watchInbox
    )).build()
  }
}
