package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redisgrpc.operator.redis.cluster.SlotBalance.Move;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlotBalanceTest {

  @Test
  void threeToFourMovesAQuarterOfTheSlotsToTheNewMasterFromEveryOldOne() {
    Map<String, BitSet> owned = formed(List.of("a", "b", "c"));
    List<Move> moves = SlotBalance.plan(owned, List.of("a", "b", "c", "d"));
    assertThat(moves).hasSize(4096).allMatch(m -> m.to().equals("d"));
    Map<String, Long> byDonor = new HashMap<>();
    moves.forEach(m -> byDonor.merge(m.from(), 1L, Long::sum));
    // 5462/5461/5461 -> 4096 each: every old master gives its surplus.
    assertThat(byDonor)
        .containsOnly(Map.entry("a", 1366L), Map.entry("b", 1365L), Map.entry("c", 1365L));
    Map<String, BitSet> after = apply(owned, moves);
    assertThat(sizes(after))
        .containsOnly(
            Map.entry("a", 4096), Map.entry("b", 4096), Map.entry("c", 4096), Map.entry("d", 4096));
    // Donors give their highest slots, so what they keep is one range starting where it did.
    assertThat(after.get("a").nextClearBit(0)).isEqualTo(4096);
    assertThat(SlotBalance.describe(moves))
        .containsExactly("4096-5461 a->d", "9558-10922 b->d", "15019-16383 c->d");
  }

  @Test
  void fourToThreeDrainsTheLeavingMasterOnlyAndEvenly() {
    Map<String, BitSet> owned =
        apply(
            formed(List.of("a", "b", "c")),
            SlotBalance.plan(formed(List.of("a", "b", "c")), List.of("a", "b", "c", "d")));
    List<Move> moves = SlotBalance.plan(owned, List.of("a", "b", "c"));
    assertThat(moves).hasSize(4096).allMatch(m -> m.from().equals("d"));
    Map<String, BitSet> after = apply(owned, moves);
    assertThat(after).doesNotContainKey("d");
    assertThat(sizes(after).values()).containsExactlyInAnyOrder(5462, 5461, 5461);
  }

  @Test
  void balancedClustersAndARepeatedPlanMoveNothing() {
    assertThat(SlotBalance.plan(formed(List.of("a", "b", "c")), List.of("a", "b", "c"))).isEmpty();
    // 5462 / 5461 / 5461 is balanced whichever master holds the extra slot.
    Map<String, BitSet> owned = formed(List.of("a", "b", "c"));
    assertThat(SlotBalance.plan(owned, List.of("c", "b", "a"))).isEmpty();
  }

  @Test
  void randomOwnershipsEndEvenWithTheLeastMovementAndNoSlotLost() {
    Random random = new Random(42);
    for (int round = 0; round < 300; round++) {
      int owners = 1 + random.nextInt(6);
      Map<String, BitSet> owned = new LinkedHashMap<>();
      for (int slot = 0; slot < ClusterPlan.SLOTS; slot++) {
        if (random.nextInt(20) == 0) {
          continue; // some slots unowned: never planned
        }
        owned.computeIfAbsent("n" + random.nextInt(owners), k -> new BitSet()).set(slot);
      }
      List<String> targets = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(7); i++) {
        targets.add("n" + random.nextInt(9));
      }
      targets = targets.stream().distinct().toList();
      List<Move> moves = SlotBalance.plan(owned, targets);

      BitSet before = new BitSet();
      owned.values().forEach(before::or);
      Map<String, BitSet> after = apply(owned, moves);
      BitSet union = new BitSet();
      after.values().forEach(union::or);
      assertThat(union).as("same slots owned").isEqualTo(before);
      assertThat(after.keySet()).as("only targets own slots").isSubsetOf(targets);
      int total = before.cardinality();
      List<Integer> targetSizes = new ArrayList<>();
      for (String t : targets) {
        targetSizes.add(after.containsKey(t) ? after.get(t).cardinality() : 0);
      }
      assertThat(
              targetSizes.stream().mapToInt(i -> i).max().orElseThrow()
                  - targetSizes.stream().mapToInt(i -> i).min().orElseThrow())
          .as("sizes within one")
          .isLessThanOrEqualTo(1);
      assertThat(moves)
          .as("every move comes from the slot's owner")
          .allMatch(m -> owned.get(m.from()).get(m.slot()));
      assertThat(moves.stream().map(Move::slot).distinct().count())
          .as("a slot moves at most once")
          .isEqualTo(moves.size());
      assertThat(moves.size()).as("minimal movement").isEqualTo(leastMoves(owned, targets, total));
      assertThat(SlotBalance.plan(after, targets)).as("stable once applied").isEmpty();
    }
  }

  @Test
  void rejectsNoTargetsAndDuplicates() {
    assertThatThrownBy(() -> SlotBalance.plan(formed(List.of("a")), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SlotBalance.plan(formed(List.of("a")), List.of("a", "a")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Independent lower bound by brute force: over every choice of which targets get the extra slot,
   * the least total surplus (slots that must leave their node).
   */
  private static int leastMoves(Map<String, BitSet> owned, List<String> targets, int total) {
    int n = targets.size();
    int extra = total % n;
    int best = Integer.MAX_VALUE;
    int nonTarget =
        owned.entrySet().stream()
            .filter(e -> !targets.contains(e.getKey()))
            .mapToInt(e -> e.getValue().cardinality())
            .sum();
    for (int mask = 0; mask < (1 << n); mask++) {
      if (Integer.bitCount(mask) != extra) {
        continue;
      }
      int moved = nonTarget;
      for (int i = 0; i < n; i++) {
        int quota = total / n + ((mask >> i & 1) == 1 ? 1 : 0);
        int has = owned.containsKey(targets.get(i)) ? owned.get(targets.get(i)).cardinality() : 0;
        moved += Math.max(0, has - quota);
      }
      best = Math.min(best, moved);
    }
    return best;
  }

  static Map<String, BitSet> formed(List<String> ids) {
    Map<String, BitSet> owned = new LinkedHashMap<>();
    List<SlotRange> split = ClusterPlan.evenSplit(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      BitSet slots = new BitSet();
      slots.set(split.get(i).from(), split.get(i).to() + 1);
      owned.put(ids.get(i), slots);
    }
    return owned;
  }

  static Map<String, BitSet> apply(Map<String, BitSet> owned, List<Move> moves) {
    Map<String, BitSet> after = new LinkedHashMap<>();
    owned.forEach((id, slots) -> after.put(id, (BitSet) slots.clone()));
    for (Move move : moves) {
      after.get(move.from()).clear(move.slot());
      after.computeIfAbsent(move.to(), k -> new BitSet()).set(move.slot());
    }
    after.values().removeIf(BitSet::isEmpty);
    return after;
  }

  private static Map<String, Integer> sizes(Map<String, BitSet> owned) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    owned.forEach((id, slots) -> sizes.put(id, slots.cardinality()));
    return sizes;
  }
}
