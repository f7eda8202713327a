package io.redisgrpc.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScaleDownHoldTest {
  static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");
  final ScaleDownHold hold = new ScaleDownHold(Duration.ofSeconds(10));

  @Test
  void drainedPodsGoOnlyAfterStayingDrainedForTheWholeHold() {
    assertThat(hold.remaining("c1", true, T0)).contains(Duration.ofSeconds(10));
    assertThat(hold.remaining("c1", true, T0.plusSeconds(4))).contains(Duration.ofSeconds(6));
    assertThat(hold.remaining("c1", true, T0.plusSeconds(10))).isEmpty();
  }

  @Test
  void aRoundThatFindsThemNotDrainedStartsTheHoldAgain() {
    hold.remaining("c1", true, T0);
    assertThat(hold.remaining("c1", false, T0.plusSeconds(8))).isPresent();
    assertThat(hold.remaining("c1", true, T0.plusSeconds(9))).contains(Duration.ofSeconds(10));
    assertThat(hold.remaining("c1", true, T0.plusSeconds(19))).isEmpty();
  }

  @Test
  void cachesAreHeldEachOnItsOwn() {
    hold.remaining("c1", true, T0);
    assertThat(hold.remaining("c2", true, T0.plusSeconds(9))).contains(Duration.ofSeconds(10));
    assertThat(hold.remaining("c1", true, T0.plusSeconds(10))).isEqualTo(Optional.empty());
  }
}
