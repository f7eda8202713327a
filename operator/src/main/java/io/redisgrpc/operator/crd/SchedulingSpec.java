package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class SchedulingSpec {
  @JsonPropertyDescription(
      "Pod affinity and anti-affinity. Without one, pods of a cache prefer different nodes.")
  public Affinity affinity;

  public List<Toleration> tolerations = new ArrayList<>();

  public List<TopologySpreadConstraint> topologySpreadConstraints = new ArrayList<>();

  public String priorityClassName;

  public Map<String, String> nodeSelector = new TreeMap<>();
}
