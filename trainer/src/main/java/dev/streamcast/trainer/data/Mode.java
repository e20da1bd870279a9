package dev.streamcast.trainer.data;

/** Which columns go in and which come out: S (the target only) or M (every column in and out). */
public enum Mode { S, M }
