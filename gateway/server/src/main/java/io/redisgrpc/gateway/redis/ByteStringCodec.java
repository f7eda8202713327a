package io.redisgrpc.gateway.redis;

import com.google.protobuf.ByteString;
import io.lettuce.core.codec.RedisCodec;
import java.nio.ByteBuffer;

/**
 * Keys and values as protobuf {@link ByteString}s, so bytes go from the gRPC message to the Redis
 * socket without a detour through byte[] (encoding is a read-only view, decoding is one copy).
 */
public final class ByteStringCodec implements RedisCodec<ByteString, ByteString> {
  public static final ByteStringCodec INSTANCE = new ByteStringCodec();

  private ByteStringCodec() {}

  @Override
  public ByteString decodeKey(ByteBuffer bytes) {
    return ByteString.copyFrom(bytes);
  }

  @Override
  public ByteString decodeValue(ByteBuffer bytes) {
    return ByteString.copyFrom(bytes);
  }

  @Override
  public ByteBuffer encodeKey(ByteString key) {
    return key.asReadOnlyByteBuffer();
  }

  @Override
  public ByteBuffer encodeValue(ByteString value) {
    return value.asReadOnlyByteBuffer();
  }
}
