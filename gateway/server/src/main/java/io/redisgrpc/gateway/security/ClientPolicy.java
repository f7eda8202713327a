package io.redisgrpc.gateway.security;

import io.grpc.Status;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.GatewayException;
import java.util.List;
import java.util.Set;

/**
 * One declared client of the policy file: who it is, where its keys and channels live and what it
 * may do. {@code name} is also its Redis ACL user.
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

  /** Throws PERMISSION_DENIED unless the client holds every permission in {@code needed}. */
  public void authorize(Set<Permission> needed, String what) {
    for (Permission permission : needed) {
      if (!may(permission)) {
        throw new GatewayException(
            Status.Code.PERMISSION_DENIED,
            ErrorReason.NOT_PERMITTED,
            what
                + " needs the '"
                + permission.wireName()
                + "' permission, which client '"
                + name
                + "' does not have (it has "
                + permissions.stream().map(Permission::wireName).sorted().toList()
                + ")");
      }
    }
  }

  public String keyPrefix() {
    return keys.prefix().toStringUtf8();
  }

  public String channelPrefix() {
    return channels.prefix().toStringUtf8();
  }
}
