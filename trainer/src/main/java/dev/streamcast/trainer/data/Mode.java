package dev.streamcast.trainer.data;

/**
 * Which columns go in and which come out: S (the target only), M (every column in and out), MS
 * (every column in, the target out).
 */
public enum Mode { S, M, MS }
