package io.redisgrpc.operator.testing;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * RedisGrpcCaches and the objects around them in one namespace of the test API server, as a user's
 * kubectl sees them: create, edit, wait for an object or a status.
 */
public final class CacheApi {
  private final KubernetesClient client;
  private final String namespace;
  private final Duration timeout;

  public CacheApi(KubernetesClient client, String namespace, Duration timeout) {
    this.client = client;
    this.namespace = namespace;
    this.timeout = timeout;
  }

  /** Creates a cache whose spec the test fills in (annotations start as an empty map). */
  public void create(String name, Consumer<RedisGrpcCacheSpec> spec) {
    RedisGrpcCache cache = new RedisGrpcCache();
    cache.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withAnnotations(new LinkedHashMap<>())
            .build());
    cache.setSpec(new RedisGrpcCacheSpec());
    spec.accept(cache.getSpec());
    client.resource(cache).create();
  }

  /**
   * Edits a cache the way {@code kubectl edit} does: the edit carries the version it read, so when
   * the operator wrote the status in between (409 Conflict), it reads again and re-applies the
   * change (client-go's RetryOnConflict). Any other error fails at once.
   */
  public void edit(String name, Consumer<RedisGrpcCache> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(RedisGrpcCache.class)
            .inNamespace(namespace)
            .withName(name)
            .edit(
                cache -> {
                  if (cache.getMetadata().getAnnotations() == null) {
                    cache.getMetadata().setAnnotations(new LinkedHashMap<>());
                  }
                  change.accept(cache);
                  return cache;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  public RedisGrpcCache get(String name) {
    return client.resources(RedisGrpcCache.class).inNamespace(namespace).withName(name).get();
  }

  /** Waits until the object exists. */
  public <T extends HasMetadata> T await(Class<T> type, String name) {
    return Awaitility.await(type.getSimpleName() + " " + name)
        .atMost(timeout)
        .until(
            () -> client.resources(type).inNamespace(namespace).withName(name).get(),
            Objects::nonNull);
  }

  /** Waits until the cache has conditions and they satisfy the test's condition. */
  public RedisGrpcCache awaitStatus(String name, Predicate<RedisGrpcCache> condition) {
    return Awaitility.await("status of " + name)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () -> get(name),
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().conditions != null
                    && condition.test(c));
  }

  /** The condition of that type; fails if the status has none. */
  public static Condition condition(RedisGrpcCache cache, String type) {
    return cache.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError("no condition " + type + " in " + cache.getStatus().conditions));
  }

  /** A Secret's data, decoded; fails if it does not exist. */
  public Map<String, String> secretData(String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new AssertionError("Secret " + namespace + "/" + name + " does not exist");
    }
    Map<String, String> data = new LinkedHashMap<>();
    secret
        .getData()
        .forEach(
            (k, v) ->
                data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return data;
  }
}
