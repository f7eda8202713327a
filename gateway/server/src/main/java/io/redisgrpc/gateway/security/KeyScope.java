package io.redisgrpc.gateway.security;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * Puts a client's key prefix in front of its keys so that Redis Cluster still hashes each key
 * the way the client meant. Pure: no I/O.
 *
 * <p>Redis hashes a key by its <em>hash tag</em>: the bytes between the first {@code {} and the
 * first {@code }} after it, if that is not empty; otherwise the whole key. Hence:
 * <ul>
 *   <li><b>Prefix without {@code {}</b> (the normal case, e.g. {@code orders:}): the stored key
 *       is {@code prefix + key}. Its first {@code {} is the key's own, so it has exactly the key's
 *       hash tag, and a key without a tag is hashed together with the prefix. Either way keys with
 *       the same tag share a slot and a tenant's other keys spread over all slots.</li>
 *   <li><b>Prefix with an unclosed {@code {}</b> (e.g. {@code team{a:}): the prefix' brace would
 *       swallow the start of every key. The stored key is {@code prefix + T + "}" + key}, where
 *       {@code T} is the key's own hash tag, or, for a key without one, the key up to its first
 *       {@code }}. Redis then hashes {@code (rest of prefix) + T}: the same tag gives the same
 *       slot, different keys spread. {@code T} contains no {@code }}, so the mapping stays
 *       one-to-one and keeps starting with the prefix (the ACL key pattern).</li>
 *   <li><b>Prefix with a complete {@code {...}}</b>: every key would hash by the prefix (one
 *       slot for the whole tenant) or, with {@code {}}, by the whole key (hash tags lost). No
 *       stored form that starts with the prefix avoids that, so such a prefix is refused.</li>
 * </ul>
 */
public final class KeyScope {
  private final ByteString prefix;
  private final boolean forwardTag;

  private KeyScope(ByteString prefix, boolean forwardTag) {
    this.prefix = prefix;
    this.forwardTag = forwardTag;
  }

  /**
   * @throws IllegalArgumentException for a prefix that would pin a tenant to one slot or lose hash
   *     tags
   */
  public static KeyScope of(String prefix) {
    ByteString bytes = ByteString.copyFrom(prefix, StandardCharsets.UTF_8);
    int open = indexOf(bytes, (byte) '{', 0);
    if (open < 0) {
      return new KeyScope(bytes, false);
    }
    if (indexOf(bytes, (byte) '}', open + 1) >= 0) {
      throw new IllegalArgumentException(
          "keyPrefix '"
              + prefix
              + "' contains a complete hash tag ({...}): Redis Cluster would"
              + " hash every key of the client by it (one slot for the whole client) or ignore the client's own hash tags;"
              + " remove the braces from the prefix");
    }
    return new KeyScope(bytes, true);
  }

  public ByteString prefix() {
    return prefix;
  }

  /** The most bytes scoping adds to a key of {@code maxKeyBytes}. */
  public int overhead(int maxKeyBytes) {
    return prefix.size() + (forwardTag ? maxKeyBytes + 1 : 0);
  }

  /** The key as stored in Redis. */
  public ByteString scope(ByteString key) {
    if (!forwardTag) {
      return prefix.concat(key);
    }
    ByteString tag = hashTag(key);
    if (tag == null) {
      int close = indexOf(key, (byte) '}', 0);
      tag = close < 0 ? key : key.substring(0, close);
    }
    return prefix.concat(tag).concat(CLOSE).concat(key);
  }

  private static final ByteString CLOSE = ByteString.copyFromUtf8("}");

  /**
   * The bytes Redis Cluster hashes when the key has a hash tag (between the first {@code {} and the
   * next {@code }}, not empty), or null when Redis hashes the whole key.
   */
  public static ByteString hashTag(ByteString key) {
    int open = indexOf(key, (byte) '{', 0);
    if (open < 0) {
      return null;
    }
    int close = indexOf(key, (byte) '}', open + 1);
    if (close < 0 || close == open + 1) {
      return null;
    }
    return key.substring(open + 1, close);
  }

  static int indexOf(ByteString bytes, byte b, int from) {
    for (int i = from; i < bytes.size(); i++) {
      if (bytes.byteAt(i) == b) {
        return i;
      }
    }
    return -1;
  }
}
