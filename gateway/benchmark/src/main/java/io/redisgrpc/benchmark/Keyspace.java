package io.redisgrpc.benchmark;

import com.google.protobuf.ByteString;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.SetRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The keys every client uses, named like redis-benchmark's {@code -r} keys ({@code key:%012d}), so
 * all clients, redis-benchmark included, read the same pre-populated keys. Requests are built once
 * up front so the load generator spends as little CPU as possible per request.
 */
final class Keyspace {
  final int size;
  final byte[][] keys;
  final byte[] value;
  final GetRequest[] getRequests;
  final SetRequest[] setRequests;
  final Operation[] getOperations;
  final Operation[] setOperations;

  Keyspace(int keyCount, int valueSize) {
    this.size = valueSize;
    this.keys = new byte[keyCount][];
    this.value = new byte[valueSize];
    Arrays.fill(value, (byte) 'x');
    ByteString valueBytes = ByteString.copyFrom(value);
    this.getRequests = new GetRequest[keyCount];
    this.setRequests = new SetRequest[keyCount];
    this.getOperations = new Operation[keyCount];
    this.setOperations = new Operation[keyCount];
    for (int i = 0; i < keyCount; i++) {
      keys[i] = String.format("key:%012d", i).getBytes(StandardCharsets.US_ASCII);
      ByteString key = ByteString.copyFrom(keys[i]);
      getRequests[i] = GetRequest.newBuilder().setKey(key).build();
      setRequests[i] = SetRequest.newBuilder().setKey(key).setValue(valueBytes).build();
      getOperations[i] = Operation.newBuilder().setGet(getRequests[i]).build();
      setOperations[i] = Operation.newBuilder().setSet(setRequests[i]).build();
    }
  }

  int keyCount() {
    return keys.length;
  }

  int randomIndex() {
    return ThreadLocalRandom.current().nextInt(keys.length);
  }

  Operation randomOperation(Op op) {
    int i = randomIndex();
    return op == Op.GET ? getOperations[i] : setOperations[i];
  }
}
