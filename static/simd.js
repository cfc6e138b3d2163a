"use strict";
// WebAssembly SIMD kernels for the matrices a worker holds in the TeaVM module's linear memory
// (teallama.web.LinearMatrices), which TeaVM cannot emit: its WebAssembly has no SIMD. The module
// is written here, instruction by instruction, and imports the TeaVM module's memory; Java calls
// its functions through @Import (see SimdKernels.java). Each lane of a 128-bit vector is one row:
// in fp32 it multiplies and adds in the order LinearMatrices' scalar loop does, one column after the
// other, with no fused multiply-add (WebAssembly's f32x4 has none), so every row's sum is the same
// bit for bit. Where the browser has no SIMD (WebAssembly.validate says so), the scalar loops run.
//
// matmulInterleaved(w, x, out, n, blocks): fp32 W in blocks of 8 interleaved rows (Kernels.interleaveRows),
// `blocks` blocks from byte address w, each (8, n) stored as w[j*8 + r]; x (n,) at x; out (blocks*8,) at out.
// q8Matmul(w, x, groups, scales, out, n, groupSize, blocks): an int8 matmul (as Q8Kernels.matmul),
// W as a Q8Matrix holds it in memory, `blocks` blocks of n columns of 8 bytes (row r's weight + 128 in byte r)
// and their scales (blocks, n / groupSize, 8) at `scales`; x (n,) its quantized values as 16-bit integers, and
// at `groups` each group's scale (f32) and start (i32, -128 * the group's sum of x); out (blocks * 8,) f32.
// A row's sum of (w + 128) x over a group is exact in any order; then, as the scalar loop does,
// out += float(sum + start) * scale * x's scale, group after group, each lane one row.

