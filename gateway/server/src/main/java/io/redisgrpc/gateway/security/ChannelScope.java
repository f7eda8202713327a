package io.redisgrpc.gateway.security;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/**
 * Puts a client's channel prefix in front of its channels and patterns, and takes it off again on
 * the way out. Pure: no I/O.
 *
 * <p>A pattern is {@code escape(prefix) + pattern}: every glob character of the prefix ({@code * ?
 * [ ] \}) is escaped with a backslash, so the prefix part only matches itself and Redis' glob
 * (anchored at both ends) can only match channels that start with the prefix, whatever the client's
 * own pattern is.
 */
public final class ChannelScope {
  private final ByteString prefix;
  private final ByteString escapedPrefix;

  public ChannelScope(String prefix) {
    this.prefix = ByteString.copyFrom(prefix, StandardCharsets.UTF_8);
    this.escapedPrefix = escapeGlob(this.prefix);
  }

  public ByteString prefix() {
    return prefix;
  }

  public ByteString channel(ByteString channel) {
    return prefix.concat(channel);
  }

  public ByteString pattern(ByteString pattern) {
    return escapedPrefix.concat(pattern);
  }

  /**
   * A channel as Redis reported it, without the prefix (it always carries it: see {@link
   * #pattern}).
   */
  public ByteString unscope(ByteString channel) {
    if (!channel.startsWith(prefix)) {
      throw new IllegalStateException(
          "channel outside the client's prefix reached its subscription");
    }
    return channel.substring(prefix.size());
  }

  /** The overhead that {@link #pattern} adds. */
  public int overhead() {
    return escapedPrefix.size();
  }

  /** Backslash-escapes the characters Redis' glob matcher treats specially. */
  public static ByteString escapeGlob(ByteString literal) {
    ByteString.Output out = ByteString.newOutput(literal.size() + 8);
    for (int i = 0; i < literal.size(); i++) {
      byte b = literal.byteAt(i);
      if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
        out.write('\\');
      }
      out.write(b);
    }
    return out.toByteString();
  }
}
