// Live incident page. The page is complete without this script; with it, the page joins the incident's
// SignalR group and morphs in the HTML fragments the server renders from the same components after every
// change. After a network drop or a server restart it reconnects with jittered back-off, subscribes again,
// and, if the quorum revision moved on meanwhile, re-reads the page and morphs every live region.
(() => {
  const root = document.querySelector("[data-incident-id]");
  if (!root || !window.signalR || !window.Idiomorph) return;

  const incidentId = root.dataset.incidentId;
  const indicator = document.getElementById("live-status");
  let revision = Number(root.dataset.revision);
  let catchingUp = null;
  const shownAt = new Map(); // live region id → revision of the last fragment morphed into it

  const setState = (state, text) => {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = text;
  };

  // 0.5 s, 1 s, 2 s … capped at 30 s, each scaled by a random factor so thousands of watchers do not
  // reconnect in the same instant after a restart.
  const backoff = (attempt) => Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random());

  const morph = (target, html) => {
    const element = document.getElementById(target);
    if (element) Idiomorph.morph(element, html, { morphStyle: "outerHTML" });
  };

  // The tab's title carries the status too (as the server renders it: "title — status"), for watchers
  // whose tab is in the background.
  const syncTitle = () => {
    const title = document.querySelector("#incident-header h1");
    const status = document.getElementById("incident-status");
    if (title && status) document.title = `${title.textContent.trim()} — ${status.textContent.trim()}`;
  };

  const setRevision = (value) => {
    revision = Math.max(revision, value);
    root.dataset.revision = String(revision);
  };

  async function catchUp() {
    if (catchingUp) return catchingUp;
    catchingUp = (async () => {
      try {
        // Without the page's filter and sort: a row that has left the filter is still on this page, and
        // must be brought up to date too (rows are morphed by id, so their order does not matter).
        const response = await fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const freshRoot = fresh.querySelector("[data-incident-id]");
        if (!freshRoot) return;
        const freshRevision = Number(freshRoot.dataset.revision);
        // Fragments keep arriving while the page is read: a region they showed at a newer revision than
        // this answer's keeps what it shows.
        for (const region of freshRoot.querySelectorAll("[data-live][id]")) {
          if ((shownAt.get(region.id) ?? 0) <= freshRevision) morph(region.id, region.outerHTML);
        }
        setRevision(freshRevision);
        syncTitle();
      } finally {
        catchingUp = null;
      }
    })();
    return catchingUp;
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/incidents")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => backoff(context.previousRetryCount) })
    .build();

  const takeFragment = (fragment) => {
    if (fragment.revision < revision) return; // an older picture than the one shown
    morph(fragment.target, fragment.html);
    shownAt.set(fragment.target, fragment.revision);
    setRevision(fragment.revision);
    if (fragment.target === "incident-header") syncTitle();
  };

  const takeQuorum = (quorum) => {
    if (quorum.revision > revision) catchUp(); // we missed changes while away
  };

  // The page watches with "Watch": each change is one "update" (its fragments, then its quorum document).
  // "fragment" and "quorum" messages are what "Subscribe" sends; joining answers with a "quorum" either way.
  connection.on("update", (update) => {
    for (const fragment of update.fragments) takeFragment(fragment);
    if (update.quorum) takeQuorum(update.quorum); // on the last update of a change only
  });
  connection.on("fragment", takeFragment);
  connection.on("quorum", takeQuorum);

  async function subscribe() {
    // The public status page asks for the public fragments even when its visitor is signed in.
    await connection.invoke(root.dataset.view === "public" ? "WatchPublic" : "Watch", incidentId);
    setState("live", "Live");
  }

  connection.onreconnecting(() => setState("reconnecting", "Reconnecting…"));
  connection.onreconnected(() => start(1));
  connection.onclose(() => start(0));

  let retry = null;

  async function start(attempt) {
    clearTimeout(retry);
    setState(attempt === 0 ? "connecting" : "reconnecting", attempt === 0 ? "Connecting…" : "Reconnecting…");
    try {
      // A connection that is up but whose Subscribe failed only needs to subscribe again.
      if (connection.state === signalR.HubConnectionState.Disconnected) await connection.start();
      await subscribe();
    } catch {
      retry = setTimeout(() => start(attempt + 1), backoff(attempt));
    }
  }

  // Exposed for tests and for the curious: the revision shown and the connection's state.
  window.portalLive = { get revision() { return revision; }, connection };
  start(0);
})();
