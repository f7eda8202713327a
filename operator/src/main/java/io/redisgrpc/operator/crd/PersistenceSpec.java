package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.Quantity;

public class PersistenceSpec {
  @Default("None")
  @JsonPropertyDescription("None (pure cache), RDB snapshots, AOF log, or RDBAndAOF.")
  public PersistenceMode mode = PersistenceMode.None;

  @Default("1Gi")
  @JsonPropertyDescription("Size of each pod's PersistentVolumeClaim when mode is not None.")
  public Quantity size = new Quantity("1Gi");

  @JsonPropertyDescription("StorageClass of the claims; the cluster default when empty.")
  public String storageClassName;

  public boolean enabled() {
    return mode != null && mode != PersistenceMode.None;
  }
}
