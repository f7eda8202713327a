package io.redisgrpc.operator.redis.cluster;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.operator.redis.Endpoint;
import java.util.Collection;
import java.util.List;

/**
 * Moves one hash slot between two masters with Redis's own protocol, the one {@code redis-cli
 * --cluster reshard} uses, so clients keep working throughout (they are redirected with ASK while
 * the slot moves and with MOVED afterwards):
 *
 * <ol>
 *   <li>{@code CLUSTER SETSLOT s IMPORTING source} on the target, then {@code CLUSTER SETSLOT s
 *       MIGRATING target} on the source (in this order, so the source never sends ASK to a target
 *       that would refuse it);
 *   <li>{@code CLUSTER GETKEYSINSLOT} on the source and {@code MIGRATE ... KEYS} of that batch to
 *       the target, until the source has no key left in the slot;
 *   <li>{@code CLUSTER SETSLOT s NODE target} on the target (which bumps its config epoch), then on
 *       the source, then on every other master.
 * </ol>
 *
 * Every command may be repeated, so a slot left half-moved by a crash (or by a step that ran out of
 * time) is finished by calling {@link #finish} again with what the nodes report.
 */
final class SlotMigration {
  /** A node by its endpoint and cluster id. */
  record Node(Endpoint endpoint, String id) {}

  private final NodeConnections connections;
  private final ClusterFormation.Options options;

  SlotMigration(NodeConnections connections, ClusterFormation.Options options) {
    this.connections = connections;
    this.options = options;
  }

  /**
   * Moves (or finishes moving) {@code slot} from {@code source} to {@code target}.
   *
   * @param targetOwns the target already owns the slot (a crash after its SETSLOT NODE)
   * @param sourceMigrating the source already has the slot in MIGRATING state towards the target
   * @param targetImporting the target already has it in IMPORTING state from the source
   * @param otherMasters every other master that must learn the new owner
   * @param deadlineNanos {@link System#nanoTime()} after which no new batch starts; the slot is
   *     then left MIGRATING/IMPORTING for the next step to finish
   * @return true if the slot moved completely, false if stopped by the deadline
   */
  boolean finish(
      int slot,
      Node source,
      Node target,
      boolean targetOwns,
      boolean sourceMigrating,
      boolean targetImporting,
      Collection<Endpoint> otherMasters,
      long deadlineNanos) {
    RedisCommands<String, String> src = connections.to(source.endpoint());
    RedisCommands<String, String> dst = connections.to(target.endpoint());
    if (!targetOwns && !targetImporting) {
      dst.clusterSetSlotImporting(slot, source.id());
    }
    if (!sourceMigrating && !targetOwns) {
      src.clusterSetSlotMigrating(slot, target.id());
    }
    while (true) {
      List<String> keys = src.clusterGetKeysInSlot(slot, options.keysPerMigrate());
      if (keys.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadlineNanos) {
        return false;
      }
      MigrateArgs<String> args = MigrateArgs.Builder.keys(keys);
      if (options.migrateUser() != null) {
        args.auth2(options.migrateUser(), options.migratePassword());
      }
      src.migrate(
          target.endpoint().host(),
          target.endpoint().port(),
          0,
          options.migrateTimeout().toMillis(),
          args);
    }
    dst.clusterSetSlotNode(slot, target.id());
    src.clusterSetSlotNode(slot, target.id());
    for (Endpoint other : otherMasters) {
      try {
        connections.to(other).clusterSetSlotNode(slot, target.id());
      } catch (RedisException e) {
        // Gossip tells it anyway (the target's epoch is now the highest); this only speeds it up.
      }
    }
    return true;
  }

  /** Abandons a half-moved slot whose target is gone: the owner keeps it. */
  void rollBack(int slot, Endpoint node) {
    connections.to(node).clusterSetSlotStable(slot);
  }
}
