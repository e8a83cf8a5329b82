package dev.switchboard.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
 * which user owns everything the agent writes.
 * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
 * retry with the same request_id on the same session returns the first result and writes
 * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
 * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
 * names the field and the limit), NOT_FOUND (no such session for this key's user),
 * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
 * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
 * unreachable; retry).
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler (version 1.68.1)",
    comments = "Source: switchboard/v1/agent_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AgentServiceGrpc {

  private AgentServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "switchboard.v1.AgentService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.StartSessionRequest,
      dev.switchboard.v1.StartSessionResponse> getStartSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StartSession",
      requestType = dev.switchboard.v1.StartSessionRequest.class,
      responseType = dev.switchboard.v1.StartSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.StartSessionRequest,
      dev.switchboard.v1.StartSessionResponse> getStartSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.StartSessionRequest, dev.switchboard.v1.StartSessionResponse> getStartSessionMethod;
    if ((getStartSessionMethod = AgentServiceGrpc.getStartSessionMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getStartSessionMethod = AgentServiceGrpc.getStartSessionMethod) == null) {
          AgentServiceGrpc.getStartSessionMethod = getStartSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.StartSessionRequest, dev.switchboard.v1.StartSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StartSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.StartSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.StartSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("StartSession"))
              .build();
        }
      }
    }
    return getStartSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.LogStepRequest,
      dev.switchboard.v1.LogStepResponse> getLogStepMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "LogStep",
      requestType = dev.switchboard.v1.LogStepRequest.class,
      responseType = dev.switchboard.v1.LogStepResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.LogStepRequest,
      dev.switchboard.v1.LogStepResponse> getLogStepMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.LogStepRequest, dev.switchboard.v1.LogStepResponse> getLogStepMethod;
    if ((getLogStepMethod = AgentServiceGrpc.getLogStepMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getLogStepMethod = AgentServiceGrpc.getLogStepMethod) == null) {
          AgentServiceGrpc.getLogStepMethod = getLogStepMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.LogStepRequest, dev.switchboard.v1.LogStepResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "LogStep"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LogStepRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LogStepResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("LogStep"))
              .build();
        }
      }
    }
    return getLogStepMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.AskQuestionRequest,
      dev.switchboard.v1.AskQuestionResponse> getAskQuestionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AskQuestion",
      requestType = dev.switchboard.v1.AskQuestionRequest.class,
      responseType = dev.switchboard.v1.AskQuestionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.AskQuestionRequest,
      dev.switchboard.v1.AskQuestionResponse> getAskQuestionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.AskQuestionRequest, dev.switchboard.v1.AskQuestionResponse> getAskQuestionMethod;
    if ((getAskQuestionMethod = AgentServiceGrpc.getAskQuestionMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getAskQuestionMethod = AgentServiceGrpc.getAskQuestionMethod) == null) {
          AgentServiceGrpc.getAskQuestionMethod = getAskQuestionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.AskQuestionRequest, dev.switchboard.v1.AskQuestionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AskQuestion"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.AskQuestionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.AskQuestionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("AskQuestion"))
              .build();
        }
      }
    }
    return getAskQuestionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.WaitForAnswerRequest,
      dev.switchboard.v1.WaitForAnswerResponse> getWaitForAnswerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WaitForAnswer",
      requestType = dev.switchboard.v1.WaitForAnswerRequest.class,
      responseType = dev.switchboard.v1.WaitForAnswerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.WaitForAnswerRequest,
      dev.switchboard.v1.WaitForAnswerResponse> getWaitForAnswerMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.WaitForAnswerRequest, dev.switchboard.v1.WaitForAnswerResponse> getWaitForAnswerMethod;
    if ((getWaitForAnswerMethod = AgentServiceGrpc.getWaitForAnswerMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getWaitForAnswerMethod = AgentServiceGrpc.getWaitForAnswerMethod) == null) {
          AgentServiceGrpc.getWaitForAnswerMethod = getWaitForAnswerMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.WaitForAnswerRequest, dev.switchboard.v1.WaitForAnswerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WaitForAnswer"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WaitForAnswerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WaitForAnswerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("WaitForAnswer"))
              .build();
        }
      }
    }
    return getWaitForAnswerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.SubscribeRequest,
      dev.switchboard.v1.SubscribeResponse> getSubscribeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Subscribe",
      requestType = dev.switchboard.v1.SubscribeRequest.class,
      responseType = dev.switchboard.v1.SubscribeResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.SubscribeRequest,
      dev.switchboard.v1.SubscribeResponse> getSubscribeMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.SubscribeRequest, dev.switchboard.v1.SubscribeResponse> getSubscribeMethod;
    if ((getSubscribeMethod = AgentServiceGrpc.getSubscribeMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getSubscribeMethod = AgentServiceGrpc.getSubscribeMethod) == null) {
          AgentServiceGrpc.getSubscribeMethod = getSubscribeMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.SubscribeRequest, dev.switchboard.v1.SubscribeResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Subscribe"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.SubscribeRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.SubscribeResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("Subscribe"))
              .build();
        }
      }
    }
    return getSubscribeMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.HeartbeatRequest,
      dev.switchboard.v1.HeartbeatResponse> getHeartbeatMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Heartbeat",
      requestType = dev.switchboard.v1.HeartbeatRequest.class,
      responseType = dev.switchboard.v1.HeartbeatResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.HeartbeatRequest,
      dev.switchboard.v1.HeartbeatResponse> getHeartbeatMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.HeartbeatRequest, dev.switchboard.v1.HeartbeatResponse> getHeartbeatMethod;
    if ((getHeartbeatMethod = AgentServiceGrpc.getHeartbeatMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getHeartbeatMethod = AgentServiceGrpc.getHeartbeatMethod) == null) {
          AgentServiceGrpc.getHeartbeatMethod = getHeartbeatMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.HeartbeatRequest, dev.switchboard.v1.HeartbeatResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Heartbeat"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.HeartbeatRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.HeartbeatResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("Heartbeat"))
              .build();
        }
      }
    }
    return getHeartbeatMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ReportDiffRequest,
      dev.switchboard.v1.ReportDiffResponse> getReportDiffMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReportDiff",
      requestType = dev.switchboard.v1.ReportDiffRequest.class,
      responseType = dev.switchboard.v1.ReportDiffResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ReportDiffRequest,
      dev.switchboard.v1.ReportDiffResponse> getReportDiffMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ReportDiffRequest, dev.switchboard.v1.ReportDiffResponse> getReportDiffMethod;
    if ((getReportDiffMethod = AgentServiceGrpc.getReportDiffMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getReportDiffMethod = AgentServiceGrpc.getReportDiffMethod) == null) {
          AgentServiceGrpc.getReportDiffMethod = getReportDiffMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ReportDiffRequest, dev.switchboard.v1.ReportDiffResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReportDiff"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ReportDiffRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ReportDiffResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("ReportDiff"))
              .build();
        }
      }
    }
    return getReportDiffMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ReportUsageRequest,
      dev.switchboard.v1.ReportUsageResponse> getReportUsageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReportUsage",
      requestType = dev.switchboard.v1.ReportUsageRequest.class,
      responseType = dev.switchboard.v1.ReportUsageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ReportUsageRequest,
      dev.switchboard.v1.ReportUsageResponse> getReportUsageMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ReportUsageRequest, dev.switchboard.v1.ReportUsageResponse> getReportUsageMethod;
    if ((getReportUsageMethod = AgentServiceGrpc.getReportUsageMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getReportUsageMethod = AgentServiceGrpc.getReportUsageMethod) == null) {
          AgentServiceGrpc.getReportUsageMethod = getReportUsageMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ReportUsageRequest, dev.switchboard.v1.ReportUsageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReportUsage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ReportUsageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ReportUsageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("ReportUsage"))
              .build();
        }
      }
    }
    return getReportUsageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.EndSessionRequest,
      dev.switchboard.v1.EndSessionResponse> getEndSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "EndSession",
      requestType = dev.switchboard.v1.EndSessionRequest.class,
      responseType = dev.switchboard.v1.EndSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.EndSessionRequest,
      dev.switchboard.v1.EndSessionResponse> getEndSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.EndSessionRequest, dev.switchboard.v1.EndSessionResponse> getEndSessionMethod;
    if ((getEndSessionMethod = AgentServiceGrpc.getEndSessionMethod) == null) {
      synchronized (AgentServiceGrpc.class) {
        if ((getEndSessionMethod = AgentServiceGrpc.getEndSessionMethod) == null) {
          AgentServiceGrpc.getEndSessionMethod = getEndSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.EndSessionRequest, dev.switchboard.v1.EndSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "EndSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.EndSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.EndSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AgentServiceMethodDescriptorSupplier("EndSession"))
              .build();
        }
      }
    }
    return getEndSessionMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AgentServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentServiceStub>() {
        @java.lang.Override
        public AgentServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentServiceStub(channel, callOptions);
        }
      };
    return AgentServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AgentServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentServiceBlockingStub>() {
        @java.lang.Override
        public AgentServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentServiceBlockingStub(channel, callOptions);
        }
      };
    return AgentServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AgentServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AgentServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AgentServiceFutureStub>() {
        @java.lang.Override
        public AgentServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AgentServiceFutureStub(channel, callOptions);
        }
      };
    return AgentServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
   * which user owns everything the agent writes.
   * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
   * retry with the same request_id on the same session returns the first result and writes
   * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
   * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
   * names the field and the limit), NOT_FOUND (no such session for this key's user),
   * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
   * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
   * unreachable; retry).
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Starts a session, or resumes it when `session_id` names an existing session of this user
     * (so a retried start is idempotent). Creates the agent on first use of its name.
     * Errors: FAILED_PRECONDITION (resuming a terminal session), ALREADY_EXISTS (the id belongs to
     * a session of another agent).
     * </pre>
     */
    default void startSession(dev.switchboard.v1.StartSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.StartSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStartSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Logs a progress step. Returns its sequence number and every user message the agent has not
     * read yet, in order, exactly once (they are marked read in the same transaction). A user
     * message already delivered on the agent's Subscribe stream counts as read and is not returned
     * again, so an agent using both sees each message once.
     * </pre>
     */
    default void logStep(dev.switchboard.v1.LogStepRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LogStepResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLogStepMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks the person a question; the session becomes AWAITING_INPUT until every open question is
     * answered. Returns at once; use WaitForAnswer or Subscribe to receive the answer.
     * </pre>
     */
    default void askQuestion(dev.switchboard.v1.AskQuestionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.AskQuestionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAskQuestionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Waits until the question is answered, or `timeout` passes, or the call's own deadline
     * passes (DEADLINE_EXCEEDED). The answer is pushed by the store's notification the moment it
     * commits; nothing polls. Returns at once with answered=false when a person asks the agent to
     * stop (status STOPPING) or the session ends, so the agent never waits for an answer that will
     * not come. A waiting call counts as the agent being connected.
     * Errors: NOT_FOUND (no such question in this session).
     * </pre>
     */
    default void waitForAnswer(dev.switchboard.v1.WaitForAnswerRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WaitForAnswerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWaitForAnswerMethod(), responseObserver);
    }

    /**
     * <pre>
     * Live stream of what the agent must react to: user messages, answers and status changes
     * (a stop request is a change to STOPPING), each with its sequence number. Replays every such
     * event after `after_seq` first, then tails; resume with the last sequence number seen.
     * An open subscription counts as the agent being connected. Ends with UNAVAILABLE when the
     * server shuts down (reconnect to any replica), and with OK right after delivering the change
     * to a terminal status (at once when the session has already ended and nothing is left after
     * `after_seq`). A user message written to this stream counts as read for LogStep; if the
     * stream drops before the agent saw it, resuming from the last seq seen delivers it again.
     * INVALID_ARGUMENT when `after_seq` is beyond the session's newest sequence number.
     * </pre>
     */
    default void subscribe(dev.switchboard.v1.SubscribeRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.SubscribeResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeMethod(), responseObserver);
    }

    /**
     * <pre>
     * Tells the server the agent is alive (a DISCONNECTED session becomes ACTIVE again).
     * </pre>
     */
    default void heartbeat(dev.switchboard.v1.HeartbeatRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.HeartbeatResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getHeartbeatMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reports the current unified diff of the agent's working tree (replaces the previous one).
     * Errors: INVALID_ARGUMENT (not a unified diff, or larger than the configured cap, 1 MiB by
     * default).
     * </pre>
     */
    default void reportDiff(dev.switchboard.v1.ReportDiffRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportDiffResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReportDiffMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reports cumulative usage totals (they replace the previous totals and may not decrease).
     * Errors: INVALID_ARGUMENT (negative or decreasing totals).
     * </pre>
     */
    default void reportUsage(dev.switchboard.v1.ReportUsageRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportUsageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReportUsageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Ends the session: COMPLETED or FAILED, or STOPPED if a person had asked it to stop.
     * Ending an already ended session with the same request_id returns the first result.
     * </pre>
     */
    default void endSession(dev.switchboard.v1.EndSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.EndSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getEndSessionMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AgentService.
   * <pre>
   * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
   * which user owns everything the agent writes.
   * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
   * retry with the same request_id on the same session returns the first result and writes
   * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
   * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
   * names the field and the limit), NOT_FOUND (no such session for this key's user),
   * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
   * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
   * unreachable; retry).
   * </pre>
   */
  public static abstract class AgentServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AgentServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AgentService.
   * <pre>
   * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
   * which user owns everything the agent writes.
   * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
   * retry with the same request_id on the same session returns the first result and writes
   * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
   * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
   * names the field and the limit), NOT_FOUND (no such session for this key's user),
   * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
   * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
   * unreachable; retry).
   * </pre>
   */
  public static final class AgentServiceStub
      extends io.grpc.stub.AbstractAsyncStub<AgentServiceStub> {
    private AgentServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts a session, or resumes it when `session_id` names an existing session of this user
     * (so a retried start is idempotent). Creates the agent on first use of its name.
     * Errors: FAILED_PRECONDITION (resuming a terminal session), ALREADY_EXISTS (the id belongs to
     * a session of another agent).
     * </pre>
     */
    public void startSession(dev.switchboard.v1.StartSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.StartSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStartSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Logs a progress step. Returns its sequence number and every user message the agent has not
     * read yet, in order, exactly once (they are marked read in the same transaction). A user
     * message already delivered on the agent's Subscribe stream counts as read and is not returned
     * again, so an agent using both sees each message once.
     * </pre>
     */
    public void logStep(dev.switchboard.v1.LogStepRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LogStepResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLogStepMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks the person a question; the session becomes AWAITING_INPUT until every open question is
     * answered. Returns at once; use WaitForAnswer or Subscribe to receive the answer.
     * </pre>
     */
    public void askQuestion(dev.switchboard.v1.AskQuestionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.AskQuestionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAskQuestionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Waits until the question is answered, or `timeout` passes, or the call's own deadline
     * passes (DEADLINE_EXCEEDED). The answer is pushed by the store's notification the moment it
     * commits; nothing polls. Returns at once with answered=false when a person asks the agent to
     * stop (status STOPPING) or the session ends, so the agent never waits for an answer that will
     * not come. A waiting call counts as the agent being connected.
     * Errors: NOT_FOUND (no such question in this session).
     * </pre>
     */
    public void waitForAnswer(dev.switchboard.v1.WaitForAnswerRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WaitForAnswerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getWaitForAnswerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Live stream of what the agent must react to: user messages, answers and status changes
     * (a stop request is a change to STOPPING), each with its sequence number. Replays every such
     * event after `after_seq` first, then tails; resume with the last sequence number seen.
     * An open subscription counts as the agent being connected. Ends with UNAVAILABLE when the
     * server shuts down (reconnect to any replica), and with OK right after delivering the change
     * to a terminal status (at once when the session has already ended and nothing is left after
     * `after_seq`). A user message written to this stream counts as read for LogStep; if the
     * stream drops before the agent saw it, resuming from the last seq seen delivers it again.
     * INVALID_ARGUMENT when `after_seq` is beyond the session's newest sequence number.
     * </pre>
     */
    public void subscribe(dev.switchboard.v1.SubscribeRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.SubscribeResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Tells the server the agent is alive (a DISCONNECTED session becomes ACTIVE again).
     * </pre>
     */
    public void heartbeat(dev.switchboard.v1.HeartbeatRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.HeartbeatResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getHeartbeatMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reports the current unified diff of the agent's working tree (replaces the previous one).
     * Errors: INVALID_ARGUMENT (not a unified diff, or larger than the configured cap, 1 MiB by
     * default).
     * </pre>
     */
    public void reportDiff(dev.switchboard.v1.ReportDiffRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportDiffResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReportDiffMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reports cumulative usage totals (they replace the previous totals and may not decrease).
     * Errors: INVALID_ARGUMENT (negative or decreasing totals).
     * </pre>
     */
    public void reportUsage(dev.switchboard.v1.ReportUsageRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportUsageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReportUsageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Ends the session: COMPLETED or FAILED, or STOPPED if a person had asked it to stop.
     * Ending an already ended session with the same request_id returns the first result.
     * </pre>
     */
    public void endSession(dev.switchboard.v1.EndSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.EndSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getEndSessionMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AgentService.
   * <pre>
   * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
   * which user owns everything the agent writes.
   * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
   * retry with the same request_id on the same session returns the first result and writes
   * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
   * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
   * names the field and the limit), NOT_FOUND (no such session for this key's user),
   * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
   * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
   * unreachable; retry).
   * </pre>
   */
  public static final class AgentServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AgentServiceBlockingStub> {
    private AgentServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts a session, or resumes it when `session_id` names an existing session of this user
     * (so a retried start is idempotent). Creates the agent on first use of its name.
     * Errors: FAILED_PRECONDITION (resuming a terminal session), ALREADY_EXISTS (the id belongs to
     * a session of another agent).
     * </pre>
     */
    public dev.switchboard.v1.StartSessionResponse startSession(dev.switchboard.v1.StartSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStartSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Logs a progress step. Returns its sequence number and every user message the agent has not
     * read yet, in order, exactly once (they are marked read in the same transaction). A user
     * message already delivered on the agent's Subscribe stream counts as read and is not returned
     * again, so an agent using both sees each message once.
     * </pre>
     */
    public dev.switchboard.v1.LogStepResponse logStep(dev.switchboard.v1.LogStepRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLogStepMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the person a question; the session becomes AWAITING_INPUT until every open question is
     * answered. Returns at once; use WaitForAnswer or Subscribe to receive the answer.
     * </pre>
     */
    public dev.switchboard.v1.AskQuestionResponse askQuestion(dev.switchboard.v1.AskQuestionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAskQuestionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Waits until the question is answered, or `timeout` passes, or the call's own deadline
     * passes (DEADLINE_EXCEEDED). The answer is pushed by the store's notification the moment it
     * commits; nothing polls. Returns at once with answered=false when a person asks the agent to
     * stop (status STOPPING) or the session ends, so the agent never waits for an answer that will
     * not come. A waiting call counts as the agent being connected.
     * Errors: NOT_FOUND (no such question in this session).
     * </pre>
     */
    public dev.switchboard.v1.WaitForAnswerResponse waitForAnswer(dev.switchboard.v1.WaitForAnswerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getWaitForAnswerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Live stream of what the agent must react to: user messages, answers and status changes
     * (a stop request is a change to STOPPING), each with its sequence number. Replays every such
     * event after `after_seq` first, then tails; resume with the last sequence number seen.
     * An open subscription counts as the agent being connected. Ends with UNAVAILABLE when the
     * server shuts down (reconnect to any replica), and with OK right after delivering the change
     * to a terminal status (at once when the session has already ended and nothing is left after
     * `after_seq`). A user message written to this stream counts as read for LogStep; if the
     * stream drops before the agent saw it, resuming from the last seq seen delivers it again.
     * INVALID_ARGUMENT when `after_seq` is beyond the session's newest sequence number.
     * </pre>
     */
    public java.util.Iterator<dev.switchboard.v1.SubscribeResponse> subscribe(
        dev.switchboard.v1.SubscribeRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Tells the server the agent is alive (a DISCONNECTED session becomes ACTIVE again).
     * </pre>
     */
    public dev.switchboard.v1.HeartbeatResponse heartbeat(dev.switchboard.v1.HeartbeatRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getHeartbeatMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reports the current unified diff of the agent's working tree (replaces the previous one).
     * Errors: INVALID_ARGUMENT (not a unified diff, or larger than the configured cap, 1 MiB by
     * default).
     * </pre>
     */
    public dev.switchboard.v1.ReportDiffResponse reportDiff(dev.switchboard.v1.ReportDiffRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReportDiffMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reports cumulative usage totals (they replace the previous totals and may not decrease).
     * Errors: INVALID_ARGUMENT (negative or decreasing totals).
     * </pre>
     */
    public dev.switchboard.v1.ReportUsageResponse reportUsage(dev.switchboard.v1.ReportUsageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReportUsageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Ends the session: COMPLETED or FAILED, or STOPPED if a person had asked it to stop.
     * Ending an already ended session with the same request_id returns the first result.
     * </pre>
     */
    public dev.switchboard.v1.EndSessionResponse endSession(dev.switchboard.v1.EndSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getEndSessionMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AgentService.
   * <pre>
   * The API agents talk to. Every call carries `authorization: Bearer &lt;api key&gt;`; the key decides
   * which user owns everything the agent writes.
   * Every write carries a `request_id` chosen by the client (1..128 characters, e.g. a UUID): a
   * retry with the same request_id on the same session returns the first result and writes
   * nothing. Common errors on every RPC: UNAUTHENTICATED (missing, malformed, unknown, expired or
   * revoked API key, or a user token), INVALID_ARGUMENT (a field breaks its limit; the message
   * names the field and the limit), NOT_FOUND (no such session for this key's user),
   * FAILED_PRECONDITION (the session is COMPLETED, FAILED or STOPPED), RESOURCE_EXHAUSTED (the
   * key's rate limit; retry after the delay in the message), UNAVAILABLE (the database is
   * unreachable; retry).
   * </pre>
   */
  public static final class AgentServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<AgentServiceFutureStub> {
    private AgentServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AgentServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AgentServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Starts a session, or resumes it when `session_id` names an existing session of this user
     * (so a retried start is idempotent). Creates the agent on first use of its name.
     * Errors: FAILED_PRECONDITION (resuming a terminal session), ALREADY_EXISTS (the id belongs to
     * a session of another agent).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.StartSessionResponse> startSession(
        dev.switchboard.v1.StartSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStartSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Logs a progress step. Returns its sequence number and every user message the agent has not
     * read yet, in order, exactly once (they are marked read in the same transaction). A user
     * message already delivered on the agent's Subscribe stream counts as read and is not returned
     * again, so an agent using both sees each message once.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.LogStepResponse> logStep(
        dev.switchboard.v1.LogStepRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLogStepMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks the person a question; the session becomes AWAITING_INPUT until every open question is
     * answered. Returns at once; use WaitForAnswer or Subscribe to receive the answer.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.AskQuestionResponse> askQuestion(
        dev.switchboard.v1.AskQuestionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAskQuestionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Waits until the question is answered, or `timeout` passes, or the call's own deadline
     * passes (DEADLINE_EXCEEDED). The answer is pushed by the store's notification the moment it
     * commits; nothing polls. Returns at once with answered=false when a person asks the agent to
     * stop (status STOPPING) or the session ends, so the agent never waits for an answer that will
     * not come. A waiting call counts as the agent being connected.
     * Errors: NOT_FOUND (no such question in this session).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.WaitForAnswerResponse> waitForAnswer(
        dev.switchboard.v1.WaitForAnswerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getWaitForAnswerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Tells the server the agent is alive (a DISCONNECTED session becomes ACTIVE again).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.HeartbeatResponse> heartbeat(
        dev.switchboard.v1.HeartbeatRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getHeartbeatMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reports the current unified diff of the agent's working tree (replaces the previous one).
     * Errors: INVALID_ARGUMENT (not a unified diff, or larger than the configured cap, 1 MiB by
     * default).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ReportDiffResponse> reportDiff(
        dev.switchboard.v1.ReportDiffRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReportDiffMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reports cumulative usage totals (they replace the previous totals and may not decrease).
     * Errors: INVALID_ARGUMENT (negative or decreasing totals).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ReportUsageResponse> reportUsage(
        dev.switchboard.v1.ReportUsageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReportUsageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Ends the session: COMPLETED or FAILED, or STOPPED if a person had asked it to stop.
     * Ending an already ended session with the same request_id returns the first result.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.EndSessionResponse> endSession(
        dev.switchboard.v1.EndSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getEndSessionMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_START_SESSION = 0;
  private static final int METHODID_LOG_STEP = 1;
  private static final int METHODID_ASK_QUESTION = 2;
  private static final int METHODID_WAIT_FOR_ANSWER = 3;
  private static final int METHODID_SUBSCRIBE = 4;
  private static final int METHODID_HEARTBEAT = 5;
  private static final int METHODID_REPORT_DIFF = 6;
  private static final int METHODID_REPORT_USAGE = 7;
  private static final int METHODID_END_SESSION = 8;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_START_SESSION:
          serviceImpl.startSession((dev.switchboard.v1.StartSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.StartSessionResponse>) responseObserver);
          break;
        case METHODID_LOG_STEP:
          serviceImpl.logStep((dev.switchboard.v1.LogStepRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.LogStepResponse>) responseObserver);
          break;
        case METHODID_ASK_QUESTION:
          serviceImpl.askQuestion((dev.switchboard.v1.AskQuestionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.AskQuestionResponse>) responseObserver);
          break;
        case METHODID_WAIT_FOR_ANSWER:
          serviceImpl.waitForAnswer((dev.switchboard.v1.WaitForAnswerRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.WaitForAnswerResponse>) responseObserver);
          break;
        case METHODID_SUBSCRIBE:
          serviceImpl.subscribe((dev.switchboard.v1.SubscribeRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.SubscribeResponse>) responseObserver);
          break;
        case METHODID_HEARTBEAT:
          serviceImpl.heartbeat((dev.switchboard.v1.HeartbeatRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.HeartbeatResponse>) responseObserver);
          break;
        case METHODID_REPORT_DIFF:
          serviceImpl.reportDiff((dev.switchboard.v1.ReportDiffRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportDiffResponse>) responseObserver);
          break;
        case METHODID_REPORT_USAGE:
          serviceImpl.reportUsage((dev.switchboard.v1.ReportUsageRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ReportUsageResponse>) responseObserver);
          break;
        case METHODID_END_SESSION:
          serviceImpl.endSession((dev.switchboard.v1.EndSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.EndSessionResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getStartSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.StartSessionRequest,
              dev.switchboard.v1.StartSessionResponse>(
                service, METHODID_START_SESSION)))
        .addMethod(
          getLogStepMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.LogStepRequest,
              dev.switchboard.v1.LogStepResponse>(
                service, METHODID_LOG_STEP)))
        .addMethod(
          getAskQuestionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.AskQuestionRequest,
              dev.switchboard.v1.AskQuestionResponse>(
                service, METHODID_ASK_QUESTION)))
        .addMethod(
          getWaitForAnswerMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.WaitForAnswerRequest,
              dev.switchboard.v1.WaitForAnswerResponse>(
                service, METHODID_WAIT_FOR_ANSWER)))
        .addMethod(
          getSubscribeMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.switchboard.v1.SubscribeRequest,
              dev.switchboard.v1.SubscribeResponse>(
                service, METHODID_SUBSCRIBE)))
        .addMethod(
          getHeartbeatMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.HeartbeatRequest,
              dev.switchboard.v1.HeartbeatResponse>(
                service, METHODID_HEARTBEAT)))
        .addMethod(
          getReportDiffMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ReportDiffRequest,
              dev.switchboard.v1.ReportDiffResponse>(
                service, METHODID_REPORT_DIFF)))
        .addMethod(
          getReportUsageMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ReportUsageRequest,
              dev.switchboard.v1.ReportUsageResponse>(
                service, METHODID_REPORT_USAGE)))
        .addMethod(
          getEndSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.EndSessionRequest,
              dev.switchboard.v1.EndSessionResponse>(
                service, METHODID_END_SESSION)))
        .build();
  }

  private static abstract class AgentServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AgentServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.switchboard.v1.AgentServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AgentService");
    }
  }

  private static final class AgentServiceFileDescriptorSupplier
      extends AgentServiceBaseDescriptorSupplier {
    AgentServiceFileDescriptorSupplier() {}
  }

  private static final class AgentServiceMethodDescriptorSupplier
      extends AgentServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AgentServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (AgentServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AgentServiceFileDescriptorSupplier())
              .addMethod(getStartSessionMethod())
              .addMethod(getLogStepMethod())
              .addMethod(getAskQuestionMethod())
              .addMethod(getWaitForAnswerMethod())
              .addMethod(getSubscribeMethod())
              .addMethod(getHeartbeatMethod())
              .addMethod(getReportDiffMethod())
              .addMethod(getReportUsageMethod())
              .addMethod(getEndSessionMethod())
              .build();
        }
      }
    }
    return result;
  }
}
