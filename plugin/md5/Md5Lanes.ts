/**
 * MD5s advanced side by side, one per lane: the shape hashInLanes drives. A lane runs one digest at
 * a time: `init`, then `update` as long as input comes (each call takes what the lane has room
 * for), `hash` whenever lanes are full, `digest` at the end of the input.
 */
export interface Md5Lanes {
  /** How many digests advance together. */
  readonly lanes: number;
  /** Starts a digest in `lane` (0 to lanes − 1), dropping what the lane held. */
  init(lane: number): void;
  /** Takes as many bytes of `data` as `lane` has room for now (all of them after `hash()` drained it); answers how many. */
  update(lane: number, data: Uint8Array): number;
  /** Bytes `lane` holds that are not hashed yet. */
  held(lane: number): number;
  /**
   * Hashes the whole 64-byte blocks the lanes hold, all lanes at once, as many as the lane holding
   * fewest (of those holding any) has: that lane keeps less than a block, the others the rest.
   * Answers the blocks hashed per lane (0: no lane held a whole block).
   */
  hash(): number;
  /** The MD5 of the bytes given to `lane` since `init` (16 bytes, a new array); the lane starts over. */
  digest(lane: number): Uint8Array;
}
