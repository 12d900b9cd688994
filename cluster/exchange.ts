// One request and its answer as a simulated client saw it: the part of the shape that also
// crosses to the lab page inside every request event (lab/lab-types.ts), so it imports nothing
// of Node's.

export interface ExchangeSummary {
  /** The client's id (client-3). */
  client: string;
  /** Epoch milliseconds when the request started. */
  at: number;
  method: string;
  path: string;
  /** HTTP status; 0 when no response arrived (connection refused, reset, timeout). */
  status: number;
  /** X-Instance-Id: the replica that answered, or null (nginx answered itself, or nothing did). */
  replica: string | null;
  /** X-Upstream: every replica address nginx tried, comma-separated when it retried. */
  upstream: string | null;
  /** True when nginx tried more than one replica. */
  retried: boolean;
  latencyMs: number;
  /** X-Request-Id of the answer. */
  requestId: string | null;
  /** The `error.code` of a JSON error body, or the transport error's code (ECONNRESET, TIMEOUT). */
  errorCode: string | null;
}
