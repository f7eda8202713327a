package io.redisgrpc.operator.model;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;
import java.util.TreeMap;

/** Container resources: the user's, with requests filled in so every pod has them. */
public final class Resources {
  private Resources() {}

  public static ResourceRequirements withDefaults(
      ResourceRequirements given, String cpu, String memory) {
    Map<String, Quantity> limits =
        given == null || given.getLimits() == null
            ? new TreeMap<>()
            : new TreeMap<>(given.getLimits());
    Map<String, Quantity> requests =
        given == null || given.getRequests() == null
            ? new TreeMap<>()
            : new TreeMap<>(given.getRequests());
    // The API server would copy a limit into a missing request; do it here so the desired state is
    // complete.
    limits.forEach(requests::putIfAbsent);
    requests.putIfAbsent("cpu", new Quantity(cpu));
    requests.putIfAbsent("memory", new Quantity(memory));
    ResourceRequirementsBuilder builder = new ResourceRequirementsBuilder().withRequests(requests);
    if (!limits.isEmpty()) {
      builder.withLimits(limits);
    }
    return builder.build();
  }
}
