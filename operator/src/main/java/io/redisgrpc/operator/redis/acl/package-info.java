/**
 * ACL users: pure rule rendering and the users.acl file, plus the commands that apply the
 * difference to a node.
 */
package io.redisgrpc.operator.redis.acl;
