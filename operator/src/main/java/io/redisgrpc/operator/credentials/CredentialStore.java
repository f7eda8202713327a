package io.redisgrpc.operator.credentials;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.credentials.rotation.RotationState;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.redis.acl.AclFile;
import io.redisgrpc.operator.redis.acl.AclRules;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads and writes the cache's three credential Secrets (names and layout in docs/security.md):
 *
 * <ul>
 *   <li>{@code <name>-credentials}: every password ({@link Credentials}) plus the rotation state as
 *       annotations. It is the source of truth and is written with optimistic locking, so a second
 *       writer (an operator that lost its lease late) fails instead of overwriting.
 *   <li>{@code <name>-acl} and {@code <name>-gateway-credentials}: derived from the first by
 *       server-side apply; unchanged content is a no-op on the API server.
 * </ul>
 */
public final class CredentialStore {
  /** Annotation on the cache: a new value requests a rotation now. */
  public static final String ROTATE_ANNOTATION = "cache.redisgrpc.io/rotate-credentials";

  /** Annotation on the credentials Secret: the last request value acted on. */
  static final String HANDLED_REQUEST = RotationState.PREFIX + "handled-request";

  static final String FIELD_MANAGER = "redis-grpc-operator";

  /**
   * Keeps a deleted credentials Secret readable until the operator has read it and written it
   * again; released when the cache itself is deleted.
   */
  public static final String KEEP_FINALIZER = "cache.redisgrpc.io/keep-credentials";

  public static final String ACL_FILE_KEY = "users.acl";

  private final KubernetesClient client;

  /** Per cache uid, the contents of a credentials Secret deleted by hand until written again. */
  private static final Map<String, Stored> RESTORING = new ConcurrentHashMap<>();

  public CredentialStore(KubernetesClient client) {
    this.client = client;
  }

  /** The credentials Secret as read, or what it would hold for a new cache. */
  public record Stored(
      Credentials credentials,
      RotationState rotation,
      String handledRequest,
      String resourceVersion) {
    public boolean exists() {
      return resourceVersion != null;
    }

    public Stored with(Credentials next) {
      return new Stored(next, rotation, handledRequest, resourceVersion);
    }

    public Stored with(RotationState next) {
      return new Stored(credentials, next, handledRequest, resourceVersion);
    }

    public Stored handling(String request) {
      return new Stored(credentials, rotation, request, resourceVersion);
    }
  }

  /** The Redis users a cache needs: the service users and one per declared client. */
  public static Set<String> users(RedisGrpcCache cache) {
    Set<String> users =
        new LinkedHashSet<>(
            List.of(
                AclRules.OPERATOR,
                AclRules.REPLICATION,
                AclRules.SENTINEL,
                AclRules.EXPORTER,
                AclRules.GATEWAY));
    cache.getSpec().auth.clients.forEach(client -> users.add(client.name));
    return users;
  }

  /** The users whose passwords the gateway holds. */
  public static List<String> gatewayUsers(RedisGrpcCache cache) {
    List<String> users = new ArrayList<>(List.of(AclRules.GATEWAY));
    cache.getSpec().auth.clients.forEach(client -> users.add(client.name));
    return users;
  }

  /**
   * What {@link #load} found.
   *
   * @param restored the Secret had been deleted by hand and was written again with the same
   *     passwords ({@link #KEEP_FINALIZER})
   */
  public record Loaded(Stored stored, boolean restored) {}

  public Loaded load(RedisGrpcCache cache, Instant now, Duration interval) {
    var resource =
        client
            .secrets()
            .inNamespace(cache.getMetadata().getNamespace())
            .withName(Names.credentials(cache));
    Secret secret = resource.get();
    String uid = cache.getMetadata().getUid();
    if (secret == null) {
      Stored deleted = uid == null ? null : RESTORING.get(uid);
      if (deleted != null) {
        // A restore that failed to write last time: the passwords were kept here meanwhile.
        Stored written = save(cache, deleted);
        RESTORING.remove(uid);
        return new Loaded(written, true);
      }
      return new Loaded(
          new Stored(new Credentials(Map.of()), RotationState.initial(now, interval), null, null),
          false);
    }
    Stored stored = parse(secret, now, interval);
    if (secret.getMetadata().getDeletionTimestamp() != null) {
      // Deleted by hand: Redis still knows only these passwords, and a new set would lock the
      // operator and every client out of the running pods. Let the deletion finish (the API
      // server removes the object once its last finalizer is gone), then write it again; the
      // passwords stay in memory until that write succeeded.
      Stored deleted =
          new Stored(stored.credentials(), stored.rotation(), stored.handledRequest(), null);
      if (uid != null) {
        RESTORING.put(uid, deleted);
      }
      resource.edit(s -> withoutFinalizer(s));
      Stored written = save(cache, deleted);
      if (uid != null) {
        RESTORING.remove(uid);
      }
      return new Loaded(written, true);
    }
    if (secret.getMetadata().getFinalizers() == null
        || !secret.getMetadata().getFinalizers().contains(KEEP_FINALIZER)) {
      // Written by a version without the finalizer: add it (optimistic lock; a conflict retries).
      Secret kept =
          resource.edit(
              s -> {
                s.getMetadata().getFinalizers().add(KEEP_FINALIZER);
                return s;
              });
      stored =
          new Stored(
              stored.credentials(),
              stored.rotation(),
              stored.handledRequest(),
              kept.getMetadata().getResourceVersion());
    }
    return new Loaded(stored, false);
  }

