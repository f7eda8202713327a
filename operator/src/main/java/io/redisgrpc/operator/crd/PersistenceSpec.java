package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

@ValidationRule(
    value = "(oldSelf.mode == 'None') == (self.mode == 'None')",
    message =
        "spec.redis.persistence.mode cannot switch between None and a persistent mode on an existing cache: a StatefulSet's volume claims are immutable; create a new cache")
// Sizes are compared as quantities: the same size in another unit (2Gi as 2048Mi) is no change.
// A size that is not a quantity (only an object stored before the size rule can hold one) is
// compared as written.
@ValidationRule(
    value =
        "self.mode == 'None' || (isQuantity(string(self.size)) && isQuantity(string(oldSelf.size))"
            + " ? quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) == 0 : string(self.size) == string(oldSelf.size))",
    fieldPath = ".size",
    message =
        "spec.redis.persistence.size is immutable once volumes exist (the same size in another unit, such as 2Gi as 2048Mi, is"
            + " accepted): a StatefulSet's volume claims cannot be resized; keep the size or create a new cache")
@ValidationRule(
    value =
        "self.mode == 'None' || (has(self.storageClassName) == has(oldSelf.storageClassName)"
            + " && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName))",
    fieldPath = ".storageClassName",
    message =
        "spec.redis.persistence.storageClassName is immutable once volumes exist: a StatefulSet's volume claims cannot"
            + " change; keep it or create a new cache")
@SchemaCustomizer(value = QuantityBounds.class, input = "size")
public class PersistenceSpec {
  @Default("None")
  @JsonPropertyDescription("None (pure cache), RDB snapshots, AOF log, or RDBAndAOF.")
  public PersistenceMode mode = PersistenceMode.None;

  @Default("1Gi")
  @ValidationRule(
      value = CelRules.AT_LEAST_1MI,
      message =
          "spec.redis.persistence.size must be a quantity of at least 1Mi, such as 1Gi or 20Gi")
  @JsonPropertyDescription("Size of each pod's PersistentVolumeClaim when mode is not None.")
  public Quantity size = new Quantity("1Gi");

  @JsonPropertyDescription("StorageClass of the claims; the cluster default when empty.")
  public String storageClassName;

  @Default("{}")
  @JsonPropertyDescription(
      "What happens to the volume claims when the cache is deleted or shrinks (the StatefulSet's"
          + " persistentVolumeClaimRetentionPolicy).")
  public ClaimRetentionSpec claimRetention = new ClaimRetentionSpec();

  public static class ClaimRetentionSpec {
    @Default("Retain")
    @JsonPropertyDescription(
        "Retain (default): deleting the cache keeps its data; a cache created again with the same name"
            + " and persistence starts from it. Delete: the claims go with the cache.")
    public ClaimRetention whenDeleted = ClaimRetention.Retain;

    @Default("Delete")
    @JsonPropertyDescription(
        "Delete (default): the claims of pods removed by lowering shards, replicasPerShard or replicas go"
            + " with them; the operator has moved their slots and data off them first. Retain: they stay.")
    public ClaimRetention whenScaled = ClaimRetention.Delete;
  }

  public boolean enabled() {
    return mode != null && mode != PersistenceMode.None;
  }
}
