package dev.switchboard.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
 * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
 * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
 * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
 * `page_token` with the same filters; an empty `next_page_token` means the last page.
 * `page_size` 0 means the default (50); the maximum is 500.
 * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
 * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
 * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler (version 1.68.1)",
    comments = "Source: switchboard/v1/dashboard_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class DashboardServiceGrpc {

  private DashboardServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "switchboard.v1.DashboardService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ListAgentsRequest,
      dev.switchboard.v1.ListAgentsResponse> getListAgentsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListAgents",
      requestType = dev.switchboard.v1.ListAgentsRequest.class,
      responseType = dev.switchboard.v1.ListAgentsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ListAgentsRequest,
      dev.switchboard.v1.ListAgentsResponse> getListAgentsMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ListAgentsRequest, dev.switchboard.v1.ListAgentsResponse> getListAgentsMethod;
    if ((getListAgentsMethod = DashboardServiceGrpc.getListAgentsMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getListAgentsMethod = DashboardServiceGrpc.getListAgentsMethod) == null) {
          DashboardServiceGrpc.getListAgentsMethod = getListAgentsMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ListAgentsRequest, dev.switchboard.v1.ListAgentsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListAgents"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListAgentsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListAgentsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("ListAgents"))
              .build();
        }
      }
    }
    return getListAgentsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ListSessionsRequest,
      dev.switchboard.v1.ListSessionsResponse> getListSessionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSessions",
      requestType = dev.switchboard.v1.ListSessionsRequest.class,
      responseType = dev.switchboard.v1.ListSessionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ListSessionsRequest,
      dev.switchboard.v1.ListSessionsResponse> getListSessionsMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ListSessionsRequest, dev.switchboard.v1.ListSessionsResponse> getListSessionsMethod;
    if ((getListSessionsMethod = DashboardServiceGrpc.getListSessionsMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getListSessionsMethod = DashboardServiceGrpc.getListSessionsMethod) == null) {
          DashboardServiceGrpc.getListSessionsMethod = getListSessionsMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ListSessionsRequest, dev.switchboard.v1.ListSessionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSessions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListSessionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListSessionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("ListSessions"))
              .build();
        }
      }
    }
    return getListSessionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.GetSessionRequest,
      dev.switchboard.v1.GetSessionResponse> getGetSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSession",
      requestType = dev.switchboard.v1.GetSessionRequest.class,
      responseType = dev.switchboard.v1.GetSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.GetSessionRequest,
      dev.switchboard.v1.GetSessionResponse> getGetSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.GetSessionRequest, dev.switchboard.v1.GetSessionResponse> getGetSessionMethod;
    if ((getGetSessionMethod = DashboardServiceGrpc.getGetSessionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getGetSessionMethod = DashboardServiceGrpc.getGetSessionMethod) == null) {
          DashboardServiceGrpc.getGetSessionMethod = getGetSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.GetSessionRequest, dev.switchboard.v1.GetSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.GetSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.GetSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("GetSession"))
              .build();
        }
      }
    }
    return getGetSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ListMessagesRequest,
      dev.switchboard.v1.ListMessagesResponse> getListMessagesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListMessages",
      requestType = dev.switchboard.v1.ListMessagesRequest.class,
      responseType = dev.switchboard.v1.ListMessagesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ListMessagesRequest,
      dev.switchboard.v1.ListMessagesResponse> getListMessagesMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ListMessagesRequest, dev.switchboard.v1.ListMessagesResponse> getListMessagesMethod;
    if ((getListMessagesMethod = DashboardServiceGrpc.getListMessagesMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getListMessagesMethod = DashboardServiceGrpc.getListMessagesMethod) == null) {
          DashboardServiceGrpc.getListMessagesMethod = getListMessagesMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ListMessagesRequest, dev.switchboard.v1.ListMessagesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListMessages"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListMessagesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListMessagesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("ListMessages"))
              .build();
        }
      }
    }
    return getListMessagesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.GetDiffRequest,
      dev.switchboard.v1.GetDiffResponse> getGetDiffMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDiff",
      requestType = dev.switchboard.v1.GetDiffRequest.class,
      responseType = dev.switchboard.v1.GetDiffResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.GetDiffRequest,
      dev.switchboard.v1.GetDiffResponse> getGetDiffMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.GetDiffRequest, dev.switchboard.v1.GetDiffResponse> getGetDiffMethod;
    if ((getGetDiffMethod = DashboardServiceGrpc.getGetDiffMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getGetDiffMethod = DashboardServiceGrpc.getGetDiffMethod) == null) {
          DashboardServiceGrpc.getGetDiffMethod = getGetDiffMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.GetDiffRequest, dev.switchboard.v1.GetDiffResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDiff"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.GetDiffRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.GetDiffResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("GetDiff"))
              .build();
        }
      }
    }
    return getGetDiffMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.AnswerQuestionRequest,
      dev.switchboard.v1.AnswerQuestionResponse> getAnswerQuestionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AnswerQuestion",
      requestType = dev.switchboard.v1.AnswerQuestionRequest.class,
      responseType = dev.switchboard.v1.AnswerQuestionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.AnswerQuestionRequest,
      dev.switchboard.v1.AnswerQuestionResponse> getAnswerQuestionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.AnswerQuestionRequest, dev.switchboard.v1.AnswerQuestionResponse> getAnswerQuestionMethod;
    if ((getAnswerQuestionMethod = DashboardServiceGrpc.getAnswerQuestionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getAnswerQuestionMethod = DashboardServiceGrpc.getAnswerQuestionMethod) == null) {
          DashboardServiceGrpc.getAnswerQuestionMethod = getAnswerQuestionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.AnswerQuestionRequest, dev.switchboard.v1.AnswerQuestionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AnswerQuestion"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.AnswerQuestionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.AnswerQuestionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("AnswerQuestion"))
              .build();
        }
      }
    }
    return getAnswerQuestionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.SendMessageRequest,
      dev.switchboard.v1.SendMessageResponse> getSendMessageMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SendMessage",
      requestType = dev.switchboard.v1.SendMessageRequest.class,
      responseType = dev.switchboard.v1.SendMessageResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.SendMessageRequest,
      dev.switchboard.v1.SendMessageResponse> getSendMessageMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.SendMessageRequest, dev.switchboard.v1.SendMessageResponse> getSendMessageMethod;
    if ((getSendMessageMethod = DashboardServiceGrpc.getSendMessageMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getSendMessageMethod = DashboardServiceGrpc.getSendMessageMethod) == null) {
          DashboardServiceGrpc.getSendMessageMethod = getSendMessageMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.SendMessageRequest, dev.switchboard.v1.SendMessageResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SendMessage"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.SendMessageRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.SendMessageResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("SendMessage"))
              .build();
        }
      }
    }
    return getSendMessageMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.StopSessionRequest,
      dev.switchboard.v1.StopSessionResponse> getStopSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StopSession",
      requestType = dev.switchboard.v1.StopSessionRequest.class,
      responseType = dev.switchboard.v1.StopSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.StopSessionRequest,
      dev.switchboard.v1.StopSessionResponse> getStopSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.StopSessionRequest, dev.switchboard.v1.StopSessionResponse> getStopSessionMethod;
    if ((getStopSessionMethod = DashboardServiceGrpc.getStopSessionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getStopSessionMethod = DashboardServiceGrpc.getStopSessionMethod) == null) {
          DashboardServiceGrpc.getStopSessionMethod = getStopSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.StopSessionRequest, dev.switchboard.v1.StopSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StopSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.StopSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.StopSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("StopSession"))
              .build();
        }
      }
    }
    return getStopSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.RenameSessionRequest,
      dev.switchboard.v1.RenameSessionResponse> getRenameSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RenameSession",
      requestType = dev.switchboard.v1.RenameSessionRequest.class,
      responseType = dev.switchboard.v1.RenameSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.RenameSessionRequest,
      dev.switchboard.v1.RenameSessionResponse> getRenameSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.RenameSessionRequest, dev.switchboard.v1.RenameSessionResponse> getRenameSessionMethod;
    if ((getRenameSessionMethod = DashboardServiceGrpc.getRenameSessionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getRenameSessionMethod = DashboardServiceGrpc.getRenameSessionMethod) == null) {
          DashboardServiceGrpc.getRenameSessionMethod = getRenameSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.RenameSessionRequest, dev.switchboard.v1.RenameSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RenameSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RenameSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RenameSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("RenameSession"))
              .build();
        }
      }
    }
    return getRenameSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.DeleteSessionRequest,
      dev.switchboard.v1.DeleteSessionResponse> getDeleteSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteSession",
      requestType = dev.switchboard.v1.DeleteSessionRequest.class,
      responseType = dev.switchboard.v1.DeleteSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.DeleteSessionRequest,
      dev.switchboard.v1.DeleteSessionResponse> getDeleteSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.DeleteSessionRequest, dev.switchboard.v1.DeleteSessionResponse> getDeleteSessionMethod;
    if ((getDeleteSessionMethod = DashboardServiceGrpc.getDeleteSessionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getDeleteSessionMethod = DashboardServiceGrpc.getDeleteSessionMethod) == null) {
          DashboardServiceGrpc.getDeleteSessionMethod = getDeleteSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.DeleteSessionRequest, dev.switchboard.v1.DeleteSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.DeleteSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.DeleteSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("DeleteSession"))
              .build();
        }
      }
    }
    return getDeleteSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.CreateApiKeyRequest,
      dev.switchboard.v1.CreateApiKeyResponse> getCreateApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateApiKey",
      requestType = dev.switchboard.v1.CreateApiKeyRequest.class,
      responseType = dev.switchboard.v1.CreateApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.CreateApiKeyRequest,
      dev.switchboard.v1.CreateApiKeyResponse> getCreateApiKeyMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.CreateApiKeyRequest, dev.switchboard.v1.CreateApiKeyResponse> getCreateApiKeyMethod;
    if ((getCreateApiKeyMethod = DashboardServiceGrpc.getCreateApiKeyMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getCreateApiKeyMethod = DashboardServiceGrpc.getCreateApiKeyMethod) == null) {
          DashboardServiceGrpc.getCreateApiKeyMethod = getCreateApiKeyMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.CreateApiKeyRequest, dev.switchboard.v1.CreateApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.CreateApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.CreateApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("CreateApiKey"))
              .build();
        }
      }
    }
    return getCreateApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.ListApiKeysRequest,
      dev.switchboard.v1.ListApiKeysResponse> getListApiKeysMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListApiKeys",
      requestType = dev.switchboard.v1.ListApiKeysRequest.class,
      responseType = dev.switchboard.v1.ListApiKeysResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.ListApiKeysRequest,
      dev.switchboard.v1.ListApiKeysResponse> getListApiKeysMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.ListApiKeysRequest, dev.switchboard.v1.ListApiKeysResponse> getListApiKeysMethod;
    if ((getListApiKeysMethod = DashboardServiceGrpc.getListApiKeysMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getListApiKeysMethod = DashboardServiceGrpc.getListApiKeysMethod) == null) {
          DashboardServiceGrpc.getListApiKeysMethod = getListApiKeysMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.ListApiKeysRequest, dev.switchboard.v1.ListApiKeysResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListApiKeys"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListApiKeysRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.ListApiKeysResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("ListApiKeys"))
              .build();
        }
      }
    }
    return getListApiKeysMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.RevokeApiKeyRequest,
      dev.switchboard.v1.RevokeApiKeyResponse> getRevokeApiKeyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RevokeApiKey",
      requestType = dev.switchboard.v1.RevokeApiKeyRequest.class,
      responseType = dev.switchboard.v1.RevokeApiKeyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.RevokeApiKeyRequest,
      dev.switchboard.v1.RevokeApiKeyResponse> getRevokeApiKeyMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.RevokeApiKeyRequest, dev.switchboard.v1.RevokeApiKeyResponse> getRevokeApiKeyMethod;
    if ((getRevokeApiKeyMethod = DashboardServiceGrpc.getRevokeApiKeyMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getRevokeApiKeyMethod = DashboardServiceGrpc.getRevokeApiKeyMethod) == null) {
          DashboardServiceGrpc.getRevokeApiKeyMethod = getRevokeApiKeyMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.RevokeApiKeyRequest, dev.switchboard.v1.RevokeApiKeyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RevokeApiKey"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RevokeApiKeyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RevokeApiKeyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("RevokeApiKey"))
              .build();
        }
      }
    }
    return getRevokeApiKeyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.WatchSessionRequest,
      dev.switchboard.v1.WatchSessionResponse> getWatchSessionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchSession",
      requestType = dev.switchboard.v1.WatchSessionRequest.class,
      responseType = dev.switchboard.v1.WatchSessionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.WatchSessionRequest,
      dev.switchboard.v1.WatchSessionResponse> getWatchSessionMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.WatchSessionRequest, dev.switchboard.v1.WatchSessionResponse> getWatchSessionMethod;
    if ((getWatchSessionMethod = DashboardServiceGrpc.getWatchSessionMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getWatchSessionMethod = DashboardServiceGrpc.getWatchSessionMethod) == null) {
          DashboardServiceGrpc.getWatchSessionMethod = getWatchSessionMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.WatchSessionRequest, dev.switchboard.v1.WatchSessionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchSession"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WatchSessionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WatchSessionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("WatchSession"))
              .build();
        }
      }
    }
    return getWatchSessionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.WatchInboxRequest,
      dev.switchboard.v1.WatchInboxResponse> getWatchInboxMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchInbox",
      requestType = dev.switchboard.v1.WatchInboxRequest.class,
      responseType = dev.switchboard.v1.WatchInboxResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.WatchInboxRequest,
      dev.switchboard.v1.WatchInboxResponse> getWatchInboxMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.WatchInboxRequest, dev.switchboard.v1.WatchInboxResponse> getWatchInboxMethod;
    if ((getWatchInboxMethod = DashboardServiceGrpc.getWatchInboxMethod) == null) {
      synchronized (DashboardServiceGrpc.class) {
        if ((getWatchInboxMethod = DashboardServiceGrpc.getWatchInboxMethod) == null) {
          DashboardServiceGrpc.getWatchInboxMethod = getWatchInboxMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.WatchInboxRequest, dev.switchboard.v1.WatchInboxResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchInbox"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WatchInboxRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.WatchInboxResponse.getDefaultInstance()))
              .setSchemaDescriptor(new DashboardServiceMethodDescriptorSupplier("WatchInbox"))
              .build();
        }
      }
    }
    return getWatchInboxMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static DashboardServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DashboardServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DashboardServiceStub>() {
        @java.lang.Override
        public DashboardServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DashboardServiceStub(channel, callOptions);
        }
      };
    return DashboardServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static DashboardServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DashboardServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DashboardServiceBlockingStub>() {
        @java.lang.Override
        public DashboardServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DashboardServiceBlockingStub(channel, callOptions);
        }
      };
    return DashboardServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static DashboardServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<DashboardServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<DashboardServiceFutureStub>() {
        @java.lang.Override
        public DashboardServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new DashboardServiceFutureStub(channel, callOptions);
        }
      };
    return DashboardServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
   * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
   * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
   * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
   * `page_token` with the same filters; an empty `next_page_token` means the last page.
   * `page_size` 0 means the default (50); the maximum is 500.
   * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
   * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
   * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Lists the caller's agents: those with a session awaiting input first, then by most recent
     * activity.
     * </pre>
     */
    default void listAgents(dev.switchboard.v1.ListAgentsRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListAgentsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListAgentsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sessions, awaiting input first, then by most recent activity.
     * </pre>
     */
    default void listSessions(dev.switchboard.v1.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSessionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns one session with its open questions.
     * </pre>
     */
    default void getSession(dev.switchboard.v1.GetSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.GetSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists a session's messages by sequence number, forwards or backwards from a cursor.
     * </pre>
     */
    default void listMessages(dev.switchboard.v1.ListMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListMessagesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListMessagesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns the session's latest diff.
     * </pre>
     */
    default void getDiff(dev.switchboard.v1.GetDiffRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.GetDiffResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDiffMethod(), responseObserver);
    }

    /**
     * <pre>
     * Answers an open question.
     * Errors: INVALID_ARGUMENT (options not in the question, wrong count for the choice mode,
     * free text where not allowed, empty answer), FAILED_PRECONDITION (already answered: the
     * message says by whom and when; or the session is terminal).
     * </pre>
     */
    default void answerQuestion(dev.switchboard.v1.AnswerQuestionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.AnswerQuestionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAnswerQuestionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sends a message to the agent. It is queued until the agent reads it (LogStep) and pushed
     * live on the agent's subscription.
     * Errors: FAILED_PRECONDITION (the session is terminal).
     * </pre>
     */
    default void sendMessage(dev.switchboard.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSendMessageMethod(), responseObserver);
    }

    /**
     * <pre>
     * Asks the agent to stop: the session becomes STOPPING, the agent sees it on its subscription
     * and its next write, and the session becomes STOPPED when the agent ends it or the grace
     * period passes. Idempotent while STOPPING.
     * Errors: FAILED_PRECONDITION (the session is already terminal).
     * </pre>
     */
    default void stopSession(dev.switchboard.v1.StopSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.StopSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStopSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Renames a session.
     * </pre>
     */
    default void renameSession(dev.switchboard.v1.RenameSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RenameSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRenameSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a session and all its messages. An agent still writing to it gets NOT_FOUND.
     * </pre>
     */
    default void deleteSession(dev.switchboard.v1.DeleteSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.DeleteSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates an API key for the caller's agents. The secret is in the response and never again.
     * Errors: RESOURCE_EXHAUSTED (the cap on active keys per user is reached; revoke one).
     * </pre>
     */
    default void createApiKey(dev.switchboard.v1.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's API keys (newest first), without secrets.
     * </pre>
     */
    default void listApiKeys(dev.switchboard.v1.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListApiKeysMethod(), responseObserver);
    }

    /**
     * <pre>
     * Revokes an API key; the very next call made with it is refused. Idempotent.
     * </pre>
     */
    default void revokeApiKey(dev.switchboard.v1.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RevokeApiKeyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRevokeApiKeyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Live feed of one session: replays every message after `after_seq`, then tails new ones,
     * with no gap and no duplicate. Sends a heartbeat with the high-water sequence every few
     * seconds of silence. A slow reader is never dropped or skipped ahead: it catches up from the
     * store. Ends with UNAVAILABLE when the server shuts down (resume from the last seq on any
     * replica) and NOT_FOUND if the session is deleted. INVALID_ARGUMENT when `after_seq` is
     * beyond the session's newest sequence number.
     * </pre>
     */
    default void watchSession(dev.switchboard.v1.WatchSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchSessionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchSessionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Live feed of the caller's home screen: session started, status changed, question asked,
     * question answered, session ended, across all their sessions, each with a per-user cursor.
     * Replays events after `after_cursor`, then tails; same guarantees as WatchSession.
     * INVALID_ARGUMENT when `after_cursor` is beyond the caller's newest cursor.
     * </pre>
     */
    default void watchInbox(dev.switchboard.v1.WatchInboxRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchInboxResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchInboxMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service DashboardService.
   * <pre>
   * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
   * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
   * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
   * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
   * `page_token` with the same filters; an empty `next_page_token` means the last page.
   * `page_size` 0 means the default (50); the maximum is 500.
   * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
   * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
   * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
   * </pre>
   */
  public static abstract class DashboardServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return DashboardServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service DashboardService.
   * <pre>
   * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
   * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
   * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
   * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
   * `page_token` with the same filters; an empty `next_page_token` means the last page.
   * `page_size` 0 means the default (50); the maximum is 500.
   * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
   * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
   * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
   * </pre>
   */
  public static final class DashboardServiceStub
      extends io.grpc.stub.AbstractAsyncStub<DashboardServiceStub> {
    private DashboardServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DashboardServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DashboardServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Lists the caller's agents: those with a session awaiting input first, then by most recent
     * activity.
     * </pre>
     */
    public void listAgents(dev.switchboard.v1.ListAgentsRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListAgentsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListAgentsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's sessions, awaiting input first, then by most recent activity.
     * </pre>
     */
    public void listSessions(dev.switchboard.v1.ListSessionsRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListSessionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns one session with its open questions.
     * </pre>
     */
    public void getSession(dev.switchboard.v1.GetSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.GetSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists a session's messages by sequence number, forwards or backwards from a cursor.
     * </pre>
     */
    public void listMessages(dev.switchboard.v1.ListMessagesRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListMessagesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListMessagesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns the session's latest diff.
     * </pre>
     */
    public void getDiff(dev.switchboard.v1.GetDiffRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.GetDiffResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDiffMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Answers an open question.
     * Errors: INVALID_ARGUMENT (options not in the question, wrong count for the choice mode,
     * free text where not allowed, empty answer), FAILED_PRECONDITION (already answered: the
     * message says by whom and when; or the session is terminal).
     * </pre>
     */
    public void answerQuestion(dev.switchboard.v1.AnswerQuestionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.AnswerQuestionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAnswerQuestionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sends a message to the agent. It is queued until the agent reads it (LogStep) and pushed
     * live on the agent's subscription.
     * Errors: FAILED_PRECONDITION (the session is terminal).
     * </pre>
     */
    public void sendMessage(dev.switchboard.v1.SendMessageRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.SendMessageResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Asks the agent to stop: the session becomes STOPPING, the agent sees it on its subscription
     * and its next write, and the session becomes STOPPED when the agent ends it or the grace
     * period passes. Idempotent while STOPPING.
     * Errors: FAILED_PRECONDITION (the session is already terminal).
     * </pre>
     */
    public void stopSession(dev.switchboard.v1.StopSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.StopSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStopSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Renames a session.
     * </pre>
     */
    public void renameSession(dev.switchboard.v1.RenameSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RenameSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRenameSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a session and all its messages. An agent still writing to it gets NOT_FOUND.
     * </pre>
     */
    public void deleteSession(dev.switchboard.v1.DeleteSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.DeleteSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates an API key for the caller's agents. The secret is in the response and never again.
     * Errors: RESOURCE_EXHAUSTED (the cap on active keys per user is reached; revoke one).
     * </pre>
     */
    public void createApiKey(dev.switchboard.v1.CreateApiKeyRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.CreateApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the caller's API keys (newest first), without secrets.
     * </pre>
     */
    public void listApiKeys(dev.switchboard.v1.ListApiKeysRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.ListApiKeysResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Revokes an API key; the very next call made with it is refused. Idempotent.
     * </pre>
     */
    public void revokeApiKey(dev.switchboard.v1.RevokeApiKeyRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RevokeApiKeyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Live feed of one session: replays every message after `after_seq`, then tails new ones,
     * with no gap and no duplicate. Sends a heartbeat with the high-water sequence every few
     * seconds of silence. A slow reader is never dropped or skipped ahead: it catches up from the
     * store. Ends with UNAVAILABLE when the server shuts down (resume from the last seq on any
     * replica) and NOT_FOUND if the session is deleted. INVALID_ARGUMENT when `after_seq` is
     * beyond the session's newest sequence number.
     * </pre>
     */
    public void watchSession(dev.switchboard.v1.WatchSessionRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchSessionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchSessionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Live feed of the caller's home screen: session started, status changed, question asked,
     * question answered, session ended, across all their sessions, each with a per-user cursor.
     * Replays events after `after_cursor`, then tails; same guarantees as WatchSession.
     * INVALID_ARGUMENT when `after_cursor` is beyond the caller's newest cursor.
     * </pre>
     */
    public void watchInbox(dev.switchboard.v1.WatchInboxRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchInboxResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchInboxMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service DashboardService.
   * <pre>
   * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
   * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
   * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
   * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
   * `page_token` with the same filters; an empty `next_page_token` means the last page.
   * `page_size` 0 means the default (50); the maximum is 500.
   * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
   * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
   * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
   * </pre>
   */
  public static final class DashboardServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<DashboardServiceBlockingStub> {
    private DashboardServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DashboardServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DashboardServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Lists the caller's agents: those with a session awaiting input first, then by most recent
     * activity.
     * </pre>
     */
    public dev.switchboard.v1.ListAgentsResponse listAgents(dev.switchboard.v1.ListAgentsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListAgentsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's sessions, awaiting input first, then by most recent activity.
     * </pre>
     */
    public dev.switchboard.v1.ListSessionsResponse listSessions(dev.switchboard.v1.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSessionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns one session with its open questions.
     * </pre>
     */
    public dev.switchboard.v1.GetSessionResponse getSession(dev.switchboard.v1.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a session's messages by sequence number, forwards or backwards from a cursor.
     * </pre>
     */
    public dev.switchboard.v1.ListMessagesResponse listMessages(dev.switchboard.v1.ListMessagesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListMessagesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns the session's latest diff.
     * </pre>
     */
    public dev.switchboard.v1.GetDiffResponse getDiff(dev.switchboard.v1.GetDiffRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDiffMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Answers an open question.
     * Errors: INVALID_ARGUMENT (options not in the question, wrong count for the choice mode,
     * free text where not allowed, empty answer), FAILED_PRECONDITION (already answered: the
     * message says by whom and when; or the session is terminal).
     * </pre>
     */
    public dev.switchboard.v1.AnswerQuestionResponse answerQuestion(dev.switchboard.v1.AnswerQuestionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAnswerQuestionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sends a message to the agent. It is queued until the agent reads it (LogStep) and pushed
     * live on the agent's subscription.
     * Errors: FAILED_PRECONDITION (the session is terminal).
     * </pre>
     */
    public dev.switchboard.v1.SendMessageResponse sendMessage(dev.switchboard.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSendMessageMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Asks the agent to stop: the session becomes STOPPING, the agent sees it on its subscription
     * and its next write, and the session becomes STOPPED when the agent ends it or the grace
     * period passes. Idempotent while STOPPING.
     * Errors: FAILED_PRECONDITION (the session is already terminal).
     * </pre>
     */
    public dev.switchboard.v1.StopSessionResponse stopSession(dev.switchboard.v1.StopSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStopSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Renames a session.
     * </pre>
     */
    public dev.switchboard.v1.RenameSessionResponse renameSession(dev.switchboard.v1.RenameSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRenameSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a session and all its messages. An agent still writing to it gets NOT_FOUND.
     * </pre>
     */
    public dev.switchboard.v1.DeleteSessionResponse deleteSession(dev.switchboard.v1.DeleteSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates an API key for the caller's agents. The secret is in the response and never again.
     * Errors: RESOURCE_EXHAUSTED (the cap on active keys per user is reached; revoke one).
     * </pre>
     */
    public dev.switchboard.v1.CreateApiKeyResponse createApiKey(dev.switchboard.v1.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the caller's API keys (newest first), without secrets.
     * </pre>
     */
    public dev.switchboard.v1.ListApiKeysResponse listApiKeys(dev.switchboard.v1.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListApiKeysMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Revokes an API key; the very next call made with it is refused. Idempotent.
     * </pre>
     */
    public dev.switchboard.v1.RevokeApiKeyResponse revokeApiKey(dev.switchboard.v1.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRevokeApiKeyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Live feed of one session: replays every message after `after_seq`, then tails new ones,
     * with no gap and no duplicate. Sends a heartbeat with the high-water sequence every few
     * seconds of silence. A slow reader is never dropped or skipped ahead: it catches up from the
     * store. Ends with UNAVAILABLE when the server shuts down (resume from the last seq on any
     * replica) and NOT_FOUND if the session is deleted. INVALID_ARGUMENT when `after_seq` is
     * beyond the session's newest sequence number.
     * </pre>
     */
    public java.util.Iterator<dev.switchboard.v1.WatchSessionResponse> watchSession(
        dev.switchboard.v1.WatchSessionRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchSessionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Live feed of the caller's home screen: session started, status changed, question asked,
     * question answered, session ended, across all their sessions, each with a per-user cursor.
     * Replays events after `after_cursor`, then tails; same guarantees as WatchSession.
     * INVALID_ARGUMENT when `after_cursor` is beyond the caller's newest cursor.
     * </pre>
     */
    public java.util.Iterator<dev.switchboard.v1.WatchInboxResponse> watchInbox(
        dev.switchboard.v1.WatchInboxRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchInboxMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service DashboardService.
   * <pre>
   * The API people use (web dashboard, mobile apps, grpcurl). Every call carries
   * `authorization: Bearer &lt;access token&gt;` from AuthService; an API key is refused.
   * Everything is scoped to the caller: another user's ids answer NOT_FOUND, exactly as ids that
   * do not exist. List calls paginate with opaque keyset tokens: pass `next_page_token` back as
   * `page_token` with the same filters; an empty `next_page_token` means the last page.
   * `page_size` 0 means the default (50); the maximum is 500.
   * Common errors: UNAUTHENTICATED (missing, malformed, expired access token, or an API key),
   * INVALID_ARGUMENT (a field breaks its limit, or a page token that does not match the request),
   * NOT_FOUND, UNAVAILABLE (the database is unreachable; retry).
   * </pre>
   */
  public static final class DashboardServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<DashboardServiceFutureStub> {
    private DashboardServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected DashboardServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new DashboardServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Lists the caller's agents: those with a session awaiting input first, then by most recent
     * activity.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ListAgentsResponse> listAgents(
        dev.switchboard.v1.ListAgentsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListAgentsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's sessions, awaiting input first, then by most recent activity.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ListSessionsResponse> listSessions(
        dev.switchboard.v1.ListSessionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSessionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns one session with its open questions.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.GetSessionResponse> getSession(
        dev.switchboard.v1.GetSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists a session's messages by sequence number, forwards or backwards from a cursor.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ListMessagesResponse> listMessages(
        dev.switchboard.v1.ListMessagesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListMessagesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns the session's latest diff.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.GetDiffResponse> getDiff(
        dev.switchboard.v1.GetDiffRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDiffMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Answers an open question.
     * Errors: INVALID_ARGUMENT (options not in the question, wrong count for the choice mode,
     * free text where not allowed, empty answer), FAILED_PRECONDITION (already answered: the
     * message says by whom and when; or the session is terminal).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.AnswerQuestionResponse> answerQuestion(
        dev.switchboard.v1.AnswerQuestionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAnswerQuestionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sends a message to the agent. It is queued until the agent reads it (LogStep) and pushed
     * live on the agent's subscription.
     * Errors: FAILED_PRECONDITION (the session is terminal).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.SendMessageResponse> sendMessage(
        dev.switchboard.v1.SendMessageRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSendMessageMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Asks the agent to stop: the session becomes STOPPING, the agent sees it on its subscription
     * and its next write, and the session becomes STOPPED when the agent ends it or the grace
     * period passes. Idempotent while STOPPING.
     * Errors: FAILED_PRECONDITION (the session is already terminal).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.StopSessionResponse> stopSession(
        dev.switchboard.v1.StopSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStopSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Renames a session.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.RenameSessionResponse> renameSession(
        dev.switchboard.v1.RenameSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRenameSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a session and all its messages. An agent still writing to it gets NOT_FOUND.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.DeleteSessionResponse> deleteSession(
        dev.switchboard.v1.DeleteSessionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteSessionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates an API key for the caller's agents. The secret is in the response and never again.
     * Errors: RESOURCE_EXHAUSTED (the cap on active keys per user is reached; revoke one).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.CreateApiKeyResponse> createApiKey(
        dev.switchboard.v1.CreateApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateApiKeyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the caller's API keys (newest first), without secrets.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.ListApiKeysResponse> listApiKeys(
        dev.switchboard.v1.ListApiKeysRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListApiKeysMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Revokes an API key; the very next call made with it is refused. Idempotent.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.RevokeApiKeyResponse> revokeApiKey(
        dev.switchboard.v1.RevokeApiKeyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRevokeApiKeyMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LIST_AGENTS = 0;
  private static final int METHODID_LIST_SESSIONS = 1;
  private static final int METHODID_GET_SESSION = 2;
  private static final int METHODID_LIST_MESSAGES = 3;
  private static final int METHODID_GET_DIFF = 4;
  private static final int METHODID_ANSWER_QUESTION = 5;
  private static final int METHODID_SEND_MESSAGE = 6;
  private static final int METHODID_STOP_SESSION = 7;
  private static final int METHODID_RENAME_SESSION = 8;
  private static final int METHODID_DELETE_SESSION = 9;
  private static final int METHODID_CREATE_API_KEY = 10;
  private static final int METHODID_LIST_API_KEYS = 11;
  private static final int METHODID_REVOKE_API_KEY = 12;
  private static final int METHODID_WATCH_SESSION = 13;
  private static final int METHODID_WATCH_INBOX = 14;

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
        case METHODID_LIST_AGENTS:
          serviceImpl.listAgents((dev.switchboard.v1.ListAgentsRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ListAgentsResponse>) responseObserver);
          break;
        case METHODID_LIST_SESSIONS:
          serviceImpl.listSessions((dev.switchboard.v1.ListSessionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ListSessionsResponse>) responseObserver);
          break;
        case METHODID_GET_SESSION:
          serviceImpl.getSession((dev.switchboard.v1.GetSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.GetSessionResponse>) responseObserver);
          break;
        case METHODID_LIST_MESSAGES:
          serviceImpl.listMessages((dev.switchboard.v1.ListMessagesRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ListMessagesResponse>) responseObserver);
          break;
        case METHODID_GET_DIFF:
          serviceImpl.getDiff((dev.switchboard.v1.GetDiffRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.GetDiffResponse>) responseObserver);
          break;
        case METHODID_ANSWER_QUESTION:
          serviceImpl.answerQuestion((dev.switchboard.v1.AnswerQuestionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.AnswerQuestionResponse>) responseObserver);
          break;
        case METHODID_SEND_MESSAGE:
          serviceImpl.sendMessage((dev.switchboard.v1.SendMessageRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.SendMessageResponse>) responseObserver);
          break;
        case METHODID_STOP_SESSION:
          serviceImpl.stopSession((dev.switchboard.v1.StopSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.StopSessionResponse>) responseObserver);
          break;
        case METHODID_RENAME_SESSION:
          serviceImpl.renameSession((dev.switchboard.v1.RenameSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.RenameSessionResponse>) responseObserver);
          break;
        case METHODID_DELETE_SESSION:
          serviceImpl.deleteSession((dev.switchboard.v1.DeleteSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.DeleteSessionResponse>) responseObserver);
          break;
        case METHODID_CREATE_API_KEY:
          serviceImpl.createApiKey((dev.switchboard.v1.CreateApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.CreateApiKeyResponse>) responseObserver);
          break;
        case METHODID_LIST_API_KEYS:
          serviceImpl.listApiKeys((dev.switchboard.v1.ListApiKeysRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.ListApiKeysResponse>) responseObserver);
          break;
        case METHODID_REVOKE_API_KEY:
          serviceImpl.revokeApiKey((dev.switchboard.v1.RevokeApiKeyRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.RevokeApiKeyResponse>) responseObserver);
          break;
        case METHODID_WATCH_SESSION:
          serviceImpl.watchSession((dev.switchboard.v1.WatchSessionRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchSessionResponse>) responseObserver);
          break;
        case METHODID_WATCH_INBOX:
          serviceImpl.watchInbox((dev.switchboard.v1.WatchInboxRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.WatchInboxResponse>) responseObserver);
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
          getListAgentsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ListAgentsRequest,
              dev.switchboard.v1.ListAgentsResponse>(
                service, METHODID_LIST_AGENTS)))
        .addMethod(
          getListSessionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ListSessionsRequest,
              dev.switchboard.v1.ListSessionsResponse>(
                service, METHODID_LIST_SESSIONS)))
        .addMethod(
          getGetSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.GetSessionRequest,
              dev.switchboard.v1.GetSessionResponse>(
                service, METHODID_GET_SESSION)))
        .addMethod(
          getListMessagesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ListMessagesRequest,
              dev.switchboard.v1.ListMessagesResponse>(
                service, METHODID_LIST_MESSAGES)))
        .addMethod(
          getGetDiffMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.GetDiffRequest,
              dev.switchboard.v1.GetDiffResponse>(
                service, METHODID_GET_DIFF)))
        .addMethod(
          getAnswerQuestionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.AnswerQuestionRequest,
              dev.switchboard.v1.AnswerQuestionResponse>(
                service, METHODID_ANSWER_QUESTION)))
        .addMethod(
          getSendMessageMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.SendMessageRequest,
              dev.switchboard.v1.SendMessageResponse>(
                service, METHODID_SEND_MESSAGE)))
        .addMethod(
          getStopSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.StopSessionRequest,
              dev.switchboard.v1.StopSessionResponse>(
                service, METHODID_STOP_SESSION)))
        .addMethod(
          getRenameSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.RenameSessionRequest,
              dev.switchboard.v1.RenameSessionResponse>(
                service, METHODID_RENAME_SESSION)))
        .addMethod(
          getDeleteSessionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.DeleteSessionRequest,
              dev.switchboard.v1.DeleteSessionResponse>(
                service, METHODID_DELETE_SESSION)))
        .addMethod(
          getCreateApiKeyMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.CreateApiKeyRequest,
              dev.switchboard.v1.CreateApiKeyResponse>(
                service, METHODID_CREATE_API_KEY)))
        .addMethod(
          getListApiKeysMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.ListApiKeysRequest,
              dev.switchboard.v1.ListApiKeysResponse>(
                service, METHODID_LIST_API_KEYS)))
        .addMethod(
          getRevokeApiKeyMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.RevokeApiKeyRequest,
              dev.switchboard.v1.RevokeApiKeyResponse>(
                service, METHODID_REVOKE_API_KEY)))
        .addMethod(
          getWatchSessionMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.switchboard.v1.WatchSessionRequest,
              dev.switchboard.v1.WatchSessionResponse>(
                service, METHODID_WATCH_SESSION)))
        .addMethod(
          getWatchInboxMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.switchboard.v1.WatchInboxRequest,
              dev.switchboard.v1.WatchInboxResponse>(
                service, METHODID_WATCH_INBOX)))
        .build();
  }

  private static abstract class DashboardServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    DashboardServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.switchboard.v1.DashboardServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("DashboardService");
    }
  }

  private static final class DashboardServiceFileDescriptorSupplier
      extends DashboardServiceBaseDescriptorSupplier {
    DashboardServiceFileDescriptorSupplier() {}
  }

  private static final class DashboardServiceMethodDescriptorSupplier
      extends DashboardServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    DashboardServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (DashboardServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new DashboardServiceFileDescriptorSupplier())
              .addMethod(getListAgentsMethod())
              .addMethod(getListSessionsMethod())
              .addMethod(getGetSessionMethod())
              .addMethod(getListMessagesMethod())
              .addMethod(getGetDiffMethod())
              .addMethod(getAnswerQuestionMethod())
              .addMethod(getSendMessageMethod())
              .addMethod(getStopSessionMethod())
              .addMethod(getRenameSessionMethod())
              .addMethod(getDeleteSessionMethod())
              .addMethod(getCreateApiKeyMethod())
              .addMethod(getListApiKeysMethod())
              .addMethod(getRevokeApiKeyMethod())
              .addMethod(getWatchSessionMethod())
              .addMethod(getWatchInboxMethod())
              .build();
        }
      }
    }
    return result;
  }
}
