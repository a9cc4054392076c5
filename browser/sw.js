// The service worker that runs a WSGI or ASGI app in the browser, from a bundle built by
// `python -m adapters.browser build APP --web ...`. Register it as a MODULE worker:
//
//   navigator.serviceWorker.register("./sw.js", { type: "module", scope: "./app/" })
//
// Every request under the scope (navigations, links, form posts, fetch calls) is answered
// by the app through adapters.browser.BrowserHandler; anything else (./pyodide/*, other
// sites) is left alone and goes to the network untouched.
//
// Service worker rules this follows: static imports only (import() is banned, and so is
// top-level await), so the Emscripten module is imported here and handed to loadPyodide.
// The browser stops idle workers and all Python state goes with it, so the boot runs in
// `install` and again, lazily, on the next fetch or message. The browser ignores
// Set-Cookie on a response made here and sends no Cookie header to a worker, so the app's
// cookies live in a jar of their own, kept in IndexedDB with any secrets generated for
// the app (bundle.json "env": {"values": {...}, "generate": [...]}); those without
// HttpOnly are also written into the browser's store, for document.cookie (see
// "Cookies page scripts see" below).
//
// Cookies as a browser keeps them (adapters/browser/cookies.py): for each navigation the
// worker looks up the window that started it (clients.get finds only windows of this
// origin) and hands that to Python with the request, which judges SameSite from it and
// from the request's mode, destination, referrer and Origin. A saved jar that cannot be
// read is dropped with one warning and the app boots with an empty one. The jar lives in
// IndexedDB, which the origin's page scripts can read too: no browser store is out of
// their reach, HttpOnly included (bundle.json "cookies": {"persist_http_only": false}
// keeps HttpOnly cookies in the worker's memory only).
//
// The pages the worker makes itself (the boot error, the 500) carry a Content-Security-
// Policy of their own; the app's answers keep the app's headers, CSP included.
//
// Offline first: every file a boot fetches (bundle.json "files": the runtime, the
// wheels, the snapshot) goes into a Cache Storage cache named after the bundle's
// "build", and the worker boots from the cache of the build it last booted, so the app
// starts with the network off, after the worker was stopped or the browser restarted.
// After each boot it asks the network for bundle.json (never waiting for the answer to
// serve): a new "build" is downloaded whole into a new cache, every file checked against
// its SHA-256, and only then made the one to boot; the next navigation starts it.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import createPyodideModule from "./pyodide/pyodide.asm.mjs";
import { inflateSnapshot, loadFromSnapshot } from "./snapshot.mjs";

const SITE = new URL("./", self.location.href);
const SCOPE = self.registration.scope;
const BASE_PATH = new URL(SCOPE).pathname.replace(/\/+$/, "") || "/";
const DB_NAME = "adapters-browser";
const STORE = "kv";

let booting = null; // the Promise of the handler, for this run of the worker
let running = null; // the build the handler was booted from
let updateReady = null; // a newer build, downloaded whole: the next navigation boots it
let checking = null; // the update check under way
let refused = null; // a build that failed its download, hashes or boot: not tried again here
let lastChosen = null; // the build the last boot attempt used
let devClient = null; // `adapters browser dev`: the reload script's URL (bundle.json "dev")
let outside = null; // bundle.json "mirrors" and "stand_ins", once a manifest was read
let persisted = null; // the Pyodide whose bundle.json "persist" folders live in IndexedDB
let websocketShim = null; // bundle.json "websockets": the page-side WebSocket's URL
let pendingFlush = Promise.resolve();
const networkFetch = self.fetch.bind(self);
let state = { phase: "idle", step: "", error: null, started: 0, ready: 0 };
let pendingSave = Promise.resolve();

// --- IndexedDB: a tiny key-value store ----------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function dbGet(key) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(STORE, "readonly").objectStore(STORE).get(key);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

