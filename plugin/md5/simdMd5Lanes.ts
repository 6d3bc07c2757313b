/**
 * Digests the SIMD MD5 (createSimdMd5) advances together: two 128-bit registers of four 32-bit
 * lanes. A module of its own so that the hash pool's default lane count loads none of the MD5.
 */
export const SIMD_MD5_LANES = 8;
