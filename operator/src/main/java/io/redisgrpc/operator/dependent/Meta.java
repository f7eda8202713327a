package io.redisgrpc.operator.dependent;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.Map;

final class Meta {
  private Meta() {}

  static ObjectMeta of(RedisGrpcCache cache, String name, Map<String, String> labels) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cache.getMetadata().getNamespace())
        .withLabels(labels)
        .build();
  }
}
