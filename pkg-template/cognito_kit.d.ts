/** One SRP exchange, client side (advanced use: custom flows and benchmarks; `CognitoAuth` does this
 * for you). Create a fresh one per sign-in attempt. */
export class SrpClient {
  /** Draws a fresh secret `a` from `crypto.getRandomValues` (or takes `random`, 128 bytes, for tests)
   * and computes `A = g^a mod N`. */
  constructor(random?: Uint8Array | number[] | null);
  /** `SRP_A`: lowercase hex, no leading zeros. */
  readonly srpA: string;
  /** Answers `PASSWORD_VERIFIER`: the `ChallengeResponses` (USERNAME, PASSWORD_CLAIM_SECRET_BLOCK,
   * TIMESTAMP, PASSWORD_CLAIM_SIGNATURE). `poolName` is the part of the pool id after `_`;
   * `timestamp` defaults to now. */
  answerPasswordVerifier(poolName: string, password: string, challengeParameters: Record<string, string>, timestamp?: string | null): Record<string, string>;
  /** Answers `DEVICE_PASSWORD_VERIFIER` for a remembered device. */
  answerDevicePasswordVerifier(deviceGroupKey: string, deviceKey: string, devicePassword: string, challengeParameters: Record<string, string>, timestamp?: string | null): Record<string, string>;
  /** Frees the client's memory (also done once it is garbage-collected). */
  free(): void;
}

/** SECRET_HASH = base64(HMAC-SHA256(clientSecret, username ‖ clientId)). */
export function secretHash(clientSecret: string, username: string, clientId: string): string;

/** The SRP claim TIMESTAMP for a time in seconds since the epoch (UTC, English, day not padded). */
export function cognitoTimestamp(unixSeconds: number): string;

/** The kit's version. */
export function version(): string;

/** Loads the wasm from bytes or a compiled module (the package's entries do this). */
export function initSync(module: BufferSource | WebAssembly.Module): void;

/** Loads the wasm from a URL, by default the one next to this file (the package's entries do this). */
export default function init(url?: string | URL): Promise<void>;
