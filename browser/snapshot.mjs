// Booting Pyodide from a memory snapshot made at build time
// (`python -m adapters.browser build ... --snapshot`, see make-snapshot.mjs).
//
// A snapshot is the interpreter's whole WebAssembly memory after the app's dependencies
// were imported, so a boot from it skips the interpreter start-up and those imports.
// Pyodide's snapshot options are experimental (`_makeSnapshot`, `_loadSnapshot`), and in
// Pyodide 314.0.7 a restore fails ("offset is out of bounds") when the snapshot is larger
// than the memory the module starts with, which it is once packages are imported; so the
// memory is grown to the snapshot's size right after the module is instantiated.
// Used by sw.js and by the tests' Node runner.

const SNAPSHOT_MAGIC_WORDS = 2; // magic number, then the header length in bytes

/** The size of the memory image inside a snapshot file (after its header). */
export function snapshotHeapBytes(bytes) {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, SNAPSHOT_MAGIC_WORDS);
  return bytes.byteLength - words[1];
}

/**
 * Call `start` (which calls loadPyodide) while every WebAssembly instance that exports a
 * memory smaller than `bytesNeeded` gets it grown first; restores WebAssembly after.
 */
export async function withMemoryFor(bytesNeeded, start) {
  const { instantiate, instantiateStreaming } = WebAssembly;
  const grow = (result) => {
    const memory = (result?.instance ?? result)?.exports?.memory;
    if (memory instanceof WebAssembly.Memory && memory.buffer.byteLength < bytesNeeded) {
      memory.grow(Math.ceil((bytesNeeded - memory.buffer.byteLength) / 65536));
    }
    return result;
  };
  WebAssembly.instantiate = (...args) => instantiate.apply(WebAssembly, args).then(grow);
  if (instantiateStreaming) {
    WebAssembly.instantiateStreaming = (...args) => instantiateStreaming.apply(WebAssembly, args).then(grow);
  }
  try {
    return await start();
  } finally {
    WebAssembly.instantiate = instantiate;
    if (instantiateStreaming) WebAssembly.instantiateStreaming = instantiateStreaming;
  }
}

/**
 * The snapshot's bytes from the file's bytes: bundles ship it gzipped (a mostly empty
 * memory image: 45 MB becomes 11 MB), but a server that sends .gz files with
 * Content-Encoding: gzip hands over the inflated bytes already, so check the magic.
 */
export async function inflateSnapshot(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

/** loadPyodide(options) from the snapshot `bytes` (a Uint8Array). */
export function loadFromSnapshot(loadPyodide, options, bytes) {
  return withMemoryFor(snapshotHeapBytes(bytes), () => loadPyodide({ ...options, _loadSnapshot: bytes }));
}
