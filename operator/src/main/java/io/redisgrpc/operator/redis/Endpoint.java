package io.redisgrpc.operator.redis;

/**
 * A Redis pod, in either mode. {@code host} is what the operator connects to and what CLUSTER MEET
 * gets (Redis 7.0 needs an IP there); {@code kubernetesNode} places replicas, null if unknown.
 */
public record Endpoint(String host, int port, String kubernetesNode) {}
