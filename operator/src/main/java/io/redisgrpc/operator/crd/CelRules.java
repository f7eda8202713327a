package io.redisgrpc.operator.crd;

/**
 * Pieces of the CEL rules ({@code x-kubernetes-validations}) several fields share. The API server
 * answers a broken manifest with the rule's message, so every message names the field and says what
 * to write instead; docs/crd-reference.md ("What is refused and why") lists them.
 *
 * <p>Costs: the API server refuses a CRD whose rules it estimates too expensive, and it estimates
 * unbounded strings and maps at the request size limit. Every string a rule parses therefore has a
 * maxLength, and the embedded resources maps a maxProperties (see {@link QuantityBounds}).
 */
final class CelRules {
  private CelRules() {}

  /**
   * The Go durations the operator reads ({@code model.GoDuration}): numbers with a unit h, m, s or
   * ms, parts combinable as in 1h30m. At most 6 digits before the point and 20 characters in all,
   * so {@code duration()} can never overflow (Go durations end near 2,562,047h).
   */
  static final String GO_DURATION = "'^([0-9]{1,6}([.][0-9]+)?(ms|s|m|h))+$'";

  static final int GO_DURATION_MAX_LENGTH = 20;
  static final String GO_DURATION_HINT =
      "a number (up to 6 digits) followed by h, m, s or ms, parts combinable as in 1h30m";

  /**
   * Longest quantity string accepted: far above any real one, low enough for the rule cost
   * estimate.
   */
  static final int QUANTITY_MAX_LENGTH = 64;

  /** {@code self} (an int-or-string quantity) is a quantity of at least 1Mi. */
  static final String AT_LEAST_1MI =
      "isQuantity(string(self)) && quantity(string(self)).compareTo(quantity('1Mi')) >= 0";

  private static final String LIMIT_OK =
      "(isQuantity(string(self.limits[k])) && quantity(string(self.limits[k])).compareTo(quantity('0')) >= 0)";
  private static final String REQUEST_OK =
      "(isQuantity(string(self.requests[k])) && quantity(string(self.requests[k])).compareTo(quantity('0')) >= 0)";
  private static final String REQUEST_ABOVE_LIMIT =
      "k in self.limits && isQuantity(string(self.limits[k])) && isQuantity(string(self.requests[k]))"
          + " && quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k]))) > 0";

  /** On a ResourceRequirements: every limit is a quantity of at least 0. */
  static final String LIMITS_ARE_QUANTITIES =
      "!has(self.limits) || self.limits.all(k, " + LIMIT_OK + ")";

  /** The name of the first limit {@link #LIMITS_ARE_QUANTITIES} refuses. */
  static final String FIRST_BAD_LIMIT = "self.limits.filter(k, !" + LIMIT_OK + ")[0]";

  static final String REQUESTS_ARE_QUANTITIES =
      "!has(self.requests) || self.requests.all(k, " + REQUEST_OK + ")";
  static final String FIRST_BAD_REQUEST = "self.requests.filter(k, !" + REQUEST_OK + ")[0]";

  /** No request above the limit of the same resource (the pods would be refused). */
  static final String REQUESTS_WITHIN_LIMITS =
      "!has(self.limits) || !has(self.requests) || !self.requests.exists(k, "
          + REQUEST_ABOVE_LIMIT
          + ")";

  static final String FIRST_REQUEST_ABOVE_LIMIT =
      "self.requests.filter(k, " + REQUEST_ABOVE_LIMIT + ")[0]";
  static final String QUANTITY_HINT =
      "a quantity of at least 0, such as 512Mi or 2Gi for memory and 500m or 2 for cpu";
}
