package io.redisgrpc.gateway.security;

import java.util.List;
import java.util.Set;

/**
 * One declared client of the policy file: who it is, where its keys and channels live and what
 * it may do. {@code name} is also its Redis ACL user.
 */
public record ClientPolicy(
    String name,
    List<String> identities,
    KeyScope keys,
    ChannelScope channels,
    Set<Permission> permissions) {

  public ClientPolicy {
    identities = List.copyOf(identities);
    permissions = Set.copyOf(permissions);
  }

  public boolean may(Permission permission) {
    return permissions.contains(permission);
  }

  public String keyPrefix() {
    return keys.prefix().toStringUtf8();
  }

  public String channelPrefix() {
    return channels.prefix().toStringUtf8();
  }
}
