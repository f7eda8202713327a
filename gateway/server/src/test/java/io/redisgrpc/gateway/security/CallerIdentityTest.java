package io.redisgrpc.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.gateway.TestCertificates;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallerIdentityTest {
  @Test
  void uriSansComeFirstThenTheCommonName() {
    assertThat(
            CallerIdentity.candidates(
                List.of("spiffe://a/b", "spiffe://c/d"), "CN=orders,O=shop,C=DE"))
        .containsExactly("spiffe://a/b", "spiffe://c/d", "orders");
  }

  @Test
  void commonNameIsTheLeafsOwnAndEscapesAreDecoded() {
    assertThat(CallerIdentity.commonName("CN=orders\\, eu,OU=x,CN=outer")).isEqualTo("orders, eu");
    assertThat(CallerIdentity.commonName("O=no cn")).isNull();
    assertThat(CallerIdentity.commonName("")).isNull();
  }

  @Test
  void readsARealCertificate() {
    TestCertificates.Issued ca = TestCertificates.ca("id-ca");
    TestCertificates.Issued leaf =
        TestCertificates.client(
            ca, "orders", "spiffe://redisgrpc.io/ns/shop/cache/c/client/orders");
    assertThat(CallerIdentity.candidates(leaf.certificate()))
        .containsExactly("spiffe://redisgrpc.io/ns/shop/cache/c/client/orders", "orders");
    // DNS and IP SANs are no identities
    assertThat(CallerIdentity.candidates(TestCertificates.server(ca, "gw").certificate()))
        .containsExactly("gw");
  }
}
