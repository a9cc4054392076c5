// Run Python code in Pyodide in Node, from a bundle built by `python -m adapters.browser build`.
//
//   node tests/node/run_pyodide.mjs BUNDLE_DIR [--packages a,b,...] [--snapshot] < code.py
//
// With --snapshot, boots from the bundle's memory snapshot (bundle.json "snapshot") the way
// the service worker does, through browser/snapshot.mjs.
// Loads the runtime and the wheels from BUNDLE_DIR/pyodide/ only: every fetch of an
// http(s) or ws(s) URL throws, so does any socket connection, and every URL fetched is
// reported. The code runs with
// `runPythonAsync` (top-level await allowed); if it binds `result`, the harness returns
// `json.dumps(result)`. Prints exactly one JSON line on stdout:
//   {"ok", "result", "error", "stdout", "stderr", "fetched", "blocked", "timings": {...}}
// Exit status 0 when the code ran, 1 when it raised, 2 when the harness itself failed.
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

const started = performance.now();
const report = { ok: false, result: null, error: null, stdout: "", stderr: "", fetched: [], blocked: [], timings: {} };
const out = [];
const err = [];

function finish(status) {
  report.stdout = out.join("\n") + (out.length ? "\n" : "");
  report.stderr = err.join("\n") + (err.length ? "\n" : "");
  report.timings.total_ms = performance.now() - started;
  process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(status));
}

const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : (input?.url ?? String(input));
  report.fetched.push(url);
  if (/^(https?|wss?):/i.test(url)) {
    report.blocked.push(url);
    throw new Error(`network access blocked by the test harness: ${url}`);
  }
  return realFetch(input, init);
};

// Below fetch: any TCP connection at all (node:http, node:https, ws, undici).
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...connectArgs) {
  const target = JSON.stringify(connectArgs[0]?.host ?? connectArgs[0]?.path ?? connectArgs[0] ?? null);
  report.blocked.push(`socket ${target}`);
  throw new Error(`network access blocked by the test harness: socket ${target}`);
};
void realConnect;

try {
  const args = process.argv.slice(2);
  const bundle = path.resolve(args[0] ?? "");
  const manifest = JSON.parse(readFileSync(path.join(bundle, "bundle.json"), "utf8"));
  const packagesFlag = args.indexOf("--packages");
  const packages = packagesFlag >= 0 ? args[packagesFlag + 1].split(",").filter(Boolean) : manifest.packages;
  const indexDir = path.join(bundle, manifest.pyodide.index) + path.sep;
  const code = readFileSync(0, "utf8");

  const { loadPyodide } = await import(pathToFileURL(path.join(indexDir, "pyodide.mjs")).href);
  const options = {
    indexURL: indexDir,
    lockFileURL: path.join(bundle, manifest.pyodide.lockfile),
    packageBaseUrl: indexDir,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  };
  let pyodide;
  if (args.includes("--snapshot")) {
    const { inflateSnapshot, loadFromSnapshot } = await import("../../browser/snapshot.mjs");
    const bytes = await inflateSnapshot(new Uint8Array(readFileSync(path.join(bundle, manifest.snapshot.file))));
    pyodide = await loadFromSnapshot(loadPyodide, options, bytes);
  } else {
    pyodide = await loadPyodide(options);
  }
  report.timings.boot_ms = performance.now() - started;

  let mark = performance.now();
  await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: (m) => err.push(m) });
  report.timings.load_ms = performance.now() - mark;

  const namespace = pyodide.globals.get("dict")();
  mark = performance.now();
  try {
    await pyodide.runPythonAsync(code, { globals: namespace });
    if (namespace.has("result")) {
      report.result = JSON.parse(pyodide.runPython("__import__('json').dumps(result)", { globals: namespace }));
    }
    report.ok = true;
  } catch (error) {
    report.error = String(error?.message ?? error);
  }
  report.timings.run_ms = performance.now() - mark;
  finish(report.ok ? 0 : 1);
} catch (error) {
  report.error = `harness: ${error?.stack ?? error}`;
  finish(2);
}
