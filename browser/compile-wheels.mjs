// Add Pyodide's own bytecode to wheels:
//   node compile-wheels.mjs RUNTIME_DIR LOCKFILE WHEEL...
// (LOCKFILE: any lockfile of this runtime; no package is loaded.)
// Run by `python -m adapters.browser build` when Node.js is on PATH.
//
// In the browser Python compiles every module the app imports on every boot (nothing it
// writes outlives the worker); with the bytecode in the wheels a Flask or FastAPI app
// imports in about half the time. The bytecode must come from Pyodide's Python (3.14
// here, not the build machine's), so the bundle's own runtime compiles it: each .py file
// gets an unchecked hash-based .pyc in __pycache__ beside it (valid whatever the files'
// times after unpacking), the sources stay (tracebacks keep their lines), and RECORD
// lists the new files. Each wheel is rewritten in place, byte for byte the same for the
// same input. Prints one JSON line on stdout; exit 1 on failure.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const COMPILE = `
import base64, hashlib, importlib.util, io, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

def compile_wheel(data):
    source = zipfile.ZipFile(io.BytesIO(data.to_bytes()))
    entries = [(i.filename, source.read(i)) for i in source.infolist() if not i.is_dir()]
    record = next(n for n, _ in entries if n.endswith(".dist-info/RECORD"))
    present = {n for n, _ in entries}
    added = []
    for name, body in entries:
        top = name.split("/")[0]
        if not name.endswith(".py") or top.endswith((".dist-info", ".data")):
            continue
        cached = importlib.util.cache_from_source(name)
        if cached in present:
            continue
        try:
            code = compile(body, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue  # a file that never imports here (py2 examples, templates)
        pyc = _code_to_hash_pyc(code, importlib.util.source_hash(body), checked=False)
        added.append((cached, bytes(pyc)))
    if not added:
        return None, 0
    files = sorted([(n, b) for n, b in entries if n != record] + added)
    lines = []
    for name, body in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(body)}")
    lines.append(f"{record},,")
    files.append((record, ("\\n".join(lines) + "\\n").encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files:
            member = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            member.external_attr = 0o644 << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, body)
    return out.getvalue(), len(added)
`;

function finish(result, code) {
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(code));
}

try {
  const [runtimeArg, lockArg, ...wheels] = process.argv.slice(2);
  if (!lockArg) throw new Error("usage: node compile-wheels.mjs RUNTIME_DIR LOCKFILE WHEEL...");
  const runtime = path.resolve(runtimeArg) + path.sep;
  const { loadPyodide } = await import(pathToFileURL(path.join(runtime, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({
    indexURL: runtime, lockFileURL: path.resolve(lockArg), stdout: () => {}, stderr: () => {},
  });
  pyodide.runPython(COMPILE);
  const compileWheel = pyodide.globals.get("compile_wheel");
  const report = [];
  for (const wheel of wheels) {
    const result = compileWheel(new Uint8Array(readFileSync(wheel)));
    const [bytes, count] = result.toJs();
    result.destroy();
    if (bytes) writeFileSync(wheel, bytes);
    report.push({ wheel: path.basename(wheel), compiled: count });
  }
  compileWheel.destroy();
  finish({ ok: true, python: pyodide.runPython("import sys; sys.version.split()[0]"), wheels: report }, 0);
} catch (error) {
  finish({ ok: false, error: String(error?.message ?? error) }, 1);
}
