package dev.streamcast.registry.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for one test class, from Debian's {@code postgresql} package: a fresh
 * cluster in a temporary folder ({@code initdb}), started on a free port on 127.0.0.1 with its
 * socket in that folder ({@code pg_ctl}), and stopped and deleted by {@link #close()}.
 *
 * <p>{@code initdb} refuses to run as root, and CI runs as root: there, every PostgreSQL command
 * runs as the {@code postgres} user (through {@code runuser}) and the folder belongs to it. Missing
 * binaries fail the test with what to install: PostgreSQL is part of what the tests cover.
 */
public final class PostgresCluster implements AutoCloseable {

    public static final String USER = "registry";
    public static final String DATABASE = "registry";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgres;
    private final Thread shutdownHook;

    private PostgresCluster(Path bin, Path dir, int port, boolean asPostgres) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgres = asPostgres;
        this.shutdownHook = new Thread(this::stopQuietly, "postgres-test-cluster-stop");
    }

    public static PostgresCluster start() throws IOException, InterruptedException, SQLException {
        Path bin = findBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("streamcast-pg-");
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir, "chown the cluster folder to postgres");
        }
        PostgresCluster cluster = new PostgresCluster(bin, dir, freePort(), root);
        try {
            cluster.pg(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
                    "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"), "initdb");
            cluster.pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(), "-o",
                    "-p " + cluster.port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                            + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60",
                    "start"), "pg_ctl start");
            Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
            try (Connection c = DriverManager.getConnection(cluster.url("postgres"), USER, "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
            return cluster;
        } catch (IOException | SQLException | RuntimeException e) {
            cluster.stopQuietly();
            throw e;
        }
    }

    public String jdbcUrl() {
        return url(DATABASE);
    }

    public int port() {
        return port;
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** /usr/lib/postgresql/&lt;highest version&gt;/bin, with initdb and pg_ctl. */
    static Path findBinaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(root)) {
            try (var versions = Files.list(root)) {
                versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb"))
                        && Files.isExecutable(b.resolve("pg_ctl"))).forEach(candidates::add);
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
                    + " (initdb, pg_ctl): install them with 'apt-get install postgresql' (.ci/run does)");
        }
        candidates.sort(Comparator.comparingInt(b -> versionOf(b.getParent().getFileName().toString())));
        return candidates.get(candidates.size() - 1);
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void pg(List<String> command, String what) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        run(full, dir, what);
    }

    private static void run(List<String> command, Path dir, String what) throws IOException, InterruptedException {
        Path log = Files.createTempFile("streamcast-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + " did not finish in 120 s: " + command);
            }
            if (p.exitValue() != 0) {
                String server = Files.exists(dir.resolve("server.log"))
                        ? "\nserver.log:\n" + Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8) : "";
                throw new IOException(what + " failed with exit " + p.exitValue() + ": " + command + "\n"
                        + Files.readString(log, StandardCharsets.UTF_8) + server);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private void stopQuietly() {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                        "-w", "stop"), "pg_ctl stop");
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("could not stop the PostgreSQL test cluster in " + dir + ": " + e.getMessage());
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook stops it
            return;
        }
        stopQuietly();
    }
}
