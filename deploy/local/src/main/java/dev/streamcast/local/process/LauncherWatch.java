package dev.streamcast.local.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;

/**
 * A Java agent in every service {@link ServiceProcess} starts: the service stops when the program
 * that started it (the quickstart, the load-test harness) is gone, however it went.
 *
 * <p>The starter holds the write end of the service's standard input (a pipe, as
 * {@link ProcessBuilder} makes it). When the starter exits (its own shutdown, a SIGKILL, the
 * embedded broker halting its JVM on a failed log directory), the kernel closes that pipe; this
 * agent's thread, blocked reading it, sees the end of the stream and exits the JVM, which runs the
 * service's own shutdown as a SIGTERM does (the stream closed, the group left). A shutdown that
 * has not ended after the grace period (the agent's argument, in seconds: {@code
 * -javaagent:<jar>=<seconds>}, 60 by default) is cut short: the JVM halts. With the broker gone
 * too, Kafka Streams' close in Quarkus' own shutdown waits without a limit. Before it, a starter
 * killed or halted left its services running, retrying a broker that was gone, holding their
 * ports and a share of the CPU that the next run measured.
 *
 * <p>It is built into a jar of its own (this class alone, {@code Premain-Class}; deploy/local's
 * pom), as it runs on the service's class path, and uses only the JDK.
 */
public final class LauncherWatch {

    /** The exit status of a service stopped because its starter was gone. */
    public static final int STARTER_GONE = 3;

    private LauncherWatch() {
    }

    /** How long the service's shutdown may take when no argument says otherwise. */
    public static final int DEFAULT_GRACE_SECONDS = 60;

    public static void premain(String args, Instrumentation instrumentation) {
        long graceSeconds = args == null || args.isBlank() ? DEFAULT_GRACE_SECONDS : Long.parseLong(args.strip());
        daemon("launcher-watch", () -> watch(System.in, graceSeconds));
    }

    private static void watch(InputStream in, long graceSeconds) {
        byte[] ignored = new byte[256];
        try {
            while (in.read(ignored) >= 0) {
                // nothing is sent on this pipe: only its end matters
            }
        } catch (IOException e) {
            // a broken pipe is the starter gone too
        }
        System.err.println("streamcast: the program that started this service is gone (its end of standard input"
                + " closed): stopping, within " + graceSeconds + " s");
        daemon("launcher-watch-halt", () -> {
            try {
                Thread.sleep(graceSeconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.err.println("streamcast: the shutdown did not end within " + graceSeconds + " s: halting");
            Runtime.getRuntime().halt(STARTER_GONE);
        });
        System.exit(STARTER_GONE);
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }
}
