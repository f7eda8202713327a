package io.redisgrpc.operator.redis.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure planning of slot moves for scaling (no I/O): which slot goes from which master to which.
 *
 * <h2>Algorithm</h2>
 *
 * <ol>
 *   <li>Only owned slots are planned ({@code total} of them); unowned slots are formation's job.
 *   <li>Every target master gets a quota of {@code total / n} slots, and {@code total % n} of them
 *       one more. The extra slots go to the targets that hold the most slots now (ties: target
 *       order), which minimises what moves.
 *   <li>Donors: every owner that is not a target gives all its slots (a leaving master is drained);
 *       every target above its quota gives its surplus, taken from its highest slots so what it
 *       keeps stays contiguous.
 *   <li>Receivers: targets below quota, in target order, take donated slots in ascending order
 *       until they reach their quota, so each receives few contiguous ranges.
 * </ol>
 *
 * The number of moved slots is the sum of the surpluses, which is the least any plan can move for
 * an even result: a slot only moves off a node that must lose slots. After the plan, target sizes
 * differ by at most one and every owned slot is still owned. Applying the plan and planning again
 * yields no moves.
 */
public final class SlotBalance {
  private SlotBalance() {}

  /** One slot to move from one master (node id) to another. */
  public record Move(int slot, String from, String to) {}

  /**
   * @param owned slots per current owner id (leaving masters included)
   * @param targets ids of the masters the cluster should end with, in a stable order; may include
   *     empty new masters absent from {@code owned}
   * @return the moves, grouped by donor then receiver, slots ascending within a group
   */
  public static List<Move> plan(Map<String, BitSet> owned, List<String> targets) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("need at least one target master");
    }
    if (targets.stream().distinct().count() != targets.size()) {
      throw new IllegalArgumentException("duplicate target " + targets);
    }
    int total = owned.values().stream().mapToInt(BitSet::cardinality).sum();
    Map<String, Integer> quota = quotas(owned, targets, total);

    // Donated slots, per donor, in donor order (non-targets first: drain leaving masters early).
    List<Map.Entry<String, Integer>> donated = new ArrayList<>();
    List<String> donors = new ArrayList<>();
    owned.keySet().stream().filter(id -> !targets.contains(id)).forEach(donors::add);
    targets.stream().filter(owned::containsKey).forEach(donors::add);
    for (String donor : donors) {
      BitSet slots = owned.get(donor);
      int give =
          targets.contains(donor)
              ? Math.max(0, slots.cardinality() - quota.get(donor))
              : slots.cardinality();
      List<Integer> given = new ArrayList<>();
      for (int slot = slots.length() - 1;
          slot >= 0 && given.size() < give;
          slot = slots.previousSetBit(slot - 1)) {
        given.add(slot);
      }
      given.sort(Comparator.naturalOrder());
      given.forEach(slot -> donated.add(Map.entry(donor, slot)));
    }

    List<Move> moves = new ArrayList<>();
    int next = 0;
    for (String target : targets) {
      int has = owned.containsKey(target) ? owned.get(target).cardinality() : 0;
      for (int need = quota.get(target) - has; need > 0; need--) {
        Map.Entry<String, Integer> d = donated.get(next++);
        moves.add(new Move(d.getValue(), d.getKey(), target));
      }
    }
    if (next != donated.size()) {
      throw new IllegalStateException(
          "unbalanced plan: " + (donated.size() - next) + " donated slots left");
    }
    moves.sort(
        Comparator.comparing(Move::from).thenComparing(Move::to).thenComparingInt(Move::slot));
    return moves;
  }

  /**
   * Slots each target should end with: {@code total / n}, plus one for the largest current holders.
   */
  static Map<String, Integer> quotas(Map<String, BitSet> owned, List<String> targets, int total) {
    int n = targets.size();
    List<String> byHolding = new ArrayList<>(targets);
    byHolding.sort(
        Comparator.comparingInt(
            (String id) -> owned.containsKey(id) ? -owned.get(id).cardinality() : 0));
    Map<String, Integer> quota = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      quota.put(byHolding.get(i), total / n + (i < total % n ? 1 : 0));
    }
    return quota;
  }

  /** Moves summarised as contiguous ranges per (from, to), for logs and status. */
  public static List<String> describe(List<Move> moves) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < moves.size()) {
      Move first = moves.get(i);
      int j = i;
      while (j + 1 < moves.size()
          && moves.get(j + 1).from().equals(first.from())
          && moves.get(j + 1).to().equals(first.to())
          && moves.get(j + 1).slot() == moves.get(j).slot() + 1) {
        j++;
      }
      Move last = moves.get(j);
      out.add(
          (first.slot() == last.slot() ? "" + first.slot() : first.slot() + "-" + last.slot())
              + " "
              + abbreviate(first.from())
              + "->"
              + abbreviate(first.to()));
      i = j + 1;
    }
    return out;
  }

  static String abbreviate(String id) {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }
}