const simd = (() => {
  // the instructions used (WebAssembly core 2.0, its SIMD prefix 0xfd, LEB128 opcodes after it)
  const I32 = 0x7f;
  const V128 = 0x7b;
  const BLOCK = 0x02;
  const LOOP = 0x03;
  const VOID = 0x40;
  const BR = 0x0c;
  const BR_IF = 0x0d;
  const END = 0x0b;
  const LOCAL_GET = 0x20;
  const LOCAL_SET = 0x21;
  const LOCAL_TEE = 0x22;
  const I32_CONST = 0x41;
  const I32_EQZ = 0x45;
  const I32_LT_U = 0x49;
  const I32_ADD = 0x6a;
  const I32_SUB = 0x6b;
  const V128_LOAD = [0xfd, 0x00];
  const V128_LOAD8X8_U = [0xfd, 0x02];
  const V128_LOAD16_SPLAT = [0xfd, 0x08];
  const V128_LOAD32_SPLAT = [0xfd, 0x09];
  const V128_STORE = [0xfd, 0x0b];
  const V128_CONST = [0xfd, 0x0c];
  const I8X16_SHUFFLE = [0xfd, 0x0d];
  const I16X8_EXTEND_LOW_I8X16_U = [0xfd, 0x89, 0x01];
  const I16X8_EXTEND_HIGH_I8X16_U = [0xfd, 0x8a, 0x01];
  const F32X4_ADD = [0xfd, 0xe4, 0x01];
  const F32X4_MUL = [0xfd, 0xe6, 0x01];
  const I32X4_ADD = [0xfd, 0xae, 0x01];
  const I32X4_DOT_I16X8_S = [0xfd, 0xba, 0x01];
  const F32X4_CONVERT_I32X4_S = [0xfd, 0xfa, 0x01];
  const I32X4_EXTMUL_LOW_I16X8_S = [0xfd, 0xbc, 0x01];
  const I32X4_EXTMUL_HIGH_I16X8_S = [0xfd, 0xbd, 0x01];

  function leb(value) { // unsigned LEB128: sizes, indices, offsets
    const bytes = [];
    do {
      let b = value & 0x7f;
      value >>>= 7;
      if (value !== 0) b |= 0x80;
      bytes.push(b);
    } while (value !== 0);
    return bytes;
  }

  function i32Const(value) { // signed LEB128: 64 is [0xc0, 0x00], where [0x40] would be -64
    const bytes = [I32_CONST];
    for (;;) {
      const b = value & 0x7f;
      value >>= 7;
      if (value === 0 && (b & 0x40) === 0 || value === -1 && (b & 0x40) !== 0) return [...bytes, b];
      bytes.push(b | 0x80);
    }
  }

  function text(s) {
    return [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  }

  function section(id, contents) {
    return [id, ...leb(contents.length), ...contents];
  }

  function memarg(offset, alignment = 4) { // a hint, at most the value's bytes; matrices and vectors are float-aligned
    return [Math.log2(alignment), ...leb(offset)];
  }

  function body(locals, code) { // locals: [count, type] runs after the parameters
    const bytes = [...leb(locals.length), ...locals.flatMap(([count, type]) => [...leb(count), type]), ...code];
    return [...leb(bytes.length), ...bytes];
  }

  const ZERO = [...V128_CONST, ...new Array(16).fill(0)];

  // matmulInterleaved's locals: its parameters, then its own
  const W = 0;        // the block's next column
  const X = 1;
  const OUT = 2;      // where the block's 8 sums go
  const N = 3;
  const BLOCKS = 4;   // blocks left
  const Q = 5;        // x[j]
  const J = 6;        // columns left in the block
  const LOW = 7;      // the sums of rows 0-3 of the block
  const HIGH = 8;     // of rows 4-7
  const XJ = 9;       // x[j] in all four lanes

  /**
   * One block after the other, each read as one sequential stream: measured in Node (V8, one
   * thread, 768 columns), with 32000 rows (98 MB, from memory) this did 7.5 billion weights a
   * second, where two, four or eight blocks at once (more sums in flight, as many streams) did 4.5
   * to 5.6, unrolled or not.
   */
  function matmulInterleaved() {
    return body([[2, I32], [3, V128]], [BLOCK, VOID, LOOP, VOID,
      LOCAL_GET, BLOCKS, I32_EQZ, BR_IF, 1,
      ...ZERO, LOCAL_SET, LOW,
      ...ZERO, LOCAL_SET, HIGH,
      LOCAL_GET, X, LOCAL_SET, Q, LOCAL_GET, N, LOCAL_SET, J,
      BLOCK, VOID, LOOP, VOID,
      LOCAL_GET, J, I32_EQZ, BR_IF, 1,
      LOCAL_GET, Q, ...V128_LOAD32_SPLAT, ...memarg(0), LOCAL_SET, XJ,
      // LOW = LOW + w[j*8 + 0..3] * x[j]; HIGH = HIGH + w[j*8 + 4..7] * x[j]
      LOCAL_GET, LOW, LOCAL_GET, W, ...V128_LOAD, ...memarg(0), LOCAL_GET, XJ, ...F32X4_MUL, ...F32X4_ADD,
      LOCAL_SET, LOW,
      LOCAL_GET, HIGH, LOCAL_GET, W, ...V128_LOAD, ...memarg(16), LOCAL_GET, XJ, ...F32X4_MUL, ...F32X4_ADD,
      LOCAL_SET, HIGH,
      LOCAL_GET, W, ...i32Const(32), I32_ADD, LOCAL_SET, W,
      LOCAL_GET, Q, ...i32Const(4), I32_ADD, LOCAL_SET, Q,
      LOCAL_GET, J, ...i32Const(1), I32_SUB, LOCAL_SET, J,
      BR, 0, END, END,
      LOCAL_GET, OUT, LOCAL_GET, LOW, ...V128_STORE, ...memarg(0),
      LOCAL_GET, OUT, LOCAL_GET, HIGH, ...V128_STORE, ...memarg(16),
      LOCAL_GET, OUT, ...i32Const(32), I32_ADD, LOCAL_SET, OUT,
      LOCAL_GET, BLOCKS, ...i32Const(1), I32_SUB, LOCAL_SET, BLOCKS,
      BR, 0, END, END,
      END]);
  }

  // q8Matmul's locals: its parameters, then its own
  const Q8_GROUPS = 2;   // x's groups: scale and start
  const Q8_SCALES = 3;   // the block's next group's 8 scales
  const Q8_OUT = 4;      // where the block's 8 rows go
  const Q8_N = 5;
  const GROUP_SIZE = 6;
  const Q8_BLOCKS = 7;   // blocks left
  const Q8_X = 8;        // x[j], 2 bytes each
  const Q8_J = 9;        // columns left in the group
  const Q8_COLS = 10;    // columns left in the block
  const Q8_GROUP = 11;   // x's group
  const Q8_LOW = 12;     // the group's sums of rows 0-3
  const Q8_HIGH = 13;    // of rows 4-7
  const Q8_XJ = 14;      // x[j] in all eight 16-bit lanes, or x[j], x[j + 1] in turn
  const Q8_COLUMNS = 15; // the weights + 128 of columns j and j + 1, or of column j as 16-bit lanes
  const Q8_ROWS_LOW = 16;  // the block's rows 0-3 so far
  const Q8_ROWS_HIGH = 17; // 4-7

  // columns j and j + 1 (8 bytes each) into row 0's two, row 1's two, ...: the pairs dot takes
  const ROWS_IN_PAIRS = [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15];

  /**
   * LOW = LOW + (w + 128) x[j] + (w' + 128) x[j + 1] for rows 0-3, HIGH for rows 4-7, with columns
   * j and j + 1 at W + 16k: each row's two weights side by side in 16-bit lanes, then dot.
   */
  function q8ColumnPair(k) {
    return [LOCAL_GET, Q8_X, ...V128_LOAD32_SPLAT, ...memarg(4 * k, 2), LOCAL_SET, Q8_XJ,
      LOCAL_GET, W, ...V128_LOAD, ...memarg(16 * k, 8), ...ZERO, ...I8X16_SHUFFLE, ...ROWS_IN_PAIRS,
      LOCAL_SET, Q8_COLUMNS,
      LOCAL_GET, Q8_LOW, LOCAL_GET, Q8_COLUMNS, ...I16X8_EXTEND_LOW_I8X16_U, LOCAL_GET, Q8_XJ,
      ...I32X4_DOT_I16X8_S, ...I32X4_ADD, LOCAL_SET, Q8_LOW,
      LOCAL_GET, Q8_HIGH, LOCAL_GET, Q8_COLUMNS, ...I16X8_EXTEND_HIGH_I8X16_U, LOCAL_GET, Q8_XJ,
      ...I32X4_DOT_I16X8_S, ...I32X4_ADD, LOCAL_SET, Q8_HIGH];
  }

  /** As q8ColumnPair for column j alone: 16-bit lanes multiplied into 32-bit ones. */
  function q8Column() {
    return [LOCAL_GET, Q8_X, ...V128_LOAD16_SPLAT, ...memarg(0, 2), LOCAL_SET, Q8_XJ,
      LOCAL_GET, Q8_LOW, LOCAL_GET, W, ...V128_LOAD8X8_U, ...memarg(0), LOCAL_TEE, Q8_COLUMNS,
      LOCAL_GET, Q8_XJ, ...I32X4_EXTMUL_LOW_I16X8_S, ...I32X4_ADD, LOCAL_SET, Q8_LOW,
      LOCAL_GET, Q8_HIGH, LOCAL_GET, Q8_COLUMNS, LOCAL_GET, Q8_XJ, ...I32X4_EXTMUL_HIGH_I16X8_S, ...I32X4_ADD,
      LOCAL_SET, Q8_HIGH];
  }

  /** The group's columns left, `turn` a turn while that many are left: in pairs, or one. */
  function q8Columns(turn) {
    const code = [BLOCK, VOID, LOOP, VOID,
      LOCAL_GET, Q8_J, ...i32Const(turn), I32_LT_U, BR_IF, 1];
    if (turn === 1) code.push(...q8Column());
    for (let k = 0; 2 * k + 1 < turn; k++) code.push(...q8ColumnPair(k));
    return [...code,
      LOCAL_GET, W, ...i32Const(8 * turn), I32_ADD, LOCAL_SET, W,
      LOCAL_GET, Q8_X, ...i32Const(2 * turn), I32_ADD, LOCAL_SET, Q8_X,
      LOCAL_GET, Q8_J, ...i32Const(turn), I32_SUB, LOCAL_SET, Q8_J,
      BR, 0, END, END];
  }

  /** ROWS = ROWS + float(SUMS + start) * the 4 rows' scales at SCALES + offset * x's scale, lane by lane. */
  function q8Scale(rows, sums, offset) {
    return [LOCAL_GET, rows,
      LOCAL_GET, sums, LOCAL_GET, Q8_GROUP, ...V128_LOAD32_SPLAT, ...memarg(4), ...I32X4_ADD, ...F32X4_CONVERT_I32X4_S,
      LOCAL_GET, Q8_SCALES, ...V128_LOAD, ...memarg(offset), ...F32X4_MUL,
      LOCAL_GET, Q8_GROUP, ...V128_LOAD32_SPLAT, ...memarg(0), ...F32X4_MUL,
      ...F32X4_ADD, LOCAL_SET, rows];
  }

  /**
   * One block after the other, one group after the other, the 8 rows of two columns at a time,
   * four columns a turn (WebAssembly engines do not unroll loops). In Node, over 768 x 2048 and
   * 768 x 32000, the sums alone took 17 to 21 billion weights a second, where a column at a time
   * (extmul, four columns a turn) did 11; eight columns a turn did no better than four.
   */
  function q8Matmul() {
    return body([[4, I32], [6, V128]], [BLOCK, VOID, LOOP, VOID,
      LOCAL_GET, Q8_BLOCKS, I32_EQZ, BR_IF, 1,
      LOCAL_GET, X, LOCAL_SET, Q8_X, LOCAL_GET, Q8_GROUPS, LOCAL_SET, Q8_GROUP, LOCAL_GET, Q8_N, LOCAL_SET, Q8_COLS,
      ...ZERO, LOCAL_SET, Q8_ROWS_LOW,
      ...ZERO, LOCAL_SET, Q8_ROWS_HIGH,
      BLOCK, VOID, LOOP, VOID,
      LOCAL_GET, Q8_COLS, I32_EQZ, BR_IF, 1,
      ...ZERO, LOCAL_SET, Q8_LOW,
      ...ZERO, LOCAL_SET, Q8_HIGH,
      LOCAL_GET, GROUP_SIZE, LOCAL_SET, Q8_J,
      ...q8Columns(4), ...q8Columns(2), ...q8Columns(1),
      ...q8Scale(Q8_ROWS_LOW, Q8_LOW, 0),
      ...q8Scale(Q8_ROWS_HIGH, Q8_HIGH, 16),
      LOCAL_GET, Q8_SCALES, ...i32Const(32), I32_ADD, LOCAL_SET, Q8_SCALES,
      LOCAL_GET, Q8_GROUP, ...i32Const(8), I32_ADD, LOCAL_SET, Q8_GROUP,
      LOCAL_GET, Q8_COLS, LOCAL_GET, GROUP_SIZE, I32_SUB, LOCAL_SET, Q8_COLS,
      BR, 0, END, END,
      LOCAL_GET, Q8_OUT, LOCAL_GET, Q8_ROWS_LOW, ...V128_STORE, ...memarg(0),
      LOCAL_GET, Q8_OUT, LOCAL_GET, Q8_ROWS_HIGH, ...V128_STORE, ...memarg(16),
      LOCAL_GET, Q8_OUT, ...i32Const(32), I32_ADD, LOCAL_SET, Q8_OUT,
      LOCAL_GET, Q8_BLOCKS, ...i32Const(1), I32_SUB, LOCAL_SET, Q8_BLOCKS,
      BR, 0, END, END,
      END]);
  }

  function moduleBytes() {
    const types = [2, 0x60, 5, I32, I32, I32, I32, I32, 0, 0x60, 8, I32, I32, I32, I32, I32, I32, I32, I32, 0];
    const imports = [1, ...text("env"), ...text("memory"), 0x02, 0x00, 1];
    const functions = [2, 0, 1];
    const exports = [2, ...text("matmulInterleaved"), 0x00, 0, ...text("q8Matmul"), 0x00, 1];
    const code = [2, ...matmulInterleaved(), ...q8Matmul()];
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, types), ...section(2, imports), ...section(3, functions), ...section(7, exports),
      ...section(10, code)]);
  }

  /**
   * The functions Java imports as module "simd": the kernels over `memory` (the TeaVM module's),
   * and available(), 1 while they are enabled; or, where this browser cannot run them, available() = 0.
   */
  function imports(memory) {
    const bytes = moduleBytes();
    if (!WebAssembly.validate(bytes)) {
      const none = () => { throw new Error("no WebAssembly SIMD here"); };
      return { available: () => 0, matmulInterleaved: none, q8Matmul: none };
    }
    const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    return { available: () => (simd.enabled ? 1 : 0), matmulInterleaved: kernels.matmulInterleaved,
      q8Matmul: kernels.q8Matmul };
  }

  /** TeaVM's installImports: adds module "simd" to the imports of its module, over its memory. */
  function install(teavmImports) {
    teavmImports.simd = imports(teavmImports.env.memory);
  }

  return {
    enabled: true, // false: the models loaded from now on keep to the scalar loops (bench.html's kernels=scalar)
    install,
    imports,
    moduleBytes,
  };
})();
