// autocannon ships no types; the few options and result fields the benchmark uses.
declare module 'autocannon' {
  type Stats = { average: number; mean: number; stddev: number; min: number; max: number; total: number; p50: number; p90: number; p99: number; p99_9: number };
  type Request = { method?: string; path?: string; headers?: Record<string, string>; body?: string; setupRequest?: (req: Request) => Request };
  export type Options = {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    overallRate?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
  };
  export type Result = { requests: Stats; latency: Stats; throughput: Stats; errors: number; timeouts: number; non2xx: number; '2xx': number };
  type Instance = { on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void };
  function autocannon(opts: Options): Promise<Result>;
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
