package io.redisgrpc.operator.crd;

import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * CRD generation only ({@code @SchemaCustomizer(value = QuantityBounds.class, input = "field,...")}
 * on a spec class): bounds the quantities of the named fields, which the generator leaves
 * unbounded. The API server estimates an unbounded string or map at the request size limit and then
 * refuses the quantity rules (CelRules) as too expensive.
 *
 * <p>A field that is a quantity gets a maxLength; an embedded ResourceRequirements gets a
 * maxProperties on limits and requests and a maxLength on each of their quantities. 32 resource
 * names and 64 characters per quantity are far above any real container.
 */
public final class QuantityBounds implements SchemaCustomizer.Customizer {
  static final long MAX_RESOURCE_NAMES = 32;

  @Override
  public JSONSchemaProps apply(
      JSONSchemaProps schema, String input, KubernetesSerialization serialization) {
    for (String name : input.split(",")) {
      JSONSchemaProps field = schema.getProperties().get(name.trim());
      if (field == null) {
        throw new IllegalArgumentException("QuantityBounds: no field " + name + " to bound");
      }
      if (Boolean.TRUE.equals(field.getXKubernetesIntOrString())) {
        field.setMaxLength((long) CelRules.QUANTITY_MAX_LENGTH);
        continue;
      }
      for (String map : List.of("limits", "requests")) {
        JSONSchemaProps quantities =
            field.getProperties() == null ? null : field.getProperties().get(map);
        if (quantities == null
            || quantities.getAdditionalProperties() == null
            || quantities.getAdditionalProperties().getSchema() == null) {
          throw new IllegalArgumentException(
              "QuantityBounds: " + name + " is neither a quantity nor resource requirements");
        }
        quantities.setMaxProperties(MAX_RESOURCE_NAMES);
        quantities
            .getAdditionalProperties()
            .getSchema()
            .setMaxLength((long) CelRules.QUANTITY_MAX_LENGTH);
      }
    }
    return schema;
  }
}
