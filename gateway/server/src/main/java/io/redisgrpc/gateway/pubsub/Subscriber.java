package io.redisgrpc.gateway.pubsub;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.redisgrpc.api.v1.Discontinuity;
import io.redisgrpc.api.v1.Heartbeat;
import io.redisgrpc.api.v1.Message;
import io.redisgrpc.api.v1.SubscribeEvent;
import io.redisgrpc.api.v1.Subscribed;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * One Subscribe stream with its bounded buffer.
 *
 * <p>Messages arrive on the Redis connection's thread and are only ever offered here, never waited
 * for: when the buffer is full the message is counted as missed (its sequence number is still
 * used), so neither a slow subscriber nor its gRPC flow control can stall the shared Redis
 * connection. The gap is then reported as one Discontinuity, in order, before the next message.
 * Sending happens only while the transport is ready ({@code isReady()}), so the gateway never
 * buffers more than {@code capacity} messages per subscriber.
 */
final class Subscriber {
  private final ServerCallStreamObserver<SubscribeEvent> stream;
  private final List<ByteString> channels;
  private final List<ByteString> patterns;
  private final List<ByteString> shownChannels;
  private final List<ByteString> shownPatterns;
  private final Map<ByteString, ByteString> shownPattern;
  private final UnaryOperator<ByteString> shownChannel;
  private final int capacity;
  private final LongConsumer droppedCounter;
  private final ArrayDeque<SubscribeEvent> buffer = new ArrayDeque<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private long lastSequence;
  private long missedFrom;
  private long missedCount;
  private boolean subscribed;
  private boolean sentSinceHeartbeat;
  private volatile boolean closed;

  /**
   * A subscriber whose channels and patterns may live in Redis under other names (a client's
   * prefix): {@code toRedisChannel}/{@code toRedisPattern} give the Redis names, and {@code
   * fromRedisChannel} turns a message's channel back into the client's name.
   */
  Subscriber(
      ServerCallStreamObserver<SubscribeEvent> stream,
      List<ByteString> channels,
      List<ByteString> patterns,
      UnaryOperator<ByteString> toRedisChannel,
      UnaryOperator<ByteString> toRedisPattern,
      UnaryOperator<ByteString> fromRedisChannel,
      int capacity,
      LongConsumer droppedCounter) {
    this.stream = stream;
    this.shownChannels = channels;
    this.shownPatterns = patterns;
    this.channels = channels.stream().map(toRedisChannel).toList();
    this.patterns = patterns.stream().map(toRedisPattern).toList();
    Map<ByteString, ByteString> shown = new HashMap<>();
    for (int i = 0; i < patterns.size(); i++) {
      shown.put(this.patterns.get(i), patterns.get(i));
    }
    this.shownPattern = Map.copyOf(shown);
    this.shownChannel = fromRedisChannel;
    this.capacity = capacity;
    this.droppedCounter = droppedCounter;
  }

  /** The channels as subscribed in Redis. */
  List<ByteString> channels() {
    return channels;
  }

  /** The patterns as subscribed in Redis. */
  List<ByteString> patterns() {
    return patterns;
  }

  /** Called once Redis has confirmed every channel and pattern. */
  void confirmSubscribed() {
    synchronized (this) {
      subscribed = true;
      buffer.addFirst(
          SubscribeEvent.newBuilder()
              .setSubscribed(
                  Subscribed.newBuilder()
                      .addAllChannels(shownChannels)
                      .addAllPatterns(shownPatterns))
              .build());
    }
    drain();
  }

  /** Never blocks. Drops (and counts) the message when the buffer is full. */
  void offer(ByteString channel, ByteString pattern, ByteString payload) {
    if (closed) {
      return;
    }
    synchronized (this) {
      long sequence = ++lastSequence;
      if (buffer.size() >= capacity) {
        if (missedCount == 0) {
          missedFrom = sequence;
        }
        missedCount++;
        droppedCounter.accept(1);
        return;
      }
      if (missedCount > 0) {
        buffer.add(takeGap());
      }
      Message.Builder message =
          Message.newBuilder()
              .setSequence(sequence)
              .setChannel(shownChannel.apply(channel))
              .setPayload(payload);
      if (pattern != null) {
        message.setPattern(shownPattern.getOrDefault(pattern, pattern));
      }
      buffer.add(SubscribeEvent.newBuilder().setMessage(message).build());
    }
    drain();
  }

  private SubscribeEvent takeGap() {
    SubscribeEvent gap =
        SubscribeEvent.newBuilder()
            .setDiscontinuity(
                Discontinuity.newBuilder()
                    .setFirstMissedSequence(missedFrom)
                    .setMissedCount(missedCount))
            .build();
    missedCount = 0;
    return gap;
  }

  /** Sends a heartbeat if nothing but heartbeats was sent since the previous call. */
  void heartbeat() {
    synchronized (this) {
      if (!subscribed || sentSinceHeartbeat || !buffer.isEmpty()) {
        sentSinceHeartbeat = false;
        return;
      }
      buffer.add(
          SubscribeEvent.newBuilder()
              .setHeartbeat(Heartbeat.newBuilder().setLastSequence(lastSequence))
              .build());
    }
    drain();
  }

  /** Writes buffered events while the transport accepts them; one thread at a time. */
  void drain() {
    while (!closed && draining.compareAndSet(false, true)) {
      try {
        while (!closed && stream.isReady()) {
          SubscribeEvent event;
          synchronized (this) {
            // Nothing goes out before the Subscribed event, which confirmSubscribed puts first.
            event = subscribed ? buffer.poll() : null;
            if (event == null && subscribed && missedCount > 0) {
              // The buffer has drained but the newest messages were dropped: announce that gap
              // now rather than waiting for a next message that may never come.
              event = takeGap();
            }
            if (event == null) {
              break;
            }
            // Only other events make a heartbeat unnecessary: counting the heartbeat itself
            // made every second tick skip, so an idle stream got one per two intervals.
            if (!event.hasHeartbeat()) {
              sentSinceHeartbeat = true;
            }
          }
          stream.onNext(event);
        }
      } finally {
        draining.set(false);
      }
      // Re-check: an event offered while we were finishing must not be left behind.
      synchronized (this) {
        if (!subscribed || (buffer.isEmpty() && missedCount == 0) || !stream.isReady()) {
          return;
        }
      }
    }
  }

  void close() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }
}
