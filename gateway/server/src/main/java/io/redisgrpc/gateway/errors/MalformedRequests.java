package io.redisgrpc.gateway.errors;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request whose bytes are not a valid protobuf message of the method's request type with
 * INVALID_ARGUMENT ({@code MALFORMED_REQUEST}), and leaves every other call alone.
 *
 * <p>grpc-java parses a request with the method's request marshaller inside the server call ({@code
 * ServerCallImpl}: for unary and server-streaming methods when the client half-closes, for client-
 * and bidi-streaming methods as each message arrives). The protobuf marshaller throws on bad bytes,
 * and grpc-java treats any exception there as an application bug: it closes the call with {@code
 * UNKNOWN: Application error processing RPC} and logs a SEVERE stack trace per call ({@code
 * ServerImpl.internalClose}, {@code SerializeReentrantCallsDirectExecutor}).
 *
 * <p>Here each method is registered with a request marshaller that does not throw: a message it
 * cannot parse becomes a {@link Malformed} marker, and the handler in front of the service closes
 * just that call with a readable status. The failure is counted in {@code redisgrpc_errors_total}
 * (code INVALID_ARGUMENT, reason MALFORMED_REQUEST) and logged as one line at most once a minute,
 * so no caller can flood the log. Interceptors added around the guarded definition see the marker
 * as the message (they only forward it) and the INVALID_ARGUMENT close.
 */
