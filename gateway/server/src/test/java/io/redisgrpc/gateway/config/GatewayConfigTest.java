package io.redisgrpc.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GatewayConfigTest {
  @TempDir Path dir;

  @Test
  void noConfigurationServesLocalRedisOnTheDefaultPort() {
    // Assumes the REDISGRPC_* variables are unset, as in CI.
    GatewayConfig config = GatewayConfig.parse();
    assertThat(config.port()).isEqualTo(50051);
    assertThat(config.redisMode()).isEqualTo(RedisMode.STANDALONE);
    assertThat(config.redisNodes())
        .containsExactly(new GatewayConfig.HostAndPort("localhost", 6379));
    assertThat(config.maxValueBytes()).isEqualTo(1_048_576);
  }

  @Test
  void flagsBeatTheFileAndTheFileBeatsDefaults() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("gateway.properties"),
            """
        redis-mode=cluster
        redis-nodes=10.0.0.1:7000,10.0.0.2:7000
        port=6000
        """);
    GatewayConfig config = GatewayConfig.parse("--config=" + file, "--port=7000");
    assertThat(config.redisMode()).isEqualTo(RedisMode.CLUSTER);
    assertThat(config.redisNodes()).hasSize(2);
    assertThat(config.port()).isEqualTo(7000);
  }

  @Test
  void badValuesAreRejectedWithTheOptionNamed() {
    assertThatThrownBy(() -> GatewayConfig.parse("--max-value-bytes=0"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--max-value-bytes");
    assertThatThrownBy(() -> GatewayConfig.parse("--redis-nodes=nohost"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--redis-nodes")
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> GatewayConfig.parse("--redis-nodes=h:99999"))
        .hasMessageContaining("1-65535");
    assertThatThrownBy(() -> GatewayConfig.parse("--redis-mode=galaxy"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("galaxy");
    assertThatThrownBy(() -> GatewayConfig.parse("--config=" + dir.resolve("missing.properties")))
        .hasMessageContaining("cannot read");
    assertThatThrownBy(() -> GatewayConfig.parse("--topology-refresh-ms=0"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--topology-refresh-ms must be greater than 0");
    assertThatThrownBy(() -> GatewayConfig.parse("--port=70000"))
        .hasMessageContaining("--port must be 0 (any free port) or 1-65535");
    assertThatThrownBy(() -> GatewayConfig.parse("--metrics-port=-2"))
        .hasMessageContaining("--metrics-port must be -1 (off)");
  }

  @Test
  void theMessageLimitFollowsARaisedValueLimit() {
    assertThat(GatewayConfig.parse().maxMessageBytes()).as("default").isEqualTo(16 << 20);
    // spec.gateway.limits.maxValueBytes: 64 MiB reaches the gateway as --max-value-bytes alone.
    GatewayConfig large = GatewayConfig.parse("--max-value-bytes=" + (64 << 20));
    assertThat(large.maxMessageBytes()).isEqualTo(2 * (64 << 20) + 4096 + 65536);
    assertThat(
            GatewayConfig.parse(
                    "--max-value-bytes=" + (64 << 20), "--max-message-bytes=" + (200 << 20))
                .maxMessageBytes())
        .as("an explicit limit that is large enough is kept")
        .isEqualTo(200 << 20);
  }

  @Test
  void aMessageLimitBelowTheValueLimitIsRefusedNamingBothFlags() {
    assertThatThrownBy(
            () ->
                GatewayConfig.parse(
                    "--max-value-bytes=" + (64 << 20), "--max-message-bytes=" + (16 << 20)))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--max-message-bytes=16777216")
        .hasMessageContaining("--max-value-bytes=67108864")
        .hasMessageContaining("at least " + (2L * (64 << 20) + 4096 + 65536));
    assertThatThrownBy(() -> GatewayConfig.parse("--max-message-bytes=1048576"))
        .as("the default value limit does not fit in 1 MiB messages")
        .hasMessageContaining("--max-value-bytes=1048576");
    assertThatThrownBy(() -> GatewayConfig.parse("--max-value-bytes=1500000000"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("2 GiB");
    assertThatThrownBy(() -> GatewayConfig.parse("--max-message-bytes=-1"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--max-message-bytes");
  }

  @Test
  void ipv6HostsParse() {
    assertThat(GatewayConfig.HostAndPort.parse("[::1]:6380"))
        .isEqualTo(new GatewayConfig.HostAndPort("::1", 6380));
  }
}
