package io.redisgrpc.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node Kubernetes of {@code hack/node.sh}: brought up if it is not running (and then
 * stopped again when the test session ends, so the machine is left as found), images loaded into
 * its containerd, and a kubeconfig for clients on the host (API server at 127.0.0.1).
 */
final class LocalNode {
  private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);

  private final Path root;
  private boolean startedHere;

  LocalNode(Path root) {
    this.root = root;
  }

  /** Starts the node unless it already runs and is healthy. */
  void ensureUp() {
    if (run(List.of("status"), 60, false).exitCode() == 0) {
      LOG.info("using the running node");
      return;
    }
    LOG.info("starting the node (hack/node.sh up)");
    startedHere = true;
    run(List.of("up"), 900, true);
  }

  Path kubeconfig() {
    return Path.of(run(List.of("kubeconfig"), 30, true).output().strip());
  }

  /** Imports docker-archive tars into the node's containerd (images are never pulled here). */
  void load(List<Path> tars) {
    List<String> args = new ArrayList<>(List.of("load"));
    tars.forEach(tar -> args.add(tar.toString()));
    run(args, 600, true);
  }

  /** Gives an imported image a second name: a "new" image to roll to, without building one. */
  void tag(String source, String target) {
    run(List.of("tag", source, target), 60, true);
  }

  /** Stops the node if this session started it; a node that was already running stays up. */
  void stopIfStartedHere() {
    if (startedHere && !"true".equalsIgnoreCase(System.getenv("E2E_KEEP_NODE"))) {
      LOG.info("stopping the node this session started (hack/node.sh down)");
      run(List.of("down"), 300, true);
    }
  }

  record Result(int exitCode, String output) {}

  private Result run(List<String> args, long timeoutSeconds, boolean mustSucceed) {
    return Scripts.run(root, root.resolve("hack/node.sh"), args, timeoutSeconds, mustSucceed);
  }

  /** Runs the repository's scripts with their output in a log file under target/. */
  static final class Scripts {
    private Scripts() {}

    static Result run(
        Path root, Path script, List<String> args, long timeoutSeconds, boolean mustSucceed) {
      List<String> command = new ArrayList<>(List.of(script.toString()));
      command.addAll(args);
      try {
        Path dir = Files.createDirectories(root.resolve("e2e/target/scripts"));
        String name = script.getFileName() + "-" + args.get(0) + "-";
        Path log = Files.createTempFile(dir, name, ".log");
        // Files, not pipes: daemons the script starts must not hold our end open.
        Path out = Files.createTempFile(dir, name, ".out");
        Process process =
            new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectOutput(out.toFile())
                .redirectError(log.toFile())
                .start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          process.destroy();
          throw new AssertionError(
              String.join(" ", command)
                  + " did not finish within "
                  + timeoutSeconds
                  + " s; log: "
                  + log);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (mustSucceed && process.exitValue() != 0) {
          throw new AssertionError(
              String.join(" ", command)
                  + " failed (exit "
                  + process.exitValue()
                  + "):\n"
                  + tail(log));
        }
        return new Result(process.exitValue(), output);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }

    private static String tail(Path log) throws IOException {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
  }
}
