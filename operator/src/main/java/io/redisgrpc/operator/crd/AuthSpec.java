package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AuthSpec {
  @Size(max = 64)
  @ValidationRule(
      value = "self.all(c, self.filter(d, d.name == c.name).size() == 1)",
      message = "spec.auth.clients: each client name must be unique")
  @ValidationRule(
      value = "self.all(c, self.all(d, c.name == d.name || !c.keyPrefix.startsWith(d.keyPrefix)))",
      message =
          "spec.auth.clients: key prefixes must not overlap (no keyPrefix may start with another client's keyPrefix)")
  @ValidationRule(
      value =
          "self.all(c, self.all(d, c.name == d.name || !has(c.channelPrefix) || !has(d.channelPrefix) || !c.channelPrefix.startsWith(d.channelPrefix)))",
      message =
          "spec.auth.clients: channel prefixes must not overlap (no channelPrefix may start with another client's channelPrefix)")
  @JsonPropertyDescription(
      "Applications allowed through the gateway, each with its own key space and Redis ACL user.")
  public List<ClientSpec> clients = new ArrayList<>();

  @Default("{}")
  public RotationSpec rotation = new RotationSpec();

  public static class ClientSpec {
    @Required
    @ValidationRule(
        value = "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
        message =
            "spec.auth.clients[].name must be a DNS label such as orders-api: lowercase letters, digits and '-', starting and"
                + " ending with a letter or digit")
    @ValidationRule(
        value = "self != 'default'",
        message =
            "spec.auth.clients[].name must not be 'default': that is Redis' built-in user, which the operator disables")
    @Size(min = 1, max = 63)
    @JsonPropertyDescription("Client name (a DNS label); also its Redis ACL user name.")
    public String name;

    @Required
    @Size(min = 1, max = 128)
    @ValidationRule(
        value = "self.matches(r'^[^*?\\[\\]\\s]+$')",
        message =
            "spec.auth.clients[].keyPrefix must be a literal prefix such as 'orders:', without glob characters (* ? [ ]) or"
                + " whitespace")
    @ValidationRule(
        value = "!self.matches('[{][^}]*[}]')",
        message =
            "spec.auth.clients[].keyPrefix must not contain a complete {hash tag}: it would put every key of the client in one cluster slot")
    @JsonPropertyDescription(
        "Prefix added to every key of this client, e.g. 'orders:'. No glob characters, spaces or complete {hash tag}.")
    public String keyPrefix;

    @Size(min = 1, max = 128)
    @ValidationRule(
        value = "self.matches(r'^[^*?\\[\\]\\s]+$')",
        message =
            "spec.auth.clients[].channelPrefix must be a literal prefix such as 'orders.', without glob characters (* ? [ ])"
                + " or whitespace")
    @JsonPropertyDescription("Prefix added to every channel of this client, e.g. 'orders.'.")
    public String channelPrefix;

    @Required
    @Size(min = 1, max = 3)
    @ValidationRule(
        value = "self.all(p, self.filter(q, q == p).size() == 1)",
        message = "permissions must not repeat")
    public List<Permission> permissions = new ArrayList<>();
  }

  public enum Permission {
    @JsonProperty("read")
    READ,
    @JsonProperty("write")
    WRITE,
    @JsonProperty("pubsub")
    PUBSUB
  }

  @ValidationRule(
      value =
          "!has(self.interval) || !has(self.gracePeriod) || !self.interval.matches("
              + CelRules.GO_DURATION
              + ")"
              + " || !self.gracePeriod.matches("
              + CelRules.GO_DURATION
              + ") || duration(self.gracePeriod) <= duration(self.interval)",
      message =
          "spec.auth.rotation.gracePeriod must not exceed spec.auth.rotation.interval: an old password would stay valid for"
              + " longer than a password is meant to live; shorten gracePeriod (default 5m) or lengthen interval")
  public static class RotationSpec {
    @Default("720h")
    @Size(max = CelRules.GO_DURATION_MAX_LENGTH)
    @ValidationRule(
        value = "self.matches(" + CelRules.GO_DURATION + ") && duration(self) >= duration('1m')",
        message =
            "spec.auth.rotation.interval must be a Go duration of at least 1m, such as 720h (30 days) or 168h: "
                + CelRules.GO_DURATION_HINT)
    @JsonPropertyDescription("How often every password rotates, as a Go duration (e.g. 720h).")
    public String interval = "720h";

    @Default("5m")
    @Size(max = CelRules.GO_DURATION_MAX_LENGTH)
    @ValidationRule(
        value = "self.matches(" + CelRules.GO_DURATION + ")",
        message =
            "spec.auth.rotation.gracePeriod must be a Go duration such as 5m or 1h: "
                + CelRules.GO_DURATION_HINT)
    @JsonPropertyDescription("How long the old password stays valid after consumers switched.")
    public String gracePeriod = "5m";
  }
}
