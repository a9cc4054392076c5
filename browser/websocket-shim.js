// WebSocket for the app in the service worker: a stand-in for `WebSocket` in the app's
// pages (bundles built with --websockets; the worker adds this script to them).
//
// A service worker cannot accept WebSocket connections: the browser opens those itself,
// past every worker. For a URL under the app's scope this stand-in carries the
// connection to the worker over a MessageChannel, where the app's ASGI websocket runs
// (adapters/browser/websocket.py); any other URL gets the browser's own WebSocket. It
// keeps WebSocket's interface: readyState, protocol, binaryType ("blob" or
// "arraybuffer"), send(string | ArrayBuffer | view | Blob), close(code, reason), and
// the open, message, error and close events (as properties and listeners).
(() => {
  const script = document.currentScript;
  const Native = window.WebSocket;
  if (!script || !Native || !("serviceWorker" in navigator)) return;
  const SCOPE = new URL(script.dataset.adaptersScope ?? "./", location.href).href;
  const STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };

  function httpUrl(url) {
    const resolved = new URL(url, location.href);
    if (resolved.protocol === "ws:") resolved.protocol = "http:";
    else if (resolved.protocol === "wss:") resolved.protocol = "https:";
    return resolved;
  }

  class AppWebSocket extends EventTarget {
    constructor(url, protocols) {
      super();
      const target = httpUrl(url);
      if (!target.href.startsWith(SCOPE) || target.origin !== location.origin) {
        return protocols === undefined ? new Native(url) : new Native(url, protocols);
      }
      const shown = new URL(target.href);
      shown.protocol = target.protocol === "https:" ? "wss:" : "ws:";
      this.url = shown.href;
      this.readyState = STATES.CONNECTING;
      this.protocol = "";
      this.extensions = "";
      this.bufferedAmount = 0;
      this.binaryType = "blob";
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      this._sending = Promise.resolve();
      const channel = new MessageChannel();
      this._port = channel.port1;
      this._port.onmessage = (event) => this._arrived(event.data ?? {});
      const list = protocols === undefined ? [] : [].concat(protocols).map(String);
      navigator.serviceWorker.ready.then(
        (registration) => {
          const worker = navigator.serviceWorker.controller ?? registration.active;
          worker.postMessage({ type: "adapters-websocket", url: target.href, protocols: list }, [channel.port2]);
        },
        () => this._ended(1006, "", false),
      );
      addEventListener("pagehide", () => this.close(), { once: true });
    }

    _fire(type, init = {}) {
      const event =
        type === "message" ? new MessageEvent("message", init)
        : type === "close" ? new CloseEvent("close", init)
        : new Event(type);
      this.dispatchEvent(event);
      const handler = this[`on${type}`];
      if (typeof handler === "function") handler.call(this, event);
    }

    _arrived(message) {
      if (this.readyState === STATES.CLOSED) return;
      const origin = location.origin;
      if (message.type === "accept" && this.readyState === STATES.CONNECTING) {
        this.readyState = STATES.OPEN;
        this.protocol = message.protocol || "";
        this._fire("open");
      } else if (message.type === "text") {
        this._fire("message", { data: message.data, origin });
      } else if (message.type === "bytes") {
        const bytes = message.data;
        const data = this.binaryType === "arraybuffer" ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) : new Blob([bytes]);
        this._fire("message", { data, origin });
      } else if (message.type === "close") {
        this._ended(message.accepted === false ? 1006 : message.code ?? 1005, message.reason ?? "", message.accepted !== false);
      }
    }

    _ended(code, reason, wasClean) {
      if (this.readyState === STATES.CLOSED) return;
      this.readyState = STATES.CLOSED;
      if (!wasClean) this._fire("error");
      this._fire("close", { code, reason, wasClean });
      this._port.close();
    }

    send(data) {
      if (this.readyState === STATES.CONNECTING) {
        throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", "InvalidStateError");
      }
      if (this.readyState !== STATES.OPEN) return;
      const port = this._port;
      if (typeof data === "string") {
        this._sending = this._sending.then(() => port.postMessage({ type: "text", data }));
      } else {
        const bytes = data instanceof Blob ? data.arrayBuffer() : Promise.resolve(ArrayBuffer.isView(data) ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data);
        this._sending = this._sending.then(async () => port.postMessage({ type: "bytes", data: new Uint8Array(await bytes) }));
      }
    }

    close(code, reason = "") {
      if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
        throw new DOMException(`Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
      }
      if (this.readyState === STATES.CLOSING || this.readyState === STATES.CLOSED) return;
      const connecting = this.readyState === STATES.CONNECTING;
      this.readyState = STATES.CLOSING;
      const port = this._port;
      this._sending.then(() => port.postMessage({ type: "close", code: code ?? 1005, reason: String(reason) }));
      this._sending.then(() => this._ended(code ?? 1005, String(reason), !connecting));
    }
  }
  Object.assign(AppWebSocket, STATES);
  Object.assign(AppWebSocket.prototype, STATES);
  window.WebSocket = AppWebSocket;
})();
