/**
 * WebAssembly's binary format, as much of it as the plugin's MD5 modules use: they are built here
 * byte by byte at run time (no toolchain, no dependency). {@link wasmModule} assembles a module of
 * one memory and some functions over i32 parameters; the rest are the instructions' encodings.
 */

/** The opcodes used (one byte each). */
export const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Rotl: 0x77,
} as const;

/** 128-bit SIMD instructions: the prefix 0xfd, then the instruction's number in LEB128. */
const SIMD = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  xor: 0x51,
  bitselect: 0x52,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const;

export const I32 = 0x7f;
export const V128 = 0x7b;
export const VOID_BLOCK = 0x40;

export const get = (local: number) => [op.localGet, local];
export const set = (local: number) => [op.localSet, local];
export const i32 = (value: number) => [op.i32Const, ...sleb(value)];
/** A load's or store's memarg: the alignment hint (log2 bytes) and a constant offset. */
export const memarg = (offset: number, alignLog2 = 2) => [alignLog2, ...uleb(offset)];

/** The SIMD instruction `name`, with its immediates. */
export const simd = (name: keyof typeof SIMD, ...immediates: number[]) => [0xfd, ...uleb(SIMD[name]), ...immediates];
/** `v128.load` / `v128.store` at a constant offset from the address on the stack. */
export const v128Load = (offset: number) => simd('load', ...memarg(offset, 4));
export const v128Store = (offset: number) => simd('store', ...memarg(offset, 4));
/** `i8x16.shuffle` picking four 32-bit lanes of its two operands (0–3 the first's, 4–7 the second's). */
export const shuffle32 = (lanes: readonly [number, number, number, number]) =>
  simd('shuffle', ...lanes.flatMap((lane) => [0, 1, 2, 3].map((byte) => lane * 4 + byte)));

/** One function of a module: `params` i32 parameters, no result, its locals in runs of one type, its code (without the final `end`). */
export interface WasmFunction {
  name: string;
  params: number;
  locals: ReadonlyArray<readonly [count: number, type: number]>;
  code: number[];
}

/** A module that exports its memory (`memory`, `pages` pages of 64 KiB, no maximum) and `functions` by name. */
export function wasmModule(pages: number, functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const name = (text: string) => [text.length, ...Array.from(text, (ch) => ch.charCodeAt(0))];
  const body = (fn: WasmFunction) => {
    const content = [...vector(fn.locals.map(([count, type]) => [...uleb(count), type])), ...fn.code, op.end];
    return [...uleb(content.length), ...content];
  };
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // \0asm
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vector(functions.map((fn) => [0x60, ...uleb(fn.params), ...Array<number>(fn.params).fill(I32), 0]))), // types: (i32 × params) -> ()
    ...section(3, vector(functions.map((_, i) => uleb(i)))), // functions: function i has type i
    ...section(5, [1, 0, ...uleb(pages)]), // memories: one, `pages` pages, no maximum
    ...section(7, vector([[...name('memory'), 2, 0], ...functions.map((fn, i) => [...name(fn.name), 0, ...uleb(i)])])), // exports
    ...section(10, vector(functions.map(body))), // code
  ]);
}

/** An unsigned integer in LEB128, as WebAssembly encodes sizes and indices. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** A signed integer in LEB128, as WebAssembly encodes `i32.const`. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  value |= 0;
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