public final class MalformedRequests {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedRequests.class);
  private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final int MAX_DETAIL_CHARS = 200;

  /**
   * grpc-java's transport logs each oversized message with a stack trace; see {@link
   * #oversizedMessages}.
   */
  private static final java.util.logging.Logger TRANSPORT_LOG =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

  private static final String TOO_LARGE = "gRPC message exceeds maximum size";

  private final Failures failures;
  private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong unlogged = new AtomicLong();
  private final AtomicLong nextOversizedLogNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong oversizedUnlogged = new AtomicLong();

  public MalformedRequests(Failures failures) {
    this.failures = failures;
  }

  /**
   * Requests above the message limit: grpc-java's deframer refuses them with RESOURCE_EXHAUSTED
   * ("gRPC message exceeds maximum size N: M") before any service sees the call, and its Netty
   * transport logs each one as a WARNING with a stack trace, so any caller could flood the log.
   * That logger is set to SEVERE (it logs nothing else at WARNING); this tracer counts each such
   * call in {@code redisgrpc_errors_total} (RESOURCE_EXHAUSTED, MESSAGE_TOO_LARGE) and logs one
   * line at most once a minute.
   */
  public ServerStreamTracer.Factory oversizedMessages() {
    TRANSPORT_LOG.setLevel(Level.SEVERE);
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String method, Metadata headers) {
        return new ServerStreamTracer() {
          @Override
          public void streamClosed(Status status) {
            if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && status.getDescription() != null
                && status.getDescription().startsWith(TOO_LARGE)) {
              failures.status(
                  new GatewayException(
                      Status.Code.RESOURCE_EXHAUSTED,
                      ErrorReason.MESSAGE_TOO_LARGE,
                      status.getDescription()));
              if (due(nextOversizedLogNanos, oversizedUnlogged)) {
                LOG.warn(
                    "request on {} above the message limit refused RESOURCE_EXHAUSTED ({}); {} more since the last such line, all"
                        + " counted in redisgrpc_errors_total{reason=\"MESSAGE_TOO_LARGE\"}",
                    method,
                    status.getDescription(),
                    oversizedUnlogged.getAndSet(0));
              }
            }
          }
        };
      }
    };
  }

  /** True at most once per {@link #LOG_INTERVAL_NANOS}; otherwise counts what was not logged. */
  private static boolean due(AtomicLong nextLog, AtomicLong skipped) {
    long now = System.nanoTime();
    long next = nextLog.get();
    if (now - next < 0 || !nextLog.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
      skipped.incrementAndGet();
      return false;
    }
    return true;
  }

  /** What the lenient marshaller returns for bytes the real one refused. */
  private record Malformed(String description) {}

  /** The same service, with malformed requests answered INVALID_ARGUMENT instead of UNKNOWN. */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName())
            .setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(method);
      descriptor.addMethod(guarded.getMethodDescriptor());
      methods.add(guarded);
    }
    // The builder checks that each method is the very descriptor instance of the service
    // descriptor.
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  private <Q, R> ServerMethodDefinition<Object, R> guard(ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<Object, R> lenient =
        method.toBuilder(
                new LenientMarshaller<>(method.getRequestMarshaller(), typeName(method)),
                method.getResponseMarshaller())
            .build();
    ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
    return ServerMethodDefinition.create(
        lenient, (call, headers) -> new GuardedCall<>(call, method).start(handler, headers));
  }

  private static String typeName(MethodDescriptor<?, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller
        && marshaller.getMessagePrototype() instanceof Message prototype) {
      return prototype.getDescriptorForType().getFullName();
    }
    return "request of " + method.getFullMethodName();
  }

  private static final class LenientMarshaller<T> implements MethodDescriptor.Marshaller<Object> {
    private final MethodDescriptor.Marshaller<T> delegate;
    private final String typeName;

    LenientMarshaller(MethodDescriptor.Marshaller<T> delegate, String typeName) {
      this.delegate = delegate;
      this.typeName = typeName;
    }

    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return delegate.stream((T) value);
    }

    @Override
    public Object parse(InputStream stream) {
      try {
        return delegate.parse(stream);
      } catch (RuntimeException e) {
        // The protobuf marshaller throws INTERNAL "Invalid protobuf byte sequence" with the
        // parser's own explanation as the cause; that explanation is what the caller can use.
        return new Malformed("the request is not a valid " + typeName + ": " + parserMessage(e));
      }
    }

    private static String parserMessage(RuntimeException error) {
      for (Throwable cause = error; cause != null; cause = cause.getCause()) {
        if (cause instanceof InvalidProtocolBufferException && cause.getMessage() != null) {
          return cause.getMessage();
        }
      }
      String message =
          error instanceof StatusRuntimeException s
              ? s.getStatus().getDescription()
              : error.getMessage();
      return message == null ? error.getClass().getSimpleName() : message;
    }
  }

  /**
   * The call as the service sees it. Once a malformed message has closed the call, what the service
   * still sends (answers already in flight on a stream, its own close) is dropped: grpc-java
   * refuses a second close. The lock keeps that close apart from the service's sends, which may
   * come from another thread (a Redis reply) at the same moment.
   */
  private final class GuardedCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final Object lock = new Object();

    /** Written under the lock; read without it by the listener (transport thread). */
    private volatile boolean rejected;

    private boolean closedByService;

    @SuppressWarnings({"unchecked", "rawtypes"})
    GuardedCall(ServerCall<Object, R> call, MethodDescriptor<Q, R> method) {
      super((ServerCall) call);
      this.method = method;
    }

    ServerCall.Listener<Object> start(ServerCallHandler<Q, R> handler, Metadata headers) {
      ServerCall.Listener<Q> service = handler.startCall(this, headers);
      return new ServerCall.Listener<>() {
        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Object message) {
          if (message instanceof Malformed malformed) {
            reject(malformed);
          } else if (!isRejected()) {
            service.onMessage((Q) message);
          }
        }

        @Override
        public void onHalfClose() {
          if (!isRejected()) {
            service.onHalfClose();
          }
        }

        @Override
        public void onReady() {
          if (!isRejected()) {
            service.onReady();
          }
        }

        @Override
        public void onCancel() {
          service.onCancel();
        }

        @Override
        public void onComplete() {
          // A call closed here did not complete for the service: it must let go of it.
          if (isRejected()) {
            service.onCancel();
          } else {
            service.onComplete();
          }
        }
      };
    }

    private boolean isRejected() {
      return rejected;
    }

    private void reject(Malformed malformed) {
      synchronized (lock) {
        if (rejected || closedByService) {
          return;
        }
        rejected = true;
        StatusRuntimeException error =
            failures.exception(
                GatewayException.invalid(ErrorReason.MALFORMED_REQUEST, malformed.description()));
        super.close(
            error.getStatus(), error.getTrailers() == null ? new Metadata() : error.getTrailers());
      }
      logAtMostOncePerInterval(malformed);
    }

    private void logAtMostOncePerInterval(Malformed malformed) {
      if (!due(nextLogNanos, unlogged)) {
        return;
      }
      String detail = malformed.description();
      if (detail.length() > MAX_DETAIL_CHARS) {
        detail = detail.substring(0, MAX_DETAIL_CHARS) + "...";
      }
      LOG.warn(
          "malformed request on {} from {} answered INVALID_ARGUMENT ({}); {} more since the last such line, all counted in"
              + " redisgrpc_errors_total{reason=\"MALFORMED_REQUEST\"}",
          method.getFullMethodName(),
          getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
          detail,
          unlogged.getAndSet(0));
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      synchronized (lock) {
        if (!rejected) {
          super.sendHeaders(headers);
        }
      }
    }

    @Override
    public void sendMessage(R message) {
      synchronized (lock) {
        if (!rejected) {
          super.sendMessage(message);
        }
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      synchronized (lock) {
        if (!rejected) {
          closedByService = true;
          super.close(status, trailers);
        }
      }
    }
  }
}
