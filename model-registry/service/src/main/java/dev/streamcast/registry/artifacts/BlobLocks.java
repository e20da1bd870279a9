package dev.streamcast.registry.artifacts;

import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks over blob addresses. An upload holds the locks of its blobs from the moment it
 * puts them until its transaction has committed or its cleanup is done; a delete holds them while
 * it checks references and removes files. Stripes are always taken in ascending order, so two
 * holders can never wait on each other. One registry process owns an artifact store.
 */
public final class BlobLocks {

    private final ReentrantLock[] stripes;

    public BlobLocks(int stripes) {
        this.stripes = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ReentrantLock();
        }
    }

    /** Locks every stripe the addresses fall in; close the result to unlock. */
    public Held lock(Collection<String> sha256s) {
        TreeSet<Integer> indexes = new TreeSet<>();
        for (String sha : sha256s) {
            indexes.add(Integer.parseInt(sha.substring(0, 4), 16) % stripes.length);
        }
        for (int i : indexes) {
            stripes[i].lock();
        }
        return () -> {
            for (int i : indexes.descendingSet()) {
                stripes[i].unlock();
            }
        };
    }

    @FunctionalInterface
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
