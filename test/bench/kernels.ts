/**
 * Compute-bound kernels for `npm run bench`: each as a pvk system (one
 * bare-metal domain) and as the same algorithm in plain JavaScript.
 */
export interface BenchKernel {
  name: string;
  /** The kernel's pvk source; a system around it is added by the bench. */
  pvk: string;
  pages: number;
  /** The same algorithm in plain JavaScript, returning the same exit code. */
  js: () => number;
}

const SIEVE_N = 2_000_000;
const FNV_BYTES = 4 * 1024 * 1024;
const MAT = 64;

export const KERNELS: BenchKernel[] = [
  {
    name: 'sieve 2M',
    pages: Math.ceil(SIEVE_N / 4096),
    pvk: `
const N = ${SIEVE_N};
fn main() -> u32 {
    let count: u32 = 0;
    for i in 2..N {
        if (mem8[i] == 0) {
            count += 1;
            if (i <= N / i) {
                let j = i * i;
                while (j < N) {
                    mem8[j] = 1;
                    j += i;
                }
            }
        }
    }
    return count;
}`,
    js() {
      const mem = new Uint8Array(SIEVE_N);
      let count = 0;
      for (let i = 2; i < SIEVE_N; i++) {
        if (mem[i] === 0) {
          count++;
          if (i <= SIEVE_N / i) for (let j = i * i; j < SIEVE_N; j += i) mem[j] = 1;
        }
      }
      return count;
    },
  },
  {
    name: 'fib(27)',
    pages: 1,
    pvk: `
fn fib(n: u32) -> u32 {
    if (n < 2) { return n; }
    return fib(n - 1) + fib(n - 2);
}
fn main() -> u32 { return fib(27); }`,
    js() {
      const fib = (n: number): number => (n < 2 ? n : (fib(n - 1) + fib(n - 2)) >>> 0);
      return fib(27);
    },
  },
  {
    name: 'FNV-1a 4 MiB',
    pages: FNV_BYTES / 4096,
    pvk: `
const SIZE = ${FNV_BYTES};
fn main() -> u32 {
    for i in 0..SIZE / 4 {
        mem32[i * 4] = i * 2654435761;
    }
    let h: u32 = 2166136261;
    for i in 0..SIZE {
        h = (h ^ mem8[i]) * 16777619;
    }
    return h;
}`,
    js() {
      const view = new DataView(new ArrayBuffer(FNV_BYTES));
      const bytes = new Uint8Array(view.buffer);
      for (let i = 0; i < FNV_BYTES / 4; i++) view.setInt32(i * 4, Math.imul(i, 2654435761 | 0), true);
      let h = 2166136261 | 0;
      for (let i = 0; i < FNV_BYTES; i++) h = Math.imul(h ^ bytes[i], 16777619);
      return h >>> 0;
    },
  },
  {
    name: 'matmul 64x64',
    pages: Math.ceil((3 * MAT * MAT * 4) / 4096),
    pvk: `
const N = ${MAT};
const A = 0;
const B = ${MAT * MAT * 4};
const C = ${2 * MAT * MAT * 4};
fn main() -> u32 {
    for i in 0..N * N {
        mem32[A + i * 4] = i % 7;
        mem32[B + i * 4] = i % 5;
    }
    for i in 0..N {
        for j in 0..N {
            let s: u32 = 0;
            for k in 0..N {
                s += mem32[A + (i * N + k) * 4] * mem32[B + (k * N + j) * 4];
            }
            mem32[C + (i * N + j) * 4] = s;
        }
    }
    let sum: u32 = 0;
    for i in 0..N * N {
        sum += mem32[C + i * 4];
    }
    return sum;
}`,
    js() {
      const n = MAT;
      const view = new DataView(new ArrayBuffer(3 * n * n * 4));
      const A = 0;
      const B = n * n * 4;
      const C = 2 * n * n * 4;
      for (let i = 0; i < n * n; i++) {
        view.setInt32(A + i * 4, i % 7, true);
        view.setInt32(B + i * 4, i % 5, true);
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s = (s + Math.imul(view.getInt32(A + (i * n + k) * 4, true), view.getInt32(B + (k * n + j) * 4, true))) | 0;
          view.setInt32(C + (i * n + j) * 4, s, true);
        }
      }
      let sum = 0;
      for (let i = 0; i < n * n; i++) sum = (sum + view.getInt32(C + i * 4, true)) | 0;
      return sum >>> 0;
    },
  },
];
