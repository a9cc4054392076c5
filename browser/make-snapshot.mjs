// Make a Pyodide memory snapshot for a bundle: `node make-snapshot.mjs BUNDLE_DIR OUT_FILE`.
// Run by `python -m adapters.browser build ... --snapshot` (Node.js 20 or newer).
//
// 1. A plain Pyodide loads the bundle's packages and imports the app once (with the
//    bundle's fixed environment), to learn which modules the app's import loads.
// 2. A second Pyodide, started with `_makeSnapshot`, loads the packages and imports
//    those modules, except the app's own: the app is imported again after each boot,
//    so that it reads the browser's environment (generated secrets), not the build's.
// 3. Its memory is written to OUT_FILE. The packages' files are not in it (they live in
//    Emscripten's file system, JS memory): the worker loads the packages again after the
//    restore, which unpacks the wheels without importing anything.
//
// Refuses (exit 1) when the app's import loads compiled extension modules: Pyodide's
// snapshots cannot restore dynamic libraries. Prints one JSON line on stdout.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const FIND_MODULES = `
import importlib, json, os, sys
settings = json.loads(SETTINGS)
for name, value in settings.get("env", {}).get("values", {}).items():
    os.environ.setdefault(name, str(value))
own = set(settings.get("app_code", {}).get("top_level", []))
before = set(sys.modules)
importlib.import_module(settings["app"].partition(":")[0])
importlib.import_module("adapters.browser.worker")
loaded = [n for n in sys.modules if n not in before and n != "__main__" and n.split(".")[0] not in own]
compiled = sorted(
    n for n in loaded
    if (getattr(sys.modules[n], "__file__", None) or "").endswith(".so")
)
json.dumps({"modules": loaded, "compiled": compiled})
`;

const IMPORT_MODULES = `
import importlib, json
failed = []
for name in json.loads(MODULES):
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {error!r}")
json.dumps(failed)
`;

function fail(message) {
  process.stdout.write(JSON.stringify({ ok: false, error: message }) + "\n", () => process.exit(1));
}

async function boot(loadPyodide, bundle, manifest, extra) {
  const indexDir = path.join(bundle, manifest.pyodide.index) + path.sep;
  const pyodide = await loadPyodide({
    indexURL: indexDir,
    lockFileURL: path.join(bundle, manifest.pyodide.lockfile),
    packageBaseUrl: indexDir,
    stdout: () => {},
    stderr: () => {},
    ...extra,
  });
  const errors = [];
  await pyodide.loadPackage(manifest.packages, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
  if (errors.length) throw new Error(`loading the packages: ${errors.join("; ")}`);
  return pyodide;
}

try {
  const [bundleArg, outArg] = process.argv.slice(2);
  if (!bundleArg || !outArg) throw new Error("usage: node make-snapshot.mjs BUNDLE_DIR OUT_FILE");
  const bundle = path.resolve(bundleArg);
  const manifestText = readFileSync(path.join(bundle, "bundle.json"), "utf8");
  const manifest = JSON.parse(manifestText);
  const indexDir = path.join(bundle, manifest.pyodide.index);
  const { loadPyodide } = await import(pathToFileURL(path.join(indexDir, "pyodide.mjs")).href);

  const first = await boot(loadPyodide, bundle, manifest, {});
  first.globals.set("SETTINGS", manifestText);
  let found;
  try {
    found = JSON.parse(first.runPython(FIND_MODULES));
  } catch (error) {
    throw new Error(`importing the app failed: ${String(error?.message ?? error).trim().split("\n").pop()}`);
  }
  if (found.compiled.length) {
    fail(
      `the app imports compiled modules (${found.compiled.join(", ")}); ` +
        "Pyodide cannot restore those from a snapshot: build without --snapshot",
    );
  } else {
    const second = await boot(loadPyodide, bundle, manifest, { _makeSnapshot: true });
    second.globals.set("MODULES", JSON.stringify(found.modules));
    const failed = JSON.parse(second.runPython(IMPORT_MODULES));
    second.globals.delete("MODULES");
    // Pyodide checks that its own JS state is as it was at start-up; the packages loaded
    // above are loaded again after every restore, so they are not part of that state.
    for (const name of Object.keys(second.loadedPackages)) delete second.loadedPackages[name];
    const snapshot = second.makeMemorySnapshot();
    writeFileSync(path.resolve(outArg), snapshot);
    const result = { ok: true, bytes: snapshot.byteLength, modules: found.modules.length, failed };
    process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
  }
} catch (error) {
  fail(String(error?.message ?? error));
}
