package io.redisgrpc.gateway.security;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The gateway policy ({@code --policy-file}, format in docs/security.md): declared clients by
 * identity. Parsing and validation are pure; a policy that fails validation is never used.
 *
 * <p>Rules beyond the JSON shape: {@code version} is 1; client names are unique, are valid file and
 * ACL user names and do not start with {@code _} (reserved for the system users); every identity
 * belongs to one client only; a client has at least one identity and one permission; key prefixes
 * (and channel prefixes) of two clients are either equal (deliberate sharing) or neither starts
 * with the other, since otherwise the client with the shorter prefix could reach the other's keys
 * by naming them without the common part.
 */
public final class Policy {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  /** Longest key or channel prefix, in bytes (bounds what scoping adds to a key). */
  public static final int MAX_PREFIX_BYTES = 1024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

  private final List<ClientPolicy> clients;
  private final Map<String, ClientPolicy> byIdentity;

  private Policy(List<ClientPolicy> clients) {
    this.clients = List.copyOf(clients);
    Map<String, ClientPolicy> map = new HashMap<>();
    clients.forEach(c -> c.identities().forEach(id -> map.put(id, c)));
    this.byIdentity = Map.copyOf(map);
  }

  /** The file's JSON form. */
  record Document(
      @JsonProperty(value = "version", required = true) Integer version,
      @JsonProperty(value = "clients", required = true) List<Client> clients) {
    @JsonCreator
    Document {}
  }

  record Client(
      @JsonProperty(value = "name", required = true) String name,
      @JsonProperty(value = "identities", required = true) List<String> identities,
      @JsonProperty(value = "keyPrefix", required = true) String keyPrefix,
      @JsonProperty(value = "channelPrefix", required = true) String channelPrefix,
      @JsonProperty(value = "permissions", required = true) List<Permission> permissions) {
    @JsonCreator
    Client {}
  }

  public static Policy parse(byte[] json) throws PolicyException {
    Document document;
    try {
      document = JSON.readValue(json, Document.class);
    } catch (JsonProcessingException e) {
      throw new PolicyException(
          "policy is not valid JSON of the documented shape: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new PolicyException("policy cannot be read: " + e.getMessage(), e);
    }
    return validate(document);
  }

  static Policy validate(Document document) throws PolicyException {
    if (document == null) {
      throw new PolicyException("policy is empty");
    }
    if (document.version() == null || document.version() != 1) {
      throw new PolicyException(
          "policy version "
              + document.version()
              + " is not supported; this gateway reads version 1");
    }
    if (document.clients() == null) {
      throw new PolicyException("policy has no \"clients\" list");
    }
    List<ClientPolicy> clients = new ArrayList<>();
    Map<String, String> identityOwner = new HashMap<>();
    Map<String, ClientPolicy> byName = new LinkedHashMap<>();
    for (Client client : document.clients()) {
      if (client == null) {
        throw new PolicyException("policy has an empty client entry");
      }
      String name = client.name();
      if (name == null || !NAME.matcher(name).matches()) {
        throw new PolicyException(
            "client name '"
                + name
                + "' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'");
      }
      if (byName.containsKey(name)) {
        throw new PolicyException("client '" + name + "' is declared twice");
      }
      if (client.identities() == null || client.identities().isEmpty()) {
        throw new PolicyException("client '" + name + "' has no identities");
      }
      for (String identity : client.identities()) {
        if (identity == null || identity.isBlank()) {
          throw new PolicyException("client '" + name + "' has an empty identity");
        }
        String owner = identityOwner.putIfAbsent(identity, name);
        if (owner != null && !owner.equals(name)) {
          throw new PolicyException(
              "identity '"
                  + identity
                  + "' is declared for both '"
                  + owner
                  + "' and '"
                  + name
                  + "'");
        }
      }
      if (client.permissions() == null
          || client.permissions().isEmpty()
          || client.permissions().contains(null)) {
        throw new PolicyException(
            "client '" + name + "' has no permissions; give some of read, write, pubsub");
      }
      if (client.keyPrefix() == null || client.channelPrefix() == null) {
        throw new PolicyException("client '" + name + "' needs keyPrefix and channelPrefix");
      }
      if (client.keyPrefix().getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES
          || client.channelPrefix().getBytes(StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES) {
        throw new PolicyException(
            "client '" + name + "': prefixes are limited to " + MAX_PREFIX_BYTES + " bytes");
      }
      KeyScope keys;
      try {
        keys = KeyScope.of(client.keyPrefix());
      } catch (IllegalArgumentException e) {
        throw new PolicyException("client '" + name + "': " + e.getMessage());
      }
      ClientPolicy policy =
          new ClientPolicy(
              name,
              client.identities().stream().distinct().toList(),
              keys,
              new ChannelScope(client.channelPrefix()),
              EnumSet.copyOf(client.permissions()));
      for (ClientPolicy other : byName.values()) {
        overlap("keyPrefix", policy.name(), policy.keyPrefix(), other.name(), other.keyPrefix());
        overlap(
            "channelPrefix",
            policy.name(),
            policy.channelPrefix(),
            other.name(),
            other.channelPrefix());
      }
      byName.put(name, policy);
      clients.add(policy);
    }
    return new Policy(clients);
  }

  private static void overlap(
      String what, String name, String prefix, String otherName, String otherPrefix)
      throws PolicyException {
    if (prefix.equals(otherPrefix)) {
      return;
    }
    if (prefix.startsWith(otherPrefix) || otherPrefix.startsWith(prefix)) {
      throw new PolicyException(
          what
              + " '"
              + prefix
              + "' of client '"
              + name
              + "' and '"
              + otherPrefix
              + "' of client '"
              + otherName
              + "' overlap: the client with the shorter prefix could reach the other's data; make them disjoint"
              + " (or equal, to share on purpose)");
    }
  }

  public List<ClientPolicy> clients() {
    return clients;
  }

  /**
   * The client of the first candidate identity some client declares (candidates in the order of
   * {@link CallerIdentity#candidates}), or empty when none is declared.
   */
  public Optional<ClientPolicy> resolve(List<String> candidates) {
    for (String candidate : candidates) {
      ClientPolicy client = byIdentity.get(candidate);
      if (client != null) {
        return Optional.of(client);
      }
    }
    return Optional.empty();
  }

  public Set<String> clientNames() {
    Set<String> names = new HashSet<>();
    clients.forEach(c -> names.add(c.name()));
    return names;
  }
}
