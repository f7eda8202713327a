package io.redisgrpc.operator.redis.acl;

import static io.redisgrpc.operator.testing.ClientSpecs.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.AuthSpec.Permission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rule sets as rendered (pure, no Redis). */
class AclRulesTest {
  static final String HASH = AclUser.hashPassword("secret");
  static final List<String> PASSWORD = List.of(HASH);
  static final String DENIED = "-@dangerous -@admin -scan -randomkey -dbsize -function";
  static final String CONNECTION =
      "+ping +info +asking +readonly +readwrite"
          + " +cluster|info +cluster|myid +cluster|nodes +cluster|shards +cluster|slots"
          + " +client|getname +client|id +client|setname";

  @Test
  void passwordsAreSha256HashesNeverPlaintext() {
    assertThat(HASH).isEqualTo("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
    assertThat(rendered(AclRules.operator(PASSWORD)))
        .contains("#" + HASH)
        .doesNotContain("secret")
        .doesNotContain(">");
    assertThatThrownBy(() -> AclRules.operator(List.of("secret")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 lowercase hex")
        .hasMessageNotContaining("secret'");
  }

  @Test
  void defaultUserIsDisabledWithNothing() {
    assertThat(rendered(AclRules.defaultUser())).isEqualTo("reset off resetchannels");
  }

  @Test
  void serviceUsers() {
    assertThat(rendered(AclRules.operator(PASSWORD)))
        .isEqualTo("reset on #" + HASH + " ~* resetchannels &* +@all");
    assertThat(rendered(AclRules.replication(PASSWORD)))
        .isEqualTo(
            "reset on #"
                + HASH
                + " resetchannels +psync +replconf +ping +cluster|info +info +role +cluster|failover +client|pause +client|unpause");
    assertThat(rendered(AclRules.sentinel(PASSWORD)))
        .isEqualTo(
            "reset on #"
                + HASH
                + " resetchannels &__sentinel__:hello"
                + " +multi +exec +slaveof +ping +info +role +subscribe +publish +config|rewrite +client|setname +client|kill +script|kill");
    assertThat(rendered(AclRules.exporter(PASSWORD)))
        .isEqualTo(
            "reset on #"
                + HASH
                + " resetchannels"
                + " +ping +info +client|setname +cluster|info +latency|latest +latency|histogram +slowlog|len")
        .as("CONFIG GET would hand out masterauth")
        .doesNotContain("config");
    assertThat(rendered(AclRules.gateway(PASSWORD)))
        .startsWith("reset on #" + HASH + " ~* resetchannels &* +@read +@write")
        .contains("-@dangerous", "-@admin", "-scan");
  }

  @Test
  void clientRulesFollowItsPermissions() {
    assertThat(rendered(clientUser(Permission.READ)))
        .isEqualTo(
            "reset on #" + HASH + " ~orders:* resetchannels +@read " + DENIED + " " + CONNECTION);
    assertThat(rendered(clientUser(Permission.WRITE)))
        .isEqualTo(
            "reset on #"
                + HASH
                + " ~orders:* resetchannels +@write +eval "
                + DENIED
                + " "
                + CONNECTION);
    assertThat(rendered(clientUser(Permission.PUBSUB)))
        .as("pub/sub only: channels, no keys")
        .isEqualTo(
            "reset on #"
                + HASH
                + " resetchannels &orders.* +@pubsub -pubsub "
                + DENIED
                + " "
                + CONNECTION);
    assertThat(rendered(clientUser(Permission.PUBSUB, Permission.WRITE, Permission.READ)))
        .as("order of permissions is irrelevant")
        .isEqualTo(
            "reset on #"
                + HASH
                + " ~orders:* resetchannels &orders.* +@read +@write +eval +@pubsub -pubsub "
                + DENIED
                + " "
                + CONNECTION);
  }

  @Test
  void channelsOnlyWithPubsubAndAChannelPrefix() {
    AclUser noPrefix =
        AclRules.client(client("a", "a:", null, Permission.PUBSUB, Permission.READ), PASSWORD);
    assertThat(noPrefix.channelPatterns()).isEmpty();
    assertThat(rendered(noPrefix)).contains("resetchannels").doesNotContain("&");
    AclUser noPubsub = AclRules.client(client("b", "b:", "b.", Permission.READ), PASSWORD);
    assertThat(noPubsub.channelPatterns()).isEmpty();
  }

  @Test
  void prefixesAreEscapedForRedisGlobs() {
    assertThat(AclRules.globEscape("a\\b*c?d[e]f:")).isEqualTo("a\\\\b\\*c\\?d\\[e\\]f:");
    assertThat(AclRules.globEscape("orders:")).isEqualTo("orders:");
    AclUser weird =
        AclRules.client(
            client("weird", "we\\ird:", "ch\\an.", Permission.READ, Permission.PUBSUB), PASSWORD);
    assertThat(weird.rules()).contains("~we\\\\ird:*", "&ch\\\\an.*");
  }

  @Test
  void refusesWhatRedisWouldMisreadOrWhatWouldCollide() {
    assertThatThrownBy(
            () -> AclRules.client(client("default", "d:", null, Permission.READ), PASSWORD))
        .hasMessageContaining("built-in");
    assertThatThrownBy(
            () -> AclRules.client(client("spaces", "a b:", null, Permission.READ), PASSWORD))
        .as("an ACL file line is split on spaces")
        .hasMessageContaining("whitespace");
    assertThatThrownBy(() -> AclRules.client(client("nl", "a\n", null, Permission.READ), PASSWORD))
        .hasMessageContaining("whitespace");
    assertThatThrownBy(() -> AclRules.desired(AclFixtures.CLIENTS, Map.of()))
        .hasMessageContaining("no password hash for ACL user " + AclRules.OPERATOR);
    Map<String, List<String>> hashes = new HashMap<>(AclFixtures.hashes());
    hashes.remove("orders");
    assertThatThrownBy(() -> AclRules.desired(AclFixtures.CLIENTS, hashes))
        .hasMessageContaining("ACL user orders");
    List<ClientSpec> twice = List.of(AclFixtures.CLIENTS.get(0), AclFixtures.CLIENTS.get(0));
    assertThatThrownBy(() -> AclRules.desired(twice, AclFixtures.hashes()))
        .hasMessageContaining("declared twice");
  }

  @Test
  void serviceUserNamesCannotCollideWithClientNames() {
    // Client names are DNS labels ([a-z0-9-]); service users start with '_'.
    assertThat(AclFixtures.SERVICE_USERS).allMatch(name -> name.startsWith("_"));
  }

  @Test
  void desiredUsersComeInApplyOrder() {
    List<String> names = AclFixtures.desired().stream().map(AclUser::name).toList();
    assertThat(names)
        .containsExactly(
            AclRules.OPERATOR,
            AclRules.REPLICATION,
            AclRules.SENTINEL,
            AclRules.EXPORTER,
            AclRules.GATEWAY,
            "events",
            "orders",
            "reports",
            "weird",
            AclRules.DEFAULT);
  }

  @Test
  void severalPasswordsAtOnceForRotation() {
    String next = AclUser.hashPassword("secret-2");
    AclUser user = AclRules.operator(List.of(next, HASH, next));
    assertThat(user.passwordHashes()).as("sorted, distinct").containsExactly(HASH, next);
  }

  @Test
  void aclFileIsDeterministicAndSorted() {
    List<AclUser> users = AclFixtures.desired();
    String file = AclFile.render(users);
    List<AclUser> shuffled = new ArrayList<>(users);
    Collections.shuffle(shuffled, new Random(7));
    assertThat(AclFile.render(shuffled)).as("same users, same bytes").isEqualTo(file);

    List<String> lines = file.lines().toList();
    assertThat(lines).hasSize(users.size()).isSorted().allMatch(line -> line.startsWith("user "));
    assertThat(file).endsWith("\n").doesNotContain("\r").doesNotContain("pw-");
    assertThat(lines).contains("user default reset off resetchannels");
    assertThat(lines.get(0))
        .startsWith(
            "user "
                + AclRules.EXPORTER
                + " reset on #"
                + AclUser.hashPassword(AclFixtures.password(AclRules.EXPORTER)));

    assertThatThrownBy(
            () -> AclFile.render(List.of(AclRules.defaultUser(), AclRules.defaultUser())))
        .hasMessageContaining("twice");
  }

  private static AclUser clientUser(Permission... permissions) {
    return AclRules.client(client("orders", "orders:", "orders.", permissions), PASSWORD);
  }

  private static String rendered(AclUser user) {
    return String.join(" ", user.rules());
  }
}
