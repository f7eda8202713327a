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
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * docs/crd-reference.md is generated from the CRD's schema, so the reference cannot drift from the
 * model. `hack/update-crds.sh` rewrites it; this test fails while the committed copy is stale.
 */
class CrdReferenceTest {
  static final Path DOC = Path.of("../docs/crd-reference.md");

  /** Kubernetes core types embedded in the spec: documented upstream, not expanded here. */
  static final Set<String> UPSTREAM =
      Set.of(
          "resources", "affinity", "tolerations", "topologySpreadConstraints", "imagePullSecrets");

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
    try (InputStream in =
        Files.newInputStream(Path.of("../crds/redisgrpccaches.cache.redisgrpc.io-v1.yml"))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    JSONSchemaProps spec = root.getProperties().get("spec");
    StringBuilder out = new StringBuilder();
    out.append("# RedisGrpcCache reference\n\n")
        .append(
            "`apiVersion: cache.redisgrpc.io/v1alpha1`, `kind: RedisGrpcCache` (short name `rgc`), namespaced.\n\n")
        .append(
            "Generated from `crds/redisgrpccaches.cache.redisgrpc.io-v1.yml` by `hack/update-crds.sh`; do not edit by hand.\n")
        .append(
            "Fields of embedded Kubernetes types (`resources`, `affinity`, `tolerations`, `topologySpreadConstraints`,\n")
        .append("`imagePullSecrets`) follow the Kubernetes API reference.\n\n")
        .append("| field | type | default | constraints | description |\n|---|---|---|---|---|\n");
    List<String> rules = new ArrayList<>();
    addRules("", root, rules);
    walk("spec", spec, out, rules);
    out.append(
            "\n## Validation rules (CEL)\n\nThe API server rejects a resource that breaks one of these, with the message shown; where the\n")
        .append(
            "rule also has a messageExpression, its answer names the offending entry (such as `spec.redis.resources.limits.memory`).\n\n")
        .append("| field | rule | message |\n|---|---|---|\n");
    rules.forEach(out::append);
    refused(out);
    return out.toString();
  }

  /**
   * The section on broken manifests, from the cases CrdValidationTest applies to a real API server.
   */
  private static void refused(StringBuilder out) {
    out.append("\n## What is refused and why\n\n")
        .append(
            "Each manifest below is applied to a real API server by `CrdValidationTest`, which checks that the answer names\n")
        .append(
            "the field and contains the words shown. Answers of the rules above say what to write instead; answers of the\n")
        .append("schema (types, enums, bounds) are the API server's own.\n\n")
        .append(
            "| mistake | manifest | field named | the API server answers |\n|---|---|---|---|\n");
    for (CrdValidationTest.Refusal refusal : CrdValidationTest.REFUSED) {
      out.append("| ")
          .append(text(refusal.mistake()))
          .append(" | ")
          .append(manifest(refusal.name(), refusal.spec()))
          .append(" | `")
          .append(refusal.field())
          .append('`')
          .append(" | ")
          .append(text(refusal.answer()))
          .append(" |\n");
    }
    out.append("\n### Accepted on purpose\n\n")
        .append(
            "These look wrong but are harmless; `CrdValidationTest` checks that they are accepted.\n\n")
        .append("| what | manifest | why it is harmless |\n|---|---|---|\n");
    for (CrdValidationTest.Accepted accepted : CrdValidationTest.ACCEPTED) {
      out.append("| ")
          .append(text(accepted.what()))
          .append(" | ")
          .append(manifest(accepted.name(), accepted.spec()))
          .append(" | ")
          .append(text(accepted.why()))
          .append(" |\n");
    }
    out.append(
        "| a volume size rewritten in another unit | `size: 2Gi` changed to `size: 2048Mi` | sizes are compared as quantities,"
            + " so the same size is no change; the operator leaves the StatefulSet's volume claims as they are (ReconcilerTest) |\n");
  }

  private static String manifest(String name, String spec) {
    List<String> parts = new ArrayList<>();
    if (name != null) {
      parts.add("`metadata.name: " + name + "`");
    }
    parts.add(spec == null ? "no `spec`" : "`spec: " + cell(spec) + "`");
    return String.join(", ", parts);
  }

  /** Rules of one schema; a rule with a fieldPath is listed under the field it names. */
  private static void addRules(String path, JSONSchemaProps schema, List<String> rules) {
    if (schema.getXKubernetesValidations() == null) {
      return;
    }
    for (ValidationRule rule : schema.getXKubernetesValidations()) {
      String field = rule.getFieldPath() == null ? path : path + rule.getFieldPath();
      field = field.startsWith(".") ? field.substring(1) : field;
      rules.add(
          "| `"
              + (field.isEmpty() ? "(the resource)" : field)
              + "` | `"
              + cell(rule.getRule())
              + "` | "
              + text(rule.getMessage())
              + " |\n");
    }
  }

  private static void walk(
      String path, JSONSchemaProps schema, StringBuilder out, List<String> rules) {
    addRules(path, schema, rules);
    if (schema.getProperties() == null) {
      return;
    }
    for (Map.Entry<String, JSONSchemaProps> entry :
        new TreeMap<>(schema.getProperties()).entrySet()) {
      String name = entry.getKey();
      JSONSchemaProps field = entry.getValue();
      String fieldPath = path + "." + name;
      boolean required = schema.getRequired() != null && schema.getRequired().contains(name);
      out.append("| `")
          .append(fieldPath)
          .append("`")
          .append(required ? " (required)" : "")
          .append(" | ")
          .append(type(field))
          .append(" | ")
          .append(
              field.getDefault() == null || field.getDefault().isObject()
                  ? ""
                  : "`" + cell(field.getDefault().toString()) + "`")
          .append(" | ")
          .append(constraints(field))
          .append(" | ")
          .append(field.getDescription() == null ? "" : text(field.getDescription()))
          .append(" |\n");
      if (UPSTREAM.contains(name)) {
        // Not expanded, but the rules this CRD adds to it are listed.
        addRules(fieldPath, field, rules);
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
    if ("array".equals(field.getType())
        && field.getItems() != null
        && field.getItems().getSchema() != null) {
      return type(field.getItems().getSchema()) + "[]";
    }
    return field.getType() == null ? "object" : field.getType();
  }

  private static String constraints(JSONSchemaProps field) {
    List<String> parts = new ArrayList<>();
    if (field.getEnum() != null && !field.getEnum().isEmpty()) {
      parts.add(
          "one of "
              + String.join(
                  ", ", field.getEnum().stream().map(e -> "`" + e.asText() + "`").toList()));
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

  /** Prose in a table cell: a placeholder such as {@code <name>} would be taken for an HTML tag. */
  private static String text(String text) {
    return cell(text).replaceAll("<(?=[A-Za-z/])", "\\\\<");
  }

  /** Code (inside backticks) in a table cell. */
  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
