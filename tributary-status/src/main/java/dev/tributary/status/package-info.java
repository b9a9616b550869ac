/**
 * The status server every long-running command shares ({@code serve}, {@code sink}, {@code refine},
 * {@code bus}, {@code journal replicate}): {@code GET /health/live}, {@code GET /health/ready} with
 * one body shape, {@code GET /metrics} in Prometheus text, and the live {@code /status} page.
 */
package dev.tributary.status;
