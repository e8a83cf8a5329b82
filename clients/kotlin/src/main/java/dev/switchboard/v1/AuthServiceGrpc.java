package dev.switchboard.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
 * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
 * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
 * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
 * presenting an already rotated token revokes its whole family (it was probably stolen).
 * </pre>
 */
@javax.annotation.Generated(
    value = "by gRPC proto compiler (version 1.68.1)",
    comments = "Source: switchboard/v1/auth_service.proto")
@io.grpc.stub.annotations.GrpcGenerated
public final class AuthServiceGrpc {

  private AuthServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "switchboard.v1.AuthService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.LoginRequest,
      dev.switchboard.v1.LoginResponse> getLoginMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Login",
      requestType = dev.switchboard.v1.LoginRequest.class,
      responseType = dev.switchboard.v1.LoginResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.LoginRequest,
      dev.switchboard.v1.LoginResponse> getLoginMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.LoginRequest, dev.switchboard.v1.LoginResponse> getLoginMethod;
    if ((getLoginMethod = AuthServiceGrpc.getLoginMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getLoginMethod = AuthServiceGrpc.getLoginMethod) == null) {
          AuthServiceGrpc.getLoginMethod = getLoginMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.LoginRequest, dev.switchboard.v1.LoginResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Login"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LoginRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LoginResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("Login"))
              .build();
        }
      }
    }
    return getLoginMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.RefreshRequest,
      dev.switchboard.v1.RefreshResponse> getRefreshMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Refresh",
      requestType = dev.switchboard.v1.RefreshRequest.class,
      responseType = dev.switchboard.v1.RefreshResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.RefreshRequest,
      dev.switchboard.v1.RefreshResponse> getRefreshMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.RefreshRequest, dev.switchboard.v1.RefreshResponse> getRefreshMethod;
    if ((getRefreshMethod = AuthServiceGrpc.getRefreshMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getRefreshMethod = AuthServiceGrpc.getRefreshMethod) == null) {
          AuthServiceGrpc.getRefreshMethod = getRefreshMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.RefreshRequest, dev.switchboard.v1.RefreshResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Refresh"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RefreshRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.RefreshResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("Refresh"))
              .build();
        }
      }
    }
    return getRefreshMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.switchboard.v1.LogoutRequest,
      dev.switchboard.v1.LogoutResponse> getLogoutMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Logout",
      requestType = dev.switchboard.v1.LogoutRequest.class,
      responseType = dev.switchboard.v1.LogoutResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.switchboard.v1.LogoutRequest,
      dev.switchboard.v1.LogoutResponse> getLogoutMethod() {
    io.grpc.MethodDescriptor<dev.switchboard.v1.LogoutRequest, dev.switchboard.v1.LogoutResponse> getLogoutMethod;
    if ((getLogoutMethod = AuthServiceGrpc.getLogoutMethod) == null) {
      synchronized (AuthServiceGrpc.class) {
        if ((getLogoutMethod = AuthServiceGrpc.getLogoutMethod) == null) {
          AuthServiceGrpc.getLogoutMethod = getLogoutMethod =
              io.grpc.MethodDescriptor.<dev.switchboard.v1.LogoutRequest, dev.switchboard.v1.LogoutResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Logout"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LogoutRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.switchboard.v1.LogoutResponse.getDefaultInstance()))
              .setSchemaDescriptor(new AuthServiceMethodDescriptorSupplier("Logout"))
              .build();
        }
      }
    }
    return getLogoutMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static AuthServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceStub>() {
        @java.lang.Override
        public AuthServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceStub(channel, callOptions);
        }
      };
    return AuthServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static AuthServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceBlockingStub>() {
        @java.lang.Override
        public AuthServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceBlockingStub(channel, callOptions);
        }
      };
    return AuthServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static AuthServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<AuthServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<AuthServiceFutureStub>() {
        @java.lang.Override
        public AuthServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new AuthServiceFutureStub(channel, callOptions);
        }
      };
    return AuthServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
   * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
   * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
   * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
   * presenting an already rotated token revokes its whole family (it was probably stolen).
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Exchanges email and password for tokens.
     * Errors: INVALID_ARGUMENT (empty or oversized email/password), UNAUTHENTICATED (unknown email
     * or wrong password, one message for both), RESOURCE_EXHAUSTED (too many failed attempts for
     * this email; retry after the delay in the message).
     * </pre>
     */
    default void login(dev.switchboard.v1.LoginRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LoginResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLoginMethod(), responseObserver);
    }

    /**
     * <pre>
     * Exchanges a refresh token for a new access token and a new refresh token; the presented one
     * stops working.
     * Errors: INVALID_ARGUMENT (empty token), UNAUTHENTICATED (unknown, expired, revoked or reused
     * token; reuse revokes every token of the family).
     * </pre>
     */
    default void refresh(dev.switchboard.v1.RefreshRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RefreshResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRefreshMethod(), responseObserver);
    }

    /**
     * <pre>
     * Revokes a refresh token (and so the sign-in it belongs to). Idempotent.
     * Errors: INVALID_ARGUMENT (empty token).
     * </pre>
     */
    default void logout(dev.switchboard.v1.LogoutRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LogoutResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getLogoutMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service AuthService.
   * <pre>
   * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
   * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
   * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
   * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
   * presenting an already rotated token revokes its whole family (it was probably stolen).
   * </pre>
   */
  public static abstract class AuthServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return AuthServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service AuthService.
   * <pre>
   * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
   * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
   * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
   * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
   * presenting an already rotated token revokes its whole family (it was probably stolen).
   * </pre>
   */
  public static final class AuthServiceStub
      extends io.grpc.stub.AbstractAsyncStub<AuthServiceStub> {
    private AuthServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Exchanges email and password for tokens.
     * Errors: INVALID_ARGUMENT (empty or oversized email/password), UNAUTHENTICATED (unknown email
     * or wrong password, one message for both), RESOURCE_EXHAUSTED (too many failed attempts for
     * this email; retry after the delay in the message).
     * </pre>
     */
    public void login(dev.switchboard.v1.LoginRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LoginResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLoginMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Exchanges a refresh token for a new access token and a new refresh token; the presented one
     * stops working.
     * Errors: INVALID_ARGUMENT (empty token), UNAUTHENTICATED (unknown, expired, revoked or reused
     * token; reuse revokes every token of the family).
     * </pre>
     */
    public void refresh(dev.switchboard.v1.RefreshRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.RefreshResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRefreshMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Revokes a refresh token (and so the sign-in it belongs to). Idempotent.
     * Errors: INVALID_ARGUMENT (empty token).
     * </pre>
     */
    public void logout(dev.switchboard.v1.LogoutRequest request,
        io.grpc.stub.StreamObserver<dev.switchboard.v1.LogoutResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getLogoutMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service AuthService.
   * <pre>
   * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
   * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
   * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
   * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
   * presenting an already rotated token revokes its whole family (it was probably stolen).
   * </pre>
   */
  public static final class AuthServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<AuthServiceBlockingStub> {
    private AuthServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Exchanges email and password for tokens.
     * Errors: INVALID_ARGUMENT (empty or oversized email/password), UNAUTHENTICATED (unknown email
     * or wrong password, one message for both), RESOURCE_EXHAUSTED (too many failed attempts for
     * this email; retry after the delay in the message).
     * </pre>
     */
    public dev.switchboard.v1.LoginResponse login(dev.switchboard.v1.LoginRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLoginMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Exchanges a refresh token for a new access token and a new refresh token; the presented one
     * stops working.
     * Errors: INVALID_ARGUMENT (empty token), UNAUTHENTICATED (unknown, expired, revoked or reused
     * token; reuse revokes every token of the family).
     * </pre>
     */
    public dev.switchboard.v1.RefreshResponse refresh(dev.switchboard.v1.RefreshRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRefreshMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Revokes a refresh token (and so the sign-in it belongs to). Idempotent.
     * Errors: INVALID_ARGUMENT (empty token).
     * </pre>
     */
    public dev.switchboard.v1.LogoutResponse logout(dev.switchboard.v1.LogoutRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getLogoutMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service AuthService.
   * <pre>
   * Sign-in for people (the web dashboard and mobile apps). Needs no credentials.
   * An access token is a short-lived JWT sent as `authorization: Bearer &lt;token&gt;` to
   * DashboardService. A refresh token is an opaque secret, stored by the server only as a SHA-256
   * hash, that gets a new pair of tokens. Refresh tokens rotate: each is good for one Refresh, and
   * presenting an already rotated token revokes its whole family (it was probably stolen).
   * </pre>
   */
  public static final class AuthServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<AuthServiceFutureStub> {
    private AuthServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected AuthServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new AuthServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Exchanges email and password for tokens.
     * Errors: INVALID_ARGUMENT (empty or oversized email/password), UNAUTHENTICATED (unknown email
     * or wrong password, one message for both), RESOURCE_EXHAUSTED (too many failed attempts for
     * this email; retry after the delay in the message).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.LoginResponse> login(
        dev.switchboard.v1.LoginRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLoginMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Exchanges a refresh token for a new access token and a new refresh token; the presented one
     * stops working.
     * Errors: INVALID_ARGUMENT (empty token), UNAUTHENTICATED (unknown, expired, revoked or reused
     * token; reuse revokes every token of the family).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.RefreshResponse> refresh(
        dev.switchboard.v1.RefreshRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRefreshMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Revokes a refresh token (and so the sign-in it belongs to). Idempotent.
     * Errors: INVALID_ARGUMENT (empty token).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.switchboard.v1.LogoutResponse> logout(
        dev.switchboard.v1.LogoutRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getLogoutMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_LOGIN = 0;
  private static final int METHODID_REFRESH = 1;
  private static final int METHODID_LOGOUT = 2;

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
        case METHODID_LOGIN:
          serviceImpl.login((dev.switchboard.v1.LoginRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.LoginResponse>) responseObserver);
          break;
        case METHODID_REFRESH:
          serviceImpl.refresh((dev.switchboard.v1.RefreshRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.RefreshResponse>) responseObserver);
          break;
        case METHODID_LOGOUT:
          serviceImpl.logout((dev.switchboard.v1.LogoutRequest) request,
              (io.grpc.stub.StreamObserver<dev.switchboard.v1.LogoutResponse>) responseObserver);
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
          getLoginMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.LoginRequest,
              dev.switchboard.v1.LoginResponse>(
                service, METHODID_LOGIN)))
        .addMethod(
          getRefreshMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.RefreshRequest,
              dev.switchboard.v1.RefreshResponse>(
                service, METHODID_REFRESH)))
        .addMethod(
          getLogoutMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.switchboard.v1.LogoutRequest,
              dev.switchboard.v1.LogoutResponse>(
                service, METHODID_LOGOUT)))
        .build();
  }

  private static abstract class AuthServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    AuthServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.switchboard.v1.AuthServiceProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("AuthService");
    }
  }

  private static final class AuthServiceFileDescriptorSupplier
      extends AuthServiceBaseDescriptorSupplier {
    AuthServiceFileDescriptorSupplier() {}
  }

  private static final class AuthServiceMethodDescriptorSupplier
      extends AuthServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    AuthServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (AuthServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new AuthServiceFileDescriptorSupplier())
              .addMethod(getLoginMethod())
              .addMethod(getRefreshMethod())
              .addMethod(getLogoutMethod())
              .build();
        }
      }
    }
    return result;
  }
}
