package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The build fails while crds/ lags behind the Java model: regenerate with hack/update-crds.sh. */
class CrdUpToDateTest {
  @Test
  void committedCrdMatchesTheModel() throws Exception {
    String generated = Files.readString(Path.of("target/classes/META-INF/fabric8/redisgrpccaches.cache.redisgrpc.io-v1.yml"));
    String committed = Files.readString(Path.of("../crds/redisgrpccaches.cache.redisgrpc.io-v1.yml"));
    assertThat(committed)
        .as("crds/redisgrpccaches.cache.redisgrpc.io-v1.yml is stale: run hack/update-crds.sh and commit the result")
        .isEqualTo(generated);
  }
}