async function dbSet(key, value) {
  const db = await openDb();
  try {
    await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, "readwrite");
      transaction.objectStore(STORE).put(value, key);
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

const jarKey = `${SCOPE} cookie-jar`;
const buildKey = `${SCOPE} build`;
const previousKey = `${SCOPE} build-previous`;
const CACHE_PREFIX = `adapters ${SCOPE} `;
const MANIFEST_URL = new URL("bundle.json", SITE).href;
const envKey = (name) => `${SCOPE} env ${name}`;

function randomSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function generatedEnv(names) {
  const env = {};
  for (const name of names) {
    let value = null;
    try {
      value = await dbGet(envKey(name));
    } catch (error) {
      console.warn(`adapters: could not read the secret ${name} from IndexedDB; using a new one`, error);
    }
    if (typeof value !== "string" || !value) {
      value = randomSecret();
      try {
        await dbSet(envKey(name), value);
      } catch (error) {
        // Without storage the secret lasts as long as this run of the worker: sessions
        // signed with it end with it, which beats not starting at all.
        console.warn(`adapters: could not keep the secret ${name} in IndexedDB`, error);
      }
    }
    env[name] = value;
  }
  return env;
}

// The saved jar as text for Python, or null: a failed read or a value of the wrong type
// costs the user their cookies (one warning), never the boot. Text that is not a jar is
// Python's to judge (CookieJar.loads warns and starts empty).
async function savedJar() {
  let value;
  try {
    value = await dbGet(jarKey);
  } catch (error) {
    console.warn("adapters: could not read the saved cookie jar; starting with an empty one", error);
    return null;
  }
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    console.warn(`adapters: the saved cookie jar is a ${typeof value}, not text; starting with an empty one`);
    return null;
  }
  return value;
}

function saveJar(text) {
  const value = String(text);
  pendingSave = pendingSave
    .then(() => dbSet(jarKey, value))
    .catch((error) => console.error("adapters: could not save the cookie jar", error));
}

// --- Cookies page scripts see ------------------------------------------------------------
// Cookies without HttpOnly belong in the browser's own store, where document.cookie reads
// and writes them (the double-submit CSRF pattern: Django's csrftoken, Angular's
// XSRF-TOKEN). The browser ignores Set-Cookie on answers a worker makes, so the worker
// writes the app's with the Cookie Store API, and hands the store's current ones to the
// jar with each request. HttpOnly cookies stay in the jar, out of document.cookie.
// Without the API (Firefox, Safari today) they all stay in the jar.
// getAll() gives the cookies for the worker's scope URL (Chromium refuses any other `url`
// in a worker, the scope's own included): cookies with a deeper Path are the jar's alone.
async function visibleCookies() {
  if (!self.cookieStore) return null;
  try {
    const found = await self.cookieStore.getAll();
    return JSON.stringify(
      found.map((c) => ({
        name: c.name, value: c.value, domain: c.domain ?? null, path: c.path ?? "/",
        expires: c.expires ?? null, secure: Boolean(c.secure), sameSite: c.sameSite ?? "lax",
      })),
    );
  } catch (error) {
    console.warn("adapters: could not read the browser's cookies", error);
    return null;
  }
}

async function writeCookies(text) {
  for (const change of JSON.parse(String(text))) {
    const where = { name: change.name, path: change.path, ...(change.domain ? { domain: change.domain } : {}) };
    try {
      if (change.delete) await self.cookieStore.delete(where);
      else {
        await self.cookieStore.set({
          ...where, value: change.value, sameSite: change.sameSite,
          ...(change.expires === null ? {} : { expires: change.expires }),
        });
      }
    } catch (error) {
      console.warn(`adapters: could not write the cookie ${change.name} into the browser`, error);
    }
  }
}

// --- Progress, for the page that installs the worker ----------------------------------
async function tell(message) {
  const clients = await self.clients.matchAll({ includeUncontrolled: true, type: "window" });
  for (const client of clients) client.postMessage(message);
}

function progress(step) {
  state.step = step;
  console.info(`adapters: ${step}`);
  tell({ type: "adapters-progress", step }).catch(() => {});
}

