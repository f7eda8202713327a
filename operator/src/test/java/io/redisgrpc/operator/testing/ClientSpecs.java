package io.redisgrpc.operator.testing;

import io.redisgrpc.operator.crd.AuthSpec.ClientSpec;
import io.redisgrpc.operator.crd.AuthSpec.Permission;
import java.util.ArrayList;
import java.util.List;

/** The clients of a cache's spec.auth.clients, as the tests declare them. */
public final class ClientSpecs {
  private ClientSpecs() {}

  /** A client with a key prefix and, if not null, a channel prefix. */
  public static ClientSpec client(
      String name, String keyPrefix, String channelPrefix, Permission... permissions) {
    ClientSpec client = new ClientSpec();
    client.name = name;
    client.keyPrefix = keyPrefix;
    client.channelPrefix = channelPrefix;
    client.permissions = new ArrayList<>(List.of(permissions));
    return client;
  }
}
