package io.redisgrpc.gateway.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The identities a client certificate can stand for, in the order they are tried: every URI SAN (as
 * listed in the certificate), then the subject CN. Parsing is the JDK's; no I/O.
 */
public final class CallerIdentity {
  /** subjectAltName GeneralName type of a URI. */
  private static final int SAN_URI = 6;

  private CallerIdentity() {}

  public static List<String> candidates(X509Certificate certificate) {
    List<String> uris = new ArrayList<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (name.size() >= 2
              && Integer.valueOf(SAN_URI).equals(name.get(0))
              && name.get(1) instanceof String uri) {
            uris.add(uri);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // An unparsable SAN extension gives no URI identities; the CN may still match.
    }
    return candidates(uris, certificate.getSubjectX500Principal().getName());
  }

  /**
   * @param uriSans the certificate's URI SANs in order
   * @param subjectDn the subject DN in RFC 2253 form
   */
  public static List<String> candidates(List<String> uriSans, String subjectDn) {
    List<String> candidates = new ArrayList<>(uriSans);
    String cn = commonName(subjectDn);
    if (cn != null) {
      candidates.add(cn);
    }
    return List.copyOf(candidates);
  }

  /** The CN of the DN nearest the leaf (the leftmost in RFC 2253 form), or null. */
  static String commonName(String subjectDn) {
    if (subjectDn == null || subjectDn.isEmpty()) {
      return null;
    }
    try {
      // LdapName lists RDNs from the least to the most specific: the last CN is the leaf's own.
      List<Rdn> rdns = new LdapName(subjectDn).getRdns();
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if ("CN".equalsIgnoreCase(rdns.get(i).getType())) {
          return String.valueOf(rdns.get(i).getValue());
        }
      }
      return null;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
