package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.model.GoDuration;
import io.redisgrpc.operator.model.Labels;
import io.redisgrpc.operator.model.TlsNames;
import io.redisgrpc.operator.tls.CaPhase;
import io.redisgrpc.operator.tls.CaRotationMachine;
import io.redisgrpc.operator.tls.CaRotationState;
import io.redisgrpc.operator.tls.CertificateModels;
import io.redisgrpc.operator.tls.Pem;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ConfigMap {@code <name>-trust-bundle} (key {@code ca.crt}): every CA certificate currently
 * trusted. With the operator-managed CA it also carries the CA rotation state (annotations), and
 * its desired state is the {@link CaRotationMachine}'s next step; with a user issuer it is the
 * union of the leaf Secrets' {@code ca.crt}.
 */
@KubernetesDependent(
    informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR_NAME))
public class TrustBundleDependent
    extends CRUDKubernetesDependentResource<ConfigMap, RedisGrpcCache> {
  private static final Clock CLOCK = Clock.systemUTC();

  public TrustBundleDependent() {
    super(ConfigMap.class);
  }

  @Override
  protected ConfigMap desired(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    Map<String, String> annotations = Map.of();
    String bundle;
    if (CertificateModels.operatorManagedCa(cache)) {
      CaRotationMachine.Decision decision = decide(cache, context);
      annotations = decision.state().toAnnotations();
      bundle = decision.bundle();
    } else {
      List<String> pems = new ArrayList<>();
      CertificateModels.leafNames(cache)
          .forEach(n -> secretData(context.getClient(), cache, n, "ca.crt").ifPresent(pems::add));
      bundle = Pem.bundle(pems);
    }
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(TlsNames.trustBundle(cache))
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(Labels.of(cache))
        .withAnnotations(annotations)
        .endMetadata()
        .withData(Map.of(TlsNames.TRUST_BUNDLE_KEY, bundle))
        .build();
  }

  /** The object is found by name; desired() (which reads Secrets) is not needed for that. */
  @Override
  protected ResourceID targetSecondaryResourceID(
      RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    return new ResourceID(TlsNames.trustBundle(cache), cache.getMetadata().getNamespace());
  }

  public static CaRotationMachine machine(RedisGrpcCache cache) {
    return new CaRotationMachine(CLOCK, trustPropagationDelay(cache));
  }

  static Duration trustPropagationDelay(RedisGrpcCache cache) {
    String text = cache.getSpec().tls == null ? null : cache.getSpec().tls.trustPropagationDelay;
    return text == null ? Duration.ofMinutes(2) : GoDuration.parse(text);
  }

  static CaRotationMachine.Decision decide(RedisGrpcCache cache, Context<RedisGrpcCache> context) {
    KubernetesClient client = context.getClient();
    CaRotationMachine machine = machine(cache);
    String token =
        cache.getMetadata().getAnnotations() == null
            ? null
            : cache.getMetadata().getAnnotations().get(TlsNames.ROTATE_CA_ANNOTATION);
    Optional<ConfigMap> stored = TlsState.trustBundle(cache, context);
    CaRotationState state =
        stored
            .map(c -> CaRotationState.fromAnnotations(c.getMetadata().getAnnotations()))
            .orElseGet(() -> machine.initial(token));
    Map<Integer, String> cas = new HashMap<>();
    for (int generation : List.of(state.generation(), state.generation() + 1)) {
      secretData(client, cache, TlsNames.caCertificate(cache, generation), "tls.crt")
          .ifPresent(pem -> cas.put(generation, pem));
    }
    Map<String, String> leaves = new LinkedHashMap<>();
    if (state.phase() == CaPhase.Reissue) {
      CertificateModels.leafNames(cache)
          .forEach(n -> leaves.put(n, secretData(client, cache, n, "tls.crt").orElse(null)));
    }
    String storedBundle =
        stored
            .map(c -> c.getData() == null ? null : c.getData().get(TlsNames.TRUST_BUNDLE_KEY))
            .orElse(null);
    return machine.next(
        state, new CaRotationMachine.Observations(token, cas, storedBundle, leaves));
  }

  private static Optional<String> secretData(
      KubernetesClient client, RedisGrpcCache cache, String name, String key) {
    Secret secret =
        client.secrets().inNamespace(cache.getMetadata().getNamespace()).withName(name).get();
    if (secret == null
        || secret.getData() == null
        || secret.getData().get(key) == null
        || secret.getData().get(key).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new String(
            Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII));
  }
}
