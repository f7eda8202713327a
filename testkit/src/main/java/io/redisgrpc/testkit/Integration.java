package io.redisgrpc.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class that starts real servers: redis-server or redis-sentinel processes, a kube-apiserver
 * with etcd, the cert-manager controller, or a gateway in front of them. Failsafe runs these in
 * {@code verify}; {@code ./mvnw test} runs only the tests without this tag, in seconds. Each
 * module's ArchitectureTest fails on a test that starts servers untagged.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(Integration.TAG)
public @interface Integration {
  String TAG = "integration";
}
