package io.redisgrpc.operator.redis.cluster;

/** An inclusive range of hash slots. */
public record SlotRange(int from, int to) {
  public SlotRange {
    if (from < 0 || to >= ClusterPlan.SLOTS || from > to) {
      throw new IllegalArgumentException("bad slot range " + from + "-" + to);
    }
  }

  public int size() {
    return to - from + 1;
  }

  @Override
  public String toString() {
    return from + "-" + to;
  }
}