function statusMessage() {
  if (state.phase === "ready") {
    return { type: "adapters-ready", boot_ms: state.ready - state.started, scope: SCOPE };
  }
  if (state.phase === "failed") return { type: "adapters-failed", error: state.error };
  return { type: "adapters-progress", step: state.step };
}

// --- Builds in Cache Storage ------------------------------------------------------------
// During a boot, fetch() of a file the build lists is answered from the build's cache,
// or fetched and kept there (the runtime, wheels and snapshot are fetched with fetch()).
let bootCache = null;

self.fetch = async (resource, init) => {
  const url = resource instanceof Request ? resource.url : new URL(String(resource), self.location.href).href;
  const held = bootCache;
  if (held === null || !held.urls.has(url) || (init?.method && init.method !== "GET")) {
    return networkFetch(resource, init);
  }
  const cached = await held.cache.match(url);
  if (cached) return cached;
  const response = await networkFetch(url);
  if (response.ok) await held.cache.put(url, response.clone());
  return response;
};

function buildOf(settings) {
  if (typeof settings?.build !== "string" || !settings.build) {
    throw new BootError("bundle.json has no \"build\": rebuild the bundle with this version of adapters");
  }
  return settings.build;
}

// The build this boot uses: the one recorded after the last successful boot, from its
// cache; else (the first visit, or the cache was cleared) the network's.
async function buildToBoot() {
  let build = null;
  try {
    build = await dbGet(buildKey);
  } catch (error) {
    console.warn("adapters: could not read the recorded build from IndexedDB", error);
  }
  if (build !== null && build === refused) {
    try {
      build = await dbGet(previousKey);
    } catch {
      build = null;
    }
  }
  if (typeof build === "string" && build) {
    const cached = await (await caches.open(CACHE_PREFIX + build)).match(MANIFEST_URL);
    if (cached) {
      const text = await cached.text();
      const settings = JSON.parse(text);
      // Under `adapters browser dev` every start runs the newest build; offline it is
      // the recorded one.
      const newer = settings.dev ? await networkManifest().catch(() => null) : null;
      if (newer !== null && newer.build !== build) return newer;
      return { build, text, settings, cached: true };
    }
  }
  return networkManifest();
}

async function networkManifest() {
  let response;
  try {
    response = await networkFetch(MANIFEST_URL, { cache: "no-store" });
  } catch (error) {
    throw new BootError(`bundle.json could not be fetched and no earlier build is kept here (${error?.message ?? error})`);
  }
  if (!response.ok) throw new BootError(`bundle.json: HTTP ${response.status}`);
  const text = await response.text();
  const settings = JSON.parse(text);
  return { build: buildOf(settings), text, settings, cached: false };
}

async function dropOtherBuilds(keep) {
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX) && !keep.some((build) => name === CACHE_PREFIX + build)) {
      await caches.delete(name);
    }
  }
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Ask the network for bundle.json; download a new build whole, each file checked, into
// a cache of its own; then record it as the build to boot. Offline, or on any error, the
// running build stays (one log line).
async function checkForUpdate() {
  let response;
  try {
    response = await networkFetch(MANIFEST_URL, { cache: "no-store" });
  } catch {
    return null; // offline: nothing to do
  }
  if (!response.ok) return null;
  const text = await response.text();
  const settings = JSON.parse(text);
  const build = buildOf(settings);
  if (build === running || build === updateReady || build === refused) return null;
  progress(`Downloading the new build ${build}`);
  try {
    return await downloadBuild(build, text, settings);
  } catch (error) {
    refused = build;
    await caches.delete(CACHE_PREFIX + build); // nothing half-downloaded stays
    throw error;
  }
}

