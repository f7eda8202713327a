/**
 * The cache's credential Secrets: generated passwords per Redis user and client, read and written
 * through the API server.
 */
package io.redisgrpc.operator.credentials;
