package io.redisgrpc.operator.crd;

/** What happens to a Redis pod's PersistentVolumeClaim (the StatefulSet's retention policy). */
public enum ClaimRetention {
  Retain,
  Delete
}