async function downloadBuild(build, text, settings) {
  const cache = await caches.open(CACHE_PREFIX + build);
  const old = running === null ? null : await caches.open(CACHE_PREFIX + running);
  for (const file of settings.files ?? []) {
    const url = new URL(file.path, SITE).href;
    if (await cache.match(url)) continue;
    let reply = old === null ? undefined : await old.match(url);
    let bytes = reply ? await reply.clone().arrayBuffer() : null;
    if (bytes === null || (await sha256Hex(bytes)) !== file.sha256) {
      reply = await networkFetch(url, { cache: "no-store" });
      if (!reply.ok) throw new Error(`${file.path}: HTTP ${reply.status}`);
      bytes = await reply.clone().arrayBuffer();
      const digest = await sha256Hex(bytes);
      if (digest !== file.sha256) throw new Error(`${file.path}: SHA-256 ${digest}, not ${file.sha256} as bundle.json says`);
    }
    await cache.put(url, reply);
  }
  await cache.put(MANIFEST_URL, new Response(text, { headers: { "content-type": "application/json" } }));
  if (running !== null) await dbSet(previousKey, running);
  await dbSet(buildKey, build);
  await dropOtherBuilds([build, running].filter(Boolean));
  updateReady = build;
  console.info(`adapters: build ${build} downloaded; the next navigation starts it`);
  tell({ type: "adapters-update-ready", build }).catch(() => {});
  return build;
}

function updateInBackground() {
  if (checking === null) {
    checking = checkForUpdate()
      .catch((error) => {
        console.warn(`adapters: the update check failed; keeping build ${running}`, error);
        return null;
      })
      .finally(() => {
        checking = null;
      });
  }
  return checking;
}

// --- The boot -------------------------------------------------------------------------
class BootError extends Error {}

function pythonMessage(error) {
  // A PythonError's message is the whole traceback; its last line says what went wrong.
  const text = String(error?.message ?? error);
  const lines = text.trim().split("\n").filter((line) => line.trim());
  const last = lines[lines.length - 1] ?? text;
  return last.replace(/^(?:\w+\.)*BootError: /, "");
}

