package io.redisgrpc.operator.crd;

public enum PersistenceMode {
  None,
  RDB,
  AOF,
  RDBAndAOF
}
