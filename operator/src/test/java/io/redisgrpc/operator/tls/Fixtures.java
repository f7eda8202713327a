package io.redisgrpc.operator.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The fixed certificates in src/test/resources/tls (see the README there). */
final class Fixtures {
  private Fixtures() {}

  static String pem(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/tls/" + name + ".crt")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
