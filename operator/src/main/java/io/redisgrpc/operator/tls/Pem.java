package io.redisgrpc.operator.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEM certificates: parse, fingerprint, join into a bundle, check who signed a leaf. Pure: strings
 * in, answers out.
 */
public final class Pem {
  private Pem() {}

  /**
   * Every certificate in the text, in order (the JDK reads concatenated PEM); nothing for text that
   * is not PEM certificates.
   */
  public static List<X509Certificate> certificates(String pem) {
    if (pem == null || pem.isBlank()) {
      return new ArrayList<>();
    }
    try {
      List<X509Certificate> result = new ArrayList<>();
      CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .forEach(c -> result.add((X509Certificate) c));
      return result;
    } catch (CertificateException e) {
      return new ArrayList<>();
    }
  }

  /** SHA-256 of the DER encoding, hex. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Canonical PEM of one certificate (64-column base64). */
  public static String encode(X509Certificate certificate) {
    try {
      String body =
          Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(certificate.getEncoded());
      return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The certificates of all texts, each once (by fingerprint), in order of first appearance. */
  public static String bundle(List<String> pems) {
    Map<String, X509Certificate> unique = new LinkedHashMap<>();
    for (String pem : pems) {
      for (X509Certificate c : certificates(pem)) {
        unique.putIfAbsent(fingerprint(c), c);
      }
    }
    StringBuilder out = new StringBuilder();
    unique.values().forEach(c -> out.append(encode(c)));
    return out.toString();
  }

  /** Fingerprints of the certificates in a bundle. */
  public static List<String> fingerprints(String pem) {
    return certificates(pem).stream().map(Pem::fingerprint).toList();
  }

  /**
   * Whether the first certificate of {@code leafPem} is signed by the first certificate of {@code
   * caPem}.
   */
  public static boolean signedBy(String leafPem, String caPem) {
    List<X509Certificate> leaf = certificates(leafPem);
    List<X509Certificate> ca = certificates(caPem);
    if (leaf.isEmpty() || ca.isEmpty()) {
      return false;
    }
    if (!leaf.get(0).getIssuerX500Principal().equals(ca.get(0).getSubjectX500Principal())) {
      return false;
    }
    try {
      leaf.get(0).verify(ca.get(0).getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
