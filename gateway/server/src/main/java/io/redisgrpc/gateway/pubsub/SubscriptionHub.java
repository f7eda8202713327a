package io.redisgrpc.gateway.pubsub;

import com.google.protobuf.ByteString;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Supplier;

/**
 * Fans Redis pub/sub out to Subscribe streams over one shared Redis connection.
 *
 * <p>A channel or pattern is subscribed in Redis when its first local subscriber arrives and
 * unsubscribed when its last one leaves. The message path takes no lock: a lookup in a concurrent
 * map and a non-blocking {@link Subscriber#offer}. Lettuce re-subscribes everything by itself after
 * a reconnect.
 */
final class SubscriptionHub implements AutoCloseable {
  private final Supplier<StatefulRedisPubSubConnection<ByteString, ByteString>> connector;
  private final Map<ByteString, Set<Subscriber>> byChannel = new ConcurrentHashMap<>();
  private final Map<ByteString, Set<Subscriber>> byPattern = new ConcurrentHashMap<>();

  /** Redis' confirmation per channel/pattern; a later subscriber waits on the same one. */
  private final Map<ByteString, CompletableFuture<Void>> channelReady = new ConcurrentHashMap<>();

  private final Map<ByteString, CompletableFuture<Void>> patternReady = new ConcurrentHashMap<>();
  private StatefulRedisPubSubConnection<ByteString, ByteString> connection;

  SubscriptionHub(Supplier<StatefulRedisPubSubConnection<ByteString, ByteString>> connector) {
    this.connector = connector;
  }

  private RedisPubSubAsyncCommands<ByteString, ByteString> redis() {
    if (connection == null) {
      connection = connector.get();
      connection.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(ByteString channel, ByteString message) {
              deliver(byChannel.get(channel), channel, null, message);
            }

            @Override
            public void message(ByteString pattern, ByteString channel, ByteString message) {
              deliver(byPattern.get(pattern), channel, pattern, message);
            }
          });
    }
    return connection.async();
  }

  private static void deliver(
      Set<Subscriber> subscribers, ByteString channel, ByteString pattern, ByteString message) {
    if (subscribers != null) {
      for (Subscriber subscriber : subscribers) {
        subscriber.offer(channel, pattern, message);
      }
    }
  }

  /**
   * Registers the subscriber; the future completes when Redis has confirmed all its subscriptions.
   */
  synchronized CompletableFuture<Void> add(Subscriber subscriber) {
    RedisPubSubAsyncCommands<ByteString, ByteString> redis = redis();
    List<CompletableFuture<Void>> confirmations = new ArrayList<>();
    List<ByteString> newChannels = new ArrayList<>();
    for (ByteString channel : subscriber.channels()) {
      if (byChannel.computeIfAbsent(channel, c -> new CopyOnWriteArraySet<>()).add(subscriber)
          && byChannel.get(channel).size() == 1) {
        newChannels.add(channel);
      }
    }
    List<ByteString> newPatterns = new ArrayList<>();
    for (ByteString pattern : subscriber.patterns()) {
      if (byPattern.computeIfAbsent(pattern, p -> new CopyOnWriteArraySet<>()).add(subscriber)
          && byPattern.get(pattern).size() == 1) {
        newPatterns.add(pattern);
      }
    }
    if (!newChannels.isEmpty()) {
      CompletableFuture<Void> ready =
          redis.subscribe(newChannels.toArray(ByteString[]::new)).toCompletableFuture();
      newChannels.forEach(channel -> channelReady.put(channel, ready));
    }
    if (!newPatterns.isEmpty()) {
      CompletableFuture<Void> ready =
          redis.psubscribe(newPatterns.toArray(ByteString[]::new)).toCompletableFuture();
      newPatterns.forEach(pattern -> patternReady.put(pattern, ready));
    }
    subscriber.channels().forEach(channel -> confirmations.add(channelReady.get(channel)));
    subscriber.patterns().forEach(pattern -> confirmations.add(patternReady.get(pattern)));
    return CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new));
  }

  synchronized void remove(Subscriber subscriber) {
    List<ByteString> goneChannels = new ArrayList<>();
    for (ByteString channel : subscriber.channels()) {
      Set<Subscriber> set = byChannel.get(channel);
      if (set != null && set.remove(subscriber) && set.isEmpty()) {
        byChannel.remove(channel);
        channelReady.remove(channel);
        goneChannels.add(channel);
      }
    }
    List<ByteString> gonePatterns = new ArrayList<>();
    for (ByteString pattern : subscriber.patterns()) {
      Set<Subscriber> set = byPattern.get(pattern);
      if (set != null && set.remove(subscriber) && set.isEmpty()) {
        byPattern.remove(pattern);
        patternReady.remove(pattern);
        gonePatterns.add(pattern);
      }
    }
    if (connection != null && !goneChannels.isEmpty()) {
      connection.async().unsubscribe(goneChannels.toArray(ByteString[]::new));
    }
    if (connection != null && !gonePatterns.isEmpty()) {
      connection.async().punsubscribe(gonePatterns.toArray(ByteString[]::new));
    }
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
