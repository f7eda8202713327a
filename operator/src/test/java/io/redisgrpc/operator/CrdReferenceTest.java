package io.redisgrpc.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/crd-reference.md is generated from the CRD's schema, so the reference cannot drift from
 * the model. `hack/update-crds.sh` rewrites it; this test fails while the committed copy is stale.
 */
class CrdReferenceTest {
  static final Path DOC = Path.of("../docs/crd-reference.md");
  /** Kubernetes core types embedded in the spec: documented upstream, not expanded here. */
  static final Set<String> UPSTREAM = Set.of("resources", "affinity", "tolerations", "topologySpreadConstraints", "imagePullSecrets");

  @Test
  void referenceMatchesTheCrd() throws Exception {
    String rendered = render();
    if (Boolean.getBoolean("crd.reference.update")) {
      Files.writeString(DOC, rendered);
    }
    assertThat(Files.exists(DOC) ? Files.readString(DOC) : "")
        .as("docs/crd-reference.md is stale: run hack/update-crds.sh and commit the result")
        .isEqualTo(rendered);
  }

  static String render() throws Exception {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(Path.of("../crds/redisgrpccaches.cache.redisgrpc.io-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    JSONSchemaProps spec = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    StringBuilder out = new StringBuilder();
    out.append("# RedisGrpcCache reference\n\n")
        .append("`apiVersion: cache.redisgrpc.io/v1alpha1`, `kind: RedisGrpcCache` (short name `rgc`), namespaced.\n\n")
        .append("Generated from `crds/redisgrpccaches.cache.redisgrpc.io-v1.yml` by `hack/update-crds.sh`; do not edit by hand.\n")
        .append("Fields of embedded Kubernetes types (`resources`, `affinity`, `tolerations`, `topologySpreadConstraints`,\n")
        .append("`imagePullSecrets`) follow the Kubernetes API reference.\n\n")
        .append("| field | type | default | constraints | description |\n|---|---|---|---|---|\n");
    List<String> rules = new ArrayList<>();
    walk("spec", spec, out, rules);
    out.append("\n## Cross-field rules (CEL)\n\nThe API server rejects a resource that breaks one of these, with the message shown.\n\n")
        .append("| field | rule | message |\n|---|---|---|\n");
    rules.forEach(out::append);
    return out.toString();
  }

  private static void walk(String path, JSONSchemaProps schema, StringBuilder out, List<String> rules) {
    if (schema.getXKubernetesValidations() != null) {
      for (ValidationRule rule : schema.getXKubernetesValidations()) {
        rules.add("| `" + path + "` | `" + cell(rule.getRule()) + "` | " + cell(rule.getMessage()) + " |\n");
      }
    }
    if (schema.getProperties() == null) {
      return;
    }
    for (Map.Entry<String, JSONSchemaProps> entry : new java.util.TreeMap<>(schema.getProperties()).entrySet()) {
      String name = entry.getKey();
      JSONSchemaProps field = entry.getValue();
      String fieldPath = path + "." + name;
      boolean required = schema.getRequired() != null && schema.getRequired().contains(name);
      out.append("| `").append(fieldPath).append("`").append(required ? " (required)" : "")
          .append(" | ").append(type(field))
          .append(" | ").append(field.getDefault() == null || field.getDefault().isObject() ? "" : "`" + cell(field.getDefault().toString()) + "`")
          .append(" | ").append(constraints(field))
          .append(" | ").append(field.getDescription() == null ? "" : cell(field.getDescription()))
          .append(" |\n");
      if (UPSTREAM.contains(name)) {
        continue;
      }
      walk(fieldPath, field, out, rules);
      if (field.getItems() != null && field.getItems().getSchema() != null) {
        walk(fieldPath + "[]", field.getItems().getSchema(), out, rules);
      }
    }
  }

  private static String type(JSONSchemaProps field) {
    if (Boolean.TRUE.equals(field.getXKubernetesIntOrString())) {
      return "quantity";
    }
    if ("array".equals(field.getType()) && field.getItems() != null && field.getItems().getSchema() != null) {
      return type(field.getItems().getSchema()) + "[]";
    }
    return field.getType() == null ? "object" : field.getType();
  }

  private static String constraints(JSONSchemaProps field) {
    List<String> parts = new ArrayList<>();
    if (field.getEnum() != null && !field.getEnum().isEmpty()) {
      parts.add("one of " + String.join(", ", field.getEnum().stream().map(e -> "`" + e.asText() + "`").toList()));
    }
    if (field.getMinimum() != null) {
      parts.add("≥ " + number(field.getMinimum()));
    }
    if (field.getMaximum() != null) {
      parts.add("≤ " + number(field.getMaximum()));
    }
    if (field.getMinLength() != null) {
      parts.add("length ≥ " + field.getMinLength());
    }
    if (field.getMaxLength() != null) {
      parts.add("length ≤ " + field.getMaxLength());
    }
    if (field.getMinItems() != null) {
      parts.add("items ≥ " + field.getMinItems());
    }
    if (field.getMaxItems() != null) {
      parts.add("items ≤ " + field.getMaxItems());
    }
    if (field.getPattern() != null) {
      parts.add("pattern `" + cell(field.getPattern()) + "`");
    }
    return String.join("; ", parts);
  }

  private static String number(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
