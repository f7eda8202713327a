package io.redisgrpc.operator.redis.acl;

import java.util.List;

/**
 * What a reconciliation changed (or, from {@link AclReconciler#diff}, would change) on one node.
 */
public record AclChanges(List<String> created, List<String> updated, List<String> deleted) {
  public AclChanges {
    created = List.copyOf(created);
    updated = List.copyOf(updated);
    deleted = List.copyOf(deleted);
  }

  public boolean isEmpty() {
    return created.isEmpty() && updated.isEmpty() && deleted.isEmpty();
  }
}
