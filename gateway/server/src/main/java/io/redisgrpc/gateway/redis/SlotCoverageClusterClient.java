package io.redisgrpc.gateway.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cluster client that, of the topology views it reads from the nodes, only adopts one that
 * assigns the most slots.
 *
 * <p>Why: a node that has just joined lists a master by its id for a moment (up to a second) before
 * it has heard which slots that master serves. Lettuce picks at random among the views that know
 * the same nodes, so it adopted that view now and then, and every call for the missing slots failed
 * with "Cannot determine a partition for slot" until the next refresh. A view that misses no slot
 * is at worst stale, which costs a MOVED redirect, not a call.
 */
public final class SlotCoverageClusterClient extends RedisClusterClient {
  SlotCoverageClusterClient(ClientResources resources, Iterable<RedisURI> seeds) {
    super(resources, seeds);
  }

  /** The gateway's cluster client; also what tests that play a cluster client application use. */
  public static RedisClusterClient create(ClientResources resources, Iterable<RedisURI> seeds) {
    return new SlotCoverageClusterClient(resources, seeds);
  }

  /** Lettuce's own choice (most known nodes), among the views with the most slots assigned. */
  @Override
  protected Partitions determinePartitions(Partitions current, Map<RedisURI, Partitions> views) {
    return super.determinePartitions(current, mostSlotsAssigned(views));
  }

  /** The views that assign the most slots (all of them if none does). */
  static Map<RedisURI, Partitions> mostSlotsAssigned(Map<RedisURI, Partitions> views) {
    Map<RedisURI, Integer> assigned = new LinkedHashMap<>();
    views.forEach((uri, view) -> assigned.put(uri, slotsAssigned(view)));
    int most = assigned.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    Map<RedisURI, Partitions> chosen = new LinkedHashMap<>();
    views.forEach(
        (uri, view) -> {
          if (assigned.get(uri) == most) {
            chosen.put(uri, view);
          }
        });
    return chosen;
  }

  /** How many slots some node of this view serves. */
  static int slotsAssigned(Partitions view) {
    BitSet assigned = new BitSet(SlotHash.SLOT_COUNT);
    for (RedisClusterNode node : view) {
      node.forEachSlot(assigned::set);
    }
    return assigned.cardinality();
  }
}
