package io.redisgrpc.operator.redis.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One node's answer to {@code CLUSTER NODES}, parsed (pure, no I/O).
 *
 * <p>Lettuce's parser drops what scaling needs: the {@code [slot->-id]} / {@code [slot-<-id]}
 * entries that a node prints for its own slots in MIGRATING / IMPORTING state, and the announced
 * hostname. Only the {@code myself} line carries those entries, so the open migrations of a cluster
 * are the union over every node's own line.
 */
public record ClusterView(List<Entry> entries) {
  public ClusterView {
    entries = List.copyOf(entries);
  }

  /**
   * One line of CLUSTER NODES.
   *
   * @param host IP (empty for a node whose address is unknown)
   * @param hostname announced hostname, or null
   * @param masterId the master this node replicates, or null
   * @param slots slots this line says the node owns
   * @param migrating slot to target node id (only on the {@code myself} line)
   * @param importing slot to source node id (only on the {@code myself} line)
   */
  public record Entry(
      String id,
      String host,
      int port,
      String hostname,
      Set<String> flags,
      String masterId,
      boolean connected,
      BitSet slots,
      Map<Integer, String> migrating,
      Map<Integer, String> importing) {
    public Entry {
      flags = Set.copyOf(flags);
      slots = (BitSet) slots.clone();
      migrating = Collections.unmodifiableMap(new LinkedHashMap<>(migrating));
      importing = Collections.unmodifiableMap(new LinkedHashMap<>(importing));
    }

    @Override
    public BitSet slots() {
      return (BitSet) slots.clone();
    }

    public int slotCount() {
      return slots.cardinality();
    }

    /** This line says the node owns {@code slot} (no copy of the slot set). */
    public boolean owns(int slot) {
      return slots.get(slot);
    }

    public boolean myself() {
      return flags.contains("myself");
    }

    public boolean replica() {
      return flags.contains("slave");
    }

    public boolean handshake() {
      return flags.contains("handshake");
    }

    public boolean noAddress() {
      return flags.contains("noaddr");
    }

    /** FAIL agreed by the cluster (not only suspected). */
    public boolean failed() {
      return flags.contains("fail");
    }

    /** Failed, suspected failing (PFAIL), or without an address. */
    public boolean failing() {
      return flags.contains("fail") || flags.contains("fail?") || flags.contains("noaddr");
    }

    public String address() {
      return host + ":" + port;
    }
  }

  /** Parses the text of CLUSTER NODES. */
  public static ClusterView parse(String clusterNodes) {
    List<Entry> entries = new ArrayList<>();
    for (String line : clusterNodes.split("\r?\n")) {
      if (!line.isBlank()) {
        entries.add(parseLine(line.trim()));
      }
    }
    return new ClusterView(entries);
  }

  private static Entry parseLine(String line) {
    String[] f = line.split(" ");
    if (f.length < 8) {
      throw new IllegalArgumentException("not a CLUSTER NODES line: " + line);
    }
    // ip:port@cport[,hostname]
    String address = f[1];
    String hostname = null;
    int comma = address.indexOf(',');
    if (comma >= 0) {
      hostname = address.substring(comma + 1);
      hostname = hostname.isEmpty() ? null : hostname;
      address = address.substring(0, comma);
    }
    int at = address.indexOf('@');
    if (at >= 0) {
      address = address.substring(0, at);
    }
    int colon = address.lastIndexOf(':');
    String host = colon >= 0 ? address.substring(0, colon) : address;
    int port =
        colon >= 0 && colon + 1 < address.length()
            ? Integer.parseInt(address.substring(colon + 1))
            : 0;
    Set<String> flags = Set.of(f[2].split(","));
    String master = "-".equals(f[3]) ? null : f[3];
    boolean connected = "connected".equals(f[7]);
    BitSet slots = new BitSet(ClusterPlan.SLOTS);
    Map<Integer, String> migrating = new LinkedHashMap<>();
    Map<Integer, String> importing = new LinkedHashMap<>();
    for (int i = 8; i < f.length; i++) {
      String s = f[i];
      if (s.startsWith("[")) {
        String body = s.substring(1, s.length() - 1);
        int out = body.indexOf("->-");
        int in = body.indexOf("-<-");
        if (out > 0) {
          migrating.put(Integer.parseInt(body.substring(0, out)), body.substring(out + 3));
        } else if (in > 0) {
          importing.put(Integer.parseInt(body.substring(0, in)), body.substring(in + 3));
        }
      } else {
        int dash = s.indexOf('-');
        if (dash > 0) {
          slots.set(
              Integer.parseInt(s.substring(0, dash)), Integer.parseInt(s.substring(dash + 1)) + 1);
        } else {
          slots.set(Integer.parseInt(s));
        }
      }
    }
    return new Entry(
        f[0], host, port, hostname, flags, master, connected, slots, migrating, importing);
  }

  public Optional<Entry> node(String id) {
    return entries.stream().filter(e -> e.id().equals(id)).findFirst();
  }

  /** The line of the node that answered. */
  public Entry myself() {
    return entries.stream()
        .filter(Entry::myself)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("CLUSTER NODES without a myself line"));
  }

  /** The id of the node this view says owns {@code slot}, if any. */
  public Optional<String> ownerOf(int slot) {
    return entries.stream().filter(e -> e.owns(slot)).map(Entry::id).findFirst();
  }

  /** Nodes that own at least one slot, in the order listed. */
  public List<Entry> owners() {
    return entries.stream().filter(e -> e.slotCount() > 0).toList();
  }

  /** Replicas per master id, for masters that own slots (zero included). */
  public Map<String, Integer> replicasPerOwner() {
    Map<String, Integer> replicas = new LinkedHashMap<>();
    owners().forEach(o -> replicas.put(o.id(), 0));
    entries.stream()
        .filter(e -> e.masterId() != null && replicas.containsKey(e.masterId()) && !e.failing())
        .forEach(e -> replicas.merge(e.masterId(), 1, Integer::sum));
    return replicas;
  }
}