async function boot() {
  state = { phase: "booting", step: "", error: null, started: Date.now(), ready: 0 };
  progress("Reading bundle.json");
  const chosen = await buildToBoot();
  lastChosen = chosen;
  const settingsText = chosen.text;
  const settings = chosen.settings;
  devClient = typeof settings.dev?.client === "string" ? new URL(settings.dev.client, SITE).href : null;
  outside = outsideRules(settings);
  websocketShim = typeof settings.websockets?.shim === "string" ? new URL(settings.websockets.shim, SITE).href : null;
  const cache = await caches.open(CACHE_PREFIX + chosen.build);
  if (!chosen.cached) {
    await cache.put(MANIFEST_URL, new Response(settingsText, { headers: { "content-type": "application/json" } }));
  }
  bootCache = { cache, urls: new Set((settings.files ?? []).map((file) => new URL(file.path, SITE).href)) };
  const index = new URL(settings.pyodide.index, SITE).href;

  progress("Restoring cookies and secrets");
  const env = { ...(settings.env?.values ?? {}), ...(await generatedEnv(settings.env?.generate ?? [])) };
  const jarText = await savedJar();

  const options = {
    indexURL: index,
    lockFileURL: new URL(settings.pyodide.lockfile, SITE).href,
    packageBaseUrl: index,
    createPyodideModule,
    env,
    stdout: (line) => console.log(line),
    stderr: (line) => console.warn(line),
  };
  let pyodide = null;
  if (settings.snapshot?.file) {
    progress(`Starting Python from its snapshot (Pyodide ${settings.pyodide.version})`);
    try {
      const reply = await fetch(new URL(settings.snapshot.file, SITE));
      if (!reply.ok) throw new Error(`${settings.snapshot.file}: HTTP ${reply.status}`);
      const bytes = await inflateSnapshot(new Uint8Array(await reply.arrayBuffer()));
      pyodide = await loadFromSnapshot(loadPyodide, options, bytes);
    } catch (error) {
      // A snapshot is only a faster start: boot the usual way rather than not at all.
      console.warn("adapters: could not boot from the snapshot; starting Python without it", error);
    }
  }
  if (pyodide === null) {
    progress(`Starting Python (Pyodide ${settings.pyodide.version})`);
    pyodide = await loadPyodide(options);
  }

  const packages = settings.packages ?? [];
  progress(`Loading ${packages.length} packages`);
  const errors = [];
  try {
    await pyodide.loadPackage(packages, {
      messageCallback: () => {},
      errorCallback: (message) => {
        errors.push(String(message));
        console.error(`adapters: ${message}`);
      },
    });
  } catch (error) {
    errors.push(String(error?.message ?? error));
  }
  // loadedPackages is keyed by the distributions' own spelling (Flask, MarkupSafe).
  const canonical = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");
  const loaded = new Set(Object.keys(pyodide.loadedPackages).map(canonical));
  const missing = packages.filter((name) => !loaded.has(canonical(name)));
  if (missing.length || errors.length) {
    const files = missing
      .map((name) => settings.wheels?.find((wheel) => canonical(wheel.name) === canonical(name))?.file)
      .filter(Boolean);
    throw new BootError(
      `Could not load the package${missing.length === 1 ? "" : "s"} ${missing.join(", ") || "(see below)"}` +
        (files.length ? ` (${files.join(", ")})` : "") +
        (errors.length ? `: ${errors.join("; ")}` : ""),
    );
  }

  const persist = (settings.persist ?? []).filter((folder) => typeof folder === "string" && folder.startsWith("/"));
  if (persist.length) {
    progress(`Restoring ${persist.join(", ")} from IndexedDB`);
    await mountPersistent(pyodide, persist);
  }

  progress(`Starting the app ${settings.app}`);
  const worker = pyodide.pyimport("adapters.browser.worker");
  // The environment again: a snapshot's os.environ is the one it was made with.
  const pythonEnv = pyodide.toPy(env);
  let handler;
  try {
    handler = await worker.create_handler(
      settingsText, jarText, saveJar, BASE_PATH, pythonEnv, self.cookieStore ? writeCookies : null,
    );
  } catch (error) {
    console.error(error);
    throw new BootError(pythonMessage(error));
  } finally {
    pythonEnv.destroy();
    worker.destroy();
  }
  if (!chosen.cached) {
    // Only a build that booted becomes the one to boot offline.
    try {
      await dbSet(buildKey, chosen.build);
    } catch (error) {
      console.warn("adapters: could not record the build in IndexedDB; the next start needs the network", error);
    }
  }
  running = chosen.build;
  let previous = null;
  try {
    previous = await dbGet(previousKey);
  } catch {
    // without it, only this build's cache is kept
  }
  dropOtherBuilds([chosen.build, previous].filter((build) => typeof build === "string")).catch(() => {});
  state.phase = "ready";
  state.ready = Date.now();
  console.info(`adapters: ${settings.app} ready at ${SCOPE} in ${state.ready - state.started} ms`);
  tell(statusMessage()).catch(() => {});
  return handler;
}

// --- Folders kept in IndexedDB (bundle.json "persist", `--persist /data`) ------------------
// Each folder is an Emscripten IDBFS mount: filled from IndexedDB before the app is
// imported, written back after every answer (one sync at a time, chained), so the files
// the app writes there outlive the worker. IDBFS names its database after the folder:
// apps of one origin that persist the same folder share it.
function syncFs(pyodide, populate) {
  return new Promise((resolve, reject) => pyodide.FS.syncfs(populate, (error) => (error ? reject(error) : resolve())));
}

async function mountPersistent(pyodide, folders) {
  for (const folder of folders) {
    pyodide.FS.mkdirTree(folder);
    pyodide.FS.mount(pyodide.FS.filesystems.IDBFS, {}, folder);
  }
  try {
    await syncFs(pyodide, true);
  } catch (error) {
    console.warn(`adapters: could not restore ${folders.join(", ")} from IndexedDB; they start empty`, error);
  }
  persisted = pyodide;
}

function flushPersistent() {
  const pyodide = persisted;
  if (pyodide === null) return pendingFlush;
  pendingFlush = pendingFlush
    .then(() => syncFs(pyodide, false))
    .catch((error) => console.warn("adapters: could not write the persistent folders to IndexedDB", error));
  return pendingFlush;
}

