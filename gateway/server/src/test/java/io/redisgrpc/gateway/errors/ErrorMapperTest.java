package io.redisgrpc.gateway.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorMapperTest {

  @ParameterizedTest
  @CsvSource({
    "'NOPERM this user has no permissions to access one of the keys', PERMISSION_DENIED, REDIS_NOPERM",
    "'OOM command not allowed when used memory > ''maxmemory''.', RESOURCE_EXHAUSTED, REDIS_OOM",
    "'WRONGTYPE Operation against a key holding the wrong kind of value', INVALID_ARGUMENT, WRONG_TYPE",
    "'ERR value is not an integer or out of range', INVALID_ARGUMENT, NOT_A_NUMBER",
    "'ERR hash value is not a float', INVALID_ARGUMENT, NOT_A_NUMBER",
    "'ERR increment or decrement would overflow', INVALID_ARGUMENT, NUMBER_OVERFLOW",
    "'ERR increment would produce NaN or Infinity', INVALID_ARGUMENT, NUMBER_OVERFLOW",
    "'CROSSSLOT Keys in request don''t hash to the same slot', INVALID_ARGUMENT, CROSS_SLOT",
    "'READONLY You can''t write against a read only replica.', UNAVAILABLE, REDIS_UNAVAILABLE",
    "'CLUSTERDOWN The cluster is down', UNAVAILABLE, REDIS_UNAVAILABLE",
    "'LOADING Redis is loading the dataset in memory', UNAVAILABLE, REDIS_UNAVAILABLE",
    "'ERR The user executing the script can''t access at least one of the keys mentioned in the command script: 1', PERMISSION_DENIED, REDIS_NOPERM",
    "'ERR something new', UNKNOWN, REDIS_ERROR",
  })
  void redisErrorRepliesMapByTheirCode(String reply, Status.Code code, ErrorReason reason) {
    com.google.rpc.Status status =
        ErrorMapper.toStatus(new CompletionException(new RedisCommandExecutionException(reply)));
    assertThat(status.getCode()).isEqualTo(code.value());
    assertThat(ErrorMapper.reasonOf(status)).isEqualTo(reason.name());
    assertThat(status.getMessage()).isNotBlank();
  }

  @Test
  void transportFailuresAndTimeouts() {
    assertThat(ErrorMapper.toStatus(new RedisConnectionException("refused")).getCode())
        .isEqualTo(Status.Code.UNAVAILABLE.value());
    assertThat(ErrorMapper.toStatus(new RedisCommandTimeoutException("1 s")).getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED.value());
  }

  @Test
  void unexpectedErrorsDoNotLeakInternals() {
    com.google.rpc.Status status =
        ErrorMapper.toStatus(new IllegalStateException("secret internal detail"));
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL.value());
    assertThat(status.getMessage()).doesNotContain("secret internal detail");
  }
}
