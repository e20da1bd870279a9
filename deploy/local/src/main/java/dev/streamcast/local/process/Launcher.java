package dev.streamcast.local.process;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How {@code ./streamcast ingest|registry|forecaster|train|bench accuracy|bench parity} run a
 * program: in the foreground, as a child JVM started the one way {@link Service} says, with its
 * output on this console. Stopping this JVM (Ctrl-C, SIGTERM) stops the child the same way, so a
 * service closes its Kafka Streams cleanly; the exit status is the child's.
 *
 * <p>Arguments: {@code <program> [-Xoption ...] [-Dkey=value ...] [--] [program arguments ...]}:
 * leading {@code -X}/{@code -XX:} options go to the child's JVM after its usual flags, leading
 * {@code -D} options become its system properties (Quarkus settings for the services).
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("streamcast: which program? one of " + Service.names());
            System.exit(2);
        }
        Service service;
        try {
            service = Service.named(args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("streamcast: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> jvmOptions = new ArrayList<>();
        List<String> properties = new ArrayList<>();
        int i = 1;
        for (; i < args.length; i++) {
            if (args[i].equals("--")) {
                i++;
                break;
            } else if (args[i].startsWith("-D") && args[i].length() > 2) {
                properties.add(args[i].substring(2));
            } else if (args[i].startsWith("-X")) {
                jvmOptions.add(args[i]);
            } else {
                break;
            }
        }
        List<String> command;
        try {
            command = service.command(jvmOptions, properties, List.of(args).subList(i, args.length));
        } catch (IllegalStateException e) {
            System.err.println("streamcast: " + e.getMessage());
            System.exit(1);
            return;
        }
        Process child = new ProcessBuilder(command).inheritIO().start();
        Thread stop = new Thread(() -> {
            child.destroy();
            try {
                if (!child.waitFor(60, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }, "stop-" + service.launcherName());
        Runtime.getRuntime().addShutdownHook(stop);
        int status = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
        System.exit(status);
    }
}