// A downloaded build that cannot start (a broken deploy) must not leave the user with
// nothing: the build that ran before it starts instead, and the broken one is not tried
// again in this run of the worker.
async function bootWithFallback() {
  try {
    return await boot();
  } catch (error) {
    const failed = lastChosen;
    let previous = null;
    try {
      previous = await dbGet(previousKey);
    } catch {
      // no previous build to fall back to
    }
    // Under `adapters browser dev` the error is what the developer needs to see.
    if (failed?.settings?.dev || !failed?.cached || typeof previous !== "string" || !previous || previous === failed.build) throw error;
    console.error(`adapters: build ${failed.build} could not start; starting the previous build ${previous}`, error);
    refused = failed.build;
    const handler = await boot();
    await dbSet(buildKey, previous).catch(() => {}); // the next start, offline too, uses it
    return handler;
  }
}

function ensureBooted() {
  if (booting === null) {
    booting = bootWithFallback().then((handler) => {
      bootCache = null;
      updateInBackground();
      return handler;
    });
    booting = booting.catch((error) => {
      bootCache = null;
      state.phase = "failed";
      state.error = error instanceof BootError ? error.message : String(error?.message ?? error);
      console.error(`adapters: the app could not start: ${state.error}`, error);
      tell(statusMessage()).catch(() => {});
      throw error;
    });
  }
  return booting;
}

// --- Answers --------------------------------------------------------------------------
// The worker's own pages have no script and need nothing but their inline style.
const OWN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// `adapters browser dev` reloads the app's pages when their code changes: the worker
// adds its dev server's small script to every HTML page a navigation gets (the app's
// Content-Security-Policy may refuse it; the page then has to be reloaded by hand).
function withDevClient(response, build, shim = true) {
  const shimUrl = shim ? websocketShim : null;
  if ((devClient === null && shimUrl === null) || !response.body) return response;
  if (!(response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/html")) return response;
  const encoder = new TextEncoder();
  const tail = devClient === null ? null : encoder.encode(
    `\n<script src="${escapeHtml(devClient)}" data-adapters-build="${escapeHtml(build ?? "")}"></script>\n`,
  );
  const head = shimUrl === null ? null : encoder.encode(
    `<script src="${escapeHtml(shimUrl)}" data-adapters-scope="${escapeHtml(SCOPE)}"></script>`,
  );
  let first = true;
  const body = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      if (first && head !== null) controller.enqueue(insertEarly(chunk, head));
      else controller.enqueue(chunk);
      first = false;
    },
    flush(controller) {
      if (first && head !== null) controller.enqueue(head);
      if (tail !== null) controller.enqueue(tail);
    },
  }));
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

// The error page under `adapters browser dev` runs the reload script and its event stream.
const devPageCsp = (origin) => `${OWN_PAGE_CSP}; script-src ${origin}; connect-src ${origin}`;

// The WebSocket stand-in must run before the page's own scripts: right after <head>
// (or the doctype) in the first chunk, never before the doctype (quirks mode).
function insertEarly(chunk, tag) {
  const text = new TextDecoder("latin1").decode(chunk.subarray(0, 4096));
  const head = /<head(\s[^>]*)?>/i.exec(text);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(text);
  const at = head ? head.index + head[0].length : doctype ? doctype[0].length : 0;
  const joined = new Uint8Array(chunk.length + tag.length);
  joined.set(chunk.subarray(0, at), 0);
  joined.set(tag, at);
  joined.set(chunk.subarray(at), at + tag.length);
  return joined;
}

