package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The build fails while crds/ (and the chart's copy) lags behind the Java model: regenerate with
 * hack/update-crds.sh.
 *
 * <p>The committed CRD is the generated one with one change: the printer columns in the order
 * RedisGrpcCache declares them (NAME MODE READY REDIS GATEWAY AGE). fabric8's generator sorts them
 * by JSON path (fabric8io/kubernetes-client#7454), which put AGE first and GATEWAY before REDIS in
 * `kubectl get rgc`.
 */
class CrdUpToDateTest {
  static final String FILE = "redisgrpccaches.cache.redisgrpc.io-v1.yml";
  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", FILE);
  static final List<Path> COMMITTED =
      List.of(Path.of("../crds", FILE), Path.of("../helm/redis-grpc-operator/crds", FILE));

  @Test
  void committedCrdMatchesTheModel() throws Exception {
    String expected = inDeclaredColumnOrder(Files.readString(GENERATED));
    for (Path committed : COMMITTED) {
      if (Boolean.getBoolean("crd.update")) {
        Files.writeString(committed, expected);
      }
      assertThat(Files.readString(committed))
          .as("%s is stale: run hack/update-crds.sh and commit the result", committed)
          .isEqualTo(expected);
    }
  }

  @Test
  void kubectlShowsTheColumnsInTheDeclaredOrder() throws Exception {
    List<String> names = new ArrayList<>();
    Matcher name =
        Pattern.compile("(?m)^      name: \"([^\"]+)\"$")
            .matcher(inDeclaredColumnOrder(Files.readString(GENERATED)));
    while (name.find()) {
      names.add(name.group(1));
    }
    assertThat(names)
        .containsExactly("Mode", "Ready", "Redis", "Gateway", "Endpoint", "Reason", "Age");
  }

  /**
   * Reorders the items of every additionalPrinterColumns list, keeping the generator's text as it
   * is.
   */
  static String inDeclaredColumnOrder(String crd) {
    List<String> declared =
        Arrays.stream(RedisGrpcCache.class.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    List<String> lines = crd.lines().toList();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      out.append(lines.get(i)).append('\n');
      if (!lines.get(i).equals("  - additionalPrinterColumns:")) {
        continue;
      }
      List<List<String>> items = new ArrayList<>();
      while (i + 1 < lines.size()
          && lines.get(i + 1).startsWith("    ")
          && (lines.get(i + 1).startsWith("    - ") || lines.get(i + 1).startsWith("      "))) {
        if (lines.get(++i).startsWith("    - ")) {
          items.add(new ArrayList<>());
        }
        items.get(items.size() - 1).add(lines.get(i));
      }
      items.sort(
          Comparator.comparingInt(
              item -> {
                String name =
                    item.stream()
                        .filter(l -> l.trim().startsWith("name: "))
                        .findFirst()
                        .orElseThrow()
                        .replaceAll(".*name: \"?([^\"]+)\"?$", "$1");
                int index = declared.indexOf(name);
                return index < 0 ? Integer.MAX_VALUE : index;
              }));
      items.forEach(item -> item.forEach(line -> out.append(line).append('\n')));
    }
    return out.toString();
  }
}
