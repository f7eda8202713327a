package io.redisgrpc.operator.tls;

import static io.redisgrpc.operator.tls.Fixtures.pem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {
  @Test
  void bundleKeepsEachCertificateOnceInOrderAndIgnoresGarbage() {
    String bundle = Pem.bundle(List.of(pem("ca1"), "not a certificate", pem("ca2") + pem("ca1")));
    assertThat(Pem.certificates(bundle)).hasSize(2);
    assertThat(Pem.fingerprints(bundle))
        .containsExactly(Pem.fingerprints(pem("ca1")).get(0), Pem.fingerprints(pem("ca2")).get(0));
    assertThat(Pem.bundle(List.of())).isEmpty();
    assertThat(Pem.certificates(null)).isEmpty();
  }

  @Test
  void signedByChecksTheSignatureNotJustTheIssuerName() {
    assertThat(Pem.signedBy(pem("leaf1"), pem("ca1"))).isTrue();
    assertThat(Pem.signedBy(pem("leaf2"), pem("ca1"))).isFalse();
    // Same issuer DN as ca1, other key: rejected.
    assertThat(Pem.signedBy(pem("impostor-leaf"), pem("ca1"))).isFalse();
    assertThat(Pem.signedBy(pem("leaf1"), pem("impostor-ca1"))).isFalse();
    assertThat(Pem.signedBy("", pem("ca1"))).isFalse();
  }

  @Test
  void encodeRoundTrips() {
    var ca = Pem.certificates(pem("ca1")).get(0);
    assertThat(Pem.certificates(Pem.encode(ca))).containsExactly(ca);
  }
}
