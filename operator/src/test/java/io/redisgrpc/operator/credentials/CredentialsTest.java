package io.redisgrpc.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.operator.redis.acl.AclUser;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private static Supplier<String> passwords(String... values) {
    Iterator<String> next = List.of(values).iterator();
    return next::next;
  }

  @Test
  void usersFollowTheSpecKeepingExistingPasswords() {
    Credentials start = Credentials.fromData(Map.of("_operator", "op1", "gone", "x"));
    Credentials wanted = start.withUsers(Set.of("_operator", "orders"), passwords("o1"));
    assertThat(wanted.toData())
        .containsExactlyInAnyOrderEntriesOf(Map.of("_operator", "op1", "orders", "o1"));
  }

  @Test
  void aRotationAcceptsEveryPasswordSomeConsumerMayHold() {
    Credentials idle = Credentials.fromData(Map.of("_gateway", "g1"));
    Credentials prepared = idle.withPending(passwords("g2"));
    assertThat(prepared.toData())
        .containsEntry("_gateway", "g1")
        .containsEntry("_gateway.pending", "g2");
    assertThat(prepared.hashes().get("_gateway"))
        .containsExactlyInAnyOrder(AclUser.hashPassword("g1"), AclUser.hashPassword("g2"));
    assertThat(prepared.withPending(passwords()).toData())
        .as("prepare is idempotent")
        .isEqualTo(prepared.toData());

    Credentials switched = prepared.switchedToPending();
    assertThat(switched.current("_gateway")).isEqualTo("g2");
    assertThat(switched.toData())
        .containsEntry("_gateway.retiring", "g1")
        .doesNotContainKey("_gateway.pending");
    assertThat(switched.switchedToPending()).as("switch is idempotent").isEqualTo(switched);
    assertThat(switched.hashes().get("_gateway")).hasSize(2);

    Credentials retired = switched.retired();
    assertThat(retired.toData()).isEqualTo(Map.of("_gateway", "g2"));
    assertThat(retired.hashes().get("_gateway")).containsExactly(AclUser.hashPassword("g2"));
    assertThat(Credentials.fromData(retired.toData())).isEqualTo(retired);
  }

  @Test
  void theGatewayGetsOnlyItsOwnAndTheClientsCurrentPasswords() {
    Credentials all =
        Credentials.fromData(
            Map.of("_operator", "op", "_gateway", "g", "_gateway.pending", "g2", "orders", "o"));
    assertThat(all.currentOf(List.of("_gateway", "orders")))
        .isEqualTo(Map.of("_gateway", "g", "orders", "o"));
    assertThat(all.candidates("_gateway")).containsExactly("g", "g2");
  }
}