  /** Cache deletion: the credentials Secret may go with the cache (garbage collection). */
  public void release(RedisGrpcCache cache) {
    var resource =
        client
            .secrets()
            .inNamespace(cache.getMetadata().getNamespace())
            .withName(Names.credentials(cache));
    Secret secret = resource.get();
    if (secret != null
        && secret.getMetadata().getFinalizers() != null
        && secret.getMetadata().getFinalizers().contains(KEEP_FINALIZER)) {
      resource.edit(s -> withoutFinalizer(s));
    }
  }

  private static Secret withoutFinalizer(Secret secret) {
    secret.getMetadata().getFinalizers().remove(KEEP_FINALIZER);
    return secret;
  }

  private static Stored parse(Secret secret, Instant now, Duration interval) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    return new Stored(
        Credentials.fromData(decode(secret.getData())),
        RotationState.fromAnnotations(annotations, now, interval),
        annotations == null ? null : annotations.get(HANDLED_REQUEST),
        secret.getMetadata().getResourceVersion());
  }

  /**
   * Writes the credentials Secret: created when new, otherwise replaced only if the stored
   * resourceVersion is still current (a conflict throws; the reconciliation is retried and
   * re-reads). Returns the state as now stored.
   */
  public Stored save(RedisGrpcCache cache, Stored stored) {
    Map<String, String> annotations = new LinkedHashMap<>(stored.rotation().toAnnotations());
    if (stored.handledRequest() != null) {
      annotations.put(HANDLED_REQUEST, stored.handledRequest());
    }
    Secret secret =
        new SecretBuilder()
            .withMetadata(
                meta(cache, Names.credentials(cache))
                    .withAnnotations(annotations)
                    .withResourceVersion(stored.resourceVersion())
                    .withFinalizers(KEEP_FINALIZER)
                    .build())
            .withType("Opaque")
            .withData(encode(stored.credentials().toData()))
            .build();
    var resource =
        client.secrets().inNamespace(cache.getMetadata().getNamespace()).resource(secret);
    Secret written = stored.exists() ? resource.update() : resource.create();
    return new Stored(
        stored.credentials(),
        stored.rotation(),
        stored.handledRequest(),
        written.getMetadata().getResourceVersion());
  }

  /** Writes the Secrets derived from the credentials: the ACL file and the gateway's passwords. */
  public void applyDerived(RedisGrpcCache cache, Credentials credentials) {
    List<ClientSpec> clients = cache.getSpec().auth.clients;
    String aclFile = AclFile.render(AclRules.desired(clients, credentials.hashes()));
    apply(cache, Names.aclSecret(cache), Map.of(ACL_FILE_KEY, aclFile));
    apply(cache, Names.gatewayCredentials(cache), credentials.currentOf(gatewayUsers(cache)));
  }

  private void apply(RedisGrpcCache cache, String name, Map<String, String> data) {
    Secret secret =
        new SecretBuilder()
            .withMetadata(meta(cache, name).build())
            .withType("Opaque")
            .withData(encode(data))
            .build();
    try {
      client
          .secrets()
          .inNamespace(cache.getMetadata().getNamespace())
          .resource(secret)
          .fieldManager(FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("could not write Secret " + name + ": " + e.getMessage(), e);
    }
  }

  private static ObjectMetaBuilder meta(RedisGrpcCache cache, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(cache.getApiVersion())
                .withKind(cache.getKind())
                .withName(cache.getMetadata().getName())
                .withUid(cache.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build());
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> encoded = new TreeMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return encoded;
  }

  private static Map<String, String> decode(Map<String, String> data) {
    Map<String, String> decoded = new TreeMap<>();
    if (data != null) {
      data.forEach(
          (k, v) ->
              decoded.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return decoded;
  }
}
