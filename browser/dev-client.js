// `adapters browser dev`: reload the app's page when the dev server has a new build.
//
// The service worker adds this script to every HTML page it answers a navigation with,
// saying which build made the page (data-adapters-build). The dev server announces each
// build on an event stream beside this file; a build other than the page's own reloads
// the page, and the worker, seeing the navigation, starts the new build first. A rebuild
// that failed is shown in the console, and the page keeps the last good build.
(() => {
  const script = document.currentScript;
  if (!script || !("EventSource" in self)) return;
  const pageBuild = script.dataset.adaptersBuild ?? "";
  const events = new EventSource(new URL("events", script.src));
  events.addEventListener("build", (event) => {
    if (event.data && event.data !== pageBuild) {
      events.close();
      location.reload();
    }
  });
  events.addEventListener("build-error", (event) => {
    console.error(`adapters dev: the rebuild failed; still running build ${pageBuild}\n${event.data}`);
  });
})();
