import { z } from 'zod';

/** Options of the prometheus plugin. */
export const prometheusOptionsSchema = z
  .object({
    /** Port of the `/metrics` listener; 0 picks a free one (logged, and shown by the plugin's info). */
    port: z.number().int().min(0).max(65_535).default(9464),
    /** Address to listen on. Loopback by default: metrics name your servers and tools. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Path of the metrics endpoint. */
    path: z
      .string()
      .regex(/^\/[^\s?#]*$/, 'a path starting with /')
      .default('/metrics'),
    /** Prefix of every metric name. */
    prefix: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a Prometheus metric name prefix')
      .default('switchboard_'),
    /** Also export Node process metrics (CPU, memory, event loop lag, …). */
    processMetrics: z.boolean().default(true),
    /** Histogram buckets of call durations, in seconds. */
    buckets: z.array(z.number().positive()).min(1).default([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  })
  .strict()
  .prefault({});

export type PrometheusOptions = z.output<typeof prometheusOptionsSchema>;
export type PrometheusOptionsInput = z.input<typeof prometheusOptionsSchema>;
