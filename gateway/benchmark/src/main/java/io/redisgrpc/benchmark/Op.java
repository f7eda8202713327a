package io.redisgrpc.benchmark;

/** What is benchmarked: the Redis command and the value size in bytes. */
enum Op {
  GET,
  SET
}
