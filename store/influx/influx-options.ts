/** Where and how to reach InfluxDB: 1.x uses database (+ user/password), 2.x and 3.x token/org/bucket. */
export interface InfluxOptions {
  url: string;
  token?: string;
  org?: string;
  bucket?: string;
  database?: string;
  username?: string;
  password?: string;
  /** Force a write endpoint instead of detecting it from /ping (tests, servers that hide their version). */
  writeEndpoint?: 'auto' | 'v1' | 'v2';
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** The database name InfluxQL queries name: the 1.x database, or the 2.x/3.x bucket (through DBRP). */
export function queryDatabaseOf(options: InfluxOptions): string {
  const name = options.database ?? options.bucket;
  if (!name) throw new Error('InfluxDB needs INFLUX_DATABASE (1.x) or INFLUX_BUCKET (2.x, 3.x)');
  return name;
}
