package dev.switchboard.v1

import dev.switchboard.v1.AgentServiceGrpc.getServiceDescriptor
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
 * Holder for Kotlin coroutine-based client and server APIs for switchboard.v1.AgentService.
 */
public object AgentServiceGrpcKt {
  public const val SERVICE_NAME: String = AgentServiceGrpc.SERVICE_NAME

  @JvmStatic
  public val serviceDescriptor: ServiceDescriptor
    get() = getServiceDescriptor()

  public val startSessionMethod: MethodDescriptor<StartSessionRequest, StartSessionResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getStartSessionMethod()

  public val logStepMethod: MethodDescriptor<LogStepRequest, LogStepResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getLogStepMethod()

  public val askQuestionMethod: MethodDescriptor<AskQuestionRequest, AskQuestionResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getAskQuestionMethod()

  public val waitForAnswerMethod: MethodDescriptor<WaitForAnswerRequest, WaitForAnswerResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getWaitForAnswerMethod()

  public val subscribeMethod: MethodDescriptor<SubscribeRequest, SubscribeResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getSubscribeMethod()

  public val heartbeatMethod: MethodDescriptor<HeartbeatRequest, HeartbeatResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getHeartbeatMethod()

  public val reportDiffMethod: MethodDescriptor<ReportDiffRequest, ReportDiffResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getReportDiffMethod()

  public val reportUsageMethod: MethodDescriptor<ReportUsageRequest, ReportUsageResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getReportUsageMethod()

  public val endSessionMethod: MethodDescriptor<EndSessionRequest, EndSessionResponse>
    @JvmStatic
    get() = AgentServiceGrpc.getEndSessionMethod()

  /**
   * A stub for issuing RPCs to a(n) switchboard.v1.AgentService service as suspending coroutines.
   */
  @StubFor(AgentServiceGrpc::class)
  public class AgentServiceCoroutineStub @JvmOverloads constructor(
    channel: Channel,
    callOptions: CallOptions = DEFAULT,
  ) : AbstractCoroutineStub<AgentServiceCoroutineStub>(channel, callOptions) {
    override fun build(channel: Channel, callOptions: CallOptions): AgentServiceCoroutineStub =
        AgentServiceCoroutineStub(channel, callOptions)

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
    public suspend fun startSession(request: StartSessionRequest, headers: Metadata = Metadata()):
        StartSessionResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getStartSessionMethod(),
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
    public suspend fun logStep(request: LogStepRequest, headers: Metadata = Metadata()):
        LogStepResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getLogStepMethod(),
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
    public suspend fun askQuestion(request: AskQuestionRequest, headers: Metadata = Metadata()):
        AskQuestionResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getAskQuestionMethod(),
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
    public suspend fun waitForAnswer(request: WaitForAnswerRequest, headers: Metadata = Metadata()):
        WaitForAnswerResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getWaitForAnswerMethod(),
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
    public fun subscribe(request: SubscribeRequest, headers: Metadata = Metadata()):
        Flow<SubscribeResponse> = serverStreamingRpc(
      channel,
      AgentServiceGrpc.getSubscribeMethod(),
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
    public suspend fun heartbeat(request: HeartbeatRequest, headers: Metadata = Metadata()):
        HeartbeatResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getHeartbeatMethod(),
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
    public suspend fun reportDiff(request: ReportDiffRequest, headers: Metadata = Metadata()):
        ReportDiffResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getReportDiffMethod(),
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
    public suspend fun reportUsage(request: ReportUsageRequest, headers: Metadata = Metadata()):
        ReportUsageResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getReportUsageMethod(),
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
    public suspend fun endSession(request: EndSessionRequest, headers: Metadata = Metadata()):
        EndSessionResponse = unaryRpc(
      channel,
      AgentServiceGrpc.getEndSessionMethod(),
      request,
      callOptions,
      headers
    )
  }

  /**
   * Skeletal implementation of the switchboard.v1.AgentService service based on Kotlin coroutines.
   */
  public abstract class AgentServiceCoroutineImplBase(
    coroutineContext: CoroutineContext = EmptyCoroutineContext,
  ) : AbstractCoroutineServerImpl(coroutineContext) {
    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.StartSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun startSession(request: StartSessionRequest): StartSessionResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.StartSession is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.LogStep.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun logStep(request: LogStepRequest): LogStepResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.LogStep is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.AskQuestion.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun askQuestion(request: AskQuestionRequest): AskQuestionResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.AskQuestion is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.WaitForAnswer.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun waitForAnswer(request: WaitForAnswerRequest): WaitForAnswerResponse =
        throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.WaitForAnswer is unimplemented"))

    /**
     * Returns a [Flow] of responses to an RPC for switchboard.v1.AgentService.Subscribe.
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
    public open fun subscribe(request: SubscribeRequest): Flow<SubscribeResponse> = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.Subscribe is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.Heartbeat.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun heartbeat(request: HeartbeatRequest): HeartbeatResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.Heartbeat is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.ReportDiff.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun reportDiff(request: ReportDiffRequest): ReportDiffResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.ReportDiff is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.ReportUsage.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun reportUsage(request: ReportUsageRequest): ReportUsageResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.ReportUsage is unimplemented"))

    /**
     * Returns the response to an RPC for switchboard.v1.AgentService.EndSession.
     *
     * If this method fails with a [StatusException], the RPC will fail with the corresponding
     * [io.grpc.Status].  If this method fails with a [java.util.concurrent.CancellationException],
     * the RPC will fail
     * with status `Status.CANCELLED`.  If this method fails for any other reason, the RPC will
     * fail with `Status.UNKNOWN` with the exception as a cause.
     *
     * @param request The request from the client.
     */
    public open suspend fun endSession(request: EndSessionRequest): EndSessionResponse = throw
        StatusException(UNIMPLEMENTED.withDescription("Method switchboard.v1.AgentService.EndSession is unimplemented"))

    final override fun bindService(): ServerServiceDefinition = builder(getServiceDescriptor())
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getStartSessionMethod(),
      implementation = ::startSession
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getLogStepMethod(),
      implementation = ::logStep
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getAskQuestionMethod(),
      implementation = ::askQuestion
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getWaitForAnswerMethod(),
      implementation = ::waitForAnswer
    ))
      .addMethod(serverStreamingServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getSubscribeMethod(),
      implementation = ::subscribe
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getHeartbeatMethod(),
      implementation = ::heartbeat
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getReportDiffMethod(),
      implementation = ::reportDiff
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getReportUsageMethod(),
      implementation = ::reportUsage
    ))
      .addMethod(unaryServerMethodDefinition(
      context = this.context,
      descriptor = AgentServiceGrpc.getEndSessionMethod(),
      implementation = ::endSession
    )).build()
  }
}
