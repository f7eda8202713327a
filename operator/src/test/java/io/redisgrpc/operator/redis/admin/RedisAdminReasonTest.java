package io.redisgrpc.operator.redis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class RedisAdminReasonTest {

  @Test
  void aRefusedLoginNamesTheReplyLettuceKeepsInTheCause() {
    // What Lettuce throws when AUTH fails during connect: the reply is only in the cause.
    RedisConnectionException refused =
        new RedisConnectionException(
            "Unable to connect to 10.244.0.7/<unresolved>:6379",
            new RedisCommandExecutionException(
                "WRONGPASS invalid username-password pair or user is disabled."));
    assertThat(RedisAdmin.reason(refused))
        .isEqualTo(
            "Unable to connect to 10.244.0.7/<unresolved>:6379: WRONGPASS invalid username-password pair or user is disabled.");
  }

  @Test
  void aMessageThatSaysItAllIsLeftAlone() {
    assertThat(
            RedisAdmin.reason(
                new RedisCommandExecutionException("NOPERM this user has no permissions")))
        .isEqualTo("NOPERM this user has no permissions");
    RedisConnectionException repeated =
        new RedisConnectionException(
            "refused: Connection refused", new ConnectException("Connection refused"));
    assertThat(RedisAdmin.reason(repeated)).isEqualTo("refused: Connection refused");
  }
}
