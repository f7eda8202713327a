package io.redisgrpc.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.OperatorException;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Errors that only mean the operator is stopping write no ReconcileError into status (seen in
 * ReconcilerTest: an operator closed mid-reconciliation wrote Degraded, and the next operator had
 * to write it back).
 */
class StoppingErrorsTest {

  @Test
  void interruptionsAndRejectedTasksAnywhereInTheChainMeanStopping() {
    assertThat(
            RedisGrpcCacheReconciler.stopping(
                new OperatorException(new RuntimeException(new InterruptedIOException()))))
        .isTrue();
    assertThat(
            RedisGrpcCacheReconciler.stopping(
                new RuntimeException(new RejectedExecutionException("executor shutting down"))))
        .isTrue();
    assertThat(
            RedisGrpcCacheReconciler.stopping(
                new AggregatedOperatorException(
                    "workflow",
                    Map.of("gateway-service", new RuntimeException(new InterruptedException())))))
        .isTrue();
  }

  @Test
  void realFailuresAreNotStopping() {
    assertThat(
            RedisGrpcCacheReconciler.stopping(
                new OperatorException(new IllegalStateException("quota exceeded"))))
        .isFalse();
    assertThat(
            RedisGrpcCacheReconciler.stopping(
                new AggregatedOperatorException(
                    "workflow", Map.of("redis-statefulset", new RuntimeException("forbidden")))))
        .isFalse();
  }
}
