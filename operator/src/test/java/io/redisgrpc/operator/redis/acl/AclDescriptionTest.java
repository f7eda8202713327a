package io.redisgrpc.operator.redis.acl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ACL GETUSER replies, as RESP2 (flat list) and RESP3 (map), parse to the same description. */
class AclDescriptionTest {

  @Test
  void resp2AndResp3RepliesAreTheSameUser() {
    List<Object> resp2 =
        List.of(
            "flags",
            List.of("on", "sanitize-payload"),
            "passwords",
            List.of("ab"),
            "commands",
            "-@all +get",
            "keys",
            "~a:*",
            "channels",
            "",
            "selectors",
            List.of());
    Map<String, Object> resp3 = new LinkedHashMap<>();
    for (int i = 0; i < resp2.size(); i += 2) {
      resp3.put((String) resp2.get(i), resp2.get(i + 1));
    }
    AclDescription fromList = AclDescription.parse(resp2);
    assertThat(fromList.enabled()).isTrue();
    assertThat(AclDescription.parse(resp3)).isEqualTo(fromList);
  }

  @Test
  void onAndOffAreKeptApartFromTheOtherFlags() {
    AclDescription on =
        AclDescription.parse(
            List.of("flags", List.of("sanitize-payload", "on"), "commands", "-@all"));
    AclDescription off =
        AclDescription.parse(
            List.of("flags", List.of("off", "sanitize-payload"), "commands", "-@all"));
    assertThat(off.enabled()).isFalse();
    assertThat(off).isNotEqualTo(on);
    assertThat(off.withEnabled(true))
        .as("a disabled probe stands for the enabled user")
        .isEqualTo(on);
    AclDescription nopass =
        AclDescription.parse(
            List.of("flags", List.of("on", "nopass", "sanitize-payload"), "commands", "-@all"));
    assertThat(nopass).as("nopass set by hand is drift").isNotEqualTo(on);
  }

  @Test
  void derivedCommandRulesCompareByTheirTokensAfterTheBase() {
    assertThat(
            AclDescription.canonicalCommands(
                "-@all +latency|latest +ping +@connection +latency|histogram"))
        .isEqualTo("-@all +@connection +latency|histogram +latency|latest +ping");
    assertThat(
            AclDescription.canonicalCommands(
                "-@all +latency|histogram +latency|latest +ping +@connection"))
        .isEqualTo(
            AclDescription.canonicalCommands(
                "-@all +latency|latest +ping +@connection +latency|histogram"));
    assertThat(AclDescription.canonicalCommands("+@all -@dangerous"))
        .as("the base stays first: +@all and -@all are not interchangeable")
        .isNotEqualTo(AclDescription.canonicalCommands("-@dangerous +@all"));
  }
}
