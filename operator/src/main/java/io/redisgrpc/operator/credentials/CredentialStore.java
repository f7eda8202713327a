package io.redisgrpc.operator.credentials;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.Names;
import io.redisgrpc.operator.redis.acl.AclFile;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.operator.redis.rotation.RotationState;
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

/**
 * Reads and writes the cache's three credential Secrets (names and layout in docs/security.md):
 * <ul>
 *   <li>{@code <name>-credentials}: every password ({@link Credentials}) plus the rotation state as
 *       annotations. It is the source of truth and is written with optimistic locking, so a
 *       second writer (an operator that lost its lease late) fails instead of overwriting.</li>
 *   <li>{@code <name>-acl} and {@code <name>-gateway-credentials}: derived from the first by
 *       server-side apply; unchanged content is a no-op on the API server.</li>
 * </ul>
 */
public final class CredentialStore {
  /** Annotation on the cache: a new value requests a rotation now. */
  public static final String ROTATE_ANNOTATION = "cache.redisgrpc.io/rotate-credentials";
  /** Annotation on the credentials Secret: the last request value acted on. */
  static final String HANDLED_REQUEST = RotationState.PREFIX + "handled-request";
  static final String FIELD_MANAGER = "redis-grpc-operator";
  public static final String ACL_FILE_KEY = "users.acl";

  private final KubernetesClient client;

  public CredentialStore(KubernetesClient client) {
    this.client = client;
  }

  /** The credentials Secret as read, or what it would hold for a new cache. */
  public record Stored(Credentials credentials, RotationState rotation, String handledRequest, String resourceVersion) {
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
    Set<String> users = new LinkedHashSet<>(List.of(
        AclRules.OPERATOR, AclRules.REPLICATION, AclRules.SENTINEL, AclRules.EXPORTER, AclRules.GATEWAY));
    cache.getSpec().auth.clients.forEach(client -> users.add(client.name));
    return users;
  }

  /** The users whose passwords the gateway holds. */
  public static List<String> gatewayUsers(RedisGrpcCache cache) {
    List<String> users = new ArrayList<>(List.of(AclRules.GATEWAY));
    cache.getSpec().auth.clients.forEach(client -> users.add(client.name));
    return users;
  }

  public Stored load(RedisGrpcCache cache, Instant now, Duration interval) {
    Secret secret = client.secrets().inNamespace(cache.getMetadata().getNamespace()).withName(Names.credentials(cache)).get();
    if (secret == null) {
      return new Stored(new Credentials(Map.of()), RotationState.initial(now, interval), null, null);
    }
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    return new Stored(Credentials.fromData(decode(secret.getData())),
        RotationState.fromAnnotations(annotations, now, interval),
        annotations == null ? null : annotations.get(HANDLED_REQUEST),
        secret.getMetadata().getResourceVersion());
  }

  /**
   * Writes the credentials Secret: created when new, otherwise replaced only if the stored
   * resourceVersion is still current (a conflict throws; the reconciliation is retried and re-reads).
   * Returns the state as now stored.
   */
  public Stored save(RedisGrpcCache cache, Stored stored) {
    Map<String, String> annotations = new LinkedHashMap<>(stored.rotation().toAnnotations());
    if (stored.handledRequest() != null) {
      annotations.put(HANDLED_REQUEST, stored.handledRequest());
    }
    Secret secret = new SecretBuilder()
        .withMetadata(meta(cache, Names.credentials(cache)).withAnnotations(annotations).withResourceVersion(stored.resourceVersion()).build())
        .withType("Opaque")
        .withData(encode(stored.credentials().toData()))
        .build();
    var resource = client.secrets().inNamespace(cache.getMetadata().getNamespace()).resource(secret);
    Secret written = stored.exists() ? resource.update() : resource.create();
    return new Stored(stored.credentials(), stored.rotation(), stored.handledRequest(), written.getMetadata().getResourceVersion());
  }

  /** Writes the Secrets derived from the credentials: the ACL file and the gateway's passwords. */
  public void applyDerived(RedisGrpcCache cache, Credentials credentials) {
    List<ClientSpec> clients = cache.getSpec().auth.clients;
    String aclFile = AclFile.render(AclRules.desired(clients, credentials.hashes()));
    apply(cache, Names.aclSecret(cache), Map.of(ACL_FILE_KEY, aclFile));
    apply(cache, Names.gatewayCredentials(cache), credentials.currentOf(gatewayUsers(cache)));
  }

  private void apply(RedisGrpcCache cache, String name, Map<String, String> data) {
    Secret secret = new SecretBuilder()
        .withMetadata(meta(cache, name).build())
        .withType("Opaque")
        .withData(encode(data))
        .build();
    try {
      client.secrets().inNamespace(cache.getMetadata().getNamespace()).resource(secret)
          .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("could not write Secret " + name + ": " + e.getMessage(), e);
    }
  }

  private static ObjectMetaBuilder meta(RedisGrpcCache cache, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache))
        .withOwnerReferences(new OwnerReferenceBuilder()
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
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return encoded;
  }

  private static Map<String, String> decode(Map<String, String> data) {
    Map<String, String> decoded = new TreeMap<>();
    if (data != null) {
      data.forEach((k, v) -> decoded.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    return decoded;
  }
}