function bootErrorResponse(request) {
  const message = state.error ?? "unknown error";
  const headers = {
    "cache-control": "no-store",
    "x-adapters-error": "boot",
    "content-security-policy": OWN_PAGE_CSP,
  };
  if (devClient !== null) headers["content-security-policy"] = devPageCsp(new URL(devClient).origin);
  if (request.mode === "navigate" || (request.headers.get("accept") ?? "").includes("text/html")) {
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The app could not start</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
pre{white-space:pre-wrap;background:#ffebee;border:1px solid #ef9a9a;padding:.75rem;border-radius:4px}</style></head>
<body><h1>The app could not start</h1>
<p>The service worker could not boot Python and the app in this browser:</p>
<pre id="adapters-boot-error">${escapeHtml(message)}</pre>
<p>Reload to try again. Details are in the browser console (the service worker's log).</p></body></html>`;
    const page = new Response(html, { status: 503, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
    return withDevClient(page, lastChosen?.build, false);
  }
  return new Response(`The app could not start: ${message}\n`, {
    status: 503,
    headers: { ...headers, "content-type": "text/plain; charset=utf-8" },
  });
}

// How long Python took to start the answer, as the standard Server-Timing header: the
// browser's DevTools show it beside the request, and pages can read it to tell the app's
// time from the service worker's own round trip (bench/PROFILE.md).
function serverTiming(response, ms) {
  try {
    response.headers.append("server-timing", `app;dur=${ms.toFixed(2)};desc="adapters in the service worker"`);
  } catch {
    // immutable headers (a Response the app passed through): leave them as they are
  }
}

// Who started a navigation, for SameSite: JSON for BrowserHandler.handle, or null when
// the event names no client (a typed URL, a bookmark) or it is not a navigation (the
// worker only sees subresource requests of the pages it controls, all of this origin).
async function initiatorOf(event) {
  if (event.request.mode !== "navigate" || !event.clientId) return null;
  let client;
  try {
    client = await self.clients.get(event.clientId);
  } catch {
    client = undefined;
  }
  if (!client) return JSON.stringify({ found: false }); // a window of another origin
  const ancestors = client.ancestorOrigins ? Array.from(client.ancestorOrigins) : null;
  return JSON.stringify({ found: true, url: client.url, frameType: client.frameType, ancestorOrigins: ancestors });
}

async function answer(event) {
  const request = event.request;
  if (devClient !== null && running !== null && request.mode === "navigate") {
    await updateInBackground(); // `adapters browser dev`: every page load runs the newest build
  }
  if (updateReady !== null && request.mode === "navigate") {
    // A new build is downloaded whole: this navigation starts it, in this worker.
    console.info(`adapters: starting build ${updateReady} (was ${running})`);
    updateReady = null;
    booting = null;
  }
  let handler;
  try {
    handler = await ensureBooted();
  } catch {
    // Try again on the next navigation: the missing file may be back by then.
    if (request.mode === "navigate") booting = null;
    return bootErrorResponse(request);
  }
  if (request.mode === "navigate") {
    try {
      event.waitUntil(updateInBackground());
    } catch {
      // the event is no longer active: the check still runs
    }
  }
  try {
    const initiator = await initiatorOf(event);
    const started = performance.now();
    const response = await handler.handle(request, initiator, await visibleCookies());
    serverTiming(response, performance.now() - started);
    try {
      // keep the worker alive until the jar and the persistent folders are saved
      event.waitUntil(Promise.all([pendingSave, flushPersistent()]));
    } catch {
      // the event is no longer active: the saves still run
    }
    if (request.mode === "navigate") return withDevClient(response, running);
    return response;
  } catch (error) {
    console.error(`adapters: answering ${request.method} ${request.url} failed`, error);
    return new Response("Internal Server Error\n", {
      status: 500,
      headers: { "content-type": "text/plain; charset=utf-8", "content-security-policy": OWN_PAGE_CSP },
    });
  }
}

// --- CDN files the app's pages load, from the bundle ------------------------------------
// bundle.json "mirrors" map a CDN prefix (FastAPI's docs load Swagger UI from jsDelivr) to
// an npm package kept in the bundle; "stand_ins" are prefixes answered 204 No Content (a
// web font's CSS, a favicon elsewhere), so a page of the app never reaches another host.
function outsideRules(settings) {
  const mirrors = (settings.mirrors ?? []).filter((m) => typeof m?.url === "string" && typeof m?.path === "string");
  const standIns = (settings.stand_ins ?? []).filter((prefix) => typeof prefix === "string");
  return { mirrors, standIns };
}

function outsideAnswer(rules, request) {
  const url = request.url.split("#")[0];
  for (const mirror of rules.mirrors) {
    if (url.startsWith(mirror.url)) {
      const rest = url.slice(mirror.url.length).split("?")[0];
      return { local: new URL(mirror.path + rest, SITE).href };
    }
  }
  if (rules.standIns.some((prefix) => url.startsWith(prefix))) return { standIn: true };
  return null;
}

// A file of the bundle's own a page of the app loads (the WebSocket stand-in): from the
// running build's cache, so that it loads offline too.
async function answerBundleFile(request) {
  const cache = running === null ? null : await caches.open(CACHE_PREFIX + running);
  const cached = cache ? await cache.match(request.url) : undefined;
  if (cached) return cached;
  const response = await networkFetch(request);
  if (response.ok && cache) await cache.put(request.url, response.clone());
  return response;
}

async function answerOutside(request, known) {
  let rules = known;
  if (rules === null) {
    try {
      rules = outsideRules((await buildToBoot()).settings);
    } catch {
      return networkFetch(request); // no manifest to go by: as if the worker were not here
    }
    outside = rules;
  }
  const found = outsideAnswer(rules, request);
  if (found === null) return networkFetch(request);
  if (found.standIn) return new Response(null, { status: 204 });
  const build = running ?? (await dbGet(buildKey).catch(() => null));
  const cache = build ? await caches.open(CACHE_PREFIX + build) : null;
  const cached = cache ? await cache.match(found.local) : undefined;
  if (cached) return cached;
  try {
    const response = await networkFetch(found.local);
    if (response.ok && cache) await cache.put(found.local, response.clone());
    return response;
  } catch {
    return new Response("Not kept offline yet: open this page once with the network on.\n", {
      status: 504,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

// --- Events ---------------------------------------------------------------------------
self.addEventListener("install", (event) => {
  self.skipWaiting();
  // A failed boot must not fail the install: the worker then explains the failure
  // (an error page for navigations, a message to the installing page).
  event.waitUntil(ensureBooted().catch(() => {}));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!request.url.startsWith(SCOPE)) {
    // Outside the app: the network, but for the CDN files the bundle keeps (GET only).
    if (request.method === "GET" && websocketShim !== null && request.url === websocketShim) {
      event.respondWith(answerBundleFile(request));
      return;
    }
    if (request.method !== "GET" || request.url.startsWith(SITE.href)) return;
    if (outside !== null && outsideAnswer(outside, request) === null) return;
    event.respondWith(answerOutside(request, outside));
    return;
  }
  event.respondWith(answer(event));
});

// A page's WebSocket for the app (websocket-shim.js): the channel's port carries it.
async function openWebSocket(event, port) {
  let handler;
  try {
    handler = await ensureBooted();
  } catch {
    port.postMessage({ type: "close", code: 1006, reason: "", accepted: false });
    return;
  }
  const url = String(event.data.url ?? "");
  const protocols = Array.isArray(event.data.protocols) ? event.data.protocols.map(String) : [];
  await handler.websocket(url, JSON.stringify(protocols), port, event.origin || null);
}

self.addEventListener("message", (event) => {
  if (event.data?.type === "adapters-websocket" && event.ports?.[0]) {
    // waitUntil keeps the worker alive while the connection is open (browsers cap it)
    event.waitUntil(openWebSocket(event, event.ports[0]).catch((error) => console.error("adapters: websocket", error)));
    return;
  }
  if (event.data?.type === "adapters-check-update") {
    const reply = (build) => event.source?.postMessage({ type: "adapters-update-checked", build: build ?? null });
    event.waitUntil(ensureBooted().then(() => updateInBackground()).then(reply, () => reply(null)));
    return;
  }
  if (event.data?.type !== "adapters-status") return;
  const reply = () => event.source?.postMessage(statusMessage());
  if (state.phase === "failed") booting = null; // a page asking again: try again
  event.waitUntil(ensureBooted().then(reply, reply));
});
