package dev.tributary.bus;

/** One entry of {@code /listChunks}: Chukcha's JSON object {@code {"name", "complete", "size"}}. */
public record ChunkInfo(String name, boolean complete, long size) {}
