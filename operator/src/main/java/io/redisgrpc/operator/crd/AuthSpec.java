package io.redisgrpc.operator.crd;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

public class AuthSpec {
  @Size(max = 64)
  @ValidationRule(value = "self.all(c, self.filter(d, d.name == c.name).size() == 1)",
      message = "spec.auth.clients: each client name must be unique")
  @ValidationRule(value = "self.all(c, self.all(d, c.name == d.name || !c.keyPrefix.startsWith(d.keyPrefix)))",
      message = "spec.auth.clients: key prefixes must not overlap (no keyPrefix may start with another client's keyPrefix)")
  @ValidationRule(value = "self.all(c, self.all(d, c.name == d.name || !has(c.channelPrefix) || !has(d.channelPrefix) || !c.channelPrefix.startsWith(d.channelPrefix)))",
      message = "spec.auth.clients: channel prefixes must not overlap (no channelPrefix may start with another client's channelPrefix)")
  @JsonPropertyDescription("Applications allowed through the gateway, each with its own key space and Redis ACL user.")
  public List<ClientSpec> clients = new ArrayList<>();

  @io.fabric8.generator.annotation.Default("{}")
  public RotationSpec rotation = new RotationSpec();

  public static class ClientSpec {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @ValidationRule(value = "self != 'default'", message = "spec.auth.clients[].name must not be 'default': that is Redis' built-in user, which the operator disables")
    @Size(min = 1, max = 63)
    @JsonPropertyDescription("Client name (a DNS label); also its Redis ACL user name.")
    public String name;

    @Required
    @Size(min = 1, max = 128)
    @Pattern("^[^*?\\[\\]\\s]+$")
    @ValidationRule(value = "!self.matches('[{][^}]*[}]')",
        message = "spec.auth.clients[].keyPrefix must not contain a complete {hash tag}: it would put every key of the client in one cluster slot")
    @JsonPropertyDescription("Prefix added to every key of this client, e.g. 'orders:'. No glob characters, spaces or complete {hash tag}.")
    public String keyPrefix;

    @Size(min = 1, max = 128)
    @Pattern("^[^*?\\[\\]\\s]+$")
    @JsonPropertyDescription("Prefix added to every channel of this client, e.g. 'orders.'.")
    public String channelPrefix;

    @Required
    @Size(min = 1, max = 3)
    @ValidationRule(value = "self.all(p, self.filter(q, q == p).size() == 1)", message = "permissions must not repeat")
    public List<Permission> permissions = new ArrayList<>();
  }

  public enum Permission {
    @com.fasterxml.jackson.annotation.JsonProperty("read") READ,
    @com.fasterxml.jackson.annotation.JsonProperty("write") WRITE,
    @com.fasterxml.jackson.annotation.JsonProperty("pubsub") PUBSUB
  }

  public static class RotationSpec {
    @Default("720h")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$")
    @JsonPropertyDescription("How often every password rotates, as a Go duration (e.g. 720h).")
    public String interval = "720h";

    @Default("5m")
    @Pattern("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$")
    @JsonPropertyDescription("How long the old password stays valid after consumers switched.")
    public String gracePeriod = "5m";
  }
}
