package io.redisgrpc.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gateway's policy file (docs/security.md): who may call, as which client, over which key and
 * channel prefix, with which permissions. Pure; the same spec renders the same bytes.
 */
public final class GatewayPolicy {
  public static final String FILE = "policy.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private GatewayPolicy() {}

  /** The identity in the client certificate the operator issues for {@code client}. */
  public static String identity(RedisGrpcCache cache, String client) {
    return TlsNames.clientIdentity(cache, client);
  }

  public static String render(RedisGrpcCache cache) {
    List<Map<String, Object>> clients = new ArrayList<>();
    cache.getSpec().auth.clients.stream()
        .sorted(Comparator.comparing((ClientSpec c) -> c.name))
        .forEach(
            client -> {
              Map<String, Object> entry = new LinkedHashMap<>();
              entry.put("name", client.name);
              entry.put("identities", List.of(identity(cache, client.name)));
              entry.put("keyPrefix", client.keyPrefix);
              // The gateway needs one; a client without a channel prefix has no channels in its ACL
              // user anyway, and its key prefix is unique among the clients.
              entry.put(
                  "channelPrefix",
                  client.channelPrefix != null ? client.channelPrefix : client.keyPrefix);
              entry.put(
                  "permissions",
                  client.permissions.stream()
                      .map(p -> p.name().toLowerCase(Locale.ROOT))
                      .sorted()
                      .toList());
              clients.add(entry);
            });
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("version", 1);
    document.put("clients", clients);
    try {
      return JSON.writeValueAsString(document) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("policy could not be rendered", e);
    }
  }
}
